"""Each clip prepared for assembly: trimmed of its engine's silence, at 44.1 kHz, and analysed (length, sample
peak, 100 ms loudness energies, and the energies once its peaks are tamed for its voice).

Everything made from a clip is kept in the clip cache's ``prepared/`` folder under the clip's own name and
the trimming settings, so a rebuild reads a few kilobytes of analysis per clip and loads samples only for
the chapters it must write again.  A damaged or missing file is simply made again.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..fileio import atomic_write_bytes
from ..synth import Clip
from .ffmpeg import decode_to_pcm
from .loudness import sub_block_energies
from .master import SAMPLE_RATE, limit
from .timeline import Pacing


@dataclass(frozen=True)
class ClipStats:
    """What assembly needs of a prepared clip before placing it: its length, sample peak and loudness energies."""

    samples: int
    peak_dbfs: float
    energies: np.ndarray


def prepare_clip(clip: Clip, pacing: Pacing, store: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A clip trimmed, at 44.1 kHz, with its 100 ms loudness energies.

    With ``store`` (a folder), the result is kept there by clip and trimming settings, so a rebuild loads it
    instead of decoding and resampling again; a damaged file is simply made again.
    """
    saved = _stored(clip, pacing, store, "npz")
    if saved is not None:
        # Missing or damaged (a bad zip, a short array): make it again.
        with contextlib.suppress(Exception), np.load(saved) as data:
            return data["samples"], data["energies"]
    samples = _trimmed_44k(clip.path.read_bytes(), clip.format, pacing)
    energies = sub_block_energies(samples, SAMPLE_RATE)
    if saved is not None:
        _keep(saved, samples=samples, energies=energies)
    return samples, energies


def measure_clip(clip: Clip, pacing: Pacing, store: Path | None = None) -> ClipStats:
    """What the first pass needs of a clip: its analysis (length, peak, energies) is kept in ``store`` beside
    the prepared clip, a few kilobytes, so a rebuild reads that and never the clip's samples."""
    saved = _stored(clip, pacing, store, "stats")
    data = _analysis(saved)
    if data is not None:
        with contextlib.suppress(Exception):
            return ClipStats(int(data["samples"]), float(data["peak_dbfs"]), data["energies"])
    samples, energies = prepare_clip(clip, pacing, store)
    stats = ClipStats(len(samples), _peak_dbfs(samples), energies)
    if saved is not None:
        _keep(saved, samples=np.int64(stats.samples), peak_dbfs=np.float64(stats.peak_dbfs), energies=energies)
    return stats


def tamed_stats(clip: Clip, stats: ClipStats, ceiling: float, pacing: Pacing, store: Path | None) -> ClipStats:
    """The stats of ``clip`` with its peaks limited to ``ceiling``; kept in ``store`` like the clip's own, since
    most clips of a voice are tamed and the ceiling moves only when the voice's loudness does."""
    tag = hashlib.sha256(repr(ceiling).encode()).hexdigest()[:12]
    saved = _stored(clip, pacing, store, f"tamed-{tag}.stats")
    data = _analysis(saved)
    if data is not None:
        with contextlib.suppress(Exception):
            return ClipStats(stats.samples, stats.peak_dbfs, data["energies"])
    samples = limit(load_clip(clip, pacing, store), 0.0, ceiling)
    tamed = ClipStats(len(samples), stats.peak_dbfs, sub_block_energies(samples, SAMPLE_RATE))
    if saved is not None:
        _keep(saved, energies=tamed.energies)
    return tamed


#: Analyses this process has read, by file and the file's time and size: a watch's rebuilds read each clip's
#: analysis (a few kilobytes) once, not on every save.  A file made again has a new time, so is read again.
_ANALYSES: dict[tuple[Path, int, int], dict[str, np.ndarray]] = {}
_ANALYSES_KEPT = 20_000


