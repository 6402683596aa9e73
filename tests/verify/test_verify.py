"""The listening check with the real recognizer on real synthesis: flite and Piper on short texts, a word
cut out with ffmpeg, the wrong text, a lexicon respelling, the transcript cache, --fix and the CLI."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import ffmpeg_binary
from shalket_audio.cli import app
from shalket_audio.script import load_script
from shalket_audio.synth.cache import ClipCache
from shalket_audio.verify import run_verify
from shalket_audio.verify.check import Listener, compare
from shalket_audio.verify.recognizer import Recognizer, RecognizerUnavailable, check_model, load_clip_audio
from shalket_audio.voices import VoiceRef
from shalket_audio.voices.flite import FliteEngine

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture(scope="module")
def recognizer() -> Recognizer:
    return Recognizer(threads=2)


def flite_clip(text: str, path: Path, voice: str = "slt") -> Path:
    audio = FliteEngine().synthesize(text, VoiceRef("flite", voice))
    path.write_bytes(audio.data)
    return path


def cut(source: Path, start: float, end: float, target: Path) -> Path:
    """The clip without the audio between start and end (s): what a voice that skips a word sounds like."""
    select = f"aselect='not(between(t,{start:.3f},{end:.3f}))',asetpts=N/SR/TB"
    subprocess.run([ffmpeg_binary(), "-v", "error", "-y", "-i", str(source), "-af", select, str(target)], check=True)
    return target


def pauses(path: Path) -> list[float]:
    """The middles of the silences inside a clip (seconds): where a word can be cut out cleanly."""
    import numpy as np

    audio = load_clip_audio(path, "wav")
    frames = audio[: len(audio) // 160 * 160].reshape(-1, 160)
    level = 20 * np.log10(np.sqrt(np.mean(np.square(frames), axis=1)) + 1e-9)
    quiet = level < np.percentile(level, 95) - 35
    middles, start = [], None
    for index, silent in enumerate(quiet):
        if silent and start is None:
            start = index
        elif not silent and start is not None:
            if start > 0 and index - start >= 6:
                middles.append((start + index) / 2 * 160 / 16000)
            start = None
    return middles


def cut_word(recognizer: Recognizer, clip: Path, word: str, target: Path, to_end: bool = False) -> Path:
    """Cut ``word`` (set off by commas, so by pauses) out of the clip with ffmpeg, or everything from it on.

    Whisper tiny's word times are a few tenths of a second off, so the cut runs from the pause before the
    word's middle to the pause after it.
    """
    (heard,) = [w for w in recognizer.words(load_clip_audio(clip, "wav")) if w.text.lower().strip(",.") == word]
    middle = (heard.start + heard.end) / 2
    gaps = pauses(clip)
    start = max(g for g in gaps if g < middle)
    end = 600.0 if to_end else min(g for g in gaps if g > middle)
    return cut(clip, start, end, target)


def check_text(recognizer: Recognizer, clip: Path, expected: str, lexicon: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    from shalket_audio.verify.check import ClipCheck
    from shalket_audio.verify.recognizer import longest_pause_ms

    audio = load_clip_audio(clip, "wav")
    heard = recognizer.transcribe(audio)
    return ClipCheck(
        0,
        0,
        1,
        "zhanar",
        "flite:slt",
        expected,
        heard,
        0,
        longest_pause_ms(audio),
        compare(expected, heard, lexicon or {}),
        False,
        clip,
    )


SENTENCE = "The committee approved the budget, finally, on Tuesday morning, and the mayor signed it at noon."


def test_a_clean_clip_passes_and_a_clip_with_a_word_cut_out_is_flagged(recognizer: Recognizer, tmp_path: Path) -> None:
    clip = flite_clip(SENTENCE, tmp_path / "clean.wav", "awb")
    clean = check_text(recognizer, clip, SENTENCE)
    assert not clean.to_check, clean.heard
    damaged = check_text(recognizer, cut_word(recognizer, clip, "finally", tmp_path / "cut.wav"), SENTENCE)
    assert damaged.alignment.missing == ["finally"], damaged.heard
    assert damaged.reasons == ["1 word missing"]


def test_a_clip_cut_short_is_flagged_as_ending_early(recognizer: Recognizer, tmp_path: Path) -> None:
    clip = flite_clip(SENTENCE, tmp_path / "clip.wav", "awb")
    short = check_text(recognizer, cut_word(recognizer, clip, "morning", tmp_path / "short.wav", to_end=True), SENTENCE)
    assert short.ends_early >= 8, short.heard
    assert any(reason.startswith("ends early") for reason in short.reasons)


def test_a_clip_synthesized_from_other_text_is_flagged(recognizer: Recognizer, tmp_path: Path) -> None:
    clip = flite_clip("The weather was warm and the market was busy all afternoon.", tmp_path / "other.wav")
    wrong = check_text(recognizer, clip, SENTENCE)
    assert wrong.to_check and wrong.wer >= 0.5


def test_a_long_silence_inside_a_clip_is_flagged(recognizer: Recognizer, tmp_path: Path) -> None:
    first = flite_clip("I will not leave the city.", tmp_path / "a.wav")
    second = flite_clip("I will defend it with all my efforts.", tmp_path / "b.wav")
    joined = tmp_path / "gap.wav"
    subprocess.run(
        [
            ffmpeg_binary(),
            "-v",
            "error",
            "-i",
            str(first),
            "-i",
            str(second),
            "-filter_complex",
            "[0]apad=pad_dur=2[a];[a][1]concat=n=2:v=0:a=1",
            str(joined),
        ],
        check=True,
    )
    result = check_text(recognizer, joined, "I will not leave the city. I will defend it with all my efforts.")
    assert not result.alignment.missing and result.wer < 0.25, result.heard
    assert result.longest_pause_ms >= 1900
    assert result.to_check and any("silence" in reason for reason in result.reasons)


LEXICON_SCRIPT = """---
title: Lexicon check
speakers:
  interviewer:
    name: Nico Lethbridge
    role: host
    voices:
      local: [piper:en_US-joe-medium]
  zhanar:
    name: Zhanar Sekerbeyeva
    role: guest
    voices:
      local: [flite:slt, espeak:en-us+f2]
