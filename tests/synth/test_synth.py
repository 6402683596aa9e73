"""Casting, the clip cache and scheduling: hits, misses, corruption, edits, failures, resumes."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest

from audio_tools import median_pitch, wav_samples
from conftest import FakeEngine
from shalket_audio.errors import InputError
from shalket_audio.script import Segment, load_script, parse_script
from shalket_audio.synth import SynthesisFailed, synthesize_episode
from shalket_audio.synth.cache import ClipCache
from shalket_audio.synth.casting import cast, cast_speaker
from shalket_audio.voices import Audio, EngineError, Registry, VoiceRef, default_registry
from shalket_audio.voices.espeak import EspeakEngine
from shalket_audio.voices.flite import FliteEngine
from shalket_audio.voices.kokoro import KokoroEngine
from shalket_audio.voices.kokoro.assets import ModelSource
from shalket_audio.voices.piper import PiperEngine

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """---
title: T
speakers:
  host:
    name: Ann Writer
    role: host
    voices: {local: [fake:a]}
  guest:
    name: Amina Duarte
    role: guest
    voices: {local: [fake:b]}
lexicon:
  Duarte: doo-AR-tay
---
# One
host: First segment about Duarte.
guest: Second segment.
host: Third segment.
# Two
guest: Fourth segment. It has two sentences.
host: Fifth segment with Duarte again.
"""


def fake_setup(engine: FakeEngine) -> Registry:
    registry = Registry()
    registry.register(engine)
    return registry


def run(text: str, engine: FakeEngine, cache: ClipCache, **options: object):  # type: ignore[no-untyped-def]
    episode = parse_script(text, path="t.md")
    return synthesize_episode(episode, cast(episode, "local", fake_setup(engine)), cache, **options)  # type: ignore[arg-type]


def test_second_run_hits_the_cache_for_every_segment(tmp_path: Path) -> None:
    engine, cache = FakeEngine(), ClipCache(tmp_path)
    first = run(SCRIPT, engine, cache)
    assert (first.hits, first.synthesized) == (0, 5)
    assert len(engine.calls) == 5
    second = run(SCRIPT, engine, cache)
    assert (second.hits, second.synthesized) == (5, 0)
    assert len(engine.calls) == 5
    assert [s.clips for s in second.segments] == [s.clips for s in first.segments]


def test_editing_one_segment_resynthesizes_only_that_segment(tmp_path: Path) -> None:
    engine, cache = FakeEngine(), ClipCache(tmp_path)
    run(SCRIPT, engine, cache)
    engine.calls.clear()
    result = run(SCRIPT.replace("Third segment.", "Third segment, edited."), engine, cache)
    assert engine.calls == ["Third segment, edited."]
    assert (result.hits, result.synthesized) == (4, 1)


def test_the_engine_hears_how_many_requests_are_coming(tmp_path: Path) -> None:
    """``Engine.expect``: the cold run's five misses at once, an edit's one (so Kokoro can spread a lone
    request over the cores), and nothing when every clip is cached."""
    engine, cache = FakeEngine(), ClipCache(tmp_path)
    run(SCRIPT, engine, cache)
    assert engine.expected == [5]
    run(SCRIPT.replace("Third segment.", "Third segment, edited."), engine, cache)
    assert engine.expected == [5, 1]
    run(SCRIPT, engine, cache)
    assert engine.expected == [5, 1]


def test_lexicon_change_resynthesizes_exactly_the_affected_segments(tmp_path: Path) -> None:
    engine, cache = FakeEngine(), ClipCache(tmp_path)
    run(SCRIPT, engine, cache)
    engine.calls.clear()
    run(SCRIPT.replace("doo-AR-tay", "dwar-tay"), engine, cache)
    assert sorted(engine.calls) == ["Fifth segment with dwar-tay again.", "First segment about dwar-tay."]


def test_engine_upgrade_and_force_resynthesize(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    run(SCRIPT, FakeEngine(), cache)
    upgraded = FakeEngine(version="2")
    assert run(SCRIPT, upgraded, cache).synthesized == 5
    forced = FakeEngine(version="2")
    result = run(SCRIPT, forced, cache, force=True)
    assert (result.hits, result.synthesized, len(forced.calls)) == (0, 5, 5)


def test_cached_clips_are_announced_once_the_misses_are_with_the_engine(tmp_path: Path) -> None:
    # The build prepares each clip it hears of; preparing the cached ones must not hold up the new one.
    cache = ClipCache(tmp_path)
    run(SCRIPT, FakeEngine(), cache)
    started = threading.Event()

    class SignallingEngine(FakeEngine):
        def synthesize(self, text: str, voice: VoiceRef) -> Audio:
            started.set()
            return super().synthesize(text, voice)

    heard: list[tuple[Path, bool]] = []
    edited = SCRIPT.replace("Fifth segment", "The fifth segment")
    result = run(edited, SignallingEngine(), cache, on_clip=lambda clip: heard.append((clip.path, started.wait(5))))
    assert (result.hits, result.synthesized) == (4, 1)
    assert len(heard) == 5 and all(engine_busy for _, engine_busy in heard)


@pytest.mark.parametrize("damage", ["truncate", "empty", "flip"])
def test_damaged_entries_are_resynthesized_not_used(tmp_path: Path, damage: str) -> None:
    engine, cache = FakeEngine(), ClipCache(tmp_path)
    run(SCRIPT, engine, cache)
    entry = sorted((tmp_path / "clips").glob("*/*.wav"))[0]
    data = entry.read_bytes()
    entry.write_bytes({"truncate": data[: len(data) // 2], "empty": b"", "flip": data[:-1] + b"\x01"}[damage])
    engine.calls.clear()
    result = run(SCRIPT, engine, cache)
    assert (result.hits, result.synthesized, result.corrupt) == (4, 1, 1)
    assert len(engine.calls) == 1
    assert entry.read_bytes() == data, "the entry was written again, whole"


def test_a_failure_names_the_segment_keeps_the_cache_and_resumes(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    failing = FakeEngine(fail_on="Fourth")
    with pytest.raises(SynthesisFailed) as caught:
        run(SCRIPT, failing, cache, jobs=1)
    message = str(caught.value)
    assert "t.md:20" in message and "chapter 2 'Two'" in message and "guest" in message
    assert "the fake engine was told to fail" in message and "resumes" in message
    assert caught.value.exit_code == 1
    made = set(failing.calls) - {"Fourth segment. It has two sentences."}
    healthy = FakeEngine()
    result = run(SCRIPT, healthy, cache)
    assert "Fourth segment. It has two sentences." in healthy.calls
    assert not made & set(healthy.calls), "clips made before the failure are not made again"
    assert result.hits == len(made)
    assert not list(tmp_path.glob("clips/*/.*.tmp")), "no half-written entries"


class FlakyEngine(FakeEngine):
    """Fails each text's first ``failures`` calls with a retryable error, as a worker that died would."""

    def __init__(self, failures: int, retryable: bool = True) -> None:
        super().__init__()
        self.failures = failures
        self.retryable = retryable

    def synthesize(self, text: str, voice: VoiceRef) -> Audio:
        if self.calls.count(text) < self.failures:
            with self._lock:
                self.calls.append(text)
            raise EngineError("the worker died", retryable=self.retryable)
        return super().synthesize(text, voice)


