"""ID3v2.3 tags: metadata, cover art and chapter markers, in time order.

mutagen sorts frames by its own priority and then by size, not by time
(mutagen issue 506), and ffprobe and some players list chapters in file order.
So the frames are written here in a fixed order: the main text frames, the
CTOC, the CHAPs by start time, the rest, and the picture last.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TLAN,
    TLEN,
    TPE1,
    CTOCFlags,
    PictureType,
)
from mutagen.id3._tags import save_frame  # the only way to serialise one frame; see the module docstring

from ..script import Episode
from .timeline import Timeline

NO_OFFSET = 0xFFFFFFFF  # "use the times" (ID3v2 Chapter Frame Addendum)
SYNTHETIC_NOTE = "The voices in this episode are synthetic: text-to-speech reads the published article."
_FIRST = ("TIT2", "TPE1", "TALB", "TYER", "TDAT", "TCON", "TLAN", "TLEN")


class OrderedID3(ID3):  # type: ignore[misc]
    """An ID3 tag that writes its frames in a fixed, time-ordered sequence."""

    def _write(self, config: Any) -> bytes:
        def rank(frame: Any) -> tuple[int, int, str]:
            if frame.FrameID in _FIRST:
                return (0, _FIRST.index(frame.FrameID), "")
            if frame.FrameID == "CTOC":
                return (1, 0, "")
            if frame.FrameID == "CHAP":
                return (2, int(frame.start_time), "")
            if frame.FrameID == "APIC":
                return (4, 0, "")
            return (3, 0, frame.HashKey)

        frames = sorted(self.values(), key=rank)
        return bytes(bytearray().join(save_frame(frame, config=config) for frame in frames))


@dataclass(frozen=True)
class ChapterMark:
    element_id: str
    title: str
    start_ms: int
    end_ms: int


def write_tags(path: Path, episode: Episode, timeline: Timeline, duration_ms: int, cover: bytes) -> None:
    meta = episode.metadata
    tags = OrderedID3()
    tags.add(TIT2(encoding=3, text=[meta.title]))
    if meta.author:
        tags.add(TPE1(encoding=3, text=[meta.author]))
    if meta.show:
        tags.add(TALB(encoding=3, text=[meta.show]))
    if meta.date:
        tags.add(TDRC(encoding=3, text=[meta.date]))
    tags.add(TCON(encoding=3, text=["Podcast"]))
    description = f"{meta.description} {SYNTHETIC_NOTE}".strip()
    tags.add(COMM(encoding=3, lang="eng", desc="", text=[description]))
    tags.add(COMM(encoding=3, lang="eng", desc="voices", text=[SYNTHETIC_NOTE]))
    tags.add(TLAN(encoding=3, text=[_iso639_2(meta.language)]))
    tags.add(TLEN(encoding=3, text=[str(duration_ms)]))
    tags.add(APIC(encoding=3, mime="image/jpeg", type=PictureType.COVER_FRONT, desc="Cover", data=cover))
    marks = chapter_marks(timeline, duration_ms)
    tags.add(
        CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=[mark.element_id for mark in marks],
            sub_frames=[TIT2(encoding=3, text=["Chapters"])],
        )
    )
    for mark in marks:
        tags.add(
            CHAP(
                element_id=mark.element_id,
                start_time=mark.start_ms,
                end_time=mark.end_ms,
                start_offset=NO_OFFSET,
                end_offset=NO_OFFSET,
                sub_frames=[TIT2(encoding=3, text=[mark.title])],
            )
        )
    tags.update_to_v23()
    tags.save(path, v2_version=3, v1=0)


def chapter_marks(timeline: Timeline, duration_ms: int) -> list[ChapterMark]:
    """Contiguous chapters from 0 to the end of the audio, as the timeline places them."""
    marks = [ChapterMark(f"chp{c.index}", c.title, c.start_ms, c.end_ms) for c in timeline.chapters]
    if marks:
        last = marks[-1]
        marks[-1] = ChapterMark(last.element_id, last.title, last.start_ms, duration_ms)
    if len(marks) > 255:
        raise ValueError("a CTOC holds at most 255 chapters")
    return marks


_ISO639_2 = {"en": "eng", "kk": "kaz", "ru": "rus", "de": "deu", "fr": "fra", "es": "spa", "uk": "ukr"}


def _iso639_2(language: str) -> str:
    return _ISO639_2.get(language.split("-")[0].lower(), "eng")