lexicon:
  Zhanar: Zhah-nar
  Sekerbeyeva: Seh-ker-bay-yeh-vah
---

# One

interviewer: I spoke to the activist Zhanar Sekerbeyeva about the protests.
zhanar: We are all tired of the regime, but we will not leave the city.
interviewer: Zhanar remains committed to peace.
"""


def test_a_lexicon_respelling_is_not_flagged_and_the_cache_hears_only_new_clips(
    tmp_path: Path, isolated_cache: Path
) -> None:
    script = tmp_path / "names.md"
    script.write_text(LEXICON_SCRIPT, encoding="utf-8")
    out = tmp_path / "out"
    listener = Listener(ClipCache())
    report = run_verify(load_script(script), out, listener=listener)
    assert listener.heard == 3 and report.synthesized == 3  # nothing was built: the clips were made first
    names = [w for c in report.checks for s in c.alignment.steps for w in s.expected if w.is_name]
    assert {w.text for w in names} == {"Zhah-nar", "Seh-ker-bay-yeh-vah"}
    assert not report.to_check, [(c.expected, c.heard, c.reasons) for c in report.checks]
    data = json.loads((out / "names.verify.json").read_text(encoding="utf-8"))
    assert data["schema_version"] == 1 and data["summary"] == {**data["summary"], "clips": 3, "to_check": 0}
    assert data["clips"][0]["where"] == f"{script}:21" and data["clips"][0]["expected"].startswith("I spoke")

    again = Listener(ClipCache())
    run_verify(load_script(script), out, listener=again)
    assert again.heard == 0
    script.write_text(LEXICON_SCRIPT.replace("committed to peace", "committed to her cause"), encoding="utf-8")
    edited = Listener(ClipCache())
    report = run_verify(load_script(script), out, listener=edited)
    assert edited.heard == 1 and [c.cached for c in report.checks] == [True, True, False]


FIX_SCRIPT = """---
title: Fix check
speakers:
  interviewer:
    name: Nico Lethbridge
    role: host
    voices:
      local: [flite:awb, espeak:en-us]
  zhanar:
    name: Zhanar Sekerbeyeva
    role: guest
    voices:
      local: [flite:slt, espeak:en-us+f2]
---

# One

