"""Intro, outro, and chapters cut at paragraph boundaries with provisional titles."""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise

from ..script import MAX_CHAPTERS, Chapter, Item, Pause, Segment, estimate_seconds
from .header import ArticleHeader
from .text import INTERVIEWER_TAG, NAME_TOKEN, NOT_NAME_WORDS, STOPWORDS, WORD, count_words_of

#: Chapters aim for this much speech; the brief asks for one to two minutes.
TARGET_CHAPTER_SECONDS = 90.0
#: Up to this much work (chapters x paragraphs squared) the cuts are the exact optimum; beyond, each cut
#: is the boundary nearest its even share, so a long article stays linear.
_EXACT_LIMIT = 1_000_000
_NAME_PHRASE = re.compile(rf"(?<![.!?]\s)(?<!^)\b({NAME_TOKEN}(?:\s+{NAME_TOKEN})*)")
_POSSESSIVE = re.compile(r"[’']s$")


def intro(header: ArticleHeader) -> list[Segment]:
    title = header.title if re.search(r"[.!?…]$", header.title) else header.title + "."
    segments = [Segment(INTERVIEWER_TAG, title, new_paragraph=True)]
    if header.byline:
        byline = header.byline if re.search(r"[.!?]$", header.byline) else header.byline + "."
        segments.append(Segment(INTERVIEWER_TAG, byline, new_paragraph=False))
    if header.standfirst:
        segments.append(Segment(INTERVIEWER_TAG, header.standfirst, new_paragraph=True))
    return segments


def outro(header: ArticleHeader, host: str, guest: str, *, credit_host: bool, others: bool) -> list[Segment]:
    title = header.title.rstrip(".")
    credit = f", written by {host}" if credit_host else ""
    words = f"{guest}’s words and the other quoted voices" if others else f"{guest}’s words"
    return [
        Segment(
            INTERVIEWER_TAG,
            f"You have been listening to {title}{credit}. "
            f"The voices in this episode are synthetic: the narration and {words} "
            "were read by text-to-speech software, not by the people themselves.",
            new_paragraph=True,
        )
    ]


def balance(paragraph_words: list[int], intro: list[Segment], outro: list[Segment]) -> list[range]:
    """Split paragraphs into contiguous chapters of even length, near TARGET_CHAPTER_SECONDS each."""
    words = list(paragraph_words)
    words[0] += sum(count_words_of(s.text) for s in intro)
    words[-1] += sum(count_words_of(s.text) for s in outro)
    total_seconds = estimate_seconds(sum(words))
    # an MP3's chapter table holds at most MAX_CHAPTERS: a longer article gets longer chapters
    count = max(1, min(len(words), round(total_seconds / TARGET_CHAPTER_SECONDS), MAX_CHAPTERS))
    prefix = [0]
    for w in words:
        prefix.append(prefix[-1] + w)
    exact = count * len(words) ** 2 <= _EXACT_LIMIT
    cuts = _exact_cuts(prefix, count) if exact else _nearest_cuts(prefix, count)
    return [range(a, b) for a, b in pairwise(cuts)]


def by_headings(
    hinted: list[int], body: list[str], paragraphs: list[list[Item]], words: list[int]
) -> tuple[list[range], list[str]] | None:
    """Chapters at the article's own headings (Markdown or HTML), each titled by its heading.

    The heading paragraph becomes the chapter's title and is not spoken.  ``None`` (cut by length
    instead) when there are no headings, or more than an episode can hold.
    """
    if not hinted:
        return None
    starts = ([0] if hinted[0] > 0 else []) + hinted
    if len(starts) > MAX_CHAPTERS:
        return None
    bounds = [*starts, len(body)]
    groups = [range(a, b) for a, b in pairwise(bounds)]
    # a heading with nothing under it (two headings in a row) is merged into the next section
    if any(sum(words[i] for i in group if i not in hinted) == 0 for group in groups[:-1] if len(group) == 1):
        return None
    heads = set(hinted)
    for index in heads:
        paragraphs[index] = []  # the heading is the chapter's title, not spoken
    titles = [body[g.start] if g.start in heads else "" for g in groups]
    if sum(words[i] for i in groups[-1] if i not in heads) == 0:
        return None
    return groups, titles


