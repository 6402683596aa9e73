"""Clips joined into one WAV with the script's pause between them: what ``say`` plays, and a rechunked take.

pydub does the joining (one of the client's packages): a line is a few clips,
so holding them whole costs nothing, and it resamples a clip whose rate
differs from the first one's.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence

from .ffmpeg import decode_to_pcm


def join_clips(parts: Sequence[tuple[bytes, str]], gap_ms: int) -> tuple[bytes, int]:
    """WAV bytes of ``parts`` (each its bytes and format, ``wav`` or ``mp3``) with ``gap_ms`` of silence between
    them, at the first part's rate; and the result's length in ms."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # pydub warns at import when ffmpeg is not on PATH
        from pydub import AudioSegment

    if not parts:
        raise ValueError("nothing to join")
    joined = None
    for data, fmt in parts:
        samples, rate = decode_to_pcm(data, fmt)
        piece = AudioSegment(data=samples.astype("<i2").tobytes(), sample_width=2, frame_rate=rate, channels=1)
        if joined is None:
            joined = piece
        else:
            gap = AudioSegment.silent(duration=gap_ms, frame_rate=joined.frame_rate)
            joined = joined + gap + piece.set_frame_rate(joined.frame_rate)
    assert joined is not None
    buffer = io.BytesIO()
    joined.export(buffer, format="wav")
    return buffer.getvalue(), len(joined)
