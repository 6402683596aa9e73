"""The engine interface every voice goes through, built-in or third-party."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

from ..errors import InputError, RuntimeFailure


@dataclass(frozen=True)
class VoiceRef:
    """A voice as written in a script: ``engine:voice[:option...]``, e.g. ``gtts:en:co.uk``."""

    engine: str
    voice: str
    options: tuple[str, ...] = ()

    @classmethod
    def parse(cls, spec: str) -> VoiceRef:
        engine, _, rest = spec.strip().partition(":")
        if not engine or not rest:
            raise InputError(
                f"voice {spec!r} is not of the form 'engine:voice'",
                fix="write for example piper:en_US-joe-medium, flite:slt, espeak:en-us+f2 or gtts:en:co.uk",
            )
        if engine == "piper":  # a Piper voice may be a file path, which can hold ':'
            return cls(engine, rest)
        voice, *options = rest.split(":")
        return cls(engine, voice, tuple(options))

    def __str__(self) -> str:
        return ":".join((self.engine, self.voice, *self.options))


@dataclass(frozen=True)
class Availability:
    ok: bool
    reason: str = ""
    install: str = ""

    def __bool__(self) -> bool:
        return self.ok


AVAILABLE = Availability(True)


@dataclass(frozen=True)
class Audio:
    """What an engine returns: encoded audio bytes in ``format`` (``wav`` or ``mp3``)."""

    data: bytes
    format: str


class EngineError(RuntimeFailure):
    """An engine could not synthesize; ``message`` gives the probable cause, ``fix`` the next step."""

    def __init__(self, message: str, *, fix: str = "", retryable: bool = False) -> None:
        super().__init__(message, fix=fix)
        self.retryable = retryable


@runtime_checkable
class Engine(Protocol):
    """One speech engine.  Two optional members are read with ``getattr``: ``accepts_phonemes`` (a
    class attribute: ``[[ IPA ]]`` blocks in the text are spoken as phonemes) and ``release()``
    (stop worker processes once synthesis is over)."""

    name: ClassVar[str]
    #: Clips in this format (``wav`` or ``mp3``).
    audio_format: ClassVar[str]

    @property
    def max_jobs(self) -> int:
        """How many synthesis calls may run at once on this engine."""
        ...

    def available(self, voice: VoiceRef | None = None) -> Availability:
        """Whether the engine (and this voice) can be used here; if not, why and what to install."""
        ...

    def voices(self) -> list[str]:
        """Voices this engine offers here, for ``shalket-audio voices``."""
        ...

    def fingerprint(self, voice: VoiceRef) -> str:
        """Engine and model version: part of the cache key, so an upgrade re-synthesizes."""
        ...

    def synthesize(self, text: str, voice: VoiceRef) -> Audio: ...


def synthesize_with_binary(label: str, command: Callable[[Path, Path], list[str]], text: str, timeout: float) -> Audio:
    """Run a TTS program that reads text from a file and writes a WAV file: ``command(text_file, wav_file)``."""
    with tempfile.TemporaryDirectory(prefix=f"shalket-{label}-") as tmp:
        source, target = Path(tmp, "in.txt"), Path(tmp, "out.wav")
        source.write_text(text, encoding="utf-8")
        try:
            result = subprocess.run(command(source, target), capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise EngineError(f"{label} took longer than {timeout:g}s", retryable=True) from None
        if result.returncode != 0 or not target.is_file():
            raise EngineError(
                f"{label} failed: {result.stderr.strip() or result.returncode}", fix="check the voice name"
            )
        return Audio(target.read_bytes(), "wav")
