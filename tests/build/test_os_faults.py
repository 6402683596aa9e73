"""What the operating system and the install can do to a build, and text no output can hold, through the
real CLI in real processes.  Each case gets a clear message (the path or FILE:LINE, what went wrong, a
``fix:``) and exit code 1 or 2, never a traceback, and the episode built before it stays byte-identical.

Faults are real where the machine allows (a path under a file, an immutable folder with ``chattr +i``, a
full tmpfs when the test runs as root) and injected in the process otherwise (``os_fault_runner.py``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_hostile_inputs import HEAD_LINES, assert_no_traceback, check_episode, script

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("os_fault_runner.py")
BODY = "# One\ninterviewer: Welcome to a short test of the build.\nzhanar: Thank you, it is good to be here.\n"


def cli(
    *args: str, fault: str | None = None, prefix: Path | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "shalket_audio", *args]
    if fault is not None:
        command = [sys.executable, str(RUNNER), fault, str(prefix), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=dict(os.environ, COLUMNS="200"))


def snapshot(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and p.name not in (".shalket-audio.lock", ".shalket-audio.replay.json")  # not outputs
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An episode built once (espeak-ng voices), copied into each case's output folder."""
    folder = tmp_path_factory.mktemp("built")
    (folder / "ep.md").write_text(script(BODY), encoding="utf-8")
    result = cli("build", str(folder / "ep.md"), "--out", str(folder / "out"), "--cache-dir", str(folder / "cache"))
    assert result.returncode == 0, result.stderr
    return folder


@dataclass(frozen=True)
class Case:
    name: str
    #: (case folder, the prepared episode's folder) -> (CLI arguments, fault, fault's path prefix)
    setup: Callable[[Path], tuple[list[str], str | None, Path | None]]
    code: int
    says: tuple[str, ...]  # fragments of the message; "{tmp}" stands for the case's folder


def _build(tmp: Path, out: Path, *more: str) -> list[str]:
    return ["build", str(tmp / "ep.md"), "--out", str(out), "--cache-dir", str(tmp / "cache"), *more]


def out_under_a_file(tmp: Path) -> tuple[list[str], str | None, Path | None]:
    (tmp / "afile").write_text("not a folder")
    return _build(tmp, tmp / "afile" / "out"), None, None


def out_is_a_file(tmp: Path) -> tuple[list[str], str | None, Path | None]:
    (tmp / "afile").write_text("not a folder")
    return _build(tmp, tmp / "afile"), None, None


def denied(tmp: Path) -> tuple[list[str], str | None, Path | None]:
    return _build(tmp, tmp / "out", "--force"), "eacces", tmp / "out"


def full_at_the_move(tmp: Path) -> tuple[list[str], str | None, Path | None]:
    return _build(tmp, tmp / "out", "--force"), "enospc-replace", tmp / "out"


def full_in_a_write(tmp: Path) -> tuple[list[str], str | None, Path | None]:
    return _build(tmp, tmp / "out", "--force"), "enospc-fsync", tmp / "out"


def say_into_a_folder(tmp: Path) -> tuple[list[str], str | None, Path | None]:
    (tmp / "adir").mkdir()
    return ["say", str(tmp / "ep.md"), "--speaker", "zhanar", "Hello", "-o", str(tmp / "adir")], None, None


def script_under_a_file(tmp: Path) -> tuple[list[str], str | None, Path | None]:
    (tmp / "afile").write_text("not a folder")
    article = str(ROOT / "script" / "shal-ket.article.txt")
    return ["script", article, "-o", str(tmp / "afile" / "x.md")], None, None


def verify_without_the_extra(tmp: Path) -> tuple[list[str], str | None, Path | None]:
    return ["verify", str(tmp / "ep.md"), "--out", str(tmp / "out")], "no-verify-extra", tmp


def build_verify_without_the_extra(tmp: Path) -> tuple[list[str], str | None, Path | None]:
    (tmp / "ep.md").write_text(script(BODY.replace("short", "brief")), encoding="utf-8")  # would rebuild
    return _build(tmp, tmp / "out", "--verify"), "no-verify-extra", tmp


def inspect_truncated(tmp: Path) -> tuple[list[str], str | None, Path | None]:
    data = (tmp / "out" / "ep.mp3").read_bytes()
    (tmp / "cut.mp3").write_bytes(data[:200])  # cut inside the ID3 tag
    return ["inspect", str(tmp / "cut.mp3")], None, None


