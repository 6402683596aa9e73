"""The command line: a thin typer layer over the library.

Only this package prints.  Library errors are translated here, once (``base.handles_errors``): input
problems exit with 2, runtime failures with 1, and neither shows a traceback.  Each ``*_commands`` module
holds the commands of one stage; importing it registers them on ``app``.  Nothing loads until it is used:
``main`` first asks ``replay.py`` whether this is a build with nothing to do, and only then loads typer and
the commands.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

    app: typer.Typer

COMMAND_MODULES = ("build_commands", "listener_commands", "script_commands", "show_commands", "voice_commands")

__all__ = ["COMMAND_MODULES", "app", "main"]


def main() -> None:
    """The ``shalket-audio`` command."""
    from .replay import replayed

    try:
        if replayed(sys.argv[1:]):
            return
    except KeyboardInterrupt:
        raise SystemExit(130) from None  # Ctrl-C before typer's handler is in place: quietly, as after it
    from .base import main as run

    _commands()
    run()


def _commands() -> Any:
    """The typer app, with every command module imported (each registers its commands on it)."""
    for module in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{module}")
    from .base import app as typer_app

    return typer_app


def __getattr__(name: str) -> Any:
    if name == "app" or name in COMMAND_MODULES:
        globals()["app"] = _commands()
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
