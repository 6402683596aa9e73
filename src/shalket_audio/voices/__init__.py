"""Voices: the engine base class and registry, and the built-in engines (one file each; Kokoro a package).

- ``base.py``: ``Engine``, ``VoiceRef``, ``Audio``, ``Availability``, ``EngineError``;
- ``formats.py``: WAV writing and clip durations;
- ``defaults.py``: the voices each role gets under each profile;
- ``workers.py``: worker processes for the neural engines; ``phonemes.py``: text to IPA through espeak-ng;
- ``piper.py``, ``kokoro/``, ``flite.py``, ``espeak.py``, ``gtts.py``: the engines.
"""

from __future__ import annotations

from importlib.metadata import entry_points

from ..errors import InputError
from .base import AVAILABLE, Audio, Availability, Engine, EngineError, EngineLike, ForeignEngine, VoiceRef

__all__ = [
    "AVAILABLE",
    "Audio",
    "Availability",
    "Engine",
    "EngineError",
    "EngineLike",
    "Registry",
    "VoiceRef",
    "default_registry",
]

ENTRY_POINT_GROUP = "shalket_audio.engines"


class Registry:
    """Engines by name.  Built-ins register exactly as a plugin would."""

    def __init__(self) -> None:
        self._engines: dict[str, Engine] = {}

    def register(self, engine: Engine | EngineLike) -> None:
        """Add an engine; one that does not subclass ``Engine`` gets the base class's defaults."""
        registered = engine if isinstance(engine, Engine) else ForeignEngine(engine)
        self._engines[registered.name] = registered

    def names(self) -> list[str]:
        return list(self._engines)

    def engine(self, name: str) -> Engine:
        try:
            return self._engines[name]
        except KeyError:
            raise InputError(
                f"unknown voice engine {name!r}",
                fix=f"use one of: {', '.join(self._engines)}",
            ) from None

    def resolve(self, spec: str | VoiceRef) -> tuple[Engine, VoiceRef]:
        voice = spec if isinstance(spec, VoiceRef) else VoiceRef.parse(spec)
        return self.engine(voice.engine), voice


def default_registry() -> Registry:
    from .espeak import EspeakEngine
    from .flite import FliteEngine
    from .gtts import GttsEngine
    from .kokoro import KokoroEngine
    from .piper import PiperEngine

    registry = Registry()
    for engine in (PiperEngine(), KokoroEngine(), FliteEngine(), EspeakEngine(), GttsEngine()):
        registry.register(engine)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        registry.register(entry.load()())
    return registry
