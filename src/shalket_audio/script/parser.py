"""Parsing a script: the file, then its body (chapters, segments, pauses, comments) after the front matter."""

from __future__ import annotations

import difflib
import re
import unicodedata
from pathlib import Path

from ..fileio import read_utf8
from .front_matter import FrontMatterReader, duration_ms
from .model import (
    DURATION_RE,
    MAX_CHAPTERS,
    MAX_PAUSE_MS,
    MAX_SEGMENT_CHARS,
    PAUSE_RE,
    PAUSE_START_RE,
    SEGMENT_RE,
    Chapter,
    Comment,
    Episode,
    Item,
    Pause,
    Segment,
    Speaker,
)

#: C0 and C1 control characters other than the tab and the carriage return (of a CRLF file).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_NAMES = {
    "\0": "NUL",
    "\a": "BEL",
    "\b": "BACKSPACE",
    "\x0b": "VERTICAL TAB",
    "\x1b": "ESCAPE",
    "\x7f": "DELETE",
}


def load_script(path: Path | str) -> Episode:
    """Read and parse a script file; every problem becomes a ``ScriptError``."""
    path = Path(path)
    text = read_utf8(
        path, what="script", missing_fix="check the path, or create a script with `shalket-audio script ARTICLE`"
    )
    return parse_script(text, path=path)


def parse_script(text: str, path: Path | str | None = None) -> Episode:
    return ScriptParser(text, Path(path) if path is not None else None).parse()


