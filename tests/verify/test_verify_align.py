"""The word alignment behind the listening check: tables of cases and hypothesis properties."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from shalket_audio.verify.align import Op, Word, align, expected_words, heard_words


def run(expected: str, heard: str, lexicon: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return align(expected_words(expected, lexicon or {}), heard_words(heard))


def test_identical_text_has_no_errors() -> None:
    result = run("She was dragged by the hair.", "she was dragged by the hair")
    assert result.errors == 0 and result.wer == 0.0 and result.expected_count == 6


def test_a_dropped_word_is_missing_and_an_extra_word_is_added() -> None:
    result = run("The committee approved the budget on Tuesday.", "The committee approved the on Tuesday really.")
    assert result.missing == ["budget"]
    assert result.added == ["really"]
    assert result.wer == 2 / 7


def test_a_different_word_is_misheard() -> None:
    result = run("We are a failed state,", "We are a film state.")
    assert result.misheard == [("failed", "film")]
    assert result.missing == [] and result.added == []


def test_the_recognizers_digits_and_symbols_are_read_as_the_script_reads_them() -> None:
    expected = "since independence in nineteen ninety-one, around five hundred and thirty million dollars worth"
    assert run(expected, "since independence in 1991, around $530 million worth").errors == 0
    assert run("in its thirty year history", "in its 30-year history").errors == 0


def test_spacing_hyphens_and_spelling_variants_are_not_errors() -> None:
    assert run("L G B T plus activist", "LG BT Plus activist").errors == 0
    assert run("an eminent powerlifter", "an eminent power lifter").errors == 0
    assert run("a benevolent neighbour, organising", "a benevolent neighbor organizing").errors == 0


def test_a_lexicon_name_is_compared_in_its_spoken_form_and_may_be_spelled_anyhow() -> None:
    lexicon = {"Zhanar": "Zhah-nar", "Nazarbayev": "Nah-zar-bye-yev"}
    # The engine was given the respelling; the recognizer spells the name its own way.
    result = run("Zhah-nar's resolve is inspiring.", "John Arsh resolve is inspiring.", lexicon)
    assert result.errors == 0
    (name,) = [w for s in result.steps for w in s.expected if w.is_name]
    assert name.text == "Zhah-nar's"
    assert run(
        "We're all tired of the Nah-zar-bye-yev regime,", "We're all tired of Nazarbayev regime", lexicon
    ).missing == ["the"]


def test_a_lexicon_name_with_nothing_heard_in_its_place_is_missing() -> None:
    result = run("Then Zhah-nar spoke.", "Then spoke.", {"Zhanar": "Zhah-nar"})
    assert result.missing == ["Zhah-nar"]


def test_words_missing_at_the_end_mean_the_clip_stopped_early() -> None:
    result = run("He was shot in the back of the head.", "He was shot in the")
    assert result.trailing_missing == 4
    assert run("He was shot in the back.", "He was shot in the back.").trailing_missing == 0


WORDS = st.lists(st.sampled_from(["ab", "cd", "ef", "gh", "ij"]), max_size=12)


@given(WORDS)
def test_a_text_aligned_with_itself_has_no_errors(tokens: list[str]) -> None:
    text = " ".join(tokens)
    result = run(text, text)
    assert result.errors == 0 and all(step.op is Op.EQUAL for step in result.steps)


@given(WORDS, WORDS)
def test_the_steps_rebuild_both_texts(expected: list[str], heard: list[str]) -> None:
    result = run(" ".join(expected), " ".join(heard))
    assert [w.text for s in result.steps for w in s.expected] == expected
    assert [w.text for s in result.steps for w in s.heard] == heard
    assert result.errors == len(result.missing) + len(result.added) + len(result.misheard)


@given(WORDS, WORDS)
def test_without_near_spellings_the_errors_are_the_word_levenshtein_distance(
    expected: list[str], heard: list[str]
) -> None:
    # These words share no letters and all have two, so no block or near-spelling match can apply.
    result = run(" ".join(expected), " ".join(heard))
    assert result.errors == Levenshtein.distance(expected, heard)


@given(st.text(max_size=80), st.text(max_size=80))
def test_any_text_aligns_without_raising(expected: str, heard: str) -> None:
    result = align(expected_words(expected, {"Zhanar": "Zhah-nar"}), heard_words(heard))
    assert result.errors >= 0 and result.wer >= 0


def test_a_word_object_knows_when_it_is_a_name() -> None:
    assert Word("Zhah-nar", "zhahnar", ("zhanar", "zhahnar")).is_name
    assert not Word("state", "state").is_name


def test_a_name_given_as_phonemes_is_one_name_word_and_respelled_for_other_engines() -> None:
    from shalket_audio.verify.align import respelled

    lexicon, phonemes = {"Zhanar": "Zhah-nar"}, {"Zhanar": "ʒɑˈnɑr"}
    prepared = "I spoke to [[ʒɑˈnɑr]]'s mother."
    (name,) = [w for w in expected_words(prepared, lexicon, phonemes) if w.is_name]
    assert name.text == "Zhanar's" and name.forms == ("zhanars", "zhahnars")
    assert align(expected_words(prepared, lexicon, phonemes), heard_words("I spoke to Janar's mother.")).errors == 0
    assert respelled(prepared, lexicon, phonemes) == "I spoke to Zhah-nar's mother."
