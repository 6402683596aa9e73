"""Where the episode's audio is cut into parts (each encoded and cached on its own), and how the timeline
follows the encoder's padding at each cut."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from shalket_audio.audio.assemble import MIN_CUT_PAUSE_MS, MIN_PART_MS, _PartWriter
from shalket_audio.audio.master import SAMPLE_RATE
from shalket_audio.audio.timeline import Pacing, TimedChapter, TimedSegment, Timeline
from shalket_audio.synth import Clip


def _speech(writer: _PartWriter, seconds: float, name: str = "a") -> None:
    clip = Clip(Path(f"{name}.wav"), "wav", round(seconds * 1000))
    stats: Any = SimpleNamespace(samples=round(seconds * SAMPLE_RATE))
    writer.add(clip, stats, 0.0, None)


def test_a_chapter_is_cut_in_the_middle_of_a_long_pause_once_its_part_is_full(tmp_path: Path) -> None:
    writer = _PartWriter(tmp_path, Pacing(), None)
    _speech(writer, MIN_PART_MS / 1000 - 1)
    writer.pause(750)  # the part is not full yet: no cut
    _speech(writer, 2)
    before = writer.position
    writer.pause(MIN_CUT_PAUSE_MS - 1)  # full, but the pause is too short to hide the encoder's padding
    assert writer.position - before == SAMPLE_RATE * (MIN_CUT_PAUSE_MS - 1) // 1000
    _speech(writer, 1)
    before = writer.position
    writer.pause(450)
    cut_at = before + SAMPLE_RATE * 450 // 1000 // 2
    assert writer.position - before == SAMPLE_RATE * 450 // 1000, "the cut adds no samples"
    _speech(writer, 3)
    writer.silence(450)
    writer.next_chapter()
    chapter_at = writer.position
    _speech(writer, 2)
    written = writer.close()

    ms = _PartWriter.ms
    assert written.part_starts_ms == (0, ms(cut_at), ms(chapter_at))
    assert written.chapter_starts_ms == (0, ms(chapter_at))
    assert [p.path.name for p in written.parts] == ["part-000.pcm", "part-001.pcm", "part-002.pcm"]
    # Each part's recipe holds its own steps only: the one cut pause is split between the parts beside it.
    first_samples = sum(s if isinstance(s, int) else 0 for s in written.parts[0].steps)
    second_samples = sum(s if isinstance(s, int) else 0 for s in written.parts[1].steps)
    assert first_samples == SAMPLE_RATE * 750 // 1000 + SAMPLE_RATE * 399 // 1000 + SAMPLE_RATE * 450 // 1000 // 2
    assert second_samples == SAMPLE_RATE * 450 // 1000 - SAMPLE_RATE * 450 // 1000 // 2 + SAMPLE_RATE * 450 // 1000


def test_an_unchanged_part_keeps_its_key_when_an_earlier_part_changes(tmp_path: Path) -> None:
    def keys(first_words: str) -> list[str]:
        writer = _PartWriter(tmp_path, Pacing(), None)
        _speech(writer, 13, first_words)
        writer.pause(750)
        _speech(writer, 13, "b")
        writer.pause(750)
        _speech(writer, 2, "c")
        return [p.key for p in writer.close().parts]

    before, after = keys("a"), keys("edited")
    assert len(before) == 3 and before[0] != after[0] and before[1:] == after[1:]


def test_the_timeline_moves_each_parts_audio_by_that_parts_offset() -> None:
    def segment(index: int, chapter: int, start: int, end: int) -> TimedSegment:
        return TimedSegment(index, chapter, "host", "Words.", start, end, ())

    timeline = Timeline(
        30_000,
        (TimedChapter(0, "One", 0, 20_000), TimedChapter(1, "Two", 20_000, 30_000)),
        (segment(0, 0, 500, 9_000), segment(1, 0, 10_500, 19_000), segment(2, 1, 21_000, 29_000)),
        {"host": "Host"},
    )
    shifted = timeline.shifted((0, 10_000, 20_000), (0, 26, 52), 30_100)
    assert [(s.start_ms, s.end_ms) for s in shifted.segments] == [(500, 9_000), (10_526, 19_026), (21_052, 29_052)]
    assert [(c.start_ms, c.end_ms) for c in shifted.chapters] == [(0, 20_052), (20_052, 30_100)]
