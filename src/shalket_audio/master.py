"""The episode's one loudness pass and the MP3 encode.

One gain brings the matched voices to -16 LUFS (dual-mono); a look-ahead
limiter keeps sample peaks under a ceiling with margin for the encoder's
overshoot.  The encoder writes a real file (so LAME can seek back and write
its Info header) and, through ffmpeg's tee muxer, the same packets to a pipe
that a second ffmpeg decodes and measures: the loudness reported is that of
the final MP3, and measuring costs no time beyond the encode.
"""

from __future__ import annotations

import re
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .errors import RuntimeFailure
from .media import MAX_TRUE_PEAK_DBTP, TARGET_LUFS, Loudness, ffmpeg_binary, integrated_lufs

SAMPLE_RATE = 44100
#: The limiter's sample-peak ceiling starts this far under the true-peak limit: MP3 encoding raises peaks.
LIMITER_MARGIN_DB = 1.5
#: At 96 kbps LAME low-passes the top octave, which K-weighting counts: the MP3 measures about this much
#: quieter than the PCM it came from, so the PCM is aimed that much higher.
CODEC_LOSS_LU = 0.3
#: Encoding again is worth it only when a pass lands this far off target.
LOUDNESS_TOLERANCE_LU = 0.5
_LOOKAHEAD = SAMPLE_RATE * 8 // 1000  # 8 ms: catches a peak before it arrives
_SMOOTH = SAMPLE_RATE * 8 // 1000


@dataclass(frozen=True)
class Mastered:
    path: Path
    loudness: Loudness
    encodes: int
    gain_db: float


