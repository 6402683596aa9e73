"""The command line: a thin typer layer over the library.

Only this package prints.  Library errors are translated here, once (``app.handles_errors``): input
problems exit with 2, runtime failures with 1, and neither shows a traceback.  Each module holds the
commands of one stage; importing it registers them on ``app``.
"""

from . import build_commands, listener_commands, script_commands, show_commands, voice_commands
from .app import app, main

__all__ = ["app", "build_commands", "listener_commands", "main", "script_commands", "show_commands", "voice_commands"]
