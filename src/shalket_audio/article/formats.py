"""Which format an article is in (plain text, Markdown or a saved web page), read as the plain text the rules read.

The format is picked by content, not by the extension alone: a page saved as ``.txt`` is still HTML,
and Markdown is recognised by its syntax.  Every format comes out in the seed's shape: title, byline,
dateline and standfirst as the first paragraphs, then the body, paragraphs separated by blank lines.
Headings below the title are kept as chapter hints.
"""

from __future__ import annotations

import re
from pathlib import Path

from .source import Source

_HTML = re.compile(
    r"\A\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE | re.DOTALL
)
_TAGS = re.compile(r"</?(?:p|div|article|section|span|br|a|h[1-6]|ul|li|script|meta|title)\b[^>]*>", re.IGNORECASE)
_MARKDOWN = re.compile(
    r"^(?:#{1,6}\s+\S|\*\*[^*\n]+\*\*|__[^_\n]+__|[-*+]\s+\S|>\s|---\s*$)|\[[^\]\n]+\]\([^)\s]+\)|(?<!\w)\*[^*\s][^*\n]*\*(?!\w)",
    re.MULTILINE,
)
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown")


def detect(text: str, path: Path | None) -> str:
    """``html``, ``markdown`` or ``text``: by the content first, then by the extension."""
    head = text[:4096]
    if _HTML.match(head) or len(_TAGS.findall(head)) >= 5:
        return "html"
    suffix = path.suffix.lower() if path else ""
    if suffix in HTML_SUFFIXES and "<" in head:
        return "html"
    opens_with_heading = re.match(r"\A\s*#{1,2} \S", text) is not None  # "# Title": Markdown, not a plain-text title
    if suffix in MARKDOWN_SUFFIXES or opens_with_heading or len(_MARKDOWN.findall(text[:20000])) >= 3:
        return "markdown"
    return "text"


def read_source(text: str, path: Path | None) -> Source:
    kind = detect(text, path)
    if kind == "html":
        from .html import html_to_source

        return html_to_source(text, path)
    if kind == "markdown":
        from .markdown import markdown_to_source

        return markdown_to_source(text)
    return Source(text, "text")
