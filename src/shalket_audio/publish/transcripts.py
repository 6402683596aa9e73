"""Transcripts: ``NAME.vtt`` (WebVTT with speaker voices) and ``NAME.srt``, cues of at most ~65 characters.

VTT cue text is escaped with ``html.escape``; SRT has no escapes and is written as it is.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from webvtt import Caption, WebVTT

from ..audio.timeline import Timeline
from ..synth.text import CLAUSE_BREAK, SENTENCE_BREAK
from .item import Published

CUE_CHARS = 65


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
