"""The command line: a thin typer layer over the library.

Only this module prints.  Library errors are translated here, once: input
problems exit with 2, runtime failures with 1, and neither shows a traceback.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import typer

from . import __version__
from .errors import InputError, ShalketError
from .script import Episode, load_script, serialize_script

if TYPE_CHECKING:
    from .synth import Progress as SynthProgress
    from .synth import SynthesisResult
    from .verify.check import VerifyReport
    from .voices import VoiceRef

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    name="shalket-audio",
    help=(
        "Turn a magazine interview into a podcast episode.\n\n"
        "Examples:\n\n"
        "  shalket-audio script script/shal-ket.article.txt   # article -> editable script/shal-ket.md\n\n"
        "  shalket-audio check script/shal-ket.md             # validate and summarise a script\n\n"
        "  shalket-audio check script/shal-ket.md --json      # the parsed episode as JSON\n\n"
        "  shalket-audio voices script/shal-ket.md            # engines, voices and who gets which\n\n"
        "  shalket-audio synth                                # synthesize every script in script/\n\n"
        '  shalket-audio say --speaker zhanar "Sekerbeyeva"   # hear a name in a voice, no build\n\n'
        "  shalket-audio cache info                           # where clips are cached, and how many"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _fail(message: str, code: int) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn library errors into a message and an exit code; keep tracebacks for real bugs."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except ShalketError as exc:
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted; nothing half-written was left behind", 130)
        raise AssertionError("unreachable")

    return wrapper


def _version(value: bool) -> None:
    if value:
        typer.echo(f"shalket-audio {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Turn a magazine interview into a podcast episode."""


@app.command("script")
@handles_errors
def script_command(
    article: Annotated[Path, typer.Argument(help="The article as plain text (paragraphs separated by blank lines).")],
    out: Annotated[
        Path | None,
        typer.Option(
            "-o", "--out", help="Where to write the script; '-' prints it. Default: next to the article, as NAME.md."
        ),
    ] = None,
    interviewer: Annotated[
        str | None, typer.Option(help="The interviewer's full name (default: from the byline).")
    ] = None,
    interviewee: Annotated[
        str | None, typer.Option(help="The interviewee's full name (default: found in the text).")
    ] = None,
    show: Annotated[
        str | None, typer.Option(help="The show's name for the metadata (default: the interviewer's name).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing script (it may hold a producer's edits).")
    ] = False,
) -> None:
    """Convert an article into a chaptered, speaker-tagged narration script.

    The interviewer narrates; the interviewee speaks her own words (quotes,
    or Q&A answers), and other quoted people and bodies get a third voice.
    Attributions the rules were unsure of are listed and written into the
    script as <!-- review: ... --> comments. Chapters get provisional titles:
    edit them, and add a pronunciation lexicon, before you build.

    Examples:

      shalket-audio script script/shal-ket.article.txt

      shalket-audio script article.txt -o - --interviewee "Zhanar Sekerbeyeva"
    """
    from .article import convert_file
    from .article.report import review_lines, summary_lines

    conversion = convert_file(article, interviewer=interviewer, interviewee=interviewee, show=show)
    text = serialize_script(conversion.episode)
    to_stdout = out is not None and str(out) == "-"
    target = (
        Path("-")
        if to_stdout
        else out or article.with_name(article.name.removesuffix(".txt").removesuffix(".article") + ".md")
    )
    if not to_stdout and target.exists() and not force:
        raise InputError(
            f"{target} already exists and may hold a producer's edits",
            fix="choose another file with -o, or pass --force to overwrite it",
        )
    for notice in conversion.notices:
        typer.echo(f"notice: {notice}", err=True)
    review = review_lines(text, "<stdout>" if to_stdout else str(target))
    if to_stdout:
        sys.stdout.write(text)
        for line in review:
            typer.echo(line, err=True)
        return
    from .fileio import atomic_write_text

    atomic_write_text(target, text)
    typer.echo(f"wrote {target}")
    for line in summary_lines(conversion):
        typer.echo(f"  {line}")
    typer.echo(f"  {_totals(conversion.episode)}")
    if conversion.dropped:
        typer.echo("  dropped page boilerplate: " + ", ".join(repr(d) for d in conversion.dropped))
    if review:
        typer.echo(f"review: {len(review)} attributions to check (written as <!-- review: … --> comments):")
        for line in review:
            typer.echo(f"  {line}")
    typer.echo(f"next: edit the chapter titles and lexicon in {target}, then run `shalket-audio check {target}`")