def test_retryable_failures_are_tried_again_and_others_are_not(tmp_path: Path) -> None:
    twice = FlakyEngine(failures=2)
    result = run(SCRIPT, twice, ClipCache(tmp_path / "a"), jobs=1)
    assert result.synthesized == 5 and twice.calls.count("Third segment.") == 3

    thrice = FlakyEngine(failures=3)
    with pytest.raises(SynthesisFailed, match="the worker died"):
        run(SCRIPT, thrice, ClipCache(tmp_path / "b"), jobs=1)

    final = FlakyEngine(failures=1, retryable=False)
    with pytest.raises(SynthesisFailed, match="the worker died"):
        run(SCRIPT, final, ClipCache(tmp_path / "c"), jobs=1)
    assert final.calls == ["First segment about doo-AR-tay."]  # once, with the lexicon applied


def test_long_segments_become_several_chunks(tmp_path: Path) -> None:
    engine, cache = FakeEngine(), ClipCache(tmp_path)
    long_text = " ".join(f"Sentence number {i} is here to make the segment long." for i in range(20))
    result = run(SCRIPT.replace("Third segment.", long_text), engine, cache)
    third = result.segments[2]
    assert len(third.clips) == len(third.chunks) > 2
    assert all(len(chunk) <= 320 for chunk in third.chunks)
    assert " ".join(third.chunks).count("Sentence number") == 20


def test_progress_reports_segments_and_hits(tmp_path: Path) -> None:
    engine, cache = FakeEngine(), ClipCache(tmp_path)
    run(SCRIPT.replace("Third segment.", "Changed."), engine, cache)
    seen = []
    run(SCRIPT, engine, cache, on_progress=seen.append)
    assert seen[0].segments_total == 5 and seen[0].hits == 4 and seen[0].segments_done == 4
    assert seen[-1].segments_done == 5 and seen[-1].synthesized == 1


