"""Paragraphs -> segments: each change of speaker starts a segment, and review notes sit beside them.

Runs keep the article's own spacing until the end, and are built from lists of pieces, so joining never
invents or drops a space and the work stays linear in the paragraph's length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..script import Comment, Item, Segment
from .qa import Turn
from .quotes import Span, strip_marks
from .text import INTERVIEWER_TAG, WORD

_LEADING_STOP = re.compile(r"[.,;:!?…]+(?=\s|$)")
_HAS_DIGIT = re.compile(r"\d")


@dataclass
class _Run:
    speaker: str
    parts: list[str]
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(self.parts)


def review_comment(note: str, excerpt: str) -> Comment:
    words = excerpt.split()
    quoted = " ".join(words[:8]) + (" …" if len(words) > 8 else "")
    text = f"review: {note}: “{quoted}”" if quoted else f"review: {note}"
    return Comment(text.replace("-->", "→").replace("<!--", "←"))


def prose_paragraph(
    paragraph: str,
    parts: list[tuple[int, int, int]],  # (start, end, span index) of each quoted share in this paragraph
    speaker_of: list[str],  # span index -> tag
    stripped: list[bool],  # span index -> are its marks removed
    notes: dict[int, str],  # span index -> review note
    marks: list[str],  # span index -> the quote marks it is written in
) -> list[Item]:
    runs: list[_Run] = []

    def add(speaker: str, text: str, note: str = "") -> None:
        if runs and runs[-1].speaker == speaker:
            runs[-1].parts.append(text)
        else:
            runs.append(_Run(speaker, [text]))
        if note:
            runs[-1].notes.append(note)

    cursor = 0
    noted: set[int] = set()
    for start, end, index in parts:
        if start > cursor:
            add(INTERVIEWER_TAG, paragraph[cursor:start])
        share = paragraph[start:end]
        text = strip_marks(share, marks[index]) if stripped[index] else share
        note = ""
        if index in notes and index not in noted:
            noted.add(index)
            note = notes[index]
            note = f"{note}\u0000{text}"  # the excerpt travels with the note
        add(speaker_of[index], text, note)
        cursor = end
    if cursor < len(paragraph):
        add(INTERVIEWER_TAG, paragraph[cursor:])
    items: list[Item] = []
    for index, run in enumerate(_absorb_punctuation(runs)):
        for note in run.notes:
            message, _, excerpt = note.partition("\u0000")
            items.append(review_comment(message, excerpt))
        items.append(Segment(run.speaker, " ".join(run.text().split()), new_paragraph=index == 0))
    return items


def turn_paragraph(paragraph: str, turn: Turn, tag: str, note: str, guest_tag: str) -> list[Item]:
    spoken = turn.spoken(paragraph)
    pieces = [(tag, spoken)]
    if turn.answer_at:  # the question, then the interviewee's answer in the same paragraph
        pieces = [(tag, paragraph[turn.cut_start : turn.answer_at]), (guest_tag, paragraph[turn.answer_at :])]
    items: list[Item] = []
    if note:
        items.append(review_comment(note, " ".join(spoken.split())))
    for number, (who, piece) in enumerate(pieces):
        text = " ".join(piece.split())
        if text:
            items.append(Segment(who, text, new_paragraph=number == 0))
    return items


def _absorb_punctuation(runs: list[_Run]) -> list[_Run]:
    """A run with no words (a lone '.' after a quote) joins its neighbour instead of being spoken alone."""
    merged: list[_Run] = []
    pending: list[str] = []
    for run in runs:
        text = run.text()
        if not WORD.search(text) and not _HAS_DIGIT.search(text):
            if merged:
                merged[-1].parts.append(text)
                merged[-1].notes += run.notes
            else:
                pending.append(text)
            continue
        if pending:
            text, pending = "".join(pending) + text, []
        lead = _LEADING_STOP.match(text)
        if lead and merged and merged[-1].speaker != run.speaker:
            # "…we fought for”." : the full stop ends her sentence, not the narrator's next one.
            merged[-1].parts.append(lead.group(0))
            text = text[lead.end() :]
        if merged and merged[-1].speaker == run.speaker:
            merged[-1].parts.append(text)
            merged[-1].notes += run.notes
        else:
            merged.append(_Run(run.speaker, [text], list(run.notes)))
    if "".join(pending).strip():
        merged.append(_Run(INTERVIEWER_TAG, pending))
    return merged


def shares_by_paragraph(spans: list[Span], paragraphs: int) -> list[list[tuple[int, int, int]]]:
    shares: list[list[tuple[int, int, int]]] = [[] for _ in range(paragraphs)]
    for index, span in enumerate(spans):
        for pi, start, end in span.parts:
            shares[pi].append((start, end, index))
    return shares
