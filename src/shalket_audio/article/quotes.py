"""Finding quoted spans: the quote style, the apostrophe rule, quotes that span paragraphs.

Curly and straight double quotes are read alike, and so are curly and straight single quotes.  Single
quotes need a rule, because the same characters are apostrophes:

- between two letters or digits it is an apostrophe (``didn't``, ``rock'n'roll``);
- before a two-digit year or an elision (``'90s``, ``'em``, ``'cause``, ``'til``, ``rock 'n' roll``)
  it is an apostrophe;
- it opens a quote only after a space or an opening bracket or dash, with text right after it;
- it closes a quote only after text, with no letter or digit right after it.  After an ``s`` and
  before a lower-case word (``the members' room``) it is a *weak* close: it closes the quote only if
  no other closing mark follows before the next opening mark (in this paragraph, or the next one when
  the quote runs on), so a plural possessive inside a quote does not end the quote early.

The article's style is the one that quotes more words: double quotes (the nested quotes are then
single) or single quotes (the nested ones double).  Each paragraph is scanned once, mark by mark.

Pages mix styles: a double-quote news page puts a crosshead pull-quote, a title or a person's word in
single marks, and a single-quote tabloid puts a tweet in double marks.  Quotes of the other style
outside the article's own quotes are found too (:func:`scan_minority`), but only when they open and
close in the same paragraph, and marked ``minority`` so that a guess about them gets a review note.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass, field

_DOUBLE = re.compile(r"[“”„«»\"]")
_SINGLE = re.compile(r"[‘’']")
_OPEN_BEFORE = " \t([{—–-/:“\"‘'«„"
_ELISION = re.compile(r"(?:em|cause|cos|til|tis|twas|n|bout|round|ere)\b|\d\d(?:s\b|\b)", re.IGNORECASE)

OPEN, CLOSE, WEAK_CLOSE = 1, 2, 3


@dataclass(frozen=True)
class QuoteStyle:
    name: str  # "double" or "single"
    marks: str  # the characters that may be removed around a quote

    def candidates(self, paragraph: str) -> list[tuple[int, int]]:
        """(offset, OPEN | CLOSE | WEAK_CLOSE) of every mark that may open or close a quote."""
        return _double_marks(paragraph) if self.name == "double" else _single_marks(paragraph)


DOUBLE = QuoteStyle("double", '“”„«»"')
SINGLE = QuoteStyle("single", "‘’'")


def _double_marks(p: str) -> list[tuple[int, int]]:
    found = []
    for match in _DOUBLE.finditer(p):
        i = match.start()
        ch = p[i]
        if ch in "“„«":
            found.append((i, OPEN))
        elif ch in "”»":
            found.append((i, CLOSE))
        elif (i == 0 or p[i - 1] in _OPEN_BEFORE) and i + 1 < len(p) and not p[i + 1].isspace():
            found.append((i, OPEN))
        elif i > 0 and not p[i - 1].isspace():
            found.append((i, CLOSE))
    return found


def _single_marks(p: str) -> list[tuple[int, int]]:
    found = []
    n = len(p)
    for match in _SINGLE.finditer(p):
        i = match.start()
        before = p[i - 1] if i else " "
        after = p[i + 1] if i + 1 < n else " "
        if before.isalnum() and after.isalnum():
            continue  # didn't, rock'n'roll
        if p[i] in "‘'" and (i == 0 or before in _OPEN_BEFORE) and not after.isspace():
            if _ELISION.match(p, i + 1):
                continue  # '90s, 'em, rock 'n' roll
            found.append((i, OPEN))
        elif p[i] in "’'" and not before.isspace() and i > 0:
            if before in "nN" and i >= 2 and p[i - 2] in "‘'":
                continue  # the second mark of 'n'
            if after.isalnum():
                continue
            # after an s and before a word, it may be a plural possessive (the members' room)
            weak = before in "sSzZ" and after.isspace() and i + 2 < n and p[i + 2].isalnum() and not p[i + 2].isupper()
            found.append((i, WEAK_CLOSE if weak else CLOSE))
    return found


def quote_style(body: list[str]) -> QuoteStyle:
    """The style that quotes more words at the top level (not inside a quote of the other style).

    Words, not quotes, are counted: a news page may put a headline, titles and one-word scare quotes in
    single marks (BBC style: 'Earth shattering news', the 'Budapest' singer) and its speech in double
    marks, and the speech is what the style must find.
    """
    top = {"double": 0, "single": 0}
    first = ""  # on a tie, the style that opens first is the outer one
    for p in body:
        marks = sorted(
            [(i, kind, "double") for i, kind in _double_marks(p)]
            + [(i, kind, "single") for i, kind in _single_marks(p)]
        )
        stack: list[tuple[str, int]] = []
        for i, kind, style in marks:
            if kind == OPEN:
                if not stack:
                    first = first or style
                stack.append((style, i))
            elif any(s == style for s, _ in stack):
                while True:
                    opened, at = stack.pop()
                    if opened == style:
                        break
                if not stack:
                    top[style] += 1 + p.count(" ", at, i)
        if stack:  # a quote left open runs to the paragraph's end
            top[stack[0][0]] += 1 + p.count(" ", stack[0][1])
    if top["single"] == top["double"]:
        return SINGLE if first == "single" else DOUBLE
    return SINGLE if top["single"] > top["double"] else DOUBLE


@dataclass
class Span:
    start: tuple[int, int]  # paragraph, offset of the opening mark
    end: tuple[int, int]  # paragraph, offset just past the closing mark (or paragraph end)
    parts: list[tuple[int, int, int]] = field(default_factory=list)  # (paragraph, start, end), marks included
    minority: bool = False  # in the marks of the article's other style
    marks: str = ""  # the marks to take off; "" for the article's style


def marks_of(span: Span, style: QuoteStyle) -> str:
    return span.marks or style.marks


def scan(body: list[str], style: QuoteStyle, barriers: Container[int] = ()) -> list[Span]:
    """Every quoted span in order.  A paragraph in ``barriers`` is neither scanned nor crossed."""
    marks = [style.candidates(p) if pi not in barriers else [] for pi, p in enumerate(body)]
    spans: list[Span] = []
    current: Span | None = None
    for pi, paragraph in enumerate(body):
        if pi in barriers:
            continue
        found = marks[pi]
        part_start = 0
        depth = 0
        for k, (i, kind) in enumerate(found):
            if current is None:
                if kind == OPEN:
                    current = Span(start=(pi, i), end=(pi, len(paragraph)))
                    part_start, depth = i, 0
            elif kind == OPEN and (i == 0 or paragraph[i - 1].isspace() or paragraph[i] not in "\"'"):
                if i > 0 and paragraph[i - 1].isspace():
                    depth += 1  # a quote inside the quote, in the same marks
            else:
                if kind == WEAK_CLOSE and (
                    found[k + 1][1] != OPEN
                    if k + 1 < len(found)
                    else pi + 1 < len(body) and pi + 1 not in barriers and _continues(marks[pi + 1])
                ):
                    continue  # a possessive: a later mark closes the quote
                if depth:
                    depth -= 1
                    continue
                current.parts.append((pi, part_start, i + 1))
                current.end = (pi, i + 1)
                spans.append(current)
                current = None
        if current is not None:
            current.parts.append((pi, part_start, len(paragraph)))
            current.end = (pi, len(paragraph))
            nxt = pi + 1
            if nxt in barriers or not _continues(marks[nxt] if nxt < len(body) else []):
                spans.append(current)
                current = None
    if current is not None:
        spans.append(current)
    return spans


def scan_minority(body: list[str], style: QuoteStyle, spans: list[Span], barriers: Container[int] = ()) -> list[Span]:
    """The quotes in the other style's marks that sit outside ``spans``, each within one paragraph.

    A mark of the other style inside one of the article's quotes is a nested quote, so only the gaps
    between the article's quotes are read.  A quote left open is not taken: in single marks it is
    most often an apostrophe the rules did not recognise.
    """
    other = SINGLE if style.name == "double" else DOUBLE
    covered: dict[int, list[tuple[int, int]]] = {}
    for span in spans:
        for pi, start, end in span.parts:
            covered.setdefault(pi, []).append((start, end))
    found: list[Span] = []
    for pi, paragraph in enumerate(body):
        if pi in barriers:
            continue
        marks = other.candidates(paragraph)
        if not marks:
            continue
        gaps, cursor = [], 0
        for start, end in sorted(covered.get(pi, [])):
            gaps.append((cursor, start))
            cursor = max(cursor, end)
        gaps.append((cursor, len(paragraph)))
        k = 0  # one pass over the marks, gap by gap: linear in the paragraph
        for low, high in gaps:
            while k < len(marks) and marks[k][0] < low:
                k += 1
            first = k
            while k < len(marks) and marks[k][0] < high:
                k += 1
            found += _pairs(paragraph, pi, marks[first:k], other.marks)
    return found


def _pairs(paragraph: str, pi: int, inside: list[tuple[int, int]], marks: str) -> list[Span]:
    found: list[Span] = []
    opened = -1
    for k, (i, kind) in enumerate(inside):
        if kind == OPEN:
            if opened < 0:
                opened = i
            continue
        if opened < 0:
            continue
        later = inside[k + 1][1] if k + 1 < len(inside) else None
        if kind == WEAK_CLOSE and later in (CLOSE, WEAK_CLOSE):
            continue  # a plural possessive: a later mark closes the quote
        if _count_words(paragraph[opened + 1 : i]):
            found.append(Span((pi, opened), (pi, i + 1), [(pi, opened, i + 1)], True, marks))
        opened = -1
    return found


def merge(spans: list[Span], more: list[Span]) -> list[Span]:
    return sorted(spans + more, key=lambda s: s.start)


def _count_words(text: str) -> int:
    return len(re.findall(r"[^\W\d_]+|\d+", text))


def _continues(found: list[tuple[int, int]]) -> bool:
    """Does an unclosed quote run on into a paragraph with these marks?"""
    if not found:
        return False
    if found[0] == (0, OPEN):
        return True  # the convention: each paragraph of a long quote reopens it
    return found[0][1] != OPEN


def strip_marks(text: str, marks: str) -> str:
    text = text.strip()
    if text[:1] in marks:
        text = text[1:]
    if text[-1:] in marks:
        text = text[:-1]
    return text.strip()