class ScriptParser(FrontMatterReader):
    def parse(self) -> Episode:
        if not any(line.strip() for line in self.lines):
            raise self.error(
                "the script is empty",
                None,
                "start with '---' front matter (title, speakers) and '# Chapter' sections; "
                "`shalket-audio script ARTICLE` writes one for you",
            )
        body_start, metadata, speakers, lexicon, phonemes, pacing = self._front_matter()
        preamble, chapters = self._body(body_start, {s.tag: s for s in speakers})
        return Episode(
            metadata=metadata,
            speakers=tuple(speakers),
            chapters=tuple(chapters),
            lexicon=lexicon,
            phonemes=phonemes,
            preamble=tuple(preamble),
            pacing=pacing,
            path=self.path,
        )

    def _body(self, start: int, speakers: dict[str, Speaker]) -> tuple[list[Comment], list[Chapter]]:
        preamble: list[Comment] = []
        chapters: list[Chapter] = []
        title: str | None = None
        title_line = 0
        items: list[Item] = []
        paragraph_open = False

        def close_chapter() -> None:
            if title is not None:
                chapters.append(self._chapter(title, title_line, items, len(chapters)))

        index = start
        while index < len(self.lines):
            raw = self.lines[index]
            number = index + 1
            line = raw.strip()
            index += 1
            if not line:
                paragraph_open = False
                continue
            if line.startswith("<!--"):
                comment, index = self._comment(index - 1)
                (items if title is not None else preamble).append(comment)
                continue
            self._no_control_characters(raw, number)
            if line.startswith("#"):
                heading = re.fullmatch(r"#\s+(.+)", line)
                if not heading:
                    raise self.error(
                        f"unexpected heading {line[:40]!r}",
                        number,
                        "start chapters with '# Title' (one '#', a space, then the title)",
                    )
                close_chapter()
                title, title_line, items = heading.group(1).strip(), number, []
                paragraph_open = False
                continue
            if PAUSE_START_RE.match(line):
                if title is None:
                    raise self.error(
                        "a pause before the first chapter",
                        number,
                        "add a chapter heading such as '# Introduction' above it",
                    )
                items.append(Pause(ms=self._pause_ms(line, number), line=number))
                paragraph_open = False
                continue
            tag, text = self._segment(line, number, speakers, in_chapter=title is not None)
            items.append(Segment(speaker=tag, text=text, new_paragraph=not paragraph_open, line=number))
            paragraph_open = True
        close_chapter()
        if not chapters:
            raise self.error(
                "the script has no chapters",
                len(self.lines),
                "add a '# Title' heading followed by 'speaker: text' lines",
            )
        return preamble, chapters

    def _no_control_characters(self, raw: str, number: int) -> None:
        """A NUL, BEL or other control character reaches the engines (Piper then blames its voice files) and
        breaks the feed's XML: an error at its line and column, before any synthesis."""
        found = _CONTROL.search(raw)
        if found is None:
            return
        char = found.group(0)
        name = unicodedata.name(char, _CONTROL_NAMES.get(char, "a control character"))
        raise self.error(
            f"a control character U+{ord(char):04X} ({name}) at column {found.start() + 1}",
            number,
            "delete it (most editors do not show control characters; the column says where it is)",
        )

    def _chapter(self, title: str, line: int, items: list[Item], before: int) -> Chapter:
        """The chapter headed ``title`` on ``line``, once its items are read; ``before`` chapters precede it."""
        if not any(isinstance(item, Segment) for item in items):
            raise self.error(
                f"chapter {title!r} is empty",
                line,
                "add 'speaker: text' lines below the heading, or delete the heading",
            )
        if before == MAX_CHAPTERS:
            raise self.error(
                f"chapter {MAX_CHAPTERS + 1} ({title!r}): an episode holds at most {MAX_CHAPTERS} chapters",
                line,
                f"merge chapters (an MP3's chapter table lists at most {MAX_CHAPTERS}), or split the script "
                "into several episodes",
            )
        return Chapter(title=title, items=tuple(items), line=line)

    def _segment(self, line: str, number: int, speakers: dict[str, Speaker], *, in_chapter: bool) -> tuple[str, str]:
        """The speaker tag and text of a 'speaker: text' line, or an error saying what is wrong with it."""
        match = SEGMENT_RE.fullmatch(line)
        if match is None:
            raise self.error(
                f"cannot read this line: {line[:60]!r}",
                number,
                "write segments as 'speaker: text' (for example 'zhanar: ...'), "
                "chapters as '# Title', pauses as '[pause 1.5s]' and comments as '<!-- ... -->'",
            )
        tag, text = match.group(1), match.group(2).strip()
        if tag not in speakers:
            close = difflib.get_close_matches(tag.lower(), list(speakers), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise self.error(
                f"unknown speaker tag {tag!r}",
                number,
                f"{hint}use one of: {', '.join(speakers)}; or add '{tag}' under 'speakers:' in the front matter",
            )
        if not in_chapter:
            raise self.error(
                "text before the first chapter",
                number,
                "add a chapter heading such as '# Introduction' above this line",
            )
        if not text:
            raise self.error(
                f"segment for '{tag}' has no text", number, "write the words after the colon, or delete the line"
            )
        if len(text) > MAX_SEGMENT_CHARS:
            raise self.error(
                f"segment for '{tag}' is {len(text):,} characters long (at most {MAX_SEGMENT_CHARS:,})",
                number,
                "split it into several 'speaker: text' lines, one per sentence or paragraph",
            )
        return tag, text

    def _comment(self, index: int) -> tuple[Comment, int]:
        first = index
        parts: list[str] = []
        text = self.lines[index].strip()[4:]
        while True:
            end = text.find("-->")
            if end >= 0:
                parts.append(text[:end])
                rest = text[end + 3 :].strip()
                if rest:
                    raise self.error(
                        f"text after a comment: {rest[:40]!r}",
                        index + 1,
                        "put comments on lines of their own",
                    )
                break
            parts.append(text)
            index += 1
            if index >= len(self.lines):
                raise self.error("comment is never closed", first + 1, "end it with '-->'")
            text = self.lines[index]
        body = "\n".join(parts).strip()
        return Comment(text=body, line=first + 1), index + 1

    def _pause_ms(self, line: str, number: int) -> int:
        bad = self.error(
            f"bad pause {line[:40]!r}",
            number,
            f"write pauses as '[pause 1.5s]' or '[pause 800ms]', longer than 0 and at most {MAX_PAUSE_MS // 1000}s",
        )
        match = PAUSE_RE.fullmatch(line)
        if match is None:
            raise bad
        duration = DURATION_RE.fullmatch(match.group(1).strip())
        if duration is None:
            raise bad
        ms = duration_ms(duration)
        if not 0 < ms <= MAX_PAUSE_MS:
            raise bad
        return ms
