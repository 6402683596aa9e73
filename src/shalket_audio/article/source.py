"""An article as the converter reads it, whatever format it came in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """An article as the converter reads it."""

    text: str  # plain text: paragraphs separated by blank lines, no markup
    format: str  # "text", "markdown" or "html"
    headings: frozenset[str] = frozenset()  # paragraphs that were headings (below the title): chapter hints
