"""A ``build`` with nothing to do, answered before the rest of the CLI loads.

Each successful ``build`` (not ``--watch``, ``--force`` or ``--verify``) leaves in OUT what the same
command would print next time, now that there is nothing left to do, with what decides it: the command
line, the working folder, the ``SHALKET_*`` variables, HOME and PATH, this Python and the folders it imports
from; what the build read (the scripts, the show file, every episode's cover and the voice files the
scripts name, by content, taken before and after the build, which records nothing if they moved in
between; the scripts' folder by its stat); and, by stat (size, modification and change time, inode), this
package's files, the folders on PATH and the programs a build runs from them, and every file in OUT.  The
next ``shalket-audio build`` checks all that with the standard library alone and, when it holds, prints
those lines: about 0.06 s, where loading typer, YAML and the build takes 0.3 s.  Any difference or doubt
(another build holding OUT's lock, a file that cannot be read, ``SHALKET_REPLAY=0``) and the command runs
as usual, so the answer is always the one a full run would give.
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

from ..fileio import atomic_write_text, file_sha256
from ..lock import LOCK_NAME

RECORD_NAME = ".shalket-audio.replay.json"
RECORD_VERSION = 2
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
        inputs = record["inputs"]
        lines = [(str(stream), str(text)) for stream, text in record["lines"]]
        with _shared_lock(out):
            if input_state(_named(inputs, "file"), _named(inputs, "folder")) != inputs:
                return False
            if record.get("state") != _state(out):
                return False
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    elapsed = time.perf_counter() - started
    try:
        for stream, text in lines:
            text = _ELAPSED.sub(lambda m: f"  {elapsed:.1f}s: {m.group(1)}", text)
            print(text, file=sys.stderr if stream == "err" else sys.stdout, flush=True)
    except BrokenPipeError:  # `shalket-audio build | head -1`: the rest goes unread, and exit flushes nothing
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return True


def forget(out: Path) -> None:
    """A build is starting: the record no longer holds (and is written again only if the build succeeds)."""
    with contextlib.suppress(OSError):
        (out / RECORD_NAME).unlink()


def input_state(files: Iterable[Path | str], folders: Iterable[Path | str]) -> dict[str, str]:
    """What a build read, as it is now: each file by content (or absent), each folder by its stat.  The build
    command takes it before and after building and records only if nothing moved in between."""
    state = {}
    for name in sorted({str(Path(path).resolve()) for path in files}):
        try:
            state[f"file:{name}"] = file_sha256(Path(name))
        except FileNotFoundError:
            state[f"file:{name}"] = "absent"
    for name in sorted({str(Path(path).resolve()) for path in folders}):
        state[f"folder:{name}"] = _stamp(name)
    return state


def remember(out: Path, inputs: dict[str, str], lines: list[tuple[str, str]]) -> None:
    """Record, in OUT, what the same command prints when nothing changed (``lines``: ("out" or "err", text)
    in order), for ``inputs`` (``input_state``); called with OUT's lock held, after the build."""
    if not _running or out_folder(_running[0]) != out:
        return
    with contextlib.suppress(OSError):  # a record is only a shortcut: without one, the next build runs in full
        record = {
            "version": RECORD_VERSION,
            "command": _command(_running[0]),
            "inputs": inputs,
            "lines": lines,
            "state": _state(out),
        }
        atomic_write_text(out / RECORD_NAME, json.dumps(record, ensure_ascii=False))


def _named(inputs: dict[str, str], kind: str) -> list[str]:
    return [key.partition(":")[2] for key in inputs if key.partition(":")[0] == kind]


def _command(argv: list[str]) -> str:
    """The command line and what it runs in: the same words can build something else elsewhere."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if (k.startswith("SHALKET_") and k != "SHALKET_REPLAY") or k in ("HOME", "PATH", "IMAGEIO_FFMPEG_EXE")
    }
    material = [argv, os.getcwd(), environment, sys.executable, sys.version, sys.path]
    return hashlib.sha256(json.dumps(material).encode()).hexdigest()


#: Programs a build may run, found on PATH: one replaced in place leaves its folder's time as it was.
_TOOLS = ("ffmpeg", "ffprobe", "espeak-ng", "espeak", "flite")


def _state(out: Path) -> str:
    """Everything else the answer depends on that can change between two runs of one command."""
    digest = hashlib.sha256()
    path_folders = os.environ.get("PATH", "").split(os.pathsep)
    for name in [*path_folders, *sys.path]:
        digest.update(f"{name}\0{_stamp(name)}\n".encode())
    for tool in _TOOLS:
        found = next((os.path.join(f, tool) for f in path_folders if os.path.isfile(os.path.join(f, tool))), "")
        digest.update(f"{tool}\0{found}\0{_stamp(found)}\n".encode())
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
    # The change time too: a tool that puts a file's modification time back cannot put that back.
    return f"{stat.st_size}/{stat.st_mtime_ns}/{stat.st_ctime_ns}/{stat.st_ino}"


@contextlib.contextmanager
def _shared_lock(out: Path) -> Any:
    """OUT's lock, shared (replays may run side by side); ``BlockingIOError`` while a build holds it."""
    fd = os.open(out / LOCK_NAME, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        yield
    finally:
        os.close(fd)
