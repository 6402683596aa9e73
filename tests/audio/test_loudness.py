"""The numpy BS.1770 measurements against references and against ffmpeg's ebur128 (an independent implementation)."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest

from conftest import ffmpeg_binary
from shalket_audio.audio.loudness import EnergyMeter, integrated_lufs, k_weighting, sub_block_energies, true_peak_dbtp

RATE = 44100


def ffmpeg_ebur128(samples: np.ndarray) -> tuple[float, float]:
    source = ["-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0"]
    meter = ["-af", "ebur128=peak=true:dualmono=true:framelog=verbose", "-f", "null", "-"]
    result = subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-nostats", *source, *meter],
        input=samples.astype("<i2").tobytes(),
        capture_output=True,
        check=True,
    )
    summary = result.stderr.decode()[result.stderr.decode().rfind("Summary:") :]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))  # type: ignore[union-attr]
    peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))  # type: ignore[union-attr]
    return integrated, peak


def test_a_full_scale_997_hz_sine_reads_minus_3_01_lkfs_in_one_channel() -> None:
    sine = np.sin(2 * np.pi * 997 * np.arange(RATE * 5) / RATE)
    assert abs(integrated_lufs(sine, RATE, weight=1.0) - -3.01) < 0.02


def test_true_peak_finds_the_peak_between_samples() -> None:
    # A quarter-rate sine sampled 45 degrees off its crests: every sample is at 0.707 of the true peak.
    samples = (np.sin(2 * np.pi * 0.25 * np.arange(RATE) + np.pi / 4) * 16384).astype(np.int16)
    sample_peak = 20 * np.log10(np.max(np.abs(samples)) / 32768)
    assert abs(true_peak_dbtp(samples, RATE) - 20 * np.log10(0.5)) < 0.15
    assert true_peak_dbtp(samples, RATE) > sample_peak + 2.5


def test_speech_like_signal_agrees_with_ffmpeg() -> None:
    rng = np.random.default_rng(7)
    bursts = []
    for _ in range(40):  # bursts of band-limited noise at varied levels, with gaps the gates must drop
        length = int(RATE * rng.uniform(0.3, 1.5))
        tone = np.sin(2 * np.pi * rng.uniform(120, 900) * np.arange(length) / RATE)
        bursts += [
            tone * rng.normal(0, 1, length) * 10 ** rng.uniform(-2.2, -0.6),
            np.zeros(int(RATE * rng.uniform(0.1, 0.6))),
        ]
    samples = np.clip(np.concatenate(bursts) * 32767, -32768, 32767).astype(np.int16)
    ours = integrated_lufs(samples, RATE), true_peak_dbtp(samples, RATE)
    theirs = ffmpeg_ebur128(samples)
    assert abs(ours[0] - theirs[0]) <= 0.15, (ours, theirs)
    assert abs(ours[1] - theirs[1]) <= 0.3, (ours, theirs)


def _recursion(sections: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """The biquads run as what they are: the direct-form difference equations, sample by sample."""
    signal = [float(v) for v in samples]
    for b0, b1, b2, _, a1, a2 in sections:
        x1 = x2 = y1 = y2 = 0.0
        out = []
        for x in signal:
            y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            x2, x1, y2, y1 = x1, x, y1, y
            out.append(y)
        signal = out
    return np.array(signal)


def _weighted_energies(weighted: np.ndarray, rate: int) -> np.ndarray:
    size = rate // 10
    blocks = weighted[: len(weighted) // size * size].reshape(-1, size)
    return np.mean(blocks * blocks, axis=1)


@pytest.mark.parametrize("rate", [8000, 24000, 44100, 96000])
def test_the_k_weighting_is_the_two_biquads_recursion(rate: int) -> None:
    rng = np.random.default_rng(rate)
    # Loud noise, then silence long enough for the filter to ring out, then a low tone the high pass acts on.
    samples = np.concatenate(
        (rng.normal(0, 0.3, rate), np.zeros(rate // 2), 0.5 * np.sin(2 * np.pi * 40 * np.arange(rate) / rate))
    )
    expected = _weighted_energies(_recursion(k_weighting(rate), samples), rate)
    measured = sub_block_energies(samples, rate)
    assert measured.shape == expected.shape
    assert np.max(np.abs(measured - expected)) <= 1e-12 * np.max(expected)


def test_a_stream_fed_in_any_pieces_measures_as_the_whole() -> None:
    rng = np.random.default_rng(3)
    samples = (rng.normal(0, 0.2, RATE * 25) * 32767).astype(np.int16)  # past one 10 s step of the meter
    whole = sub_block_energies(samples, RATE)
    meter = EnergyMeter(RATE)
    for start, end in [(0, 1), (1, 4410), (4410, 4411), (4411, 700_000), (700_000, len(samples))]:
        meter.add(samples[start:end])
    assert np.allclose(meter.energies(), whole, rtol=1e-12, atol=0)


def test_the_same_samples_measure_the_same_at_any_alignment() -> None:
    # A rebuild must reproduce its figures exactly, whatever address numpy gives a buffer.
    rng = np.random.default_rng(5)
    samples = rng.normal(0, 0.2, RATE * 3)
    shifted = np.frombuffer(b"\0" * 8 + samples.tobytes(), dtype=np.float64, offset=8)
    unaligned = np.frombuffer(b"\0" + samples.tobytes(), dtype=np.float64, offset=1)
    for other in (shifted, unaligned):
        assert np.array_equal(sub_block_energies(other, RATE), sub_block_energies(samples, RATE))
