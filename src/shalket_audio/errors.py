"""One error hierarchy for the whole library.

The CLI translates these once: ``InputError`` exits with code 2 (the user can
fix the input), ``RuntimeFailure`` with code 1 (something outside the input
failed).  Every message says what went wrong and what to do about it.
"""

from __future__ import annotations

from pathlib import Path


class ShalketError(Exception):
    """Base class of every error the library raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message}\n  fix: {self.fix}" if self.fix else self.message


class InputError(ShalketError):
    """Bad usage or bad input: the user can correct it."""

    exit_code = 2


class ScriptError(InputError):
    """A problem at a known place in a script or article file."""

    def __init__(self, message: str, *, path: Path | str | None, line: int | None, fix: str) -> None:
        self.path = Path(path) if path is not None else None
        self.line = line
        where = str(self.path) if self.path is not None else "<script>"
        if line is not None:
            where += f":{line}"
        super().__init__(f"{where}: {message}", fix=fix)
        self.reason = message


class RuntimeFailure(ShalketError):
    """Something outside the input failed (an engine, the network, a tool)."""

    exit_code = 1
