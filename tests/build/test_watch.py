"""A real ``build --watch`` session, with Piper and Kokoro: an edit rebuilds the MP3 with the engines' workers
kept warm; a bad edit prints its error (file, line, fix) and leaves the last good MP3 intact; a fix rebuilds;
the rebuild writes what a plain ``build`` of the same edit writes; Ctrl-C ends it with no worker left."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_interrupt import alive, worker_pids

from shalket_audio.bench.loop import WatchProcess
from shalket_audio.bench.loop import save_as_editor as save
from shalket_audio.fileio import file_sha256

pytestmark = pytest.mark.slow

SCRIPT = """---
title: Watched
speakers:
  interviewer: {name: Ann Host, role: host, voices: {local: ['piper:en_US-joe-medium']}}
  zhanar: {name: Zhanar Guest, role: guest, voices: {local: ['kokoro:af_heart']}}
---
# One
interviewer: %s
zhanar: Thank you, it is good to be here.

# Two
interviewer: And what happened next?
zhanar: %s
"""


def start_watch(script: Path, out: Path, cache: Path) -> WatchProcess:
    """The watch process, and its output lines as they come."""
    env = dict(os.environ, SHALKET_CACHE_DIR=str(cache), COLUMNS="200")
    command = [sys.executable, "-m", "shalket_audio", "build", str(script), "--out", str(out), "--watch"]
    return WatchProcess(command, env)


def listener_files(out: Path) -> dict[str, str]:
    return {p.name: file_sha256(p) for p in sorted(out.iterdir()) if p.is_file() and not p.name.startswith(".")}


def test_a_watch_session_rebuilds_reports_a_bad_edit_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    script, out, cache = tmp_path / "watched.md", tmp_path / "out", tmp_path / "cache"
    save(script, SCRIPT % ("Welcome to the show.", "The city went quiet."))
    session = start_watch(script, out, cache)
    try:
        first = session.round(240)
        assert "watched.mp3: built" in first, first
        mp3 = out / "watched.mp3"
        built = file_sha256(mp3)
        warm = worker_pids(session.process.pid)
        assert warm, "the engines' workers stay up between builds"

        save(script, SCRIPT % ("Welcome back to the show.", "The city went quiet."))
        second = session.round(240)
        assert "watched.mp3: built" in second and "1 clips synthesized" in second, second
        edited = file_sha256(mp3)
        assert edited != built
        assert warm & worker_pids(session.process.pid), "the same warm workers made the new clip"

        bad = (SCRIPT % ("Welcome back to the show.", "The city went quiet.")).replace("zhanar: Thank", "nobody: Thank")
        save(script, bad)
        error = session.round(240)
        assert "error:" in error and "watched.md:9:" in error and "fix:" in error, error
        assert "Traceback" not in error
        assert file_sha256(mp3) == edited, "the last good episode stays in place"
        probe = subprocess.run(["ffprobe", "-v", "error", str(mp3)], capture_output=True, text=True, check=False)
        assert probe.returncode == 0 and not probe.stderr

        # The watch holds the output folder's lock while it waits: another build gives up, naming it.
        env = dict(os.environ, SHALKET_CACHE_DIR=str(cache), COLUMNS="200")
        other = subprocess.run(
            [sys.executable, "-m", "shalket_audio", "build", str(script), "--out", str(out), "--wait", "0"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert other.returncode == 1 and f"pid {session.process.pid}" in other.stderr, other.stderr

        # A snapshot of the folder before the fix, for a plain build of the same edit to start from.
        twin = tmp_path / "twin"
        shutil.copytree(out, twin)
        fixed = SCRIPT % ("Welcome back to the show.", "The streets went quiet that night.")
        save(script, fixed)
        third = session.round(240)
        assert "watched.mp3: built" in third and "1 clips synthesized" in third, third
        assert file_sha256(mp3) not in (built, edited)

        workers = worker_pids(session.process.pid)
        assert workers
        stopped = time.monotonic()
        session.process.send_signal(signal.SIGINT)
        assert session.process.wait(timeout=10) == 130
        assert time.monotonic() - stopped < 2.0
        time.sleep(0.5)  # the kernel tears the killed workers down in its own time
        assert not [pid for pid in workers if alive(pid)], "no engine worker outlives Ctrl-C"
    finally:
        if session.process.poll() is None:
            session.process.kill()

    # The watched rebuild wrote what a plain build of the same edit writes, byte for byte.
    env = dict(os.environ, SHALKET_CACHE_DIR=str(cache), COLUMNS="200")
    plain = subprocess.run(
        [sys.executable, "-m", "shalket_audio", "build", str(script), "--out", str(twin)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert plain.returncode == 0, plain.stderr
    assert "0 clips synthesized" in plain.stdout, plain.stdout
    assert listener_files(twin) == listener_files(out)


def test_the_warm_up_warms_what_a_lone_request_uses() -> None:
    """Most saves need one new clip: the watch's throwaway line is said as a lone request, so Kokoro's worker
    has the session an edit will use already loaded."""
    from conftest import FakeEngine
    from shalket_audio.build.watch import WARM_UP_TEXT, warm_up
    from shalket_audio.voices import Registry, VoiceRef

    fake = FakeEngine()
    registry = Registry()
    registry.register(fake)
    warm_up([(registry.engine("fake"), VoiceRef("fake", "a"))])
    assert fake.expected == [1] and fake.calls == [WARM_UP_TEXT]


def test_read_clips_loads_what_the_first_edit_would(tmp_path: Path) -> None:
    """After the watch's first build (a no-op, say), every cached clip is checked and its analyses and the
    encoded parts are read now, not on the first save."""
    from conftest import FakeEngine
    from shalket_audio.audio import clips, master
    from shalket_audio.audio.timeline import Pacing
    from shalket_audio.build.record import parts_folder
    from shalket_audio.build.watch import read_clips
    from shalket_audio.script import parse_script
    from shalket_audio.synth import ClipCache, cast, plan_episode, synthesize_episode
    from shalket_audio.voices import Registry

    text = SCRIPT.replace("piper:en_US-joe-medium", "fake:a").replace("kokoro:af_heart", "fake:b") % ("Hi.", "Yes.")
    episode = parse_script(text, path=tmp_path / "t.md")
    registry = Registry()
    registry.register(FakeEngine())
    synthesize_episode(episode, cast(episode, "local", registry), ClipCache(tmp_path / "cache"))
    pacing, prepared = Pacing.from_episode(episode), ClipCache(tmp_path / "cache").prepared
    for chunk in (c for chunks in plan_episode(episode, cast(episode, "local", registry)).chunks for c in chunks):
        clip = ClipCache(tmp_path / "cache").get("fake", chunk.key)
        assert clip is not None
        stats = clips.measure_clip(clip, pacing, prepared)
    clips.tamed_stats(clip, stats, stats.peak_dbfs - 3, pacing, prepared)  # one clip tamed, as loud ones are
    parts = parts_folder(tmp_path / "t.md", tmp_path / "out")
    parts.mkdir(parents=True)
    (tmp_path / "a.pcm").write_bytes(bytes(44100))
    master._encode_part(tmp_path / "a.pcm", 0.0, -2.5, parts, "p1", 96)
    clips._ANALYSES.clear()  # as in a new watch process
    master._read_parts.clear()

    cache = ClipCache(tmp_path / "cache")
    read_clips([episode], "local", registry, cache, tmp_path / "out")
    keys = {c.key for chunks in plan_episode(episode, cast(episode, "local", registry)).chunks for c in chunks}
    assert set(cache._verified) == keys and len(keys) == 4
    assert len({path for path, _, _ in clips._ANALYSES}) == 5  # four analyses and the tamed one
    assert list(master._read_parts) == [parts / "p1.mp3"]
