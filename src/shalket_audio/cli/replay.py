"""A ``build`` with nothing to do, answered before the rest of the CLI loads.

Each successful ``build`` (not ``--watch``, ``--force`` or ``--verify``) leaves in OUT what the same
command would print next time, now that there is nothing left to do, with a fingerprint of everything
that decides it: the command line, the working folder, the ``SHALKET_*`` variables, HOME and PATH, this
Python and the folders it imports from, this package's files, the scripts and every file they name (by
content), the folders of PATH and the scripts' folder (by time), and every file in OUT (by size and time).
The next ``shalket-audio build`` computes the fingerprint with the standard library alone and, when it
matches, prints those lines: about 0.05 s, where loading typer, YAML and the build takes 0.3 s.  Any
difference or doubt (another build holding OUT's lock, a file that cannot be read, ``SHALKET_REPLAY=0``)
and the command runs as usual, so the answer is always the one a full run would give.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..fileio import atomic_write_text
from ..lock import LOCK_NAME

RECORD_NAME = ".shalket-audio.replay.json"
RECORD_VERSION = 1
#: Options that change what a build does beyond its inputs, or print something else: never replayed.
_NEVER = {"--watch", "--force", "--verify", "--help", "-h", "--version", "--"}
_PACKAGE = Path(__file__).resolve().parents[1]
_ELAPSED = re.compile(r"^  \d+\.\ds: (.* clips from the cache, no synthesis or encoding)$")
#: The command line ``replayed`` was asked about and could not answer: the one the command now runs, and the
#: only one ``remember`` records (a build called another way, say from a test's CliRunner, records nothing).
_running: list[list[str]] = []


def out_folder(argv: list[str]) -> Path | None:
    """OUT of a ``build`` command line that may be replayed, else None."""
    if not argv or argv[0] != "build":
        return None
    out = "output"
    args = iter(argv[1:])
    for arg in args:
        if arg in _NEVER:
            return None
        if arg in ("--out", "-o"):
            out = next(args, "")
        elif arg.startswith("--out="):
            out = arg.partition("=")[2]
        elif arg.startswith("-o") or (arg.startswith("-") and not arg.startswith("--")):
            return None  # joined short options (-oDIR, -j2): not worth parsing here
    return Path(out) if out else None


def replayed(argv: list[str]) -> bool:
    """Print what a no-op ``build`` would, if the record in OUT still holds; False to run the command."""
    started = time.perf_counter()
    out = out_folder(argv)
    if out is None:
        return False
    _running[:] = [list(argv)]
    if os.environ.get("SHALKET_REPLAY") == "0":
        return False
    try:
        record = json.loads((out / RECORD_NAME).read_text(encoding="utf-8"))
        if record.get("version") != RECORD_VERSION or record.get("command") != _command(argv):
            return False
        with _shared_lock(out):
            if record.get("state") != _state(out, record["files"], record["folders"]):
                return False
    except (OSError, ValueError, KeyError, TypeError, AttributeError, BlockingIOError):
        return False
    elapsed = time.perf_counter() - started
    with contextlib.suppress(BrokenPipeError):  # `shalket-audio build | head -1`: the rest goes unread
        for line in record["stderr"]:
            print(line, file=sys.stderr)
        for line in record["stdout"]:
            print(_ELAPSED.sub(lambda m: f"  {elapsed:.1f}s: {m.group(1)}", line), flush=True)
    return True


def forget(out: Path) -> None:
    """A build is starting: the record no longer holds (and is written again only if the build succeeds)."""
    with contextlib.suppress(OSError):
        (out / RECORD_NAME).unlink()


def remember(out: Path, files: Iterable[Path], folders: Iterable[Path], stdout: list[str], stderr: list[str]) -> None:
    """Record, in OUT, what the same command prints when nothing changed (``stdout``, ``stderr``), for these
    inputs (``files`` by content, ``folders`` by time); called with OUT's lock held, after the build."""
    if not _running or out_folder(_running[0]) != out:
        return
    argv = _running[0]
    names = sorted({str(path.resolve()) for path in files})
    folder_names = sorted({str(path.resolve()) for path in folders})
    record: dict[str, Any] = {
        "version": RECORD_VERSION,
        "command": _command(argv),
        "files": names,
        "folders": folder_names,
        "stdout": stdout,
        "stderr": stderr,
    }
    record["state"] = _state(out, names, folder_names)
    with contextlib.suppress(OSError):  # a record is only a shortcut: without one, the next build runs in full
        atomic_write_text(out / RECORD_NAME, json.dumps(record, ensure_ascii=False))


def _command(argv: list[str]) -> str:
    """The command line and what it runs in: the same words can build something else elsewhere."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if (k.startswith("SHALKET_") and k != "SHALKET_REPLAY") or k in ("HOME", "PATH")
    }
    material = [argv, os.getcwd(), environment, sys.executable, sys.version, sys.path]
    return hashlib.sha256(json.dumps(material).encode()).hexdigest()


def _state(out: Path, files: list[str], folders: list[str]) -> str:
    """Everything the answer depends on that can change between two runs of one command."""
    digest = hashlib.sha256()
    for name in files:
        try:
            digest.update(f"{name}\0{hashlib.sha256(Path(name).read_bytes()).hexdigest()}\n".encode())
        except FileNotFoundError:
            digest.update(f"{name}\0absent\n".encode())
    path_folders = os.environ.get("PATH", "").split(os.pathsep)
    for name in [*folders, *path_folders, *sys.path]:
        digest.update(f"{name}\0{_stamp(name)}\n".encode())
    for folder, subfolders, names in os.walk(_PACKAGE):
        subfolders[:] = sorted(s for s in subfolders if s != "__pycache__")
        for name in sorted(names):
            digest.update(f"{folder}/{name}\0{_stamp(os.path.join(folder, name))}\n".encode())
    with os.scandir(out) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name not in (LOCK_NAME, RECORD_NAME) and entry.is_file(follow_symlinks=False):
                digest.update(f"{entry.name}\0{_stamp(entry.path)}\n".encode())
    return digest.hexdigest()


def _stamp(path: str) -> str:
    try:
        stat = os.stat(path)
    except OSError:
        return "absent"
    return f"{stat.st_size}/{stat.st_mtime_ns}/{stat.st_ino}"


@contextlib.contextmanager
def _shared_lock(out: Path) -> Any:
    """OUT's lock, shared (replays may run side by side); ``BlockingIOError`` while a build holds it."""
    fd = os.open(out / LOCK_NAME, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        yield
    finally:
        os.close(fd)
