"""One error hierarchy for the whole library.

The CLI translates these once: ``InputError`` exits with code 2 (the user can
fix the input), ``RuntimeFailure`` with code 1 (something outside the input
failed).  Every message says what went wrong and what to do about it.
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator
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


@contextlib.contextmanager
def naming_os_errors(path: Path) -> Iterator[None]:
    """Inside, an ``OSError`` that names no file (a ``write`` that hits a full disk names none) is given
    ``path``, the output being written, so its message can say where it happened."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None:
            exc.filename = str(path)
        raise


# errno -> (what went wrong, the fix, the exit code): a path the user chose badly is input (2); a full disk or
# a failing device is the machine's state (1).
_OS_FAULTS: dict[int, tuple[str, str, int]] = {
    errno.ENOSPC: ("no space left on the device", "free some space there, or write somewhere else (--out, -o)", 1),
    errno.EDQUOT: ("the disk quota is exhausted", "free some space there, or write somewhere else (--out, -o)", 1),
    errno.EFBIG: ("the file is too large for this file system", "write somewhere else (--out, -o)", 1),
    errno.EIO: ("an input/output error (a failing disk?)", "check the device, or write somewhere else", 1),
    errno.EACCES: ("permission denied", "make it writable (chmod/chown), or write somewhere else (--out, -o)", 2),
    errno.EPERM: (
        "the operation is not permitted (an immutable folder? see lsattr)",
        "lift the restriction (chattr -i), or write somewhere else (--out, -o)",
        2,
    ),
    errno.EROFS: ("the file system is read-only", "write somewhere else (--out, -o)", 2),
    errno.ENOTDIR: ("a part of this path is a file, not a folder", "choose a path whose folders are folders", 2),
    errno.EEXIST: ("a file is in the way where a folder is needed", "remove or rename it, or choose another path", 2),
    errno.EISDIR: ("this is a folder, where a file is needed", "name a file (for example DIR/name.mp3)", 2),
    errno.ENAMETOOLONG: ("the name is too long", "choose a shorter path", 2),
    errno.ENOENT: ("no such file or folder", "check the path", 2),
    errno.ELOOP: ("too many symbolic links", "check the path's links", 2),
}


def from_os_error(exc: OSError) -> ShalketError:
    """An ``OSError`` as a message naming the path, what went wrong and the fix (never a traceback)."""
    path = exc.filename
    what, fix, code = _OS_FAULTS.get(exc.errno or -1, (exc.strerror or str(exc), "check the path and the disk", 1))
    where = f"{path}: " if path is not None else ""
    return InputError(f"{where}{what}", fix=fix) if code == 2 else RuntimeFailure(f"{where}{what}", fix=fix)
