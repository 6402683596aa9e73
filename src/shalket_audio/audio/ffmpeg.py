"""ffmpeg: finding the binary, running it, and decoding clips to PCM.

The binary shipped in the imageio-ffmpeg wheel comes first, the system's ffmpeg second.  The wheel's is
pinned with the package, so every machine encodes with the same build; and it is linked statically, so
it starts in about 0.02 s where Debian's, with its 215 shared libraries, takes 0.12 s (measured on this
project's 2-core host).  An edit's build runs two per part it encodes (the encoder and the decoder that
measures it), so that start-up was a third of a re-encoded part's time.  ``IMAGEIO_FFMPEG_EXE`` names
another binary."""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import wave
from typing import TYPE_CHECKING

from ..errors import RuntimeFailure

if TYPE_CHECKING:
    import numpy as np


@functools.cache
def ffmpeg_binary() -> str:
    try:
        import imageio_ffmpeg

        found: str | None = str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        found = None
    # Without a binary of its own, the wheel answers with the bare name of one on PATH: a path is wanted
    # here (the build record stamps the binary's file).
    resolved = shutil.which(found or "ffmpeg")
    if resolved:
        return resolved
    raise RuntimeFailure(
        "no ffmpeg found: neither the imageio-ffmpeg wheel's binary nor a system ffmpeg",
        fix="pip install imageio-ffmpeg, or apt-get install ffmpeg",
    )


#: ffmpeg's version by binary: asked once per process, or told by ``remember_version``.
_versions: dict[str, str] = {}


def ffmpeg_version() -> str:
    binary = ffmpeg_binary()
    if binary not in _versions:
        output = subprocess.run([binary, "-version"], capture_output=True, text=True, timeout=30).stdout
        _versions[binary] = output.splitlines()[0] if output else "unknown"
    return _versions[binary]


def remember_version(version: str) -> None:
    """The version of today's binary as the build record knows it (by the binary's stamp), so that neither
    the record nor the parts' keys run ``ffmpeg -version`` (about 0.1 s) for it."""
    _versions[ffmpeg_binary()] = version


def run_ffmpeg(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-nostdin", *args], capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        tail = " ".join(result.stderr.strip().splitlines()[-3:])
        raise RuntimeFailure(f"ffmpeg failed: {tail}", fix="check that ffmpeg works: ffmpeg -version")
    return result


def decode_to_pcm(data: bytes, fmt: str) -> tuple[np.ndarray, int]:
    """Mono int16 samples and their rate, from WAV bytes, or MP3 bytes through ffmpeg (at 44.1 kHz)."""
    import numpy as np  # here: the build record asks this module for ffmpeg's version on every no-op

    if fmt == "wav":
        with wave.open(io.BytesIO(data)) as wav:
            channels, rate = wav.getnchannels(), wav.getframerate()
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        if channels > 1:
            samples = samples.reshape(-1, channels).mean(axis=1).astype(np.int16)
        return samples, rate
    result = subprocess.run(
        [
            ffmpeg_binary(),
            "-v",
            "error",
            "-nostdin",
            "-i",
            "pipe:0",
            "-ac",
            "1",
            "-ar",
            "44100",
            "-f",
            "s16le",
            "pipe:1",
        ],
        input=data,
        capture_output=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeFailure(
            f"ffmpeg cannot decode a {fmt} clip", fix="clear the cache with `shalket-audio cache clear`"
        )
    return np.frombuffer(result.stdout, dtype="<i2"), 44100