def limit(samples: np.ndarray, gain_db: float, ceiling_dbfs: float) -> np.ndarray:
    """Gain, then a look-ahead limiter: no output sample exceeds the ceiling.

    Only the neighbourhoods of samples over the ceiling are touched.  There the
    gain each sample needs is min-filtered over ±LOOKAHEAD and averaged over
    SMOOTH (< LOOKAHEAD), so every averaged value is at most what each sample
    needs, and the gain still moves smoothly.
    """
    gain = np.float32(10 ** (gain_db / 20))
    ceiling = np.float32(32768 * 10 ** (ceiling_dbfs / 20))
    out = samples.astype(np.float32) * gain
    over = np.flatnonzero(np.abs(out) > ceiling)
    if len(over):
        pad = _LOOKAHEAD + _SMOOTH
        # Group peaks whose neighbourhoods touch, and limit each group on its own.
        breaks = np.flatnonzero(np.diff(over) > 2 * pad) + 1
        for group in np.split(over, breaks):
            lo, hi = max(0, int(group[0]) - 2 * pad), min(len(out), int(group[-1]) + 2 * pad + 1)
            region = out[lo:hi]
            need = np.minimum(np.float32(1), ceiling / np.maximum(np.abs(region), np.float32(1e-3)))
            padded = np.pad(need, _LOOKAHEAD, constant_values=1.0)
            held = sliding_window_view(padded, 2 * _LOOKAHEAD + 1).min(axis=1)
            sums = np.concatenate(
                ([0.0], np.cumsum(np.pad(held, (_SMOOTH // 2, _SMOOTH - 1 - _SMOOTH // 2), mode="edge")))
            )
            smooth = ((sums[_SMOOTH:] - sums[:-_SMOOTH]) / _SMOOTH).astype(np.float32)
            out[lo:hi] = region * np.minimum(smooth, need)
    limited: np.ndarray = np.clip(np.rint(out), -32768, 32767).astype(np.int16)
    return limited


def master(samples: np.ndarray, speech_lufs: float, work: Path, target: Path, bitrate: int) -> Mastered:
    """Encode to ``target`` at -16 LUFS / at most -1 dBTP, measured on the MP3; correct and redo only if it missed."""
    pcm_target = TARGET_LUFS + CODEC_LOSS_LU
    gain = pcm_target - speech_lufs
    ceiling = MAX_TRUE_PEAK_DBTP - LIMITER_MARGIN_DB
    limited = limit(samples, gain, ceiling)
    # Pauses and the limiter move the episode's loudness a little away from the voices'.  Measuring the PCM
    # costs a fraction of an encode, so correct here and encode once.
    for _ in range(2):
        measured = integrated_lufs(limited, SAMPLE_RATE)
        if not np.isfinite(measured) or abs(pcm_target - measured) <= 0.15:
            break
        gain += pcm_target - measured
        limited = limit(samples, gain, ceiling)
    wav = work / "episode.wav"
    loudness = Loudness(float("nan"), float("nan"), float("nan"))
    for attempt in range(1, 4):
        _write_wav(wav, limited)
        loudness = encode_and_measure(wav, target, bitrate)
        off = TARGET_LUFS - loudness.integrated_lufs
        over = loudness.true_peak_dbtp - (MAX_TRUE_PEAK_DBTP - 0.1)
        if abs(off) <= LOUDNESS_TOLERANCE_LU and over <= 0:
            return Mastered(target, loudness, attempt, gain)
        gain += off
        if over > 0:
            ceiling -= over + 0.2
        limited = limit(samples, gain, ceiling)
    if abs(TARGET_LUFS - loudness.integrated_lufs) <= 1.0 and loudness.true_peak_dbtp <= MAX_TRUE_PEAK_DBTP:
        return Mastered(target, loudness, 3, gain)
    raise RuntimeFailure(
        f"could not reach {TARGET_LUFS:g} LUFS and {MAX_TRUE_PEAK_DBTP:g} dBTP: the MP3 measured "
        f"{loudness.integrated_lufs} LUFS, {loudness.true_peak_dbtp} dBTP",
        fix="check the clips for clipping or silence: `shalket-audio cache clear`, then build again",
    )


def _write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(samples.astype("<i2").tobytes())


def encode_and_measure(source: Path, target: Path, bitrate: int) -> Loudness:
    """CBR MP3 to a real file and, through the tee muxer, to a pipe measured by ebur128 at the same time."""
    ffmpeg = ffmpeg_binary()
    encoder = subprocess.Popen(
        [
            *(ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-y", "-i", str(source), "-map", "0:a"),
            *("-c:a", "libmp3lame", "-b:a", f"{bitrate}k", "-ar", str(SAMPLE_RATE), "-ac", "1"),
            *("-compression_level", "5", "-f", "tee", f"[f=mp3]{_tee_escape(target)}|[f=mp3]pipe:1"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    meter = subprocess.run(
        [
            *(ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-f", "mp3", "-i", "pipe:0"),
            *("-af", "ebur128=peak=true:dualmono=true:framelog=verbose", "-f", "null", "-"),
        ],
        stdin=encoder.stdout,
        capture_output=True,
        text=True,
    )
    assert encoder.stdout is not None
    encoder.stdout.close()
    encoder_errors = encoder.stderr.read().decode(errors="replace") if encoder.stderr else ""
    if encoder.wait() != 0 or meter.returncode != 0:
        detail = (encoder_errors or meter.stderr).strip().splitlines()[-1:] or ["no detail"]
        raise RuntimeFailure(
            f"ffmpeg could not encode the episode: {detail[0]}", fix="check that `ffmpeg -version` works"
        )
    return parse_ebur128(meter.stderr)


def parse_ebur128(stderr: str) -> Loudness:
    summary = stderr[stderr.rfind("Summary:") :]

    def number(label: str) -> float:
        match = re.search(rf"{label}:\s+(-?[\d.]+|-inf)", summary)
        if match is None:
            raise RuntimeFailure(
                f"could not read {label} from ffmpeg's ebur128 summary", fix="check the ffmpeg install"
            )
        return float(match.group(1))

    return Loudness(number("I"), number("Peak"), number("LRA"))


def _tee_escape(path: Path) -> str:
    return re.sub(r"([\[\]|\\:'])", r"\\\1", str(path))
