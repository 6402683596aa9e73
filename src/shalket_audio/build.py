"""Script -> finished episode: synthesis, assembly, one loudness pass, MP3, tags, timeline.

Outputs are written next to each other in the output folder through temporary
files and ``os.replace``; the build record goes last, so an interrupted build
leaves the previous episode whole and is simply redone next time.  A build
whose inputs (every clip's cache key, the pacing, the metadata, the cover and
the encoder settings) are unchanged does no synthesis or encoding at all.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .cache import Clip, ClipCache
from .casting import cast
from .cover import cover_identity
from .fileio import atomic_write_text
from .lock import DEFAULT_WAIT_S, output_lock
from .media import TARGET_LUFS, Loudness, ffmpeg_version
from .memory import bound_memory
from .script import Comment, Episode, Segment
from .synth import Progress, plan_episode, synthesize_episode
from .timeline import Pacing, Timeline
from .voices import Registry, default_registry

if TYPE_CHECKING:
    import numpy as np

DEFAULT_BITRATE = 96
_RECORD_VERSION = 1


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
    encodes: int  # chapters encoded; the others came from the parts cache
    passes: int = 0  # loudness passes (more than 1 only when the first missed the target)
    notices: tuple[str, ...] = ()
    cover: bytes = b""  # the JPEG embedded in the MP3, when this build made it


def output_paths(script: Path, out_dir: Path) -> tuple[Path, Path, Path]:
    name = script.stem
    return out_dir / f"{name}.mp3", out_dir / f"{name}.timeline.json", out_dir / f".{name}.build.json"


def build_episode(
    episode: Episode,
    out_dir: Path,
    *,
    profile: str = "local",
    jobs: int | None = None,
    force: bool = False,
    bitrate: int = DEFAULT_BITRATE,
    cache: ClipCache | None = None,
    registry: Registry | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
    on_wait: Callable[[str], None] | None = None,
    lock_wait_s: float = DEFAULT_WAIT_S,
) -> BuildReport:
    """Build one episode into ``out_dir``, holding the folder's lock (see ``lock.py``) throughout."""
    with output_lock(out_dir, wait_s=lock_wait_s, on_wait=on_wait):
        _remove_leftovers(episode, out_dir)
        return _build_locked(
            episode,
            out_dir,
            profile=profile,
            jobs=jobs,
            force=force,
            bitrate=bitrate,
            cache=cache,
            registry=registry,
            on_progress=on_progress,
            on_stage=on_stage,
        )


