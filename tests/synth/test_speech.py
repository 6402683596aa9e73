"""Text prepared for speech: each step on its own, table-driven."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shalket_audio.synth.text import (
    apply_lexicon,
    chunk_sentences,
    expand_numbers,
    expand_symbols,
    prepare,
    tidy_punctuation,
)

LEXICON = {"Almaty": "Al-mah-tee", "shal ket": "Shahl ket", "US": "U S", "Nazarbayev": "Nah-zar-bye-yev"}


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("in Almaty today", "in Al-mah-tee today"),
        ("Almaty’s streets", "Al-mah-tee’s streets"),  # possessive: still the whole word
        ("ALMATY", "ALMATY"),  # a capitalised entry matches its own spelling only
        ("Almatyan", "Almatyan"),  # whole words only
        ("chanted “Shal ket” loudly", "chanted “Shahl ket” loudly"),
        ("“Shal Ket” - the title", "“Shahl ket” - the title"),  # a lower-case entry matches any case
        ("SHAL   KET", "Shahl ket"),  # and any spacing
        ("the US and us", "the U S and us"),
        ("Nazarbayev-era", "Nazarbayev-era"),  # part of a hyphenated word is left alone
    ],
)
def test_lexicon(text: str, spoken: str) -> None:
    assert apply_lexicon(text, LEXICON) == spoken


def test_lexicon_longest_entry_wins_and_output_is_not_rewritten() -> None:
    lexicon = {"Kassym": "Kah-seem", "Kassym-Jomart": "Kah-seem Jo-mart", "Jo": "JOE"}
    assert apply_lexicon("Kassym-Jomart Tokayev", lexicon) == "Kah-seem Jo-mart Tokayev"


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("$530m worth", "530 million dollars worth"),
        ("£5bn", "5 billion pounds"),
        ("$1.2 billion", "1.2 billion dollars"),
        ("€20", "20 euros"),
        ("$1", "1 dollar"),
        ("$5.50", "5 dollars 50"),
        ("LGBT+ people", "L G B T plus people"),
        ("the BBC said", "the B B C said"),
        ("NATO said", "NATO said"),  # an acronym with vowels is a word
        ("45% of them", "45 percent of them"),
        ("you & me", "you and me"),
        ("at 30°C", "at 30 degrees Celsius"),
    ],
)
def test_symbols(text: str, spoken: str) -> None:
    assert expand_symbols(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("the world’s 9th largest", "the world’s ninth largest"),
        ("the 21st century", "the twenty-first century"),
        ("One 12-year-old boy", "One twelve-year-old boy"),
        ("its 30 year history", "its thirty year history"),
        ("in 1991", "in nineteen ninety-one"),
        ("until 2019", "until twenty nineteen"),
        ("in 2007", "in two thousand and seven"),
        ("in the 1990s", "in the nineteen nineties"),
        ("1,200 people", "one thousand two hundred people"),
        ("1.5 times", "one point five times"),
        ("2019 people", "two thousand and nineteen people"),  # a count, not a year
        ("530 million dollars", "five hundred and thirty million dollars"),
    ],
)
def test_numbers(text: str, spoken: str) -> None:
    assert expand_numbers(text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("The face [of the uprisings] were", "The face of the uprisings were"),
        ("it was [sic] wrong", "it was wrong"),
        ("so angry… They are", "so angry. They are"),
        ("well... maybe", "well, maybe"),
        ("leader - Stalin,", "leader, Stalin,"),
        ("Putin — not an enticing prospect", "Putin, not an enticing prospect"),
        ("children?, she asked", "children? she asked"),
        ("“quoted” and ‘single’", "quoted and 'single'"),
        ("the city (Almaty) burned", "the city, Almaty, burned"),
    ],
)
def test_punctuation(text: str, spoken: str) -> None:
    assert tidy_punctuation(text) == spoken


def test_chunks_split_at_sentences_within_the_limit() -> None:
    text = "First sentence here. Second one is a bit longer than that. Third. " * 6
    chunks = chunk_sentences(text.strip(), limit=120)
    assert all(len(c) <= 120 for c in chunks)
    assert all(c.endswith(".") for c in chunks)
    assert " ".join(chunks) == " ".join(text.split())


def test_a_sentence_longer_than_the_limit_splits_at_clauses_then_words() -> None:
    sentence = "one, two, three, " * 20 + "end."
    chunks = chunk_sentences(sentence, limit=50)
    assert all(len(c) <= 50 for c in chunks)
    assert " ".join(chunks) == sentence


@given(st.text(max_size=600))
def test_chunking_keeps_every_word(text: str) -> None:
    chunks = chunk_sentences(" ".join(text.split()), limit=80)
    assert " ".join(chunks).split() == text.split() or any(len(w) > 80 for w in text.split())
    assert all(len(c) <= 80 for c in chunks)


def test_prepare_runs_every_step_in_order() -> None:
    chunks = prepare("In 1991, $530m [of it] went to Almaty…", LEXICON)
    assert chunks == ["In nineteen ninety-one, five hundred and thirty million dollars of it went to Al-mah-tee."]


def test_prepare_of_nothing_is_nothing() -> None:
    assert prepare("   ") == []
