"""The output folder is a show: real builds (espeak-ng voices, real ffmpeg) of several scripts into one folder,
read back with feedparser and ElementTree.

Build A then B (both listed), rebuild A after an edit (only A's item changes, GUIDs kept), remove one episode
(exactly its files go), a name collision (exit 2, nothing written), a build killed while it writes the show
record (no episode lost), the show's metadata from show.yaml, control characters in the front matter.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from typer.testing import CliRunner

from shalket_audio.audio.timeline import Timeline, written_parts
from shalket_audio.build.show import RECORD_NAME, episode_files, podcast_guid
from shalket_audio.cli import app
from shalket_audio.publish.transcripts import cues

BASE = "https://example.com/show/"
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
PODCAST = "{https://podcastindex.org/namespace/1.0}"
runner = CliRunner()

SCRIPT = """---
title: {title}
show: Test Show
author: Ann Host
email: owner@example.com
date: {date}
description: {description}
episode: {number}
season: 1
speakers:
  interviewer: {{name: Ann Host, role: host, voices: {{local: ['espeak:en-us']}}}}
  zhanar: {{name: Zhanar Guest, role: guest, voices: {{local: ['espeak:en-us+f2']}}}}
---
# Opening
interviewer: Hello and welcome. This is episode {number}.
# Middle
zhanar: {line}
# Close
interviewer: Thank you, and goodbye.
"""


def write_script(path: Path, title: str, date: str, number: int, line: str = "We are a failed state.") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = SCRIPT.format(title=title, date=date, description=f"About {title}.", number=number, line=line)
    path.write_text(text, encoding="utf-8")
    return path


def build(out: Path, *scripts: Path, base_url: str | None = BASE) -> object:
    args = ["build", *map(str, scripts), "--out", str(out)] + (["--base-url", base_url] if base_url else [])
    return runner.invoke(app, args)


def feed(out: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    for entry in parsed.entries:
        (enclosure,) = entry.enclosures
        assert int(enclosure.length) == (out / Path(enclosure.href).name).stat().st_size
    return parsed


def items_by_guid(out: Path) -> dict[str, bytes]:
    channel = ET.parse(out / "feed.xml").getroot().find("channel")
    assert channel is not None
    return {item.findtext("guid"): ET.tostring(item) for item in channel.findall("item")}  # type: ignore[misc]


def files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != ".shalket-audio.lock"}


@pytest.fixture
def show(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Episode A, then episode B, built one after the other into one folder."""
    a = write_script(tmp_path / "script" / "alpha.md", "Episode Alpha", "2026-01-02", 1)
    b = write_script(tmp_path / "script" / "beta.md", "Episode Beta", "2026-02-03", 2)
    out = tmp_path / "out"
    for script in (a, b):
        result = build(out, script)
        assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    return out, a, b