def _analysis(saved: Path | None) -> dict[str, np.ndarray] | None:
    """The arrays of an analysis file, or None when there is none or it is damaged."""
    if saved is None:
        return None
    try:
        stat = saved.stat()
    except OSError:
        return None
    key = (saved, stat.st_mtime_ns, stat.st_size)
    known = _ANALYSES.get(key)
    if known is not None:
        return known
    try:
        with np.load(saved) as data:
            arrays = {name: data[name] for name in data.files}
    except Exception:  # missing or damaged (a bad zip, a short array): the caller makes it again
        return None
    for array in arrays.values():
        array.setflags(write=False)  # shared by every later build in this process
    if len(_ANALYSES) >= _ANALYSES_KEPT:
        _ANALYSES.clear()
    _ANALYSES[key] = arrays
    return arrays


def _stored(clip: Clip, pacing: Pacing, store: Path | None, suffix: str) -> Path | None:
    """Where ``store`` keeps what is made from ``clip`` under these trimming settings."""
    if store is None:
        return None
    # The last field is the analysis's version: 2 since the energies come from the numpy K-weighting.
    variant = hashlib.sha256(f"{pacing.trim_threshold_dbfs}/{pacing.trim_keep}/{SAMPLE_RATE}/2".encode()).hexdigest()
    return store / clip.path.stem[-16:] / f"{clip.path.stem}-{variant[:12]}.{suffix}"


def _keep(path: Path, **arrays: np.ndarray | np.generic) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    with contextlib.suppress(OSError):  # a read-only cache still builds, only slower
        atomic_write_bytes(path, buffer.getvalue())


def load_clip(clip: Clip, pacing: Pacing, store: Path | None) -> np.ndarray:
    return prepare_clip(clip, pacing, store)[0]


def read_analyses(clip: Clip, pacing: Pacing, store: Path | None) -> None:
    """The clip's analysis, and its tamed ones at whatever ceilings they were kept for, read now (kept for the
    process), so a watch's first edit reads none of them."""
    measure_clip(clip, pacing, store)
    saved = _stored(clip, pacing, store, "stats")
    if saved is not None:
        for tamed in saved.parent.glob(f"{glob.escape(saved.name.removesuffix('stats'))}tamed-*.stats"):
            _analysis(tamed)


def is_tamed(clip: ClipStats, ceiling: float) -> bool:
    return bool(np.isfinite(ceiling)) and clip.peak_dbfs > ceiling


def _trimmed_44k(data: bytes, fmt: str, pacing: Pacing) -> np.ndarray:
    """The clip without its engine's leading and trailing silence, at 44.1 kHz.

    One threshold for every engine; the level is measured in 5 ms frames, as
    pydub.silence does, but with numpy.
    """
    samples, rate = decode_to_pcm(data, fmt)
    frame = max(1, rate * 5 // 1000)
    count = len(samples) // frame
    if count:
        frames = samples[: count * frame].astype(np.float32).reshape(count, frame)
        rms = np.sqrt(np.mean(np.square(frames), axis=1))
        loud = np.flatnonzero(rms > 32768 * 10 ** (pacing.trim_threshold_dbfs / 20))
        if len(loud):  # a clip of silence is kept whole rather than lost
            keep = rate * pacing.trim_keep // 1000
            samples = samples[max(0, loud[0] * frame - keep) : min(len(samples), (loud[-1] + 1) * frame + keep)]
    if rate == SAMPLE_RATE:
        return samples
    import soxr

    # A fresh float array: numpy aligns it, and soxr's SIMD code rounds differently for differently aligned
    # input, which would make the same clip come out different from one build to the next.
    resampled = soxr.resample(np.array(samples, dtype=np.float32), rate, SAMPLE_RATE, quality="HQ")
    converted: np.ndarray = np.clip(np.rint(resampled), -32768, 32767).astype(np.int16)
    return converted


def _peak_dbfs(samples: np.ndarray) -> float:
    peak = max(-int(samples.min()), int(samples.max())) if len(samples) else 0
    return 20 * float(np.log10(max(peak, 1) / 32768))
