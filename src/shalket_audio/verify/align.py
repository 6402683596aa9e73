"""Word alignment of what a clip should say with what the recognizer heard.

A plain word-level Levenshtein alignment, with three allowances that keep the
recognizer's spelling from counting as the voice's mistake:

- **Blocks.** Runs of up to four words on each side match when their letters
  are the same once joined ("L G B T" / "LGBT", "power lifter" /
  "powerlifter", "Sunning-hill" / "Sunning Hill").
- **Near spellings.** Two words match when their letters are at least
  ``NEAR`` similar ("neighbour" / "neighbor", "organising" / "organizing").
- **Lexicon names.** A word the script's lexicon respells (or gives as
  phonemes) is compared in its spoken form, but a recognizer cannot spell a name it has never seen ("Zhah-nar"
  comes back as "John R" or "Jainar").  So such a word matches any run of up to
  four heard words of plausible length in its place: the check is that the name
  was said there, not how it is spelled.  A name with nothing heard in its place
  is still missing.

Libraries such as jiwer give the textbook alignment; none of them knows these
allowances, so the dynamic programme is here, with rapidfuzz for the letter
similarity.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from ..synth.text import expand_numbers, expand_symbols, tidy_punctuation

#: Letter similarity (Indel, 0..1) at which two words count as one spelling of the same word.
NEAR = 0.8
#: The longest run of words, on either side, that one block match may join.
MAX_BLOCK = 4
#: A lexicon name matches heard words whose letters number this fraction of its spoken form's, or more
#: (and at most the inverse).
NAME_LENGTH_RATIO = 0.45


@dataclass(frozen=True)
class Word:
    text: str  # as written, for the report
    key: str  # letters and digits, lower case: what is compared
    forms: tuple[str, ...] = ()  # a lexicon name's accepted spellings (written and spoken), as keys

    @property
    def is_name(self) -> bool:
        return bool(self.forms)


class Op(Enum):
    EQUAL = "equal"
    SUBSTITUTE = "substitute"
    DELETE = "delete"  # expected, not heard
    INSERT = "insert"  # heard, not expected


@dataclass(frozen=True)
class Step:
    op: Op
    expected: tuple[Word, ...]
    heard: tuple[Word, ...]


@dataclass(frozen=True)
class Alignment:
    steps: tuple[Step, ...]
    expected_count: int

    @property
    def missing(self) -> list[str]:
        return [w.text for s in self.steps if s.op is Op.DELETE for w in s.expected]

    @property
    def added(self) -> list[str]:
        return [w.text for s in self.steps if s.op is Op.INSERT for w in s.heard]

    @property
    def misheard(self) -> list[tuple[str, str]]:
        return [(s.expected[0].text, s.heard[0].text) for s in self.steps if s.op is Op.SUBSTITUTE]

    @property
    def errors(self) -> int:
        return sum(1 for s in self.steps if s.op is not Op.EQUAL)

    @property
    def wer(self) -> float:
        """Substitutions, deletions and insertions per expected word (1.0 when nothing was expected)."""
        if not self.expected_count:
            return 1.0 if self.errors else 0.0
        return self.errors / self.expected_count

    @property
    def trailing_missing(self) -> int:
        """Expected words at the very end with nothing heard after them: a clip that stops early."""
        count = 0
        for step in reversed(self.steps):
            if step.op is Op.INSERT:
                continue
            if step.op is not Op.DELETE:
                break
            count += len(step.expected)
        return count


def key(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum())


_SPLIT_RE = re.compile(r"[\s\-–—/]+")


def words(text: str) -> list[Word]:
    """The words of a text, split at spaces and hyphens, without punctuation."""
    result = []
    for token in _SPLIT_RE.split(text):
        token = token.strip(".,;:!?\"'()[]{}…“”‘’")
        if key(token):
            result.append(Word(token, key(token)))
    return result


def heard_words(transcript: str) -> list[Word]:
    """The recognizer's words, with its digits and symbols read out the way the script's are."""
    return words(tidy_punctuation(expand_numbers(expand_symbols(transcript))))


_PHONEMES_RE = re.compile(r"\[\[([^\]]*)\]\](?:['’]s)?")


def expected_words(prepared: str, lexicon: Mapping[str, str], phonemes: Mapping[str, str] | None = None) -> list[Word]:
    """The words a prepared chunk says; each lexicon respelling, or ``[[phonemes]]`` block, is one name word."""
    spans: list[tuple[int, int, str, str]] = []
    taken = [False] * len(prepared)

    def take(start: int, end: int, written: str, spoken: str) -> None:
        if not any(taken[start:end]):
            taken[start:end] = [True] * (end - start)
            spans.append((start, end, written, spoken))

    by_ipa = {ipa: written for written, ipa in (phonemes or {}).items()}
    for match in _PHONEMES_RE.finditer(prepared):
        written = by_ipa.get(match.group(1), match.group(1))
        take(match.start(), match.end(), written, lexicon.get(written, written))
    for written, spoken in sorted(lexicon.items(), key=lambda item: -len(item[1])):
        if not key(spoken):
            continue
        pattern = re.compile(rf"(?<![\w-]){re.escape(spoken)}(?:['’]s)?(?![\w-])")
        for match in pattern.finditer(prepared):
            take(match.start(), match.end(), written, spoken)
    result: list[Word] = []
    position = 0
    for start, end, written, spoken in sorted(spans):
        result += words(prepared[position:start])
        text = prepared[start:end].strip()
        suffix = "s" if text.endswith(("'s", "’s")) else ""
        if text.startswith("[["):
            text = written + text[text.index("]]") + 2 :]  # the report names the word, not its phonemes
        result.append(Word(text, key(text), (key(written) + suffix, key(spoken) + suffix)))
        position = end
    return result + words(prepared[position:])


def respelled(prepared: str, lexicon: Mapping[str, str], phonemes: Mapping[str, str]) -> str:
    """A prepared chunk with each ``[[phonemes]]`` block back to the lexicon's respelling, for an engine
    that takes no phonemes."""
    by_ipa = {ipa: written for written, ipa in phonemes.items()}

    def spoken(match: re.Match[str]) -> str:
        written = by_ipa.get(match.group(1), match.group(1))
        return lexicon.get(written, written) + match.group(0)[match.group(0).index("]]") + 2 :]

    return _PHONEMES_RE.sub(spoken, prepared)


def similarity(a: str, b: str) -> float:
    from rapidfuzz.distance import Indel  # the optional extra: imported when used, so its absence is a message

    return float(Indel.normalized_similarity(a, b))


#: What a loose match costs in the search (never in the error count): an exact match is preferred.
_NEAR_COST = 0.001
_NAME_COST = 0.01  # a name matched by length only


def _name_cost(name: Word, heard: Sequence[Word]) -> float | None:
    """0 or a little when the heard words can be the name, None when they cannot."""
    joined = "".join(w.key for w in heard)
    if any(similarity(joined, form) >= NEAR for form in name.forms):
        return _NEAR_COST
    spoken = len(name.forms[-1]) or 1
    return _NAME_COST if NAME_LENGTH_RATIO <= len(joined) / spoken <= 1 / NAME_LENGTH_RATIO else None


def _word_cost(e: Word, h: Word) -> float | None:
    if e.key == h.key:
        return 0.0
    if e.is_name:
        return _name_cost(e, (h,))
    return _NEAR_COST if similarity(e.key, h.key) >= NEAR else None


def align(expected: Sequence[Word], heard: Sequence[Word]) -> Alignment:
    """The cheapest alignment: each unmatched, missing or added word costs 1; matches cost (almost) nothing.

    Among equally cheap alignments the search keeps words missing or added as late as possible, so
    words missing at the end of a clip show as such.
    """
    n, m = len(expected), len(heard)
    exp_join = [["".join(w.key for w in expected[i - a : i]) for a in range(MAX_BLOCK + 1)] for i in range(n + 1)]
    hyp_join = [["".join(w.key for w in heard[j - b : j]) for b in range(MAX_BLOCK + 1)] for j in range(m + 1)]
    inf = float(n + m + 1)
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int, Op]]] = [[(0, 0, Op.EQUAL)] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 and j == 0:
                continue
            best, step = inf, (0, 0, Op.EQUAL)
            if i and j:
                match = _word_cost(expected[i - 1], heard[j - 1])
                total = cost[i - 1][j - 1] + (1.0 if match is None else match)
                if total < best:
                    best, step = total, (1, 1, Op.SUBSTITUTE if match is None else Op.EQUAL)
                for a in range(1, min(MAX_BLOCK, i) + 1):
                    for b in range(1, min(MAX_BLOCK, j) + 1):
                        if (a == 1 and b == 1) or cost[i - a][j - b] >= best:
                            continue
                        block: float | None = None
                        if a == 1 and expected[i - 1].is_name:
                            block = _name_cost(expected[i - 1], heard[j - b : j])
                        elif exp_join[i][a] == hyp_join[j][b]:
                            block = 0.0
                        if block is not None and cost[i - a][j - b] + block < best:
                            best, step = cost[i - a][j - b] + block, (a, b, Op.EQUAL)
            # On a tie, a missing or added word wins here, so from the end it is placed as late as it can be.
            if j and cost[i][j - 1] + 1 <= best:
                best, step = cost[i][j - 1] + 1, (0, 1, Op.INSERT)
            if i and cost[i - 1][j] + 1 <= best:
                best, step = cost[i - 1][j] + 1, (1, 0, Op.DELETE)
            cost[i][j], back[i][j] = best, step
    steps: list[Step] = []
    i, j = n, m
    while i or j:
        a, b, op = back[i][j]
        steps.append(Step(op, tuple(expected[i - a : i]), tuple(heard[j - b : j])))
        i, j = i - a, j - b
    steps.reverse()
    return Alignment(tuple(steps), n)
