"""Segments -> clips: text preparation, the clip cache and concurrent synthesis.

Every segment becomes one or more chunks (sentence groups), and every chunk is
one cache entry, so editing a sentence re-synthesizes only its chunk.  Cache
hits are resolved first; the misses run on one worker pool per engine, sized
by the engine (Piper already uses every core for one call, gTTS must stay
polite) and capped by ``jobs``.  When a chunk fails for good, pending work is
cancelled, running work finishes and is cached, and a re-run resumes.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from ..errors import RuntimeFailure, ScriptError
from ..script import Episode, Segment
from ..voices import EngineError, VoiceRef
from ..voices.phonemes import ipa_problem
from ..voices.workers import kill_all_workers, reopen_all_workers
from .cache import Clip, ClipCache, cache_key
from .casting import Casting
from .text import MAX_CHUNK_CHARS, prepare, unspeakable


@dataclass(frozen=True)
class SegmentAudio:
    index: int  # position in episode.segments
    chapter: int  # index in episode.chapters
    segment: Segment
    voice: VoiceRef
    chunks: tuple[str, ...]  # the prepared text of each clip
    clips: tuple[Clip, ...]


@dataclass(frozen=True)
class Progress:
    segments_total: int
    segments_done: int
    chunks_total: int
    hits: int
    synthesized: int
    elapsed: float


@dataclass(frozen=True)
class SynthesisResult:
    segments: tuple[SegmentAudio, ...]
    castings: dict[str, Casting]
    hits: int
    synthesized: int
    corrupt: int
    elapsed: float
    engine_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def chunks(self) -> int:
        return self.hits + self.synthesized


class SynthesisFailed(RuntimeFailure):
    """An engine failed for good on one segment; the message names it."""


@dataclass(frozen=True)
class _Chunk:
    key: str
    text: str
    casting: Casting


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class SynthesisPlan:
    """Every segment's prepared chunks and cache keys, worked out without touching the cache."""

    placed: tuple[tuple[int, Segment], ...]  # (chapter index, segment), in script order
    chunks: tuple[tuple[_Chunk, ...], ...]

    def keys(self) -> list[str]:
        return [chunk.key for chunks in self.chunks for chunk in chunks]

    @property
    def chunk_count(self) -> int:
        return sum(len(chunks) for chunks in self.chunks)


def prepare_for(casting: Casting, text: str, episode: Episode) -> list[str]:
    """The chunks this casting's engine says: phonemes from the lexicon where the engine takes them."""
    return prepare(text, episode.lexicon, episode.phonemes if casting.engine.accepts_phonemes else None)


def chunk_key(casting: Casting, fingerprint: str, text: str) -> str:
    """The cache key of one chunk said by this casting (``fingerprint`` is its engine's, for its voice)."""
    options: dict[str, object] = {"chunk_max": MAX_CHUNK_CHARS}
    return cache_key(casting.engine.name, str(casting.voice), fingerprint, options, text)


def check_phonemes(episode: Episode) -> None:
    """Every lexicon entry given as IPA is made of phonemes: an entry holding ``<>{}``, an emoji or a NUL
    is an error at its front-matter line (Piper and Kokoro would drop or misread it without a word)."""
    for written, ipa in episode.phonemes.items():
        problem = ipa_problem(ipa)
        if problem is not None:
            raise ScriptError(
                f"the lexicon's IPA for {written!r}, {ipa!r}: {problem}",
                path=episode.path,
                line=_front_matter_line(episode, written),
                fix="write it in IPA as espeak-ng does (hear it with `shalket-audio say`), "
                "or give a respelling instead ('Written: spoken')",
            )


def _front_matter_line(episode: Episode, written: str) -> int | None:
    """The line where the lexicon names ``written``, for the error message (the model keeps no lines)."""
    try:
        lines = episode.path.read_text(encoding="utf-8").splitlines() if episode.path else []
    except (OSError, UnicodeError):
        return None
    start = next((n for n, line in enumerate(lines) if line.startswith("lexicon:")), 0)
    found = (n for n, line in enumerate(lines[start:], start + 1) if line.strip().lstrip("'\"").startswith(written))
    return next(found, None)


