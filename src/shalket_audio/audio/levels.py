"""The podcast loudness target and a measured loudness, without numpy: a no-op build reports the recorded
loudness and never loads the audio stack (``loudness.py`` measures)."""

from __future__ import annotations

from dataclasses import dataclass

#: Podcast loudness (standards §2): integrated, mono measured as dual-mono.
TARGET_LUFS = -16.0
MAX_TRUE_PEAK_DBTP = -1.0


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float  # dual-mono, as podcast apps and the standards measure
    true_peak_dbtp: float
    loudness_range_lu: float | None = None
