"""The record of ``--fix``'s takes, beside the transcripts: ``verify/takes/KEY.json`` per clip retaken once.

The check reads it to say which take each clip is; the fix writes it.  Both
import it from here, so neither imports the other.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..synth import Clip, ClipCache


def key_of(clip_path: Path) -> tuple[str, str]:
    """(engine, cache key) from a clip file named ``ENGINE-KEY-DIGEST.FMT``."""
    engine, key, _ = clip_path.stem.split("-", 2) if clip_path.stem.count("-") >= 2 else ("", "", "")
    return engine, key


def record_path(cache: ClipCache, key: str) -> Path:
    return cache.root / "verify" / "takes" / f"{key}.json"


def read_take_record(cache: ClipCache, key: str) -> dict[str, Any] | None:
    try:
        data = json.loads(record_path(cache, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def take_label(cache: ClipCache, clip: Clip) -> str:
    """Which take a cached clip is: "original", or the second take that won a ``--fix``."""
    _, key = key_of(clip.path)
    record = read_take_record(cache, key) if key else None
    if record and record.get("file") == clip.path.name:
        return str(record.get("kept", "original"))
    return "original"
