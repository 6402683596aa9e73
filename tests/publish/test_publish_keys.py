"""Each listener file is rendered only when what it is made from changed: a chapter title edit in one episode
renders that episode's chapters JSON and page, the index and the feed, and nothing of the other episode, its
transcripts or the page's assets; the files are still byte for byte what a publish from scratch writes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from shalket_audio.audio.timeline import TimedChapter, TimedChunk, TimedSegment, Timeline
from shalket_audio.publish import Built, publish_episodes, transcripts
from shalket_audio.script import Episode, parse_script

SCRIPT = """---
title: TITLE
show: The Show
author: Ann Host
speakers:
  interviewer: {name: Ann Host, role: host}
  zhanar: {name: Zhanar Guest, role: guest}
---
# CHAPTER
interviewer: Welcome to the show.
zhanar: Thank you, it is good to be here.

# Second
interviewer: And what happened next?
zhanar: The city went quiet.
"""


def _episode(folder: Path, name: str, title: str, chapter: str, date: int) -> Built:
    """An episode's files as a build leaves them (a timeline placing each segment a second apart, and an MP3
    whose bytes only its size matters for), without making any audio."""
    script = folder / f"{name}.md"
    script.write_text(SCRIPT.replace("TITLE", title).replace("CHAPTER", chapter), encoding="utf-8")
    episode: Episode = parse_script(script.read_text(encoding="utf-8"), script)
    segments, chapters, at = [], [], 0
    for number, part in enumerate(episode.chapters):
        start = at
        for segment in part.segments:
            chunks = (TimedChunk(segment.text, at, at + 900),)
            segments.append(TimedSegment(len(segments), number, segment.speaker, segment.text, at, at + 900, chunks))
            at += 1000
        chapters.append(TimedChapter(number, part.title, start, at))
    timeline = Timeline(at, tuple(chapters), tuple(segments), {s.tag: s.name for s in episode.speakers})
    mp3, timeline_path = folder / f"{name}.mp3", folder / f"{name}.timeline.json"
    mp3.write_bytes(b"\xff\xfb" * (500 + date))
    timeline_path.write_text(timeline.to_json(), encoding="utf-8")
    added = datetime(2026, 1, date, tzinfo=UTC)
    return Built(episode, mp3, timeline_path, guid=f"urn:uuid:{name}", added=added)


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file() and not p.name.startswith(".")}


def test_a_chapter_title_edit_renders_only_the_files_that_show_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    first = _episode(out, "first", "First Episode", "Opening", 1)
    second = _episode(out, "second", "Second Episode", "Start", 2)
    report = publish_episodes(out, [second, first], show_guid="show-guid")
    assert not report.up_to_date and len(report.rendered) == len(report.files) == 16

    again = publish_episodes(out, [second, first], show_guid="show-guid")
    assert again.up_to_date and again.rendered == ()

    vtt_calls: list[str] = []
    vtt_text = transcripts.vtt_text

    def counting_vtt(item: object) -> str:
        vtt_calls.append(item.name)  # type: ignore[attr-defined]
        return vtt_text(item)  # type: ignore[arg-type]

    monkeypatch.setattr(transcripts, "vtt_text", counting_vtt)
    edited = _episode(out, "first", "First Episode", "A New Opening", 1)
    report = publish_episodes(out, [second, edited], show_guid="show-guid")
    assert not report.up_to_date
    assert {p.name for p in report.rendered} == {"first.chapters.json", "first.html", "feed.xml"}
    assert vtt_calls == [], "a transcript whose segments did not change is not rendered"
    assert "A New Opening" in (out / "first.chapters.json").read_text(encoding="utf-8")

    # A new episode title shows in its generated cover, in the other episode's links, and in the index (the
    # newest's page).
    retitled = _episode(out, "second", "Second, Retitled", "Start", 2)
    report = publish_episodes(out, [retitled, edited], show_guid="show-guid")
    assert {p.name for p in report.rendered} == {
        "second.jpg",
        "second.chapters.json",
        "second.html",
        "first.html",
        "index.html",
        "feed.xml",
    }

    # A missing file is rendered again, alone.
    (out / "second.srt").unlink()
    report = publish_episodes(out, [retitled, edited], show_guid="show-guid")
    assert [p.name for p in report.rendered] == ["second.srt"]

    # The same episodes published from scratch write the same bytes.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    copies = []
    for built in (retitled, edited):
        for path in (built.mp3, built.timeline_path, built.episode.path):
            assert path is not None
            (fresh / path.name).write_bytes(path.read_bytes())
        copies.append(
            Built(
                parse_script(
                    (fresh / f"{built.mp3.stem}.md").read_text(encoding="utf-8"), fresh / f"{built.mp3.stem}.md"
                ),
                fresh / built.mp3.name,
                fresh / built.timeline_path.name,
                guid=built.guid,
                added=built.added,
            )
        )
    publish_episodes(fresh, copies, show_guid="show-guid")
    listener = {name for name in _files(out) if not name.endswith((".md", ".mp3", ".timeline.json"))}
    assert listener == {name for name in _files(fresh) if not name.endswith((".md", ".mp3", ".timeline.json"))}
    assert {n: _files(out)[n] for n in listener} == {n: _files(fresh)[n] for n in listener}


def test_a_base_url_or_show_change_renders_what_shows_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    only = _episode(out, "only", "Only Episode", "Opening", 1)
    publish_episodes(out, [only], show_guid="show-guid")
    report = publish_episodes(out, [only], base_url="https://example.com/p/", show_guid="show-guid")
    assert {p.name for p in report.rendered} == {"only.chapters.json", "feed.xml"}
    report = publish_episodes(out, [only], base_url="https://example.com/p/", show_guid="another")
    assert [p.name for p in report.rendered] == ["feed.xml"]
