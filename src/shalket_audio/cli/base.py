"""The command line's core: the typer app, error translation, shared options and progress bars.

Only this module prints.  Library errors are translated here, once: input
problems exit with 2, runtime failures with 1, and neither shows a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer

from .. import __version__
from ..errors import InputError, ShalketError, from_os_error
from ..script import Episode

if TYPE_CHECKING:
    from ..synth import Progress as SynthProgress

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
        "  shalket-audio build                                # the episode and the listener files, in output/\n\n"
        "  shalket-audio verify                               # listen to the built episode for dropped words\n\n"
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
    """Turn library errors, and the operating system's (a full disk, a bad path), into a message and an exit
    code; keep tracebacks for real bugs."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except ShalketError as exc:
            _fail(str(exc), exc.exit_code)
        except OSError as exc:
            error = from_os_error(exc)
            _fail(str(error), error.exit_code)
        except ModuleNotFoundError as exc:
            _missing_module(exc)
        except KeyboardInterrupt:
            _interrupted()
        raise AssertionError("unreachable")

    return wrapper


def _missing_module(exc: ModuleNotFoundError) -> None:
    """A module of the optional ``verify`` extra is missing: say what to install.  Any other is a real bug."""
    from ..verify import EXTRA
    from ..verify.recognizer import INSTALL

    root = (exc.name or "").split(".")[0]
    if root not in EXTRA:
        raise exc
    _fail(
        f"the listening check needs the optional speech recognizer, and {EXTRA[root]} is not installed\n"
        f"  fix: {INSTALL}",
        1,
    )


#: After Ctrl-C, the process is gone this soon even if a thread is stuck in a call that cannot be interrupted
#: (an HTTP request, a library call): everything worth keeping is already written atomically.
EXIT_DEADLINE_S = 0.3


def _interrupted() -> None:
    from ..voices.workers import kill_all_workers

    kill_all_workers()
    typer.echo(
        "error: interrupted; clips that finished are cached, so running again resumes from them "
        "(nothing half-written was left behind)",
        err=True,
    )
    if _interrupts:  # a real Ctrl-C in the real program (``main``), not a library caller or a test's runner
        _exit_by_deadline(130)
    raise typer.Exit(130)


def _exit_by_deadline(code: int) -> None:
    """Start a timer that ends the process with ``code`` if the interpreter's exit (which joins the worker
    threads of thread pools) takes longer than ``EXIT_DEADLINE_S``."""
    import os
    import threading

    def force() -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)

    timer = threading.Timer(EXIT_DEADLINE_S, force)
    timer.daemon = True
    timer.start()


def _on_sigint(signum: int, frame: object) -> None:
    """The first Ctrl-C says so and stops the work (KeyboardInterrupt unwinds it: pending clips are cancelled,
    engine workers killed); a second one ends the process at once."""
    import os

    global _interrupts
    _interrupts += 1
    if _interrupts > 1:
        from ..voices.workers import kill_all_workers

        kill_all_workers()
        os._exit(130)
    typer.echo("stopping (Ctrl-C)…", err=True)
    raise KeyboardInterrupt


_interrupts = 0


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


def main() -> None:
    import signal

    signal.signal(signal.SIGINT, _on_sigint)
    app()


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
    str,
    typer.Option(
        "--voices", help="Voice profile: 'local' (offline, neural), 'draft' (offline, fast) or 'google' (gTTS, online)."
    ),
]
JobsOption = Annotated[
    int | None,
    typer.Option(
        "--jobs", "-j", min=1, help="Synthesis calls at once (default: the number of cores; each engine caps it)."
    ),
]


def default_scripts(paths: list[Path] | None) -> list[Path]:
    if paths:
        return paths
    found = sorted(Path("script").glob("*.md"))
    if not found:
        raise InputError(
            "no scripts given and none found in script/",
            fix="name a script (for example script/shal-ket.md) or run from the project folder",
        )
    return found


class _Bar:
    """A rich progress bar on stderr, drawn only on a terminal and gone when done.  It is made on its first
    update: a build with nothing to do never loads rich, and without a terminal rich is never loaded at all."""

    def __init__(self, stage_column: str, unit_column: str, description: str, **fields: Any) -> None:
        self._columns = (stage_column, unit_column)
        self._description = description
        self._fields = fields
        self._progress: Any = None
        self._task: Any = None

    def update(self, **fields: Any) -> None:
        self._fields.update(fields)
        if self._progress is not None:
            self._progress.update(self._task, **fields)
        elif sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            stage_column, unit_column = self._columns
            self._progress = Progress(
                TextColumn(stage_column),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(unit_column),
                TimeElapsedColumn(),
                transient=True,
                console=Console(stderr=True),
            )
            self._progress.start()
            fields = dict(self._fields)
            total = fields.pop("total", None)
            completed = fields.pop("completed", 0)
            self._task = self._progress.add_task(self._description, total=total, completed=completed, **fields)

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *_: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def with_count_progress(label: str, run: Callable[[Callable[[int, int], None]], R]) -> R:
    """Run ``run(show)`` under a progress bar counting clips; ``show(done, total)``."""
    with _Bar(f"  {label:<12}", "clips", label, total=None) as bar:

        def show(done: int, total: int) -> None:
            bar.update(completed=done, total=total)

        return run(show)


def with_progress(episode: Episode, run: Callable[..., R], first_stage: str = "checking") -> R:
    """Run ``run(show_progress, show_stage)`` under a progress bar counting segments, cache hits and stages."""
    columns = ("  {task.fields[stage]:<12}", "segments · {task.fields[hits]} cache hits")
    with _Bar(*columns, "build", total=len(episode.segments), hits=0, stage=first_stage) as bar:

        def show(progress: SynthProgress) -> None:
            bar.update(completed=progress.segments_done, hits=progress.hits)

        def stage(name: str) -> None:
            bar.update(stage=name)

        return run(show, stage)
