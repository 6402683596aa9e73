"""Markdown articles (a CMS export, a writer's draft) read with markdown-it-py into the plain-text shape.

No syntax is spoken: links keep their text and lose their address, emphasis marks go, images, raw HTML
and code fences' markup go (a fence's text stays).  Two marks stay, because the Q&A rules read them: a
bold or italic label opening a paragraph (``**Q:**``, ``*Nurlanova:*``) and a paragraph wholly in bold or
italics (a question); both are removed again before anything is spoken.  Headings below the title
become chapter hints.  YAML front matter (``title``, ``author``, ``date``, ``description``) fills the
header where the text lacks it.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from .source import Source

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_LABEL_TEXT = re.compile(r"\s*[A-Z][\w’'.&-]*(?:\s+[A-Z][\w’'.&-]*){0,3}\s*:\s*")
_BLOCKS = ("paragraph_open", "heading_open")


def markdown_to_source(text: str) -> Source:
    meta, text = _front_matter(text)
    tokens = MarkdownIt("commonmark").parse(text)
    paragraphs: list[str] = []
    headings: set[str] = set()
    heading = False
    for index, token in enumerate(tokens):
        if token.type in _BLOCKS:
            heading = token.type == "heading_open"
        elif token.type == "inline":
            paragraph = _inline(token.children or [])
            if not paragraph:
                continue
            if heading and paragraphs:
                headings.add(paragraph)
            paragraphs.append(paragraph)
        elif token.type in ("fence", "code_block"):
            paragraphs += [" ".join(block.split()) for block in token.content.split("\n\n") if block.strip()]
        elif token.type == "html_block" and index == 0 and paragraphs == []:
            continue  # a comment or a div at the top: markup, not text
    return Source("\n\n".join(_header(meta, paragraphs)), "markdown", frozenset(headings))


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(text.removeprefix("\ufeff"))
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}, text  # not front matter after all: a thematic break and a paragraph
    return (meta if isinstance(meta, dict) else {}), text[match.end() :]


def _header(meta: dict[str, Any], paragraphs: list[str]) -> list[str]:
    """The paragraphs with the front matter's title, byline, date and standfirst put where the text lacks them."""
    title = " ".join(str(meta.get("title") or "").split())
    rest = paragraphs
    if paragraphs and (not title or paragraphs[0] == title):
        title, rest = paragraphs[0], paragraphs[1:]  # the text's own first line is its title
    opening = " ".join(rest[:4]).lower()
    lines = [title] if title else []
    for key, template in (("author", "By {}"), ("date", "{}"), ("description", "{}")):
        value = " ".join(str(meta.get(key) or "").split())
        if not value or value.lower() in opening or (key == "author" and opening.startswith("by ")):
            continue
        lines.append(template.format(value))
    return lines + rest


def _inline(children: list[Token]) -> str:
    """An inline run as text: a list of pieces, emphasis kept only where the Q&A rules read it."""
    pieces: list[tuple[str, str]] = []  # (kind, text): "text", "open" or "close"
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline"):
            pieces.append(("text", child.content))
        elif kind in ("softbreak", "hardbreak"):
            pieces.append(("text", " "))
        elif kind in ("strong_open", "em_open"):
            pieces.append(("open", child.markup))
        elif kind in ("strong_close", "em_close"):
            pieces.append(("close", child.markup))
        # links keep their text (the children between link_open and link_close); images and raw HTML go
    while pieces and pieces[-1] == ("text", ""):
        pieces.pop()
    keep: set[int] = set()
    if pieces and pieces[0][0] == "open":
        close = next((k for k, (kind, _) in enumerate(pieces) if kind == "close"), -1)
        inner = "".join(t for kind, t in pieces[1:close] if kind == "text")
        whole = close == len(pieces) - 1
        if close > 0 and (whole or _LABEL_TEXT.fullmatch(inner)):
            keep = {0, close}  # a bold question, or a bold label: the Q&A rules read these marks
    # italic or bold alike become "**", the one form the label rules read
    text = "".join(t if kind == "text" else "**" if k in keep else "" for k, (kind, t) in enumerate(pieces))
    return " ".join(text.split())
