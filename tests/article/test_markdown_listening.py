"""A Markdown article, converted, built with the fast offline voices and heard back: no markup is spoken.

The issue's measurement was by ear: `verify` on an episode built from a Markdown article heard
"asterisk asterisk … colon slash dot com slash".  This runs the same chain for real (``script``, then
``build --voices draft --verify`` with flite and faster-whisper tiny.en) on a short article that has
every kind of markup the converter must drop: a front-matter header, headings, links with URLs, bold
and italic, inline code, a bold Q&A label.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from shalket_audio.cli import app
from shalket_audio.script import load_script

ARTICLE = """---
title: A Walk In The Square
author: Ann Writer
date: 2026-11-24
---

*Activist* [Amina Duarte](https://example.com/amina) takes us through the **peaceful** protests.

## The square

“We stood for days,” Amina said. “It was *peaceful*, and __nobody__ left.”

## In her words

**Ann:** Why did you go?

**Amina:** Because I had to. See `the list` at [our site](https://www.example.com/list#top).

**Ann:** And now?

*Amina:* We stay.
"""

#: What a voice reading markup says, and what a recognizer writes for it.
MARKUP_HEARD = re.compile(
    r"\b(?:asterisks?|stars?|slash(?:es)?|brackets?|parenthes[ie]s|https?|www|dot com|example|hash(?:tag)?|"
    r"pound|underscores?|back ?ticks?|colon slash)\b"
)
MARKUP_WRITTEN = re.compile(r"[*_`#\[\]()<>]|https?:|www\.|\.com")


def test_a_markdown_article_built_and_heard_has_no_markup(tmp_path: Path) -> None:
    article = tmp_path / "walk.md"
    article.write_text(ARTICLE, encoding="utf-8")
    runner = CliRunner()
    made = runner.invoke(app, ["script", str(article)])
    assert made.exit_code == 0, made.output
    script = tmp_path / "walk.script.md"
    episode = load_script(script)
    texts = [segment.text for segment in episode.segments]
    assert not [t for t in texts if MARKUP_WRITTEN.search(t)], texts
    assert any("peaceful" in t for t in texts)
    # the Q&A labels became speakers: neither name is read out before its turn
    turns = [(s.speaker, s.text) for s in episode.segments if s.text in ("Why did you go?", "We stay.")]
    assert turns == [("interviewer", "Why did you go?"), ("amina", "We stay.")], texts

    out = tmp_path / "out"
    built = runner.invoke(app, ["build", str(script), "--out", str(out), "--voices", "draft", "--verify"])
    assert built.exit_code == 0, built.output
    report = json.loads((out / "walk.script.verify.json").read_text(encoding="utf-8"))
    heard = [clip["heard"].lower() for clip in report["clips"]]
    assert len(heard) == len(texts) and all(heard), heard
    assert not [h for h in heard if MARKUP_HEARD.search(h)], heard
    # the recognizer did hear the words: the check is not passing on silence
    joined = " ".join(heard)
    assert "peaceful" in joined and "square" in joined, heard