def plan_episode(episode: Episode, castings: dict[str, Casting]) -> SynthesisPlan:
    check_phonemes(episode)
    placed = tuple((ci, segment) for ci, chapter in enumerate(episode.chapters) for segment in chapter.segments)
    planned: list[tuple[_Chunk, ...]] = []
    fingerprints: dict[str, str] = {}
    for _, segment in placed:
        casting = castings[segment.speaker]
        texts = prepare_for(casting, segment.text, episode)
        if not texts:
            raise ScriptError(
                f"segment for '{segment.speaker}' has nothing to say once prepared for speech",
                path=episode.path,
                line=segment.line or None,
                fix="give it words, or delete the line",
            )
        _check_speakable(episode, segment, texts)
        voice_id = str(casting.voice)
        if voice_id not in fingerprints:
            fingerprints[voice_id] = casting.engine.fingerprint(casting.voice)
        planned.append(tuple(_Chunk(chunk_key(casting, fingerprints[voice_id], text), text, casting) for text in texts))
    return SynthesisPlan(placed, tuple(planned))


def _check_speakable(episode: Episode, segment: Segment, texts: list[str]) -> None:
    """Text in a script the voices do not read (Arabic in an English episode, emoji) is spoken as character
    names ("Arabic letter …"): an error at the line, before any synthesis, rather than a garbled clip."""
    for text in texts:
        problem = unspeakable(text, episode.metadata.language)
        if problem is not None:
            raise ScriptError(
                f"segment for '{segment.speaker}' has text its voice cannot say: {problem}",
                path=episode.path,
                line=segment.line or None,
                fix="write it in Latin letters, give it a respelling in the lexicon ('Written: spoken'), or delete it",
            )


def synthesize_episode(
    episode: Episode,
    castings: dict[str, Casting],
    cache: ClipCache,
    *,
    jobs: int | None = None,
    force: bool = False,
    on_progress: Callable[[Progress], None] | None = None,
    plan: SynthesisPlan | None = None,
    on_clip: Callable[[Clip], None] | None = None,
    release_engines: bool = True,
) -> SynthesisResult:
    """``on_clip`` hears of each clip (from this thread), so work on it can start: of the cached ones once the
    misses are on their way to the engines, of each new one as soon as it is made.
    ``release_engines`` false keeps the engines' workers warm for a next synthesis (the caller releases them).
    A ``KeyboardInterrupt`` stops at once: pending clips are cancelled, the engine workers killed, and the
    clips that finished stay cached."""
    run = _Run(episode, plan or plan_episode(episode, castings), cache, on_progress, on_clip)
    run.look_up(force)
    run.report()
    if not run.misses:
        run.announce_hits()
    else:
        interrupted = False
        try:
            run.make_misses(jobs or default_jobs())
        except KeyboardInterrupt:
            interrupted = True
            raise
        finally:
            if release_engines and not interrupted:
                for casting in castings.values():
                    casting.engine.release()  # engines may hold models; assembly needs the memory now
    placed, plan_chunks = run.plan.placed, run.plan.chunks
    segments = tuple(
        SegmentAudio(
            index=index,
            chapter=chapter,
            segment=segment,
            voice=castings[segment.speaker].voice,
            chunks=tuple(chunk.text for chunk in chunks),
            clips=tuple(run.clips[chunk.key] for chunk in chunks),
        )
        for index, ((chapter, segment), chunks) in enumerate(zip(placed, plan_chunks, strict=True))
    )
    return SynthesisResult(
        segments=segments,
        castings=castings,
        hits=run.hits,
        synthesized=run.synthesized,
        corrupt=cache.corrupt - run.corrupt_before,
        elapsed=time.monotonic() - run.started,
        engine_seconds=run.engine_seconds,
    )


