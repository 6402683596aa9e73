"""``build`` and ``verify``: the episode, and listening to it."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..audio import DEFAULT_BITRATE
from ..audio.timeline import clock
from ..errors import InputError, ShalketError
from ..lock import DEFAULT_WAIT_S, output_lock
from ..script import Episode, load_script
from ..voices.defaults import DEFAULT_PROFILE

if TYPE_CHECKING:
    from ..build import BuildReport
    from ..synth import ClipCache
    from ..verify.check import VerifyReport
    from ..voices import Registry

from . import replay
from .base import (
    CacheDirOption,
    JobsOption,
    VoicesOption,
    app,
    default_scripts,
    handles_errors,
    with_count_progress,
    with_progress,
)


@app.command("build")
@handles_errors
def build_command(
    ctx: typer.Context,
    scripts: Annotated[
        list[Path] | None, typer.Argument(help="Scripts to build (default: every script in script/).")
    ] = None,
    voices: VoicesOption = DEFAULT_PROFILE,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the episodes and their companion files.")] = Path(
        "output"
    ),
    jobs: JobsOption = None,
    force: Annotated[bool, typer.Option("--force", help="Synthesize and encode everything again.")] = False,
    bitrate: Annotated[
        int, typer.Option("--bitrate", min=32, max=320, help="MP3 bitrate in kbps (CBR).")
    ] = DEFAULT_BITRATE,
    cache_dir: CacheDirOption = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="Where OUT will be served (e.g. https://example.com/podcast/): makes every URL in the feed absolute.",
        ),
    ] = None,
    wait: Annotated[
        float, typer.Option("--wait", min=0, help="Seconds to wait for another build writing the same OUT folder.")
    ] = DEFAULT_WAIT_S,
    verify: Annotated[
        bool, typer.Option("--verify", help="Then hear every clip back and report what to check (see `verify`).")
    ] = False,
    watch: Annotated[
        bool,
        typer.Option(
            "--watch",
            help="Keep the voices warm and build again on each save of the scripts, their covers or show.yaml.",
        ),
    ] = False,
) -> None:
    """Build finished episodes and what listeners download with them.

    For each script: OUT/NAME.mp3 (loudness-normalized, tagged, with chapters),
    NAME.timeline.json, NAME.chapters.json, NAME.vtt, NAME.srt, NAME.json (transcripts),
    NAME.jpg and NAME.html.  OUT is a show: it keeps every episode built into it, and
    feed.xml and index.html list them all, newest first (`remove` takes one out).  The
    show's metadata comes from show.yaml beside the scripts, or the first episode's
    front matter.  Only what changed is synthesized; with nothing changed, nothing is
    encoded either.

    Examples:

      shalket-audio build

      shalket-audio build --base-url https://example.com/podcast/

      shalket-audio build script/shal-ket.md --voices google --out public --bitrate 128

      shalket-audio build --watch   # edit, save, hear it: rebuilt in about a second
    """
    # Long only for its option declarations and help text: the work is build_episode's and publish_built's.
    if base_url is not None and not re.match(r"https?://[^/\s]+", base_url):
        raise InputError(
            f"--base-url {base_url!r} is not an http(s) URL", fix="give it as https://example.com/podcast/"
        )
    if base_url is not None and not base_url.endswith("/"):
        base_url += "/"
    if verify:  # fail before building, not after the MP3 is written with no feed or page
        from ..verify import require_extra

        require_extra()
    # One build per output folder, held until the command ends (a watch holds it while it runs): a second one
    # waits (saying for whom).
    ctx.with_resource(output_lock(out, wait_s=wait, on_wait=lambda message: typer.echo(f"note: {message}", err=True)))
    replay.forget(out)
    paths = default_scripts(scripts)
    settings = _Settings(out, voices, jobs, bitrate, cache_dir, base_url, verify)
    if not watch:
        before: dict[str, str] = {}

        def read(episodes: list[Episode]) -> None:
            with contextlib.suppress(ShalketError, OSError):  # unreadable: no record this time
                before.update(replay.input_state(*_inputs(episodes, out, from_folder=not scripts)))

        episodes, unchanged = _build_all(paths, settings, force, on_read=None if verify else read)
        if before:
            try:
                after = replay.input_state(*_inputs(episodes, out, from_folder=not scripts))
            except (ShalketError, OSError):
                return  # the build is done; without a record the next one simply runs in full
            # Nothing read was saved again while the build ran (what only the build's end names, a new show's
            # image, say, is as it was read then).
            if all(after.get(key) == value for key, value in before.items()):
                replay.remember(out, after, unchanged)
        return
    from ..build.watch import watch_builds
    from ..synth import ClipCache
    from ..voices import default_registry

    registry = default_registry()  # one for the whole watch, so its engines' workers stay warm
    cache = ClipCache(cache_dir)  # and one clip cache: each clip is looked up and checked once, not per save
    forced = [force]  # --force applies to the first build only

    warmed: list[bool] = []  # after the first good build, the engines are started for the first edit

    def rebuild() -> None:
        episodes, _ = _build_all(paths, settings, forced.pop() if forced else False, registry, cache)
        if not warmed:
            from ..build.watch import read_clips, warm_up
            from ..synth import cast

            warmed.append(True)
            warm_up(
                ((c.engine, c.voice) for e in episodes for c in cast(e, settings.voices, registry).values()),
                also=lambda: read_clips(episodes, settings.voices, registry, cache, out),
            )

    def ready(files: set[Path]) -> None:
        typer.echo(f"watching {len(files)} files for changes (Ctrl-C to stop)…")

    watch_builds(paths, rebuild, lambda exc: typer.echo(f"error: {exc}", err=True), registry, on_ready=ready)


@dataclass(frozen=True)
class _Settings:
    out: Path
    voices: str
    jobs: int | None
    bitrate: int
    cache_dir: Path | None
    base_url: str | None
    verify: bool


def _build_all(
    paths: list[Path],
    settings: _Settings,
    force: bool,
    registry: Registry | None = None,
    cache: ClipCache | None = None,
    on_read: Callable[[list[Episode]], None] | None = None,
) -> tuple[list[Episode], list[tuple[str, str]]]:
    """Every script built and then published together; with ``registry`` (a watch), engines stay warm, and
    ``cache`` keeps what it has checked; ``on_read`` hears of the episodes once read, before any is built.
    The episodes built, and what the same command prints (("out" or "err", line), in order) when run again
    with nothing changed."""
    from ..build import build_episode, check_names, publish_built
    from ..synth import ClipCache

    cache = cache or ClipCache(settings.cache_dir)

    out = settings.out
    built = []
    # Every script is read, and every name checked against the others and the show, before anything is built.
    episodes = check_names(out, [load_script(path) for path in paths])
    if on_read is not None:
        on_read(list(episodes))
    for episode in episodes:
        report = with_progress(
            episode,
            lambda show, stage, episode=episode: build_episode(
                episode,
                out,
                profile=settings.voices,
                jobs=settings.jobs,
                force=force,
                bitrate=settings.bitrate,
                cache=cache,
                registry=registry,
                on_progress=show,
                on_stage=stage,
                publish=False,  # all of this command's episodes are published together, below
                release_engines=registry is None,
            ),
        )
        _echo(_summary(report, settings.bitrate))
        if settings.verify:
            _verify_line(episode, out, settings.voices, settings.cache_dir)
        built.append((episode, report))
    published = publish_built(out, built, settings.base_url)
    _echo(_published(out, settings.base_url, None if published.up_to_date else len(published.files)))
    unchanged: list[tuple[str, str]] = []
    for _, report in built:
        nothing = replace(report, up_to_date=True, cache_hits=report.clips, synthesized=0, encodes=0, elapsed=0.0)
        unchanged += _summary(nothing, settings.bitrate)
    return [episode for episode, _ in built], unchanged + _published(out, settings.base_url, None)


def _echo(lines: list[tuple[str, str]]) -> None:
    for stream, line in lines:
        typer.echo(line, err=stream == "err")


def _published(out: Path, base_url: str | None, files: int | None) -> list[tuple[str, str]]:
    """What publishing printed: ``files`` written, or None when the listener files were up to date."""
    if files is None:
        lines = [f"listener files in {out}/ are up to date"]
    else:
        lines = [f"published {files} files for listeners in {out}/ (index.html, feed.xml, chapters, transcripts)"]
    if base_url is None:
        lines.append("  the feed's URLs are relative: pass --base-url https://… (where OUT is served) to publish it")
    return [("out", line) for line in lines]


def _summary(report: BuildReport, bitrate: int) -> list[tuple[str, str]]:
    """An episode's lines after its build: its notices (stderr), then its summary (stdout)."""
    loud = report.loudness
    voices_line = ", ".join(f"{tag} {value:.1f}" for tag, value in report.voice_lufs.items())
    work = (
        "no synthesis or encoding"
        if report.up_to_date
        else (f"{report.synthesized} clips synthesized, {report.encodes} of {report.parts} parts encoded")
    )
    lines = [
        f"{report.mp3}: {'up to date, nothing to do' if report.up_to_date else 'built'}",
        f"  duration {clock(report.duration_ms)}, {report.chapters} chapters, "
        f"{report.size_bytes / 1e6:.1f} MB ({bitrate} kbps CBR)",
        f"  loudness {loud.integrated_lufs:.1f} LUFS, true peak {loud.true_peak_dbtp:.1f} dBTP "
        f"(measured on the MP3); voices {voices_line} LUFS",
        f"  {report.elapsed:.1f}s: {report.cache_hits}/{report.clips} clips from the cache, {work}",
    ]
    return [("err", f"notice: {notice}") for notice in report.notices] + [("out", line) for line in lines]


