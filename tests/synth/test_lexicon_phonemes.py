"""Lexicon entries given as phonemes, and `say`, the producer's way to hear them."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shalket_audio.cli import app
from shalket_audio.errors import ScriptError
from shalket_audio.script import parse_script, serialize_script
from shalket_audio.synth.text import prepare
from shalket_audio.voices import VoiceRef
from shalket_audio.voices.kokoro import KokoroEngine
from shalket_audio.voices.piper import PiperEngine

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "script" / "shal-ket.md"
runner = CliRunner()

FRONT = """---
title: Test
speakers:
  interviewer:
    name: Nico Lethbridge
    role: host
  zhanar:
    name: Zhanar Sekerbeyeva
    role: guest
lexicon:
  Almaty: Al-mah-tee
  Sekerbeyeva: {ipa: "sɛkɛrbɛˈjɛvə", say: Seh-ker-bay-yeh-vah}
  Zhanar: {ipa: ʒɑˈnɑr}
---

# One

zhanar: I am Zhanar Sekerbeyeva, from Almaty.
"""


def test_phoneme_entries_parse_and_round_trip() -> None:
    episode = parse_script(FRONT, path="t.md")
    assert episode.phonemes == {"Sekerbeyeva": "sɛkɛrbɛˈjɛvə", "Zhanar": "ʒɑˈnɑr"}
    assert episode.lexicon == {"Almaty": "Al-mah-tee", "Sekerbeyeva": "Seh-ker-bay-yeh-vah", "Zhanar": "Zhanar"}
    text = serialize_script(episode)
    assert "  Sekerbeyeva: {ipa: sɛkɛrbɛˈjɛvə, say: Seh-ker-bay-yeh-vah}" in text
    assert "  Zhanar: {ipa: ʒɑˈnɑr}" in text
    again = parse_script(text, path="t.md")
    assert again.phonemes == episode.phonemes and again.lexicon == episode.lexicon


@pytest.mark.parametrize(
    ("entry", "line", "message"),
    [
        ("  Zhanar: {ipa: ʒɑˈnɑr, stress: 2}", 13, "unknown key 'stress' in lexicon entry 'Zhanar'"),
        ("  Zhanar: {say: Zhah-nar}", 13, "lexicon entry 'Zhanar' has no usable ipa"),
        ('  Zhanar: {ipa: "[[ʒɑˈnɑr]]"}', 13, "has no usable ipa"),
        ("  Zhanar: {ipa: [a, b]}", 13, "must be a single value"),
    ],
)
def test_bad_phoneme_entries_name_the_line(entry: str, line: int, message: str) -> None:
    bad = FRONT.replace("  Zhanar: {ipa: ʒɑˈnɑr}", entry)
    with pytest.raises(ScriptError) as caught:
        parse_script(bad, path="t.md")
    assert caught.value.line == line and message in caught.value.reason, caught.value
    assert caught.value.fix


def test_engines_that_take_phonemes_get_them_and_the_others_get_the_respelling() -> None:
    episode = parse_script(FRONT, path="t.md")
    text = episode.segments[0].text
    assert prepare(text, episode.lexicon, episode.phonemes) == ["I am [[ʒɑˈnɑr]] [[sɛkɛrbɛˈjɛvə]], from Al-mah-tee."]
    assert prepare(text, episode.lexicon) == ["I am Zhanar Seh-ker-bay-yeh-vah, from Al-mah-tee."]


def _samples(data: bytes) -> bytes:
    import io

    with wave.open(io.BytesIO(data)) as wav:
        return wav.readframes(wav.getnframes())


@pytest.mark.parametrize(
    "engine_class,spec", [(KokoroEngine, "kokoro:af_heart"), (PiperEngine, "piper:en_US-joe-medium")]
)
def test_phonemes_change_the_audio(engine_class: type, spec: str) -> None:
    engine = engine_class()
    voice = VoiceRef.parse(spec)
    try:
        respelled = engine.synthesize("Seh-ker-bay-yeh-vah.", voice).data
        as_ipa = engine.synthesize("[[sɛkɛrbɛˈjɛvə]].", voice).data
        other_ipa = engine.synthesize("[[zɪkɹɪbˈeɪə]].", voice).data
    finally:
        engine.release()
    assert len({_samples(respelled), _samples(as_ipa), _samples(other_ipa)}) == 3
    assert all(len(_samples(clip)) > 2 * 24000 * 0.3 for clip in (respelled, as_ipa, other_ipa))


# --------------------------------------------------------------------------- say


def test_say_a_text_in_a_voice_then_again_from_the_cache(tmp_path: Path) -> None:
    out = tmp_path / "name.wav"
    first = runner.invoke(app, ["say", str(SCRIPT), "--speaker", "zhanar", "Sekerbeyeva", "-o", str(out)])
    assert first.exit_code == 0, first.output
    assert "zhanar (kokoro:af_heart)" in first.output and "1 of 1 clips synthesized" in first.output
    assert "said: Seh-ker-bay-yeh-vah" in first.output  # the script's lexicon applied
    with wave.open(str(out)) as wav:
        assert wav.getframerate() == 24000 and wav.getnframes() > 24000 * 0.4
    again = runner.invoke(app, ["say", str(SCRIPT), "--speaker", "zhanar", "Sekerbeyeva", "-o", str(out)])
    assert again.exit_code == 0 and "from the cache" in again.output


def test_say_a_line_of_the_script(tmp_path: Path) -> None:
    lines = SCRIPT.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("interviewer: ") and len(line) < 90)
    result = runner.invoke(app, ["say", str(SCRIPT), "--line", str(number), "-o", str(tmp_path / "line.wav")])
    assert result.exit_code == 0, result.output
    assert "interviewer (kokoro:am_echo)" in result.output
    assert (tmp_path / "line.wav").stat().st_size > 10_000


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--line", "3"], "shal-ket.md:3: line 3 is not a segment line"),
        (["--speaker", "zhanr", "hello"], "has no speaker 'zhanr'"),
        (["--speaker", "zhanar"], "nothing to say"),
        (["hello"], "no speaker given"),
        (["--speaker", "zhanar", "--voices", "studio", "hi"], "no voices for the profile 'studio'"),
    ],
)
def test_say_bad_input_exits_2_with_a_fix(arguments: list[str], message: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["say", str(SCRIPT), *arguments, "-o", str(tmp_path / "x.wav")])
    assert result.exit_code == 2, result.output
    assert message in result.output and "fix:" in result.output
    assert not (tmp_path / "x.wav").exists()


def test_say_joins_a_long_texts_chunks_with_the_builds_gap(tmp_path: Path) -> None:
    out = tmp_path / "long.wav"
    sentence = "Thousands of people came out onto the streets of the city that winter, and they stayed there for days. "
    result = runner.invoke(app, ["say", str(SCRIPT), "-s", "interviewer", sentence * 4, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.count("  said: ") == 2  # two chunks of at most 320 characters
    with wave.open(str(out)) as wav:
        frames = wav.readframes(wav.getnframes())
        rate = wav.getframerate()
    samples = memoryview(frames).cast("h")
    quiet = [abs(samples[i]) < 40 for i in range(len(samples))]
    longest = run = 0
    for is_quiet in quiet:
        run = run + 1 if is_quiet else 0
        longest = max(longest, run)
    assert longest >= rate * 0.2  # the 220 ms gap between the two chunks is there
