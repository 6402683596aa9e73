"""Hostile inputs through the real CLI in a real process: each gives a clear error naming the file, the line
and the fix (exit 2), or builds correctly.  Never a traceback.

Voices are espeak-ng's library (fast, from a wheel), so every case synthesizes for real.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HEAD = """---
title: {title}
speakers:
  interviewer: {{name: Ann Host, role: host, voices: {{local: ['espeak:en-us']}}}}
  zhanar: {{name: Zhanar Guest, role: guest, voices: {{local: ['espeak:en-us+f2']}}}}
{extra}---
"""


def script(body: str, title: str = "A Test", extra: str = "") -> str:
    return HEAD.format(title=title, extra=extra) + body


def run_build(path: Path, out: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shalket_audio", "build", str(path), "--out", str(out), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ, COLUMNS="200"),
    )


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-3000:]
    assert "Warning" not in result.stderr, result.stderr[-3000:]


def bomb(folder: Path) -> None:
    """A PNG of 20,000 x 20,000 pixels in about 50 KB: 400 megapixels once decoded."""
    from PIL import Image

    Image.new("1", (20000, 20000)).save(folder / "cover.png", optimize=True)


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    code: int
    says: tuple[str, ...] = ()  # fragments of the message (for errors) or of the summary (for builds)
    line: int | None = None  # the line the error names
    setup: Callable[[Path], None] | None = None


CHAPTERS_600 = "".join(f"# Chapter {n}\ninterviewer: Part {n}.\n" for n in range(1, 601))
HEAD_LINES = script("").count("\n")
CASES = [
    Case(
        "600 chapters",
        script(CHAPTERS_600),
        2,
        ("at most 255 chapters", "fix: merge chapters"),
        line=HEAD_LINES + 2 * 255 + 1,
    ),
    Case(
        "a segment line of 100,000 characters",
        script("# One\ninterviewer: " + "Words and more words. " * 4546 + "\n"),
        2,
        ("100,0", "at most 10,000", "fix: split it into several"),
        line=HEAD_LINES + 2,
    ),
    Case(
        "a cover that is a decompression bomb",
        script("# One\ninterviewer: Hello.\n", extra="cover: cover.png\n"),
        2,
        ("too large to open safely", "fix: use a square image"),
        line=HEAD_LINES,  # the front matter's 'cover:' line, just above the closing '---'
        setup=bomb,
    ),
    Case(
        "segments of only brackets and parentheses",
        script("# One\ninterviewer: Hello.\nzhanar: [[(())]] ( ) [ ]\n"),
        2,
        ("has nothing to say", "fix:"),
        line=HEAD_LINES + 3,
    ),
    Case(
        "a segment of a lone ellipsis",
        script("# One\ninterviewer: ...\n"),
        2,
        ("has nothing to say",),
        line=HEAD_LINES + 2,
    ),
    Case("a 10,000-character title", script("# One\ninterviewer: Hello there.\n", title="T" * 10_000), 0, ("built",)),
    Case(
        "a segment with 9,000 spaces inside",
        script("# One\ninterviewer: Hello" + " " * 9000 + "there.\n"),
        0,
        ("built",),
    ),
    Case(
        "a near-silent voice beside a normal one",
        script("# One\ninterviewer: Hello there, this is a test.\nzhanar: Hm.\n"),
        0,
        ("built",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_gives_a_clear_error_or_builds(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "case.md"
    path.write_text(case.text, encoding="utf-8")
    if case.setup is not None:
        case.setup(tmp_path)
    out = tmp_path / "out"
    result = run_build(path, out)
    assert_no_traceback(result)
    assert result.returncode == case.code, result.stderr[-2000:]
    if case.code:
        where = f"{path}:{case.line}:" if case.line else f"{path}"
        assert f"error: {where}" in result.stderr, result.stderr
        assert "fix:" in result.stderr
        assert not (out / "case.mp3").exists(), "no output for a script that cannot be built"
    else:
        check_episode(out, "case")
    for fragment in case.says:
        assert fragment in (result.stderr if case.code else result.stdout), (fragment, result.stderr, result.stdout)


def check_episode(out: Path, name: str) -> None:
    """The MP3 decodes without a single ffmpeg complaint and the timeline covers it."""
    from conftest import ffmpeg_binary

    mp3 = out / f"{name}.mp3"
    decoded = subprocess.run([ffmpeg_binary(), "-v", "error", "-i", str(mp3), "-f", "null", "-"], capture_output=True)
    assert decoded.returncode == 0 and not decoded.stderr, decoded.stderr
    timeline = json.loads((out / f"{name}.timeline.json").read_text(encoding="utf-8"))
    assert timeline["chapters"][0]["start_ms"] == 0 and timeline["segments"]
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")], "no temporary files left"


@pytest.mark.slow
def test_five_thousand_segments_build_in_bounded_memory(tmp_path: Path) -> None:
    """5,000 segments (two texts, so two clips) in 50 chapters: the build completes and places every one."""
    body = "".join(
        f"# Part {c}\n" + "".join(f"{('interviewer', 'zhanar')[s % 2]}: {('Yes.', 'No.')[s % 2]}\n" for s in range(100))
        for c in range(50)
    )
    path = tmp_path / "many.md"
    path.write_text(script(body, extra="pacing: {turn: 50ms, lead_in: 50ms, tail: 100ms}\n"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", RSS_RUNNER, "build", str(path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert_no_traceback(result)
    assert result.returncode == 0, result.stderr[-2000:]
    check_episode(tmp_path / "out", "many")
    timeline = json.loads((tmp_path / "out" / "many.timeline.json").read_text(encoding="utf-8"))
    assert len(timeline["segments"]) == 5000 and len(timeline["chapters"]) == 50
    rss_mb = float(result.stderr.rsplit("RSS ", 1)[1].split()[0])
    assert rss_mb < 400, f"peak RSS {rss_mb} MB"


#: Runs the CLI in this process and prints its peak RSS: VmHWM, this process's own high-water mark
#: (getrusage's ru_maxrss survives exec, so it would count the pytest process that started this one).
RSS_RUNNER = """
import sys
from shalket_audio.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(f"RSS {peak / 1024:.1f}", file=sys.stderr)
"""

WORDS = st.text(alphabet=st.sampled_from("abcdefgh xyz.,;:!?'()[]-–—…“”$%&0123456789 "), min_size=1, max_size=40)
LINES = st.one_of(
    st.tuples(st.sampled_from(["interviewer", "zhanar"]), WORDS).map(lambda t: f"{t[0]}: {t[1]}"),
    st.builds(lambda n: f"[pause {n}ms]", st.integers(min_value=0, max_value=2000)),
    st.just(""),
    st.builds(lambda t: f"# {t}", st.text(alphabet="abc XYZ<&>", min_size=1, max_size=20)),
)


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(alphabet="ab <&>“", min_size=1, max_size=30), lines=st.lists(LINES, min_size=1, max_size=6))
def test_random_tiny_scripts_build_or_fail_clearly(tmp_path: Path, title: str, lines: list[str]) -> None:
    """Any tiny script, built end to end with real voices: exit 0 with a valid episode, or exit 2 with
    'error: FILE:LINE: …' and a fix.  Never a traceback."""
    path = tmp_path / "random.md"
    path.write_text(script("# Start\n" + "\n".join(lines) + "\n", title=title.strip() or "T"), encoding="utf-8")
    out = tmp_path / f"out-{abs(hash((title, tuple(lines))))}"
    result = run_build(path, out, timeout=300)
    assert_no_traceback(result)
    assert result.returncode in (0, 2), result.stderr[-2000:]
    if result.returncode == 0:
        check_episode(out, "random")
    else:
        assert result.stderr.startswith(f"error: {path}"), result.stderr
        assert "fix:" in result.stderr


def test_a_silent_episode_is_an_error_naming_the_first_silent_segment(tmp_path: Path) -> None:
    """Audio with no sound (here from an engine that returns only zeros) cannot reach -16 LUFS: a clear
    error at the first silent segment, not a NaN gain."""
    import io
    import wave

    from conftest import FakeEngine
    from shalket_audio.build import build_episode
    from shalket_audio.errors import ScriptError
    from shalket_audio.script import load_script
    from shalket_audio.voices import Audio, Registry, VoiceRef

    class SilentEngine(FakeEngine):
        def synthesize(self, text: str, voice: VoiceRef) -> Audio:
            buffer = io.BytesIO()
            with wave.open(buffer, "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(16000)
                wav.writeframes(bytes(16000))
            return Audio(buffer.getvalue(), "wav")

    registry = Registry()
    registry.register(SilentEngine())
    path = tmp_path / "silent.md"
    path.write_text(
        script("# One\ninterviewer: Hello.\nzhanar: Hi.\n")
        .replace("espeak:en-us+f2", "fake:b")
        .replace("espeak:en-us", "fake:a"),
        encoding="utf-8",
    )
    with pytest.raises(ScriptError, match="silent once synthesized") as caught:
        build_episode(load_script(path), tmp_path / "out", registry=registry)
    assert caught.value.line == HEAD_LINES + 2 and "fix:" in str(caught.value)