def _inputs(episodes: list[Episode], out: Path, from_folder: bool) -> tuple[set[Path], set[Path]]:
    """What a build of ``episodes`` into ``out`` reads besides the engines and OUT itself, by content: each
    script, the show file beside it and the voice files it names; every show episode's cover; the show's
    file and image.  By stat: the folder the scripts were found in, when they were (a new script there is
    built too)."""
    from ..build.show import SHOW_FILE, show_episodes, show_metadata
    from ..publish.package import show_image
    from ..voices import VoiceRef

    listed = show_episodes(out)
    files: set[Path] = set()
    for episode in episodes:
        assert episode.path is not None
        files |= {episode.path, episode.path.parent / SHOW_FILE}
        for speaker in episode.speakers:
            for spec in (spec for specs in speaker.voices.values() for spec in specs):
                voice = VoiceRef.parse(spec)
                for named in (voice.voice, *(o.partition("=")[2] for o in voice.options)):
                    if "/" in named or named.startswith("~"):  # a file of the producer's own
                        path = Path(named).expanduser()
                        files |= {path, path.with_name(path.name + ".json")}  # Piper's config beside its model
    for episode in [*episodes, *(e.episode for e in listed)]:
        if episode.metadata.cover and episode.path is not None:
            files.add(episode.path.parent / episode.metadata.cover)
    with contextlib.suppress(InputError):  # before a new show's first build: no show yet
        show = show_metadata(out, listed)
        files |= {path for path in (show.path, show_image(show)) if path is not None}
    return files, {Path("script")} if from_folder else set()


