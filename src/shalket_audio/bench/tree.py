"""The peak memory of a whole process tree: a build plus its engine workers and ffmpeg.

Each process reports its own high-water mark, but those peaks need not fall
at the same moment, so adding them overstates the tree's peak. Instead a
thread samples every process in the tree (``/proc``) every 50 ms and keeps
the largest sum of resident memory. Shared pages (libraries mapped by several
workers) count once per process, so the figure errs on the high side; a
peak shorter than the sampling interval can be missed.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

INTERVAL_S = 0.05


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])  # the name in brackets may hold spaces
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
    except OSError:
        return 0


def tree_rss_mb(root: int) -> float:
    """The resident memory of ``root`` and all its descendants now, in MB."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kb(pid)
        todo.extend(tree.get(pid, ()))
    return total / 1024


class TreePeak:
    """Samples the tree under ``root`` until ``stop()``; ``peak_mb`` is the largest sum seen."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak_mb = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(INTERVAL_S):
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.root))

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return round(self.peak_mb, 1)


def supported() -> bool:
    return os.path.isdir("/proc/self")
