"""One build per output folder: an exclusive lock on ``OUT/.shalket-audio.lock``.

``fcntl.flock`` is released by the kernel when its holder exits, however it
exits (SIGKILL included), so a lock is never stale.  The holder writes who it
is (pid, host, start time) into the file, so a second build can say whom it is
waiting for, and empties it when done.  Within one process the lock is re-entrant: the CLI holds it
around every episode and the listener package, and ``build_episode`` takes it
again for callers that use the library directly.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from .errors import RuntimeFailure, from_os_error, naming_os_errors

LOCK_NAME = ".shalket-audio.lock"
#: How long a build waits for another one to finish before giving up (an hour: longer than any build).
DEFAULT_WAIT_S = 3600.0

_held: dict[Path, int] = {}  # lock path -> depth, for this process
_guard = threading.Lock()


def holder(out_dir: Path) -> str:
    """Who holds (or last held) the lock, as a sentence fragment."""
    try:
        data = json.loads((out_dir / LOCK_NAME).read_text(encoding="utf-8"))
        return f"pid {data['pid']} on {data['host']}, started {data['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another build"


@contextlib.contextmanager
def output_lock(
    out_dir: Path, *, wait_s: float = DEFAULT_WAIT_S, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the output folder's lock; wait up to ``wait_s`` for another build (calling ``on_wait`` once with
    who holds it), then fail with exit code 1 naming the holder."""
    path = (out_dir / LOCK_NAME).resolve()
    with _guard:
        if path in _held:
            _held[path] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            with naming_os_errors(out_dir):
                yield
        finally:
            with _guard:
                _held[path] -= 1
        return
    fd = _open_lock(out_dir, path)
    try:
        _acquire(fd, out_dir, wait_s, on_wait)
        # Who holds it, for the next build's message; written in place (the file itself is the lock).
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        }
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(record).encode(), 0)
        except OSError as exc:  # a full disk, found before any work
            exc.filename = str(out_dir)
            raise from_os_error(exc) from None
        with _guard:
            _held[path] = 1
        try:
            with naming_os_errors(out_dir):
                yield
        finally:
            with _guard:
                del _held[path]
            os.ftruncate(fd, 0)  # no holder now; an idle folder's lock file stays the same, empty
    finally:
        os.close(fd)  # closing releases the lock


def _open_lock(out_dir: Path, path: Path) -> int:
    """The lock file's descriptor, once the folder is known to be one we can write: a bad ``--out`` (a file,
    a path under a file, a read-only or immutable folder) fails here, before any work, naming the folder."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise from_os_error(exc) from None  # it names the path that is in the way
    try:
        # The lock file may exist already in a folder made read-only since; a probe file says for sure.
        fd, probe = tempfile.mkstemp(prefix=".probe.", suffix=".tmp", dir=out_dir)
        os.close(fd)
        os.unlink(probe)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        exc.filename = str(out_dir)  # the folder is the problem, not the probe's name
        raise from_os_error(exc) from None


def _acquire(fd: int, out_dir: Path, wait_s: float, on_wait: Callable[[str], None] | None) -> None:
    deadline = time.monotonic() + wait_s
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        if not told and on_wait is not None:
            on_wait(f"{out_dir} is being built by {holder(out_dir)}; waiting for it to finish")
            told = True
        if time.monotonic() >= deadline:
            raise RuntimeFailure(
                f"{out_dir} is being built by {holder(out_dir)} (waited {wait_s:g}s)",
                fix="wait for that build to finish, or build into another folder with --out",
            )
        time.sleep(0.2)
