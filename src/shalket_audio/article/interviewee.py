"""Who the article is about: the interviewee's full name, and the pronoun the article uses for her.

The interviewee is the person named most in the standfirst and body (with extra weight for the
standfirst, for being the subject of speech verbs, for "I spoke to …" and for Q&A labels).  A news
report that quotes several people about as much has no main person; the choice is then a guess, and
the people quoted as much are returned with it, for the review list.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ..errors import InputError
from .header import ArticleHeader
from .speakers import is_speaker_noun
from .text import FULL_NAME, NOT_NAME_WORDS, PLACE_WORDS, SENTENCE_END, TITLE_PRONOUN, TITLE_WORDS, VERBS

_ADVERB = r"(?:\s+\w+ly)?(?:\s+(?:also|then|later|once|simply|quietly))?"
_SPEECH = re.compile(rf"\b([\w-]+){_ADVERB}\s+(?:{VERBS})\b")
#: "“…,” said Connie Spears": the speaker after the verb.
_SPEECH_AFTER = re.compile(r"[,?!…][”\"’']\s+(?:said|says|asked|asks|added|adds|explained|explains)\s+([A-Z][\w-]+)")
_SPOKE_TO = re.compile(r"(?:spoke|talked|chatted) (?:to|with)[^.]*|interview(?:ed)?[^.]*")
_TOKEN = re.compile(r"\w+(?:-\w+)*")
_PRONOUN_WORDS = {"she": "she", "her": "she", "hers": "she", "he": "he", "his": "he", "him": "he"}
_PRONOUN_WORDS |= {"they": "they", "them": "they", "their": "they"}
_ACRONYM_AFTER = re.compile(r"\s+[A-Z]{2,}\b(?![’'])")


def guest_pronoun(body: list[str], guest_name: str) -> str:
    """The pronoun the article uses for the interviewee, read from the sentences that name her.

    The pronoun right after her name counts most ("Ursula Freeman, 79, says she …"), and most of all
    after her full name; any other pronoun in those sentences may be her husband's or the couple's
    ("… told he had died", "their son"), so it counts little, and 'they' only when nothing else does.
    """
    names = {t.lower() for t in guest_name.split()}
    full = [t.lower() for t in guest_name.split()]
    counts: Counter[str] = Counter()
    for paragraph in body:
        sentences = SENTENCE_END.split(paragraph)
        for index, sentence in enumerate(sentences):
            words = [w.lower() for w in _TOKEN.findall(sentence)]
            if not names & set(words):
                continue
            following = [w.lower() for w in _TOKEN.findall(sentences[index + 1])] if index + 1 < len(sentences) else []
            after = words + following
            named = max(k for k, w in enumerate(words) if w in names)
            first = next((_PRONOUN_WORDS[w] for w in after[named + 1 :] if _PRONOUN_WORDS.get(w, "they") != "they"), "")
            if first:
                whole = len(full) > 1 and any(words[k : k + len(full)] == full for k in range(len(words)))
                counts[first] += 30 if whole else 5
            for w in after:
                if w in _PRONOUN_WORDS:
                    counts[_PRONOUN_WORDS[w]] += 1 if _PRONOUN_WORDS[w] != "they" else 0
            if not counts and any(w in _PRONOUN_WORDS for w in after):
                counts["they"] += 1
    counts = +counts
    if not counts:
        return ""
    (best, n), *rest = [*counts.most_common(2), ("", 0)]
    return best if n > rest[0][1] else ""


def find_interviewee(
    header: ArticleHeader, body: list[str], given: str | None, host: str, path: Path | None, hints: list[str]
) -> tuple[str, tuple[str, ...]]:
    """The interviewee's full name, and the people quoted about as much (none when one person stands out).

    One pass over the text for each kind of evidence, so it is linear.  A news report that quotes
    several people once each has no main person: the choice is then a guess, and the rivals are named
    so that the review list can say so.
    """
    text = " ".join([header.standfirst, *body])
    candidates = Counter[str]()
    lowercase_words = set(re.findall(r"\b[a-z][a-z-]+\b", text))
    for match in FULL_NAME.finditer(text):
        tokens = match.group(1).split()
        # "Activist Zhanar Sekerbeyeva", "President Kassym-Jomart Tokayev": a title or a common noun
        # capitalised at the start of a sentence is not part of the name.
        while tokens and (
            tokens[0] in NOT_NAME_WORDS
            or tokens[0] in TITLE_PRONOUN
            or tokens[0] in ("Dr", "Prof", "Mx", "MP")
            or (
                len(tokens) > 2
                and (tokens[0] in TITLE_WORDS or tokens[0].lower() in lowercase_words or is_speaker_noun(tokens[0]))
            )
        ):
            tokens = tokens[1:]
        while tokens and tokens[-1] in NOT_NAME_WORDS:
            tokens = tokens[:-1]
        if len(tokens) < 2 or any(t in PLACE_WORDS for t in tokens) or any(t.endswith(("’s", "'s")) for t in tokens):
            continue
        if _ACRONYM_AFTER.match(text, match.end()):
            continue  # "Women Mobilize NC", "Amnesty International UK": an organisation
        candidates[" ".join(tokens)] += 1
    host_tokens = set(host.split())
    if given:
        given = " ".join(given.split())
        if len(given.split()) > 1:
            return given, ()
        full = [c for c in candidates if given in c.split()]
        return (max(full, key=lambda c: candidates[c]) if full else given), ()

    tokens = Counter(_TOKEN.findall(text))
    words = Counter(re.findall(r"\w+", text))
    speech = Counter(m.group(1) for m in _SPEECH.finditer(text))
    speech.update(m.group(1) for m in _SPEECH_AFTER.finditer(text))
    spoken_to = {t for m in _SPOKE_TO.finditer(text) for t in _TOKEN.findall(m.group(0))}
    hinted = {t.lower() for label in hints for t in label.split()}
    # with several guests, the transcript's first answer is the interviewee's
    first_hint = {t.lower() for t in hints[0].split()} if len(hints) >= 3 else set()
    # "the Red Lion" is a place; "Ms Evans" is a person
    after_the = Counter(re.findall(r"\b[Tt]he\s+([A-Z][\w-]*)", text))
    titled = Counter(re.findall(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+([A-Z][\w-]*)", text))

    def count(token: str) -> int:
        return tokens[token] if "-" in token else words[token]

    def score(name: str) -> float:
        first, last = name.split()[0], name.split()[-1]
        mentions = count(first) + (count(last) if last != first else 0)
        speaking = speech[first] + (speech[last] if last != first else 0)
        in_standfirst = name in header.standfirst
        spoke_to = all(t in spoken_to for t in name.split())
        lowered = {t.lower() for t in name.split()}
        labelled = bool(hinted & lowered) + bool(first_hint & lowered)
        return mentions + 3 * speaking + 3 * titled[last] + 5 * in_standfirst + 5 * spoke_to + 10 * labelled

    # tabloid style names her by first name only ("Helen said", "Helen explained"): a one-word name that
    # is the subject of speech verbs more often than any full name's words is a candidate too
    known = {t for c in candidates for t in c.split()}
    for token, n in speech.items():
        named = token[:1].isupper() and token not in known and not is_speaker_noun(token)
        if n >= 2 and named and not {token} & (NOT_NAME_WORDS | TITLE_WORDS | PLACE_WORDS):
            candidates[token] += n
    people = [c for c in candidates if not host_tokens & set(c.split())]
    people = [c for c in people if 2 * after_the[c.split()[0]] < max(1, count(c.split()[0]))] or people
    if not people:
        # a page named after its interviewee ("Mollie Gleiberman | United States") names her only there
        titled_name = FULL_NAME.search(header.title)
        if titled_name and not PLACE_WORDS.intersection(titled_name.group(1).split()):
            return titled_name.group(1), ()
        raise InputError(
            f"{path or 'the article'}: cannot tell who is interviewed (no full name found)",
            fix="pass --interviewee 'Full Name'",
        )
    best = max(people, key=score)
    # "Baggott Anderson said" is counted apart from "Hannah Baggott Anderson": the full name is hers
    best = max((c for c in people if c.endswith(" " + best)), key=score, default=best)
    top, own = score(best), set(best.split())
    rivals = [
        c for c in people if not own & set(c.split()) and 3 * score(c) >= 2 * top and any(speech[t] for t in c.split())
    ]
    # two people quoted alike is a story about one of them and the other; three or more is a report
    return best, tuple(sorted(rivals, key=score, reverse=True)[:3]) if len(rivals) >= 2 else ()
