"""A build with nothing to do is answered from the record the last build left (``cli/replay.py``), without
loading typer or the build, and only while everything it depends on is as it was."""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from shalket_audio.cli.replay import RECORD_NAME, out_folder

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

#: Runs the console script's ``main`` and says on stderr whether typer was loaded.
RUNNER = (
    "import sys; from shalket_audio.cli import main; sys.argv = ['shalket-audio', *sys.argv[1:]]\n"
    "try:\n    main()\nfinally:\n    print('typer loaded:', 'typer' in sys.modules, file=sys.stderr)\n"
)


@pytest.fixture
def project(tmp_path: Path, isolated_cache: Path) -> tuple[Path, Path, dict[str, str]]:
    script, out = tmp_path / "quick.md", tmp_path / "out"
    script.write_text(SCRIPT, encoding="utf-8")
    env = dict(os.environ, SHALKET_CACHE_DIR=str(isolated_cache))
    env.pop("SHALKET_REPLAY", None)
    return script, out, env


def _build(script: Path, out: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", RUNNER, "build", str(script), "--out", str(out), *extra]
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False, cwd=script.parent)


def _without_time(text: str) -> str:
    return re.sub(r"^  \d+\.\ds: ", "  N s: ", text, flags=re.MULTILINE)


def test_a_no_op_is_replayed_with_the_same_words_and_without_loading_the_cli(
    project: tuple[Path, Path, dict[str, str]],
) -> None:
    script, out, env = project
    built = _build(script, out, env)
    assert built.returncode == 0 and "quick.mp3: built" in built.stdout, built.stderr
    assert (out / RECORD_NAME).is_file()
    full = _build(script, out, dict(env, SHALKET_REPLAY="0"))  # the no-op in full, for comparison
    assert "up to date, nothing to do" in full.stdout and "typer loaded: True" in full.stderr
    replayed = _build(script, out, env)
    assert replayed.returncode == 0, replayed.stderr
    assert "typer loaded: False" in replayed.stderr, "answered from the record"
    assert _without_time(replayed.stdout) == _without_time(full.stdout)


def test_what_a_build_depends_on_changing_runs_it_in_full(project: tuple[Path, Path, dict[str, str]]) -> None:
    script, out, env = project
    assert _build(script, out, env).returncode == 0

    script.write_text(SCRIPT.replace("Thank you.", "Thank you, Ann."), encoding="utf-8")
    edited = _build(script, out, env)
    assert "quick.mp3: built" in edited.stdout and "typer loaded: True" in edited.stderr, edited.stdout

    (out / "feed.xml").unlink()  # an output gone: the full build puts it back
    republished = _build(script, out, env)
    assert "published" in republished.stdout and (out / "feed.xml").is_file(), republished.stdout

    moved = _build(script, out, env, "--bitrate", "128")  # another command line: not the recorded one
    assert "typer loaded: True" in moved.stderr and "quick.mp3: built" in moved.stdout, moved.stdout
    again = _build(script, out, env, "--bitrate", "128")
    assert "typer loaded: False" in again.stderr and "(128 kbps CBR)" in again.stdout


def test_a_build_holding_the_lock_is_waited_for_not_replayed(project: tuple[Path, Path, dict[str, str]]) -> None:
    script, out, env = project
    assert _build(script, out, env).returncode == 0
    fd = os.open(out / ".shalket-audio.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another build is writing OUT
        blocked = _build(script, out, env, "--wait", "0")
    finally:
        os.close(fd)
    assert blocked.returncode == 1 and "typer loaded: True" in blocked.stderr, blocked.stdout + blocked.stderr


def test_a_failed_build_leaves_no_record(project: tuple[Path, Path, dict[str, str]]) -> None:
    script, out, env = project
    assert _build(script, out, env).returncode == 0
    script.write_text(SCRIPT.replace("zhanar: Thank you.", "nobody: Thank you."), encoding="utf-8")
    failed = _build(script, out, env)
    assert failed.returncode == 2 and "nobody" in failed.stderr
    assert not (out / RECORD_NAME).exists()
    script.write_text(SCRIPT, encoding="utf-8")
    assert "typer loaded: True" in _build(script, out, env).stderr


@pytest.mark.parametrize(
    ("argv", "out"),
    [
        (["build"], Path("output")),
        (["build", "script/a.md", "--out", "public"], Path("public")),
        (["build", "-o", "public", "--bitrate", "128"], Path("public")),
        (["build", "--out=public"], Path("public")),
        (["build", "--force"], None),
        (["build", "--watch"], None),
        (["build", "--verify"], None),
        (["build", "--help"], None),
        (["build", "-opublic"], None),
        (["build", "-j", "2"], None),
        (["build", "--out"], None),
        (["say", "hello"], None),
        ([], None),
    ],
)
def test_only_plain_builds_are_replayed(argv: list[str], out: Path | None) -> None:
    assert out_folder(argv) == out
