"""The listening check: every clip of an episode heard back and compared with the text it should say.

Transcripts are cached per clip, next to the clip cache (``verify/``), under the clip file's name (which
carries its content digest) and the recognizer's identity: a rebuild after one edit hears one clip again.
The comparison itself is cheap and always redone, so changing a threshold needs no new transcripts.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..fileio import atomic_write_text
from ..script import Episode
from ..synth import Clip, ClipCache
from .align import Alignment, align, expected_words, heard_words
from .takes import take_label

if TYPE_CHECKING:
    from ..synth import Casting, SegmentAudio
    from .recognizer import Recognizer

#: A clip is "to check" when any of these is reached.  They were set from measurements on this
#: episode (README, "The listening check", and ``python -m shalket_audio.bench.calibrate``): its 59
#: clips as built, the same clips with one word cut out, and each clip against another clip's text.
MAX_WER = 0.15
MAX_MISSING = 1  # words expected and not heard
ENDS_EARLY_WORDS = 2  # the last words of a clip, none heard
MAX_PAUSE_MS = 1000  # a silence inside a clip: the longest measured in this episode's clips is 610 ms

_TRANSCRIPT_VERSION = 1


@dataclass(frozen=True)
class Heard:
    """What the recognizer made of one clip file (cached)."""

    transcript: str
    longest_pause_ms: int
    seconds: float  # recognition time when it was made
    others: tuple[str, ...] | None = None  # second opinions, heard only for a clip the first hearing flagged


@dataclass(frozen=True)
class ClipCheck:
    segment: int  # index among the episode's segments
    chunk: int  # index among the segment's clips
    line: int
    speaker: str
    voice: str
    expected: str  # the prepared text the engine was given
    heard: str
    duration_ms: int
    longest_pause_ms: int
    alignment: Alignment
    cached: bool  # the transcript came from the cache
    clip: Path  # the clip file heard
    take: str = "original"

    @property
    def words(self) -> int:
        return self.alignment.expected_count

    @property
    def wer(self) -> float:
        return self.alignment.wer

    @property
    def ends_early(self) -> int:
        """How many final words were not heard, when that is enough to call the clip cut short (else 0)."""
        trailing = self.alignment.trailing_missing
        return trailing if trailing >= ENDS_EARLY_WORDS else 0

    @property
    def reasons(self) -> list[str]:
        found = []
        if self.ends_early:
            found.append(f"ends early: the last {self.ends_early} words were not heard")
        missing = len(self.alignment.missing) - self.ends_early
        if missing >= MAX_MISSING:
            found.append(f"{missing} word{'s' if missing > 1 else ''} missing")
        if self.wer >= MAX_WER:
            found.append(f"{self.wer:.0%} of words wrong")
        if self.longest_pause_ms >= MAX_PAUSE_MS:
            found.append(f"a {self.longest_pause_ms / 1000:.1f} s silence inside")
        return found

    @property
    def to_check(self) -> bool:
        return bool(self.reasons)

    @property
    def badness(self) -> tuple[int, float, int]:
        """Sorts worst first: flagged clips, then by word error rate, then by errors."""
        return (len(self.reasons), self.wer, self.alignment.errors)


@dataclass(frozen=True)
class VerifyReport:
    script: Path
    checks: tuple[ClipCheck, ...]
    recognizer: str
    elapsed: float
    transcribed: int  # clips heard in this run; the rest came from the cache
    synthesized: int  # clips that were not built yet and had to be made first
    fixes: tuple[str, ...] = field(default=())  # one line per clip that --fix tried
    retaken: bool = False  # --fix kept a second take of some clip: the episode must be built again

    @property
    def to_check(self) -> list[ClipCheck]:
        return [c for c in self.checks if c.to_check]

    def worst_first(self) -> list[ClipCheck]:
        return sorted(self.checks, key=lambda c: c.badness, reverse=True)

    def by_voice(self) -> dict[str, tuple[int, int, int]]:
        """Per voice: clips, expected words, errors."""
        totals: dict[str, tuple[int, int, int]] = {}
        for check in self.checks:
            clips, words, errors = totals.get(check.voice, (0, 0, 0))
            totals[check.voice] = (clips + 1, words + check.words, errors + check.alignment.errors)
        return totals


class TranscriptCache:
    def __init__(self, cache: ClipCache, identity: str) -> None:
        self.folder = cache.root / "verify"
        self.identity = identity

    def _path(self, clip: Clip) -> Path:
        return self.folder / clip.path.stem[-2:] / f"{clip.path.stem}.json"

    def get(self, clip: Clip) -> Heard | None:
        try:
            data = json.loads(self._path(clip).read_text(encoding="utf-8"))
            if data.get("version") != _TRANSCRIPT_VERSION or data.get("recognizer") != self.identity:
                return None
            others = data.get("others")
            return Heard(
                str(data["transcript"]),
                int(data["longest_pause_ms"]),
                float(data["seconds"]),
                None if others is None else tuple(str(o) for o in others),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # missing or damaged: hear it again

    def put(self, clip: Clip, heard: Heard) -> None:
        record = {
            "version": _TRANSCRIPT_VERSION,
            "recognizer": self.identity,
            "transcript": heard.transcript,
            "longest_pause_ms": heard.longest_pause_ms,
            "seconds": round(heard.seconds, 3),
            **({} if heard.others is None else {"others": list(heard.others)}),
        }
        with contextlib.suppress(OSError):  # a read-only cache still verifies, only without remembering
            atomic_write_text(self._path(clip), json.dumps(record, ensure_ascii=False))


def compare(
    expected: str, transcript: str, lexicon: dict[str, str], phonemes: dict[str, str] | None = None
) -> Alignment:
    return align(expected_words(expected, lexicon, phonemes), heard_words(transcript))


def best_hearing(
    check: ClipCheck, others: tuple[str, ...], lexicon: dict[str, str], phonemes: dict[str, str]
) -> ClipCheck:
    """The check by whichever hearing matches the text best: fewest reasons to check, then fewest errors."""
    candidates = [check] + [
        replace(check, heard=other, alignment=compare(check.expected, other, lexicon, phonemes)) for other in others
    ]
    return min(candidates, key=lambda c: (len(c.reasons), c.alignment.errors))


class Listener:
    """Hears clips through the transcript cache; loads the recognizer only when a clip is new."""

    def __init__(self, cache: ClipCache, make_recognizer: Callable[[], Recognizer] | None = None) -> None:
        from .recognizer import Recognizer

        self._make = make_recognizer or Recognizer
        self._recognizer: Recognizer | None = None
        self.transcripts = TranscriptCache(cache, Recognizer.identity)
        self.heard = 0

    @property
    def recognizer(self) -> Recognizer:
        if self._recognizer is None:
            self._recognizer = self._make()
        return self._recognizer

    def hear(self, clip: Clip) -> tuple[Heard, bool]:
        return self.hear_all([clip])[0]

    def second_opinions(self, clip: Clip, heard: Heard) -> tuple[str, ...]:
        if heard.others is not None:
            return heard.others
        from .recognizer import load_clip_audio

        others = tuple(self.recognizer.second_opinions(load_clip_audio(clip.path, clip.format)))
        self.transcripts.put(clip, replace(heard, others=others))
        return others

    def settle(
        self, check: ClipCheck, clip: Clip, heard: Heard, lexicon: dict[str, str], phonemes: dict[str, str]
    ) -> ClipCheck:
        """A flagged check, judged again on the best of three hearings; a passing one as it is."""
        if not check.to_check:
            return check
        return best_hearing(check, self.second_opinions(clip, heard), lexicon, phonemes)

    def hear_all(
        self, clips: list[Clip], on_progress: Callable[[int, int], None] | None = None
    ) -> list[tuple[Heard, bool]]:
        """Each clip's transcript, from the cache or heard now (new clips packed together), and whether cached."""
        from .recognizer import load_clip_audio, longest_pause_ms

        found: dict[Path, Heard] = {}
        for clip in clips:
            cached = self.transcripts.get(clip)
            if cached is not None:
                found[clip.path] = cached
        cached_paths = set(found)
        new = list({clip.path: clip for clip in clips if clip.path not in found}.values())
        done = len(clips) - len(new)
        if on_progress is not None:
            on_progress(done, len(clips))
        if new:
            started = time.monotonic()
            audio = [load_clip_audio(clip.path, clip.format) for clip in new]
            progress = None if on_progress is None else (lambda n: on_progress(done + n, len(clips)))
            transcripts = self.recognizer.transcribe_many(audio, progress)
            share = (time.monotonic() - started) / len(new)
            for clip, samples, transcript in zip(new, audio, transcripts, strict=True):
                heard = Heard(transcript, longest_pause_ms(samples), share)
                self.transcripts.put(clip, heard)
                found[clip.path] = heard
            self.heard += len(new)
        return [(found[clip.path], clip.path in cached_paths) for clip in clips]


