"""``check`` refuses what ``build`` would refuse in the lexicon's IPA, at the entry's line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from shalket_audio.cli import app

SCRIPT = """---
title: T
speakers:
  interviewer:
    name: Ann Writer
    role: host
lexicon:
  Zhanar: {ipa: "ʒɑ<n>r"}
---
# One
interviewer: Hello Zhanar.
"""


def test_check_names_the_lexicon_line_of_ipa_no_phoneme_set_has(tmp_path: Path) -> None:
    script = tmp_path / "ep.md"
    script.write_text(SCRIPT, encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(script)])
    assert result.exit_code == 2, result.output
    assert f"{script}:8: the lexicon's IPA for 'Zhanar'" in result.output and "fix:" in result.output
    assert "Traceback" not in result.output
    script.write_text(SCRIPT.replace("ʒɑ<n>r", "ʒɑnɑr"), encoding="utf-8")
    assert CliRunner().invoke(app, ["check", str(script)]).exit_code == 0
