"""The narration script's typed model: episode, speakers, chapters, segments, pauses, comments.

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

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

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
SEGMENT_RE = re.compile(r"([A-Za-z][\w-]*)\s*:(.*)")
PAUSE_START_RE = re.compile(r"\[\s*pause\b", re.IGNORECASE)
PAUSE_RE = re.compile(r"\[\s*pause\b(.*)\]", re.IGNORECASE)
DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds?)?", re.IGNORECASE)
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
    "episode",
    "season",
    "episode_type",
    "speakers",
    "lexicon",
    "pacing",
)
#: Natural pauses a script may override under ``pacing:`` (the assembler's defaults apply otherwise).
PACING_KEYS = ("turn", "paragraph", "sentence", "chapter_before", "chapter_after", "lead_in", "tail")
SPEAKER_KEYS = ("name", "role", "voices")
#: Apple's episode types: a trailer or bonus episode besides the full ones.
EPISODE_TYPES = ("full", "trailer", "bonus")
#: ``script/show.yaml``: the show's metadata, shared by every episode built into one output folder.
SHOW_KEYS = (
    "title",
    "author",
    "description",
    "image",
    "language",
    "category",
    "subcategory",
    "explicit",
    "email",
    "link",
)
#: C0 controls but tab and newline, DEL and C1: no XML 1.0 feed may hold them (C0), nor should (DEL, C1).
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


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
    episode: int | None = None  # itunes:episode, a positive number
    season: int | None = None  # itunes:season, a positive number
    episode_type: str = "full"  # itunes:episodeType: one of EPISODE_TYPES


#: The metadata fields that only the feed shows: they change no audio and no tag in the MP3.
FEED_ONLY_FIELDS = ("episode", "season", "episode_type")


@dataclass(frozen=True)
class Show:
    """The show (the podcast) all episodes in an output folder belong to: from ``show.yaml`` beside the
    scripts, or else from the front matter of the show's first episode."""

    title: str
    author: str = ""
    description: str = ""
    image: str = ""  # a JPEG or PNG, relative to show.yaml; else the first episode's cover
    language: str = "en"
    category: str = "Society & Culture"  # Apple's category, and optionally its subcategory
    subcategory: str = ""
    explicit: bool = False
    email: str = ""  # the owner's
    link: str = ""  # the show's web page; else the feed's index.html
    path: Path | None = field(default=None, compare=False)


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
