"""The timeline: where every segment and chapter sits in the final audio, and the pauses that place them.

Chapters, transcripts, the feed and the page all read the timeline; nothing
downstream measures the audio again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ..script import Episode


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


@dataclass(frozen=True)
class TimedSegment:
    index: int
    chapter: int
    speaker: str
    text: str
    start_ms: int
    end_ms: int


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
            "version": 1,
            "duration_ms": self.duration_ms,
            "speakers": self.speakers,
            "chapters": [asdict(c) for c in self.chapters],
            "segments": [asdict(s) for s in self.segments],
        }
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"

    def shifted(self, chapter_offsets_ms: tuple[int, ...], duration_ms: int) -> Timeline:
        """The timeline of the encoded file: each chapter's audio later by its offset, the end at ``duration_ms``."""
        chapters = tuple(
            replace(c, start_ms=c.start_ms + chapter_offsets_ms[c.index] if c.index else 0, end_ms=0)
            for c in self.chapters
        )
        chapters = tuple(
            replace(c, end_ms=chapters[i + 1].start_ms if i + 1 < len(chapters) else duration_ms)
            for i, c in enumerate(chapters)
        )
        segments = tuple(
            replace(
                s, start_ms=s.start_ms + chapter_offsets_ms[s.chapter], end_ms=s.end_ms + chapter_offsets_ms[s.chapter]
            )
            for s in self.segments
        )
        return Timeline(duration_ms, chapters, segments, self.speakers)

    @classmethod
    def from_json(cls, text: str) -> Timeline:
        data = json.loads(text)
        return cls(
            duration_ms=data["duration_ms"],
            chapters=tuple(TimedChapter(**c) for c in data["chapters"]),
            segments=tuple(TimedSegment(**s) for s in data["segments"]),
            speakers=data.get("speakers", {}),
        )


def clock(ms: float) -> str:
    """A time as m:ss, to the nearest second: durations in summaries, chapter starts on the page."""
    seconds = round(ms / 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"
