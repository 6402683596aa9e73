"""The timeline: where every segment and chapter sits in the final audio, and the pauses that place them.

Chapters, transcripts, the feed and the page all read the timeline; nothing
downstream measures the audio again.

``NAME.timeline.json`` versions:

- **1**: ``duration_ms``, ``speakers`` (tag -> name), ``chapters`` (index, title, start_ms, end_ms) and
  ``segments`` (index, chapter, speaker, text, start_ms, end_ms).
- **2** (now written): as 1, and each segment has ``chunks``: one entry per clip the engine said (a group of
  whole sentences, see ``synth.text.chunk_sentences``), with the part of the segment's written ``text`` that
  clip says and its real ``start_ms`` and ``end_ms`` in the audio (where assembly placed the clip, its kept
  edge of silence included).  The chunks' texts joined by spaces give the segment's text, whitespace
  normalized.  A version-1 timeline is still read: each segment then counts as one chunk.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ..script import Episode
from ..synth.text import SENTENCE_BREAK


@dataclass(frozen=True)
class Pacing:
    """Pauses in milliseconds.  Scripts override them in their front matter under ``pauses:``."""

    turn: int = 450  # between turns of different speakers
    paragraph: int = 750  # between paragraphs of one speaker
    sentence: int = 220  # between the chunks of one long segment
    chapter_before: int = 900  # silence closing a chapter
    chapter_after: int = 600  # silence opening the next one
    lead_in: int = 300
    tail: int = 1200
    fade: int = 8
    trim_threshold_dbfs: float = -48.0
    trim_keep: int = 25  # of the trimmed silence, kept at each end

    @classmethod
    def from_episode(cls, episode: Episode) -> Pacing:
        return cls(**episode.pacing)


TIMELINE_VERSION = 2


@dataclass(frozen=True)
class TimedChunk:
    """One clip of a segment: the written text it says, and where it sits in the audio."""

    text: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class TimedSegment:
    index: int
    chapter: int
    speaker: str
    text: str
    start_ms: int
    end_ms: int
    chunks: tuple[TimedChunk, ...] = ()  # empty when read from a version-1 timeline

    @property
    def parts(self) -> tuple[TimedChunk, ...]:
        """The segment's chunks, or (from a version-1 timeline) the whole segment as one."""
        return self.chunks or (TimedChunk(" ".join(self.text.split()), self.start_ms, self.end_ms),)


@dataclass(frozen=True)
class TimedChapter:
    index: int
    title: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Timeline:
    """Where everything is in the final audio; chapters, transcripts and the page read this."""

    duration_ms: int
    chapters: tuple[TimedChapter, ...]
    segments: tuple[TimedSegment, ...]
    speakers: dict[str, str] = field(default_factory=dict)  # tag -> full name

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "version": TIMELINE_VERSION,
            "duration_ms": self.duration_ms,
            "speakers": self.speakers,
            "chapters": [asdict(c) for c in self.chapters],
            "segments": [asdict(s) for s in self.segments],
        }
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"

    def shifted(self, part_starts_ms: tuple[int, ...], offsets_ms: tuple[int, ...], duration_ms: int) -> Timeline:
        """The timeline of the encoded file: the audio of each part (starting at ``part_starts_ms``, in order;
        chapters start parts, and parts are cut in pauses, so no clip straddles two) later by its offset, the
        end at ``duration_ms``."""

        def offset(at_ms: int) -> int:
            return offsets_ms[bisect.bisect_right(part_starts_ms, at_ms) - 1]

        def offset_of_end(at_ms: int) -> int:
            # An end on a part's start (a chapter with no closing silence) ends the part before it.
            return offsets_ms[max(0, bisect.bisect_left(part_starts_ms, at_ms) - 1)]

        chapters = tuple(
            replace(c, start_ms=c.start_ms + offset(c.start_ms) if c.index else 0, end_ms=0) for c in self.chapters
        )
        chapters = tuple(
            replace(c, end_ms=chapters[i + 1].start_ms if i + 1 < len(chapters) else duration_ms)
            for i, c in enumerate(chapters)
        )

        def later(s: TimedSegment) -> TimedSegment:
            # A long segment's clips may lie in different parts: each clip moves by its own part's offset.
            chunks = tuple(
                replace(c, start_ms=c.start_ms + offset(c.start_ms), end_ms=c.end_ms + offset_of_end(c.end_ms))
                for c in s.chunks
            )
            start, end = s.start_ms + offset(s.start_ms), s.end_ms + offset_of_end(s.end_ms)
            return replace(s, start_ms=start, end_ms=end, chunks=chunks)

        segments = tuple(later(s) for s in self.segments)
        return Timeline(duration_ms, chapters, segments, self.speakers)

    @classmethod
    def from_json(cls, text: str) -> Timeline:
        return cls.from_data(json.loads(text))

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Timeline:
        """From the timeline file's parsed JSON."""
        return cls(
            duration_ms=data["duration_ms"],
            chapters=tuple(TimedChapter(**c) for c in data["chapters"]),
            segments=tuple(_segment(s) for s in data["segments"]),
            speakers=data.get("speakers", {}),
        )


def _segment(data: dict[str, Any]) -> TimedSegment:
    chunks = tuple(TimedChunk(**c) for c in data.get("chunks", ()))
    return TimedSegment(**{k: v for k, v in data.items() if k != "chunks"}, chunks=chunks)


def written_parts(text: str, said: tuple[str, ...] | list[str]) -> list[str]:
    """The segment's written ``text`` cut into one part per chunk the engine said (``said``: the prepared
    chunks, after the lexicon and number expansion).

    Chunks are groups of whole sentences, so the written sentences are grouped the same way when the counts
    agree; otherwise (a sentence cut at clauses, a lexicon entry that adds a full stop) the text is cut at the
    word boundaries nearest the chunks' share of the prepared characters.
    """
    words = " ".join(text.split())
    if len(said) <= 1:
        return [words]
    sentences = SENTENCE_BREAK.split(words)
    counts = [len(SENTENCE_BREAK.split(" ".join(chunk.split()))) for chunk in said]
    if sum(counts) == len(sentences):
        parts, at = [], 0
        for count in counts:
            parts.append(" ".join(sentences[at : at + count]))
            at += count
        return parts
    return _cut_by_share(words, [len(chunk) for chunk in said])


def _cut_by_share(words: str, sizes: list[int]) -> list[str]:
    tokens = words.split(" ")
    ends = [0]  # character offset after each token
    for token in tokens:
        ends.append(ends[-1] + len(token) + (1 if len(ends) > 1 else 0))
    total, done, parts, at = sum(sizes) or 1, 0, [], 0
    for number, size in enumerate(sizes):
        done += size
        if number == len(sizes) - 1:
            cut = len(tokens)
        else:
            target = ends[-1] * done / total
            cut = min(range(at + 1, len(tokens)), key=lambda i: abs(ends[i] - target), default=at)
        parts.append(" ".join(tokens[at:cut]))
        at = cut
    return parts


def clock(ms: float) -> str:
    """A time as m:ss, to the nearest second: durations in summaries, chapter starts on the page."""
    seconds = round(ms / 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"
