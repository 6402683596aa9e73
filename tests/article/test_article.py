"""The article converter: header, attribution of every quote, conservation of text, chapters."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shalket_audio.article import Conversion, convert_article, convert_file
from shalket_audio.errors import InputError, ShalketError
from shalket_audio.script import Segment, estimate_seconds, parse_script, serialize_script

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "script" / "shal-ket.article.txt"


@pytest.fixture(scope="module")
def shal_ket() -> Conversion:
    return convert_file(ARTICLE, today=date(2026, 11, 24))


def body_segments(conversion: Conversion) -> list[Segment]:
    segments = list(conversion.episode.segments)
    return segments[len(conversion.intro) : len(segments) - len(conversion.outro)]


def normalise(text: str) -> str:
    """Quote marks and whitespace are the only differences the converter may introduce."""
    text = re.sub(r"[“”\"„«»]", "", text).replace("‘", "'").replace("’", "'")
    return " ".join(text.split())


# Every direct quote of Zhanar's in the article, in order.  The quote that runs over a
# paragraph break is two segments, one per paragraph.
ZHANAR_SEGMENTS = [
    "We are a failed state,",
    "We’re all tired of the Nazarbayev regime,",
    "but the first thing that takes you to the street is your pocket.",
    "The face [of the uprisings] were Kazakh males,",
    "but there were also women there.",
    "Mothers of many children were active before the January events. They were very angry because of the "
    "socio-economic situation.",
    "They are saying, ‘we have so many children, so now I should be a very honourable person in Kazakhstan’. "
    "But they are not.",
    "They are poor. That is why they’re so angry… They are vulnerable.",
    "What about the children?,",
    "are they in an orphanage?",
    "Maybe they feel nostalgia for one authoritarian leader - Stalin,",
    "They saw something really, really, really inhuman in Stalin and that is why they are a little more okay with "
    "Putin. He’s strong, he’s making everybody feel fear and so on.",
    "Maybe you should read some sociological researchers. But I guess.",
    "People will rethink how this big brother or ‘big person’ will help us.",
    "I think if Russia decides to attack Kazakhstan they will do it successfully because our power, our military "
    "power, economical power, is really weak.",
    "I am not afraid. I will protect me, my parents, my people around me, to the end. I will not leave the city. "
    "I will defend for all my efforts.",
    "But what can we do? Only some people? So it’s the same situation in Kyiv.",
]

# Quoted spans that are not Zhanar speaking: a slogan, a translation, a term and the headline.
NARRATOR_QUOTES = ["“Shal ket”", "“old man out”", "‘Bloody January’", "“Shal Ket” - The Brutal Events"]

# The attribution clauses between the halves of her quotes stay with the narrator.
ATTRIBUTIONS = [
    "she said remorsefully.",
    "she explained,",
    "she told me,",
    "She continued,",
    "she asked, distressed,",
    "she suggests,",
]


def test_header_becomes_metadata_and_intro(shal_ket: Conversion) -> None:
    meta = shal_ket.episode.metadata
    assert meta.title == "“Shal Ket” - The Brutal Events of Kazakhstan’s Bloody January"
    assert meta.author == "Nico Lethbridge"
    assert meta.description.startswith("LGBT+ activist Zhanar Sekerbeyeva takes us through")
    assert meta.language == "en"
    assert shal_ket.dropped == ("top of page", "bottom of page")
    intro = [s.text for s in shal_ket.intro]
    assert intro == [meta.title + ".", "By Nico Lethbridge.", meta.description]
    assert shal_ket.episode.segments[: len(intro)] == shal_ket.intro


def test_speakers_come_from_byline_and_text(shal_ket: Conversion) -> None:
    host, guest = shal_ket.episode.speakers
    assert (host.tag, host.name, host.role) == ("interviewer", "Nico Lethbridge", "host")
    assert (guest.tag, guest.name, guest.role) == ("zhanar", "Zhanar Sekerbeyeva", "guest")
    assert guest.voices["local"][0] == "kokoro:af_heart"


def test_every_zhanar_quote_is_in_her_voice_and_nothing_else(shal_ket: Conversion) -> None:
    spoken_by_her = [s.text for s in shal_ket.episode.segments if s.speaker == "zhanar"]
    assert spoken_by_her == ZHANAR_SEGMENTS


def test_other_quoted_spans_stay_with_the_narrator(shal_ket: Conversion) -> None:
    narrator = " ".join(s.text for s in shal_ket.episode.segments if s.speaker == "interviewer")
    for span in NARRATOR_QUOTES + ATTRIBUTIONS:
        assert span in narrator, span
    decided = {q.text: q.speaker for q in shal_ket.quotes}
    # 'Bloody January', in single marks in a double-quote article, is a name: found, and the narrator's
    assert decided["Shal ket"] == decided["old man out"] == decided["Bloody January"] == "interviewer"
    assert sum(1 for q in shal_ket.quotes if q.speaker == "zhanar") == 16
    assert len(shal_ket.quotes) == 19


def test_nothing_is_lost_or_duplicated(shal_ket: Conversion) -> None:
    blocks = [" ".join(b.split()) for b in re.split(r"\n\s*\n", ARTICLE.read_text(encoding="utf-8")) if b.strip()]
    # Independent of the converter: page furniture first and last, then title, byline and standfirst.
    assert blocks[0] == "top of page" and blocks[-1] == "bottom of page"
    article_body = " ".join(blocks[4:-1])
    joined = " ".join(segment.text for segment in body_segments(shal_ket))
    assert normalise(joined) == normalise(article_body)
    assert "”" not in " ".join(s.text for s in shal_ket.episode.segments if s.speaker == "zhanar")


def test_chapters_are_balanced_at_paragraph_boundaries(shal_ket: Conversion) -> None:
    chapters = shal_ket.episode.chapters
    assert 5 <= len(chapters) <= 8
    for chapter in chapters:
        assert 60 <= chapter.estimated_seconds <= 120, (chapter.title, chapter.estimated_seconds)
        assert chapter.segments[0].new_paragraph
        assert not re.fullmatch(r"(Chapter|Part) \d+", chapter.title)
    assert len({c.title for c in chapters}) == len(chapters)


def test_outro_credits_author_and_says_voices_are_synthetic(shal_ket: Conversion) -> None:
    (outro,) = shal_ket.outro
    assert outro.speaker == "interviewer"
    assert "Nico Lethbridge" in outro.text and "synthetic" in outro.text
    assert shal_ket.episode.segments[-1] == outro


def test_converted_script_passes_the_parser(shal_ket: Conversion) -> None:
    text = serialize_script(shal_ket.episode)
    assert parse_script(text) == shal_ket.episode


def test_committed_script_keeps_the_converters_segments(shal_ket: Conversion) -> None:
    committed = parse_script((ROOT / "script" / "shal-ket.md").read_text(encoding="utf-8"))
    assert [(s.speaker, s.text) for s in committed.segments] == [(s.speaker, s.text) for s in shal_ket.episode.segments]
    assert [c.title for c in committed.chapters] != [c.title for c in shal_ket.episode.chapters], "titles were edited"
    for name in (
        "Sekerbeyeva",
        "Tokayev",
        "Nazarbayev",
        "Almaty",
        "Kyiv",
        "Xinjiang",
        "Aitkulov",
        "Sunninghill",
        "Shal ket",
    ):
        assert name.lower() in {written.lower() for written in committed.lexicon}, name


# --------------------------------------------------------------------------- rules on articles never seen

HEADER = "Voices From The Square\n\nBy Ann Writer\n\nActivist Amina Duarte talks about her city and its protests.\n\n"


def convert(body: str, **options: str) -> Conversion:
    return convert_article(HEADER + body, today=date(2026, 1, 1), **options)  # type: ignore[arg-type]


ATTRIBUTION_CASES = [
    (
        "another person's quotes, then back to her",
        "“We will restore order,” Tokayev said. He added, “There will be no mercy for anyone.” "
        "Amina laughed at that. “They always say this,” she told me.",
        [
            ("We will restore order,", "tokayev"),
            ("There will be no mercy for anyone.", "tokayev"),
            ("They always say this,", "amina"),
        ],
    ),
    (
        "a common-noun speaker",
        "“Order has been restored,” the president announced on television. “It has not,” Amina said.",
        [("Order has been restored,", "president"), ("It has not,", "amina")],
    ),
    (
        "a quote introduced by a colon",
        "Amina is clear about the future: “We will keep marching until somebody listens to us.”",
        [("We will keep marching until somebody listens to us.", "amina")],
    ),
    (
        "the interviewer's own question",
        "“Are you ever afraid?” I asked. “Every single day,” she said.",
        [("Are you ever afraid?", "interviewer"), ("Every single day,", "amina")],
    ),
    (
        "terms and slogans",
        "Locals call the square “the cauldron”. The slogan “Freedom now!” was everywhere.",
        [("the cauldron", "interviewer"), ("Freedom now!", "interviewer")],
    ),
    (
        "British single quotes as the main style",
        "Amina shook her head. ‘We are tired of waiting,’ she said, ‘and we will not leave.’ "
        "The council’s ‘new plan’ changes nothing.",
        [("We are tired of waiting,", "amina"), ("and we will not leave.", "amina"), ("new plan", "interviewer")],
    ),
    (
        "straight quotes",
        'She paused. "It was terrible," she said. "Nobody came to help us that night."',
        [("It was terrible,", "amina"), ("Nobody came to help us that night.", "amina")],
    ),
    (
        "a quote reopened at each paragraph",
        "“The first week was chaos. Nobody knew anything.\n\n“Then the shooting started,” she said.",
        [("The first week was chaos. Nobody knew anything. Then the shooting started,", "amina")],
    ),
    (
        "mixed straight and curly marks",
        'Amina smiled. "We are still here,” she said.',
        [("We are still here,", "amina")],
    ),
    (
        "a bracketed insertion",
        "“They [the police] did not care about us at all,” she said.",
        [("They [the police] did not care about us at all,", "amina")],
    ),
    (
        "her surname in an inverted attribution",
        "“We need help from outside,” said Duarte.",
        [("We need help from outside,", "amina")],
    ),
    (
        "a partial quote ending before the full stop",
        "She calls it “a betrayal of everything we fought for”.",
        [("a betrayal of everything we fought for", "amina")],
    ),
]


@pytest.mark.parametrize(("case", "body", "expected"), ATTRIBUTION_CASES, ids=[c[0] for c in ATTRIBUTION_CASES])
def test_attribution_rules(case: str, body: str, expected: list[tuple[str, str]]) -> None:
    conversion = convert(body)
    assert conversion.interviewee == "Amina Duarte"
    assert [(q.text, q.speaker) for q in conversion.quotes] == expected
    joined = " ".join(s.text for s in body_segments(conversion))
    marks = re.compile(r"[“”\"„«»‘’']")
    assert " ".join(marks.sub("", joined).split()) == " ".join(marks.sub("", body).split())


def test_punctuation_after_a_quote_is_not_spoken_alone() -> None:
    conversion = convert("She calls it “a betrayal of everything we fought for”. Then she left.")
    texts = [(s.speaker, s.text) for s in body_segments(conversion)]
    assert texts == [
        ("interviewer", "She calls it"),
        ("amina", "a betrayal of everything we fought for."),
        ("interviewer", "Then she left."),
    ]


def test_names_can_be_given() -> None:
    conversion = convert("“We stay,” she said. Marat Bekov watched.", interviewer="Nico Other", interviewee="Amina")
    assert conversion.episode.speakers[0].name == "Nico Other"
    assert conversion.interviewee == "Amina Duarte"


def test_byline_with_date_and_dateline() -> None:
    article = (
        "A Title\n\nBy Ann Writer | 8 March 2022\n\nShort standfirst about Amina Duarte.\n\n"
        "Amina Duarte said “hello there, friends,” softly.\n"
    )
    conversion = convert_article(article)
    assert conversion.episode.metadata.date == "2022-03-08"
    assert conversion.episode.metadata.author == "Ann Writer"


def test_missing_byline_converts_with_a_narrator_and_one_notice() -> None:
    article = (
        "A Title\n\nA long first paragraph about Amina Duarte and her work in the city, which goes on.\n\n"
        "“We stay,” Amina Duarte said."
    )
    conversion = convert_article(article)
    host = conversion.episode.speakers[0]
    assert (host.tag, host.name, host.role) == ("interviewer", "Narrator", "host")
    assert conversion.episode.metadata.author == ""
    (notice,) = conversion.notices
    assert "no byline" in notice and "--interviewer" in notice
    assert [(q.text, q.speaker) for q in conversion.quotes] == [("We stay,", "amina")]
    assert "written by" not in conversion.outro[0].text
    named = convert_article(article, interviewer="Ann Writer")
    assert named.episode.speakers[0].name == "Ann Writer" and named.notices == ()
    assert "written by Ann Writer" in named.outro[0].text


def test_no_interviewee_found_asks_for_one() -> None:
    with pytest.raises(InputError, match="--interviewee"):
        convert_article(
            "A Title\n\nBy Ann Writer\n\nit was a quiet day in the city and nothing much happened at all.\n"
        )


def test_empty_article() -> None:
    with pytest.raises(ShalketError, match="no text"):
        convert_article("top of page\n\n\nbottom of page\n")


def test_unreadable_article(tmp_path: Path) -> None:
    with pytest.raises(ShalketError, match="not found"):
        convert_file(tmp_path / "missing.txt")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Title\n\nBy Ann\n\nCaf\xe9\n")
    with pytest.raises(ShalketError, match="UTF-8") as caught:
        convert_file(bad)
    assert "bad.txt:5" in str(caught.value)


_PROSE = st.sampled_from(
    [
        "The city was quiet.",
        "Amina Duarte walked to the square.",
        "She paused,",
        "Tokayev said nothing.",
        "(It was cold.)",
        "the so-called",
        "she said,",
        "I asked.",
        "—",
        "[sic]",
    ]
)
_QUOTE = st.builds(
    lambda open_, words, close: f"{open_}{words}{close}",
    st.sampled_from(["“", '"', "‘", "„", "«", ""]),
    st.sampled_from(["We are tired,", "old man out", "What now?", "We will stay. Nobody leaves.", "’tis", ""]),
    st.sampled_from(["”", '"', "’", "»", ""]),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.one_of(_PROSE, _QUOTE, st.text(max_size=8)), min_size=1, max_size=8), min_size=1, max_size=5)
)
def test_any_article_converts_without_losing_text(paragraphs: list[list[str]]) -> None:
    body = "\n\n".join(" ".join(parts) for parts in paragraphs)
    try:
        conversion = convert(body)
    except ShalketError:
        return
    joined = "".join(s.text for s in body_segments(conversion))
    kept = "".join(conversion.body)
    strip = re.compile(r"[\s“”\"„«»‘’']")
    assert strip.sub("", joined) == strip.sub("", kept)
    assert estimate_seconds(conversion.episode.words) >= 0