def test_cache_info_and_clear(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path)
    run(SCRIPT, FakeEngine(), cache)
    info = cache.info()
    assert info.entries == 5 and info.by_engine == {"fake": 5} and info.bytes > 0
    (cache.root / "verify").mkdir()
    (cache.root / "verify" / "transcript.json").write_text("{}", encoding="utf-8")
    assert cache.clear().entries == 5
    assert cache.info().entries == 0
    assert not (cache.root / "verify").exists(), "the listening check's transcripts go with the clips they heard"


def test_cache_dir_comes_from_the_environment(isolated_cache: Path) -> None:
    assert ClipCache().root == isolated_cache


# --------------------------------------------------------------------------- casting


def test_first_available_choice_wins_and_fallback_is_explained(tmp_path: Path) -> None:
    episode = load_script(ROOT / "script" / "shal-ket.md")
    registry = default_registry()
    castings = cast(episode, "local", registry)
    assert str(castings["interviewer"].voice) == "kokoro:am_echo"
    assert str(castings["zhanar"].voice) == "kokoro:af_heart"
    assert castings["zhanar"].notice() is None

    without_flite = default_registry()
    without_flite.register(KokoroEngine(models=tmp_path, source=ModelSource((Path("/nonexistent/part.bin"),) * 4)))
    without_flite.register(FliteEngine(binary="no-such-flite"))
    fallback = cast(episode, "local", without_flite)["zhanar"]
    assert str(fallback.voice) == "espeak:en-us+f2"
    notice = fallback.notice()
    assert notice is not None
    assert "kokoro:af_heart is unavailable (the Kokoro model part /nonexistent/part.bin is missing)" in notice
    assert [str(voice) for voice, _ in fallback.passed_over] == ["kokoro:af_heart", "flite:slt"]
    assert "flite is not installed" in fallback.passed_over[1][1].reason


def test_google_profile_uses_two_accents() -> None:
    episode = load_script(ROOT / "script" / "shal-ket.md")
    castings = cast(episode, "google", default_registry())
    assert {str(c.voice) for c in castings.values()} == {"gtts:en:co.uk", "gtts:en:com.au"}


def test_no_available_voice_is_an_input_error_with_reasons(tmp_path: Path) -> None:
    episode = load_script(ROOT / "script" / "shal-ket.md")
    registry = default_registry()
    registry.register(KokoroEngine(models=tmp_path, source=ModelSource((Path("/nonexistent/part.bin"),) * 4)))
    registry.register(FliteEngine(binary="no-such-flite"))
    registry.register(EspeakEngine(backend="binary", binary="no-such-espeak"))
    with pytest.raises(InputError) as caught:
        cast(episode, "local", registry)
    message = str(caught.value)
    assert "no voice is available for 'zhanar'" in message
    assert "flite:slt: flite is not installed" in message and "apt-get install flite" in message


def test_unknown_profile_without_defaults() -> None:
    speaker = load_script(ROOT / "script" / "shal-ket.md").speaker("zhanar")
    with pytest.raises(InputError, match="no voices for the profile 'studio'"):
        cast_speaker(speaker, "studio", default_registry())
    bare = replace(speaker, voices={})
    assert str(cast_speaker(bare, "local", default_registry()).voice) == "kokoro:af_heart"


# --------------------------------------------------------------------------- real voices


def test_real_voices_are_clearly_different(tmp_path: Path) -> None:
    """Median pitch of Piper joe (the narrator's fallback and draft voice) and flite slt / espeak f2 (Zhanar's
    fallbacks and draft voice); Kokoro: test_kokoro."""
    episode = load_script(ROOT / "script" / "shal-ket.md")
    short = replace(
        episode,
        chapters=(
            replace(
                episode.chapters[3],
                items=tuple(i for i in episode.chapters[3].items if isinstance(i, Segment) and len(i.text) < 120)[:6],
            ),
        ),
    )
    registry = default_registry()
    pitches = {}
    for label, zhanar_voice in (("flite", "flite:slt"), ("espeak", "espeak:en-us+f2")):
        castings = cast(short, "draft", registry)
        engine, voice = registry.resolve(zhanar_voice)
        castings["zhanar"] = replace(castings["zhanar"], engine=engine, voice=voice)
        result = synthesize_episode(short, castings, ClipCache(tmp_path))
        by_speaker: dict[str, list[float]] = {}
        for segment in result.segments:
            for clip in segment.clips:
                by_speaker.setdefault(segment.segment.speaker, []).append(
                    median_pitch(*wav_samples(clip.path.read_bytes()))
                )
        pitches[label] = {tag: sorted(values)[len(values) // 2] for tag, values in by_speaker.items()}
        assert isinstance(castings["interviewer"].engine, PiperEngine)
        assert pitches[label]["zhanar"] > 1.4 * pitches[label]["interviewer"], pitches
    assert pitches["flite"]["interviewer"] < 160
