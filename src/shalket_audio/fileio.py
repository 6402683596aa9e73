"""Shared file I/O: atomic writes (a reader never sees a half-written output), UTF-8 reading, file digests."""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from pathlib import Path

from .errors import ScriptError, naming_os_errors


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all.  An ``OSError`` (a full disk, a folder in the way) names ``path``,
    not the temporary file, so the CLI can say which output failed."""
    with naming_os_errors(path):
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), 0o666 & ~_umask())  # mkstemp makes 0600; outputs are published files
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException as exc:
            Path(tmp).unlink(missing_ok=True)
            if isinstance(exc, OSError) and exc.filename in (None, tmp):
                exc.filename, exc.filename2 = str(path), None
            raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def read_utf8(path: Path, *, what: str, missing_fix: str) -> str:
    """A text file's contents; every way reading it can fail becomes a ``ScriptError`` naming ``what`` it is
    (``"script"``, ``"article"``)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScriptError(f"{what} not found", path=path, line=None, fix=missing_fix) from None
    except IsADirectoryError:
        raise ScriptError(f"is a folder, not a {what} file", path=path, line=None, fix=f"name a {what} file") from None
    except OSError as exc:
        raise ScriptError(
            f"cannot read the {what} ({exc.strerror})", path=path, line=None, fix="check the path and its permissions"
        ) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScriptError(f"the {what} is not UTF-8 text", path=path, line=line, fix="save it as UTF-8") from None


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read a block at a time (a 2-hour MP3 is 90 MB); ``OSError`` when it cannot be read."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def file_sha256_or_none(path: Path) -> str | None:
    """``file_sha256``, or None for a file that is missing or cannot be read."""
    try:
        return file_sha256(path)
    except OSError:
        return None