def test_a_then_b_lists_both_newest_first_in_the_feed_and_the_index(show: tuple[Path, Path, Path]) -> None:
    out, _, _ = show
    parsed = feed(out)
    assert [e.title for e in parsed.entries] == ["Episode Beta", "Episode Alpha"]
    assert [e.enclosures[0].href for e in parsed.entries] == [BASE + "beta.mp3", BASE + "alpha.mp3"]
    assert [e.itunes_episode for e in parsed.entries] == ["2", "1"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "<h1>Episode Beta</h1>" in index and '<a href="alpha.html">Episode Alpha</a>' in index
    assert '<a href="beta.html">Episode Beta</a>' in (out / "alpha.html").read_text(encoding="utf-8")


def test_rebuilding_a_after_an_edit_changes_only_its_item_and_keeps_every_guid(
    show: tuple[Path, Path, Path],
) -> None:
    out, a, _ = show
    before = items_by_guid(out)
    channel_guid = ET.parse(out / "feed.xml").getroot().findtext(f"channel/{PODCAST}guid")
    beta_files = {name: data for name, data in files(out).items() if name.startswith(("beta.", ".beta."))}
    write_script(a, "Episode Alpha, revised", "2026-01-02", 1, line="We are a failed state, truly.")
    result = build(out, a)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    after = items_by_guid(out)
    assert after.keys() == before.keys(), "the GUIDs stay the same"
    changed = [guid for guid in before if before[guid] != after[guid]]
    assert len(changed) == 1 and b"Episode Alpha, revised" in after[changed[0]]
    assert ET.parse(out / "feed.xml").getroot().findtext(f"channel/{PODCAST}guid") == channel_guid
    now = {n: d for n, d in files(out).items() if n.startswith(("beta.", ".beta."))}
    # B's page links to A by A's title; every other file of B is byte-identical.
    assert now.pop("beta.html").replace(b"Episode Alpha, revised", b"Episode Alpha") == beta_files.pop("beta.html")
    assert now == beta_files
    assert [e.title for e in feed(out).entries] == ["Episode Beta", "Episode Alpha, revised"]


def test_remove_takes_out_exactly_one_episode_and_its_files(show: tuple[Path, Path, Path]) -> None:
    out, _, _ = show
    before = files(out)
    alpha = {p.name for p in episode_files(out, "alpha") if p.is_file()}
    assert {"alpha.mp3", "alpha.json", "alpha.vtt", "alpha.html", ".alpha.build.json"} <= alpha
    result = runner.invoke(app, ["remove", "alpha", "--out", str(out)])
    assert result.exit_code == 0, result.output
    after = files(out)
    assert set(before) - set(after) == alpha, "exactly the episode's files are gone"
    assert not (out / ".alpha.parts").exists()
    for name in after:
        if name.startswith(("beta", ".beta")) and name != "beta.html":  # its page no longer links to alpha
            assert after[name] == before[name], name
    assert "alpha" not in (out / "beta.html").read_text(encoding="utf-8")
    parsed = feed(out)
    assert [e.title for e in parsed.entries] == ["Episode Beta"]
    assert parsed.entries[0].enclosures[0].href == BASE + "beta.mp3", "the last build's base URL is kept"
    assert "alpha" not in (out / "index.html").read_text(encoding="utf-8")
    assert "alpha" not in json.loads((out / RECORD_NAME).read_text(encoding="utf-8"))["episodes"]
    missing = runner.invoke(app, ["remove", "alpha", "--out", str(out)])
    assert missing.exit_code == 2 and "no episode named 'alpha'" in missing.output and "beta" in missing.output


def test_a_same_name_collision_exits_2_names_both_scripts_and_writes_nothing(tmp_path: Path) -> None:
    first = write_script(tmp_path / "x" / "ep.md", "From X", "2026-01-02", 1)
    second = write_script(tmp_path / "y" / "ep.md", "From Y", "2026-01-03", 2)
    out = tmp_path / "out"
    assert build(out, first).exit_code == 0  # type: ignore[attr-defined]
    before = files(out)
    result = build(out, second)
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    assert str(first.resolve()) in result.output and str(second) in result.output  # type: ignore[attr-defined]
    assert "Traceback" not in result.output  # type: ignore[attr-defined]
    assert files(out) == before, "nothing was written"
    # Given together into a fresh folder: nothing is built at all.
    fresh = tmp_path / "fresh"
    together = build(fresh, first, second)
    assert together.exit_code == 2 and "ep.mp3" in together.output  # type: ignore[attr-defined]
    assert not files(fresh)
    # The same script twice is one episode, listed once.
    twice = build(tmp_path / "twice", first, first)
    assert twice.exit_code == 0, twice.output  # type: ignore[attr-defined]
    assert len(feed(tmp_path / "twice").entries) == 1


def test_a_name_that_would_overwrite_the_index_or_another_episode_is_refused(tmp_path: Path) -> None:
    index = write_script(tmp_path / "index.md", "Index", "2026-01-02", 1)
    result = build(tmp_path / "out", index)
    assert result.exit_code == 2 and "the show's index page" in result.output  # type: ignore[attr-defined]
    a = write_script(tmp_path / "a.md", "A", "2026-01-02", 1)
    a_chapters = write_script(tmp_path / "a.chapters.md", "A chapters", "2026-01-02", 2)
    clash = build(tmp_path / "out2", a, a_chapters)
    assert clash.exit_code == 2 and "would overwrite files of episode 'a'" in clash.output  # type: ignore[attr-defined]


def test_a_build_killed_while_recording_the_episode_loses_no_other_episode(show: tuple[Path, Path, Path]) -> None:
    out, _, _ = show
    third = write_script(out.parent / "script" / "gamma.md", "Episode Gamma", "2026-03-04", 3)
    feed_before = (out / "feed.xml").read_bytes()
    record_before = (out / RECORD_NAME).read_bytes()
    runner_file = Path(__file__).with_name("show_fault_runner.py")
    command = [sys.executable, str(runner_file), "build", str(third), "--out", str(out), "--base-url", BASE]
    killed = subprocess.run(command, capture_output=True, text=True, timeout=600, env=dict(os.environ))
    assert killed.returncode == -9, killed.stderr
    assert list(out.glob(f".{RECORD_NAME}.*.tmp")), "the kill came half-way through writing the record"
    assert (out / RECORD_NAME).read_bytes() == record_before, "the record is whole, as before"
    assert (out / "feed.xml").read_bytes() == feed_before
    assert [e.title for e in feed(out).entries] == ["Episode Beta", "Episode Alpha"]
    rerun = build(out, third)
    assert rerun.exit_code == 0, rerun.output  # type: ignore[attr-defined]
    assert [e.title for e in feed(out).entries] == ["Episode Gamma", "Episode Beta", "Episode Alpha"]
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp")), "no leftovers"


def test_the_feed_has_the_tags_apple_and_the_podcast_namespace_ask_for(show: tuple[Path, Path, Path]) -> None:
    out, _, _ = show
    root = ET.parse(out / "feed.xml").getroot()
    channel = root.find("channel")
    assert channel is not None
    for tag in ("title", "description", "language", "link", f"{ITUNES}explicit", f"{ITUNES}author"):
        assert (channel.findtext(tag) or "").strip(), tag
    assert channel.find(f"{ITUNES}image").get("href") == BASE + "alpha.jpg"  # type: ignore[union-attr]
    assert channel.find(f"{ITUNES}category").get("text") == "Society & Culture"  # type: ignore[union-attr]
    assert channel.findtext(f"{ITUNES}explicit") == "false"  # Apple's values (feedparser 6.0 reads them as None)
    assert channel.findtext(f"{ITUNES}owner/{ITUNES}email") == "owner@example.com"
    guid = channel.findtext(f"{PODCAST}guid")
    assert guid == str(uuid.uuid5(uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), "example.com/show/feed.xml"))
    assert [(t.get("purpose"), t.text) for t in channel.findall(f"{PODCAST}txt")] == [("ai-content", "true")]
    for item in channel.findall("item"):
        name = Path(item.find("enclosure").get("url")).stem  # type: ignore[union-attr,arg-type]
        assert item.findtext("title") and item.findtext("pubDate") and item.findtext("guid")
        assert item.find("guid").get("isPermaLink") == "false"  # type: ignore[union-attr]
        assert item.findtext(f"{ITUNES}episodeType") == "full" and item.findtext(f"{ITUNES}season") == "1"
        assert int(item.findtext(f"{ITUNES}duration") or 0) > 0
        transcripts = {(t.get("type"), t.get("url")) for t in item.findall(f"{PODCAST}transcript")}
        assert transcripts == {
            ("text/vtt", f"{BASE}{name}.vtt"),
            ("application/x-subrip", f"{BASE}{name}.srt"),
            ("application/json", f"{BASE}{name}.json"),
        }
        chapters = item.find(f"{PODCAST}chapters")
        assert chapters is not None and chapters.get("type") == "application/json+chapters"
        assert {(p.get("role"), p.text) for p in item.findall(f"{PODCAST}person")} == {
            ("host", "Ann Host"),
            ("guest", "Zhanar Guest"),
        }
        assert [(t.get("purpose"), t.text) for t in item.findall(f"{PODCAST}txt")] == [("ai-content", "true")]
        # Chapter timestamps in the description: at least three, the first at 00:00:00, the chapters' own.
        stamps = re.findall(r"^(\d\d):(\d\d):(\d\d) (.+)$", item.findtext("description") or "", re.M)
        data = json.loads((out / f"{name}.chapters.json").read_text(encoding="utf-8"))["chapters"]
        assert len(stamps) == len(data) >= 3 and stamps[0][:3] == ("00", "00", "00")
        for (h, m, s, title), chapter in zip(stamps, data, strict=True):
            assert title == chapter["title"] and int(h) * 3600 + int(m) * 60 + int(s) == int(chapter["startTime"])
        transcript = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        assert transcript["version"] == "1.0.0" and transcript["segments"][0]["speaker"] == "Ann Host"
        assert all(s["endTime"] > s["startTime"] for s in transcript["segments"])


