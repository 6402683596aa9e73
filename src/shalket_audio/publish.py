"""The listener package, written next to each MP3 and derived from its timeline alone.

- ``NAME.chapters.json``: Podcasting 2.0 JSON chapters (1.2.0);
- ``NAME.vtt`` / ``NAME.srt``: transcripts, cues of at most ~65 characters inside their segments;
- ``NAME.jpg``: the cover, for the feed and the page;
- ``feed.xml``: RSS 2.0 with the itunes and podcast namespaces;
- ``NAME.html`` and ``index.html``: the player page, with ``player.css`` and ``player.js``; nothing remote.

Every value from a script is escaped for its format: ElementTree escapes the
feed, ``html.escape`` the page and the VTT cue text, and the page's JSON is
written so that ``</script>`` cannot close its script element.
"""

from __future__ import annotations

import html
import json
import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from importlib import resources
from pathlib import Path
from urllib.parse import quote, urljoin

from webvtt import Caption, WebVTT

from .fileio import atomic_write_bytes
from .script import Episode
from .speech import chunk_sentences
from .timeline import TimedSegment, Timeline

CUE_CHARS = 65
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
CATEGORY = "Society & Culture"
ET.register_namespace("itunes", ITUNES)
ET.register_namespace("podcast", PODCAST)
ET.register_namespace("atom", ATOM)


@dataclass(frozen=True)
class Published:
    """One built episode, as the listener package needs it."""

    episode: Episode
    name: str  # the file stem: NAME.mp3
    mp3: Path
    timeline: Timeline
    cover: bytes


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    speaker: str  # full name
    text: str
    segment: int
    turn_start: bool  # the first cue after a change of speaker


def cues(timeline: Timeline) -> list[Cue]:
    """Each segment split at sentence or clause boundaries into lines of at most CUE_CHARS, timed by length."""
    result: list[Cue] = []
    previous = None
    for segment in timeline.segments:
        lines = cue_lines(segment.text)
        total = sum(len(line) for line in lines)
        span = segment.end_ms - segment.start_ms
        done = 0
        for number, line in enumerate(lines):
            start = segment.start_ms + span * done // total
            done += len(line)
            end = segment.start_ms + span * done // total
            name = timeline.speakers.get(segment.speaker, segment.speaker)
            turn = number == 0 and segment.speaker != previous
            result.append(Cue(start, max(end, start + 1), name, line, segment.index, turn))
        previous = segment.speaker
    return result


def cue_lines(text: str, limit: int = CUE_CHARS) -> list[str]:
    """Lines of at most ``limit`` characters, split at sentence ends, then clauses, then evenly between words."""
    lines: list[str] = []
    for piece in chunk_sentences(" ".join(text.split()), 10**9):  # sentences, whole
        for sentence in re.split(r"(?<=[.!?…])\s+", piece):
            for clause in re.split(r"(?<=[,;:])\s+", sentence) if len(sentence) > limit else [sentence]:
                lines += _even_split(clause, limit)
    merged: list[str] = []
    for line in lines:  # short neighbours share a line again
        if merged and len(merged[-1]) + 1 + len(line) <= limit and not re.search(r"[.!?…]$", merged[-1]):
            merged[-1] += " " + line
        else:
            merged.append(line)
    return merged or [text]