def check_segments(
    episode: Episode,
    segments: tuple[SegmentAudio, ...],
    listener: Listener,
    on_progress: Callable[[int, int], None] | None = None,
    takes: Callable[[Clip], str] | None = None,
) -> list[ClipCheck]:
    heard_all = iter(listener.hear_all([clip for s in segments for clip in s.clips], on_progress))
    lexicon, phonemes = dict(episode.lexicon), dict(episode.phonemes)
    checks: list[ClipCheck] = []
    for segment in segments:
        for index, (text, clip) in enumerate(zip(segment.chunks, segment.clips, strict=True)):
            heard, cached = next(heard_all)
            first = ClipCheck(
                segment=segment.index,
                chunk=index,
                line=segment.segment.line,
                speaker=segment.segment.speaker,
                voice=str(segment.voice),
                expected=text,
                heard=heard.transcript,
                duration_ms=clip.duration_ms,
                longest_pause_ms=heard.longest_pause_ms,
                alignment=compare(text, heard.transcript, lexicon, phonemes),
                cached=cached,
                clip=clip.path,
                take=takes(clip) if takes else "original",
            )
            checks.append(listener.settle(first, clip, heard, lexicon, phonemes))
    return checks


def verify_episode(
    episode: Episode,
    castings: dict[str, Casting],
    cache: ClipCache,
    *,
    listener: Listener | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> VerifyReport:
    """Hear every clip of the episode (making any that are not built yet) and compare it with its text."""
    from ..synth import synthesize_episode

    started = time.monotonic()
    listener = listener or Listener(cache)
    synthesis = synthesize_episode(episode, castings, cache)  # from the cache, once the episode is built
    checks = check_segments(
        episode, synthesis.segments, listener, on_progress, takes=lambda clip: take_label(cache, clip)
    )
    assert episode.path is not None, "a verified episode comes from a script file"
    return VerifyReport(
        script=episode.path,
        checks=tuple(checks),
        recognizer=listener.transcripts.identity,
        elapsed=time.monotonic() - started,
        transcribed=listener.heard,
        synthesized=synthesis.synthesized,
    )
