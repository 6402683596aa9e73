"""What ``shalket-audio script`` tells the producer: who speaks, notices, and the review list."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..script import parse_script
from .review import review_notes
from .text import INTERVIEWER_TAG

if TYPE_CHECKING:
    from .convert import Conversion


def summary_lines(conversion: Conversion) -> list[str]:
    episode = conversion.episode
    host, guest, *others = episode.speakers
    lines = [
        f"interviewer: {host.name} (tag {host.tag})",
        f"interviewee: {conversion.interviewee} (tag {guest.tag})",
    ]
    if others:
        lines.append("quoted: " + ", ".join(f"{s.name} (tag {s.tag})" for s in others))
    by_guest = sum(1 for q in conversion.quotes if q.speaker == guest.tag)
    by_others = sum(1 for q in conversion.quotes if q.speaker not in (guest.tag, INTERVIEWER_TAG))
    line = f"quotes: {len(conversion.quotes)} found, {by_guest} spoken by {guest.tag}"
    if by_others:
        line += f", {by_others} by other quoted speakers"
    lines.append(line)
    if conversion.interview:
        lines.append("read as a Q&A: labels and bold questions give each paragraph its speaker")
    return lines


def review_lines(script_text: str, where: str) -> list[str]:
    """``WHERE:LINE: review: …`` for every note in the written script (lines as the file has them).

    Parsed under the name it will be written to, so that any error names that file, not ``<script>``.
    """
    episode = parse_script(script_text, where)
    return [f"{where}:{comment.line}: {comment.text}" for comment in review_notes(episode)]
