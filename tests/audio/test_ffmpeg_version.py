"""ffmpeg's version, asked once or taken from the build record's stamp of the binary."""

from __future__ import annotations

import os

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
