"""Script -> finished episode, in stage order: cast, synthesize, assemble, one loudness pass, MP3, tags,
timeline, and then the listener files.

Outputs are written next to each other in the output folder through temporary
files and ``os.replace``; the build record goes last, so an interrupted build
leaves the previous episode whole and is simply redone next time.  A build
whose inputs are unchanged (``record.py``) does no synthesis or encoding at all.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..audio import DEFAULT_BITRATE
from ..audio.cover import cover_identity
from ..audio.levels import TARGET_LUFS, Loudness
from ..audio.timeline import Pacing, Timeline
from ..fileio import atomic_write_text, file_sha256
from ..lock import DEFAULT_WAIT_S, output_lock
from ..script import Episode
from ..synth import DEFAULT_PROFILE, Clip, ClipCache, Progress, SynthesisPlan, SynthesisResult, cast, plan_episode
from ..synth import synthesize_episode as synthesize
from ..voices import Registry, default_registry
from .memory import bound_memory
from .record import ffmpeg_identity, inputs_digest, is_current, output_paths, parts_folder, read_record, write_record
from .show import check_names, keep_feed_guid, record_episode, show_episodes, show_metadata

if TYPE_CHECKING:
    import numpy as np

    from ..audio.assemble import Assembly
    from ..audio.clips import ClipStats
    from ..audio.master import Mastered
    from ..publish import PublishReport


@dataclass(frozen=True)
class BuildReport:
    script: Path
    mp3: Path
    timeline_path: Path
    up_to_date: bool  # nothing changed: no synthesis, no encoding
    duration_ms: int
    chapters: int
    size_bytes: int
    loudness: Loudness
    voice_lufs: dict[str, float]  # per speaker, after matching, dual-mono
    elapsed: float
    clips: int
    cache_hits: int
    synthesized: int
    encodes: int  # parts encoded; the others came from the parts cache
    parts: int  # what the audio is encoded in: each chapter, cut again in pauses (``audio/assemble.py``)
    passes: int = 0  # loudness passes (more than 1 only when the first missed the target)
    notices: tuple[str, ...] = ()
    cover: bytes = b""  # the JPEG embedded in the MP3, when this build made it
    published: PublishReport | None = None  # the listener files, when this build wrote or checked them


def build_episode(
    episode: Episode,
    out_dir: Path,
    *,
    profile: str = DEFAULT_PROFILE,
    jobs: int | None = None,
    force: bool = False,
    bitrate: int = DEFAULT_BITRATE,
    cache: ClipCache | None = None,
    registry: Registry | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
    lock_wait_s: float = DEFAULT_WAIT_S,
    publish: bool = True,
    base_url: str | None = None,
    release_engines: bool = True,
) -> BuildReport:
    """Build one episode into ``out_dir``, holding the folder's lock (see ``lock.py``) throughout, and then
    its listener files (feed, page, chapters, transcripts) unless ``publish`` is false: a caller building
    several episodes into one folder publishes them together with ``publish_built``.  ``release_engines``
    false keeps the engines' workers warm for the next build (``build --watch``; the caller releases them)."""
    with output_lock(out_dir, wait_s=lock_wait_s, on_wait=on_wait):
        check_names(out_dir, [episode])  # before anything is written
        _remove_leftovers(episode, out_dir)
        report = _build_locked(
            episode,
            out_dir,
            profile=profile,
            jobs=jobs,
            force=force,
            bitrate=bitrate,
            cache=cache or ClipCache(),
            registry=registry or default_registry(),
            on_progress=on_progress,
            stage=on_stage or (lambda _: None),
            release_engines=release_engines,
        )
        record_episode(out_dir, episode)  # last: the episode is whole before the show lists it
        if not publish:
            return report
        from dataclasses import replace

        return replace(report, published=publish_built(out_dir, [(episode, report)], base_url))


def publish_built(out_dir: Path, built: list[tuple[Episode, BuildReport]], base_url: str | None) -> PublishReport:
    """The listener files of the whole show in ``out_dir`` (every episode its record lists, newest first),
    written only when what they show changed; ``built``: the episodes just built, whose covers are at hand."""
    from ..publish import Built, publish_episodes

    with output_lock(out_dir):
        episodes = show_episodes(out_dir)
        show = show_metadata(out_dir, episodes)
        guid = keep_feed_guid(out_dir, base_url)
        covers = {report.mp3.stem: report.cover for _, report in built}
        entries = [
            Built(e.episode, e.mp3(out_dir), e.timeline(out_dir), covers.get(e.name, b""), e.guid, e.added)
            for e in episodes
        ]
        return publish_episodes(out_dir, entries, base_url, show, guid)


def read_timeline(path: Path) -> Timeline:
    return Timeline.from_json(path.read_text(encoding="utf-8"))


