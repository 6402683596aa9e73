"""Engine workers that outlive the build, so the next build's first clip skips the engine's start-up.

A producer's loop is edit, build, listen: each build is a new process, and
Kokoro's worker takes about a second to start, import onnxruntime and load
its model before it says anything.  When a build ends, one worker per engine
may stay behind, idle, for ``SHALKET_WORKERS_LINGER`` seconds (600 unless
set; 0 turns it off).  It listens on a Unix socket in a directory only this
user can open, named for the engine module and a digest of this install (the
Python it runs on and this package's source files), so a changed checkout or
another virtual environment never talks to a worker running older code.

A worker serves one build at a time: it removes its socket while it serves, so
a second build running at once starts its own workers, and it exits when the
build leaves without asking it to stay (a crash, Ctrl-C, ``kill``) or when
nobody came for the whole idle time.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import socket
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

LINGER_ENV = "SHALKET_WORKERS_LINGER"
#: Where the sockets live instead of the per-user runtime directory (tests).
DIR_ENV = "SHALKET_WORKERS_DIR"
DEFAULT_LINGER_SECONDS = 600.0
#: How long a build waits for a lingering worker to answer its hello before starting its own.
HELLO_TIMEOUT_SECONDS = 5.0
#: A lingering worker prepares for the next build (``on_idle``) only once the last one has had this long to
#: finish: it has released its engines before assembling and encoding, which want the cores.
PREPARE_AFTER_SECONDS = 3.0


def linger_seconds() -> float:
    """How long a released worker stays for the next build; 0 when it should not."""
    text = os.environ.get(LINGER_ENV, "").strip()
    if not text:
        return DEFAULT_LINGER_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        return 0.0  # a value we cannot read must not leave processes behind
    return seconds if seconds > 0 else 0.0


def socket_path(module: str) -> Path | None:
    """The socket a lingering worker of ``module`` listens on; None where no private directory can be had."""
    directory = _socket_dir()
    if directory is None:
        return None
    name = module.rsplit(".", 1)[-1]
    return directory / f"{name}-{_install_digest(module)}.sock"


def _socket_dir() -> Path | None:
    override = os.environ.get(DIR_ENV)
    if override:
        base = Path(override)
    elif os.environ.get("XDG_RUNTIME_DIR"):
        base = Path(os.environ["XDG_RUNTIME_DIR"], "shalket-audio")
    else:
        base = Path(tempfile.gettempdir(), f"shalket-audio-{os.getuid()}")
    try:
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = base.lstat()
    except OSError:
        return None
    # Another user's directory (planted in /tmp, say) could hand us their worker: use none then.
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    return base


@functools.cache
def _install_digest(module: str) -> str:
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(f"{sys.executable}\0{module}\0{package}".encode())
    for source in sorted(package.rglob("*.py")):
        info = source.stat()
        digest.update(f"\0{source.relative_to(package)}\0{info.st_size}\0{info.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def connect(path: Path) -> socket.socket | None:
    """A connection to the worker lingering at ``path``, or None (nobody there, or it is serving another)."""
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(HELLO_TIMEOUT_SECONDS)
    try:
        client.connect(str(path))
    except OSError:
        client.close()
        return None
    return client


# -- in the worker -------------------------------------------------------------------------------------


#: The lock a lingering worker holds for its whole life (the kernel drops it when the worker dies, however).
_held: list[int] = []


def listen(path: Path) -> socket.socket | None:
    """Bind ``path`` for the next build; None when another worker already lingers for this engine."""
    if not _held:
        lock = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(lock)
            return None  # one lingering worker per engine is enough
        _held.append(lock)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # a socket left by a worker that was killed: we hold the lock, so it is not live
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(path))
        os.chmod(path, 0o600)
        listener.listen(4)
    except OSError:
        listener.close()
        return None
    return listener


def detach() -> None:
    """Leave the build's session, terminal and directory: the build has gone, or soon will."""
    with contextlib.suppress(OSError):
        os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    os.chdir("/")


def wait_for_build(
    listener: socket.socket, path: Path, seconds: float, on_idle: Callable[[], None] | None = None
) -> socket.socket | None:
    """The next build's connection, or None after ``seconds`` without one; ``on_idle`` runs once, a little
    after the wait starts, unless a build came first.  The socket is gone either way."""
    connection = None
    try:
        waits = [min(seconds, PREPARE_AFTER_SECONDS), max(0.0, seconds - PREPARE_AFTER_SECONDS)]
        for n, wait in enumerate(waits):
            if n and on_idle is not None:
                with contextlib.suppress(Exception):  # a failed warm-up is for the next request to report
                    on_idle()
            if wait <= 0:
                continue
            listener.settimeout(wait)
            try:
                connection, _ = listener.accept()
                break
            except TimeoutError:
                continue
    except OSError:
        connection = None
    finally:
        listener.close()  # a build that connected just behind the first is refused, and starts its own
        with contextlib.suppress(OSError):
            path.unlink()
    if connection is not None:
        connection.settimeout(None)
    return connection
