"""Where the episode's audio is cut into parts (each encoded and cached on its own), why the cuts are not
heard (the encoder's padding at each join comes out of the pause), and how the timeline follows them."""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from shalket_audio.audio.assemble import MIN_CUT_PAUSE_MS, MIN_PART_MS, _PartWriter
from shalket_audio.audio.concat import join_parts
from shalket_audio.audio.ffmpeg import ffmpeg_binary
from shalket_audio.audio.master import MP3_FRAME, SAMPLE_RATE, _encode_part, frame_fit
from shalket_audio.audio.timeline import Pacing, TimedChapter, TimedChunk, TimedSegment, Timeline
from shalket_audio.synth import Clip


def _speech(writer: _PartWriter, seconds: float, name: str = "a") -> None:
    clip = Clip(Path(f"{name}.wav"), "wav", round(seconds * 1000))
    stats: Any = SimpleNamespace(samples=round(seconds * SAMPLE_RATE))
    writer.add(clip, stats, 0.0, None)


def _silence_in(part: Any) -> int:
    return sum(step for step in part.steps if isinstance(step, int))


def encoded_frames(samples: int) -> int:
    """The frames ``frame_fit`` expects LAME to make of a part of ``samples``: ceil(samples / 1152) + 1."""
    return -(-samples // MP3_FRAME) + 1


def _samples(ms: int) -> int:
    return SAMPLE_RATE * ms // 1000


def test_a_part_ends_in_the_middle_of_the_first_pause_once_it_is_full(tmp_path: Path) -> None:
    writer = _PartWriter(tmp_path, Pacing(), None)
    _speech(writer, MIN_PART_MS / 1000 - 1)
    writer.pause(750)  # not full yet: no cut
    _speech(writer, 2)
    writer.pause(MIN_CUT_PAUSE_MS - 1)  # full, but half this pause could not hold what frame_fit leaves out
    _speech(writer, 1)
    written_length = writer.position + _samples(450) // 2
    writer.pause(450)  # the cut
    _speech(writer, 3)
    writer.silence(900)
    writer.next_chapter()
    writer.silence(600)
    _speech(writer, 2)
    written = writer.close()

    first, second, third = (_silence_in(part) for part in written.parts)
    fit = frame_fit(written_length)
    assert first == _samples(750) + _samples(MIN_CUT_PAUSE_MS - 1) + _samples(450) // 2 - fit
    # The first part is a whole number of frames long; encoded, it is one more, the nearest to as written.
    first_length = written_length - fit
    assert first_length % MP3_FRAME == 0 and abs(encoded_frames(first_length) * MP3_FRAME - written_length) <= 576
    second_length = round(3 * SAMPLE_RATE) + _samples(450) - _samples(450) // 2 + _samples(900)
    assert second == _samples(450) - _samples(450) // 2 + _samples(900) - frame_fit(second_length)
    assert third == _samples(600), "the last part ends in speech: nothing to leave out"
    ms = _PartWriter.ms
    second_start = first_length + second_length - frame_fit(second_length)
    assert written.part_starts_ms == (0, ms(first_length), ms(second_start))
    assert written.chapter_starts_ms == (0, ms(second_start)), "a chapter starts where its part does"
    assert [p.path.name for p in written.parts] == ["part-000.pcm", "part-001.pcm", "part-002.pcm"]


def test_a_part_with_no_closing_silence_is_left_as_it_is(tmp_path: Path) -> None:
    writer = _PartWriter(tmp_path, Pacing(), None)
    _speech(writer, 2.5)
    writer.next_chapter()
    _speech(writer, 2)
    written = writer.close()
    assert [_silence_in(part) for part in written.parts] == [0, 0]
    assert written.part_starts_ms == (0, 2500)


def test_an_edit_changes_its_own_part_and_the_cuts_after_it_come_back(tmp_path: Path) -> None:
    """A longer first clip moves the first cut; the cut after the next long clip is where it was."""

    def keys(first_seconds: float) -> list[str]:
        writer = _PartWriter(tmp_path, Pacing(), None)
        for number, seconds in enumerate([first_seconds, 3, 3, 7, 4, 8, 2]):
            # parts: [2, 3, 3] [7] [4, 8] [2] before the edit, [5, 3] [3, 7] [4, 8] [2] after
            if number:
                writer.pause(220)
            _speech(writer, seconds, f"clip{number}")
        return [p.key for p in writer.close().parts]

    before, after = keys(2), keys(5)
    assert len(before) == 4 and len(after) == 4
    assert before[0] != after[0] and before[2:] == after[2:]


@pytest.mark.parametrize("bitrate", [64, 96])
def test_encoded_frames_is_what_ffmpeg_makes_of_a_part(tmp_path: Path, bitrate: int) -> None:
    rng = np.random.default_rng(1)
    # Whole frames, one sample over, one short, and 46/47 samples short of a frame (LAME's padding edge).
    lengths = [MP3_FRAME * 40, MP3_FRAME * 40 + 1, MP3_FRAME * 41 - 1, MP3_FRAME * 41 - 47, MP3_FRAME * 41 - 46]
    for length in lengths:
        source = tmp_path / f"{length}.pcm"
        source.write_bytes((rng.standard_normal(length) * 2000).astype("<i2").tobytes())
        part = _encode_part(source, 0.0, -2.5, tmp_path, f"p{length}-{bitrate}", bitrate)
        assert part.frames == encoded_frames(length), length


def _tone(seconds: float) -> np.ndarray:
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (np.sin(2 * np.pi * 440 * t) * 8000).astype("<i2")


def _gaps_ms(mp3: Path) -> list[float]:
    """The silences between the tones of a decoded MP3, in ms, to the nearest 1 ms block."""
    pcm = subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-i", str(mp3), "-f", "s16le", "-ac", "1", "-"],
        capture_output=True,
        check=True,
    ).stdout
    x = np.abs(np.frombuffer(pcm, dtype="<i2").astype(np.float64))
    block = SAMPLE_RATE // 1000
    loud = x[: len(x) // block * block].reshape(-1, block).max(axis=1) > 300
    runs = np.split(loud, np.flatnonzero(np.diff(loud.astype(np.int8))) + 1)
    return [float(len(run)) for run in runs[1:-1] if not run[0]]


def test_a_cut_pause_sounds_as_long_as_an_uncut_one(tmp_path: Path) -> None:
    """Tone, pause, tone: encoded whole, and as two parts cut in the pause's middle with ``frame_fit`` left
    out of the first and joined.  Decoded, the pause is as long in both, within half a frame."""
    pause = np.zeros(_samples(450), dtype="<i2")
    tone = _tone(1.3)
    whole = tmp_path / "whole.pcm"
    whole.write_bytes(np.concatenate([tone, pause, tone]).tobytes())
    one = _encode_part(whole, 0.0, -2.5, tmp_path, "whole", 96)

    first_half = np.concatenate([tone, pause[: len(pause) // 2]])
    first_half = first_half[: len(first_half) - frame_fit(len(first_half))]
    halves = []
    for name, samples in (("first", first_half), ("second", np.concatenate([pause[len(pause) // 2 :], tone]))):
        path = tmp_path / f"{name}.pcm"
        path.write_bytes(samples.tobytes())
        halves.append(_encode_part(path, 0.0, -2.5, tmp_path, name, 96).path)
    joined = tmp_path / "joined.mp3"
    join_parts(halves, joined)

    whole_gaps, joined_gaps = _gaps_ms(one.path), _gaps_ms(joined)
    assert len(whole_gaps) == len(joined_gaps) == 1
    assert abs(whole_gaps[0] - 450) < 5
    assert abs(joined_gaps[0] - whole_gaps[0]) <= MP3_FRAME / 2 * 1000 / SAMPLE_RATE + 2  # 2 blocks


def test_the_timeline_moves_each_clip_by_its_parts_offset() -> None:
    def segment(index: int, chapter: int, start: int, end: int, *chunks: TimedChunk) -> TimedSegment:
        return TimedSegment(index, chapter, "host", "Words.", start, end, chunks)

    long = segment(1, 0, 10_500, 19_000, TimedChunk("One.", 10_500, 14_000), TimedChunk("Two.", 14_220, 19_000))
    timeline = Timeline(
        30_000,
        (TimedChapter(0, "One", 0, 20_000), TimedChapter(1, "Two", 20_000, 30_000)),
        (segment(0, 0, 500, 9_000), long, segment(2, 1, 21_000, 29_000)),
        {"host": "Host"},
    )
    # Parts start at 0, in the pause before segment 1, inside segment 1 (between its clips), and at chapter 2.
    shifted = timeline.shifted((0, 10_000, 14_110, 20_000), (0, 26, 52, 78), 30_100)
    assert [(s.start_ms, s.end_ms) for s in shifted.segments] == [(500, 9_000), (10_526, 19_052), (21_078, 29_078)]
    assert [(c.start_ms, c.end_ms) for c in shifted.segments[1].chunks] == [(10_526, 14_026), (14_272, 19_052)]
    assert [(c.start_ms, c.end_ms) for c in shifted.chapters] == [(0, 20_078), (20_078, 30_100)]


def test_a_clip_ending_where_the_next_part_starts_keeps_its_own_parts_offset() -> None:
    """A chapter with no closing silence: its last clip ends on the next part's first sample."""
    chunk = TimedChunk("End.", 1_000, 5_000)
    timeline = Timeline(
        9_000,
        (TimedChapter(0, "One", 0, 5_000), TimedChapter(1, "Two", 5_000, 9_000)),
        (
            TimedSegment(0, 0, "host", "End.", 1_000, 5_000, (chunk,)),
            TimedSegment(1, 1, "host", "Next.", 5_000, 8_000, ()),
        ),
        {"host": "Host"},
    )
    shifted = timeline.shifted((0, 5_000), (0, 40), 9_040)
    assert [(s.start_ms, s.end_ms) for s in shifted.segments] == [(1_000, 5_000), (5_040, 8_040)]
    assert [(c.start_ms, c.end_ms) for c in shifted.segments[0].chunks] == [(1_000, 5_000)]


def test_a_part_is_read_once_per_process_until_its_files_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A watch keeps each part it has read (or made); a part written again, or damaged, is read and checked
    afresh, and the touch that marks a part as used does not count as a change."""
    from shalket_audio.audio import master

    monkeypatch.setattr(master, "_read_parts", {})
    source = tmp_path / "a.pcm"
    source.write_bytes(_tone(1.0).tobytes())
    made = _encode_part(source, 0.0, -2.5, tmp_path, "a", 96)
    reads: list[object] = []
    real_load = np.load
    monkeypatch.setattr(master.np, "load", lambda *a, **k: reads.append(a) or real_load(*a, **k))

    assert master._cached_part(tmp_path, "a") is made and not reads  # made by this process: known
    master._prune(tmp_path, {made.path})  # touched as used
    assert master._cached_part(tmp_path, "a") is made and not reads
    master._read_parts.clear()
    read = master._cached_part(tmp_path, "a")  # a new process reads it once
    assert read is not None and len(reads) == 1
    assert (read.frames, read.samples, read.true_peak_dbtp) == (made.frames, made.samples, made.true_peak_dbtp)
    assert np.array_equal(read.sub_blocks, made.sub_blocks)
    assert master._cached_part(tmp_path, "a") is read and len(reads) == 1

    data = bytearray(made.path.read_bytes())
    data[-10] ^= 0xFF  # the same length, other audio
    made.path.write_bytes(bytes(data))
    assert master._cached_part(tmp_path, "a") is None and len(reads) == 2  # read again, and its digest fails
