"""``python tests/build/show_fault_runner.py build ARGS...``: the real CLI, killed (SIGKILL) while it writes the
show record, after half of the new record is on disk in its temporary file (as a crash mid-write would leave it).

The approach of ``fault_runner.py``: patch one function of the real build, then run the real CLI in this process.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
from pathlib import Path

from shalket_audio.build import show

write = show.atomic_write_text


def write_half_then_kill(path: Path, text: str) -> None:
    if path.name == show.RECORD_NAME:
        fd, _ = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        data = text.encode("utf-8")
        os.write(fd, data[: len(data) // 2])
        os.fsync(fd)
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    write(path, text)


show.atomic_write_text = write_half_then_kill  # type: ignore[assignment]

from shalket_audio.cli import main  # noqa: E402  (after the patch)

sys.argv = ["shalket-audio", *sys.argv[1:]]
main()
