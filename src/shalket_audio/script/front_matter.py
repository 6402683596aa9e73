"""Reading a script's YAML front matter (metadata, speakers and their voices, the lexicon, pacing), and the
show's ``show.yaml`` (``read_show``).

Every scalar is checked for control characters (C0 but tab and newline, DEL, C1): they would make the feed
ill-formed, so they are an error naming the line, whether written as they are or as YAML escapes."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from ..errors import ScriptError
from ..fileio import read_utf8
from .model import (
    CONTROL_RE,
    DURATION_RE,
    EPISODE_TYPES,
    FRONT_MATTER_KEYS,
    MAX_PAUSE_MS,
    PACING_KEYS,
    ROLES,
    SHOW_KEYS,
    SPEAKER_KEYS,
    TAG_RE,
    Metadata,
    Show,
    Speaker,
)

LANGUAGE_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class FrontMatterReader:
    """The front-matter half of the parser; ``parser.ScriptParser`` adds the body."""

    def __init__(self, text: str, path: Path | None) -> None:
        text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        self.lines = text.split("\n")
        self.path = path

    def error(self, message: str, line: int | None, fix: str) -> ScriptError:
        return ScriptError(message, path=self.path, line=line, fix=fix)

    def _front_matter(self) -> tuple[int, Metadata, list[Speaker], dict[str, str], dict[str, str], dict[str, int]]:
        end, offset, root = self._yaml_root()
        values = self._mapping(root, offset, "the front matter", FRONT_MATTER_KEYS)
        for key in ("title", "speakers"):
            if key not in values:
                raise self.error(
                    f"malformed front matter: '{key}' is missing", offset, f"add a '{key}:' entry to the front matter"
                )
        meta = self._metadata(values, offset)
        speakers = self._speakers(values["speakers"][1], offset)
        lexicon, phonemes = self._lexicon(values, offset)
        return end + 1, Metadata(**meta), speakers, lexicon, phonemes, self._pacing(values, offset)

    def _yaml_root(self) -> tuple[int, int, yaml.Node]:
        """The closing '---' line's index, the first YAML line's index, and the YAML's root node."""
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
        return end, offset, self._compose("\n".join(self.lines[offset:end]), offset)

    def _compose(self, yaml_text: str, offset: int) -> yaml.Node:
        # Before YAML reads it: YAML takes U+0085 for a line break, and would name the wrong line.
        control = CONTROL_RE.search(yaml_text)
        if control:
            raise self.error(
                f"malformed front matter: it holds the control character U+{ord(control.group()):04X}",
                offset + yaml_text[: control.start()].count("\n") + 1,
                "delete the invisible character (feeds and tags cannot carry it)",
            )
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
        return root

    def _metadata(self, values: dict[str, tuple[yaml.Node, yaml.Node]], offset: int) -> dict[str, Any]:
        meta: dict[str, Any] = {}
        for key in ("title", "author", "show", "language", "date", "description", "cover", "email"):
            if key in values:
                meta[key] = self._scalar(values[key][1], offset, key)
        meta.update(self._numbering(values, offset))
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
        if "language" in meta and not LANGUAGE_RE.fullmatch(meta["language"]):
            raise self.error(
                f"malformed front matter: language {meta['language']!r} is not a language code",
                self._line(values["language"][1], offset),
                "use a code such as 'en' or 'en-GB'",
            )
        if meta.get("email") and not EMAIL_RE.fullmatch(meta["email"]):
            raise self.error(
                f"malformed front matter: email {meta['email']!r} is not an e-mail address",
                self._line(values["email"][1], offset),
                "write it as name@example.com, or leave it out",
            )
        return meta

    def _numbering(self, values: dict[str, tuple[yaml.Node, yaml.Node]], offset: int) -> dict[str, Any]:
        """``episode`` and ``season`` (positive numbers) and ``episode_type``, for the feed."""
        found: dict[str, Any] = {}
        for key in ("episode", "season"):
            if key in values:
                text = self._scalar(values[key][1], offset, key)
                if not re.fullmatch(r"[1-9]\d{0,5}", text):
                    raise self.error(
                        f"malformed front matter: {key} {text!r} is not a positive whole number",
                        self._line(values[key][1], offset),
                        f"write it as '{key}: 3', or leave it out",
                    )
                found[key] = int(text)
        if "episode_type" in values:
            kind = self._scalar(values["episode_type"][1], offset, "episode_type")
            if kind not in EPISODE_TYPES:
                raise self.error(
                    f"malformed front matter: episode_type {kind!r} is not one of {', '.join(EPISODE_TYPES)}",
                    self._line(values["episode_type"][1], offset),
                    "use full (the default), trailer or bonus",
                )
            found["episode_type"] = kind
        return found

    def _lexicon(
        self, values: dict[str, tuple[yaml.Node, yaml.Node]], offset: int
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Written form -> spoken form, and written form -> IPA for the entries given as phonemes."""
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
        return lexicon, phonemes

    def _pacing(self, values: dict[str, tuple[yaml.Node, yaml.Node]], offset: int) -> dict[str, int]:
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
                duration = DURATION_RE.fullmatch(self._scalar(value_node, offset, f"pacing.{name}"))
                ms = duration_ms(duration) if duration else -1
                if not 0 <= ms <= MAX_PAUSE_MS:
                    raise self.error(
                        f"malformed front matter: pacing.{name} is not a duration",
                        line,
                        f"write it as 450ms or 1.2s (at most {MAX_PAUSE_MS // 1000}s)",
                    )
                pacing[name] = ms
        return pacing

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
        value = "" if _is_null(node) else str(node.value).strip()
        control = CONTROL_RE.search(value)
        if control:
            raise self.error(
                f"malformed front matter: {what} holds the control character U+{ord(control.group()):04X}",
                self._line(node, offset),
                "delete the invisible character (feeds and tags cannot carry it)",
            )
        return value

    @staticmethod
    def _line(node: yaml.Node, offset: int) -> int:
        return offset + node.start_mark.line + 1

    # ---------------------------------------------------------------- show.yaml

    def show(self) -> Show:
        """``show.yaml``: the whole file is one YAML mapping of SHOW_KEYS."""
        if not any(line.strip() for line in self.lines):
            raise self.error("malformed show file: it is empty", 1, "add at least 'title: The Show'")
        root = self._compose("\n".join(self.lines), 0)
        values = self._mapping(root, 0, "the show file", SHOW_KEYS)
        fields: dict[str, Any] = {}
        for key in SHOW_KEYS:
            if key in values:
                fields[key] = self._scalar(values[key][1], 0, key)
        line = {key: self._line(node, 0) for key, (_, node) in values.items()}
        if not fields.get("title"):
            raise self.error("malformed show file: 'title' is missing or empty", line.get("title", 1), "add 'title:'")
        if "language" in fields and not LANGUAGE_RE.fullmatch(fields["language"]):
            raise self.error(
                f"malformed show file: language {fields['language']!r} is not a language code",
                line["language"],
                "use a code such as 'en' or 'en-GB'",
            )
        if fields.get("email") and not EMAIL_RE.fullmatch(fields["email"]):
            raise self.error(
                f"malformed show file: email {fields['email']!r} is not an e-mail address",
                line["email"],
                "write it as name@example.com, or leave it out",
            )
        if fields.get("link") and not re.match(r"https?://[^/\s]+", fields["link"]):
            raise self.error(
                f"malformed show file: link {fields['link']!r} is not an http(s) URL",
                line["link"],
                "give the show's page as https://example.com/, or leave it out",
            )
        if "explicit" in fields:
            flag = fields["explicit"].lower()
            if flag not in ("true", "false", "yes", "no"):
                raise self.error(
                    f"malformed show file: explicit {fields['explicit']!r} is not true or false",
                    line["explicit"],
                    "write 'explicit: false' (or true)",
                )
            fields["explicit"] = flag in ("true", "yes")
        return Show(**fields, path=self.path)

    # ---------------------------------------------------------------- body


def duration_ms(match: re.Match[str]) -> int:
    value = float(match.group(1))
    return round(value if (match.group(2) or "s").lower() == "ms" else value * 1000)


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def read_show(path: Path) -> Show:
    """Read and check ``show.yaml``; every problem becomes a ``ScriptError`` naming the line."""
    text = read_utf8(path, what="show file", missing_fix="create it, or leave it out to use the first script's")
    return FrontMatterReader(text, path).show()
