"""The per-voice loudness a build reports: a speaker with nothing to measure is left out, never -inf."""

from __future__ import annotations

import json

import numpy as np

from shalket_audio.audio.timeline import TimedChapter, TimedSegment, Timeline
from shalket_audio.build.episode import _voice_loudness


def test_a_speaker_with_no_segments_has_no_loudness_rather_than_minus_infinity() -> None:
    speech = np.full(100, 10 ** (-2.3))  # 10 s of 100 ms blocks near -23 LUFS once weighted as dual-mono
    timeline = Timeline(
        duration_ms=10_000,
        chapters=(TimedChapter(0, "One", 0, 10_000),),
        segments=(TimedSegment(0, 0, "host", "Hello.", 0, 10_000),),
        speakers={"host": "Ann Writer", "quoted": "Nobody Speaks"},
    )
    loudness = _voice_loudness(timeline, speech)
    assert set(loudness) == {"host"} and np.isfinite(loudness["host"])
    json.dumps(loudness, allow_nan=False)  # the build record can hold it