def _verify_line(episode: Episode, out: Path, profile: str, cache_dir: Path | None) -> None:
    from ..build import verify_built
    from ..synth import ClipCache
    from ..verify.report import summary_line

    checked = with_count_progress(
        "listening",
        lambda show: verify_built(episode, out, profile=profile, cache=ClipCache(cache_dir), on_progress=show),
    )
    flagged = ", ".join(f"{c.line}" for c in checked.to_check)
    label = "line" if len(checked.to_check) == 1 else "lines"
    where = f" ({label} {flagged}; details: shalket-audio verify {episode.path})" if flagged else ""
    typer.echo(f"  {summary_line(checked)}{where}")


@app.command("verify")
@handles_errors
def verify_command(
    ctx: typer.Context,
    scripts: Annotated[
        list[Path] | None, typer.Argument(help="Scripts whose episodes to check (default: script/*.md).")
    ] = None,
    voices: VoicesOption = DEFAULT_PROFILE,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder of the built episodes.")] = Path("output"),
    fix: Annotated[
        bool,
        typer.Option(
            "--fix", help="Retake each flagged clip once (other chunking or the next voice); keep the better."
        ),
    ] = False,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows in the table besides the clips to check.")] = 15,
    cache_dir: CacheDirOption = None,
) -> None:
    """Hear every clip of the built episodes and report what was garbled, cut short or dropped.

    Each clip is transcribed offline (Whisper tiny.en) and aligned with the
    text it was given (after the lexicon and number expansion).  The table
    lists the worst clips first; OUT/NAME.verify.json has every clip.
    Transcripts are cached per clip, so after an edit only the new clip is heard.

    Examples:

      shalket-audio verify

      shalket-audio verify script/shal-ket.md --fix
    """
    from ..build import verify_built
    from ..synth import ClipCache
    from ..verify.report import terminal_lines, verify_path

    # verify writes NAME.verify.json and, after a kept retake, drops the build record: not while a build runs.
    ctx.with_resource(output_lock(out, on_wait=lambda message: typer.echo(f"note: {message}", err=True)))
    for path in default_scripts(scripts):
        episode = load_script(path)
        cache = ClipCache(cache_dir)

        def check(
            show: Callable[[int, int], None], episode: Episode = episode, cache: ClipCache = cache
        ) -> VerifyReport:
            return verify_built(episode, out, profile=voices, cache=cache, fix=fix, on_progress=show)

        report = with_count_progress("listening", check)
        for line in terminal_lines(report, top):
            typer.echo(line)
        typer.echo(f"wrote {verify_path(path, out)}")
        if any("kept rechunked" in f or "kept fallback" in f for f in report.fixes):
            typer.echo("next: run `shalket-audio build` to put the kept takes into the episode")
