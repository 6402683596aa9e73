"""Read an episode back: what a podcast app would see."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..audio.loudness import measure_file
from ..errors import InputError


@dataclass(frozen=True)
class EpisodeReport:
    path: str
    id3_version: tuple[int, int, int]
    tags: dict[str, str]
    cover: str
    toc_title: str
    chapters: list[dict[str, Any]]
    duration_ms: int
    bitrate_kbps: int
    bitrate_mode: str
    sample_rate: int
    channels: int
    integrated_lufs: float
    true_peak_dbtp: float
    loudness_range_lu: float | None


def inspect_episode(path: Path) -> EpisodeReport:
    from mutagen import MutagenError
    from mutagen.id3 import ID3, ID3NoHeaderError
    from mutagen.mp3 import MP3

    if not path.is_file():
        raise InputError(
            f"{path}: no such file", fix="give the path of an MP3 episode, for example output/shal-ket.mp3"
        )
    try:
        audio = MP3(path)
        tags = ID3(path, translate=False)
    except ID3NoHeaderError:
        raise InputError(f"{path}: the MP3 has no ID3 tag", fix="build it with `shalket-audio build`") from None
    except MutagenError as exc:
        why = str(exc) or "truncated or damaged: no audio frame could be read"
        raise InputError(
            f"{path}: not a readable MP3 ({why})",
            fix="give the path of a whole MP3 episode; rebuild it with `shalket-audio build` if it was cut short",
        ) from None
    info = audio.info
    text = {}
    for frame_id in ("TIT2", "TPE1", "TALB", "TYER", "TDAT", "TCON", "TLAN", "TLEN"):
        frame = tags.get(frame_id)
        if frame is not None:
            text[frame_id] = str(frame.text[0])
    for comment in tags.getall("COMM"):
        text[f"COMM:{comment.desc or 'description'}"] = str(comment.text[0])
    pictures = tags.getall("APIC")
    cover = (
        f"{pictures[0].mime}, {len(pictures[0].data) // 1000} KB, type {int(pictures[0].type)}" if pictures else "none"
    )
    tocs = tags.getall("CTOC")
    toc_title = (
        str(tocs[0].sub_frames["TIT2"].text[0]) if tocs and "TIT2" in tocs[0].sub_frames else "no table of contents"
    )
    chapters = sorted(
        (
            {
                "id": chap.element_id,
                "title": str(chap.sub_frames["TIT2"].text[0]) if "TIT2" in chap.sub_frames else chap.element_id,
                "start_ms": int(chap.start_time),
                "end_ms": int(chap.end_time),
            }
            for chap in tags.getall("CHAP")
        ),
        key=lambda chapter: chapter["start_ms"],
    )
    loudness = measure_file(path)
    return EpisodeReport(
        path=str(path),
        id3_version=tuple(tags.version),
        tags=text,
        cover=cover,
        toc_title=toc_title,
        chapters=chapters,
        duration_ms=round(float(info.length) * 1000),
        bitrate_kbps=round(int(info.bitrate) / 1000),  # mutagen derives it from size and length: 127999 for 128k
        bitrate_mode=str(info.bitrate_mode).split(".")[-1],
        sample_rate=int(info.sample_rate),
        channels=int(info.channels),
        integrated_lufs=loudness.integrated_lufs,
        true_peak_dbtp=loudness.true_peak_dbtp,
        loudness_range_lu=loudness.loudness_range_lu,
    )
