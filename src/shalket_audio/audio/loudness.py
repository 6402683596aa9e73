"""Loudness: the podcast target, ITU-R BS.1770-4 loudness and true peak in numpy, and ffmpeg's ebur128 reading.

pyloudnorm measures the same thing but took 1.6 s for this 9-minute episode,
and each ffmpeg ebur128 pass about 1 s; a build needs several measurements,
so they set the rebuild time.  Here the K-weighting runs in numpy and gating
works on 100 ms sub-block energies, which also lets a voice be measured from
its clips and a mix predicted from its voices' gains without filtering again.
The tests check every figure against ffmpeg's ebur128.

The K-weighting's two biquads are applied as their impulse response, cut where
it has fallen below 1e-20 of its peak (about 0.2 s), by FFT convolution: the
same sub-block energies as running the recursion (within 1e-12 of the largest,
tested), without scipy, whose ``scipy.signal`` took 1.4-1.9 s to import here,
most of a one-line edit's rebuild besides the synthesis.
"""

from __future__ import annotations

import math
import re
from functools import cache
from pathlib import Path

import numpy as np

from ..errors import RuntimeFailure
from .ffmpeg import run_ffmpeg
from .levels import Loudness

SUB_BLOCK_S = 0.1  # gating blocks are 400 ms, overlapping by 75%, i.e. four 100 ms sub-blocks
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
#: Podcasts measure mono as dual-mono: the one channel counted twice.
DUAL_MONO = 2.0