def _exact_cuts(prefix: list[int], count: int) -> list[int]:
    """The cuts that minimise the squared deviation from an even share (dynamic programming)."""
    n = len(prefix) - 1
    target = prefix[-1] / count
    inf = float("inf")
    cost = [[inf] * (n + 1) for _ in range(count + 1)]
    cut = [[0] * (n + 1) for _ in range(count + 1)]
    cost[0][0] = 0.0
    for k in range(1, count + 1):
        for i in range(k, n + 1):
            for j in range(k - 1, i):
                if cost[k - 1][j] == inf:
                    continue
                candidate = cost[k - 1][j] + (prefix[i] - prefix[j] - target) ** 2
                if candidate < cost[k][i]:
                    cost[k][i], cut[k][i] = candidate, j
    bounds = [n]
    i = n
    for k in range(count, 0, -1):
        i = cut[k][i]
        bounds.append(i)
    return list(reversed(bounds))


def _nearest_cuts(prefix: list[int], count: int) -> list[int]:
    """Each cut at the paragraph boundary nearest to its even share: linear, and never an empty chapter."""
    n = len(prefix) - 1
    cuts = [0]
    for k in range(1, count):
        goal = prefix[-1] * k / count
        i = bisect.bisect_left(prefix, goal)
        if i > 0 and goal - prefix[i - 1] <= prefix[min(i, n)] - goal:
            i -= 1
        i = max(cuts[-1] + 1, min(i, n - (count - k)))
        cuts.append(i)
    cuts.append(n)
    return cuts


def chapters(
    groups: list[range],
    paragraphs: list[list[Item]],
    body: list[str],
    intro: list[Segment],
    outro: list[Segment],
    names: Sequence[str],
    given: Sequence[str] | None = None,
) -> list[Chapter]:
    titles = provisional_titles([" ".join(body[i] for i in group) for group in groups], names)
    if given is not None:
        titles = [g or t for g, t in zip(given, titles, strict=True)]
    result = []
    for number, (group, title) in enumerate(zip(groups, titles, strict=True)):
        items: list[Item] = []
        if number == 0:
            items += intro
            items.append(Pause(ms=1000))
        for index in group:
            items += paragraphs[index]
        if number == len(groups) - 1:
            items.append(Pause(ms=1000))
            items += outro
        result.append(Chapter(title=title, items=tuple(items)))
    return result


def provisional_titles(texts: Sequence[str], names: Sequence[str]) -> list[str]:
    """Name each chapter by the terms that set it apart from the others (tf-idf)."""
    skip = {token.lower() for name in names for token in name.split()}
    counts = []
    for text in texts:
        counter: Counter[str] = Counter()
        for phrase in _NAME_PHRASE.findall(text):
            phrase = _POSSESSIVE.sub("", phrase)
            if phrase.lower() not in skip and phrase not in NOT_NAME_WORDS:
                counter[phrase] += 2
        for word in WORD.findall(text):
            lowered = _POSSESSIVE.sub("", word.lower())
            if len(lowered) >= 5 and lowered not in STOPWORDS and lowered not in skip and word.islower():
                counter[lowered] += 1
        counts.append(counter)
    documents = Counter(term for counter in counts for term in counter)
    titles = []
    used: set[str] = set()
    for number, counter in enumerate(counts, start=1):
        ranked = sorted(
            counter,
            key=lambda term: (-counter[term] * math.log((1 + len(counts)) / documents[term]), term),
        )
        chosen = [term for term in ranked if term.lower() not in used][:2]
        used.update(term.lower() for term in chosen)
        if not chosen:
            titles.append(f"Part {number}")
            continue
        title = " and ".join(chosen)
        titles.append(title[0].upper() + title[1:])
    return titles
