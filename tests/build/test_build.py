"""The finished episode, read back by tools other than the writer: ffprobe, eyeD3, ffmpeg, raw ID3 bytes."""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ffmpeg_binary
from shalket_audio.audio import master
from shalket_audio.build import BuildReport, build_episode, record
from shalket_audio.cli import app
from shalket_audio.script import load_script
from shalket_audio.synth.cache import ClipCache

ROOT = Path(__file__).resolve().parents[2]
FFPROBE = Path(ffmpeg_binary()).with_name("ffprobe")


@dataclass(frozen=True)
class Built:
    report: BuildReport
    mp3: Path
    timeline: dict  # type: ignore[type-arg]


@pytest.fixture(scope="session")
def shal_ket(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The committed script built once. It uses the user's clip cache, which `.ci/run`'s build has filled."""
    from platformdirs import user_cache_dir

    out = tmp_path_factory.mktemp("episode")
    report = build_episode(
        load_script(ROOT / "script" / "shal-ket.md"), out, cache=ClipCache(Path(user_cache_dir("shalket-audio")))
    )
    timeline = json.loads(report.timeline_path.read_text(encoding="utf-8"))
    return Built(report, report.mp3, timeline)


def ebur128(path: Path, audio_filter: str = "") -> tuple[float, float]:
    chain = (audio_filter + "," if audio_filter else "") + "ebur128=peak=true:dualmono=true:framelog=verbose"
    result = subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-nostats", "-i", str(path), "-af", chain, "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = result.stderr[result.stderr.rfind("Summary:") :]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))  # type: ignore[union-attr]
    peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))  # type: ignore[union-attr]
    return integrated, peak


def raw_frames(path: Path) -> list[tuple[str, bytes]]:
    """ID3v2.3 frames in file order, parsed by hand (v2.3 frame sizes are plain 32-bit integers)."""
    data = path.read_bytes()
    assert data[:3] == b"ID3" and data[3] == 3
    size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
    frames, position = [], 10
    while position + 10 <= 10 + size and data[position : position + 4] != b"\x00\x00\x00\x00":
        frame_id = data[position : position + 4].decode("latin-1")
        (length,) = struct.unpack(">I", data[position + 4 : position + 8])
        frames.append((frame_id, data[position + 10 : position + 10 + length]))
        position += 10 + length
    return frames


# --------------------------------------------------------------------------- the real episode


def test_ffprobe_lists_every_chapter_in_order_with_the_timelines_times(shal_ket: Built) -> None:
    probe = subprocess.run(
        [str(FFPROBE), "-v", "error", "-show_chapters", "-of", "json", str(shal_ket.mp3)],
        capture_output=True,
        text=True,
        check=True,
    )
    chapters = json.loads(probe.stdout)["chapters"]
    expected = shal_ket.timeline["chapters"]
    assert [c["tags"]["title"] for c in chapters] == [c["title"] for c in expected]
    assert [c["title"] for c in expected][3] == "The Mothers Nobody Mentions"
    for found, wanted in zip(chapters, expected, strict=True):
        assert abs(float(found["start_time"]) * 1000 - wanted["start_ms"]) <= 1
        if wanted is not expected[-1]:
            assert abs(float(found["end_time"]) * 1000 - wanted["end_ms"]) <= 1


def test_eyed3_sees_a_top_level_ordered_toc(shal_ket: Built) -> None:
    import eyed3

    audio = eyed3.load(str(shal_ket.mp3))
    assert audio is not None and audio.tag is not None
    tocs = list(audio.tag.table_of_contents)
    assert len(tocs) == 1
    toc = tocs[0]
    assert toc.toplevel and toc.ordered
    assert toc.description == "Chapters"  # eyeD3 reads the CTOC's TIT2 sub-frame as its description
    assert [cid.decode() for cid in toc.child_ids] == [f"chp{i}" for i in range(len(shal_ket.timeline["chapters"]))]
    titles = {chapter.element_id.decode(): chapter.title for chapter in audio.tag.chapters}
    assert titles["chp0"] == "The Story Behind Bloody January"


def test_id3_is_v23_with_the_episode_frames(shal_ket: Built) -> None:
    from mutagen.id3 import ID3
    from PIL import Image

    tags = ID3(shal_ket.mp3, translate=False)
    assert tags.version == (2, 3, 0)
    assert str(tags["TIT2"]) == "“Shal Ket” - The Brutal Events of Kazakhstan’s Bloody January"
    assert str(tags["TPE1"]) == "Nico Lethbridge"
    assert str(tags["TALB"]) == "Interviews Read Aloud"
    assert str(tags["TYER"]) == "2026" and "TDRC" not in tags
    assert str(tags["TCON"]) == "Podcast"
    assert str(tags["TLAN"]) == "eng"
    assert int(str(tags["TLEN"])) == shal_ket.report.duration_ms
    assert any("synthetic" in str(c) for c in tags.getall("COMM"))
    (picture,) = tags.getall("APIC")
    assert picture.type == 3 and picture.mime == "image/jpeg" and len(picture.data) <= 500_000
    with Image.open(io.BytesIO(picture.data)) as image:
        assert image.format == "JPEG" and image.size[0] == image.size[1] >= 1400


def test_raw_frames_put_the_toc_first_and_chapters_in_time_order(shal_ket: Built) -> None:
    frames = raw_frames(shal_ket.mp3)
    ids = [frame_id for frame_id, _ in frames]
    assert ids.count("CTOC") == 1
    chapter_positions = [i for i, frame_id in enumerate(ids) if frame_id == "CHAP"]
    assert ids.index("CTOC") < chapter_positions[0]
    assert chapter_positions == list(range(chapter_positions[0], chapter_positions[0] + len(chapter_positions)))
    starts, offsets = [], []
    for frame_id, body in frames:
        if frame_id == "CHAP":
            element_end = body.index(b"\x00")
            start, _end, start_offset, end_offset = struct.unpack(">IIII", body[element_end + 1 : element_end + 17])
            starts.append(start)
            offsets += [start_offset, end_offset]
            assert b"TIT2" in body[element_end + 17 :], "every chapter carries its title"
    assert starts == sorted(starts) and starts[0] == 0
    assert set(offsets) == {0xFFFFFFFF}


def test_mp3_is_cbr_mono_44k_with_an_info_header_and_decodes_cleanly(shal_ket: Built) -> None:
    from mutagen.mp3 import MP3, BitrateMode

    info = MP3(shal_ket.mp3).info
    assert info.bitrate_mode == BitrateMode.CBR
    assert (info.sample_rate, info.channels, round(info.bitrate / 1000)) == (44100, 1, 96)
    data = shal_ket.mp3.read_bytes()
    audio_start = 10 + ((data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9])
    first_frame = data[audio_start : audio_start + 400]
    assert first_frame[:2] == b"\xff\xfb", "an MPEG-1 Layer III frame starts right after the tag"
    assert b"Info" in first_frame or b"Xing" in first_frame
    decode = subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-i", str(shal_ket.mp3), "-f", "null", "-"], capture_output=True, text=True
    )
    assert decode.returncode == 0 and decode.stderr == ""


def test_loudness_and_true_peak_are_on_target(shal_ket: Built) -> None:
    integrated, peak = ebur128(shal_ket.mp3)
    assert -17.0 <= integrated <= -15.0
    assert peak <= -1.0
    assert abs(integrated - shal_ket.report.loudness.integrated_lufs) <= 0.1


def test_the_two_voices_are_within_one_lu(shal_ket: Built) -> None:
    loudness = {}
    for tag in ("interviewer", "zhanar"):
        spans = [(s["start_ms"], s["end_ms"]) for s in shal_ket.timeline["segments"] if s["speaker"] == tag]
        select = "+".join(f"between(t,{a / 1000},{b / 1000})" for a, b in spans)
        loudness[tag] = ebur128(shal_ket.mp3, f"aselect='{select}',asetpts=N/SR/TB")[0]
    assert abs(loudness["interviewer"] - loudness["zhanar"]) <= 1.0, loudness


def test_chapters_are_contiguous_from_zero_to_the_end(shal_ket: Built) -> None:
    from mutagen.id3 import ID3
    from mutagen.mp3 import MP3

    chapters = sorted(ID3(shal_ket.mp3).getall("CHAP"), key=lambda c: c.start_time)
    assert chapters[0].start_time == 0
    for before, after in itertools.pairwise(chapters):
        assert before.end_time == after.start_time
    audio_ms = MP3(shal_ket.mp3).info.length * 1000
    assert abs(chapters[-1].end_time - audio_ms) <= 26 + 60  # one MP3 frame, plus the encoder delay allowance


def test_timeline_places_every_segment(shal_ket: Built) -> None:
    timeline = shal_ket.timeline
    script = load_script(ROOT / "script" / "shal-ket.md")
    segments = timeline["segments"]
    assert [(s["speaker"], s["text"]) for s in segments] == [(s.speaker, s.text) for s in script.segments]
    for segment in segments:
        chapter = timeline["chapters"][segment["chapter"]]
        assert chapter["start_ms"] <= segment["start_ms"] < segment["end_ms"] <= chapter["end_ms"]
    starts = [s["start_ms"] for s in segments]
    assert starts == sorted(starts)
    assert timeline["speakers"] == {"interviewer": "Nico Lethbridge", "zhanar": "Zhanar Sekerbeyeva"}


def test_editing_one_segment_of_the_episode_encodes_only_its_part(shal_ket: Built, tmp_path: Path) -> None:
    from platformdirs import user_cache_dir

    cache = ClipCache(Path(user_cache_dir("shalket-audio")))
    script = tmp_path / "shal-ket.md"
    text = (ROOT / "script" / "shal-ket.md").read_text(encoding="utf-8")
    script.write_text(text, encoding="utf-8")
    first = build_episode(load_script(script), tmp_path / "out", cache=cache)
    # Long chapters are cut in pauses into parts of about 12 s or more, each encoded on its own.
    assert first.encodes == first.parts > len(shal_ket.timeline["chapters"])
    script.write_text(
        text.replace("zhanar: We are a failed state,", "zhanar: We are a failed state, truly,"), encoding="utf-8"
    )
    edited = build_episode(load_script(script), tmp_path / "out", cache=cache)
    assert edited.encodes == 1, "only the edited part is encoded again"
    assert edited.synthesized <= 1 and edited.cache_hits >= edited.clips - 1  # the user cache may hold the edit already
    timeline = json.loads(edited.timeline_path.read_text(encoding="utf-8"))
    assert any(s["text"] == "We are a failed state, truly," for s in timeline["segments"])
    assert -17 <= edited.loudness.integrated_lufs <= -15 and edited.loudness.true_peak_dbtp <= -1


def test_timeline_matches_the_audio(shal_ket: Built) -> None:
    """Silence just before each segment's start and after its end, speech just after its start (decoded MP3)."""
    import numpy as np

    pcm = subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-i", str(shal_ket.mp3), "-f", "s16le", "-ac", "1", "-ar", "44100", "-"],
        capture_output=True,
        check=True,
    ).stdout
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)

    def level(a_ms: float, b_ms: float) -> float:
        part = x[int(a_ms * 44.1) : int(b_ms * 44.1)]
        return 20 * np.log10(np.sqrt(np.mean(part**2)) / 32768 + 1e-9)

    for segment in shal_ket.timeline["segments"]:
        start, end = segment["start_ms"], segment["end_ms"]
        assert level(start - 120, start - 10) < -50, segment["text"][:40]
        assert max(level(start + 20 * i, start + 20 * i + 20) for i in range(1, 11)) > -35, segment["text"][:40]
        assert level(end + 10, end + 120) < -50, segment["text"][:40]


