"""A build with nothing to do is answered from the record the last build left (``cli/replay.py``), without
loading typer or the build, and only while everything it depends on is as it was; without the record, the
full no-op still loads no audio stack."""

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


#: Modules the up-to-date path must not load (each costs tens of milliseconds to import).
HEAVY = ("numpy", "scipy", "soxr", "pydub", "mutagen", "PIL", "rich", "webvtt", "onnxruntime", "piper")


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


#: The runner, with a save of the script landing while the build runs (after it read the script).
SAVED_DURING = RUNNER.replace(
    "try:\n",
    "import pathlib\nfrom shalket_audio.cli import build_commands\nbuild = build_commands._build_all\n"
    "def saved_during(*args, **kwargs):\n"
    "    result = build(*args, **kwargs)\n"
    "    script = pathlib.Path(sys.argv[2])\n"
    "    script.write_text(script.read_text() + 'zhanar: Saved while it built.\\n')\n"
    "    return result\n"
    "build_commands._build_all = saved_during\n"
    "try:\n",
)


def test_a_save_during_the_build_leaves_no_record(project: tuple[Path, Path, dict[str, str]]) -> None:
    script, out, env = project
    assert _build(script, out, env).returncode == 0
    command = [sys.executable, "-c", SAVED_DURING, "build", str(script), "--out", str(out), "--bitrate", "64"]
    during = subprocess.run(command, capture_output=True, text=True, env=env, check=False, cwd=script.parent)
    assert during.returncode == 0 and "quick.mp3: built" in during.stdout, during.stderr
    assert not (out / RECORD_NAME).exists(), "what was built is not what the script says now"
    after = _build(script, out, env, "--bitrate", "64")
    assert "quick.mp3: built" in after.stdout and "typer loaded: True" in after.stderr, after.stdout


def test_another_episodes_cover_changing_runs_the_build_in_full(
    project: tuple[Path, Path, dict[str, str]],
) -> None:
    from PIL import Image

    script, out, env = project
    other = script.with_name("other.md")
    other.write_text(SCRIPT.replace("title: Quick", "title: Other\ncover: other.jpg"), encoding="utf-8")
    Image.new("RGB", (1400, 1400), (200, 30, 30)).save(other.with_name("other.jpg"), quality=90)
    assert _build(other, out, env).returncode == 0
    assert _build(script, out, env).returncode == 0
    assert "typer loaded: False" in _build(script, out, env).stderr
    Image.new("RGB", (1400, 1400), (30, 30, 200)).save(other.with_name("other.jpg"), quality=90)
    again = _build(script, out, env)
    assert "typer loaded: True" in again.stderr and "published" in again.stdout, again.stdout


def test_the_voice_files_a_script_names_are_inputs(project: tuple[Path, Path, dict[str, str]]) -> None:
    from shalket_audio.cli.build_commands import _inputs
    from shalket_audio.script import parse_script

    script, out, env = project
    assert _build(script, out, env).returncode == 0
    voiced = SCRIPT.replace(
        "['flite:slt']}}\n---", "['piper:/models/me.onnx', 'kokoro:af_heart:model=~/k.onnx']}}\n---"
    )
    episode = parse_script(voiced, path=script)
    files, folders = _inputs([episode], out, from_folder=False)
    expected = {Path("/models/me.onnx"), Path("/models/me.onnx.json"), Path("~/k.onnx").expanduser()}
    assert expected <= files and script in files and not folders


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


def test_the_full_no_op_imports_no_audio_stack(tmp_path: Path, isolated_cache: Path) -> None:
    """The no-op taken whenever the replay does not hold (here SHALKET_REPLAY=0) loads only what deciding
    "up to date" needs: not the audio stack, the listener files' renderers, the progress display or the
    engines' runtimes (its time is mostly imports)."""
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
