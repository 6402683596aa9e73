"""Clips -> the episode's audio, part by part, plus its timeline.

Every clip is trimmed of leading and trailing silence with one threshold for
all engines, converted to 44.1 kHz mono, given short fades so joins never
click, and placed with natural pauses.  Voices are matched once per speaker
(never per sentence): each speaker's integrated loudness is brought to the
same level, and the episode gain is applied once, at encoding.

The audio is cut into parts, each encoded and cached on its own (``master.py``), so an edit encodes a few
seconds again rather than its chapter: every chapter starts a part, and a part ends at the first pause
between clips (sentences, turns, paragraphs, the script's own pauses) once it holds MIN_PART_MS.  A cut
falls in the middle of its pause, and each part's closing silence is shortened by what the encoder will add
to it (``frame_fit``), so a pause with a cut in it sounds as written, give or take 13 ms, while a part's
audio still depends on its own content alone.  An edit moves the cuts after it only until a clip at least
MIN_PART_MS long ends a part in both versions: with clips of a sentence or more, the next one or two.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ScriptError
from ..script import Episode, Pause, Segment
from ..synth import Clip, SynthesisResult
from .clips import ClipStats, is_tamed, load_clip, measure_clip, tamed_stats
from .loudness import gated_loudness
from .master import SAMPLE_RATE, frame_fit, limit
from .timeline import Pacing, TimedChapter, TimedChunk, TimedSegment, Timeline, written_parts

#: Voices are matched this far below the quietest voice, so no gain is positive and resampling has headroom.
VOICE_HEADROOM_DB = 3.0
#: The most a voice's peaks may stand above its loudness (dBFS over dual-mono LUFS): at -16 LUFS this puts
#: peaks at -3 dBFS, under the episode limiter's ceiling.
MAX_PLR_DB = 13.0
#: A part ends at the first pause once it holds this much audio: short enough that an edit's encoding takes
#: a fraction of a second, long enough that each part's fixed cost (two ffmpeg processes) stays small.
MIN_PART_MS = 6_000
#: Only pauses this long are cut: half of one must hold what ``frame_fit`` leaves out (at most 40 ms).
MIN_CUT_PAUSE_MS = 150


@dataclass(frozen=True)
class Assembly:
    #: each part's PCM (s16le, 44.1 kHz mono, voices matched, before the episode gain), written to its own
    #: file only when the encoder needs it: the episode is never one array in memory, whatever its length,
    #: and a part whose encoding is cached is never written at all.
    parts: tuple[PartAudio, ...]
    part_starts_ms: tuple[int, ...]  # where each part starts in the assembled audio (the first at 0)
    timeline: Timeline
    raw_lufs: dict[str, float]  # per speaker as synthesized (dual-mono LUFS)
    voice_lufs: dict[str, float]  # per speaker after taming peaks, before matching
    voice_gain_db: dict[str, float]
    mix_lufs: float  # the assembled audio's integrated loudness, predicted from its voices (dual-mono)


def assemble(
    episode: Episode,
    synthesis: SynthesisResult,
    work: Path,
    pacing: Pacing | None = None,
    held: dict[str, tuple[float, float]] | None = None,
    prepared: dict[Path, ClipStats] | None = None,
    store: Path | None = None,
) -> Assembly:
    """Two passes over the clips: the first measures each voice from the clips' energies, the second writes
    each part's audio to ``work`` one clip at a time.  Memory holds one clip, never the episode.

    ``held``: per voice, the (raw, tamed) loudness the last build used.  A voice that measures within
    HOLD_LU of it keeps those figures, so an edit elsewhere leaves its peak ceiling and gain, and so the audio
    of unchanged parts, bit-identical (and their encodings reusable).  ``prepared``: clips already
    measured by ``measure_clip`` (a build does the cached ones while the engines make the rest); ``store``:
    where ``prepare_clip`` keeps trimmed clips, so the second pass loads rather than decodes them."""
    pacing = pacing or Pacing.from_episode(episode)
    voices = _match_voices(episode, synthesis, pacing, held or {}, prepared or {}, store)
    timed, written, duration = _write_parts(episode, synthesis, pacing, voices, work, store)
    bounds = [*written.chapter_starts_ms, duration]
    chapters = tuple(
        TimedChapter(i, chapter.title, bounds[i], bounds[i + 1]) for i, chapter in enumerate(episode.chapters)
    )
    timeline = Timeline(duration, chapters, tuple(timed), {s.tag: s.name for s in episode.speakers})
    return Assembly(
        written.parts, written.part_starts_ms, timeline, voices.raw, voices.tamed, voices.gains, voices.mix_lufs
    )


@dataclass(frozen=True)
class _Voices:
    """The first pass's result: every clip's stats, and per speaker the loudness, peak ceiling and gain."""

    stats: list[list[ClipStats]]  # per segment, per clip (tamed clips measured again)
    raw: dict[str, float]
    tamed: dict[str, float]
    ceilings: dict[str, float]
    gains: dict[str, float]
    mix_lufs: float


def _match_voices(
    episode: Episode,
    synthesis: SynthesisResult,
    pacing: Pacing,
    held: dict[str, tuple[float, float]],
    known: dict[Path, ClipStats],
    store: Path | None,
) -> _Voices:
    # Every chunk trimmed and at 44.1 kHz first, so each voice is measured as it will be heard.
    stats = [
        [known.get(clip.path) or measure_clip(clip, pacing, store) for clip in seg.clips] for seg in synthesis.segments
    ]
    speakers = sorted({seg.segment.speaker for seg in synthesis.segments})

    def voice_energies(tag: str) -> np.ndarray:
        picked = [
            c.energies
            for seg, cs in zip(synthesis.segments, stats, strict=True)
            if seg.segment.speaker == tag
            for c in cs
        ]
        return np.concatenate(picked) if picked else np.zeros(0)

    raw = {tag: _held(gated_loudness(voice_energies(tag)), held.get(tag, (None, None))[0]) for tag in speakers}
    ceilings = {tag: raw[tag] + MAX_PLR_DB for tag in speakers}
    for seg, clips in zip(synthesis.segments, stats, strict=True):
        ceiling = ceilings[seg.segment.speaker]
        for number, clip in enumerate(clips):
            if is_tamed(clip, ceiling):
                # Peaks far above the voice's loudness would be squashed by the episode limiter and leave this
                # voice quieter than the other: tame them now, per voice, and measure again below.
                clips[number] = tamed_stats(seg.clips[number], clip, ceiling, pacing, store)
    voice_lufs = {tag: _held(gated_loudness(voice_energies(tag)), held.get(tag, (None, None))[1]) for tag in speakers}
    finite = [v for v in voice_lufs.values() if np.isfinite(v)]
    target = (min(finite) if finite else 0.0) - VOICE_HEADROOM_DB
    gains = {tag: (target - lufs if np.isfinite(lufs) else -VOICE_HEADROOM_DB) for tag, lufs in voice_lufs.items()}
    # The episode's loudness follows from its voices' blocks and gains; the silence between them is gated out.
    scaled = [
        c.energies * 10 ** (gains[seg.segment.speaker] / 10)
        for seg, cs in zip(synthesis.segments, stats, strict=True)
        for c in cs
    ]
    mix_lufs = gated_loudness(np.concatenate(scaled)) if scaled else float("-inf")
    if not mix_lufs > SILENT_LUFS:
        _silent(episode, synthesis, stats)
    return _Voices(stats, raw, voice_lufs, ceilings, gains, mix_lufs)


def _write_parts(
    episode: Episode, synthesis: SynthesisResult, pacing: Pacing, voices: _Voices, work: Path, store: Path | None
) -> tuple[list[TimedSegment], _Written, int]:
    """The second pass: each part's audio, one clip at a time, with the pauses (as a recipe, written when
    needed); the timed segments, the parts with where they and the chapters start, and the duration (ms)."""
    writer = _PartWriter(work, pacing, store)
    timed: list[TimedSegment] = []
    silence, ms = writer.silence, writer.ms
    silence(pacing.lead_in)
    previous: Segment | None = None
    by_index = {seg.index: (seg, cs) for seg, cs in zip(synthesis.segments, voices.stats, strict=True)}
    for index, (chapter, segment, explicit_before, explicit_chapter) in enumerate(_with_pauses(episode)):
        audio, clip_stats = by_index[index]
        if previous is not None:
            if explicit_chapter is not None:
                before, after = explicit_chapter
                silence(pacing.chapter_before + before)
                writer.next_chapter()
                silence(pacing.chapter_after + after)
            elif explicit_before:
                writer.pause(explicit_before)
            elif segment.speaker != previous.speaker:
                writer.pause(pacing.turn)
            elif segment.new_paragraph:
                writer.pause(pacing.paragraph)
            else:
                writer.pause(pacing.sentence)
        start = writer.position
        ceiling = voices.ceilings[segment.speaker]
        chunks = []  # each clip's real place: the transcripts' and the page's sentence times
        parts = written_parts(segment.text, audio.chunks)
        for number, (source, measured) in enumerate(zip(audio.clips, clip_stats, strict=True)):
            if number:
                writer.pause(pacing.sentence)
            clip_start = writer.position
            writer.add(
                source, measured, voices.gains[segment.speaker], ceiling if is_tamed(measured, ceiling) else None
            )
            chunks.append(TimedChunk(parts[number], ms(clip_start), ms(writer.position)))
        timed.append(
            TimedSegment(index, chapter, segment.speaker, segment.text, ms(start), ms(writer.position), tuple(chunks))
        )
        previous = segment
    trailing = sum(
        i.ms
        for i in episode.chapters[-1].items[_last_segment(episode.chapters[-1].items) + 1 :]
        if isinstance(i, Pause)
    )
    silence(pacing.tail + trailing)
    return timed, writer.close(), ms(writer.position)


#: Speech this quiet cannot be brought to -16 LUFS: the gain would only raise noise (or be infinite).
SILENT_LUFS = -60.0


def _silent(episode: Episode, synthesis: SynthesisResult, stats: list[list[ClipStats]]) -> None:
    """The episode is (nearly) silent: name the first segment that makes no sound."""
    line: int | None
    for seg, clips in zip(synthesis.segments, stats, strict=True):
        energies = [c.energies for c in clips]
        if not gated_loudness(np.concatenate(energies) if energies else np.zeros(0)) > SILENT_LUFS:
            line = seg.segment.line
            break
    else:
        line = synthesis.segments[0].segment.line if synthesis.segments else None
    raise ScriptError(
        "the episode is silent once synthesized: its segments make no audible sound",
        path=episode.path,
        line=line,
        fix="give the segments words to say (brackets, punctuation or symbols alone make no speech), "
        "or try another voice with --voices",
    )


#: What a part's audio is made of, in order: a clip (with its gain and, when tamed, its peak ceiling), or
#: that many samples of silence.
_Step = tuple[Clip, float, float | None] | int


@dataclass(frozen=True)
class PartAudio:
    """One part's audio as a recipe: ``key`` names everything its PCM is made from (so its encoding can be
    found by it), ``write`` makes the PCM file (once) when the encoder needs it."""

    key: str
    path: Path
    steps: tuple[_Step, ...]
    pacing: Pacing
    store: Path | None

    def write(self) -> Path:
        if self.path.is_file():
            return self.path
        with self.path.open("wb") as handle:
            for step in self.steps:
                if isinstance(step, int):
                    for start in range(0, step, SAMPLE_RATE * 10):
                        handle.write(bytes(2 * min(SAMPLE_RATE * 10, step - start)))
                    continue
                clip, gain, ceiling = step
                samples = load_clip(clip, self.pacing, self.store)
                if ceiling is not None:
                    samples = limit(samples, 0.0, ceiling)
                handle.write(_with_gain_and_fades(samples, gain, self.pacing.fade))
        return self.path


#: Bump when the way a part's PCM is made from its steps changes.
PART_RECIPE_VERSION = 2


@dataclass(frozen=True)
class _Written:
    parts: tuple[PartAudio, ...]
    part_starts_ms: tuple[int, ...]
    chapter_starts_ms: tuple[int, ...]


class _PartWriter:
    """Each part's steps, counting samples for the timeline (clip lengths come from their stats)."""

    def __init__(self, work: Path, pacing: Pacing, store: Path | None) -> None:
        self.work = work
        self.pacing = pacing
        self.store = store
        self.position = 0  # in samples, from the start of the episode
        self.chapter_starts: list[int] = [0]
        self.part_starts: list[int] = [0]
        self.parts: list[PartAudio] = []
        self._steps: list[_Step] = []

    def next_chapter(self) -> None:
        self._next_part()
        self.chapter_starts.append(self.position)

    def pause(self, ms: int) -> None:
        """A pause between clips: cut into a new part in its middle once this part is full."""
        samples = SAMPLE_RATE * ms // 1000
        if ms < MIN_CUT_PAUSE_MS or (self.position - self.part_starts[-1]) * 1000 < MIN_PART_MS * SAMPLE_RATE:
            self._silence(samples)
            return
        self._silence(samples // 2)
        self._next_part()
        self._silence(samples - samples // 2)

    def _next_part(self) -> None:
        self._close_part()
        self.part_starts.append(self.position)

    def _close_part(self) -> None:
        # The encoder lengthens the part to whole frames, plus one: its closing silence makes room for that.
        closing = self._steps[-1] if self._steps else None
        if isinstance(closing, int):
            fit = max(0, min(frame_fit(self.position - self.part_starts[-1]), closing))
            self._steps[-1] = closing - fit
            self.position -= fit
        steps = tuple(step for step in self._steps if step != 0)
        self._steps = []
        digest = hashlib.sha256(
            repr((PART_RECIPE_VERSION, self.pacing.trim_threshold_dbfs, self.pacing.trim_keep)).encode()
        )
        digest.update(repr((self.pacing.fade, SAMPLE_RATE)).encode())
        for step in steps:
            described = step if isinstance(step, int) else (step[0].path.name, repr(step[1]), repr(step[2]))
            digest.update(repr(described).encode())
        path = self.work / f"part-{len(self.parts):03d}.pcm"
        self.parts.append(PartAudio(digest.hexdigest(), path, steps, self.pacing, self.store))

    def add(self, clip: Clip, stats: ClipStats, gain: float, ceiling: float | None) -> None:
        self._steps.append((clip, gain, ceiling))
        self.position += stats.samples

    def silence(self, ms: int) -> None:
        self._silence(SAMPLE_RATE * ms // 1000)

    def _silence(self, samples: int) -> None:
        if samples > 0:
            self._steps.append(samples)
            self.position += samples

    @staticmethod
    def ms(samples: int) -> int:
        return round(samples * 1000 / SAMPLE_RATE)

    def close(self) -> _Written:
        self._close_part()
        ms = self.ms
        return _Written(tuple(self.parts), tuple(map(ms, self.part_starts)), tuple(map(ms, self.chapter_starts)))


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


#: How far a voice's loudness may drift from the last build's before its gain is recomputed.
HOLD_LU = 0.25


def _held(measured: float, previous: float | None) -> float:
    return previous if previous is not None and abs(measured - previous) <= HOLD_LU else measured


def _with_gain_and_fades(samples: np.ndarray, gain_db: float, fade_ms: int) -> bytes:
    data = samples.astype(np.float32) * np.float32(10 ** (gain_db / 20))
    fade = min(len(data) // 2, SAMPLE_RATE * fade_ms // 1000)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        data[:fade] *= ramp
        data[-fade:] *= ramp[::-1]
    return bytes(np.clip(np.rint(data), -32768, 32767).astype("<i2").tobytes())
