"""A content-addressed cache of synthesized clips.

The key covers engine, voice, engine or model version, options and the
prepared text.  A file is named ``<engine>-<key>-<digest>.<format>``, where
``digest`` is a hash of its own bytes: a truncated or damaged entry no longer
matches its name and is re-synthesized instead of used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import RuntimeFailure
from ..fileio import atomic_write_bytes
from ..voices.formats import audio_duration_ms

ENV_VAR = "SHALKET_CACHE_DIR"
_DIGEST_CHARS = 16
#: A clip's file name: ``ENGINE-KEY-DIGEST.FORMAT``; every file the cache makes carries a key (64 hex digits).
_CLIP_NAME = re.compile(r"[^-./][^-/]*-[0-9a-f]{64}-[0-9a-f]{16}\.\w+")
_MADE = re.compile(r"(?:^|[-.])[0-9a-f]{64}(?:[-.]|$)")


@dataclass(frozen=True)
class Clip:
    path: Path
    format: str
    duration_ms: int


@dataclass(frozen=True)
class CacheInfo:
    root: Path
    entries: int
    bytes: int
    by_engine: dict[str, int]


def default_cache_dir() -> Path:
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("shalket-audio", appauthor=False))


def cache_key(engine: str, voice: str, fingerprint: str, options: dict[str, object], text: str) -> str:
    material = json.dumps(
        {"engine": engine, "voice": voice, "version": fingerprint, "options": options, "text": text},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class ClipCache:
    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or default_cache_dir()).expanduser()
        self.clips = self.root / "clips"
        self.corrupt = 0
        self._verified: dict[str, Clip] = {}  # entries this process has already checked

    def _folder(self, key: str) -> Path:
        return self.clips / key[:2]

    def get(self, engine: str, key: str) -> Clip | None:
        known = self._verified.get(key)
        if known is not None and known.path.is_file():
            return known
        clip = self._lookup(engine, key)
        if clip is not None:
            self._verified[key] = clip
        return clip

    def _lookup(self, engine: str, key: str) -> Clip | None:
        folder = self._folder(key)
        try:
            names = os.listdir(folder)
        except OSError:  # no such folder yet: a miss
            return None
        prefix = f"{engine}-{key}-"
        # A prefix test, not glob: glob compiles a pattern per key, a third of a rebuild's lookups here.
        for path in (folder / name for name in sorted(names) if name.startswith(prefix) and "." in name[len(prefix) :]):
            clip = _verified(path)
            if clip is not None:
                return clip
            self.corrupt += 1
            path.unlink(missing_ok=True)
        return None

    def put(self, engine: str, key: str, data: bytes, fmt: str) -> Clip:
        digest = hashlib.sha256(data).hexdigest()[:_DIGEST_CHARS]
        path = self._folder(key) / f"{engine}-{key}-{digest}.{fmt}"
        try:
            atomic_write_bytes(path, data)
        except OSError as exc:
            raise RuntimeFailure(
                f"cannot write to the clip cache {self.root}: {exc.strerror}",
                fix=f"choose a writable folder with --cache-dir or {ENV_VAR}",
            ) from None
        clip = _verified(path)
        if clip is None:
            path.unlink(missing_ok=True)
            raise RuntimeFailure(
                f"the engine {engine} produced unreadable audio", fix="try another voice with --voices"
            )
        return clip

    def info(self) -> CacheInfo:
        by_engine: Counter[str] = Counter()
        size = 0
        if self.clips.is_dir():
            for path in self.clips.glob("*/*-*"):
                if _CLIP_NAME.fullmatch(path.name) is None:
                    continue
                by_engine[path.name.split("-", 1)[0]] += 1
                size += path.stat().st_size
        return CacheInfo(self.root, sum(by_engine.values()), size, dict(by_engine))

    def clear(self) -> CacheInfo:
        """Delete the clips (and temporary files of theirs) and nothing else under ``clips/``: every name the
        cache makes there carries a 64-hex cache key, so a file someone put there stays, with its folder.
        The derived folders (prepared clips, the listening check's transcripts and takes) go whole."""
        before = self.info()
        if self.clips.is_dir():
            for path in sorted(self.clips.rglob("*"), key=lambda p: len(p.parts), reverse=True):
                if path.is_symlink() or not path.is_dir():
                    if _MADE.search(path.name) and path.is_file() and not path.is_symlink():
                        path.unlink(missing_ok=True)
                else:
                    with contextlib.suppress(OSError):
                        path.rmdir()  # only when empty
            with contextlib.suppress(OSError):
                self.clips.rmdir()
        for folder in (self.prepared, self.root / "verify"):
            if folder.is_dir() and not folder.is_symlink():
                shutil.rmtree(folder)
        self._verified.clear()
        return before

    @property
    def prepared(self) -> Path:
        """Clips already trimmed and resampled for assembly (derived data: safe to delete)."""
        return self.root / "prepared"


def _verified(path: Path) -> Clip | None:
    """The clip, if its bytes match the digest in its name and decode as audio."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    digest = path.stem.rsplit("-", 1)[-1]
    if not data or hashlib.sha256(data).hexdigest()[:_DIGEST_CHARS] != digest:
        return None
    fmt = path.suffix.lstrip(".")
    duration = audio_duration_ms(data, fmt)
    if duration is None or duration <= 0:
        return None
    return Clip(path, fmt, duration)
