"""The script format: parsing, errors that name file/line/fix, and round trips."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shalket_audio.errors import ScriptError
from shalket_audio.script import (
    Chapter,
    Comment,
    Episode,
    Metadata,
    Pause,
    Segment,
    Speaker,
    episode_to_json,
    load_script,
    parse_script,
    serialize_script,
)

ROOT = Path(__file__).resolve().parents[2]

FRONT = """---
title: A Test Episode
author: Ann Writer
show: Tests Aloud
language: en
date: 2026-11-24
description: Two people talk.
speakers:
  interviewer:
    name: Ann Writer
    role: host
    voices:
      local: [piper:en_US-joe-medium]
  amina:
    name: Amina Duarte
    role: guest
    voices:
      local: [flite:slt, espeak:en-us+f2]
lexicon:
  Duarte: doo-AR-tay
---
"""

BODY = """
<!-- a note for producers -->

# First things

interviewer: Hello there.
amina: Hi.
interviewer: Second line of the same paragraph.

amina: A new paragraph.

[pause 1.5s]

interviewer: After the pause.

# Second things

amina: Only me.
<!-- a comment inside a paragraph -->
amina: Still the same paragraph.
"""

VALID = FRONT + BODY


def test_parses_metadata_speakers_and_lexicon() -> None:
    episode = parse_script(VALID, path="t.md")
    assert episode.metadata == Metadata(
        title="A Test Episode",
        author="Ann Writer",
        show="Tests Aloud",
        language="en",
        date="2026-11-24",
        description="Two people talk.",
    )
    assert [s.tag for s in episode.speakers] == ["interviewer", "amina"]
    assert episode.speaker("amina") == Speaker(
        "amina", "Amina Duarte", "guest", {"local": ("flite:slt", "espeak:en-us+f2")}
    )
    assert episode.lexicon == {"Duarte": "doo-AR-tay"}
    assert episode.preamble == (Comment("a note for producers"),)


def test_parses_chapters_segments_pauses_and_paragraphs() -> None:
    episode = parse_script(VALID, path="t.md")
    first, second = episode.chapters
    assert first.title == "First things"
    assert first.items == (
        Segment("interviewer", "Hello there.", new_paragraph=True),
        Segment("amina", "Hi.", new_paragraph=False),
        Segment("interviewer", "Second line of the same paragraph.", new_paragraph=False),
        Segment("amina", "A new paragraph.", new_paragraph=True),
        Pause(1500),
        Segment("interviewer", "After the pause.", new_paragraph=True),
    )
    assert second.items[1] == Comment("a comment inside a paragraph")
    assert second.segments[1] == Segment("amina", "Still the same paragraph.", new_paragraph=False)
    assert [s.line for s in first.segments] == [27, 28, 29, 31, 35]
    assert first.pause_ms == 1500


@pytest.mark.parametrize(
    ("pause", "ms"),
    [
        ("[pause 2s]", 2000),
        ("[pause 800ms]", 800),
        ("[Pause 1.25 s]", 1250),
        ("[pause 3 seconds]", 3000),
        ("[ pause 30s ]", 30000),
    ],
)
def test_pause_forms(pause: str, ms: int) -> None:
    episode = parse_script(FRONT + f"# C\n\ninterviewer: a\n\n{pause}\n")
    assert episode.chapters[0].items[-1] == Pause(ms)


# Each case: the text, the line the error must name, and words its message must contain.
ERROR_CASES = [
    ("empty file", "", None, "empty"),
    ("blank file", "  \n\n \n", None, "empty"),
    ("no front matter", "# Chapter\n\ninterviewer: hi\n", 1, "front matter"),
    ("unclosed front matter", "---\ntitle: x\n", 1, "closing '---'"),
    ("YAML syntax", "---\ntitle: [unclosed\nspeakers: {}\n---\n# C\n", 3, "malformed front matter"),
    ("front matter not a mapping", "---\n- a\n- b\n---\n# C\n", 2, "mapping"),
    ("missing title", "---\nspeakers:\n  a:\n    name: A\n    role: host\n---\n# C\na: hi\n", 1, "'title' is missing"),
    ("unknown key", FRONT.replace("show:", "shw:"), 4, "unknown key 'shw'"),
    ("bad role", FRONT.replace("role: guest", "role: star"), 16, "role 'star'"),
    ("bad date", FRONT.replace("2026-11-24", "24/11/2026"), 6, "not a date"),
    ("bad email", FRONT.replace("show: Tests Aloud", "email: nobody"), 4, "not an e-mail address"),
    ("bad tag", FRONT.replace("  amina:", "  Amina Duarte:"), 14, "not a valid tag"),
    ("bad voice", FRONT.replace("[flite:slt, espeak:en-us+f2]", "[slt]"), 18, "engine:voice"),
    ("duplicate speaker", FRONT.replace("  amina:", "  interviewer:"), 14, "appears twice"),
    ("empty lexicon value", FRONT.replace("doo-AR-tay", "''"), 20, "lexicon entry is empty"),
    ("unknown speaker", FRONT + "# C\n\nzhanar: hello\n", 24, "unknown speaker tag 'zhanar'"),
    ("speaker case", FRONT + "# C\n\nAmina: hello\n", 24, "did you mean 'amina'"),
    ("text before chapter", FRONT + "\ninterviewer: hello\n\n# C\n\namina: hi\n", 23, "before the first chapter"),
    ("pause before chapter", FRONT + "\n[pause 1s]\n# C\namina: hi\n", 23, "before the first chapter"),
    ("empty chapter", FRONT + "\n# Empty\n\n# Full\n\namina: hi\n", 23, "chapter 'Empty' is empty"),
    ("last chapter empty", FRONT + "\n# Full\namina: hi\n# Empty\n<!-- x -->\n", 25, "is empty"),
    ("no chapters", FRONT + "\n<!-- only a note -->\n", 24, "no chapters"),
    ("bad pause word", FRONT + "# C\namina: hi\n[pause soon]\n", 24, "bad pause"),
    ("negative pause", FRONT + "# C\namina: hi\n[pause -1s]\n", 24, "bad pause"),
    ("zero pause", FRONT + "# C\namina: hi\n[pause 0s]\n", 24, "bad pause"),
    ("huge pause", FRONT + "# C\namina: hi\n[pause 31s]\n", 24, "bad pause"),
    ("unclosed pause", FRONT + "# C\namina: hi\n[pause 1s\n", 24, "bad pause"),
    ("untagged line", FRONT + "# C\namina: hi\njust some words\n", 24, "cannot read this line"),
    ("empty segment", FRONT + "# C\namina:\n", 23, "has no text"),
    ("unclosed comment", FRONT + "# C\namina: hi\n<!-- forever\nand ever\n", 24, "never closed"),
    ("subheading", FRONT + "# C\namina: hi\n## Sub\n", 24, "unexpected heading"),
]


@pytest.mark.parametrize(("case", "text", "line", "words"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_errors_name_file_line_and_fix(case: str, text: str, line: int | None, words: str) -> None:
    with pytest.raises(ScriptError) as caught:
        parse_script(text, path="episode.md")
    error = caught.value
    assert error.line == line, str(error)
    assert words in str(error), str(error)
    assert error.fix, "every error says what to do"
    assert str(error).startswith("episode.md" + (f":{line}" if line else ""))


def test_load_script_errors(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="script not found"):
        load_script(tmp_path / "missing.md")
    with pytest.raises(ScriptError, match="is a folder, not a script file"):
        load_script(tmp_path)
    bad = tmp_path / "latin1.md"
    bad.write_bytes(FRONT.encode() + b"# C\namina: caf\xe9\n")
    with pytest.raises(ScriptError) as caught:
        load_script(bad)
    assert caught.value.line == 23 and "UTF-8" in str(caught.value)


def test_windows_line_endings_and_bom() -> None:
    episode = parse_script("\ufeff" + VALID.replace("\n", "\r\n"))
    assert episode == parse_script(VALID)


def test_committed_script_round_trips_byte_for_byte() -> None:
    text = (ROOT / "script" / "shal-ket.md").read_text(encoding="utf-8")
    episode = parse_script(text)
    assert serialize_script(episode) == text
    assert parse_script(serialize_script(episode)) == episode


def test_round_trip_keeps_every_item() -> None:
    episode = parse_script(VALID)
    again = parse_script(serialize_script(episode))
    assert again == episode
    assert serialize_script(again) == serialize_script(episode)


def test_json_view_schema() -> None:
    data = episode_to_json(parse_script(VALID, path="t.md"))
    assert set(data) == {
        "schema_version",
        "path",
        "metadata",
        "speakers",
        "lexicon",
        "phonemes",
        "pacing",
        "chapters",
        "totals",
    }
    assert data["schema_version"] == 1
    chapter = data["chapters"][0]  # type: ignore[index]
    assert chapter["title"] == "First things"
    assert chapter["segments"][0] == {
        "speaker": "interviewer",
        "text": "Hello there.",
        "line": 27,
        "new_paragraph": True,
    }
    assert chapter["pauses"] == [{"before_segment": 4, "ms": 1500, "line": 33}]
    assert data["totals"] == {"chapters": 2, "segments": 7, "words": 21, "estimated_seconds": 9.6}  # type: ignore[comparator-overlap]


# --------------------------------------------------------------------------- property tests

_tags = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)
_line_text = (
    st.text(
        st.characters(blacklist_categories=["Cs", "Cc", "Zl", "Zp"], blacklist_characters="\x85"),
        min_size=1,
        max_size=40,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
_words = st.text(st.characters(whitelist_categories=["L", "N"]), min_size=1, max_size=12)


@st.composite
def episodes(draw: st.DrawFn) -> Episode:
    tags = draw(st.lists(_tags, min_size=1, max_size=3, unique=True))
    speakers = tuple(
        Speaker(
            tag,
            draw(_line_text),
            draw(st.sampled_from(["host", "guest"])),
            draw(
                st.dictionaries(
                    _tags,
                    st.lists(
                        st.from_regex(r"[a-z]{1,6}:[a-z0-9_+.:-]{1,10}", fullmatch=True), min_size=1, max_size=3
                    ).map(tuple),
                    max_size=2,
                )
            ),
        )
        for tag in tags
    )
    chapters = []
    for _ in range(draw(st.integers(1, 3))):
        items: list[Segment | Pause | Comment] = []
        for position in range(draw(st.integers(1, 5))):
            kind = draw(st.sampled_from(["segment", "segment", "pause", "comment"]))
            if kind == "segment" or position == 0:
                previous_paragraph = (
                    items
                    and isinstance(items[-1], Segment | Comment)
                    and not all(isinstance(i, Comment) for i in items)
                )
                starts = draw(st.booleans()) or not previous_paragraph or isinstance(items[-1], Pause)
                items.append(Segment(draw(st.sampled_from(tags)), draw(_line_text), new_paragraph=bool(starts)))
            elif kind == "pause":
                items.append(Pause(draw(st.integers(1, 30_000))))
            else:
                items.append(Comment(draw(_line_text.filter(lambda s: "-->" not in s))))
        first_segment = next(i for i in items if isinstance(i, Segment))
        if not first_segment.new_paragraph:
            items[items.index(first_segment)] = Segment(first_segment.speaker, first_segment.text, new_paragraph=True)
        # After a pause a segment always starts a paragraph: that is what the format means.
        fixed: list[Segment | Pause | Comment] = []
        after_pause = False
        for item in items:
            if isinstance(item, Segment):
                if after_pause and not item.new_paragraph:
                    item = Segment(item.speaker, item.text, new_paragraph=True)
                after_pause = False
            elif isinstance(item, Pause):
                after_pause = True
            fixed.append(item)
        chapters.append(Chapter(draw(_line_text), tuple(fixed)))
    metadata = Metadata(
        title=draw(_line_text),
        author=draw(st.one_of(st.just(""), _line_text)),
        show=draw(st.one_of(st.just(""), _line_text)),
        language=draw(st.sampled_from(["en", "en-GB", "kk"])),
        date=draw(st.sampled_from(["", "2022-03-08"])),
        description=draw(st.one_of(st.just(""), _line_text)),
        email=draw(st.sampled_from(["", "owner@example.com"])),
    )
    lexicon = draw(st.dictionaries(_line_text, _line_text, max_size=3))
    return Episode(metadata=metadata, speakers=speakers, chapters=tuple(chapters), lexicon=lexicon)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(episodes())
def test_serialize_then_parse_is_identity(episode: Episode) -> None:
    text = serialize_script(episode)
    parsed = parse_script(text)
    assert parsed == episode
    assert serialize_script(parsed) == text


_TRICKY_LINES = [
    "---",
    "title: x",
    "speakers:",
    "  amina:",
    "    name: A",
    "    role: guest",
    "    voices: {local: [flite:slt]}",
    "lexicon: {a: b}",
    "# Chapter",
    "#",
    "## x",
    "amina: hello",
    "interviewer: hi",
    "nobody: hi",
    "amina:",
    "[pause 1s]",
    "[pause]",
    "[pause 9999999999999999999999999999999s]",
    "[pause 1e9s]",
    "<!-- c -->",
    "<!--",
    "-->",
    "  ",
    "title: [",
    "title: !!python/object:os.system x",
    "&a [*a, *a]",
    "{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{",
    "\t- list",
    "date: 2026-02-30",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_TRICKY_LINES), st.text(max_size=30)), max_size=25))
def test_garbage_never_escapes_as_anything_but_script_error(lines: list[str]) -> None:
    text = "\n".join(lines)
    try:
        episode = parse_script(text, path="garbage.md")
    except ScriptError as error:
        assert error.fix
        assert str(error).startswith("garbage.md")
    else:
        assert episode.chapters and all(chapter.segments for chapter in episode.chapters)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_never_escapes(text: str) -> None:
    try:
        parse_script(FRONT + text, path="garbage.md")
    except ScriptError as error:
        assert error.fix
