"""Articles as producers have them: saved web pages, Markdown, very long articles, and the labelled real set."""

from __future__ import annotations

import json
import re
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from shalket_audio.article import Conversion, convert_article, convert_file
from shalket_audio.article.formats import detect
from shalket_audio.cli import app
from shalket_audio.script import MAX_CHAPTERS, load_script, parse_script, serialize_script

sys.path.insert(0, str(Path(__file__).parent))
import interview_score

PAGES = Path(__file__).parent / "pages"
INTERVIEWS = Path(__file__).parent / "interviews"
#: What a listener must never hear: markup characters and addresses.
MARKUP = re.compile(r"[<>*#`|{}]|https?:|www\.|\.com\b|\]\(|&\w+;")


def segments(conversion: Conversion) -> list[str]:
    return [s.text for s in conversion.episode.segments]


def assert_no_markup(conversion: Conversion) -> None:
    for text in segments(conversion):
        assert not MARKUP.search(text), text
    for chapter in conversion.episode.chapters:
        assert not MARKUP.search(chapter.title), chapter.title


# --------------------------------------------------------------------------- saved web pages

PAGE_CASES = [
    # page, its labelled text, words that are page furniture and must not be spoken
    (
        "news-volante.html",
        "10-volante-campus-threat",
        ["Advertisement", "Skip to content", "Related stories", "Photo by"],
    ),
    ("blog-tyla.html", "13-tyla-george-ezra-catfish", ["Blog Archive", "poor woman", "Followers", "Email This"]),
    ("qa-glamour.html", "02-glamour-carmen-perez", ["cookies", "newsletter", "Beauty", "Copyright"]),
]


@pytest.mark.parametrize(("page", "text", "furniture"), PAGE_CASES, ids=[c[0] for c in PAGE_CASES])
def test_saved_page_converts_as_its_text_does(page: str, text: str, furniture: list[str]) -> None:
    from_page = convert_file(PAGES / page, today=date(2026, 1, 1))
    from_text = convert_file(INTERVIEWS / f"{text}.txt", today=date(2026, 1, 1))
    assert_no_markup(from_page)
    spoken = " ".join(segments(from_page))
    for words in furniture:
        assert words not in spoken
    assert from_page.header.title == from_text.header.title
    assert from_page.header.author  # the byline or the page's author metadata
    # every quote and turn of the text goes to the same side when read from the page
    assert [(q.text, q.speaker) for q in from_page.quotes] == [(q.text, q.speaker) for q in from_text.quotes]
    assert " ".join(from_text.body) in " ".join(from_page.body) or from_page.body[-1] == from_text.body[-1]


def test_page_metadata_fills_the_header() -> None:
    conversion = convert_file(PAGES / "news-volante.html", today=date(2026, 1, 1))
    assert conversion.header.date == "2018-04-05"
    assert conversion.episode.metadata.date == "2018-04-05"


def test_format_is_picked_by_content(tmp_path: Path) -> None:
    page = (PAGES / "qa-glamour.html").read_text(encoding="utf-8")
    saved_as_text = tmp_path / "page.txt"
    saved_as_text.write_text(page, encoding="utf-8")
    assert detect(page, saved_as_text) == "html"
    assert_no_markup(convert_file(saved_as_text, today=date(2026, 1, 1)))
    assert detect((INTERVIEWS / "07-smh-london-bombing.txt").read_text(encoding="utf-8"), None) == "text"
    assert detect("Title\n\n## Part one\n\nText with a [link](https://x.org) and **bold** words.\n", None) == "markdown"


# --------------------------------------------------------------------------- Markdown

MARKDOWN = """---
title: An Interview with Zhanar Sekerbeyeva
author: Nico Lethbridge
date: 2026-11-24
---

*LGBT+ activist* [Zhanar Sekerbeyeva](https://example.org/zhanar) takes us through the *peaceful* protests.

## The square

“We stood for days,” Zhanar said. “It was *peaceful*, and __nobody__ left.”

## In her words

**Nico:** Why did you go?

**Zhanar:** Because I had to. See `the list` at [our site](https://example.org).

**Nico:** And then?

*Zhanar:* We stayed.
"""


def test_markdown_headings_labels_links_and_no_syntax() -> None:
    conversion = convert_article(MARKDOWN, today=date(2026, 1, 1))
    assert_no_markup(conversion)
    meta = conversion.episode.metadata
    assert (meta.title, meta.author, meta.date) == (
        "An Interview with Zhanar Sekerbeyeva",
        "Nico Lethbridge",
        "2026-11-24",
    )
    assert [c.title for c in conversion.episode.chapters] == ["The square", "In her words"]
    body = [(s.speaker, s.text) for s in conversion.episode.segments][3:-1]
    assert body == [
        ("zhanar", "We stood for days,"),
        ("interviewer", "Zhanar said."),
        ("zhanar", "It was peaceful, and nobody left."),
        ("interviewer", "Why did you go?"),
        ("zhanar", "Because I had to. See the list at our site."),
        ("interviewer", "And then?"),
        ("zhanar", "We stayed."),
    ]
    assert "Zhanar Sekerbeyeva takes us" in conversion.header.standfirst


_WORD = st.sampled_from(["quiet", "Amina", "river", "said", "we", "stayed", "city", "2019", "night", "light"])


