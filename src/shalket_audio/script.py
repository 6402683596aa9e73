"""The narration script: typed model, parser and serializer.

A script is a Markdown file that producers edit by hand::

    ---
    title: Shal Ket
    speakers:
      interviewer:
        name: Nico Lethbridge
        role: host
        voices:
          local: [piper:en_US-joe-medium]
    lexicon:
      Almaty: al-MAH-tee
    ---

    # Chapter title

    interviewer: One segment per line, tag first.
    zhanar: Lines without a blank line between them form one paragraph.

    [pause 1.5s]

    <!-- comments are kept, never spoken -->

Errors are ``ScriptError`` values naming the file, the line and the fix.  The
parser never lets any other exception escape, whatever the input.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

import yaml

from .errors import ScriptError

ROLES = ("host", "guest", "quoted")
Role = Literal["host", "guest", "quoted"]

#: Speaking rate used for duration estimates before any audio exists.
WORDS_PER_MINUTE = 155

MAX_PAUSE_MS = 30_000
#: An MP3's table of contents (ID3 CTOC) lists at most 255 chapters.
MAX_CHAPTERS = 255
#: About 11 minutes of speech: a longer line is almost always a paste that lost its line breaks.
MAX_SEGMENT_CHARS = 10_000

TAG_RE = re.compile(r"[a-z][a-z0-9_-]*")
_SEGMENT_RE = re.compile(r"([A-Za-z][\w-]*)\s*:(.*)")
_PAUSE_START_RE = re.compile(r"\[\s*pause\b", re.IGNORECASE)
_PAUSE_RE = re.compile(r"\[\s*pause\b(.*)\]", re.IGNORECASE)
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds?)?", re.IGNORECASE)
_WORD_RE = re.compile(r"\w+(?:['’]\w+)*")

FRONT_MATTER_KEYS = (
    "title",
    "author",
    "show",
    "language",
    "date",
    "description",
    "cover",
    "email",
    "speakers",
    "lexicon",
    "pacing",
)
#: Natural pauses a script may override under ``pacing:`` (the assembler's defaults apply otherwise).
PACING_KEYS = ("turn", "paragraph", "sentence", "chapter_before", "chapter_after", "lead_in", "tail")
SPEAKER_KEYS = ("name", "role", "voices")


@dataclass(frozen=True)
class Speaker:
    tag: str
    name: str
    role: Role
    #: profile name -> voice choices, best first (for example ``local``).
    voices: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Segment:
    speaker: str
    text: str
    #: True when the segment starts a paragraph (a blank line, heading or pause came before it).
    new_paragraph: bool = True
    line: int = field(default=0, compare=False)

    @property
    def words(self) -> int:
        return count_words(self.text)


@dataclass(frozen=True)
class Pause:
    ms: int
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Comment:
    text: str
    line: int = field(default=0, compare=False)


Item = Segment | Pause | Comment


@dataclass(frozen=True)
class Chapter:
    title: str
    items: tuple[Item, ...]
    line: int = field(default=0, compare=False)

    @property
    def segments(self) -> tuple[Segment, ...]:
        return tuple(item for item in self.items if isinstance(item, Segment))

    @property
    def pause_ms(self) -> int:
        return sum(item.ms for item in self.items if isinstance(item, Pause))

    @property
    def words(self) -> int:
        return sum(segment.words for segment in self.segments)

    @property
    def estimated_seconds(self) -> float:
        return estimate_seconds(self.words) + self.pause_ms / 1000


@dataclass(frozen=True)
class Metadata:
    title: str
    author: str = ""
    show: str = ""
    language: str = "en"
    date: str = ""
    description: str = ""
    cover: str = ""
    email: str = ""  # the podcast owner's, for the feed (Apple's directory asks for it)


@dataclass(frozen=True)
class Episode:
    metadata: Metadata
    speakers: tuple[Speaker, ...]
    chapters: tuple[Chapter, ...]
    #: written form -> spoken form (a respelling), in file order.  An entry given only as phonemes maps to itself.
    lexicon: dict[str, str] = field(default_factory=dict)
    #: written form -> IPA phonemes, for the engines that take phonemes (Piper, Kokoro).
    phonemes: dict[str, str] = field(default_factory=dict)
    #: comments between the front matter and the first chapter.
    preamble: tuple[Comment, ...] = ()
    #: natural pause name (PACING_KEYS) -> milliseconds.
    pacing: dict[str, int] = field(default_factory=dict)
    path: Path | None = field(default=None, compare=False)

    def speaker(self, tag: str) -> Speaker:
        for speaker in self.speakers:
            if speaker.tag == tag:
                return speaker
        raise KeyError(tag)

    @property
    def segments(self) -> tuple[Segment, ...]:
        return tuple(segment for chapter in self.chapters for segment in chapter.segments)

    @property
    def words(self) -> int:
        return sum(chapter.words for chapter in self.chapters)

    @property
    def estimated_seconds(self) -> float:
        return sum(chapter.estimated_seconds for chapter in self.chapters)


def count_words(text: str) -> int:
    return len(_WORD_RE.findall(text))


def estimate_seconds(words: int) -> float:
    return words * 60 / WORDS_PER_MINUTE


# --------------------------------------------------------------------------- parsing


def load_script(path: Path | str) -> Episode:
    """Read and parse a script file; every problem becomes a ``ScriptError``."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScriptError(
            "file not found",
            path=path,
            line=None,
            fix="check the path, or create a script with `shalket-audio script ARTICLE`",
        ) from None
    except IsADirectoryError:
        raise ScriptError(
            "is a folder, not a script file", path=path, line=None, fix="name a .md script file"
        ) from None
    except OSError as exc:
        raise ScriptError(
            f"cannot read the file ({exc.strerror})", path=path, line=None, fix="check its permissions"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScriptError("not UTF-8 text", path=path, line=line, fix="save the file as UTF-8") from None
    return parse_script(text, path=path)


def parse_script(text: str, path: Path | str | None = None) -> Episode:
    return _Parser(text, Path(path) if path is not None else None).parse()


class _Parser:
    def __init__(self, text: str, path: Path | None) -> None:
        text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        self.lines = text.split("\n")
        self.path = path

    def error(self, message: str, line: int | None, fix: str) -> ScriptError:
        return ScriptError(message, path=self.path, line=line, fix=fix)

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

    # ---------------------------------------------------------------- front matter

    def _front_matter(self) -> tuple[int, Metadata, list[Speaker], dict[str, str], dict[str, str], dict[str, int]]:
        first = next(i for i, line in enumerate(self.lines) if line.strip())
        if self.lines[first].strip() != "---":
            raise self.error(
                "malformed front matter: the script must start with a '---' line",
                first + 1,
                "put the episode metadata between two '---' lines at the top of the file",
            )
        try:
            end = next(i for i in range(first + 1, len(self.lines)) if self.lines[i].strip() == "---")
        except StopIteration:
            raise self.error(
                "malformed front matter: no closing '---' line",
                first + 1,
                "end the front matter with a line holding only '---'",
            ) from None
        offset = first + 1  # 0-based index of the first YAML line
        yaml_text = "\n".join(self.lines[offset:end])
        try:
            root = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = offset + mark.line + 1 if mark is not None else offset + 1
            raise self.error(
                f"malformed front matter: {exc.problem or exc.context}", line, "fix the YAML syntax"
            ) from None
        except (yaml.YAMLError, RecursionError, ValueError) as exc:
            raise self.error(f"malformed front matter: {exc}", offset + 1, "fix the YAML syntax") from None
        if root is None:
            raise self.error("malformed front matter: it is empty", offset, "add at least 'title:' and 'speakers:'")
        values = self._mapping(root, offset, "the front matter", FRONT_MATTER_KEYS)
        for key in ("title", "speakers"):
            if key not in values:
                raise self.error(
                    f"malformed front matter: '{key}' is missing", offset, f"add a '{key}:' entry to the front matter"
                )
        meta: dict[str, str] = {}
        for key in ("title", "author", "show", "language", "date", "description", "cover", "email"):
            if key in values:
                meta[key] = self._scalar(values[key][1], offset, key)
        if not meta["title"]:
            raise self.error(
                "malformed front matter: the title is empty",
                self._line(values["title"][1], offset),
                "give the episode a title",
            )
        if meta.get("date"):
            try:
                date.fromisoformat(meta["date"])
            except ValueError:
                raise self.error(
                    f"malformed front matter: date {meta['date']!r} is not a date",
                    self._line(values["date"][1], offset),
                    "write the date as YYYY-MM-DD",
                ) from None
        if "language" in meta and not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", meta["language"]):
            raise self.error(
                f"malformed front matter: language {meta['language']!r} is not a language code",
                self._line(values["language"][1], offset),
                "use a code such as 'en' or 'en-GB'",
            )
        if meta.get("email") and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", meta["email"]):
            raise self.error(
                f"malformed front matter: email {meta['email']!r} is not an e-mail address",
                self._line(values["email"][1], offset),
                "write it as name@example.com, or leave it out",
            )
        speakers = self._speakers(values["speakers"][1], offset)
        lexicon: dict[str, str] = {}
        phonemes: dict[str, str] = {}
        if "lexicon" in values:
            node = values["lexicon"][1]
            if not _is_null(node):
                for key_node, value_node, written in self._pairs(node, offset, "lexicon"):
                    if isinstance(value_node, yaml.MappingNode):
                        spoken, ipa = self._pronunciation(value_node, offset, written)
                        phonemes[written] = ipa
                    else:
                        spoken = self._scalar(value_node, offset, f"lexicon entry {written!r}")
                    if not written.strip() or not spoken.strip():
                        raise self.error(
                            "malformed front matter: a lexicon entry is empty",
                            self._line(key_node, offset),
                            "write entries as 'Written: spoken form' or 'Written: {ipa: \"phonemes\"}'",
                        )
                    lexicon[written] = spoken
        pacing: dict[str, int] = {}
        if "pacing" in values and not _is_null(values["pacing"][1]):
            for key_node, value_node, name in self._pairs(values["pacing"][1], offset, "pacing"):
                line = self._line(key_node, offset)
                if name not in PACING_KEYS:
                    raise self.error(
                        f"malformed front matter: unknown pause {name!r} under pacing",
                        line,
                        f"use one of: {', '.join(PACING_KEYS)}",
                    )
                duration = _DURATION_RE.fullmatch(self._scalar(value_node, offset, f"pacing.{name}"))
                ms = _duration_ms(duration) if duration else -1
                if not 0 <= ms <= MAX_PAUSE_MS:
                    raise self.error(
                        f"malformed front matter: pacing.{name} is not a duration",
                        line,
                        f"write it as 450ms or 1.2s (at most {MAX_PAUSE_MS // 1000}s)",
                    )
                pacing[name] = ms
        return end + 1, Metadata(**meta), speakers, lexicon, phonemes, pacing

    def _pronunciation(self, node: yaml.MappingNode, offset: int, written: str) -> tuple[str, str]:
        """``{ipa: "…", say: "…"}``: phonemes, and the respelling for engines that take none (default: as written)."""
        fields: dict[str, str] = {}
        for key_node, value_node, key in self._pairs(node, offset, f"lexicon entry {written!r}"):
            if key not in ("ipa", "say"):
                raise self.error(
                    f"malformed front matter: unknown key {key!r} in lexicon entry {written!r}",
                    self._line(key_node, offset),
                    "use ipa (phonemes) and, optionally, say (a respelling for engines that take no phonemes)",
                )
            fields[key] = self._scalar(value_node, offset, f"lexicon entry {written!r}: {key}")
        ipa = fields.get("ipa", "")
        if not ipa or "[" in ipa or "]" in ipa:
            raise self.error(
                f"malformed front matter: lexicon entry {written!r} has no usable ipa",
                self._line(node, offset),
                f'write it as {written}: {{ipa: "sɛkɛrbɛˈjɛvə"}} (IPA as espeak-ng writes it, no brackets)',
            )
        return fields.get("say", written), ipa

    def _speakers(self, node: yaml.Node, offset: int) -> list[Speaker]:
        speakers = []
        for key_node, value_node, tag in self._pairs(node, offset, "speakers"):
            line = self._line(key_node, offset)
            if not TAG_RE.fullmatch(tag):
                raise self.error(
                    f"malformed front matter: speaker tag {tag!r} is not a valid tag",
                    line,
                    "use lower-case letters, digits, '-' or '_', starting with a letter (for example 'zhanar')",
                )
            fields = self._mapping(value_node, offset, f"speaker {tag!r}", SPEAKER_KEYS)
            name = self._scalar(fields["name"][1], offset, f"{tag}.name") if "name" in fields else ""
            if not name:
                raise self.error(f"malformed front matter: speaker {tag!r} has no name", line, "add 'name: Full Name'")
            role = self._scalar(fields["role"][1], offset, f"{tag}.role") if "role" in fields else ""
            if role not in ROLES:
                raise self.error(
                    f"malformed front matter: speaker {tag!r} has role {role!r}",
                    self._line(fields["role"][1], offset) if "role" in fields else line,
                    "set 'role: host', 'role: guest' or 'role: quoted'",
                )
            voices: dict[str, tuple[str, ...]] = {}
            if "voices" in fields and not _is_null(fields["voices"][1]):
                for _, choices_node, profile in self._pairs(fields["voices"][1], offset, f"{tag}.voices"):
                    voices[profile] = self._voice_choices(choices_node, offset, f"{tag}.voices.{profile}")
            speakers.append(Speaker(tag=tag, name=name, role=role, voices=voices))  # type: ignore[arg-type]
        if not speakers:
            raise self.error(
                "malformed front matter: no speakers", self._line(node, offset), "list at least one speaker"
            )
        return speakers

    def _voice_choices(self, node: yaml.Node, offset: int, what: str) -> tuple[str, ...]:
        if isinstance(node, yaml.SequenceNode):
            choices = tuple(self._scalar(item, offset, what) for item in node.value)
        else:
            choices = (self._scalar(node, offset, what),)
        if not choices or not all(re.fullmatch(r"[a-z][\w-]*:\S+", choice) for choice in choices):
            raise self.error(
                f"malformed front matter: {what} must list voices as 'engine:voice'",
                self._line(node, offset),
                "write for example [piper:en_US-joe-medium, espeak:en-us+f2]",
            )
        return choices

    def _mapping(
        self, node: yaml.Node, offset: int, what: str, allowed: tuple[str, ...]
    ) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        values: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node, key in self._pairs(node, offset, what):
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise self.error(
                    f"malformed front matter: unknown key {key!r} in {what}",
                    self._line(key_node, offset),
                    f"{hint}allowed keys: {', '.join(allowed)}",
                )
            values[key] = (key_node, value_node)
        return values

    def _pairs(self, node: yaml.Node, offset: int, what: str) -> Iterator[tuple[yaml.Node, yaml.Node, str]]:
        if not isinstance(node, yaml.MappingNode):
            raise self.error(
                f"malformed front matter: {what} must be a mapping of 'key: value' lines",
                self._line(node, offset),
                "indent its entries as 'key: value' below it",
            )
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = self._scalar(key_node, offset, f"a key in {what}")
            if key in seen:
                raise self.error(
                    f"malformed front matter: {key!r} appears twice in {what}",
                    self._line(key_node, offset),
                    "keep one entry per key",
                )
            seen.add(key)
            yield key_node, value_node, key

    def _scalar(self, node: yaml.Node, offset: int, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.error(
                f"malformed front matter: {what} must be a single value",
                self._line(node, offset),
                "write it on one line as 'key: value' (quote it if it contains ': ' or starts with a symbol)",
            )
        return "" if _is_null(node) else str(node.value).strip()

    @staticmethod
    def _line(node: yaml.Node, offset: int) -> int:
        return offset + node.start_mark.line + 1

    # ---------------------------------------------------------------- body

    def _body(self, start: int, speakers: dict[str, Speaker]) -> tuple[list[Comment], list[Chapter]]:
        preamble: list[Comment] = []
        chapters: list[Chapter] = []
        title: str | None = None
        title_line = 0
        items: list[Item] = []
        paragraph_open = False

        def close_chapter() -> None:
            if title is None:
                return
            if not any(isinstance(item, Segment) for item in items):
                raise self.error(
                    f"chapter {title!r} is empty",
                    title_line,
                    "add 'speaker: text' lines below the heading, or delete the heading",
                )
            if len(chapters) == MAX_CHAPTERS:
                raise self.error(
                    f"chapter {MAX_CHAPTERS + 1} ({title!r}): an episode holds at most {MAX_CHAPTERS} chapters",
                    title_line,
                    f"merge chapters (an MP3's chapter table lists at most {MAX_CHAPTERS}), or split the script "
                    "into several episodes",
                )
            chapters.append(Chapter(title=title, items=tuple(items), line=title_line))

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
            if _PAUSE_START_RE.match(line):
                if title is None:
                    raise self.error(
                        "a pause before the first chapter",
                        number,
                        "add a chapter heading such as '# Introduction' above it",
                    )
                items.append(Pause(ms=self._pause_ms(line, number), line=number))
                paragraph_open = False
                continue
            match = _SEGMENT_RE.fullmatch(line)
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
            if title is None:
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
        match = _PAUSE_RE.fullmatch(line)
        if match is None:
            raise bad
        duration = _DURATION_RE.fullmatch(match.group(1).strip())
        if duration is None:
            raise bad
        ms = _duration_ms(duration)
        if not 0 < ms <= MAX_PAUSE_MS:
            raise bad
        return ms


def _duration_ms(match: re.Match[str]) -> int:
    value = float(match.group(1))
    return round(value if (match.group(2) or "s").lower() == "ms" else value * 1000)


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


# --------------------------------------------------------------------------- serializing


def serialize_script(episode: Episode) -> str:
    """Write an episode back as script text; ``parse_script`` reads it back unchanged."""
    out = ["---"]
    meta = episode.metadata
    for key in ("title", "author", "show", "language", "date", "description", "cover", "email"):
        value = getattr(meta, key)
        if value or key in ("title",):
            out.append(f"{key}: {_yaml_scalar(value)}")
    out.append("speakers:")
    for speaker in episode.speakers:
        out.append(f"  {_yaml_scalar(speaker.tag)}:")
        out.append(f"    name: {_yaml_scalar(speaker.name)}")
        out.append(f"    role: {speaker.role}")
        if speaker.voices:
            out.append("    voices:")
            for profile, choices in speaker.voices.items():
                listed = ", ".join(_yaml_scalar(choice, flow=True) for choice in choices)
                out.append(f"      {_yaml_scalar(profile)}: [{listed}]")
    if episode.lexicon:
        out.append("lexicon:")
        for written, spoken in episode.lexicon.items():
            if written in episode.phonemes:
                say = "" if spoken == written else f", say: {_yaml_scalar(spoken, flow=True)}"
                ipa = _yaml_scalar(episode.phonemes[written], flow=True)
                out.append(f"  {_yaml_scalar(written)}: {{ipa: {ipa}{say}}}")
            else:
                out.append(f"  {_yaml_scalar(written)}: {_yaml_scalar(spoken)}")
    if episode.pacing:
        out.append("pacing:")
        for name, ms in episode.pacing.items():
            out.append(f"  {name}: {ms}ms")
    out.append("---")
    for comment in episode.preamble:
        out += ["", _comment_text(comment)]
    for chapter in episode.chapters:
        out += ["", f"# {chapter.title}"]
        items = chapter.items
        for position, item in enumerate(items):
            if isinstance(item, Segment):
                if item.new_paragraph:
                    out.append("")
                out.append(f"{item.speaker}: {item.text}")
            elif isinstance(item, Pause):
                out += ["", f"[pause {_format_ms(item.ms)}]"]
            else:
                following = next((i for i in items[position + 1 :] if not isinstance(i, Comment)), None)
                if following is None or isinstance(following, Pause) or following.new_paragraph:
                    out.append("")
                out.append(_comment_text(item))
    return "\n".join(out) + "\n"


def _comment_text(comment: Comment) -> str:
    return f"<!-- {comment.text} -->" if comment.text else "<!-- -->"


def _format_ms(ms: int) -> str:
    if ms % 1000 == 0:
        return f"{ms // 1000}s"
    if ms < 1000:
        return f"{ms}ms"
    return f"{ms / 1000:g}s"


def _yaml_scalar(value: str, *, flow: bool = False) -> str:
    dumped = yaml.safe_dump(value, allow_unicode=True, width=1_000_000, default_style=None)
    dumped = dumped.removesuffix("\n...\n").rstrip("\n")
    if flow and any(c in dumped for c in ",[]{}") and not dumped.startswith(("'", '"')):
        dumped = "'" + value.replace("'", "''") + "'"
    return dumped


# --------------------------------------------------------------------------- JSON view

JSON_SCHEMA_VERSION = 1


def episode_to_json(episode: Episode) -> dict[str, object]:
    """The stable JSON view printed by ``check --json`` (documented in the README)."""
    chapters = []
    for chapter in episode.chapters:
        segments = []
        pauses = []
        for item in chapter.items:
            if isinstance(item, Segment):
                segments.append(
                    {"speaker": item.speaker, "text": item.text, "line": item.line, "new_paragraph": item.new_paragraph}
                )
            elif isinstance(item, Pause):
                pauses.append({"before_segment": len(segments), "ms": item.ms, "line": item.line})
        chapters.append(
            {
                "title": chapter.title,
                "line": chapter.line,
                "words": chapter.words,
                "estimated_seconds": round(chapter.estimated_seconds, 1),
                "segments": segments,
                "pauses": pauses,
            }
        )
    meta = episode.metadata
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "path": str(episode.path) if episode.path else None,
        "metadata": {
            "title": meta.title,
            "author": meta.author,
            "show": meta.show,
            "language": meta.language,
            "date": meta.date,
            "description": meta.description,
            "cover": meta.cover,
            "email": meta.email,
        },
        "speakers": [
            {"tag": s.tag, "name": s.name, "role": s.role, "voices": {p: list(v) for p, v in s.voices.items()}}
            for s in episode.speakers
        ],
        "lexicon": dict(episode.lexicon),
        "phonemes": dict(episode.phonemes),
        "pacing": dict(episode.pacing),
        "chapters": chapters,
        "totals": {
            "chapters": len(episode.chapters),
            "segments": len(episode.segments),
            "words": episode.words,
            "estimated_seconds": round(episode.estimated_seconds, 1),
        },
    }