@app.command("check")
@handles_errors
def check_command(
    script: Annotated[Path, typer.Argument(help="A narration script (.md).")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the parsed episode as JSON (schema in the README).")
    ] = False,
) -> None:
    """Validate a script and summarise its chapters and speakers.

    Examples:

      shalket-audio check script/shal-ket.md

      shalket-audio check script/shal-ket.md --json | jq '.chapters[].title'
    """
    from .script import episode_to_json

    episode = load_script(script)
    if as_json:
        typer.echo(json.dumps(episode_to_json(episode), ensure_ascii=False, indent=2))
        return
    typer.echo(f"{script}: OK")
    typer.echo(f"{episode.metadata.title}")
    if episode.metadata.author:
        typer.echo(f"by {episode.metadata.author}")
    typer.echo("")
    width = max(len(c.title) for c in episode.chapters)
    width = min(max(width, 7), 48)
    typer.echo(f"  #  {'Chapter':<{width}}  Segments  Words   Est.")
    for number, chapter in enumerate(episode.chapters, start=1):
        title = chapter.title if len(chapter.title) <= width else chapter.title[: width - 1] + "…"
        counts = f"{len(chapter.segments):>8}  {chapter.words:>5}  {_clock(chapter.estimated_seconds):>5}"
        typer.echo(f"{number:>3}  {title:<{width}}  {counts}")
    typer.echo("")
    typer.echo("  Speaker      Name                       Role   Segments  Words")
    for speaker in episode.speakers:
        segments = [s for s in episode.segments if s.speaker == speaker.tag]
        words = sum(s.words for s in segments)
        typer.echo(f"  {speaker.tag:<11}  {speaker.name:<25}  {speaker.role:<5}  {len(segments):>8}  {words:>5}")
    typer.echo("")
    typer.echo(_totals(episode))
    if episode.lexicon:
        typer.echo(f"lexicon: {len(episode.lexicon)} entries")
    from .article.review import review_notes

    notes = len(review_notes(episode))
    if notes:
        typer.echo(f"review: {notes} notes left to check (<!-- review: … --> comments; delete each once checked)")


def _totals(episode: Episode) -> str:
    return (
        f"{len(episode.chapters)} chapters, {len(episode.segments)} segments, {episode.words} words, "
        f"about {_clock(episode.estimated_seconds)} of speech (estimated)"
    )


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def main() -> None:
    app()


# --------------------------------------------------------------------------- voices, synthesis, cache

CacheDirOption = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        envvar="SHALKET_CACHE_DIR",
        help="Clip cache folder (default: the user cache folder, e.g. ~/.cache/shalket-audio).",
        show_envvar=True,
    ),
]
VoicesOption = Annotated[
    str, typer.Option("--voices", help="Voice profile from the scripts' front matter: 'local' (offline) or 'google'.")
]
JobsOption = Annotated[
    int | None,
    typer.Option(
        "--jobs", "-j", min=1, help="Synthesis calls at once (default: the number of cores; each engine caps it)."
    ),
]


def _scripts(paths: list[Path] | None) -> list[Path]:
    if paths:
        return paths
    found = sorted(Path("script").glob("*.md"))
    if not found:
        raise InputError(
            "no scripts given and none found in script/",
            fix="name a script (for example script/shal-ket.md) or run from the project folder",
        )
    return found


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
    from .casting import cast_speaker, choices, profiles
    from .voices import default_registry

    registry = default_registry()
    typer.echo("Engines")
    for name in registry.names():
        engine = registry.engine(name)
        availability = engine.available()
        if availability:  # the engine's usual voice too: Kokoro's model can be missing or damaged
            availability = engine.available(_any_voice(engine))
        status = "available" if availability else f"unavailable: {availability.reason}"
        if availability and getattr(engine, "needs_network", False):
            status += " (needs the internet: this machine may not reach it; never used unless chosen)"
        typer.echo(f"  {name:<7} {status}")
        if not availability and availability.install:
            typer.echo(f"          install: {availability.install}")
        if availability:
            typer.echo(f"          version: {engine.fingerprint(_any_voice(engine))}")
            typer.echo(f"          voices: {', '.join(engine.voices())}")
    for path in _scripts(scripts):
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


def _any_voice(engine: object) -> VoiceRef:
    from .voices import VoiceRef

    defaults = {"piper": "en_US-joe-medium", "kokoro": "af_heart", "flite": "slt", "espeak": "en-us", "gtts": "en"}
    name = getattr(engine, "name", "")
    return VoiceRef(name, defaults.get(name, "default"))


