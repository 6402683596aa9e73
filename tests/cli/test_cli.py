"""The CLI in-process: exit codes, messages, and what users see."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shalket_audio.cli import app

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ROOT / "script" / "shal-ket.article.txt"
SCRIPT = ROOT / "script" / "shal-ket.md"

runner = CliRunner()


def test_script_writes_next_to_the_article_and_reports(tmp_path: Path) -> None:
    article = tmp_path / "feature.article.txt"
    article.write_bytes(ARTICLE.read_bytes())
    result = runner.invoke(app, ["script", str(article)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "feature.md"
    assert out.exists()
    assert "interviewee: Zhanar Sekerbeyeva (tag zhanar)" in result.output
    assert "quotes: 19 found, 16 spoken by zhanar" in result.output
    assert "dropped page boilerplate: 'top of page', 'bottom of page'" in result.output
    assert runner.invoke(app, ["check", str(out)]).exit_code == 0


NEWS = (
    "Flood Town Waits\n\nBy Ann Writer\n\nCampaigner Maria Lopez fights for flood defences in her town.\n\n"
    "'I never planned any of this,' Maria Lopez says. 'Nobody came to help us.'\n\n"
    "A council spokeswoman said: 'We are reviewing the defences.'\n\n"
    "'It will be finished by June.' Lopez laughed.\n\n"
    "Later, 'six words said by no one' appeared.\n"
)


def test_script_lists_the_review_notes_it_writes_and_check_counts_them(tmp_path: Path) -> None:
    article = tmp_path / "news.article.txt"
    article.write_text(NEWS, encoding="utf-8")
    result = runner.invoke(app, ["script", str(article)])
    assert result.exit_code == 0, result.output
    script = tmp_path / "news.md"
    lines = script.read_text(encoding="utf-8").splitlines()
    assert "  quoted: Council spokeswoman (tag council-spokeswoman)" in result.output
    assert "review: 2 attributions to check" in result.output
    listed = [line.strip() for line in result.output.splitlines() if line.strip().startswith(f"{script}:")]
    assert len(listed) == 2
    for entry in listed:
        number, text = entry.removeprefix(f"{script}:").split(": ", 1)
        assert lines[int(number) - 1] == f"<!-- {text} -->"
    assert "given to the narrator" in listed[1]
    check = runner.invoke(app, ["check", str(script)])
    assert check.exit_code == 0, check.output
    assert "review: 2 notes left to check" in check.output
    assert "council-spokeswoman" in check.output
    edited = [line for line in lines if not line.startswith("<!-- review:")]
    script.write_text("\n".join(edited) + "\n", encoding="utf-8")
    assert "review:" not in runner.invoke(app, ["check", str(script)]).output


def test_script_without_a_byline_says_so_once_and_converts(tmp_path: Path) -> None:
    article = tmp_path / "nobyline.article.txt"
    article.write_text(NEWS.replace("By Ann Writer\n\n", ""), encoding="utf-8")
    result = runner.invoke(app, ["script", str(article)])
    assert result.exit_code == 0, result.output
    assert result.output.count("notice:") == 1 and "no byline" in result.output
    assert "interviewer: Narrator (tag interviewer)" in result.output


def test_script_refuses_to_overwrite_a_producers_edits(tmp_path: Path) -> None:
    out = tmp_path / "edited.md"
    out.write_text("my edits", encoding="utf-8")
    result = runner.invoke(app, ["script", str(ARTICLE), "-o", str(out)])
    assert result.exit_code == 2
    assert "already exists" in result.output and "--force" in result.output
    assert out.read_text(encoding="utf-8") == "my edits"
    assert runner.invoke(app, ["script", str(ARTICLE), "-o", str(out), "--force"]).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("---\n")


def test_script_to_stdout_with_names_given() -> None:
    result = runner.invoke(
        app, ["script", str(ARTICLE), "-o", "-", "--interviewer", "Nico L", "--interviewee", "Zhanar"]
    )
    assert result.exit_code == 0
    assert "name: Nico L\n" in result.output and "name: Zhanar Sekerbeyeva\n" in result.output


def test_script_missing_article_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["script", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2
    assert "nope.txt: article not found" in result.output
    assert "Traceback" not in result.output


def test_check_summarises_chapters_and_speakers() -> None:
    result = runner.invoke(app, ["check", str(SCRIPT)])
    assert result.exit_code == 0, result.output
    assert "The Mothers Nobody Mentions" in result.output
    assert "zhanar       Zhanar Sekerbeyeva         guest" in result.output
    assert "6 chapters, 45 segments" in result.output
    assert "lexicon: " in result.output


def test_check_json_follows_the_documented_schema() -> None:
    result = runner.invoke(app, ["check", str(SCRIPT), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["schema_version"] == 1
    assert data["metadata"]["author"] == "Nico Lethbridge"
    assert [s["tag"] for s in data["speakers"]] == ["interviewer", "zhanar"]
    chapter = data["chapters"][0]
    assert set(chapter) == {"title", "line", "words", "estimated_seconds", "segments", "pauses"}
    assert set(chapter["segments"][0]) == {"speaker", "text", "line", "new_paragraph"}
    assert data["totals"]["segments"] == sum(len(c["segments"]) for c in data["chapters"])
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for key in ("schema_version", "estimated_seconds", "new_paragraph", "before_segment", "totals"):
        assert f"`{key}`" in readme, f"README documents {key}"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("# C\n\nnobody: hi\n", "bad.md:9: unknown speaker tag 'nobody'"),
        ("amina: hi\n", "bad.md:7: text before the first chapter"),
        ("# C\n\namina: hi\n[pause never]\n", "bad.md:10: bad pause"),
    ],
)
def test_check_bad_script_exits_2_with_file_and_line(tmp_path: Path, body: str, message: str) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntitle: T\nspeakers:\n  amina: {name: A, role: guest}\n---\n\n" + body, encoding="utf-8")
    result = runner.invoke(app, ["check", str(bad)])
    assert result.exit_code == 2
    assert message in result.output
    assert "fix:" in result.output
    assert "Traceback" not in result.output


def test_check_missing_file() -> None:
    result = runner.invoke(app, ["check", "no/such/script.md"])
    assert result.exit_code == 2
    assert "no/such/script.md: script not found" in result.output


def test_bad_usage_exits_2() -> None:
    assert runner.invoke(app, ["check"]).exit_code == 2
    assert runner.invoke(app, ["frobnicate"]).exit_code == 2


@pytest.mark.parametrize("command", ["script", "check"])
def test_help_has_examples(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Examples" in result.output and f"shalket-audio {command}" in result.output


def test_module_entry_point_runs() -> None:
    result = subprocess.run([sys.executable, "-m", "shalket_audio", "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("shalket-audio ")


# --------------------------------------------------------------------------- voices, synth, cache

SMALL = """---
title: Small
speakers:
  interviewer: {name: Nico Lethbridge, role: host}
  zhanar: {name: Zhanar Sekerbeyeva, role: guest}
