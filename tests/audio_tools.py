"""Independent audio measurements for tests (numpy only, no project code)."""

from __future__ import annotations

import io
import statistics
import wave

import numpy as np


def wav_samples(data: bytes) -> tuple[np.ndarray, int]:
    with wave.open(io.BytesIO(data)) as wav:
        assert wav.getsampwidth() == 2 and wav.getnchannels() == 1
        frames = wav.readframes(wav.getnframes())
        return np.frombuffer(frames, dtype="<i2").astype(np.float64), wav.getframerate()


def median_pitch(samples: np.ndarray, rate: int) -> float:
    """Median fundamental frequency (Hz) of the voiced frames, by autocorrelation."""
    frame, hop = int(0.04 * rate), int(0.01 * rate)
    lo, hi = int(rate / 400), int(rate / 60)
    energies = [float(np.mean(samples[i : i + frame] ** 2)) for i in range(0, len(samples) - frame, hop)]
    loud = 0.1 * max(energies)
    pitches = []
    for index, start in enumerate(range(0, len(samples) - frame, hop)):
        if energies[index] < loud:
            continue
        x = samples[start : start + frame] - np.mean(samples[start : start + frame])
        ac = np.correlate(x, x, "full")[frame - 1 :]
        lag = lo + int(np.argmax(ac[lo:hi]))
        if ac[0] > 0 and ac[lag] / ac[0] > 0.5:
            pitches.append(rate / lag)
    assert pitches, "no voiced frames found"
    return statistics.median(pitches)
