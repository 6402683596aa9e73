"""Which ffmpeg encodes (the wheel's, pinned), and its version, asked once or taken from the build record's
stamp of the binary."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import imageio_ffmpeg
import pytest

from shalket_audio.audio import ffmpeg
from shalket_audio.build.record import ffmpeg_identity


def test_a_matching_stamp_gives_the_recorded_version_without_asking_ffmpeg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ffmpeg, "_versions", {})
    binary = ffmpeg.ffmpeg_binary()
    info = os.stat(binary)
    stamp = [binary, info.st_mtime_ns, info.st_size, "ffmpeg version recorded"]

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("ffmpeg -version was run")

    monkeypatch.setattr(ffmpeg.subprocess, "run", no_run)
    assert ffmpeg_identity({"ffmpeg": stamp}) == ("ffmpeg version recorded", stamp)
    assert ffmpeg.ffmpeg_version() == "ffmpeg version recorded"  # what the parts' keys use


def test_without_a_stamp_the_binary_is_asked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ffmpeg, "_versions", {})
    version = ffmpeg.ffmpeg_version()
    assert version.startswith("ffmpeg version")
    monkeypatch.setattr(ffmpeg.subprocess, "run", lambda *a, **k: (_ for _ in ()).throw(AssertionError("asked again")))
    assert ffmpeg.ffmpeg_version() == version


@pytest.fixture
def fresh_lookup() -> Iterator[None]:
    ffmpeg.ffmpeg_binary.cache_clear()
    yield
    ffmpeg.ffmpeg_binary.cache_clear()


def test_the_wheels_pinned_ffmpeg_encodes_even_beside_a_system_one(fresh_lookup: None) -> None:
    binary = ffmpeg.ffmpeg_binary()
    assert Path(binary).parent.parent == Path(imageio_ffmpeg.__file__).parent  # .../imageio_ffmpeg/binaries/
    first = subprocess.run([binary, "-version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    assert first.startswith("ffmpeg version n9.0.2")  # the build imageio-ffmpeg 0.8.1 ships (pyproject.toml)
    assert shutil.which("ffmpeg") != binary  # CI has Debian's too: the tests read the MP3 back with that one


def test_a_named_binary_or_else_the_systems_is_used(
    fresh_lookup: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    named = tmp_path / "my-ffmpeg"
    named.write_text("#!/bin/sh\n")
    named.chmod(0o755)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(named))
    assert ffmpeg.ffmpeg_binary() == str(named)

    ffmpeg.ffmpeg_binary.cache_clear()
    monkeypatch.delenv("IMAGEIO_FFMPEG_EXE")
    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", lambda: "ffmpeg")  # a wheel with no binary of its own
    monkeypatch.setenv("PATH", str(tmp_path))
    (tmp_path / "ffmpeg").write_text("#!/bin/sh\n")
    (tmp_path / "ffmpeg").chmod(0o755)
    assert ffmpeg.ffmpeg_binary() == str(tmp_path / "ffmpeg")  # a path, for the build record's stamp

    ffmpeg.ffmpeg_binary.cache_clear()
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    with pytest.raises(ffmpeg.RuntimeFailure, match="no ffmpeg found"):
        ffmpeg.ffmpeg_binary()
