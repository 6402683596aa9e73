"""Fault injection on real builds in real processes (``fault_runner.py``): SIGKILL at several points, an
engine that fails 30% of its calls, a hung engine, a damaged cache and parts cache, and two builds at once.

After every fault the previous episode is byte-identical (or, killed after the MP3 was replaced, the new MP3
is whole), and a plain rerun completes from the cache with valid outputs and no leftovers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_hostile_inputs import check_episode, script

pytestmark = pytest.mark.slow

RUNNER = Path(__file__).with_name("fault_runner.py")
BODY = """# First
interviewer: Welcome to a short test of the build, said {word}.
zhanar: The first thing that takes you to the street is your pocket.
# Second
interviewer: {word} asked about the mothers nobody mentions.
zhanar: There were women there too, and {word} saw them.
# Third
interviewer: Thank you, {word}, and goodbye.
zhanar: Goodbye.
"""


def text(word: str) -> str:
    return script(BODY.format(word=word), title="Faults")


def run(fault: str, path: Path, out: Path, cache: Path, *args: str, seed: int = 0) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SHALKET_CACHE_DIR=str(cache), SHALKET_FAULT_SEED=str(seed))
    return subprocess.run(
        [sys.executable, str(RUNNER), fault, "build", str(path), "--out", str(out), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


#: Not outputs: the lock, and the replay record every build deletes as it starts (``cli/replay.py``).
NOT_OUTPUTS = (".shalket-audio.lock", ".shalket-audio.replay.json")


def snapshot(out: Path) -> dict[str, bytes]:
    """Every output a listener or the next build reads."""
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name not in NOT_OUTPUTS}


def leftovers(out: Path) -> list[str]:
    found = [p.name for p in out.iterdir() if p.is_dir() and p.name != ".faults.parts"]
    found += [p.name for p in out.rglob("*.tmp")] + [p.name for p in (out / ".faults.parts").glob(".part-*")]
    return found


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, bytes]]:
    """A built episode (the 'previous episode' of every fault) and its clip cache."""
    work = tmp_path_factory.mktemp("faults")
    path, out, cache = work / "faults.md", work / "out", work / "cache"
    path.write_text(text("Alice"), encoding="utf-8")
    result = run("none", path, out, cache)
    assert result.returncode == 0, result.stderr
    return out, cache, snapshot(out)


def setup(baseline: tuple[Path, Path, dict[str, bytes]], tmp_path: Path, word: str) -> tuple[Path, Path, Path]:
    """A copy of the baseline's output folder and cache, and the script edited with ``word`` in every chapter
    (so every chapter is synthesized and encoded again)."""
    out, cache, _ = baseline
    shutil.copytree(out, tmp_path / "out")
    shutil.copytree(cache, tmp_path / "cache")
    path = tmp_path / "faults.md"
    path.write_text(text(word), encoding="utf-8")
    return path, tmp_path / "out", tmp_path / "cache"


def rerun_completes(path: Path, out: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    result = run("none", path, out, cache)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    check_episode(out, "faults")
    assert not leftovers(out), leftovers(out)
    timeline = json.loads((out / "faults.timeline.json").read_text(encoding="utf-8"))
    assert [c["title"] for c in timeline["chapters"]] == ["First", "Second", "Third"]
    return result


@pytest.mark.parametrize("point", ["kill-synth", "kill-assemble", "kill-encode", "kill-publish"])
def test_sigkill_then_rerun_completes_from_the_cache(
    point: str, baseline: tuple[Path, Path, dict[str, bytes]], tmp_path: Path
) -> None:
    path, out, cache = setup(baseline, tmp_path, point.split("-")[1].title())
    killed = run(point, path, out, cache)
    assert killed.returncode == -9, killed.stderr
    assert not (out / NOT_OUTPUTS[1]).exists(), "a killed build leaves no record for a replay to trust"
    if point == "kill-publish":
        # The new MP3 is in place, whole; its timeline and record are not, so the rerun redoes the rest.
        check_episode_mp3_only(out)
        assert snapshot(out)[".faults.build.json"] == baseline[2][".faults.build.json"]
    else:
        assert snapshot(out) == baseline[2], "the previous episode is byte-identical"
    rerun = rerun_completes(path, out, cache)
    done = re.search(r"(\d+)/(\d+) clips from the cache, (\d+) clips synthesized", rerun.stdout)
    assert done, rerun.stdout
    hits, clips, synthesized = map(int, done.groups())
    # Four lines changed; the killed run had cached two of them (kill-synth) or all four (later points).
    assert synthesized == (2 if point == "kill-synth" else 0) and hits + synthesized == clips


def check_episode_mp3_only(out: Path) -> None:
    from conftest import ffmpeg_binary

    decoded = subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-i", str(out / "faults.mp3"), "-f", "null", "-"], capture_output=True
    )
    assert decoded.returncode == 0 and not decoded.stderr


def test_an_engine_failing_thirty_percent_of_calls(
    baseline: tuple[Path, Path, dict[str, bytes]], tmp_path: Path
) -> None:
    """Each failed run exits 1 with a clear message and leaves the previous episode byte-identical; what it
    synthesized is kept, so reruns complete."""
    path, out, cache = setup(baseline, tmp_path, "Flaky")
    failures = 0
    for seed in range(1, 30):
        result = run("flaky", path, out, cache, seed=seed)
        assert "Traceback" not in result.stderr
        if result.returncode == 0:
            break
        failures += 1
        assert result.returncode == 1, result.stderr
        assert re.search(r"error: .*faults\.md:\d+: could not synthesize", result.stderr), result.stderr
        assert "injected failure" in result.stderr and "fix: run the build again" in result.stderr
        assert snapshot(out) == baseline[2], "a failed build leaves the previous episode byte-identical"
    else:
        pytest.fail("29 runs of an engine failing 30% of calls never completed")
    check_episode(out, "faults")
    assert not leftovers(out)
    print(f"flaky engine: {failures} failed runs before one completed")


def test_a_hung_engine_times_out_clearly(baseline: tuple[Path, Path, dict[str, bytes]], tmp_path: Path) -> None:
    path, out, cache = setup(baseline, tmp_path, "Hung")
    started = time.monotonic()
    result = run("hang", path, out, cache)
    assert time.monotonic() - started < 120
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "took longer than 2s" in result.stderr and "fix:" in result.stderr
    assert snapshot(out) == baseline[2]
    rerun_completes(path, out, cache)


def test_damaged_cache_and_parts_are_made_again(baseline: tuple[Path, Path, dict[str, bytes]], tmp_path: Path) -> None:
    path, out, cache = setup(baseline, tmp_path, "Alice")  # the baseline's own text: every clip is cached
    for number, clip in enumerate(sorted((cache / "clips").rglob("*.wav"))):
        clip.write_bytes(clip.read_bytes()[: 100 * (number % 3)])  # empty, or a truncated header
    for prepared in (cache / "prepared").rglob("*.npz"):
        prepared.write_bytes(b"not a zip")
    for part in (out / ".faults.parts").iterdir():
        part.write_bytes(part.read_bytes()[: len(part.read_bytes()) // 2])
    (out / "faults.mp3").unlink()  # so the build has to make the episode again
    result = rerun_completes(path, out, cache)
    assert "0/6 clips from the cache, 6 clips synthesized, 3 of 3 parts encoded" in result.stdout


def test_two_builds_into_one_folder_take_turns(baseline: tuple[Path, Path, dict[str, bytes]], tmp_path: Path) -> None:
    """The second build waits, saying for whom, then finds the episode the first one built up to date."""
    path, out, cache = setup(baseline, tmp_path, "Twice")
    env = dict(os.environ, SHALKET_CACHE_DIR=str(cache))
    command = [sys.executable, str(RUNNER)]
    build = ["build", str(path), "--out", str(out)]
    first = subprocess.Popen(
        [*command, "slow", *build], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    lock = out / ".shalket-audio.lock"
    deadline = time.monotonic() + 60
    while f'"pid": {first.pid}' not in (lock.read_text() if lock.exists() else ""):
        assert time.monotonic() < deadline and first.poll() is None, "the first build never took the lock"
        time.sleep(0.05)
    impatient = subprocess.run([*command, "none", *build, "--wait", "0.5"], capture_output=True, text=True, env=env)
    second = subprocess.Popen(
        [*command, "none", *build], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    first_out, first_err = first.communicate(timeout=600)
    second_out, second_err = second.communicate(timeout=600)
    assert first.returncode == 0, first_err
    assert second.returncode == 0, second_err
    assert f"is being built by pid {first.pid} on " in second_err and "waiting for it to finish" in second_err
    assert "faults.mp3: built" in first_out and "faults.mp3: up to date" in second_out
    assert impatient.returncode == 1 and "Traceback" not in impatient.stderr
    assert re.search(rf"is being built by pid {first.pid} on \S+, started \d{{4}}-\d\d-\d\d ", impatient.stderr)
    assert "fix:" in impatient.stderr
    check_episode(out, "faults")
    assert not leftovers(out)


def test_two_builds_sharing_a_cache_write_the_same_clips_at_once(
    baseline: tuple[Path, Path, dict[str, bytes]], tmp_path: Path
) -> None:
    """Different output folders, one cache, the same new clips synthesized by both at the same time."""
    path, _, cache = setup(baseline, tmp_path, "Shared")
    env = dict(os.environ, SHALKET_CACHE_DIR=str(cache))
    builds = [
        subprocess.Popen(
            [sys.executable, str(RUNNER), "none", "build", str(path), "--out", str(tmp_path / name)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name in ("a", "b")
    ]
    for process in builds:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0 and "Traceback" not in stderr, stderr
    for name in ("a", "b"):
        check_episode(tmp_path / name, "faults")
    clips = [p for p in (cache / "clips").rglob("*") if p.is_file()]
    assert not [p for p in clips if p.name.endswith(".tmp")]
    rebuilt = run("none", path, tmp_path / "c", cache)
    assert "6/6 clips from the cache" in rebuilt.stdout, "every clip either build wrote is whole and reusable"
