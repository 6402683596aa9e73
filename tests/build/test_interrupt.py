"""Ctrl-C during a real build's synthesis, with Piper and Kokoro workers running: the build says it is
stopping, exits within 1 s, leaves no worker process behind, keeps the clips that finished, and a rerun
resumes from them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_hostile_inputs import assert_no_traceback, check_episode

pytestmark = pytest.mark.slow

SCRIPT = """---
title: Interrupted
speakers:
  interviewer: {name: Ann Host, role: host, voices: {local: ['piper:en_US-joe-medium']}}
  zhanar: {name: Zhanar Guest, role: guest, voices: {local: ['kokoro:af_heart']}}
---
# One
""" + "".join(
    f"interviewer: This is sentence number {n} of a build that will be interrupted while it speaks.\n"
    f"zhanar: And this is my answer number {n}, which takes the neural voice a moment to say.\n"
    for n in range(1, 13)
)

WORKER_MODULES = (b"shalket_audio.voices.piper", b"shalket_audio.voices.kokoro")


def worker_pids(parent: int) -> set[int]:
    """The engine workers that ``parent`` started, found in /proc (no psutil)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and any(module in cmdline for module in WORKER_MODULES):
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def clips(cache: Path) -> list[Path]:
    return [p for p in (cache / "clips").glob("*/*-*") if not p.name.startswith(".")]


def test_ctrl_c_during_synthesis_stops_within_a_second_and_the_rerun_resumes(tmp_path: Path) -> None:
    path, out, cache = tmp_path / "stop.md", tmp_path / "out", tmp_path / "cache"
    path.write_text(SCRIPT, encoding="utf-8")
    env = dict(os.environ, SHALKET_CACHE_DIR=str(cache), COLUMNS="200")
    command = [sys.executable, "-m", "shalket_audio", "build", str(path), "--out", str(out)]
    build = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    workers: set[int] = set()
    deadline = time.monotonic() + 300
    # Mid-synthesis: both engines' workers are up and some clips are made, but far from all 24.
    while time.monotonic() < deadline and build.poll() is None:
        workers |= worker_pids(build.pid)
        if len(clips(cache)) >= 2 and workers:
            break
        time.sleep(0.05)
    assert build.poll() is None, build.communicate()
    made_before = len(clips(cache))
    assert workers and made_before < 24, (workers, made_before)
    sent = time.monotonic()
    build.send_signal(signal.SIGINT)
    _, stderr = build.communicate(timeout=30)
    took = time.monotonic() - sent
    print(f"stopped {took:.3f}s after SIGINT, {len(workers)} workers, {made_before} clips made")
    assert took < 1.0, f"took {took:.2f}s to stop: {stderr}"
    assert build.returncode == 130, stderr
    assert "stopping" in stderr and "running again resumes" in stderr, stderr
    assert "Traceback" not in stderr, stderr
    time.sleep(0.2)  # a worker killed by the build is reaped by it; give init a moment for any orphan
    assert not [pid for pid in workers if alive(pid)], "engine workers still running after Ctrl-C"
    assert not (out / "stop.mp3").exists()
    kept = len(clips(cache))
    assert kept >= made_before
    # No new clip appears once the build is gone: nothing kept making clips after the interrupt.
    time.sleep(1.0)
    assert len(clips(cache)) == kept

    rerun = subprocess.run([*command, "--jobs", "2"], capture_output=True, text=True, env=env, timeout=600)
    assert_no_traceback(rerun)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    hits = int(rerun.stdout.split(" clips from the cache")[0].rsplit(" ", 1)[1].split("/")[0])
    assert hits >= kept, rerun.stdout  # every clip the interrupted build finished was used again
    check_episode(out, "stop")
