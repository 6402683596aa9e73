"""``say --watch``: the line is said again on each save of the script (the lexicon included), with the voice
kept warm; a bad edit prints its error and the watch goes on; Ctrl-C ends it."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from shalket_audio.fileio import file_sha256

pytestmark = pytest.mark.slow

SCRIPT = """---
title: Said
speakers:
  interviewer: {name: Ann Host, role: host, voices: {local: ['piper:en_US-joe-medium']}}
lexicon:
  Almaty: %s
---
# One
interviewer: We flew to Almaty in January.
"""


def next_round(lines: queue.SimpleQueue[str], process: subprocess.Popen[str]) -> str:
    seen = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            assert process.poll() is None, "".join(seen)
            continue
        seen.append(line)
        if line.startswith("watching "):
            return "".join(seen)
    raise AssertionError("".join(seen))


def save(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.swp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def test_say_watch_says_the_line_again_after_each_save(tmp_path: Path) -> None:
    script, wav = tmp_path / "said.md", tmp_path / "line.wav"
    save(script, SCRIPT % "al-MAH-tee")
    env = dict(os.environ, SHALKET_CACHE_DIR=str(tmp_path / "cache"), COLUMNS="200")
    command = [sys.executable, "-m", "shalket_audio", "say", "--watch", str(script), "--line", "9", "-o", str(wav)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: queue.SimpleQueue[str] = queue.SimpleQueue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout or ()], daemon=True).start()
    try:
        first = next_round(lines, process)
        assert "said: We flew to al-MAH-tee in January." in first, first
        before = file_sha256(wav)

        save(script, SCRIPT % "AL-ma-tie")  # the lexicon, in the front matter
        second = next_round(lines, process)
        assert "said: We flew to AL-ma-tie in January." in second and "1 of 1 clips synthesized" in second, second
        assert file_sha256(wav) != before

        save(script, (SCRIPT % "AL-ma-tie").replace("interviewer: We", "nobody: We"))
        error = next_round(lines, process)
        assert "error:" in error and "said.md:9" in error and "Traceback" not in error, error

        save(script, SCRIPT % "al-MAH-tee")
        third = next_round(lines, process)
        assert "from the cache" in third, third
        assert file_sha256(wav) == before, "the same take, from the cache"
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 130
