"""The engine interface every voice goes through, built-in or third-party."""

from __future__ import annotations

import abc
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

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


class Engine(abc.ABC):
    """One speech engine.  Built-ins subclass this; a plugin that does not is wrapped by the registry
    (``ForeignEngine``), so every caller can rely on every member, optional ones included."""

    #: The engine's name in voice strings (``piper`` in ``piper:en_US-joe-medium``).
    name: str = ""
    #: Clips in this format (``wav`` or ``mp3``).
    audio_format: str = "wav"
    #: ``[[ IPA ]]`` blocks in the text are spoken as phonemes (lexicon entries given as IPA reach it).
    accepts_phonemes: bool = False
    #: It calls a service on the internet, which this machine may not reach.
    needs_network: bool = False
    #: A voice to try when checking that the engine works at all (``shalket-audio voices``).
    default_voice: str = "default"

    @property
    def max_jobs(self) -> int:
        """How many synthesis calls may run at once on this engine."""
        return 1

    @abc.abstractmethod
    def available(self, voice: VoiceRef | None = None) -> Availability:
        """Whether the engine (and this voice) can be used here; if not, why and what to install."""

    @abc.abstractmethod
    def voices(self) -> list[str]:
        """Voices this engine offers here, for ``shalket-audio voices``."""

    @abc.abstractmethod
    def fingerprint(self, voice: VoiceRef) -> str:
        """Engine and model version: part of the cache key, so an upgrade re-synthesizes."""

    @abc.abstractmethod
    def synthesize(self, text: str, voice: VoiceRef) -> Audio: ...

    def release(self) -> None:  # noqa: B027 (optional: an engine with nothing to stop keeps this no-op)
        """Stop worker processes once synthesis is over, giving back the memory their models hold."""

    def expect(self, requests: int) -> None:  # noqa: B027 (optional: most engines run one request per core)
        """How many requests the scheduler is about to send at once: an engine that can spread one request
        over several cores (Kokoro) does so for a lone request, such as an edit's one new clip."""


class EngineLike(Protocol):
    """What a plugin engine must offer at least: the four methods and ``name``; the rest has defaults."""

    name: str

    def available(self, voice: VoiceRef | None = None) -> Availability: ...
    def voices(self) -> list[str]: ...
    def fingerprint(self, voice: VoiceRef) -> str: ...
    def synthesize(self, text: str, voice: VoiceRef) -> Audio: ...


class ForeignEngine(Engine):
    """A plugin engine that does not subclass ``Engine``, with the base's defaults for what it leaves out."""

    def __init__(self, engine: EngineLike) -> None:
        self.wrapped = engine
        self.name = engine.name
        # The one place optional members are looked up by name: a plugin may define any of them.
        self.audio_format = getattr(engine, "audio_format", Engine.audio_format)
        self.accepts_phonemes = bool(getattr(engine, "accepts_phonemes", False))
        self.needs_network = bool(getattr(engine, "needs_network", False))
        self.default_voice = getattr(engine, "default_voice", Engine.default_voice)
        self._max_jobs = int(getattr(engine, "max_jobs", 1))
        self._release = getattr(engine, "release", None)
        self._expect = getattr(engine, "expect", None)

    @property
    def max_jobs(self) -> int:
        return self._max_jobs

    def available(self, voice: VoiceRef | None = None) -> Availability:
        return self.wrapped.available(voice)

    def voices(self) -> list[str]:
        return self.wrapped.voices()

    def fingerprint(self, voice: VoiceRef) -> str:
        return self.wrapped.fingerprint(voice)

    def synthesize(self, text: str, voice: VoiceRef) -> Audio:
        return self.wrapped.synthesize(text, voice)

    def release(self) -> None:
        if callable(self._release):
            self._release()

    def expect(self, requests: int) -> None:
        if callable(self._expect):
            self._expect(requests)


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
