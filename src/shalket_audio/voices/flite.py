"""flite: the system binary, with its built-in voices (slt is female)."""

from __future__ import annotations

import functools
import shutil
import subprocess

from .base import AVAILABLE, Audio, Availability, Engine, EngineError, VoiceRef, synthesize_with_binary

INSTALL = "apt-get install flite (Debian/Ubuntu), brew install flite (macOS)"
TIMEOUT_S = 120


class FliteEngine(Engine):
    name = "flite"
    default_voice = "slt"
    audio_format = "wav"

    @property
    def max_jobs(self) -> int:
        return 2

    def __init__(self, binary: str = "flite") -> None:
        self.binary = binary

    def _path(self) -> str | None:
        return shutil.which(self.binary)

    def available(self, voice: VoiceRef | None = None) -> Availability:
        if self._path() is None:
            return Availability(False, "flite is not installed", INSTALL)
        if voice is not None and voice.voice not in self.voices():
            return Availability(False, f"flite has no voice {voice.voice!r}", f"use one of: {', '.join(self.voices())}")
        return AVAILABLE

    @functools.cache  # noqa: B019 - one engine object per process; the answer never changes
    def voices(self) -> list[str]:
        path = self._path()
        if path is None:
            return []
        listing = subprocess.run([path, "-lv"], capture_output=True, text=True, timeout=30).stdout
        return listing.split(":", 1)[-1].split()

    @functools.cache  # noqa: B019
    def _version(self) -> str:
        path = self._path()
        if path is None:
            return "missing"
        output = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30).stdout
        versions = [line.split("version:", 1)[-1].strip() for line in output.splitlines() if "version" in line]
        return f"flite {versions[0]}" if versions else output.strip()

    def fingerprint(self, voice: VoiceRef) -> str:
        return self._version()

    def synthesize(self, text: str, voice: VoiceRef) -> Audio:
        path = self._path()
        if path is None:
            raise EngineError("flite is not installed", fix=INSTALL)
        return synthesize_with_binary(
            "flite",
            lambda source, target: [path, "-voice", voice.voice, "-f", str(source), "-o", str(target)],
            text,
            TIMEOUT_S,
        )
