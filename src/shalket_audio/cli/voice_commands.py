"""``voices``, ``synth``, ``say`` and ``cache``: voices and clips."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..audio.timeline import clock
from ..errors import InputError, ShalketError
from ..script import Episode, load_script
from ..voices import VoiceRef
from ..voices.defaults import DEFAULT_PROFILE

if TYPE_CHECKING:
    from ..synth import SynthesisResult

from .base import (
    CacheDirOption,
    JobsOption,
    VoicesOption,
    app,
    default_scripts,
    handles_errors,
    with_progress,
)


@app.command("voices")
@handles_errors
def voices_command(
    scripts: Annotated[
        list[Path] | None, typer.Argument(help="Scripts whose casting to show (default: script/*.md).")
    ] = None,
) -> None:
    """List the engines and their voices, and the voice each speaker gets under each profile.

    Examples:

      shalket-audio voices

      shalket-audio voices script/shal-ket.md
    """
    from ..synth.casting import cast_speaker, choices, profiles
    from ..voices import default_registry

    registry = default_registry()
    typer.echo("Engines")
    for name in registry.names():
        engine = registry.engine(name)
        availability = engine.available()
        if availability:  # the engine's usual voice too: Kokoro's model can be missing or damaged
            availability = engine.available(VoiceRef(engine.name, engine.default_voice))
        status = "available" if availability else f"unavailable: {availability.reason}"
        if availability and engine.needs_network:
            status += " (needs the internet: this machine may not reach it; never used unless chosen)"
        typer.echo(f"  {name:<7} {status}")
        if not availability and availability.install:
            typer.echo(f"          install: {availability.install}")
        if availability:
            typer.echo(f"          version: {engine.fingerprint(VoiceRef(engine.name, engine.default_voice))}")
            typer.echo(f"          voices: {', '.join(engine.voices())}")
    for path in default_scripts(scripts):
        episode = load_script(path)
        typer.echo("")
        typer.echo(f"Casting for {path}")
        for profile in profiles(episode):
            typer.echo(f"  profile {profile}:")
            for speaker in episode.speakers:
                listed = ", ".join(choices(speaker, profile)) or "none"
                try:
                    casting = cast_speaker(speaker, profile, registry)
                except ShalketError as exc:
                    typer.echo(f"    {speaker.tag:<12} unavailable ({listed}): {exc.message}")
                    continue
                typer.echo(f"    {speaker.tag:<12} {casting.voice}   (choices: {listed})")
                notice = casting.notice()
                if notice:
                    typer.echo(f"    {'':<12} note: {notice}")


@app.command("synth")
@handles_errors
def synth_command(
    scripts: Annotated[list[Path] | None, typer.Argument(help="Scripts to synthesize (default: script/*.md).")] = None,
    voices: VoicesOption = DEFAULT_PROFILE,
    jobs: JobsOption = None,
    force: Annotated[bool, typer.Option("--force", help="Ignore the cache and synthesize everything again.")] = False,
    cache_dir: CacheDirOption = None,
) -> None:
    """Synthesize every segment of the scripts into cached clips, one voice per speaker.

    Only segments whose prepared text, voice or engine changed are synthesized;
    the rest come from the cache.

    Examples:

      shalket-audio synth

      shalket-audio synth script/shal-ket.md --voices google --jobs 2
    """
    for path in default_scripts(scripts):
        episode = load_script(path)
        result = _synthesize(episode, voices, jobs, force, cache_dir)
        speech = sum(clip.duration_ms for segment in result.segments for clip in segment.clips) / 1000
        typer.echo(
            f"{path}: {len(result.segments)} segments, {result.chunks} clips ({clock(speech * 1000)} of speech): "
            f"{result.hits} from the cache, {result.synthesized} synthesized in {result.elapsed:.1f}s"
        )
        if result.corrupt:
            typer.echo(f"  {result.corrupt} damaged cache entries were synthesized again")
        if not result.synthesized:
            typer.echo("  nothing changed: no synthesis needed")


def _synthesize(
    episode: Episode, profile: str, jobs: int | None, force: bool, cache_dir: Path | None
) -> SynthesisResult:
    from ..synth import ClipCache, cast, synthesize_episode
    from ..voices import default_registry

    castings = cast(episode, profile, default_registry())
    for tag, casting in castings.items():
        typer.echo(f"  {tag}: {casting.voice}")
        notice = casting.notice()
        if notice:
            typer.echo(f"  notice: {notice}", err=True)
    cache = ClipCache(cache_dir)
    return with_progress(
        episode,
        lambda show, stage: synthesize_episode(episode, castings, cache, jobs=jobs, force=force, on_progress=show),
        "synthesizing",
    )


@app.command("say")
@handles_errors
def say_command(
    words: Annotated[
        list[str] | None,
        typer.Argument(metavar="[SCRIPT] [TEXT]", help="A script (default: the one in script/), then the text to say."),
    ] = None,
    speaker: Annotated[str | None, typer.Option("--speaker", "-s", help="Whose voice (a speaker tag).")] = None,
    line: Annotated[int | None, typer.Option("--line", "-l", min=1, help="Say the segment on this line.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the WAV.")] = Path("output/say.wav"),
    play: Annotated[bool, typer.Option("--play", help="Also play it (ffplay, paplay or aplay).")] = False,
    voices: VoicesOption = DEFAULT_PROFILE,
    cache_dir: CacheDirOption = None,
    watch: Annotated[
        bool, typer.Option("--watch", help="Keep the voice warm and say it again on each save of the script.")
    ] = False,
) -> None:
    """Hear any text, or any line of a script, in a speaker's voice, without building.

    The script's lexicon applies (respellings, and phonemes for Piper and
    Kokoro), and the clip is cached like the build's: tune a name in the
    lexicon, then say it again.

    Examples:

      shalket-audio say --speaker zhanar "Sekerbeyeva"

      shalket-audio say script/shal-ket.md --line 88 --play

      shalket-audio say --speaker interviewer "Almaty, January 2022" -o almaty.wav

      shalket-audio say --watch script/shal-ket.md --line 88 --play   # edit the line or the lexicon, save, hear
    """
    from ..audio.say import play as play_file
    from ..audio.say import say
    from ..synth import ClipCache
    from ..voices import default_registry

    given = list(words or [])
    script = Path(given.pop(0)) if given and given[0].endswith(".md") else None
    if script is None:
        found = default_scripts(None)
        if len(found) > 1:
            raise InputError(
                f"{len(found)} scripts in script/: say which", fix=f"write e.g. say {found[0]} --speaker ... TEXT"
            )
        script = found[0]
    if line is None and not given:
        raise InputError("nothing to say", fix='give a text (say --speaker zhanar "Sekerbeyeva") or --line N')
    registry = default_registry()
    text = " ".join(given) or None

    warmed: list[bool] = []

    def take_once() -> None:
        take = say(
            load_script(script),
            registry=registry,
            cache=ClipCache(cache_dir),
            out=out,
            profile=voices,
            speaker=speaker,
            text=text,
            line=line,
            release_engine=not watch,
        )
        if take.notice:
            typer.echo(f"notice: {take.notice}", err=True)
        done = (
            "from the cache" if not take.synthesized else f"{take.synthesized} of {len(take.chunks)} clips synthesized"
        )
        typer.echo(
            f"{take.path}: {take.speaker} ({take.voice}), {take.duration_ms / 1000:.1f}s, {done} in {take.seconds:.1f}s"
        )
        for chunk in take.chunks:
            typer.echo(f"  said: {chunk}")
        if watch and not warmed:
            from ..build.watch import warm_up

            warmed.append(True)
            warm_up([registry.resolve(take.voice)])
        if play:
            typer.echo(f"  played with {play_file(take.path)}")

    if not watch:
        take_once()
        return
    from ..build.watch import watch_builds

    def ready(files: set[Path]) -> None:
        typer.echo(f"watching {len(files)} files for changes (Ctrl-C to stop)…")

    watch_builds([script], take_once, lambda exc: typer.echo(f"error: {exc}", err=True), registry, on_ready=ready)


cache_app = typer.Typer(help="Inspect or clear the clip cache.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


@cache_app.command("info")
@handles_errors
def cache_info_command(cache_dir: CacheDirOption = None) -> None:
    """Show where the clip cache is and what it holds.

    Examples:

      shalket-audio cache info

      SHALKET_CACHE_DIR=/tmp/clips shalket-audio cache info
    """
    from ..synth import ClipCache

    info = ClipCache(cache_dir).info()
    typer.echo(f"cache: {info.root}")
    typer.echo(f"  {info.entries} clips, {info.bytes / 1e6:.1f} MB")
    for engine, count in sorted(info.by_engine.items()):
        typer.echo(f"  {engine}: {count} clips")


@cache_app.command("clear")
@handles_errors
def cache_clear_command(cache_dir: CacheDirOption = None) -> None:
    """Delete every cached clip (the next build synthesizes everything).

    Examples:

      shalket-audio cache clear
    """
    from ..synth import ClipCache

    info = ClipCache(cache_dir).clear()
    typer.echo(f"cleared {info.entries} clips ({info.bytes / 1e6:.1f} MB) from {info.root}")