def edited(body: str, extra: str = "") -> Callable[[Path], tuple[list[str], str | None, Path | None]]:
    def setup(tmp: Path) -> tuple[list[str], str | None, Path | None]:
        (tmp / "ep.md").write_text(script(body, extra=extra), encoding="utf-8")
        return _build(tmp, tmp / "out"), None, None

    return setup


SEGMENT = HEAD_LINES + 2
CASES = [
    Case("--out under a regular file", out_under_a_file, 2, ("{tmp}/afile/out: a part of this path is a file",)),
    Case("--out is a file", out_is_a_file, 2, ("{tmp}/afile: a file is in the way",)),
    Case("a folder we may not write (injected)", denied, 2, ("{tmp}/out: permission denied", "chmod")),
    Case("disk full moving the MP3 into place (injected)", full_at_the_move, 1, ("no space left", "free some space")),
    Case("disk full in a write that names no file (injected)", full_in_a_write, 1, ("{tmp}/out/", "no space left")),
    Case("say -o a folder", say_into_a_folder, 2, ("{tmp}/adir: this is a folder", "name a file")),
    Case("script -o under a file", script_under_a_file, 2, ("{tmp}/afile: a file is in the way",)),
    Case(
        "verify without the [verify] extra",
        verify_without_the_extra,
        1,
        ("not installed", "pip install -e '.[verify]'"),
    ),
    Case("build --verify without the extra", build_verify_without_the_extra, 1, ("not installed", "pip install")),
    Case("inspect a truncated MP3", inspect_truncated, 2, ("{tmp}/cut.mp3: not a readable MP3 (", "fix:")),
    Case(
        "a NUL inside a segment",
        edited("# One\ninterviewer: Hello\0 there.\n"),
        2,
        (f"{{tmp}}/ep.md:{SEGMENT}: a control character U+0000 (NUL) at column 19", "fix: delete it"),
    ),
    Case(
        "a vertical tab inside a chapter title",
        edited("# One\vTwo\ninterviewer: Hello there.\n"),
        2,
        (f"{{tmp}}/ep.md:{SEGMENT - 1}: a control character U+000B (VERTICAL TAB)",),
    ),
    Case(
        "Arabic in an English episode",
        edited("# One\ninterviewer: Hello there.\nzhanar: مرحبا بكم في البرنامج\n"),
        2,
        (f"{{tmp}}/ep.md:{SEGMENT + 1}: segment for 'zhanar' has text its voice cannot say", "Arabic letters", "fix:"),
    ),
    Case(
        "Hebrew in an English episode",
        edited("# One\ninterviewer: He said שלום to us.\n"),
        2,
        (f"{{tmp}}/ep.md:{SEGMENT}:", "Hebrew letters"),
    ),
    Case(
        "emoji in a segment",
        edited("# One\ninterviewer: We love it \u2764\ufe0f \U0001f600.\n"),
        2,
        (f"{{tmp}}/ep.md:{SEGMENT}:", "symbol or emoji"),
    ),
    Case(
        "IPA with characters no phoneme set has",
        edited("# One\ninterviewer: Hello Zhanar.\n", extra='lexicon:\n  Zhanar: {ipa: "ʒɑ<n>{r}"}\n'),
        2,
        (f"{{tmp}}/ep.md:{HEAD_LINES + 1}: the lexicon's IPA for 'Zhanar'", "'<' (less-than sign)", "fix:"),
    ),
    Case(
        "a cover that does not exist names its line",
        edited("# One\ninterviewer: Hello.\n", extra="cover: nowhere.png\n"),
        2,
        (f"{{tmp}}/ep.md:{HEAD_LINES}: the cover", "fix:"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_an_os_fault_or_bad_text_gives_a_clear_message_and_damages_nothing(
    case: Case, built: Path, tmp_path: Path
) -> None:
    shutil.copytree(built, tmp_path, dirs_exist_ok=True)
    before = snapshot(tmp_path / "out")
    args, fault, prefix = case.setup(tmp_path)
    result = cli(*args, fault=fault, prefix=prefix)
    assert_no_traceback(result)
    assert result.returncode == case.code, result.stderr[-2000:]
    assert result.stderr.startswith("error: ") and "\n  fix: " in result.stderr, result.stderr
    for fragment in case.says:
        assert fragment.replace("{tmp}", str(tmp_path)) in result.stderr, (fragment, result.stderr)
    assert snapshot(tmp_path / "out") == before, "the episode built before was changed"
    assert not list((tmp_path / "out").rglob("*.tmp")), "a temporary file was left"


def as_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root (chattr, mount); the same faults are injected in the table above")


def test_an_immutable_output_folder(built: Path, tmp_path: Path) -> None:
    """``chattr +i`` on the output folder: the build stops before any work, naming the folder and the fix."""
    as_root()
    shutil.copytree(built, tmp_path, dirs_exist_ok=True)
    out = tmp_path / "out"
    before = snapshot(out)
    subprocess.run(["chattr", "+i", str(out)], check=True)
    try:
        result = cli(*_build(tmp_path, out, "--force"))
    finally:
        subprocess.run(["chattr", "-i", str(out)], check=True)
    assert_no_traceback(result)
    assert result.returncode == 2, result.stderr
    assert f"error: {out}: the operation is not permitted" in result.stderr and "fix: lift" in result.stderr
    assert snapshot(out) == before


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 3 MB tmpfs, unmounted however the test ends."""
    as_root()
    mount = tmp_path / "full"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(disk: Path, leave: int) -> None:
    """Fill the disk, then give back ``leave`` bytes."""
    with (disk / "filler").open("wb") as filler:
        try:
            while True:
                filler.write(bytes(65536))
                filler.flush()
        except OSError:
            pass
    size = (disk / "filler").stat().st_size
    os.truncate(disk / "filler", max(0, size - leave))


@pytest.mark.slow
def test_a_full_disk_gives_a_clear_message_and_keeps_the_episode(built: Path, small_disk: Path) -> None:
    """Builds into a real full tmpfs with a little more room each time (so the disk fills at a different
    stage): exit 1 naming the place and the fix, and the episode built before is byte-identical."""
    shutil.copy(built / "ep.md", small_disk.parent / "ep.md")
    out = small_disk / "out"
    first = cli(*_build(small_disk.parent, out))
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    for leave in (0, 4096, 131072, 1048576, 2097152):
        fill(small_disk, leave)
        result = cli(*_build(small_disk.parent, out, "--force"))
        (small_disk / "filler").unlink()
        assert_no_traceback(result)
        if result.returncode == 0:  # it fitted after all: then it must be a whole episode
            check_episode(out, "ep")
            before = snapshot(out)
            continue
        assert result.returncode == 1, (leave, result.stderr)
        assert f"error: {small_disk}" in result.stderr and "no space left" in result.stderr, (leave, result.stderr)
        assert snapshot(out) == before, f"the episode changed (disk full with {leave} bytes free)"
    fill(small_disk, 0)
    fresh = cli(*_build(small_disk.parent, small_disk / "fresh"))
    said = cli("say", str(small_disk.parent / "ep.md"), "--speaker", "zhanar", "Hello", "-o", str(small_disk / "s.wav"))
    article = str(ROOT / "script" / "shal-ket.article.txt")
    scripted = cli("script", article, "-o", str(small_disk / "a.md"))
    for result, where in ((fresh, small_disk / "fresh"), (said, small_disk / "s.wav"), (scripted, small_disk)):
        assert_no_traceback(result)
        assert result.returncode == 1, result.stderr
        assert f"error: {where}" in result.stderr and "no space left" in result.stderr, result.stderr
    assert not (small_disk / "s.wav").exists() and not (small_disk / "a.md").exists()


def test_cache_clear_deletes_only_what_the_cache_made(built: Path, tmp_path: Path) -> None:
    """``cache clear`` removes the clips and says how many; a file someone else put under ``clips/`` stays."""
    shutil.copytree(built, tmp_path, dirs_exist_ok=True)
    cache = tmp_path / "cache"
    clips = [p for p in (cache / "clips").glob("*/*") if p.is_file()]
    foreign = [cache / "clips" / "notes.txt", clips[0].parent / "mine.wav"]
    for path in foreign:
        path.write_text("not the cache's")
    result = cli("cache", "clear", "--cache-dir", str(cache))
    assert result.returncode == 0, result.stderr
    assert f"cleared {len(clips)} clips" in result.stdout, result.stdout
    assert all(path.read_text() == "not the cache's" for path in foreign)
    assert not [p for p in (cache / "clips").rglob("*") if p.is_file() and p not in foreign]
