"""Scoring the converter on the labelled real interviews in ``tests/article/interviews/``.

Each ``NN-name.json`` holds the source URL, the publication and shape, and one label per quote or Q&A
turn, in article order: ``text`` (its first words, as printed) and ``speaker`` (``interviewee``,
``narrator`` or ``other:<Name>``): the voice that should read those words in the episode.  A label is
found in the converted script by its words (quote marks and spacing ignored), searching forward from
the previous label, and scored by the speaker of the segment its first word falls in.

Run ``python tests/article/interview_score.py`` to print the per-article table the README shows.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from shalket_audio.article import convert_file
from shalket_audio.script import Comment, Segment

HERE = Path(__file__).parent / "interviews"
#: Articles kept aside while the attribution rules were written, scored separately.
HELD_OUT = frozenset({"05-cnn-koontz", "09-radar-fergie-mother", "17-celebsnow-heather-mills", "21-bbc-cumbria-floods"})
_MARKS = re.compile(r"[“”\"„«»‘’'`]")


def _norm(text: str) -> str:
    return " ".join(_MARKS.sub("", text).split())


@dataclass(frozen=True)
class Item:
    text: str
    expected: str  # interviewee | narrator | other
    got: str  # interviewee | narrator | other | missing
    noted: bool  # a review note sits in the same paragraph of the script


@dataclass(frozen=True)
class Score:
    name: str
    publication: str
    shape: str
    items: tuple[Item, ...]

    @property
    def two_way(self) -> float:
        return sum((i.got == "interviewee") == (i.expected == "interviewee") for i in self.items) / len(self.items)

    @property
    def three_way(self) -> float:
        return sum(i.got == i.expected for i in self.items) / len(self.items)

    @property
    def wrong(self) -> list[Item]:
        return [i for i in self.items if i.got != i.expected]

    @property
    def noted(self) -> list[Item]:
        return [i for i in self.items if i.noted]


def fixtures() -> list[Path]:
    return sorted(HERE.glob("*.json"))


def score(label_file: Path) -> Score:
    labels = json.loads(label_file.read_text(encoding="utf-8"))
    article = label_file.with_suffix(".txt")
    for ext in (".html", ".md"):
        if label_file.with_suffix(ext).exists():
            article = label_file.with_suffix(ext)
    options = labels.get("options", {})
    conversion = convert_file(article, today=date(2026, 1, 1), **options)
    guest = conversion.episode.speakers[1].tag

    # the script's segments, each with whether a review note sits in its paragraph
    flat: list[tuple[str, str, bool]] = []  # (normalised text, speaker, noted)
    for chapter in conversion.episode.chapters:
        paragraph: list[int] = []
        noted = pending = False
        for item in chapter.items:
            if isinstance(item, Comment) and item.text.startswith("review:"):
                pending = True  # the note sits just above the segment it concerns
                continue
            if not isinstance(item, Segment):
                continue
            if item.new_paragraph:
                paragraph, noted = [], False
            noted, pending = noted or pending, False
            flat.append((_norm(item.text), item.speaker, noted))
            paragraph.append(len(flat) - 1)
            if noted:  # a note above a later segment of the paragraph covers the whole paragraph
                for index in paragraph:
                    flat[index] = (flat[index][0], flat[index][1], True)
    joined, starts = "", []
    for text, _, _ in flat:
        starts.append(len(joined))
        joined += text + " "

    items = []
    cursor = 0
    for label in labels["quotes"]:
        expected = label["speaker"].split(":")[0]
        needle = _norm(label["text"])
        at = joined.find(needle, cursor)
        if at < 0:
            items.append(Item(label["text"], expected, "missing", False))
            continue
        cursor = at + 1
        index = max(k for k, s in enumerate(starts) if s <= at)
        _, speaker, noted = flat[index]
        got = "interviewee" if speaker == guest else "narrator" if speaker == "interviewer" else "other"
        items.append(Item(label["text"], expected, got, noted))
    return Score(label_file.stem, labels["publication"], labels["shape"], tuple(items))


def table(scores: list[Score]) -> list[str]:
    lines = [
        "| article | publication | shape | quotes | interviewee or not | three-way | wrong "
        "| caught by a review note | noted quotes that were wrong |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scores:
        held = " (held out)" if s.name in HELD_OUT else ""
        caught = sum(i.noted for i in s.wrong)
        lines.append(
            f"| {s.name}{held} | {s.publication} | {s.shape} | {len(s.items)} | {s.two_way:.2f} | {s.three_way:.2f} "
            f"| {len(s.wrong)} | {caught}/{len(s.wrong)} | {caught}/{len(s.noted)} |"
        )
    for title, group in (("all", scores), ("held out", [s for s in scores if s.name in HELD_OUT])):
        items = [i for s in group for i in s.items]
        if not items:
            continue
        wrong = [i for i in items if i.got != i.expected]
        two = sum((i.got == "interviewee") == (i.expected == "interviewee") for i in items) / len(items)
        three = sum(i.got == i.expected for i in items) / len(items)
        recall = sum(i.noted for i in wrong) / len(wrong) if wrong else 1.0
        noted = [i for i in items if i.noted]
        precision = f" ({sum(i.noted for i in wrong) / len(noted):.0%})" if noted else ""
        lines.append(
            f"| **{title}** ({len(group)} articles) | | | {len(items)} | {two:.2f} | {three:.2f} | {len(wrong)} "
            f"| {sum(i.noted for i in wrong)}/{len(wrong)} ({recall:.0%}) | {sum(i.noted for i in wrong)}/{len(noted)}"
            f"{precision} |"
        )
    return lines


if __name__ == "__main__":
    results = [score(path) for path in fixtures()]
    print("\n".join(table(results)))
    if "-v" in sys.argv:
        for s in results:
            if s.name in HELD_OUT and "--held" not in sys.argv:
                continue
            for i in s.wrong:
                print(f"{s.name}: {i.text!r}: expected {i.expected}, got {i.got}{' (noted)' if i.noted else ''}")
            if "--noted" in sys.argv:
                for i in s.noted:
                    if i.got == i.expected:
                        print(f"{s.name}: {i.text!r}: right ({i.got}) and noted")