def _remove_leftovers(episode: Episode, out_dir: Path) -> None:
    """What a killed build left (its work folder, a part being encoded, an atomic write's temporary file):
    with the lock held, no other build can be using them."""
    assert episode.path is not None
    name = episode.path.stem
    work = re.compile(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}")  # tempfile's names for the work folder
    leftovers = [p for p in out_dir.glob(f".{name}.*") if p.is_dir() and work.fullmatch(p.name)]
    leftovers += list((out_dir / f".{name}.parts").glob(".part-*"))
    leftovers += [p for p in out_dir.glob(".*.tmp") if p.is_file()]
    leftovers += [p for p in (out_dir / f".{name}.parts").glob(".*.tmp") if p.is_file()]
    for path in leftovers:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _build_locked(
    episode: Episode,
    out_dir: Path,
    *,
    profile: str,
    jobs: int | None,
    force: bool,
    bitrate: int,
    cache: ClipCache | None,
    registry: Registry | None,
    on_progress: Callable[[Progress], None] | None,
    on_stage: Callable[[str], None] | None,
) -> BuildReport:
    started = time.monotonic()
    assert episode.path is not None, "a built episode comes from a script file"
    stage = on_stage or (lambda _: None)
    cache = cache or ClipCache()
    castings = cast(episode, profile, registry or default_registry())
    notices = tuple(n for n in (c.notice() for c in castings.values()) if n)
    plan = plan_episode(episode, castings)
    mp3, timeline_path, record_path = output_paths(episode.path, out_dir)
    pacing = Pacing.from_episode(episode)
    inputs = _inputs_digest(episode, plan.keys(), pacing, cover_identity(episode), bitrate)

    record = _read_record(record_path)
    if not force and record.get("inputs") == inputs and _file_digest(mp3) == record.get("mp3_sha256"):
        return BuildReport(
            script=episode.path,
            mp3=mp3,
            timeline_path=timeline_path,
            up_to_date=True,
            duration_ms=record["duration_ms"],
            chapters=len(episode.chapters),
            size_bytes=mp3.stat().st_size,
            loudness=Loudness(**record["loudness"]),
            voice_lufs=record["voice_lufs"],
            elapsed=time.monotonic() - started,
            clips=plan.chunk_count,
            cache_hits=plan.chunk_count,
            synthesized=0,
            encodes=0,
            notices=notices,
        )

    bound_memory()
    # The audio stack loads only when there is work to do, so a no-op build stays fast.
    from .assemble import HOLD_LU, assemble, measure_clip
    from .cover import cover_jpeg
    from .master import CODEC_LOSS_LU, master
    from .tags import write_tags

    # Helper threads work beside the engines: the cover, then each clip's trimming, resampling and
    # loudness as soon as the clip exists (cached ones first).  A script's own cover is checked now, so a
    # bad one fails before any synthesis.
    helper = ThreadPoolExecutor(max_workers=2, thread_name_prefix="prepare")  # numpy, soxr and scipy free the GIL
    cover_job = helper.submit(cover_jpeg, episode) if not episode.metadata.cover else None
    cover = cover_jpeg(episode) if cover_job is None else b""
    # scipy.signal takes over a second to import; load it while the engines work.
    threading.Thread(target=importlib.import_module, args=("scipy.signal",), daemon=True).start()
    jobs_by_path: dict[Path, Future[Any]] = {}

    def prepare(clip: Clip) -> None:
        if clip.path not in jobs_by_path:
            jobs_by_path[clip.path] = helper.submit(measure_clip, clip, pacing, cache.prepared)

    if not force:
        for chunks in plan.chunks:
            for chunk in chunks:
                cached = cache.get(chunk.casting.engine.name, chunk.key)
                if cached is not None:
                    prepare(cached)
    stage("synthesizing")
    try:
        synthesis = synthesize_episode(
            episode, castings, cache, jobs=jobs, force=force, on_progress=on_progress, plan=plan, on_clip=prepare
        )
    except BaseException:
        helper.shutdown(wait=False, cancel_futures=True)
        raise
    stage("assembling")
    prepared = {path: job.result() for path, job in jobs_by_path.items()}
    if cover_job is not None:
        cover = cover_job.result()
    helper.shutdown()
    held = {tag: (float(a), float(b)) for tag, (a, b) in record.get("voices_held", {}).items()}
    out_dir.mkdir(parents=True, exist_ok=True)
    parts_dir = out_dir / f".{mp3.stem}.parts"
    with tempfile.TemporaryDirectory(prefix=f".{mp3.stem}.", dir=out_dir) as work:
        assembly = assemble(
            episode,
            synthesis,
            Path(work),
            pacing,
            held=held if record.get("bitrate") == bitrate else None,
            prepared=prepared,
            store=cache.prepared,
        )
        predicted_gain = TARGET_LUFS + CODEC_LOSS_LU - assembly.mix_lufs
        gain = predicted_gain
        if abs(predicted_gain - float(record.get("predicted_gain", 1e9))) <= HOLD_LU:
            gain = float(record["gain"])  # unchanged chapters stay bit-identical: their parts are reused
        stage("encoding")
        encoded = Path(work) / "episode.mp3"
        mastered = master(list(assembly.chapter_files), gain, parts_dir, Path(work), encoded, bitrate)
        loudness, encodes = mastered.loudness, mastered.encodes
        duration_ms = _mp3_duration_ms(encoded)
        timeline = assembly.timeline.shifted(mastered.offsets_ms, duration_ms)
        write_tags(encoded, episode, timeline, duration_ms, cover)
        digest = _file_digest(encoded)
        os.replace(encoded, mp3)
    atomic_write_text(timeline_path, timeline.to_json())
    voice_lufs = _voice_loudness(timeline, mastered.sub_blocks)
    atomic_write_text(
        record_path,
        json.dumps(
            {
                "version": _RECORD_VERSION,
                "inputs": inputs,
                "mp3_sha256": digest,
                "duration_ms": duration_ms,
                "loudness": asdict(loudness),
                "voice_lufs": voice_lufs,
                "bitrate": bitrate,
                "voices_held": {t: [assembly.raw_lufs[t], assembly.voice_lufs[t]] for t in assembly.voice_lufs},
                "predicted_gain": predicted_gain,
                "gain": mastered.gain_db,
            },
            indent=1,
        ),
    )
    return BuildReport(
        script=episode.path,
        mp3=mp3,
        timeline_path=timeline_path,
        up_to_date=False,
        duration_ms=duration_ms,
        chapters=len(episode.chapters),
        size_bytes=mp3.stat().st_size,
        loudness=loudness,
        voice_lufs=voice_lufs,
        elapsed=time.monotonic() - started,
        clips=synthesis.chunks,
        cache_hits=synthesis.hits,
        synthesized=synthesis.synthesized,
        encodes=encodes,
        passes=mastered.passes,
        cover=cover,
        notices=notices,
    )