def _even_split(text: str, limit: int) -> list[str]:
    if len(text) <= limit:
        return [text] if text else []
    words = text.split()
    count = -(-len(text) // limit)
    target = len(text) / count
    lines, line = [], ""
    for word in words:
        if line and (len(line) + 1 + len(word) > limit or len(line) >= target):
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines


def chapters_json(item: Published, url: str) -> str:
    data = {
        "version": "1.2.0",
        "title": item.episode.metadata.title,
        "podcastName": item.episode.metadata.show,
        "fileName": url,
        "chapters": [
            {"startTime": c.start_ms / 1000, "endTime": c.end_ms / 1000, "title": c.title}
            for c in sorted(item.timeline.chapters, key=lambda c: c.start_ms)
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def _clock(ms: int) -> str:
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def vtt_text(item: Published) -> str:
    captions = [
        Caption(
            start=_clock(cue.start_ms),
            end=_clock(cue.end_ms),
            text=f"<v {html.escape(cue.speaker)}>{html.escape(cue.text, quote=False)}",
        )
        for cue in cues(item.timeline)
    ]
    return WebVTT(captions=captions).content


def srt_text(item: Published) -> str:
    """SRT by hand: webvtt-py's SRT writer drops anything that looks like a tag, and SRT has no escapes,
    so a line such as "<script>" must be written as it is to survive as text."""
    blocks = []
    for number, cue in enumerate(cues(item.timeline), start=1):
        text = f"{cue.speaker}: {cue.text}" if cue.turn_start else cue.text
        start, end = _clock(cue.start_ms).replace(".", ","), _clock(cue.end_ms).replace(".", ",")
        blocks.append(f"{number}\n{start} --> {end}\n{text}\n")
    return "\n".join(blocks)


def _url(base_url: str | None, name: str) -> str:
    return urljoin(base_url, quote(name)) if base_url else quote(name)


def feed_xml(items: list[Published], base_url: str | None) -> bytes:
    first = items[0].episode.metadata
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")

    def add(parent: ET.Element, tag: str, content: str | None = None, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, tag, attributes)
        if content is not None:
            element.text = content
        return element

    show = first.show or first.title
    add(channel, "title", show)
    add(channel, "link", _url(base_url, "index.html"))
    add(channel, "description", f"{show}: published interviews, read aloud by synthetic voices.")
    add(channel, "language", first.language)
    add(channel, "generator", "shalket-audio")
    if base_url:
        add(channel, f"{{{ATOM}}}link", href=_url(base_url, "feed.xml"), rel="self", type="application/rss+xml")
    add(channel, f"{{{ITUNES}}}image", href=_url(base_url, f"{items[0].name}.jpg"))
    add(channel, f"{{{ITUNES}}}category", text=CATEGORY)
    add(channel, f"{{{ITUNES}}}explicit", "false")
    add(channel, f"{{{ITUNES}}}author", first.author or show)
    owner = add(channel, f"{{{ITUNES}}}owner")
    add(owner, f"{{{ITUNES}}}name", first.author or show)
    if first.email:
        add(owner, f"{{{ITUNES}}}email", first.email)
    add(channel, f"{{{ITUNES}}}type", "episodic")
    for item in items:
        meta = item.episode.metadata
        entry = add(channel, "item")
        add(entry, "title", meta.title)
        add(entry, "description", meta.description or meta.title)
        add(entry, "link", _url(base_url, f"{item.name}.html"))
        identity = f"shalket-audio/{show}/{meta.title}/{meta.date}"
        add(entry, "guid", f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, identity)}", isPermaLink="false")
        day = datetime.fromisoformat(meta.date).replace(hour=12, tzinfo=UTC) if meta.date else datetime.now(UTC)
        add(entry, "pubDate", format_datetime(day))
        size = item.mp3.stat().st_size
        add(entry, "enclosure", url=_url(base_url, item.mp3.name), length=str(size), type="audio/mpeg")
        add(entry, f"{{{ITUNES}}}duration", str(round(item.timeline.duration_ms / 1000)))
        add(entry, f"{{{ITUNES}}}episodeType", "full")
        add(entry, f"{{{ITUNES}}}explicit", "false")
        add(entry, f"{{{ITUNES}}}image", href=_url(base_url, f"{item.name}.jpg"))
        add(
            entry,
            f"{{{PODCAST}}}chapters",
            url=_url(base_url, f"{item.name}.chapters.json"),
            type="application/json+chapters",
        )
        add(entry, f"{{{PODCAST}}}transcript", url=_url(base_url, f"{item.name}.vtt"), type="text/vtt", rel="captions")
        add(entry, f"{{{PODCAST}}}transcript", url=_url(base_url, f"{item.name}.srt"), type="application/x-subrip")
        for speaker in item.episode.speakers:
            if speaker.role != "quoted":  # people quoted in the article are not the episode's cast
                add(entry, f"{{{PODCAST}}}person", speaker.name, role=speaker.role, group="cast")
    ET.indent(rss)
    body = ET.tostring(rss, encoding="unicode")
    note = (
        ""
        if base_url
        else "<!-- The URLs below are relative. Podcast apps need absolute URLs: build again with the base-url "
        "option set to where these files will be served (see: shalket-audio build -h). -->\n"
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + note + body + "\n").encode("utf-8")


def page_html(item: Published, others: list[Published]) -> str:
    meta = item.episode.metadata
    e = html.escape
    chapters = "\n".join(
        f'        <li><button type="button" class="chapter" data-start="{c.start_ms / 1000:.3f}">'
        f'<span class="time">{_short(c.start_ms)}</span> {e(c.title)}</button></li>'
        for c in sorted(item.timeline.chapters, key=lambda c: c.start_ms)
    )
    lines = "\n".join(_line(segment, item.timeline) for segment in item.timeline.segments)
    data = {
        "segments": [[s.start_ms / 1000, s.end_ms / 1000] for s in item.timeline.segments],
        "chapters": [[c.start_ms / 1000, c.end_ms / 1000] for c in item.timeline.chapters],
    }
    payload = json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    more = ""
    if others:
        links = "\n".join(
            f'        <li><a href="{e(quote(o.name))}.html">{e(o.episode.metadata.title)}</a></li>' for o in others
        )
        more = (
            '    <section aria-labelledby="more-title">\n      <h2 id="more-title">More episodes</h2>\n'
            f"      <ul>\n{links}\n      </ul>\n    </section>\n"
        )
    guests = ", ".join(s.name for s in item.episode.speakers if s.role == "guest")
    return f"""<!doctype html>
<html lang="{e(meta.language)}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{e(meta.title)}</title>
  <link rel="stylesheet" href="player.css">
  <link rel="alternate" type="application/rss+xml" title="{e(meta.show or meta.title)}" href="feed.xml">
</head>
<body>
  <a class="skip" href="#transcript-title">Skip to the transcript</a>
  <header>
    <img class="cover" src="{e(quote(item.name))}.jpg" alt="Cover art: {e(meta.title)}" width="1400" height="1400">
    <div>
      <p class="show">{e(meta.show)}</p>
      <h1>{e(meta.title)}</h1>
      <p class="byline">{e("By " + meta.author if meta.author else "")}{e(" · with " + guests if guests else "")}</p>
    </div>
  </header>
  <main>
    <p class="description">{e(meta.description)}</p>
    <p class="synthetic">The voices in this episode are synthetic: text-to-speech reads the published article.</p>
    <audio id="player" controls preload="metadata" src="{e(quote(item.mp3.name))}"
      aria-label="Episode audio: {e(meta.title)}"></audio>
    <p class="downloads">
      <a href="{e(quote(item.mp3.name))}" download>Download the MP3</a>
      <a href="feed.xml">Podcast feed (RSS)</a>
      <a href="{e(quote(item.name))}.vtt" download>Transcript (WebVTT)</a>
      <a href="{e(quote(item.name))}.srt" download>Transcript (SRT)</a>
    </p>
    <nav aria-labelledby="chapters-title">
      <h2 id="chapters-title">Chapters</h2>
      <ol class="chapters">
{chapters}
      </ol>
    </nav>
    <section aria-labelledby="transcript-title">
      <h2 id="transcript-title" tabindex="-1">Transcript</h2>
      <p class="hint">Select a line to play from there.</p>
      <ol class="transcript">
{lines}
      </ol>
    </section>
{more}  </main>
  <script type="application/json" id="episode-data">{payload}</script>
  <script src="player.js"></script>
</body>
</html>
"""


def _line(segment: TimedSegment, timeline: Timeline) -> str:
    e = html.escape
    name = timeline.speakers.get(segment.speaker, segment.speaker)
    return (
        f'        <li><button type="button" class="line speaker-{e(segment.speaker)}" data-index="{segment.index}" '
        f'data-start="{segment.start_ms / 1000:.3f}"><span class="who">{e(name)}</span> '
        f'<span class="said">{e(segment.text)}</span></button></li>'
    )


def _short(ms: int) -> str:
    seconds = ms // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def publish(out_dir: Path, items: list[Published], base_url: str | None = None) -> list[Path]:
    """Write the listener package for ``items`` into ``out_dir``; return the files written."""
    written: list[Path] = []

    def write(name: str, data: str | bytes) -> None:
        path = out_dir / name
        raw = data.encode("utf-8") if isinstance(data, str) else data
        if not path.is_file() or path.read_bytes() != raw:  # unchanged files keep their dates
            atomic_write_bytes(path, raw)
        written.append(path)

    for item in items:
        write(f"{item.name}.jpg", item.cover)
        write(f"{item.name}.chapters.json", chapters_json(item, _url(base_url, item.mp3.name)))
        write(f"{item.name}.vtt", vtt_text(item))
        write(f"{item.name}.srt", srt_text(item))
        write(f"{item.name}.html", page_html(item, [o for o in items if o is not item]))
    write("index.html", page_html(items[0], items[1:]))
    write("feed.xml", feed_xml(items, base_url))
    for asset in ("player.css", "player.js"):
        write(asset, resources.files("shalket_audio.web").joinpath(asset).read_bytes())
    return written
