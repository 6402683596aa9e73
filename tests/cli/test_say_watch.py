"""``say --watch``: the line is said again on each save of the script (the lexicon included), with the voice
kept warm; a bad edit prints its error and the watch goes on; Ctrl-C ends it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from shalket_audio.bench.loop import WatchProcess
from shalket_audio.bench.loop import save_as_editor as save
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


def test_say_watch_says_the_line_again_after_each_save(tmp_path: Path) -> None:
    script, wav = tmp_path / "said.md", tmp_path / "line.wav"
    save(script, SCRIPT % "al-MAH-tee")
    env = dict(os.environ, SHALKET_CACHE_DIR=str(tmp_path / "cache"), COLUMNS="200")
    command = [sys.executable, "-m", "shalket_audio", "say", "--watch", str(script), "--line", "9", "-o", str(wav)]
    watch = WatchProcess(command, env)
    try:
        first = watch.round(180)
        assert "said: We flew to al-MAH-tee in January." in first, first
        before = file_sha256(wav)

        save(script, SCRIPT % "AL-ma-tie")  # the lexicon, in the front matter
        second = watch.round(180)
        assert "said: We flew to AL-ma-tie in January." in second and "1 of 1 clips synthesized" in second, second
        assert file_sha256(wav) != before

        save(script, (SCRIPT % "AL-ma-tie").replace("interviewer: We", "nobody: We"))
        error = watch.round(180)
        assert "error:" in error and "said.md:9" in error and "Traceback" not in error, error

        save(script, SCRIPT % "al-MAH-tee")
        third = watch.round(180)
        assert "from the cache" in third, third
        assert file_sha256(wav) == before, "the same take, from the cache"
    finally:
        assert watch.stop() == 130