def _voice_loudness(timeline: Timeline, sub_blocks: np.ndarray) -> dict[str, float]:
    """Each speaker's loudness in the final MP3, from the 100 ms blocks that lie inside their segments."""
    import numpy as np

    from .loudness import SUB_BLOCK_S, gated_loudness

    step = round(SUB_BLOCK_S * 1000)
    result = {}
    for tag in timeline.speakers:
        inside = np.zeros(len(sub_blocks), dtype=bool)
        for segment in timeline.segments:
            if segment.speaker == tag:
                inside[-(-segment.start_ms // step) : segment.end_ms // step] = True
        result[tag] = round(gated_loudness(sub_blocks[inside]), 1)
    return result


def _mp3_duration_ms(path: Path) -> int:
    from mutagen.mp3 import MP3

    return round(float(MP3(path).info.length) * 1000)


def _inputs_digest(episode: Episode, keys: list[str], pacing: Pacing, cover: str, bitrate: int) -> str:
    material = {
        "record": _RECORD_VERSION,
        "tool": __version__,
        "ffmpeg": ffmpeg_version(),
        "metadata": asdict(episode.metadata),
        "speakers": [(s.tag, s.name, s.role) for s in episode.speakers],
        "chapters": [
            (
                c.title,
                [
                    (i.speaker, i.text, i.new_paragraph) if isinstance(i, Segment) else i.ms
                    for i in c.items
                    if not isinstance(i, Comment)
                ],
            )
            for c in episode.chapters
        ],
        "keys": keys,
        "pacing": asdict(pacing),
        "cover": cover,
        "bitrate": bitrate,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _read_record(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("version") == _RECORD_VERSION else {}


def _file_digest(path: Path) -> str | None:
    """SHA-256 of a file, read 1 MB at a time (a 2-hour MP3 is 90 MB)."""
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def read_timeline(path: Path) -> Timeline:
    return Timeline.from_json(path.read_text(encoding="utf-8"))


def listener_package_state(
    out_dir: Path, built: list[tuple[Episode, BuildReport]], base_url: str | None
) -> tuple[Path, str]:
    """Where the listener package's record lives, and what it must say for the package to be current:
    a digest of everything the package is made from (timelines, MP3 sizes, metadata, cover, base URL)."""
    material = {
        "tool": __version__,
        "base_url": base_url,
        "episodes": [
            {
                "name": report.mp3.stem,
                "timeline": _file_digest(report.timeline_path),
                "mp3": _file_digest(report.mp3),
                "metadata": asdict(episode.metadata),
                "speakers": [(s.tag, s.name, s.role) for s in episode.speakers],
                "cover": cover_identity(episode),
            }
            for episode, report in built
        ],
    }
    return out_dir / ".listener.json", json.dumps(material, sort_keys=True, ensure_ascii=False)


def listener_files(out_dir: Path, built: list[tuple[Episode, BuildReport]]) -> list[Path]:
    """The files the listener package consists of."""
    names = ["index.html", "feed.xml", "player.css", "player.js"]
    for _, report in built:
        stem = report.mp3.stem
        names += [f"{stem}.jpg", f"{stem}.chapters.json", f"{stem}.vtt", f"{stem}.srt", f"{stem}.html"]
    return [out_dir / name for name in names]
