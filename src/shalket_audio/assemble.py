"""Clips -> one episode (pydub) plus its timeline.

Every clip is trimmed of leading and trailing silence with one threshold for
all engines, converted to 44.1 kHz mono, given short fades so joins never
click, and placed with natural pauses.  Voices are matched once per speaker
(never per sentence): each speaker's integrated loudness is brought to the
same level, and the episode gain is applied once, at encoding.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

with warnings.catch_warnings():
    # pydub warns at import when no ffmpeg is on PATH; ours may come from the imageio-ffmpeg wheel instead.
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment

from .cache import Clip
from .fileio import atomic_write_bytes
from .loudness import gated_loudness, sub_block_energies
from .master import limit
from .media import decode_to_pcm
from .script import Episode, Pause, Segment
from .synth import SynthesisResult
from .timeline import Pacing, TimedChapter, TimedSegment, Timeline

SAMPLE_RATE = 44100
#: Voices are matched this far below the quietest voice, so no gain is positive and resampling has headroom.
VOICE_HEADROOM_DB = 3.0
#: The most a voice's peaks may stand above its loudness (dBFS over dual-mono LUFS): at -16 LUFS this puts
#: peaks at -3 dBFS, under the episode limiter's ceiling.
MAX_PLR_DB = 13.0


@dataclass(frozen=True)
class Assembly:
    audio: AudioSegment
    timeline: Timeline
    raw_lufs: dict[str, float]  # per speaker as synthesized (dual-mono LUFS)
    voice_lufs: dict[str, float]  # per speaker after taming peaks, before matching
    voice_gain_db: dict[str, float]
    mix_lufs: float  # the assembled audio's integrated loudness, predicted from its voices (dual-mono)
    chapter_starts: tuple[int, ...]  # in samples; the first is 0

    @property
    def samples(self) -> np.ndarray:
        """The episode as int16 samples (a view of the AudioSegment's data, not a copy)."""
        return np.frombuffer(self.audio.raw_data, dtype="<i2")


def assemble(
    episode: Episode,
    synthesis: SynthesisResult,
    pacing: Pacing | None = None,
    held: dict[str, tuple[float, float]] | None = None,
    prepared: dict[Path, tuple[np.ndarray, np.ndarray]] | None = None,
) -> Assembly:
    """``held``: per voice, the (raw, tamed) loudness the last build used.  A voice that measures within
    HOLD_LU of it keeps those figures, so an edit elsewhere leaves its peak ceiling and gain, and so the audio
    of unchanged chapters, bit-identical (and their encoded parts reusable).  ``prepared``: clips already
    run through ``prepare_clip`` (a build does the cached ones while the engines make the rest)."""
    held = held or {}
    pacing = pacing or Pacing.from_episode(episode)
    # Every chunk trimmed and at 44.1 kHz first, so each voice is measured as it will be heard.
    ready = [
        [(prepared or {}).get(clip.path) or prepare_clip(clip, pacing) for clip in seg.clips]
        for seg in synthesis.segments
    ]
    chunks = [[samples for samples, _ in pairs] for pairs in ready]
    energies = [[blocks for _, blocks in pairs] for pairs in ready]
    del ready
    speakers = sorted({seg.segment.speaker for seg in synthesis.segments})

    def voice_energies(tag: str) -> np.ndarray:
        picked = [
            e for seg, es in zip(synthesis.segments, energies, strict=True) if seg.segment.speaker == tag for e in es
        ]
        return np.concatenate(picked) if picked else np.zeros(0)

    raw = {tag: _held(gated_loudness(voice_energies(tag)), held.get(tag, (None, None))[0]) for tag in speakers}
    for index, seg in enumerate(synthesis.segments):
        tag = seg.segment.speaker
        ceiling = raw[tag] + MAX_PLR_DB
        if np.isfinite(ceiling) and any(_peak_dbfs(c) > ceiling for c in chunks[index]):
            # Peaks far above the voice's loudness would be squashed by the episode limiter and leave this
            # voice quieter than the other: tame them now, per voice, and measure again below.
            chunks[index] = [limit(c, 0.0, ceiling) for c in chunks[index]]
            energies[index] = [sub_block_energies(c, SAMPLE_RATE) for c in chunks[index]]
    voice_lufs = {tag: _held(gated_loudness(voice_energies(tag)), held.get(tag, (None, None))[1]) for tag in speakers}
    finite = [v for v in voice_lufs.values() if np.isfinite(v)]
    target = (min(finite) if finite else 0.0) - VOICE_HEADROOM_DB
    gains = {tag: (target - lufs if np.isfinite(lufs) else -VOICE_HEADROOM_DB) for tag, lufs in voice_lufs.items()}
    # The episode's loudness follows from its voices' blocks and gains; the silence between them is gated out.
    scaled = [
        e * 10 ** (gains[seg.segment.speaker] / 10)
        for seg, es in zip(synthesis.segments, energies, strict=True)
        for e in es
    ]
    mix_lufs = gated_loudness(np.concatenate(scaled)) if scaled else float("-inf")

    parts: list[bytes] = []
    position = 0  # in samples

    def add(samples: bytes) -> None:
        nonlocal position
        parts.append(samples)
        position += len(samples) // 2

    def silence(ms: int) -> None:
        add(b"\x00\x00" * (SAMPLE_RATE * ms // 1000))

    def ms(samples: int) -> int:
        return round(samples * 1000 / SAMPLE_RATE)

    timed: list[TimedSegment] = []
    boundaries: list[int] = [0]
    silence(pacing.lead_in)
    previous: Segment | None = None
    flat = list(_with_pauses(episode))
    chunks_by_index = {seg.index: cs for seg, cs in zip(synthesis.segments, chunks, strict=True)}
    for index, (chapter, segment, explicit_before, explicit_chapter) in enumerate(flat):
        seg_chunks = chunks_by_index[index]
        if previous is not None:
            if explicit_chapter is not None:
                before, after = explicit_chapter
                silence(pacing.chapter_before + before)
                boundaries.append(position)
                silence(pacing.chapter_after + after)
            elif explicit_before:
                silence(explicit_before)
            elif segment.speaker != previous.speaker:
                silence(pacing.turn)
            elif segment.new_paragraph:
                silence(pacing.paragraph)
            else:
                silence(pacing.sentence)
        start = position
        for number, samples in enumerate(seg_chunks):
            if number:
                silence(pacing.sentence)
            add(_with_gain_and_fades(samples, gains[segment.speaker], pacing.fade))
        timed.append(TimedSegment(index, chapter, segment.speaker, segment.text, ms(start), ms(position)))
        previous = segment
    trailing = sum(
        i.ms
        for i in episode.chapters[-1].items[_last_segment(episode.chapters[-1].items) + 1 :]
        if isinstance(i, Pause)
    )
    silence(pacing.tail + trailing)

    duration = ms(position)
    bounds = [*[ms(b) for b in boundaries], duration]
    chapters = tuple(
        TimedChapter(i, chapter.title, bounds[i], bounds[i + 1]) for i, chapter in enumerate(episode.chapters)
    )
    data = b"".join(parts)
    parts.clear()
    chunks.clear()
    chunks_by_index.clear()
    audio = AudioSegment(data=data, sample_width=2, frame_rate=SAMPLE_RATE, channels=1)
    timeline = Timeline(duration, chapters, tuple(timed), {s.tag: s.name for s in episode.speakers})
    return Assembly(audio, timeline, raw, voice_lufs, gains, mix_lufs, tuple(boundaries))


def _with_pauses(episode: Episode) -> Iterable[tuple[int, Segment, int, tuple[int, int] | None]]:
    """Each segment with (chapter, segment, explicit pause before it, chapter-boundary pauses or None)."""
    carried = 0
    for ci, chapter in enumerate(episode.chapters):
        leading = 0
        first = True
        for item in chapter.items:
            if isinstance(item, Pause):
                leading += item.ms
            elif isinstance(item, Segment):
                if first and ci > 0:
                    yield ci, item, 0, (carried, leading)
                else:
                    yield ci, item, leading, None
                first = False
                leading = 0
        carried = leading  # pauses after a chapter's last segment lengthen its closing silence


def _last_segment(items: tuple[object, ...]) -> int:
    return max(i for i, item in enumerate(items) if isinstance(item, Segment))


def prepare_clip(clip: Clip, pacing: Pacing, store: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A clip trimmed, at 44.1 kHz, with its 100 ms loudness energies.

    With ``store`` (a folder), the result is kept there by clip and trimming settings, so a rebuild loads it
    instead of decoding and resampling again; a damaged file is simply made again.
    """
    saved = None
    if store is not None:
        variant = hashlib.sha256(
            f"{pacing.trim_threshold_dbfs}/{pacing.trim_keep}/{SAMPLE_RATE}/1".encode()
        ).hexdigest()
        saved = store / clip.path.stem[-16:] / f"{clip.path.stem}-{variant[:12]}.npz"
        # Missing or damaged (a bad zip, a short array): make it again.
        with contextlib.suppress(Exception), np.load(saved) as data:
            return data["samples"], data["energies"]
    samples = _trimmed_44k(clip.path.read_bytes(), clip.format, pacing)
    energies = sub_block_energies(samples, SAMPLE_RATE)
    if saved is not None:
        buffer = io.BytesIO()
        np.savez(buffer, samples=samples, energies=energies)
        with contextlib.suppress(OSError):  # a read-only cache still builds, only slower
            atomic_write_bytes(saved, buffer.getvalue())
    return samples, energies


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


#: How far a voice's loudness may drift from the last build's before its gain is recomputed.
HOLD_LU = 0.25


def _held(measured: float, previous: float | None) -> float:
    return previous if previous is not None and abs(measured - previous) <= HOLD_LU else measured


def _peak_dbfs(samples: np.ndarray) -> float:
    peak = max(-int(samples.min()), int(samples.max())) if len(samples) else 0
    return 20 * float(np.log10(max(peak, 1) / 32768))


def _with_gain_and_fades(samples: np.ndarray, gain_db: float, fade_ms: int) -> bytes:
    data = samples.astype(np.float32) * np.float32(10 ** (gain_db / 20))
    fade = min(len(data) // 2, SAMPLE_RATE * fade_ms // 1000)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        data[:fade] *= ramp
        data[-fade:] *= ramp[::-1]
    return bytes(np.clip(np.rint(data), -32768, 32767).astype("<i2").tobytes())