@cache
def k_weighting(rate: int) -> np.ndarray:
    """The two K-weighting biquads (high shelf, then high pass) for ``rate``, as second-order sections."""
    # Coefficients derived for any rate, as libebur128 and pyloudnorm do.
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = [(vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]
    shelf += [1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0]
    return np.array([shelf, highpass])


#: The impulse response is kept for this long: at every rate it is below 1e-20 of its peak by 0.19 s.
RESPONSE_S = 0.2


@cache
def _k_filter(rate: int) -> tuple[int, int, np.ndarray]:
    """The K-weighting as an FIR for overlap-save: (taps, FFT size, the response's spectrum at that size)."""
    taps = math.ceil(RESPONSE_S * rate)
    # The biquads' frequency response sampled at 2^k points is the spectrum of their impulse response
    # folded onto 2^k samples; with 2^k far past the response's length, the fold adds nothing.
    points = 1 << max(17, (8 * taps).bit_length())
    z = np.exp(-2j * np.pi * np.arange(points // 2 + 1) / points)
    response = np.ones_like(z)
    for b0, b1, b2, _, a1, a2 in k_weighting(rate):
        response *= (b0 + b1 * z + b2 * z * z) / (1 + a1 * z + a2 * z * z)
    impulse = np.fft.irfft(response, points)[:taps]
    size = 1 << max(12, (3 * taps).bit_length())  # 32768 at 44.1 kHz: the fastest size for it, measured
    return taps, size, np.fft.rfft(impulse, size)


def k_weighted(samples: np.ndarray, history: np.ndarray, rate: int) -> np.ndarray:
    """``samples`` (float64, full scale 1) K-weighted, given the ``history`` of input before them (its last
    taps - 1 samples are used; zeros where the stream had not begun)."""
    taps, size, spectrum = _k_filter(rate)
    if not len(samples):
        return np.zeros(0)
    before = history[-(taps - 1) :]
    step = size - (taps - 1)
    blocks = -(-len(samples) // step)
    stream = np.zeros(taps - 1 + blocks * step)  # the last window ends exactly here
    stream[taps - 1 - len(before) : taps - 1] = before
    stream[taps - 1 : taps - 1 + len(samples)] = samples
    windows = np.lib.stride_tricks.sliding_window_view(stream, size)[::step]
    filtered = np.fft.irfft(np.fft.rfft(windows, axis=1) * spectrum, size, axis=1)[:, taps - 1 :]
    return filtered.ravel()[: len(samples)]


def sub_block_energies(samples: np.ndarray, rate: int) -> np.ndarray:
    """Mean square of the K-weighted signal (full scale = 1) in each whole 100 ms sub-block."""
    meter = EnergyMeter(rate)
    meter.add(samples)
    return meter.energies()


class EnergyMeter:
    """``sub_block_energies`` of a stream fed in pieces of any size: the filter state and the unfinished
    sub-block carry over, so an episode is measured without ever being whole in memory."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.size = round(rate * SUB_BLOCK_S)
        self._history = np.zeros(0)
        self._carry = np.zeros(0)
        self._done: list[np.ndarray] = []

    def add(self, samples: np.ndarray) -> None:
        scale = 1 / 32768 if samples.dtype == np.int16 else 1.0
        step = 100 * self.size  # 10 s at a time: memory stays flat
        taps = _k_filter(self.rate)[0]
        for first in range(0, len(samples), step):
            part = samples[first : first + step].astype(np.float64) * scale
            weighted = k_weighted(part, self._history, self.rate)
            self._history = np.concatenate((self._history[-(taps - 1) :], part))[-(taps - 1) :]
            if len(self._carry):
                weighted = np.concatenate((self._carry, weighted))
            count = len(weighted) // self.size
            blocks = weighted[: count * self.size].reshape(count, self.size)
            self._done.append(np.einsum("ij,ij->i", blocks, blocks) / self.size)
            self._carry = weighted[count * self.size :]

    def energies(self) -> np.ndarray:
        return np.concatenate(self._done) if self._done else np.zeros(0)


def gated_loudness(sub_blocks: np.ndarray, weight: float = DUAL_MONO) -> float:
    """Integrated loudness (LUFS) from 100 ms sub-block energies: 400 ms blocks, absolute then relative gate."""
    if len(sub_blocks) < 4:
        return float("-inf")
    blocks = (sub_blocks[:-3] + sub_blocks[1:-2] + sub_blocks[2:-1] + sub_blocks[3:]) / 4 * weight
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(blocks)
    above = blocks[loudness > ABSOLUTE_GATE_LUFS]
    if not len(above):
        return float("-inf")
    relative = -0.691 + 10 * math.log10(float(np.mean(above))) + RELATIVE_GATE_LU
    gated = blocks[(loudness > ABSOLUTE_GATE_LUFS) & (loudness > relative)]
    return -0.691 + 10 * math.log10(float(np.mean(gated)))


def integrated_lufs(samples: np.ndarray, rate: int, weight: float = DUAL_MONO) -> float:
    return gated_loudness(sub_block_energies(samples, rate), weight)


def true_peak_dbtp(samples: np.ndarray, rate: int) -> float:
    """The highest peak between samples, interpolated 4x (BS.1770-4 Annex 2) around the loudest samples.

    An inter-sample peak sits beside the top sample of a lobe, so only lobe tops
    within 6 dB of the sample peak are interpolated, at the three quarter-sample
    positions on either side of each.
    """
    meter = PeakMeter()
    meter.add(samples)
    return meter.dbtp()


class PeakMeter:
    """``true_peak_dbtp`` of a stream fed in pieces.  Each piece picks its lobe tops against the loudest
    sample so far, a superset of those the whole signal's loudest sample would pick, so the result is the
    same; the last few samples wait for the next piece, whose samples their interpolation needs."""

    def __init__(self) -> None:
        self._top = 0.0  # the loudest sample so far, as a magnitude in the samples' own scale
        self._best = 0.0  # the highest interpolated value so far, full scale = 1
        self._scale = np.float32(1)
        self._buffer = np.zeros(0)
        self._started = False

    def add(self, samples: np.ndarray) -> None:
        if not len(samples):
            return
        half = _TAPS // 2
        if not self._started:
            # Zeros before the first sample, as if the signal were padded; nothing before it is a lobe top.
            self._scale = np.float32(1 / 32768) if samples.dtype == np.int16 else np.float32(1)
            self._buffer = np.zeros(half, dtype=samples.dtype)
            self._started = True
        buffer = np.concatenate((self._buffer, samples))
        end = max(half, len(buffer) - half)
        self._evaluate(buffer, end)
        self._buffer = buffer[end - half :]

    def dbtp(self) -> float:
        if self._started:
            padded = np.concatenate((self._buffer, np.zeros(_TAPS // 2, dtype=self._buffer.dtype)))
            self._evaluate(padded, len(self._buffer))
            self._started = False
        return 20 * math.log10(self._best) if self._best > 0 else float("-inf")

    def _evaluate(self, buffer: np.ndarray, end: int) -> None:
        """Lobe tops at positions [half, end) of ``buffer``, whose first ``half`` samples were done before."""
        half = _TAPS // 2
        if end <= half:
            return
        # |x| in the samples' own type (no float copy of the piece); -32768 never occurs after the limiter.
        magnitude = np.abs(buffer[half - 1 : end + 1])
        top = max(self._top, float(magnitude[1:-1].max()))
        self._top = top
        if top <= 0:
            return
        self._best = max(self._best, top * float(self._scale))
        inner = magnitude[1:-1]
        lobe_tops = (inner >= magnitude[:-2]) & (inner >= magnitude[2:]) & (inner >= top / 2)
        candidates = np.flatnonzero(lobe_tops) + half
        windows = np.lib.stride_tricks.sliding_window_view(buffer, _TAPS)
        for start in range(0, len(candidates), 65536):  # bounded memory for loud, dense material
            gathered = windows[candidates[start : start + 65536] - half].astype(np.float32) * self._scale
            for taps in _interpolators():
                self._best = max(self._best, float(np.max(np.abs(gathered @ taps))))


_TAPS = 48


@cache
def _interpolators() -> tuple[np.ndarray, ...]:
    """Kaiser-windowed sinc taps that interpolate the signal 1/4, 1/2 and 3/4 of a sample either side."""
    centre = np.arange(_TAPS) - _TAPS // 2
    return tuple(
        (np.sinc(centre - offset) * np.kaiser(_TAPS, 8.0)).astype(np.float32)
        for offset in (-0.75, -0.5, -0.25, 0.25, 0.5, 0.75)
    )


def measure_file(path: Path) -> Loudness:
    """Integrated loudness (dual-mono), true peak and loudness range of a file, by ffmpeg's ebur128 filter."""
    args = ["-nostats", "-i", str(path), "-af", "ebur128=peak=true:dualmono=true:framelog=verbose", "-f", "null", "-"]
    stderr = run_ffmpeg(*args).stderr
    summary = stderr[stderr.rfind("Summary:") :]

    def number(label: str) -> float:
        match = re.search(rf"{label}:\s+(-?[\d.]+|-inf)", summary)
        if match is None:
            raise RuntimeFailure(
                f"could not read {label} from ffmpeg's ebur128 summary", fix="check the ffmpeg install"
            )
        return float(match.group(1))

    return Loudness(number("I"), number("Peak"), number("LRA"))
