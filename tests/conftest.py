"""Shared fixtures: an isolated clip cache, real MP3 bytes, a scriptable fake engine."""

from __future__ import annotations

import io
import shutil
import subprocess
import threading
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from shalket_audio.voices import AVAILABLE, Audio, Availability, EngineError, VoiceRef


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No test reads or writes the user's real clip cache."""
    root = tmp_path_factory.mktemp("clip-cache")
    monkeypatch.setenv("SHALKET_CACHE_DIR", str(root))
    yield root


@pytest.fixture(autouse=True)
def workers_do_not_linger(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No test leaves engine workers behind, or takes over one a build outside the tests left lingering:
    linger is off, and its sockets would go to a folder of the test's own (the linger tests turn it on)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="shw-", dir="/tmp") as sockets:  # short: a socket path has 108 bytes
        monkeypatch.setenv("SHALKET_WORKERS_LINGER", "0")
        monkeypatch.setenv("SHALKET_WORKERS_DIR", sockets)
        yield Path(sockets)


def ffmpeg_binary() -> str:
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


@pytest.fixture(scope="session")
def mp3_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Real MP3 audio shaped like gTTS's: mono, 24 kHz, 0.6 s."""
    target = tmp_path_factory.mktemp("mp3") / "tone.mp3"
    command = [ffmpeg_binary(), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=220:duration=0.6"]
    subprocess.run([*command, "-ac", "1", "-ar", "24000", "-b:a", "32k", str(target)], check=True)
    return target.read_bytes()


def tone_wav(ms: int = 300, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\x10\x00\xf0\xff" * (rate * ms // 2000))
    return buffer.getvalue()


class FakeEngine:
    """Counts calls per text; fails on texts containing ``fail_on``."""

    name: ClassVar[str] = "fake"
    audio_format: ClassVar[str] = "wav"
    max_jobs = 2

    def __init__(self, fail_on: str | None = None, version: str = "1") -> None:
        self.calls: list[str] = []
        self.expected: list[int] = []  # what the scheduler said was coming, call by call
        self.fail_on = fail_on
        self.version = version
        self._lock = threading.Lock()

    def available(self, voice: VoiceRef | None = None) -> Availability:
        return AVAILABLE

    def voices(self) -> list[str]:
        return ["a", "b"]

    def fingerprint(self, voice: VoiceRef) -> str:
        return f"fake {self.version}"

    def expect(self, requests: int) -> None:
        self.expected.append(requests)

    def synthesize(self, text: str, voice: VoiceRef) -> Audio:
        with self._lock:
            self.calls.append(text)
        if self.fail_on and self.fail_on in text:
            raise EngineError("the fake engine was told to fail", fix="do not say that")
        return Audio(tone_wav(100 + len(text)), "wav")