interviewer: The committee approved the budget, finally, on Tuesday morning, and the mayor signed it at noon.
zhanar: We are all tired of the regime.
"""


def test_fix_retakes_a_damaged_clip_keeps_the_better_take_and_records_it(tmp_path: Path) -> None:
    script = tmp_path / "fix.md"
    script.write_text(FIX_SCRIPT, encoding="utf-8")
    out = tmp_path / "out"
    assert runner.invoke(app, ["build", str(script), "--out", str(out)]).exit_code == 0
    # Damage the built clip the way a voice that skips a word would: cut "finally" out of it, in the cache.
    cache = ClipCache()
    report = run_verify(load_script(script), out)
    first = report.checks[0]
    assert not first.to_check, first.heard
    damaged = cut_word(Recognizer(threads=2), first.clip, "finally", tmp_path / "damaged.wav")
    engine, key = first.clip.stem.split("-")[:2]
    first.clip.unlink()
    cache.put(engine, key, damaged.read_bytes(), "wav")

    result = runner.invoke(app, ["verify", str(script), "--out", str(out), "--fix"])
    assert result.exit_code == 0, result.output
    assert "rechunked into 4 pieces" in result.output and "kept rechunked" in result.output
    assert "verified 2 clips: none to check" in result.output  # the report after the fix
    record = json.loads((cache.root / "verify" / "takes" / f"{key}.json").read_text(encoding="utf-8"))
    assert record["kept"] == "rechunked into 4 pieces" and len(record["takes"]) == 2
    kept = cache.get(engine, key)
    assert kept is not None and kept.path.name == record["file"]
    data = json.loads((out / "fix.verify.json").read_text(encoding="utf-8"))
    assert data["clips"][0]["take"] == "rechunked into 4 pieces" and not data["clips"][0]["to_check"]

    # The next build takes the kept take; a second --fix has nothing left to do.
    rebuilt = runner.invoke(app, ["build", str(script), "--out", str(out), "--verify"])
    assert rebuilt.exit_code == 0 and ": built" in rebuilt.output
    assert "verified 2 clips: none to check" in rebuilt.output


def test_verify_without_the_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "faster_whisper" else real(name, *a)
    )
    script = tmp_path / "fix.md"
    script.write_text(FIX_SCRIPT, encoding="utf-8")
    result = runner.invoke(app, ["verify", str(script), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "faster-whisper is not installed" in result.output and "pip install -e '.[verify]'" in result.output
    assert "Traceback" not in result.output


def test_a_model_that_is_not_the_pinned_one_is_refused(tmp_path: Path) -> None:
    from shalket_audio.verify.recognizer import MODEL_FILES, model_path

    for name in MODEL_FILES:
        (tmp_path / name).symlink_to(model_path() / name)
    check_model(tmp_path)  # the installed model is the pinned one
    (tmp_path / "config.json").unlink()
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(RecognizerUnavailable, match="not the pinned one"):
        check_model(tmp_path)


def test_a_single_clause_is_retaken_in_the_speakers_next_voice() -> None:
    from shalket_audio.synth.casting import cast
    from shalket_audio.verify.fix import pieces, second_take
    from shalket_audio.voices import default_registry

    script = load_script_text(FIX_SCRIPT)
    registry = default_registry()
    zhanar = cast(script, "local", registry)["zhanar"]
    assert pieces("We are all tired of the regime.") == ["We are all tired of the regime."]
    made = second_take("We are all tired of the regime.", zhanar, "local", registry)
    assert made is not None
    name, voice, audio = made
    assert (name, voice) == ("fallback voice espeak:en-us+f2", "espeak:en-us+f2") and audio.data


def load_script_text(text: str):  # type: ignore[no-untyped-def]
    from shalket_audio.script import parse_script

    return parse_script(text)


def test_the_real_episode_passes_except_the_clips_the_report_explains(tmp_path: Path) -> None:
    """The committed script, from the user's clip cache (which `.ci/run`'s `build --verify` has filled and heard)."""
    from platformdirs import user_cache_dir

    from shalket_audio.verify.report import table

    report = run_verify(
        load_script(ROOT / "script" / "shal-ket.md"), tmp_path, cache=ClipCache(Path(user_cache_dir("shalket-audio")))
    )
    assert len(report.checks) == 59
    # Measured: 5 of 59 clips to check, each where Whisper tiny misheard words next to a respelled name.
    assert len(report.to_check) <= 8, [(c.line, c.reasons) for c in report.to_check]
    for check in report.to_check:
        explained = check.alignment.missing or check.alignment.added or check.alignment.misheard
        assert explained or check.longest_pause_ms >= 1000, check
    for voice, (_clips, words, errors) in report.by_voice().items():
        assert errors / words < 0.1, (voice, errors, words)
    rows = table(report)
    for check in report.to_check:
        assert any(f"script/shal-ket.md:{check.line} " in row for row in rows)


def test_verify_needs_no_network_at_all(tmp_path: Path) -> None:
    """In a network namespace of its own, from an empty cache and HOME: nothing is downloaded."""
    import os
    import sys

    script = tmp_path / "fix.md"
    script.write_text(FIX_SCRIPT, encoding="utf-8")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "SHALKET_CACHE_DIR": str(tmp_path / "cache"),
        "SHALKET_WORKERS_LINGER": "0",
    }
    command = ["unshare", "--net", str(Path(sys.executable).parent / "shalket-audio")]
    result = subprocess.run(
        [*command, "verify", str(script), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "verified 2 clips: none to check" in result.stdout and "2 heard, 0 from the verify cache" in result.stdout
