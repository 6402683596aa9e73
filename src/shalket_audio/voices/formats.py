"""The formats a clip comes in: mono 16-bit WAV, written here, and WAV or MP3 bytes, whose length is read here.

Engines, assembly, mastering and the listening check all write WAV through
``wav_bytes``, and the clip cache and gTTS both ask ``audio_duration_ms``
whether bytes hold audio at all.
"""

from __future__ import annotations

import contextlib
import io
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # numpy loads only when samples are written: the clip cache imports this module
    import numpy as np


def wav_bytes(samples: np.ndarray | bytes, rate: int) -> bytes:
    """Mono 16-bit WAV of ``samples`` (int16 values, or their little-endian bytes) at ``rate``."""
    buffer = io.BytesIO()
    _write(buffer, samples, rate)
    return buffer.getvalue()


def write_wav(path: Path, samples: np.ndarray | bytes, rate: int) -> None:
    with path.open("wb") as handle:
        _write(handle, samples, rate)


@contextlib.contextmanager
def wav_writer(target: str | IO[bytes], rate: int) -> Iterator[wave.Wave_write]:
    """A mono 16-bit WAV being written, for audio that arrives in blocks (``writeframes`` each)."""
    with wave.open(target, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        yield wav


def _write(target: IO[bytes], samples: np.ndarray | bytes, rate: int) -> None:
    if isinstance(samples, bytes):
        frames = samples
    else:
        import numpy as np

        frames = np.ascontiguousarray(samples, dtype="<i2").tobytes()
    with wav_writer(target, rate) as wav:
        wav.writeframes(frames)


def audio_duration_ms(data: bytes, fmt: str) -> int | None:
    """The length of WAV or MP3 bytes, or None when they are not whole, readable audio of that format."""
    try:
        if fmt == "wav":
            with wave.open(io.BytesIO(data)) as wav:
                frames = wav.getnframes()
                if len(wav.readframes(frames)) != frames * wav.getsampwidth() * wav.getnchannels():
                    return None
                milliseconds: int = round(frames * 1000 / wav.getframerate())
                return milliseconds
        if fmt == "mp3":
            seconds = mp3_seconds(data)
            return None if seconds is None else round(seconds * 1000)
    except Exception:  # any parser error means the bytes cannot be trusted
        return None
    return None


def mp3_seconds(data: bytes) -> float | None:
    """The duration of MP3 bytes, or None when they hold no MP3 audio."""
    if len(data) < 64:
        return None
    from mutagen import MutagenError
    from mutagen.mp3 import MP3

    try:
        length = float(getattr(MP3(io.BytesIO(data)).info, "length", 0.0))
    except MutagenError:
        return None
    return length if length > 0 else None
