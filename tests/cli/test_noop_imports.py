"""A no-op build loads only what deciding "up to date" needs: not the audio stack, the listener files'
renderers, the progress display or the engines' runtimes (the no-op's time is mostly imports).  This is the
full no-op, taken whenever the replay of the last one does not hold (``SHALKET_REPLAY=0`` here; the replay
itself is ``test_replay.py``'s)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = """---
title: Quick
speakers:
  interviewer: {name: Ann Host, role: host, voices: {local: ['flite:slt']}}
  zhanar: {name: Zhanar Guest, role: guest, voices: {local: ['flite:slt']}}
---
# One
interviewer: Welcome to the show, in 2022.
zhanar: Thank you.
"""

#: Modules the up-to-date path must not load (each costs tens of milliseconds to import).
HEAVY = ("numpy", "scipy", "soxr", "pydub", "mutagen", "PIL", "rich", "webvtt", "onnxruntime", "piper")


def test_a_no_op_build_imports_no_audio_stack(tmp_path: Path, isolated_cache: Path) -> None:
    script, out = tmp_path / "quick.md", tmp_path / "out"
    script.write_text(SCRIPT, encoding="utf-8")
    env = dict(os.environ, SHALKET_CACHE_DIR=str(isolated_cache), SHALKET_REPLAY="0")
    command = [sys.executable, "-X", "importtime", "-m", "shalket_audio", "build", str(script), "--out", str(out)]
    first = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert first.returncode == 0 and "quick.mp3: built" in first.stdout, first.stderr
    assert "numpy" in _imported(first.stderr), "the check itself sees what a real build loads"

    again = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert again.returncode == 0, again.stderr
    assert "up to date, nothing to do" in again.stdout and "listener files in" in again.stdout, again.stdout
    loaded = _imported(again.stderr)
    assert not [name for name in HEAVY if name in loaded], sorted(loaded & set(HEAVY))


def _imported(importtime: str) -> set[str]:
    """The top-level packages ``-X importtime`` saw imported."""
    names = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*([\w.]+)$", importtime, re.MULTILINE)
    return {name.split(".")[0] for name in names}