---
# One
interviewer: Hello and welcome.
zhanar: We are a failed state.
"""


def test_voices_lists_engines_and_casting() -> None:
    result = runner.invoke(app, ["voices", str(SCRIPT)])
    assert result.exit_code == 0, result.output
    for line in (
        "piper   available",
        "kokoro  available",
        "flite   available",
        "espeak  available",
        "gtts    available",
    ):
        assert line in result.output
    assert "voices: kal, awb_time, kal16, awb, rms, slt" in result.output
    kokoro_voices = next(line for line in result.output.splitlines() if line.strip().startswith("voices: af_heart"))
    for name in ("af_heart", "am_echo", "af_bella", "bf_emma", "am_michael", "am_fenrir", "bm_george"):
        assert name in kokoro_voices
    assert "am_echo (the narrator's: 0.9% WER" in kokoro_voices  # why it was chosen, with the figures
    assert "interviewer  kokoro:am_echo" in result.output and "zhanar       kokoro:af_heart" in result.output
    assert "profile draft:" in result.output and "zhanar       flite:slt" in result.output
    assert "interviewer  gtts:en:co.uk" in result.output


def test_voices_explains_a_missing_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from shalket_audio import voices
    from shalket_audio.voices.flite import FliteEngine
    from shalket_audio.voices.kokoro import KokoroEngine
    from shalket_audio.voices.kokoro.assets import ModelSource

    original = voices.default_registry

    def without_flite() -> voices.Registry:
        registry = original()
        registry.register(KokoroEngine(models=models, source=ModelSource((models / "gone.bin",) * 4)))
        registry.register(FliteEngine(binary="no-such-flite"))
        return registry

    models = tmp_path / "models"
    monkeypatch.setattr(voices, "default_registry", without_flite)
    result = runner.invoke(app, ["voices", str(SCRIPT)])
    assert result.exit_code == 0, result.output
    assert "flite   unavailable: flite is not installed" in result.output
    assert "install: apt-get install flite" in result.output
    assert f"kokoro  unavailable: the Kokoro model part {models}/gone.bin is missing" in result.output
    assert "zhanar       espeak:en-us+f2" in result.output
    assert "note: zhanar uses espeak:en-us+f2 because kokoro:af_heart is unavailable" in result.output


def test_synth_then_nothing_to_do(tmp_path: Path) -> None:
    script = tmp_path / "small.md"
    script.write_text(SMALL, encoding="utf-8")
    cache = tmp_path / "cache"
    first = runner.invoke(app, ["synth", str(script), "--cache-dir", str(cache)])
    assert first.exit_code == 0, first.output
    assert "0 from the cache, 2 synthesized" in first.output
    second = runner.invoke(app, ["synth", str(script), "--cache-dir", str(cache)])
    assert "2 from the cache, 0 synthesized" in second.output and "nothing changed" in second.output
    info = runner.invoke(app, ["cache", "info", "--cache-dir", str(cache)])
    assert "2 clips" in info.output and "kokoro: 2 clips" in info.output  # narrator am_echo, Zhanar af_heart
    cleared = runner.invoke(app, ["cache", "clear", "--cache-dir", str(cache)])
    assert cleared.exit_code == 0 and "cleared 2 clips" in cleared.output


def test_synth_engine_failure_exits_1_naming_the_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import responses

    script = tmp_path / "small.md"
    script.write_text(SMALL, encoding="utf-8")
    from shalket_audio import voices
    from shalket_audio.voices.gtts import GttsEngine

    original = voices.default_registry

    def impatient() -> voices.Registry:
        registry = original()
        registry.register(GttsEngine(attempts=2, backoff=0.01))
        return registry

    monkeypatch.setattr(voices, "default_registry", impatient)
    with responses.RequestsMock() as fake:
        fake.post("https://translate.google.co.uk/_/TranslateWebserverUi/data/batchexecute", status=503)
        fake.post("https://translate.google.com.au/_/TranslateWebserverUi/data/batchexecute", status=503)
        result = runner.invoke(app, ["synth", str(script), "--voices", "google", "--jobs", "1"])
    assert result.exit_code == 1
    assert "small.md:8: could not synthesize chapter 1 'One'" in result.output
    assert "after 2 attempts" in result.output and "resumes" in result.output
    assert "Traceback" not in result.output


def test_synth_bad_profile_is_a_usage_error(tmp_path: Path) -> None:
    script = tmp_path / "small.md"
    script.write_text(SMALL, encoding="utf-8")
    result = runner.invoke(app, ["synth", str(script), "--voices", "studio"])
    assert result.exit_code == 2
    assert "no voices for the profile 'studio'" in result.output


def test_pip_only_machine_still_gets_two_voices(tmp_path: Path) -> None:
    """With no system flite or espeak-ng on PATH: Kokoro comes from wheels; without it, the wheel's espeak-ng."""
    script = tmp_path / "small.md"
    script.write_text(SMALL, encoding="utf-8")
    bin_dir = Path(sys.executable).parent
    env = {
        "PATH": str(bin_dir),
        "SHALKET_CACHE_DIR": str(tmp_path / "cache"),
        "HOME": str(tmp_path),
        "SHALKET_WORKERS_LINGER": "0",
    }
    result = subprocess.run(
        [str(bin_dir / "shalket-audio"), "synth", str(script)], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "zhanar: kokoro:af_heart" in result.stdout and "notice" not in result.stderr

    script.write_text(
        SMALL.replace("role: guest}", "role: guest, voices: {local: [flite:slt, espeak:en-us+f2]}}"), encoding="utf-8"
    )
    result = subprocess.run(
        [str(bin_dir / "shalket-audio"), "synth", str(script)], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert "zhanar: espeak:en-us+f2" in result.stdout
    assert (
        "notice: zhanar uses espeak:en-us+f2 because flite:slt is unavailable (flite is not installed)" in result.stderr
    )
    assert "1 from the cache, 1 synthesized" in result.stdout  # the interviewer's clip was made by the first run