def test_a_rebuild_with_nothing_changed_does_nothing(shal_ket: Built) -> None:
    out = shal_ket.mp3.parent
    from platformdirs import user_cache_dir

    before = shal_ket.mp3.read_bytes()
    again = build_episode(
        load_script(ROOT / "script" / "shal-ket.md"), out, cache=ClipCache(Path(user_cache_dir("shalket-audio")))
    )
    assert again.up_to_date and again.encodes == 0 and again.synthesized == 0
    assert shal_ket.mp3.read_bytes() == before


# --------------------------------------------------------------------------- a small script, built for real

SMALL = """---
title: A Small Episode
author: Ann Writer
show: Test Show
date: 2026-01-02
description: Two voices.
speakers:
  interviewer: {name: Ann Writer, role: host}
  zhanar: {name: Zhanar Sekerbeyeva, role: guest}
pacing:
  turn: 500ms
---
# A first chapter whose title is long enough to pass the one hundred and twenty-seven bytes that some ID3 v2.4 readers mishandle badly
interviewer: Hello and welcome to this short test of the build.
zhanar: We are a failed state.

[pause 2s]

interviewer: After a pause of two seconds.
# Second
zhanar: But the first thing that takes you to the street is your pocket.
interviewer: Thank you.
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    script = tmp_path / "small.md"
    script.write_text(SMALL, encoding="utf-8")
    return script


def build(script: Path, out: Path, **options: object) -> BuildReport:
    return build_episode(load_script(script), out, **options)  # type: ignore[arg-type]


def test_small_build_pauses_pacing_and_long_titles(small: Path, tmp_path: Path) -> None:
    report = build(small, tmp_path / "out")
    timeline = json.loads(report.timeline_path.read_text(encoding="utf-8"))
    first, second, third = timeline["segments"][:3]
    assert 490 <= second["start_ms"] - first["end_ms"] <= 510  # pacing.turn from the front matter
    assert 1990 <= third["start_ms"] - second["end_ms"] <= 2010  # the explicit pause
    probe = subprocess.run(
        [str(FFPROBE), "-v", "error", "-show_chapters", "-of", "json", str(report.mp3)], capture_output=True, text=True
    )
    titles = [c["tags"]["title"] for c in json.loads(probe.stdout)["chapters"]]
    assert len(titles[0].encode()) > 127 and titles == [c["title"] for c in timeline["chapters"]]


def test_editing_one_segment_resynthesizes_only_it(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build(small, out)
    assert first.synthesized == first.clips
    small.write_text(SMALL.replace("Thank you.", "Thank you very much."), encoding="utf-8")
    second = build(small, out)
    # A voice with seconds of audio moves when one of its lines changes, so both chapters may be re-encoded here;
    # the real episode's test below shows only the edited chapter is.
    assert (second.synthesized, second.up_to_date) == (1, False) and second.encodes <= 2
    assert second.cache_hits == second.clips - 1
    third = build(small, out)
    assert third.up_to_date and third.synthesized == 0 and third.encodes == 0


def test_a_new_parts_recipe_encodes_again_at_the_next_build(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Else the episode would count as current and the producer's first edit after an upgrade would pay for
    # encoding every part.
    out = tmp_path / "out"
    first = build(small, out)
    monkeypatch.setattr(record, "PARTS_VERSION", record.PARTS_VERSION + 1)
    monkeypatch.setattr(master, "PARTS_VERSION", master.PARTS_VERSION + 1)
    again = build(small, out)
    assert not again.up_to_date and again.synthesized == 0 and again.encodes == again.parts == first.parts


def test_a_failed_build_leaves_the_previous_episode_untouched(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shalket_audio.audio import master
    from shalket_audio.errors import RuntimeFailure

    out = tmp_path / "out"
    good = build(small, out)
    before = {path.name: path.read_bytes() for path in out.iterdir() if path.is_file()}
    small.write_text(SMALL.replace("Thank you.", "Thanks."), encoding="utf-8")

    def broken(*_: object) -> None:
        raise RuntimeFailure("ffmpeg could not encode the episode: simulated", fix="none")

    with monkeypatch.context() as patch:
        patch.setattr(master, "_encode_part", broken)
        with pytest.raises(RuntimeFailure, match="simulated"):
            build(small, out)
    assert {path.name: path.read_bytes() for path in out.iterdir() if path.is_file()} == before, "nothing changed"
    assert [p.name for p in out.iterdir() if p.is_dir()] == [".small.parts"], "no temporary folders left"
    resumed = build(small, out)
    assert resumed.synthesized == 0, "the clip made before the failure came from the cache"
    assert resumed.mp3 == good.mp3 and not resumed.up_to_date


def test_a_script_cover_is_used_and_checked(small: Path, tmp_path: Path) -> None:
    from mutagen.id3 import ID3
    from PIL import Image

    Image.new("RGB", (1600, 1600), (200, 30, 30)).save(tmp_path / "cover.png")
    small.write_text(SMALL.replace("date: 2026-01-02", "date: 2026-01-02\ncover: cover.png"), encoding="utf-8")
    report = build(small, tmp_path / "out")
    (picture,) = ID3(report.mp3).getall("APIC")
    with Image.open(io.BytesIO(picture.data)) as image:
        assert image.format == "JPEG" and image.size == (1600, 1600)
        assert image.getpixel((10, 10))[0] > 150
    Image.new("RGB", (600, 600)).save(tmp_path / "cover.png")
    with pytest.raises(Exception, match="at least 1400x1400"):
        build(small, tmp_path / "out")


runner = CliRunner()


def test_build_and_inspect_commands(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    result = runner.invoke(app, ["build", str(small), "--out", str(out), "--bitrate", "128"])
    assert result.exit_code == 0, result.output
    assert f"{out / 'small.mp3'}: built" in result.output
    assert "2 chapters" in result.output and "(128 kbps CBR)" in result.output
    assert re.search(r"loudness -1[5-7]\.\d LUFS, true peak -\d+\.\d dBTP \(measured on the MP3\)", result.output)
    assert re.search(r"0/5 clips from the cache, 5 clips synthesized, 2 of 2 parts encoded", result.output)
    again = runner.invoke(app, ["build", str(small), "--out", str(out), "--bitrate", "128"])
    assert "up to date, nothing to do" in again.output and "no synthesis or encoding" in again.output

    inspected = runner.invoke(app, ["inspect", str(out / "small.mp3")])
    assert inspected.exit_code == 0, inspected.output
    assert "ID3v2.3.0" in inspected.output and "128 kbps CBR" in inspected.output, inspected.output
    assert "chapters (Chapters):" in inspected.output and "Second" in inspected.output
    as_json = json.loads(runner.invoke(app, ["inspect", str(out / "small.mp3"), "--json"]).output)
    assert as_json["id3_version"] == [2, 3, 0] and as_json["bitrate_mode"] == "CBR"
    assert [c["title"] for c in as_json["chapters"]][1] == "Second"
    assert -17 <= as_json["integrated_lufs"] <= -15 and as_json["true_peak_dbtp"] <= -1


def test_build_usage_errors(small: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["build", str(small), "--bitrate", "8"]).exit_code == 2
    missing = runner.invoke(app, ["inspect", str(tmp_path / "none.mp3")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    (tmp_path / "fake.mp3").write_bytes(b"not audio at all")
    fake = runner.invoke(app, ["inspect", str(tmp_path / "fake.mp3")])
    assert fake.exit_code == 2 and "Traceback" not in fake.output


def test_a_pip_only_machine_builds_the_episode(small: Path, tmp_path: Path) -> None:
    """No system ffmpeg, flite or espeak-ng on PATH: ffmpeg comes from imageio-ffmpeg, Zhanar's Kokoro from wheels."""
    import sys

    bin_dir = Path(sys.executable).parent
    env = {
        "PATH": str(bin_dir),
        "HOME": str(tmp_path),
        "SHALKET_CACHE_DIR": str(tmp_path / "cache"),
        "SHALKET_WORKERS_LINGER": "0",
    }
    result = subprocess.run(
        [str(bin_dir / "shalket-audio"), "build", str(small), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "small.mp3: built" in result.stdout
    assert "notice:" not in result.stderr and "RuntimeWarning" not in result.stderr  # Kokoro needs no system package
    assert (tmp_path / ".cache" / "shalket-audio" / "models").is_dir()  # the model joined under HOME, from the wheels
    integrated, peak = ebur128(tmp_path / "out" / "small.mp3")
    assert -17 <= integrated <= -15 and peak <= -1


def test_a_build_with_no_network_at_all_gives_zhanar_kokoro(small: Path, tmp_path: Path) -> None:
    """In a network namespace of its own (no interface but a downed loopback), from an empty cache and models folder."""
    import sys

    bin_dir = Path(sys.executable).parent
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "SHALKET_CACHE_DIR": str(tmp_path / "cache"),
        "SHALKET_WORKERS_LINGER": "0",
    }
    command = ["unshare", "--net", str(bin_dir / "shalket-audio")]
    voices = subprocess.run([*command, "voices", str(small)], capture_output=True, text=True, env=env, timeout=300)
    assert voices.returncode == 0, voices.stderr
    assert "zhanar       kokoro:af_heart" in voices.stdout
    built = subprocess.run(
        [*command, "build", str(small), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    assert "notice:" not in built.stderr and "small.mp3: built" in built.stdout
    clips = sorted(p.name.split("-")[0] for p in (tmp_path / "cache").rglob("*.wav"))
    assert clips.count("kokoro") == 5 and clips.count("piper") == 0  # Zhanar's two lines, the narrator's three


def test_damaged_prepared_clips_are_made_again(small: Path, tmp_path: Path, isolated_cache: Path) -> None:
    out = tmp_path / "out"
    build(small, out)
    prepared = sorted((isolated_cache / "prepared").glob("*/*.npz"))
    assert len(prepared) == 5, "every clip's trimmed 44.1 kHz audio is kept for the next build"
    for path in prepared:
        path.write_bytes(path.read_bytes()[:100])
    small.write_text(SMALL.replace("Thank you.", "Thank you all."), encoding="utf-8")
    report = build(small, out)
    assert report.synthesized == 1 and -17 <= report.loudness.integrated_lufs <= -15
