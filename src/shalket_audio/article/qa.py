"""Q&A interviews: paragraphs that open with a speaker label, or a bold question followed by plain answers.

A label (``Q:``, ``A:``, ``**Interviewer:**``, ``Sekerbeyeva:``, the publication's name) says who speaks
the paragraph and every unlabelled paragraph after it, until the next label.  Labels and the bold marks
around a question are not spoken: the voices say who is talking.  Text before the first label is the
article's prose introduction and is read by the usual quote rules.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from .text import count_words_of

_LABEL = re.compile(
    r"(?P<open>\*\*|__)?\s*(?P<label>[A-Z][\w’'.&-]*(?:\s+[A-Z][\w’'.&-]*){0,3})\s*(?P<close>\*\*|__)?"
    r"\s*:\s*(?P<after>\*\*|__)?\s*(?=\S)"
)
#: A paragraph wholly in bold or italics (``**Why?**``, ``*Why?*``, ``__Why?__``).
_BOLD = re.compile(r"(\*\*|__|\*|_)(?P<inner>[^*_\s](?:(?!\1).)*?)\1")
_QUESTION_LABELS = frozenset({"q", "question", "interviewer", "int"})
_ANSWER_LABELS = frozenset({"a", "answer", "interviewee"})
#: A radio transcript's label: the speaker's name in capitals (``MEDEA BENJAMIN:``, ``MARTIN:``).
_CAPS_LABEL = re.compile(r"[A-Z][A-Z’'.-]+(?:\s+[A-Z][A-Z’'.-]+)*")
#: The first sentence of a paragraph, when it is a question.
_QUESTION_FIRST = re.compile(r"[^.!?]*\?(?=\s+[A-Z“\"‘'])")
#: A paragraph that is one short question, with no quote marks (unlabelled Q&A: the question alone).
_PLAIN_QUESTION = re.compile(r"[A-Z][^.!?“”\"‘’]{2,200}\?")
#: A note from the editors (``This interview has been edited for length``) is the narrator's, not an answer.
_EDITORS_NOTE = re.compile(r"(?:interview|conversation|transcript)\b[^.]{0,40}\b(?:edited|condensed)", re.IGNORECASE)

HOST = "host"
GUEST = "guest"


@dataclass(frozen=True)
class Turn:
    """One paragraph of a Q&A: who speaks it, and how many characters of label to drop at each end."""

    who: str  # HOST, GUEST, or the label of a third speaker
    cut_start: int
    cut_end: int
    label: str  # the label as written, or "" for a continuation or a bold question
    #: where the interviewee's answer starts, when a labelled question and its answer share a paragraph
    #: ("E2C: Could you …? I recently …"); 0 when the whole paragraph is one speaker's
    answer_at: int = 0

    def spoken(self, paragraph: str) -> str:
        return paragraph[self.cut_start : len(paragraph) - self.cut_end].strip()


@dataclass(frozen=True)
class Interview:
    turns: dict[int, Turn]  # paragraph index -> turn; paragraphs not here are prose
    labels: dict[str, str]  # label as written -> HOST, GUEST or the label itself (a third speaker)
    notes: dict[str, str]  # label -> why its speaker is a guess


def starts_with_label(paragraph: str) -> bool:
    match = _LABEL.match(paragraph)
    return match is not None and _plausible(match.group("label"))


def _plausible(label: str) -> bool:
    return label.lower() in _QUESTION_LABELS | _ANSWER_LABELS or len(label) > 1


def find_labels(body: list[str]) -> dict[int, re.Match[str]]:
    """Labelled paragraphs, when the article is a labelled Q&A (two or more labels that recur)."""
    matches = {i: m for i, p in enumerate(body) if (m := _LABEL.match(p)) and _plausible(m.group("label"))}
    uses = Counter(_key(m.group("label")) for m in matches.values())
    reserved = _QUESTION_LABELS | _ANSWER_LABELS
    if uses.keys() & reserved:
        keep = set(uses)  # "Interviewer:" or "Q:" says it is a Q&A: every label in it counts
    else:
        # names as labels: one must recur, and the speaker must change at least twice
        order = [_key(m.group("label")) for _, m in sorted(matches.items())]
        changes = sum(1 for a, b in pairwise(order) if a != b)
        # a transcript's names in capitals need not recur: each may speak once in a short excerpt
        caps = {_key(m.group("label")) for m in matches.values() if _CAPS_LABEL.fullmatch(m.group("label"))}
        recurs = max(uses.values(), default=0) >= 2 or len(caps) >= 3
        keep = set(uses) if changes >= 2 and recurs else set()
        if (
            not keep
            and len(uses) == 1
            and len(matches) >= 2
            and all(_asks_first(body[i], m) for i, m in matches.items())
        ):
            return matches  # one label before each question, the answer after it in the same paragraph
    matches = {i: m for i, m in matches.items() if _key(m.group("label")) in keep}
    if not (keep & _QUESTION_LABELS and len(matches) >= 2) and (len(keep) < 2 or len(matches) < 3):
        return {}
    return matches


def label_names(body: list[str]) -> list[str]:
    """The labels that may be people's names, for finding the interviewee."""
    labels = [m.group("label") for m in find_labels(body).values()]
    if any(_key(label) in _ANSWER_LABELS for label in labels):
        return []
    return list(dict.fromkeys(label for label in labels if _key(label) not in _QUESTION_LABELS))


def _asks_first(paragraph: str, match: re.Match[str]) -> bool:
    """Does the labelled paragraph open with a question and go on with more text (the answer)?"""
    return _QUESTION_FIRST.match(paragraph, match.end()) is not None


def _key(label: str) -> str:
    return label.lower().rstrip(".")


