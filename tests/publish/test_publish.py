"""The listener package: feed, chapters JSON, transcripts, the page in a real browser, and the server."""

from __future__ import annotations

import html.parser
import http.client
import json
import re
import signal
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser
import pytest
import webvtt
from typer.testing import CliRunner

from shalket_audio.cli import app
from shalket_audio.publish.serve import make_server

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://example.com/podcast/"
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
PODCAST = "{https://podcastindex.org/namespace/1.0}"
runner = CliRunner()


def user_cache() -> str:
    from platformdirs import user_cache_dir

    return user_cache_dir("shalket-audio")


@pytest.fixture(scope="session")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed script built and published with a base URL (the clip cache is the one CI's build filled)."""
    out = tmp_path_factory.mktemp("public")
    script = str(ROOT / "script" / "shal-ket.md")
    result = runner.invoke(app, ["build", script, "--out", str(out), "--base-url", BASE, "--cache-dir", user_cache()])
    assert result.exit_code == 0, result.output
    assert f"published 10 files for listeners in {out}/" in result.output  # NAME.json, the JSON transcript, too
    return out


@pytest.fixture(scope="session")
def timeline(package: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((package / "shal-ket.timeline.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- feed


def test_feed_has_every_channel_and_item_field(package: Path, timeline: dict) -> None:  # type: ignore[type-arg]
    parsed = feedparser.parse(str(package / "feed.xml"))
    assert not parsed.bozo, parsed.bozo_exception
    channel = parsed.feed
    assert channel.title == "Interviews Read Aloud"
    assert channel.link == BASE + "index.html"
    assert channel.language == "en"
    assert channel.image.href == BASE + "shal-ket.jpg"
    assert channel.author == "Nico Lethbridge"
    assert channel.description
    (entry,) = parsed.entries
    assert entry.title == "“Shal Ket” - The Brutal Events of Kazakhstan’s Bloody January"
    assert entry.id.startswith("urn:uuid:") and entry.guidislink is False
    assert entry.published_parsed[:3] == (2026, 11, 24)
    (enclosure,) = entry.enclosures
    assert enclosure.href == BASE + "shal-ket.mp3" and enclosure.type == "audio/mpeg"
    assert int(enclosure.length) == (package / "shal-ket.mp3").stat().st_size
    assert int(entry.itunes_duration) == round(timeline["duration_ms"] / 1000)
    assert entry.summary.startswith("LGBT+ activist Zhanar Sekerbeyeva")

    # The podcast and remaining itunes elements, read as XML.
    root = ET.parse(package / "feed.xml").getroot()
    chan = root.find("channel")
    assert chan is not None
    assert chan.find(f"{ITUNES}category").get("text") == "Society & Culture"  # type: ignore[union-attr]
    assert chan.find(f"{ITUNES}owner/{ITUNES}name").text == "Nico Lethbridge"  # type: ignore[union-attr]
    assert chan.find(f"{ITUNES}explicit").text == "false"  # type: ignore[union-attr]  (Apple's values)
    assert chan.find("{http://www.w3.org/2005/Atom}link").get("href") == BASE + "feed.xml"  # type: ignore[union-attr]
    item = chan.find("item")
    assert item is not None
    chapters = item.find(f"{PODCAST}chapters")
    assert chapters is not None and chapters.attrib == {
        "url": BASE + "shal-ket.chapters.json",
        "type": "application/json+chapters",
    }
    transcripts = {t.get("type"): t.get("url") for t in item.findall(f"{PODCAST}transcript")}
    assert transcripts == {
        "text/vtt": BASE + "shal-ket.vtt",
        "application/x-subrip": BASE + "shal-ket.srt",
        "application/json": BASE + "shal-ket.json",
    }
    people = {(p.get("role"), p.text) for p in item.findall(f"{PODCAST}person")}
    assert people == {("host", "Nico Lethbridge"), ("guest", "Zhanar Sekerbeyeva")}


SMALL = """---
title: TITLE
show: A Show
email: owner@example.com
date: 2026-01-02
description: A small episode.
speakers:
  interviewer: {name: Ann Writer, role: host}
  zhanar: {name: Zhanar Sekerbeyeva, role: guest}
---
# First
interviewer: Hello, this is a short episode.
zhanar: TEXT
# Second
interviewer: Thank you.
"""


def small_package(tmp_path: Path, title: str = "A Small Episode", text: str = "We are a failed state.") -> Path:
    script = tmp_path / "small.md"
    script.write_text(SMALL.replace("TITLE", title).replace("TEXT", text), encoding="utf-8")
    result = runner.invoke(app, ["build", str(script), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    return tmp_path / "out"


def test_without_a_base_url_the_feed_says_how_to_set_it_and_the_guid_is_stable(tmp_path: Path) -> None:
    out = small_package(tmp_path)
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    assert "The URLs below are relative" in feed and "base-url option" in feed
    assert '<enclosure url="small.mp3"' in feed
    assert "<itunes:email>owner@example.com</itunes:email>" in feed
    guid = re.search(r"<guid[^>]*>(.*?)</guid>", feed).group(1)  # type: ignore[union-attr]
    unchanged = runner.invoke(app, ["build", str(tmp_path / "small.md"), "--out", str(out)])
    assert (
        "up to date, nothing to do" in unchanged.output
        and f"listener files in {out}/ are up to date" in unchanged.output
    )
    (out / "feed.xml").unlink()
    runner.invoke(app, ["build", str(tmp_path / "small.md"), "--out", str(out)])
    assert (out / "feed.xml").read_text(encoding="utf-8") == feed, "a deleted file is written again"
    small_package(tmp_path, text="We are a failed state, truly.")  # a rebuild after an edit
    again = (out / "feed.xml").read_text(encoding="utf-8")
    assert re.search(r"<guid[^>]*>(.*?)</guid>", again).group(1) == guid  # type: ignore[union-attr]
    assert 'length="' + str((out / "small.mp3").stat().st_size) + '"' in again


def test_bad_base_url_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", "--base-url", "example.com"])
    assert result.exit_code == 2 and "not an http(s) URL" in result.output


# --------------------------------------------------------------------------- chapters and transcripts


def test_chapters_json_follows_podcasting_2(package: Path, timeline: dict) -> None:  # type: ignore[type-arg]
    data = json.loads((package / "shal-ket.chapters.json").read_text(encoding="utf-8"))
    assert data["version"] == "1.2.0"
    chapters = data["chapters"]
    assert [c["title"] for c in chapters] == [c["title"] for c in timeline["chapters"]]
    starts = [c["startTime"] for c in chapters]
    assert starts == sorted(starts) and starts[0] == 0
    for chapter, timed in zip(chapters, timeline["chapters"], strict=True):
        assert isinstance(chapter["startTime"], float | int) and chapter["endTime"] > chapter["startTime"]
        assert chapter["startTime"] == timed["start_ms"] / 1000


def test_vtt_cues_carry_voices_fit_their_lines_and_sit_inside_their_segments(package: Path, timeline: dict) -> None:  # type: ignore[type-arg]
    captions = webvtt.read(str(package / "shal-ket.vtt")).captions
    segments = timeline["segments"]

    def ms(clock: str) -> int:
        hours, minutes, seconds = clock.split(":")
        return round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)

    assert {c.voice for c in captions} == {"Nico Lethbridge", "Zhanar Sekerbeyeva"}
    assert all(len(line) <= 65 for c in captions for line in c.text.splitlines())
    assert [ms(c.start) for c in captions] == sorted(ms(c.start) for c in captions)
    position = 0
    for segment in segments:
        name = timeline["speakers"][segment["speaker"]]
        words = []
        while position < len(captions) and ms(captions[position].start) < segment["end_ms"]:
            caption = captions[position]
            assert caption.voice == name
            assert segment["start_ms"] <= ms(caption.start) < ms(caption.end) <= segment["end_ms"]
            words.append(caption.text)
            position += 1
        assert " ".join(words) == " ".join(segment["text"].split()), segment["text"][:40]
    assert position == len(captions)
    assert any(c.voice == "Zhanar Sekerbeyeva" and c.text == "We are a failed state," for c in captions)


def test_cues_that_begin_a_chunk_start_within_100_ms_of_its_speech_in_the_decoded_mp3(
    package: Path,
    timeline: dict,  # type: ignore[type-arg]
) -> None:
    """Onsets measured from the decoded MP3 alone: the first 5 ms frame above -45 dBFS after at least 150 ms
    below it.  Every chunk's first cue must start within 100 ms of the nearest onset."""
    import numpy as np

    from conftest import ffmpeg_binary

    pcm = subprocess.run(
        [
            ffmpeg_binary(),
            "-v",
            "error",
            "-i",
            str(package / "shal-ket.mp3"),
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            "44100",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    frame = 220  # 5 ms at 44.1 kHz (4.99 ms)
    frames = x[: len(x) // frame * frame].reshape(-1, frame)
    loud = 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) / 32768 + 1e-12) > -45
    quiet_run = 30  # 150 ms
    onsets = np.array(
        [i * frame / 44.1 for i in range(quiet_run, len(loud)) if loud[i] and not loud[i - quiet_run : i].any()]
    )
    captions = webvtt.read(str(package / "shal-ket.vtt")).captions

    def ms(clock: str) -> int:
        hours, minutes, seconds = clock.split(":")
        return round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)

    cue_starts = {ms(c.start) for c in captions}
    chunk_starts = [c["start_ms"] for s in timeline["segments"] for c in s["chunks"]]
    assert len(chunk_starts) > len(timeline["segments"]), "some segments are several chunks"
    worst = 0.0
    for start in chunk_starts:
        assert start in cue_starts, f"a cue begins the chunk at {start} ms"
        nearest = float(np.min(np.abs(onsets - start)))
        worst = max(worst, nearest)
        assert nearest <= 100, f"the chunk at {start} ms: speech begins {nearest:.0f} ms away"
    print(f"{len(chunk_starts)} chunk cues; the farthest from its speech onset: {worst:.0f} ms")


def test_the_json_transcript_has_the_vtt_cues(package: Path) -> None:
    data = json.loads((package / "shal-ket.json").read_text(encoding="utf-8"))
    captions = webvtt.read(str(package / "shal-ket.vtt")).captions
    assert data["version"] == "1.0.0" and len(data["segments"]) == len(captions)
    for segment, caption in zip(data["segments"], captions, strict=True):
        assert segment["speaker"] == caption.voice and segment["body"] == html.unescape(caption.text)
        hours, minutes, seconds = caption.start.split(":")
        assert abs(segment["startTime"] - (int(hours) * 3600 + int(minutes) * 60 + float(seconds))) < 0.0015


def test_srt_names_the_speaker_at_each_change(package: Path, timeline: dict) -> None:  # type: ignore[type-arg]
    srt = webvtt.from_srt(str(package / "shal-ket.srt")).captions
    vtt = webvtt.read(str(package / "shal-ket.vtt")).captions
    assert len(srt) == len(vtt)
    assert "," in (package / "shal-ket.srt").read_text(encoding="utf-8").split("\n")[1]  # 00:00:00,300
    previous = None
    for srt_cue, vtt_cue in zip(srt, vtt, strict=True):
        if vtt_cue.voice != previous:
            assert srt_cue.text.startswith(vtt_cue.voice + ": ")
        else:
            assert not srt_cue.text.startswith(vtt_cue.voice + ":")
        previous = vtt_cue.voice


def test_quoted_speakers_are_named_in_transcripts_and_on_the_page_but_not_cast_in_the_feed(tmp_path: Path) -> None:
    """A converted news story's other speakers, built with their default (third) voice."""
    script = tmp_path / "quoted.md"
    script.write_text(
        SMALL.replace("TITLE", "Quoted")
        .replace("TEXT", "We are a failed state.")
        .replace(
            "  zhanar: {name: Zhanar Sekerbeyeva, role: guest}\n",
            "  zhanar: {name: Zhanar Sekerbeyeva, role: guest}\n  patel: {name: Amir Patel, role: quoted}\n",
        )
        .replace("interviewer: Thank you.", "patel: It is not enough.\ninterviewer: Thank you."),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["build", str(script), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    captions = webvtt.read(str(out / "quoted.vtt")).captions
    assert {c.voice for c in captions} == {"Ann Writer", "Zhanar Sekerbeyeva", "Amir Patel"}
    assert any(c.voice == "Amir Patel" and c.text == "It is not enough." for c in captions)
    assert "Amir Patel: It is not enough." in (out / "quoted.srt").read_text(encoding="utf-8")
    page = _Text()
    page.feed((out / "quoted.html").read_text(encoding="utf-8"))
    assert "Amir Patel" in page.text
    item = ET.parse(out / "feed.xml").getroot().find("channel/item")
    assert item is not None
    people = {(p.get("role"), p.text) for p in item.findall(f"{PODCAST}person")}
    assert people == {("host", "Ann Writer"), ("guest", "Zhanar Sekerbeyeva")}


# --------------------------------------------------------------------------- safety

HOSTILE = '<script>alert("x")</script> & ]]> done'


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.scripts: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_hostile_script_text_comes_out_as_text_everywhere(tmp_path: Path) -> None:
    out = small_package(tmp_path, title="Episode " + HOSTILE.replace('"', "'"), text="I said " + HOSTILE)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "]]>" not in page
    parser = _Text()
    parser.feed(page)
    assert [attrs.get("type") or attrs.get("src") for _, attrs in parser.scripts] == ["application/json", "player.js"]
    assert "I said " + HOSTILE in " ".join(parser.text)
    data_block = page[page.index('id="episode-data">') : page.index('<script src="player.js">')]
    assert data_block.count("</script>") == 1, "the JSON block cannot be closed early"
    parsed = feedparser.parse(str(out / "feed.xml"))
    assert not parsed.bozo and parsed.entries[0].title == "Episode " + HOSTILE.replace('"', "'")
    vtt = webvtt.read(str(out / "small.vtt"))
    assert "&lt;script&gt;" in (out / "small.vtt").read_text(encoding="utf-8")
    assert any("&lt;script&gt;" in c.text for c in vtt.captions)
    assert "<script>alert" in (out / "small.srt").read_text(encoding="utf-8")  # SRT has no markup: plain text
    chapters = json.loads((out / "small.chapters.json").read_text(encoding="utf-8"))
    assert chapters["title"] == "Episode " + HOSTILE.replace('"', "'")


# --------------------------------------------------------------------------- server and browser


@pytest.fixture
def server(package: Path) -> Iterator[int]:
    httpd = make_server(package, 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def get(port: int, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers or {})
    return connection.getresponse()


def test_range_requests_return_206_with_the_right_bytes(server: int, package: Path) -> None:
    data = (package / "shal-ket.mp3").read_bytes()
    response = get(server, "/shal-ket.mp3", {"Range": "bytes=100-199"})
    assert response.status == 206
    assert response.getheader("Content-Range") == f"bytes 100-199/{len(data)}"
    assert response.getheader("Content-Type") == "audio/mpeg"
    assert response.read() == data[100:200]
    tail = get(server, "/shal-ket.mp3", {"Range": "bytes=-50"})
    assert tail.status == 206 and tail.read() == data[-50:]
    whole = get(server, "/shal-ket.mp3")
    assert whole.status == 200 and whole.getheader("Accept-Ranges") == "bytes" and whole.read() == data
    assert get(server, "/shal-ket.mp3", {"Range": f"bytes={len(data) + 10}-"}).status == 416
    for path, kind in [
        ("/shal-ket.vtt", "text/vtt"),
        ("/feed.xml", "application/rss+xml"),
        ("/index.html", "text/html"),
        ("/shal-ket.chapters.json", "application/json+chapters"),  # the namespace's type for chapters
        ("/shal-ket.json", "application/json;"),  # the JSON transcript
    ]:
        assert get(server, path).getheader("Content-Type").startswith(kind)  # type: ignore[union-attr]
    assert get(server, "/").status == 200  # index.html
    assert get(server, "/nothing-here").status == 404


def test_the_page_in_headless_chromium(server: int, timeline: dict) -> None:  # type: ignore[type-arg]
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required", "--no-first-run"]
    args += ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--mute-audio"]
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        page.on("request", lambda request: requests.append(request.url))
        page.goto(f"http://127.0.0.1:{server}/index.html")
        page.wait_for_function("document.getElementById('player').readyState >= 1", timeout=15000)
        assert page.locator("audio[aria-label]").count() == 1
        assert page.locator("nav[aria-labelledby] ol.chapters button").count() == len(timeline["chapters"])

        third = timeline["chapters"][2]["start_ms"] / 1000
        page.locator(".chapter").nth(2).click()
        page.wait_for_function("document.getElementById('player').seeking === false")
        assert abs(page.evaluate("document.getElementById('player').currentTime") - third) < 0.5

        page.wait_for_function(f"document.getElementById('player').currentTime > {third + 1.0}", timeout=15000)
        page.evaluate("document.getElementById('player').pause()")
        now = page.evaluate("document.getElementById('player').currentTime") * 1000
        expected = max(s["index"] for s in timeline["segments"] if s["start_ms"] <= now + 50)
        assert page.locator(".line[aria-current=true]").get_attribute("data-index") == str(expected)
        assert page.locator(".chapter[aria-current=true]").count() == 1

        # A sentence seeks too, from the keyboard.
        target = timeline["segments"][5]
        page.locator(".line[data-index='5'] .sentence").first.focus()
        page.keyboard.press("Enter")
        page.wait_for_function("document.getElementById('player').seeking === false")
        assert abs(page.evaluate("document.getElementById('player').currentTime") - target["start_ms"] / 1000) < 0.5
        follow_and_click(page)
        page.evaluate("document.getElementById('player').pause()")
        (ROOT / "output").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "output" / "player-test.png"), full_page=False)
        browser.close()
    assert requests and all(url.startswith(f"http://127.0.0.1:{server}/") for url in requests), "no external requests"


def follow_and_click(page: Any) -> None:
    """While the audio plays, the highlighted sentence is the one whose time has come (from the page's own
    sentence times) and it changes as the audio goes on, scrolled into view; a click on a sentence plays from it."""
    starts = page.eval_on_selector_all(".sentence", "buttons => buttons.map(b => parseFloat(b.dataset.start))")
    assert len(starts) > len(page.locator(".line").all()), "sentences, not paragraphs"
    # From just before a sentence that two short ones follow, so the highlight moves within a few seconds.
    k = next(i for i in range(1, len(starts) - 3) if starts[i + 2] - starts[i] < 6 and starts[i] > 30)
    page.evaluate(
        f"(() => {{ const a = document.getElementById('player'); a.currentTime = {starts[k] - 0.6}; a.play(); }})()"
    )
    seen = []
    for _ in range(40):
        page.wait_for_timeout(200)
        now, shown, visible = page.evaluate(
            """(() => { const a = document.getElementById('player'); const s = document.querySelector(
                '.sentence[aria-current=true]'); const r = s ? s.getBoundingClientRect() : null;
                return [a.currentTime, s ? parseInt(s.dataset.sentence) : -1,
                        r ? r.bottom > 0 && r.top < window.innerHeight : false]; })()"""
        )
        expected = max(i for i, start in enumerate(starts) if start <= now + 0.05)
        if abs(now - starts[expected]) > 0.3 and (expected + 1 >= len(starts) or starts[expected + 1] - now > 0.3):
            assert shown == expected, (now, shown, expected)  # away from a boundary, timeupdate has caught up
        seen.append(shown)
        if len(set(seen)) >= 3 and visible:
            break
    assert len(set(seen)) >= 3, f"the highlight follows the audio through sentences {sorted(set(seen))}"
    assert visible, "the spoken sentence is scrolled into view"
    # Click a sentence further on: the audio plays from it, and it is the one highlighted.
    pick = len(starts) - 4
    page.locator(".sentence").nth(pick).click()
    page.wait_for_function("document.getElementById('player').seeking === false")
    page.wait_for_timeout(400)
    state = page.evaluate(
        "(() => { const a = document.getElementById('player'); return [a.currentTime, a.paused, "
        "document.querySelector('.sentence[aria-current=true]').dataset.sentence]; })()"
    )
    assert abs(state[0] - starts[pick]) < 1.0 and state[1] is False and state[2] == str(pick), state


def test_serve_stops_cleanly_on_ctrl_c(package: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "shalket_audio", "serve", "--port", "0", "--dir", str(package)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith(f"serving {package}/ at http://127.0.0.1:")
    port = int(re.search(r":(\d+)/", line).group(1))  # type: ignore[union-attr]
    assert get(port, "/index.html").status == 200
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=10)
    assert process.returncode == 0 and "stopped" in stdout and "Traceback" not in stderr


def test_serve_without_a_built_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["serve", "--dir", str(tmp_path)])
    assert result.exit_code == 2 and "index.html does not exist" in result.output
