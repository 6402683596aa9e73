"""The numpy BS.1770 measurements against references and against ffmpeg's ebur128 (an independent implementation)."""

from __future__ import annotations

import re
import subprocess

import numpy as np

from conftest import ffmpeg_binary
from shalket_audio.audio.loudness import integrated_lufs, true_peak_dbtp

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