class _Run:
    """One synthesis: the clips found so far, the misses still to make, and the counts progress reports."""

    def __init__(
        self,
        episode: Episode,
        plan: SynthesisPlan,
        cache: ClipCache,
        on_progress: Callable[[Progress], None] | None,
        on_clip: Callable[[Clip], None] | None,
    ) -> None:
        self.started = time.monotonic()
        self.episode, self.plan, self.cache = episode, plan, cache
        self.on_progress, self.on_clip = on_progress, on_clip
        self.corrupt_before = cache.corrupt
        self.clips: dict[str, Clip] = {}
        self.misses: dict[str, _Chunk] = {}
        self.hits = self.synthesized = 0
        self.engine_seconds: dict[str, float] = {}

    def look_up(self, force: bool) -> None:
        for chunks in self.plan.chunks:
            for chunk in chunks:
                if chunk.key in self.clips or chunk.key in self.misses:
                    continue
                cached = None if force else self.cache.get(chunk.casting.engine.name, chunk.key)
                if cached is not None:
                    self.clips[chunk.key] = cached
                else:
                    self.misses[chunk.key] = chunk
        self.hits = sum(1 for chunks in self.plan.chunks for chunk in chunks if chunk.key not in self.misses)

    def announce_hits(self) -> None:
        if self.on_clip is not None:
            for clip in list(self.clips.values()):
                self.on_clip(clip)

    def report(self) -> None:
        if self.on_progress is None:
            return
        done = sum(1 for chunks in self.plan.chunks if all(chunk.key in self.clips for chunk in chunks))
        elapsed = time.monotonic() - self.started
        total = len(self.plan.chunks)
        self.on_progress(Progress(total, done, self.plan.chunk_count, self.hits, self.synthesized, elapsed))

    def make_misses(self, jobs: int) -> None:
        """Each miss on its engine's pool; at the first failure for good, pending work is cancelled, running
        work finishes (and is cached), and the failure names the segment."""
        uses = Counter(chunk.key for chunks in self.plan.chunks for chunk in chunks)  # a repeated line is one clip
        pools: dict[str, ThreadPoolExecutor] = {}
        futures: dict[Future[tuple[Clip, float]], _Chunk] = {}
        reopen_all_workers()  # an earlier interrupted synthesis in this process stopped them
        stopping = False
        engines = {chunk.casting.engine.name: chunk.casting.engine for chunk in self.misses.values()}
        for name, count in Counter(chunk.casting.engine.name for chunk in self.misses.values()).items():
            engines[name].expect(count)
        try:
            for chunk in self.misses.values():
                engine = chunk.casting.engine
                if engine.name not in pools:
                    workers = max(1, min(jobs, engine.max_jobs))
                    pools[engine.name] = ThreadPoolExecutor(workers, thread_name_prefix=f"synth-{engine.name}")
                futures[pools[engine.name].submit(_synthesize_chunk, self.cache, chunk)] = chunk
            self.announce_hits()  # after the submissions: the cached clips' preparation waits on no engine
            remaining = set(futures)
            while remaining:
                done, remaining = wait(remaining, return_when=FIRST_EXCEPTION)
                for future in done:
                    chunk = futures[future]
                    error = future.exception()
                    if error is not None:
                        for other in remaining:
                            other.cancel()
                        wait(remaining)
                        raise self._failure(chunk, error) from error
                    clip, seconds = future.result()
                    self.clips[chunk.key] = clip
                    if self.on_clip is not None:
                        self.on_clip(clip)
                    self.synthesized += uses[chunk.key]
                    name = chunk.casting.engine.name
                    self.engine_seconds[name] = self.engine_seconds.get(name, 0.0) + seconds
                self.report()
        except KeyboardInterrupt:
            # Ctrl-C: nothing more starts, and the clips being made now are abandoned (their worker processes
            # are killed, so the threads waiting on them return at once); finished clips are already cached.
            stopping = True
            for pool in pools.values():
                pool.shutdown(wait=False, cancel_futures=True)
            kill_all_workers()
            raise
        finally:
            if not stopping:
                for pool in pools.values():
                    pool.shutdown(wait=True, cancel_futures=True)

    def _failure(self, chunk: _Chunk, error: BaseException) -> SynthesisFailed:
        index = next(i for i, chunks in enumerate(self.plan.chunks) if chunk in chunks)
        chapter, segment = self.plan.placed[index]
        return _failure(self.episode, chapter, segment, chunk, error)


#: A failure an engine calls retryable (a worker that died, a timeout, a transient espeak-ng error) is tried
#: again this many times, after 0.5 s and then 1 s, before the build gives up on the chunk.
RETRIES = 2


def _synthesize_chunk(cache: ClipCache, chunk: _Chunk) -> tuple[Clip, float]:
    started = time.monotonic()
    for attempt in range(RETRIES + 1):
        try:
            audio = chunk.casting.engine.synthesize(chunk.text, chunk.casting.voice)
            break
        except EngineError as exc:
            if not exc.retryable or attempt == RETRIES:
                raise
            time.sleep(0.5 * 2**attempt)
    seconds = time.monotonic() - started
    return cache.put(chunk.casting.engine.name, chunk.key, audio.data, audio.format), seconds


def _failure(episode: Episode, chapter: int, segment: Segment, chunk: _Chunk, error: BaseException) -> SynthesisFailed:
    where = f"{episode.path}:{segment.line}" if episode.path and segment.line else f"segment line {segment.line}"
    title = episode.chapters[chapter].title
    cause = error.message if isinstance(error, EngineError) else f"{type(error).__name__}: {error}"
    fix = error.fix if isinstance(error, EngineError) and error.fix else "try another voice with --voices"
    return SynthesisFailed(
        f"{where}: could not synthesize chapter {chapter + 1} '{title}' "
        f"({segment.speaker}, {chunk.casting.voice}): {cause}",
        fix=f"{fix}. Clips already made are cached: running again resumes from them",
    )
