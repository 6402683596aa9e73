"""The CLI in-process: exit codes, messages, and what users see."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shalket_audio.cli import app

ROOT = Path(__file__).resolve().parents[1]
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
    assert "quotes: 18 found, 16 spoken by zhanar" in result.output
    assert "dropped page boilerplate: 'top of page', 'bottom of page'" in result.output
    assert runner.invoke(app, ["check", str(out)]).exit_code == 0


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
    assert "no/such/script.md: file not found" in result.output


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