def test_podcast_guid_follows_the_namespace_test_vectors() -> None:
    assert podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml") == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    assert podcast_guid("podnews.net/rss/") == "9b024349-ccf0-5f69-a609-6b82873eab3c"


def test_show_yaml_beside_the_scripts_gives_the_channel(tmp_path: Path) -> None:
    from PIL import Image

    script = write_script(tmp_path / "script" / "one.md", "One", "2026-01-02", 1)
    Image.new("RGB", (1500, 1500), (20, 120, 40)).save(tmp_path / "script" / "art.png")
    (tmp_path / "script" / "show.yaml").write_text(
        "title: The Real Show\nauthor: Show Owner\ndescription: A show about things.\nimage: art.png\n"
        "language: en-GB\ncategory: News\nsubcategory: Politics\nexplicit: true\nemail: show@example.com\n"
        "link: https://example.com/about\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = build(out, script)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    channel = ET.parse(out / "feed.xml").getroot().find("channel")
    assert channel is not None
    assert channel.findtext("title") == "The Real Show" and channel.findtext("language") == "en-GB"
    assert channel.findtext("description") == "A show about things."
    assert channel.findtext("link") == "https://example.com/about"
    category = channel.find(f"{ITUNES}category")
    assert category is not None and category.get("text") == "News"
    assert category.find(f"{ITUNES}category").get("text") == "Politics"  # type: ignore[union-attr]
    assert channel.findtext(f"{ITUNES}explicit") == "true"
    assert channel.findtext(f"{ITUNES}owner/{ITUNES}email") == "show@example.com"
    assert channel.find(f"{ITUNES}image").get("href") == BASE + "index.jpg"  # type: ignore[union-attr]
    with Image.open(out / "index.jpg") as image:
        assert image.format == "JPEG" and image.size == (1500, 1500)
    (tmp_path / "script" / "show.yaml").write_text("title: Bad\nexplicit: maybe\n", encoding="utf-8")
    bad = build(out, script)
    assert bad.exit_code == 2 and "show.yaml:2:" in bad.output  # type: ignore[attr-defined]


@pytest.mark.parametrize("bad", ['"Ann\\x01 Host"', "Ann\x07 Host", "Ann\x7f Host", "Ann\x85 Host", '"A\\u009b"'])
def test_control_characters_in_the_front_matter_are_an_error_naming_the_line(tmp_path: Path, bad: str) -> None:
    script = write_script(tmp_path / "ctl.md", "Control", "2026-01-02", 1)
    script.write_text(script.read_text(encoding="utf-8").replace("author: Ann Host", f"author: {bad}"), "utf-8")
    result = build(tmp_path / "out", script)
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    assert f"{script}:4: malformed front matter" in result.output and "control character" in result.output  # type: ignore[attr-defined]
    assert not files(tmp_path / "out"), "nothing written (the folder holds only its lock)"


# --------------------------------------------------------------------------- the timeline's chunks


@pytest.mark.parametrize(
    ("text", "said", "parts"),
    [
        ("One. Two.", ["One."], ["One. Two."]),
        ("One. Two. Three.", ["One. Two.", "Three."], ["One. Two.", "Three."]),
        ("It cost $5. Then  more.", ["It cost five dollars.", "Then more."], ["It cost $5.", "Then more."]),
        # A long sentence cut at a clause: counts disagree, so the text is cut by the chunks' shares.
        ("aaaa bbbb, cccc dddd.", ["aaaa bbbb,", "cccc dddd."], ["aaaa bbbb,", "cccc dddd."]),
    ],
)
def test_written_parts_follow_the_chunks(text: str, said: list[str], parts: list[str]) -> None:
    assert written_parts(text, said) == parts


def test_a_version_1_timeline_is_still_read() -> None:
    old = {
        "version": 1,
        "duration_ms": 5000,
        "speakers": {"a": "Ann"},
        "chapters": [{"index": 0, "title": "One", "start_ms": 0, "end_ms": 5000}],
        "segments": [
            {"index": 0, "chapter": 0, "speaker": "a", "text": "First one. Second.", "start_ms": 300, "end_ms": 4300}
        ],
    }
    timeline = Timeline.from_json(json.dumps(old))
    (segment,) = timeline.segments
    assert segment.chunks == () and [(p.start_ms, p.end_ms) for p in segment.parts] == [(300, 4300)]
    found = cues(timeline)
    assert [c.text for c in found] == ["First one.", "Second."] and found[0].start_ms == 300
    assert found[-1].end_ms == 4300
    assert json.loads(timeline.to_json())["version"] == 2