def _remove_leftovers(episode: Episode, out_dir: Path) -> None:
    """What a killed build left (its work folder, a part being encoded, an atomic write's temporary file):
    with the lock held, no other build can be using them."""
    assert episode.path is not None
    name = episode.path.stem
    work = re.compile(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}")  # tempfile's names for the work folder
    leftovers = [p for p in out_dir.glob(f".{name}.*") if p.is_dir() and work.fullmatch(p.name)]
    parts = parts_folder(episode.path, out_dir)
    leftovers += list(parts.glob(".part-*"))
    leftovers += [p for p in out_dir.glob(".*.tmp") if p.is_file()]
    leftovers += [p for p in parts.glob(".*.tmp") if p.is_file()]
    for path in leftovers:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


@dataclass(frozen=True)
class _Job:
    """One build's settings and what it has worked out before any audio is made."""

    episode: Episode
    out_dir: Path
    plan: SynthesisPlan
    pacing: Pacing
    record: dict[str, Any]
    bitrate: int
    notices: tuple[str, ...]
    started: float

    @property
    def paths(self) -> tuple[Path, Path, Path]:
        assert self.episode.path is not None
        return output_paths(self.episode.path, self.out_dir)


@dataclass(frozen=True)
class _Encoded:
    assembly: Assembly
    mastered: Mastered
    timeline: Timeline  # of the encoded file
    mp3_sha256: str
    predicted_gain: float  # the episode gain the assembly predicted, before the encoder's measurement


def _build_locked(
    episode: Episode,
    out_dir: Path,
    *,
    profile: str,
    jobs: int | None,
    force: bool,
    bitrate: int,
    cache: ClipCache,
    registry: Registry,
    on_progress: Callable[[Progress], None] | None,
    stage: Callable[[str], None],
    release_engines: bool = True,
) -> BuildReport:
    started = time.monotonic()
    assert episode.path is not None, "a built episode comes from a script file"
    castings = cast(episode, profile, registry)
    notices = tuple(n for n in (c.notice() for c in castings.values()) if n)
    plan = plan_episode(episode, castings)
    pacing = Pacing.from_episode(episode)
    mp3, _, record_path = output_paths(episode.path, out_dir)
    record = read_record(record_path)
    ffmpeg, ffmpeg_stamp = ffmpeg_identity(record)
    inputs = inputs_digest(episode, plan.keys(), pacing, cover_identity(episode), bitrate, ffmpeg)
    job = _Job(episode, out_dir, plan, pacing, record, bitrate, notices, started)
    if not force and is_current(record, inputs, mp3):
        if ffmpeg_stamp and record.get("ffmpeg") != ffmpeg_stamp:  # so the next no-op need not ask ffmpeg
            write_record(record_path, {**{k: v for k, v in record.items() if k != "version"}, "ffmpeg": ffmpeg_stamp})
        return _unchanged(job)

    bound_memory()
    synthesis, prepared, cover = _synthesize(
        job, castings, cache, jobs=jobs, force=force, on_progress=on_progress, stage=stage, release=release_engines
    )
    stage("assembling")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{mp3.stem}.", dir=out_dir) as work:
        encoded = _assemble_and_encode(job, synthesis, prepared, cover, Path(work), cache, stage)
    assembly, mastered, timeline = encoded.assembly, encoded.mastered, encoded.timeline
    _, timeline_path, _ = job.paths
    atomic_write_text(timeline_path, timeline.to_json())
    voice_lufs = _voice_loudness(timeline, mastered.sub_blocks)
    write_record(
        record_path,
        {
            "inputs": inputs,
            "ffmpeg": ffmpeg_stamp,
            "mp3_sha256": encoded.mp3_sha256,
            "duration_ms": timeline.duration_ms,
            "loudness": asdict(mastered.loudness),
            "voice_lufs": voice_lufs,
            "bitrate": bitrate,
            "voices_held": {t: [assembly.raw_lufs[t], assembly.voice_lufs[t]] for t in assembly.voice_lufs},
            "predicted_gain": encoded.predicted_gain,
            "gain": mastered.gain_db,
            "parts": len(assembly.parts),
        },
    )
    return BuildReport(
        script=episode.path,
        mp3=mp3,
        timeline_path=timeline_path,
        up_to_date=False,
        duration_ms=timeline.duration_ms,
        chapters=len(episode.chapters),
        size_bytes=mp3.stat().st_size,
        loudness=mastered.loudness,
        voice_lufs=voice_lufs,
        elapsed=time.monotonic() - started,
        clips=synthesis.chunks,
        cache_hits=synthesis.hits,
        synthesized=synthesis.synthesized,
        encodes=mastered.encodes,
        parts=len(assembly.parts),
        passes=mastered.passes,
        cover=cover,
        notices=notices,
    )


def _unchanged(job: _Job) -> BuildReport:
    mp3, timeline_path, _ = job.paths
    assert job.episode.path is not None
    return BuildReport(
        script=job.episode.path,
        mp3=mp3,
        timeline_path=timeline_path,
        up_to_date=True,
        duration_ms=job.record["duration_ms"],
        chapters=len(job.episode.chapters),
        size_bytes=mp3.stat().st_size,
        loudness=Loudness(**job.record["loudness"]),
        voice_lufs=job.record["voice_lufs"],
        elapsed=time.monotonic() - job.started,
        clips=job.plan.chunk_count,
        cache_hits=job.plan.chunk_count,
        synthesized=0,
        encodes=0,
        parts=int(job.record.get("parts", 0)),
        notices=job.notices,
    )


