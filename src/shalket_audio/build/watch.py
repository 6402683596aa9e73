"""``build --watch``: the producer's loop.  Build, then wait for a save of the script (its lexicon is in its
front matter), its cover or the show's ``show.yaml``, and build again, with the engine workers kept warm in
between so an edit pays for its new clips and no start-up.

A bad edit is reported (file, line, fix) and the loop waits for the next save: builds write through
temporary files, so the last good episode stays in place.  Ctrl-C stops at once (``KeyboardInterrupt``
unwinds the build; every engine worker is killed).  On any other exit the workers are released gently.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ShalketError, from_os_error
from ..script import Episode, load_script
from ..voices import Engine, Registry, VoiceRef
from .show import SHOW_FILE

if TYPE_CHECKING:
    from ..synth import ClipCache

#: Milliseconds without a further change before a burst of writes (an editor's save) counts as one save.
SETTLE_MS = 30
#: How often (ms) the watcher wakes with nothing changed: its first wake-up says it is in place.
TICK_MS = 200


def watched_files(scripts: Iterable[Path]) -> set[Path]:
    """What the episodes are made from, besides the engines: each script, its cover and the show's file."""
    files: set[Path] = set()
    for script in scripts:
        files.add(script.resolve())
        files.add((script.parent / SHOW_FILE).resolve())
        try:
            cover = load_script(script).metadata.cover
        except (ShalketError, OSError):
            continue  # a bad edit: the build reports it, and the script itself is still watched
        if cover:
            files.add((script.parent / cover).resolve())
    return files


def watch_builds(
    scripts: list[Path],
    rebuild: Callable[[], None],
    on_error: Callable[[ShalketError], None],
    registry: Registry,
    *,
    on_ready: Callable[[set[Path]], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """``rebuild`` now and after every save of a watched file, until Ctrl-C (``KeyboardInterrupt``) or
    ``stop`` is set.  A rebuild's foreseeable failure goes to ``on_error`` and the watch goes on;
    ``on_ready`` hears, after each round, which files are being watched.  ``registry``: the engines the
    rebuilds use (they keep their workers warm); they are released when the watch ends."""
    from watchfiles import watch

    from ..voices.workers import kill_all_workers

    try:
        built = _attempt(rebuild, on_error, watched_files(scripts))
        while stop is None or not stop.is_set():
            files = watched_files(scripts)
            # Folders, not files: an editor that saves by renaming a new file over the old one would end a
            # watch on the file itself.
            folders = sorted({f.parent for f in files if f.parent.is_dir()})
            ready = False
            for changes in watch(
                *folders,
                watch_filter=_only(files),
                step=SETTLE_MS,
                rust_timeout=TICK_MS,
                yield_on_timeout=True,  # the first (empty) yield says the watcher is in place
                stop_event=stop,
                raise_interrupt=True,
            ):
                if not changes and ready:
                    continue
                if not changes:
                    ready = True
                    if _signature(files) == built:  # else a save came before the watcher: build it now
                        if on_ready is not None:
                            on_ready(files)
                        continue
                built = _attempt(rebuild, on_error, files)
                if watched_files(scripts) != files:
                    break  # a new cover, say: watch the new set
                if on_ready is not None:
                    on_ready(files)
            else:
                return  # stopped
    except KeyboardInterrupt:
        kill_all_workers()
        raise
    finally:
        for name in registry.names():
            registry.engine(name).release()


def warm_up(voices: Iterable[tuple[Engine, VoiceRef]], also: Callable[[], None] | None = None) -> None:
    """Start the engines' workers now with a throwaway line, all at once, and wait for them: the first
    edit's new clip should not pay for an engine's start-up (Kokoro: about 2 s) when the first build needed no
    synthesis.  Only local engines that keep something warm (workers, a model) are started; a failure is left
    for the real synthesis to report.  ``also`` runs beside them (``read_clips``)."""
    chosen = {
        (engine.name, str(voice)): (engine, voice)
        for engine, voice in voices
        if not engine.needs_network and type(engine).release is not Engine.release
    }

    def run(engine: Engine, voice: VoiceRef) -> None:
        with contextlib.suppress(Exception):
            engine.expect(1)  # most saves need one new clip: warm what a lone request uses
            engine.synthesize(WARM_UP_TEXT, voice)

    threads = [threading.Thread(target=run, args=pair, daemon=True) for pair in chosen.values()]
    threads.append(threading.Thread(target=_preload, daemon=True))
    if also is not None:
        threads.append(threading.Thread(target=also, daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()  # Ctrl-C still interrupts this wait: the workers are then killed


def read_clips(episodes: Iterable[Episode], profile: str, registry: Registry, cache: ClipCache, out_dir: Path) -> None:
    """What the first edit's build reads and a no-op build does not: each cached clip looked up and checked,
    its analyses loaded, and the episode's encoded parts read (all kept for the process), so the first edit
    is as quick as the next."""
    from ..audio.clips import read_analyses
    from ..audio.master import read_parts
    from ..audio.timeline import Pacing
    from ..synth import cast, plan_episode
    from .record import parts_folder

    with contextlib.suppress(Exception):  # only a head start: a problem here is the next build's to report
        for episode in episodes:
            pacing = Pacing.from_episode(episode)
            for chunks in plan_episode(episode, cast(episode, profile, registry)).chunks:
                for chunk in chunks:
                    clip = cache.get(chunk.casting.engine.name, chunk.key)
                    if clip is not None:
                        read_analyses(clip, pacing, cache.prepared)
            if episode.path is not None:
                read_parts(parts_folder(episode.path, out_dir))


def _preload() -> None:
    """What an edit's build uses and a no-op build never loads (the resampler, the encoder, the tags, the
    listener files): loaded now, not on the first save."""
    import importlib

    for module in ("mutagen.mp3", "soxr"):
        importlib.import_module(module)
    from ..audio import assemble, clips, concat, cover, master, tags  # noqa: F401
    from ..publish import chapters, feed, package, page, transcripts  # noqa: F401


#: What a warm-up says (to no one).
WARM_UP_TEXT = "Ready."


def _only(files: set[Path]) -> Callable[[object, str], bool]:
    def keep(_change: object, path: str) -> bool:
        return Path(path).resolve() in files

    return keep


def _attempt(
    rebuild: Callable[[], None], on_error: Callable[[ShalketError], None], files: set[Path]
) -> dict[Path, tuple[int, int] | None]:
    """One rebuild; the watched files' signature it started from."""
    signature = _signature(files)
    try:
        rebuild()
    except ShalketError as exc:
        on_error(exc)
    except OSError as exc:
        on_error(from_os_error(exc))
    return signature


def _signature(files: set[Path]) -> dict[Path, tuple[int, int] | None]:
    """Each file's modification time and size (None: missing), to tell a save the watcher did not see."""
    result: dict[Path, tuple[int, int] | None] = {}
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            result[path] = None
        else:
            result[path] = (stat.st_mtime_ns, stat.st_size)
    return result
