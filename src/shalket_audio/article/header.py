"""Reading the article: paragraphs, page boilerplate, and the header (title, byline, standfirst, date)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .qa import starts_with_label

_BOILERPLATE = re.compile(
    r"(top|bottom) of (the )?page|back to top|skip to (main )?content|advertisement|advert|sponsored( content)?"
    r"|share( this)?( article| story| page)?( on \w+)?|(follow|like) us( on \w+)?|subscribe\b.*|sign up\b.*"
    r"|read more|related (articles|stories|posts)|all rights reserved.*|(©|copyright)\b.*|cookies?\b.*"
    r"|menu|log ?in|sign in|print( this)?( article)?|email|facebook|twitter|instagram|whatsapp|linkedin"
    r"|tags?:.*|categor(y|ies):.*|home|next (article|story)|previous (article|story)",
    re.IGNORECASE,
)
_BYLINE = re.compile(
    r"(?:by|words by|written by|interview by|interviewed by|text by|(?P<told>as told to))\s+(?P<rest>.+)",
    re.IGNORECASE,
)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATELINE = re.compile(
    rf"(?:(?:Published|Posted|Updated)\s*:?\s*)?(?:\w+day,?\s+)?"
    rf"(?:(\d{{1,2}})\s+({_MONTHS})\s+(\d{{4}})|({_MONTHS})\s+(\d{{1,2}}),?\s+(\d{{4}})|(\d{{4}})-(\d{{2}})-(\d{{2}}))",
    re.IGNORECASE,
)
#: "Helen Foster, 51": a real-life story's byline gives its subject's age.
_AGED = re.compile(r"[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){1,2},\s*\d{1,3}")
#: A paragraph that opens a quote it does not close: the body's first words, not a standfirst.
_OPENS_UNCLOSED = re.compile(r"[‘“\"'](?!.*[’”\"']\W*$)")
#: "RALEIGH – …", "(CNN) -- …", "LONDON (Reuters) - …": a news report's first paragraph, not a standfirst.
_DATELINE_LEDE = re.compile(
    r"(?:[A-Z][A-Z.]+(?:[ ,]+[A-Z][A-Z.]+)*\s*(?:\([^)]{1,30}\))?|\([^)]{1,30}\))\s*(?:--|[–—-])\s"
)
#: A paragraph that quotes someone and says so ("… quotes she described as “wrong”"): the body's lede.
_QUOTED_WORDS = re.compile(r"[“\"‘'][^“”\"‘’'\s]+\s[^“”\"‘’']+[”\"’']")
_SPEECH_WORD = re.compile(r"\b(?:said|says|told|tells|describ\w+|calls?|called|insist\w*|recall\w*|explain\w*)\b")
_BLANK_LINES = re.compile(r"\n[ \t\f\v]*\n\s*")


@dataclass(frozen=True)
class ArticleHeader:
    title: str
    byline: str
    author: str
    standfirst: str
    date: str
    #: "As told to …": the body is the interviewee's own first-person account.
    told: bool = False
    #: A first-person story bylined by its subject ("By Helen Foster, 51"): she is the interviewee.
    subject: str = ""


def paragraphs(text: str) -> tuple[list[str], list[str]]:
    """Paragraphs with whitespace normalised, and the page boilerplate dropped from them."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    kept, dropped = [], []
    blocks = _BLANK_LINES.split(text)
    # a saved page may put the byline on the line under the title, with no blank line between
    head: list[str] = []
    for block in blocks[:3]:
        lines = block.strip().split("\n")
        cut = next((k for k, line in enumerate(lines) if k and _is_byline_line(line)), 0)
        head += ["\n".join(lines[:cut]), "\n".join(lines[cut:])] if cut else [block]
    for block in head + blocks[3:]:
        paragraph = " ".join(block.split())
        if not paragraph:
            continue
        if len(paragraph) <= 80 and len(paragraph.split()) <= 10 and _BOILERPLATE.fullmatch(paragraph.strip(" .:|•·-")):
            dropped.append(paragraph)
        else:
            kept.append(paragraph)
    return kept, dropped


def _is_byline_line(line: str) -> bool:
    return len(line.split()) <= 14 and _BYLINE.fullmatch(line.strip()) is not None


def split_header(paragraphs: list[str], path: Path | None) -> tuple[ArticleHeader, list[str]]:
    title = ""
    index = 0
    if len(paragraphs[0].split()) <= 30 and not starts_with_label(paragraphs[0]):
        title, index = paragraphs[0], 1
    byline = author = standfirst = day = subject = ""
    told = False
    # The header is short: byline, dateline and standfirst come in the next few paragraphs, in any order.
    while index < len(paragraphs) and index <= 4:
        paragraph = paragraphs[index]
        words = len(paragraph.split())
        byline_match = _BYLINE.fullmatch(paragraph) if words <= 14 else None
        if byline_match and not byline:
            byline = paragraph
            author, day = _parse_byline(byline_match.group("rest"))
            told = bool(byline_match.group("told"))
            if _AGED.fullmatch(byline_match.group("rest")):
                subject, author, told = author, "", True
            index += 1
            continue
        dateline = _DATELINE.fullmatch(paragraph.strip(" .|")) if words <= 8 else None
        if dateline and not day:
            day = _iso_date(dateline)
            index += 1
            continue
        if (
            not standfirst
            and words <= 60
            and index + 1 < len(paragraphs)
            and (byline or index == 1)
            and not starts_with_label(paragraph)
            and not paragraph.startswith(("**", "__"))
            and not _OPENS_UNCLOSED.match(paragraph)
            and not _DATELINE_LEDE.match(paragraph)
            and not (_QUOTED_WORDS.search(paragraph) and _SPEECH_WORD.search(paragraph))
        ):
            standfirst = paragraph
            index += 1
            continue
        break
    if not title:
        title = path.stem.replace(".article", "").replace("-", " ").title() if path else "Untitled interview"
    header = ArticleHeader(
        title=title, byline=byline, author=author, standfirst=standfirst, date=day, told=told, subject=subject
    )
    return header, paragraphs[index:]


def _parse_byline(rest: str) -> tuple[str, str]:
    parts = re.split(r"\s*[|•·,;]\s*|\s+[—–-]\s+", rest)
    name = re.sub(r"\s+(?:and|&)\s+.*$", "", parts[0]).strip(" .")
    day = ""
    for part in parts[1:]:
        dateline = _DATELINE.search(part)
        if dateline:
            day = _iso_date(dateline)
    return name, day


def _iso_date(match: re.Match[str]) -> str:
    groups = match.groups()
    months = [m.lower() for m in _MONTHS.split("|")]
    try:
        if groups[0]:
            return date(int(groups[2]), months.index(groups[1].lower()) + 1, int(groups[0])).isoformat()
        if groups[3]:
            return date(int(groups[5]), months.index(groups[3].lower()) + 1, int(groups[4])).isoformat()
        return date(int(groups[6]), int(groups[7]), int(groups[8])).isoformat()
    except ValueError:
        return ""