def _synthesize(
    job: _Job,
    castings: dict[str, Any],
    cache: ClipCache,
    *,
    jobs: int | None,
    force: bool,
    on_progress: Callable[[Progress], None] | None,
    stage: Callable[[str], None],
    release: bool = True,
) -> tuple[SynthesisResult, dict[Path, ClipStats], bytes]:
    """Every clip, with helper threads working beside the engines: the cover, then each clip's trimming,
    resampling and loudness as soon as the clip exists (cached ones once the misses are on their way).  A
    script's own cover is checked first, so a bad one fails before any synthesis."""
    # The audio stack loads only when there is work to do, so a no-op build stays fast.
    from ..audio.clips import measure_clip
    from ..audio.cover import cover_jpeg

    helper = ThreadPoolExecutor(max_workers=2, thread_name_prefix="prepare")  # numpy and soxr free the GIL
    cover_job = helper.submit(cover_jpeg, job.episode) if not job.episode.metadata.cover else None
    cover = cover_jpeg(job.episode) if cover_job is None else b""
    jobs_by_path: dict[Path, Future[ClipStats]] = {}

    def prepare(clip: Clip) -> None:
        if clip.path not in jobs_by_path:
            jobs_by_path[clip.path] = helper.submit(measure_clip, clip, job.pacing, cache.prepared)

    stage("synthesizing")
    try:
        synthesis = synthesize(
            job.episode,
            castings,
            cache,
            jobs=jobs,
            force=force,
            on_progress=on_progress,
            plan=job.plan,
            on_clip=prepare,
            release_engines=release,
        )
    except BaseException:
        helper.shutdown(wait=False, cancel_futures=True)
        raise
    prepared = {path: future.result() for path, future in jobs_by_path.items()}
    if cover_job is not None:
        cover = cover_job.result()
    helper.shutdown()
    return synthesis, prepared, cover


def _assemble_and_encode(
    job: _Job,
    synthesis: SynthesisResult,
    prepared: dict[Path, ClipStats],
    cover: bytes,
    work: Path,
    cache: ClipCache,
    stage: Callable[[str], None],
) -> _Encoded:
    """The episode assembled and encoded in ``work``, tagged, and moved into place as ``NAME.mp3``."""
    from ..audio.assemble import HOLD_LU, assemble
    from ..audio.master import CODEC_LOSS_LU, master
    from ..audio.tags import write_tags

    mp3, _, _ = job.paths
    record = job.record
    held = {tag: (float(a), float(b)) for tag, (a, b) in record.get("voices_held", {}).items()}
    assembly = assemble(
        job.episode,
        synthesis,
        work,
        job.pacing,
        held=held if record.get("bitrate") == job.bitrate else None,
        prepared=prepared,
        store=cache.prepared,
    )
    predicted_gain = TARGET_LUFS + CODEC_LOSS_LU - assembly.mix_lufs
    gain = predicted_gain
    if abs(predicted_gain - float(record.get("predicted_gain", 1e9))) <= HOLD_LU:
        gain = float(record["gain"])  # unchanged chapters stay bit-identical: their parts are reused
    stage("encoding")
    encoded = work / "episode.mp3"
    mastered = master(assembly.parts, gain, parts_folder(mp3, job.out_dir), encoded, job.bitrate)
    duration_ms = _mp3_duration_ms(encoded)
    timeline = assembly.timeline.shifted(assembly.part_starts_ms, mastered.offsets_ms, duration_ms)
    write_tags(encoded, job.episode, timeline, duration_ms, cover)
    digest = file_sha256(encoded)
    os.replace(encoded, mp3)
    return _Encoded(assembly, mastered, timeline, digest, predicted_gain)


def _voice_loudness(timeline: Timeline, sub_blocks: np.ndarray) -> dict[str, float]:
    """Each speaker's loudness in the final MP3, from the 100 ms blocks that lie inside their segments.  A
    speaker with nothing measurable (no segments, or too little speech to gate) is left out rather than
    reported as -inf, which the summary would print and the build record could not hold as JSON."""
    import math

    import numpy as np

    from ..audio.loudness import SUB_BLOCK_S, gated_loudness

    step = round(SUB_BLOCK_S * 1000)
    result = {}
    for tag in timeline.speakers:
        inside = np.zeros(len(sub_blocks), dtype=bool)
        for segment in timeline.segments:
            if segment.speaker == tag:
                inside[-(-segment.start_ms // step) : segment.end_ms // step] = True
        loudness = gated_loudness(sub_blocks[inside])
        if math.isfinite(loudness):
            result[tag] = round(loudness, 1)
    return result


def _mp3_duration_ms(path: Path) -> int:
    from mutagen.mp3 import MP3

    return round(float(MP3(path).info.length) * 1000)
