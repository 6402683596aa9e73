"""Transcripts: ``NAME.vtt`` (WebVTT with speaker voices), ``NAME.srt`` and ``NAME.json`` (the Podcasting 2.0
JSON transcript), cues of at most ~65 characters.

Cue times come from the timeline's chunks: each clip the engine said starts and ends where assembly placed
it, so a cue that begins a chunk starts on its voice.  Only the sentences and lines inside one chunk are
timed by their share of its characters.  ``sentences`` gives the page the same times.

VTT cue text is escaped with ``html.escape``; SRT has no escapes and is written as it is.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

from webvtt import Caption, WebVTT

from ..audio.timeline import Timeline
from ..synth.text import CLAUSE_BREAK, SENTENCE_BREAK
from .item import Published

CUE_CHARS = 65
JSON_TRANSCRIPT_VERSION = "1.0.0"


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    speaker: str  # full name
    text: str
    segment: int
    turn_start: bool  # the first cue after a change of speaker
    chunk_start: bool = False  # the first cue of a clip: its start is the clip's real start


@dataclass(frozen=True)
class Sentence:
    """One sentence of a segment as the page shows it, timed like the cues it is made of."""

    start_ms: int
    end_ms: int
    text: str
    segment: int
    chunk_start: bool


def _spread(start: int, end: int, pieces: list[str]) -> list[tuple[int, int]]:
    """``pieces`` timed across ``start``..``end`` by their share of the characters."""
    total = sum(len(p) for p in pieces) or 1
    spans, done = [], 0
    for piece in pieces:
        first = start + (end - start) * done // total
        done += len(piece)
        spans.append((first, max(start + (end - start) * done // total, first + 1)))
    return spans


def sentences(timeline: Timeline) -> list[Sentence]:
    """Every segment's sentences, chunk by chunk: a chunk's first sentence starts at the chunk's real start."""
    result = []
    for segment in timeline.segments:
        for chunk in segment.parts:
            if not chunk.text:
                continue
            said = [s for s in SENTENCE_BREAK.split(chunk.text) if s] or [chunk.text]
            for number, (text, (start, end)) in enumerate(
                zip(said, _spread(chunk.start_ms, chunk.end_ms, said), strict=True)
            ):
                result.append(Sentence(start, end, text, segment.index, number == 0))
    return result


def cues(timeline: Timeline) -> list[Cue]:
    """Each sentence split at clause boundaries into lines of at most CUE_CHARS, timed by length in it."""
    result: list[Cue] = []
    previous = None
    by_segment = {s.index: s for s in timeline.segments}
    for sentence in sentences(timeline):
        segment = by_segment[sentence.segment]
        lines = cue_lines(sentence.text)
        name = timeline.speakers.get(segment.speaker, segment.speaker)
        for number, (line, (start, end)) in enumerate(
            zip(lines, _spread(sentence.start_ms, sentence.end_ms, lines), strict=True)
        ):
            turn = segment.speaker != previous
            chunk_start = sentence.chunk_start and number == 0
            result.append(Cue(start, end, name, line, segment.index, turn, chunk_start))
            previous = segment.speaker
    return result


def cue_lines(text: str, limit: int = CUE_CHARS) -> list[str]:
    """Lines of at most ``limit`` characters, split at sentence ends, then clauses, then evenly between words."""
    lines: list[str] = []
    for sentence in SENTENCE_BREAK.split(" ".join(text.split())):
        for clause in CLAUSE_BREAK.split(sentence) if len(sentence) > limit else [sentence]:
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


def json_transcript(item: Published) -> str:
    """The Podcasting 2.0 JSON transcript: one segment per cue, times in seconds."""
    data = {
        "version": JSON_TRANSCRIPT_VERSION,
        "segments": [
            {"speaker": c.speaker, "startTime": c.start_ms / 1000, "endTime": c.end_ms / 1000, "body": c.text}
            for c in cues(item.timeline)
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