@app.command("synth")
@handles_errors
def synth_command(
    scripts: Annotated[list[Path] | None, typer.Argument(help="Scripts to synthesize (default: script/*.md).")] = None,
    voices: VoicesOption = "local",
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
    for path in _scripts(scripts):
        episode = load_script(path)
        result = _synthesize(episode, voices, jobs, force, cache_dir)
        speech = sum(clip.duration_ms for segment in result.segments for clip in segment.clips) / 1000
        typer.echo(
            f"{path}: {len(result.segments)} segments, {result.chunks} clips ({_clock(speech)} of speech): "
            f"{result.hits} from the cache, {result.synthesized} synthesized in {result.elapsed:.1f}s"
        )
        if result.corrupt:
            typer.echo(f"  {result.corrupt} damaged cache entries were synthesized again")
        if not result.synthesized:
            typer.echo("  nothing changed: no synthesis needed")


def _synthesize(
    episode: Episode, profile: str, jobs: int | None, force: bool, cache_dir: Path | None
) -> SynthesisResult:
    from .cache import ClipCache
    from .casting import cast
    from .synth import synthesize_episode
    from .voices import default_registry

    castings = cast(episode, profile, default_registry())
    for tag, casting in castings.items():
        typer.echo(f"  {tag}: {casting.voice}")
        notice = casting.notice()
        if notice:
            typer.echo(f"  notice: {notice}", err=True)
    cache = ClipCache(cache_dir)
    return _with_progress(
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
    voices: VoicesOption = "local",
    cache_dir: CacheDirOption = None,
) -> None:
    """Hear any text, or any line of a script, in a speaker's voice, without building.

    The script's lexicon applies (respellings, and phonemes for Piper and
    Kokoro), and the clip is cached like the build's: tune a name in the
    lexicon, then say it again.

    Examples:

      shalket-audio say --speaker zhanar "Sekerbeyeva"

      shalket-audio say script/shal-ket.md --line 88 --play

      shalket-audio say --speaker interviewer "Almaty, January 2022" -o almaty.wav
    """
    from .audition import play as play_file
    from .audition import say
    from .cache import ClipCache
    from .voices import default_registry

    given = list(words or [])
    script = Path(given.pop(0)) if given and given[0].endswith(".md") else None
    if script is None:
        found = _scripts(None)
        if len(found) > 1:
            raise InputError(
                f"{len(found)} scripts in script/: say which", fix=f"write e.g. say {found[0]} --speaker ... TEXT"
            )
        script = found[0]
    if line is None and not given:
        raise InputError("nothing to say", fix='give a text (say --speaker zhanar "Sekerbeyeva") or --line N')
    episode = load_script(script)
    take = say(
        episode,
        registry=default_registry(),
        cache=ClipCache(cache_dir),
        out=out,
        profile=voices,
        speaker=speaker,
        text=" ".join(given) or None,
        line=line,
    )
    if take.notice:
        typer.echo(f"notice: {take.notice}", err=True)
    source = "from the cache" if not take.synthesized else f"{take.synthesized} of {len(take.chunks)} clips synthesized"
    typer.echo(
        f"{take.path}: {take.speaker} ({take.voice}), {take.duration_ms / 1000:.1f}s, {source} in {take.seconds:.1f}s"
    )
    for chunk in take.chunks:
        typer.echo(f"  said: {chunk}")
    if play:
        typer.echo(f"  played with {play_file(take.path)}")


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
    from .cache import ClipCache

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
    from .cache import ClipCache

    info = ClipCache(cache_dir).clear()
    typer.echo(f"cleared {info.entries} clips ({info.bytes / 1e6:.1f} MB) from {info.root}")


# --------------------------------------------------------------------------- build and inspect


@app.command("build")
@handles_errors
def build_command(
    ctx: typer.Context,
    scripts: Annotated[
        list[Path] | None, typer.Argument(help="Scripts to build (default: every script in script/).")
    ] = None,
    voices: VoicesOption = "local",
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the episodes and their companion files.")] = Path(
        "output"
    ),
    jobs: JobsOption = None,
    force: Annotated[bool, typer.Option("--force", help="Synthesize and encode everything again.")] = False,
    bitrate: Annotated[int, typer.Option("--bitrate", min=32, max=320, help="MP3 bitrate in kbps (CBR).")] = 96,
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
    ] = 3600,
    verify: Annotated[
        bool, typer.Option("--verify", help="Then hear every clip back and report what to check (see `verify`).")
    ] = False,
) -> None:
    """Build finished episodes and what listeners download with them.

    For each script: OUT/NAME.mp3 (loudness-normalized, tagged, with chapters),
    NAME.timeline.json, NAME.chapters.json, NAME.vtt, NAME.srt, NAME.jpg and
    NAME.html; for all of them: feed.xml and index.html.  Only what changed is
    synthesized; with nothing changed, nothing is encoded either.

    Examples:

      shalket-audio build

      shalket-audio build --base-url https://example.com/podcast/

      shalket-audio build script/shal-ket.md --voices google --out public --bitrate 128
    """
    from .build import build_episode, read_timeline
    from .cache import ClipCache

    if base_url is not None and not re.match(r"https?://[^/\s]+", base_url):
        raise InputError(
            f"--base-url {base_url!r} is not an http(s) URL", fix="give it as https://example.com/podcast/"
        )
    if base_url is not None and not base_url.endswith("/"):
        base_url += "/"
    from .lock import output_lock

    # One build per output folder, held until the command ends: a second one waits (saying for whom).
    ctx.with_resource(output_lock(out, wait_s=wait, on_wait=lambda message: typer.echo(f"note: {message}", err=True)))
    published = []
    for path in _scripts(scripts):
        episode = load_script(path)
        report = _with_progress(
            episode,
            lambda show, stage, episode=episode: build_episode(
                episode,
                out,
                profile=voices,
                jobs=jobs,
                force=force,
                bitrate=bitrate,
                cache=ClipCache(cache_dir),
                on_progress=show,
                on_stage=stage,
            ),
        )
        for notice in report.notices:
            typer.echo(f"notice: {notice}", err=True)
        loud = report.loudness
        typer.echo(f"{report.mp3}: {'up to date, nothing to do' if report.up_to_date else 'built'}")
        typer.echo(
            f"  duration {_clock(report.duration_ms / 1000)}, {report.chapters} chapters, "
            f"{report.size_bytes / 1e6:.1f} MB ({bitrate} kbps CBR)"
        )
        voices_line = ", ".join(f"{tag} {value:.1f}" for tag, value in report.voice_lufs.items())
        typer.echo(
            f"  loudness {loud.integrated_lufs:.1f} LUFS, true peak {loud.true_peak_dbtp:.1f} dBTP "
            f"(measured on the MP3); voices {voices_line} LUFS"
        )
        work = (
            "no synthesis or encoding"
            if report.up_to_date
            else (f"{report.synthesized} clips synthesized, {report.encodes} of {report.chapters} chapters encoded")
        )
        typer.echo(f"  {report.elapsed:.1f}s: {report.cache_hits}/{report.clips} clips from the cache, {work}")
        if verify:
            _verify_line(episode, out, voices, cache_dir)
        published.append((episode, report))
    from .build import listener_files, listener_package_state

    state_file, state = listener_package_state(out, published, base_url)
    complete = all(path.is_file() for path in listener_files(out, published))
    if complete and state_file.is_file() and state_file.read_text(encoding="utf-8") == state:
        typer.echo(f"listener files in {out}/ are up to date")
    else:
        from .cover import cover_jpeg
        from .fileio import atomic_write_text
        from .publish import Published, publish

        items = []
        for episode, report in published:
            cover_file = out / f"{report.mp3.stem}.jpg"
            cover = report.cover or (cover_file.read_bytes() if cover_file.is_file() else cover_jpeg(episode))
            items.append(Published(episode, report.mp3.stem, report.mp3, read_timeline(report.timeline_path), cover))
        written = publish(out, items, base_url)
        atomic_write_text(state_file, state)
        typer.echo(
            f"published {len(written)} files for listeners in {out}/ (index.html, feed.xml, chapters, transcripts)"
        )
    if base_url is None:
        typer.echo("  the feed's URLs are relative: pass --base-url https://… (where OUT is served) to publish it")


