"""The build record (``OUT/.NAME.build.json``): what the last build was made from, so an unchanged one is skipped.

A build whose inputs (every clip's cache key, the pacing, the metadata, the
cover and the encoder settings) hash to the recorded digest, and whose MP3 is
the recorded one, does no synthesis or encoding at all.  The record also keeps
what makes a rebuild after an edit bit-identical elsewhere: each voice's
held loudness and the episode gain.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .. import __version__
from ..audio import PARTS_VERSION
from ..audio.ffmpeg import ffmpeg_binary, ffmpeg_version, remember_version
from ..audio.timeline import TIMELINE_VERSION, Pacing
from ..fileio import atomic_write_text, file_sha256_or_none
from ..script import Comment, Episode, Segment
from ..script.model import FEED_ONLY_FIELDS

RECORD_VERSION = 1


def output_paths(script: Path, out_dir: Path) -> tuple[Path, Path, Path]:
    """The episode's MP3, its timeline and its build record in ``out_dir``."""
    name = script.stem
    return out_dir / f"{name}.mp3", out_dir / f"{name}.timeline.json", out_dir / f".{name}.build.json"


def parts_folder(script: Path, out_dir: Path) -> Path:
    """Where the episode's encoded parts are kept (``audio/master.py``)."""
    return out_dir / f".{script.stem}.parts"


def forget(script: Path, out_dir: Path) -> None:
    """Drop the record, so the next build makes the episode again even though its inputs look unchanged."""
    output_paths(script, out_dir)[2].unlink(missing_ok=True)


def ffmpeg_identity(record: dict[str, Any]) -> tuple[str, list[Any]]:
    """The encoder's version, and what to keep in the record to know it next time without running
    ``ffmpeg -version`` (70-110 ms here, most of a no-op build's own work): the binary's path, time and size."""
    binary = ffmpeg_binary()
    try:
        stat = os.stat(binary)
    except OSError:
        return ffmpeg_version(), []
    stamp = [binary, stat.st_mtime_ns, stat.st_size]
    known = record.get("ffmpeg")
    if isinstance(known, list) and len(known) == 4 and known[:3] == stamp:
        remember_version(str(known[3]))
        return str(known[3]), known
    version = ffmpeg_version()
    return version, [*stamp, version]


def inputs_digest(
    episode: Episode, keys: list[str], pacing: Pacing, cover: str, bitrate: int, ffmpeg: str | None = None
) -> str:
    """What the episode is made from, as one digest; ``ffmpeg``: the encoder's version, when already known."""
    material = {
        "record": RECORD_VERSION,
        "tool": __version__,
        "timeline": TIMELINE_VERSION,  # a timeline of an older version is made again (with the audio)
        "parts": PARTS_VERSION,
        "ffmpeg": ffmpeg if ffmpeg is not None else ffmpeg_version(),
        # Numbering only the feed shows changes no audio or tag: editing it re-encodes nothing.
        "metadata": {k: v for k, v in asdict(episode.metadata).items() if k not in FEED_ONLY_FIELDS},
        "speakers": [(s.tag, s.name, s.role) for s in episode.speakers],
        "chapters": [
            (
                c.title,
                [
                    (i.speaker, i.text, i.new_paragraph) if isinstance(i, Segment) else i.ms
                    for i in c.items
                    if not isinstance(i, Comment)
                ],
            )
            for c in episode.chapters
        ],
        "keys": keys,
        "pacing": asdict(pacing),
        "cover": cover,
        "bitrate": bitrate,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def read_record(path: Path) -> dict[str, Any]:
    """The record, or ``{}`` when there is none, or it is damaged or of another version."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("version") == RECORD_VERSION else {}


def write_record(path: Path, fields: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps({"version": RECORD_VERSION, **fields}, indent=1))


def is_current(record: dict[str, Any], inputs: str, mp3: Path) -> bool:
    """The record says the episode was built from ``inputs``, and ``mp3`` is still the file it wrote."""
    return record.get("inputs") == inputs and file_sha256_or_none(mp3) == record.get("mp3_sha256")
