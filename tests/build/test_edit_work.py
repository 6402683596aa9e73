"""Less work per edit: after a one-segment edit, assembly reads the clips' kept analysis (never their
samples) for the unchanged clips, writes the audio of the changed part only, and encodes only it; the MP3 is
the one a build with nothing kept (every clip decoded again, every part written) makes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shalket_audio.audio import assemble, clips
from shalket_audio.build import build_episode
from shalket_audio.fileio import file_sha256
from shalket_audio.script import load_script
from shalket_audio.synth import ClipCache

SCRIPT = """---
title: Edited
speakers:
  interviewer: {name: Ann Host, role: host, voices: {local: ['piper:en_US-joe-medium']}}
  zhanar: {name: Zhanar Guest, role: guest, voices: {local: ['kokoro:af_heart']}}
---
# One
interviewer: Welcome to the first chapter.
zhanar: Thank you for having me.
interviewer: Tell us where you were that week.
zhanar: I was at home, in Almaty, with my family.
interviewer: What did you see from your window?
zhanar: Smoke over the square, and people running.
interviewer: Were you afraid?
zhanar: Of course. Everyone was afraid.

# Two
interviewer: And this is the second chapter.
zhanar: %s
"""


def test_an_edit_reads_only_what_changed_and_writes_what_a_full_build_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, out, cache = tmp_path / "edited.md", tmp_path / "out", ClipCache(tmp_path / "cache")
    script.write_text(SCRIPT % "It was a cold January.", encoding="utf-8")
    build_episode(load_script(script), out, cache=cache)
    twin = tmp_path / "twin"
    shutil.copytree(out, twin)
    shutil.rmtree(twin / ".edited.parts")  # it will encode every chapter again

    decoded: list[str] = []  # clips whose samples were read (decoded, or loaded from the prepared store)
    written: list[str] = []  # parts whose audio was written
    prepare, write = clips.prepare_clip, assemble.PartAudio.write

    def counting_prepare(clip: clips.Clip, *args: object) -> object:
        decoded.append(clip.path.name)
        return prepare(clip, *args)  # type: ignore[arg-type]

    def counting_write(self: assemble.PartAudio) -> Path:
        written.append(self.path.name)
        return write(self)

    monkeypatch.setattr(clips, "prepare_clip", counting_prepare)
    monkeypatch.setattr(assemble.PartAudio, "write", counting_write)
    script.write_text(SCRIPT % "It was a cold January too.", encoding="utf-8")
    report = build_episode(load_script(script), out, cache=cache)
    assert report.synthesized == 1 and report.encodes == 1
    assert report.parts > 2, "chapter one (about 20 s) is cut in a pause into two parts"
    assert written == [f"part-{report.parts - 1:03d}.pcm"], "only the edited part's audio is written"
    # The new clip is decoded once and read again for its chapter, with the chapter's other clip; the
    # first chapter's clips are never read (their analysis is kept beside them).
    assert len(set(decoded)) == 2, decoded

    # The same edit built with nothing kept (a cache holding only the clips, no parts), from the same build
    # record: the same MP3, byte for byte.
    monkeypatch.undo()
    fresh = tmp_path / "fresh"
    shutil.copytree(tmp_path / "cache" / "clips", fresh / "clips")
    full = build_episode(load_script(script), twin, cache=ClipCache(fresh))
    assert full.synthesized == 0 and full.encodes == full.parts == report.parts
    assert file_sha256(full.mp3) == file_sha256(report.mp3)