@st.composite
def _marked_up(draw: st.DrawFn) -> tuple[str, str, str]:
    """(markdown, html, plain): the same paragraphs, with emphasis, links and code in the first two."""
    md_paras, html_paras, plain_paras = [], [], []
    for _ in range(draw(st.integers(3, 6))):  # an article, not a snippet: trafilatura wants ~250 characters
        md, html, plain = [], [], []
        for _ in range(draw(st.integers(12, 20))):
            word = draw(_WORD)
            style = draw(st.sampled_from(["", "em", "strong", "link", "code"]))
            md.append(
                {
                    "": word,
                    "em": f"*{word}*",
                    "strong": f"**{word}**",
                    "link": f"[{word}](https://x.org/{word})",
                    "code": f"`{word}`",
                }[style]
            )
            html.append(
                {
                    "": word,
                    "em": f"<em>{word}</em>",
                    "strong": f"<b>{word}</b>",
                    "link": f'<a href="https://x.org/{word}">{word}</a>',
                    "code": f"<code>{word}</code>",
                }[style]
            )
            plain.append(word)
        # paragraphs differ, as an article's do: trafilatura drops a long paragraph repeating the one before
        number = f" {len(plain_paras) + 1}."
        md_paras.append(" ".join(md) + number)
        html_paras.append("<p>" + " ".join(html) + number + "</p>")
        plain_paras.append(" ".join(plain) + number)
    title = "A Night By The River"
    markdown = f"# {title}\n\nBy Ann Writer\n\n" + "\n\n".join(md_paras)
    page = (
        f"<!DOCTYPE html><html><head><title>{title}</title><script>var x = 1;</script></head><body>"
        f"<nav><a href='/'>Home</a></nav><article><h1>{title}</h1><p>By Ann Writer</p>"
        + "".join(html_paras)
        + "</article><footer>Copyright 2020</footer></body></html>"
    )
    return markdown, page, "\n\n".join(plain_paras)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


@settings(max_examples=60, deadline=None)
@given(_marked_up())
def test_markup_loses_no_body_word_and_speaks_no_markup(case: tuple[str, str, str]) -> None:
    markdown, page, plain = case
    expected = _words(plain)
    for text in (markdown, page):
        conversion = convert_article(text, interviewee="Amina Duarte", today=date(2026, 1, 1))
        assert_no_markup(conversion)
        spoken = _words(" ".join(segments(conversion)))
        if text is markdown:
            body = segments(conversion)[len(conversion.intro) : -len(conversion.outro)]
            # a short first paragraph may be read as the standfirst: it is spoken in the intro
            assert _words(conversion.header.standfirst + " " + " ".join(body)) == expected
        else:
            # every body word is spoken, in order (a short page may keep its title line in the body)
            remaining = iter(spoken)
            assert all(word in remaining for word in expected)


# --------------------------------------------------------------------------- a very long article


def test_a_200000_word_article_gives_a_script_check_accepts(tmp_path: Path) -> None:
    from test_article_families import _generated_article

    conversion = convert_article(_generated_article(200_000), today=date(2026, 1, 1))
    assert len(conversion.episode.chapters) <= MAX_CHAPTERS
    script = tmp_path / "long.md"
    script.write_text(serialize_script(conversion.episode), encoding="utf-8")
    episode = load_script(script)
    assert len(episode.chapters) == len(conversion.episode.chapters)
    assert episode.words == conversion.episode.words


# --------------------------------------------------------------------------- the command


def test_script_never_overwrites_the_article(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text((INTERVIEWS / "07-smh-london-bombing.txt").read_text(encoding="utf-8"), encoding="utf-8")
    before = article.read_bytes()
    result = CliRunner().invoke(app, ["script", str(article), "-o", str(article), "--force"])
    assert result.exit_code == 2
    assert "is the article itself" in result.output
    assert article.read_bytes() == before


def test_markdown_article_gets_its_own_script_name(tmp_path: Path) -> None:
    article = tmp_path / "talk.md"
    article.write_text(MARKDOWN, encoding="utf-8")
    result = CliRunner().invoke(app, ["script", str(article)])
    assert result.exit_code == 0, result.output
    assert article.read_text(encoding="utf-8") == MARKDOWN
    parse_script((tmp_path / "talk.script.md").read_text(encoding="utf-8"), tmp_path / "talk.script.md")


# --------------------------------------------------------------------------- the labelled real interviews


def test_labelled_set_is_real_varied_and_found() -> None:
    labels = [json.loads(p.read_text(encoding="utf-8")) for p in interview_score.fixtures()]
    assert len(labels) >= 12
    assert len({d["publication"] for d in labels}) >= 12
    assert {d["shape"] for d in labels} >= {"qa", "profile", "news", "as-told-to", "single-quote"}
    assert all(d["url"].startswith("http") for d in labels)
    for path in interview_score.fixtures():
        score = interview_score.score(path)
        assert all(item.got != "missing" for item in score.items), path.name


def _figures(scores: list[interview_score.Score]) -> tuple[float, float, float]:
    items = [i for s in scores for i in s.items]
    wrong = [i for i in items if i.got != i.expected]
    two = sum((i.got == "interviewee") == (i.expected == "interviewee") for i in items) / len(items)
    three = sum(i.got == i.expected for i in items) / len(items)
    return two, three, (sum(i.noted for i in wrong) / len(wrong) if wrong else 1.0)


def test_labelled_set_scores() -> None:
    """The issue's targets on the whole set: interviewee or not >= 0.95, three-way >= 0.92, and review notes
    on at least 70% of what is still wrong.  The held-out articles, kept aside while the rules were
    written, are held to the same three-way target, so rules fitted to the rest fail here."""
    scores = [interview_score.score(path) for path in interview_score.fixtures()]
    two, three, recall = _figures(scores)
    assert two >= 0.95
    assert three >= 0.92
    assert recall >= 0.70
    held = [s for s in scores if s.name in interview_score.HELD_OUT]
    assert len(held) >= 4
    held_two, held_three, held_recall = _figures(held)
    assert held_two >= 0.92
    assert held_three >= 0.92
    assert held_recall >= 0.70