def _verify_line(episode: Episode, out: Path, profile: str, cache_dir: Path | None) -> None:
    from .cache import ClipCache
    from .verify import run_verify
    from .verify.report import summary_line

    checked = _with_count_progress(
        "listening",
        lambda show: run_verify(episode, out, profile=profile, cache=ClipCache(cache_dir), on_progress=show),
    )
    flagged = ", ".join(f"{c.line}" for c in checked.to_check)
    label = "line" if len(checked.to_check) == 1 else "lines"
    where = f" ({label} {flagged}; details: shalket-audio verify {episode.path})" if flagged else ""
    typer.echo(f"  {summary_line(checked)}{where}")


def _with_count_progress(label: str, run: Callable[[Callable[[int, int], None]], R]) -> R:
    """Run ``run(show)`` under a progress bar on stderr (only on a terminal); ``show(done, total)``."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(f"  {label:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("clips"),
        TimeElapsedColumn(),
        transient=True,
        console=Console(stderr=True),
        disable=not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task(label, total=None)

        def show(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return run(show)


@app.command("verify")
@handles_errors
def verify_command(
    scripts: Annotated[
        list[Path] | None, typer.Argument(help="Scripts whose episodes to check (default: script/*.md).")
    ] = None,
    voices: VoicesOption = "local",
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
    from .cache import ClipCache
    from .verify import run_verify
    from .verify.report import terminal_lines, verify_path

    for path in _scripts(scripts):
        episode = load_script(path)
        cache = ClipCache(cache_dir)

        def check(
            show: Callable[[int, int], None], episode: Episode = episode, cache: ClipCache = cache
        ) -> VerifyReport:
            return run_verify(episode, out, profile=voices, cache=cache, fix=fix, on_progress=show)

        report = _with_count_progress("listening", check)
        for line in terminal_lines(report, top):
            typer.echo(line)
        typer.echo(f"wrote {verify_path(path, out)}")
        if any("kept rechunked" in f or "kept fallback" in f for f in report.fixes):
            typer.echo("next: run `shalket-audio build` to put the kept takes into the episode")


def _with_progress(episode: Episode, run: Callable[..., R], first_stage: str = "checking") -> R:
    """Run ``run(show_progress, show_stage)`` under a progress bar on stderr (only on a terminal)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("  {task.fields[stage]:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("segments · {task.fields[hits]} cache hits"),
        TimeElapsedColumn(),
        transient=True,
        console=Console(stderr=True),
        disable=not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task("build", total=len(episode.segments), hits=0, stage=first_stage)

        def show(progress: SynthProgress) -> None:
            bar.update(task, completed=progress.segments_done, hits=progress.hits)

        def stage(name: str) -> None:
            bar.update(task, stage=name)

        return run(show, stage)


@app.command("inspect")
@handles_errors
def inspect_command(
    episode_path: Annotated[Path, typer.Argument(metavar="EPISODE.mp3", help="An MP3 episode.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Read an episode back: tags, chapters in time order, duration, bitrate mode and loudness.

    Examples:

      shalket-audio inspect output/shal-ket.mp3

      shalket-audio inspect output/shal-ket.mp3 --json
    """
    from dataclasses import asdict

    from .inspect import inspect_episode

    report = inspect_episode(episode_path)
    if as_json:
        typer.echo(json.dumps(asdict(report), ensure_ascii=False, indent=2))
        return
    typer.echo(f"{episode_path}")
    typer.echo(f"  ID3v2.{report.id3_version[1]}.{report.id3_version[2]}")
    for frame, value in report.tags.items():
        typer.echo(f"  {frame}: {value}")
    typer.echo(f"  cover: {report.cover}")
    typer.echo(
        f"  duration {_clock(report.duration_ms / 1000)} ({report.duration_ms} ms), {report.bitrate_kbps} kbps "
        f"{report.bitrate_mode}, {report.sample_rate} Hz, {report.channels} channel(s)"
    )
    typer.echo(
        f"  loudness {report.integrated_lufs:.1f} LUFS (dual-mono), true peak {report.true_peak_dbtp:.1f} dBTP, "
        f"LRA {report.loudness_range_lu or 0:.1f} LU"
    )
    typer.echo(f"  chapters ({report.toc_title}):")
    for chapter in report.chapters:
        typer.echo(f"    {_clock(chapter['start_ms'] / 1000):>6}  {chapter['title']}")


@app.command("serve")
@handles_errors
def serve_command(
    port: Annotated[
        int, typer.Option("--port", "-p", min=0, max=65535, help="Port on localhost (0 picks a free one).")
    ] = 8000,
    directory: Annotated[Path, typer.Option("--dir", help="The folder to serve.")] = Path("output"),
) -> None:
    """Serve the output folder on localhost, with byte ranges so the player can seek. Ctrl-C stops it.

    Examples:

      shalket-audio serve

      shalket-audio serve --port 8080 --dir public
    """
    from .serve import make_server

    if not (directory / "index.html").is_file():
        raise InputError(f"{directory}/index.html does not exist", fix="run `shalket-audio build` first, or pass --dir")
    try:
        server = make_server(directory, port)
    except OSError as exc:
        raise InputError(
            f"cannot listen on port {port}: {exc.strerror}", fix="choose another port with --port"
        ) from None
    bound = server.server_address[1]
    typer.echo(f"serving {directory}/ at http://127.0.0.1:{bound}/  (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        typer.echo("stopped")
    finally:
        server.server_close()