def find_interview(body: list[str], guest_name: str, host_name: str) -> Interview | None:
    labelled = find_labels(body)
    if labelled:
        return _labelled(body, labelled, guest_name, host_name)
    return _bold_questions(body) or _plain_questions(body)


def _labelled(body: list[str], labelled: dict[int, re.Match[str]], guest_name: str, host_name: str) -> Interview:
    words: Counter[str] = Counter()
    first_form: dict[str, str] = {}
    owner = ""
    for i in range(min(labelled), len(body)):
        if i in labelled:
            owner = _key(labelled[i].group("label"))
            first_form.setdefault(owner, labelled[i].group("label"))
        words[owner] += count_words_of(body[i])
    asks = {
        k: all(body[i].rstrip().endswith("?") for i, m in labelled.items() if _key(m.group("label")) == k)
        for k in first_form
    }
    roles, notes = _classify(first_form, words, guest_name, host_name, asks)
    single = len(first_form) == 1 and roles[next(iter(first_form))] == HOST
    turns: dict[int, Turn] = {}
    who = ""
    for i in range(min(labelled), len(body)):
        paragraph = body[i]
        match = labelled.get(i)
        if match:
            who = roles[_key(match.group("label"))]
            cut_end = 0
            if match.group("open") and not match.group("close") and not match.group("after"):
                cut_end = 2 if paragraph.endswith(match.group("open")) else 0
            elif match.group("after") and paragraph.endswith(match.group("after")):
                cut_end = 2  # "Q: **What happened?**"
            answer = _QUESTION_FIRST.match(paragraph, match.end()) if single else None
            answer_at = answer.end() if answer else 0
            turns[i] = Turn(who, match.end(), cut_end, match.group("label"), answer_at)
        elif _EDITORS_NOTE.search(paragraph) and count_words_of(paragraph) <= 30:
            continue  # the narrator reads it, as prose
        else:
            if who == HOST and GUEST not in roles.values():
                who = GUEST  # only the questions are labelled: the plain paragraphs are the answers
            turns[i] = Turn(who, 0, 0, "")
    return Interview(turns, {first_form[k]: v for k, v in roles.items()}, {first_form[k]: v for k, v in notes.items()})


def _classify(
    labels: dict[str, str], words: Counter[str], guest_name: str, host_name: str, asks: dict[str, bool]
) -> tuple[dict[str, str], dict[str, str]]:
    guest_tokens = {t.lower() for t in guest_name.split()}
    host_tokens = {t.lower() for t in host_name.split()}
    roles: dict[str, str] = {}
    notes: dict[str, str] = {}
    for key in labels:
        tokens = set(key.split())
        if key in _QUESTION_LABELS or tokens & host_tokens:
            roles[key] = HOST
        elif len(labels) == 1:
            roles[key] = HOST  # a lone label is the publication's, before each question
            notes[key] = (
                f"label '{labels[key]}' taken as the interviewer's: each of its paragraphs opens with a question"
            )
        elif key in _ANSWER_LABELS or tokens & guest_tokens:
            roles[key] = GUEST
    unknown = sorted((k for k in labels if k not in roles), key=lambda k: -words[k])
    asker = [k for k in unknown if asks[k]]
    if HOST not in roles.values() and len(asker) == 1 and len(unknown) >= 2:
        # the label whose every paragraph is a question asks them (a transcript's host, by surname)
        roles[asker[0]] = HOST
        notes[asker[0]] = f"label '{labels[asker[0]]}' taken as the interviewer's: each of its paragraphs is a question"
        unknown.remove(asker[0])
    for key in unknown:
        if GUEST not in roles.values():
            roles[key] = GUEST
            notes[key] = f"label '{labels[key]}' taken as the interviewee: it has the longest answers"
        elif HOST not in roles.values():
            roles[key] = HOST
            notes[key] = f"label '{labels[key]}' taken as the interviewer's questions (the publication or the host)"
        else:
            roles[key] = labels[key]
    return roles, notes


def _bold_questions(body: list[str]) -> Interview | None:
    """``**Why did you start?**`` then plain answers: bold (or italic) paragraphs are the questions."""
    marked = {i: m for i, p in enumerate(body) if (m := _BOLD.fullmatch(p))}
    bold = list(marked)
    asked = [i for i in bold if body[i].rstrip("*_ ").endswith("?")]
    if len(bold) < 2 or len(asked) * 5 < len(bold) * 3:
        return None
    turns: dict[int, Turn] = {}
    who = ""
    for i in range(bold[0], len(body)):
        paragraph = body[i]
        if i in bold:
            who = HOST
            width = len(marked[i].group(1))
            turns[i] = Turn(HOST, width, width, "")
        elif _EDITORS_NOTE.search(paragraph) and count_words_of(paragraph) <= 30:
            continue
        else:
            if who == HOST:
                who = GUEST
            turns[i] = Turn(who, 0, 0, "")
    return Interview(turns, {}, {})


def _plain_questions(body: list[str]) -> Interview | None:
    """Unlabelled Q&A: a paragraph that is one short question, then plain answers, at least twice."""
    asked = [i for i, p in enumerate(body) if _PLAIN_QUESTION.fullmatch(p) and count_words_of(p) <= 30]
    answered = [i for i in asked if i + 1 < len(body) and i + 1 not in asked]
    if len(answered) < 2 or len(answered) != len(asked):
        return None
    turns: dict[int, Turn] = {}
    for i in range(asked[0], len(body)):
        if _EDITORS_NOTE.search(body[i]) and count_words_of(body[i]) <= 30:
            continue
        turns[i] = Turn(HOST if i in asked else GUEST, 0, 0, "")
    return Interview(turns, {}, {})
