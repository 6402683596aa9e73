"""Who says each quote.

For each quoted span the rules look, in order, for:

1. a term, title or slogan cue before it (``chanted``, ``known as``, ``translates to``): the narrator;
2. an attribution: before it in the same sentence, ending in a comma or colon (``she said,``,
   ``In a statement, the ministry said:``, ``According to police,``), or right after it when the quote
   ends open (``…,” said Dr Amir Patel``, ``…,” a council spokeswoman said``, ``…,” according to a
   statement``), or before a partial quote (``She calls it “…”``, ``The council said that it “…”``);
3. a colon after a sentence whose subject is a person (``Amina is clear about the future: “…”``);
4. otherwise the quote is unattributed: a sentence-like quote goes to the person the paragraph is
   about (the latest speaker or sentence subject in it; at the start of a paragraph the interviewee,
   or the previous paragraph's last speaker); a short phrase stays with the narrator.

Subjects resolve through the :class:`Cast`: ``I``/``we`` are the narrator, names and descriptions
are people and bodies, pronouns go to the latest entity that fits (``he`` for others when the
interviewee is ``she``, and the reverse).  Every guess that a producer should check gets a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .quotes import QuoteStyle, Span, strip_marks
from .speakers import Cast, Entity, is_speaker_noun
from .text import NOT_NAME_WORDS, PLACE_WORDS, SENTENCE_END, VERBS, count_words_of

_SUBJECT = (
    r"(?P<subj>\b(?:she|he|they|it|I|we)\b"
    r"|\b(?:[Tt]he|[Aa]n?|[Hh]is|[Hh]er|[Tt]heir|[Oo]ne|[Aa]nother)\s+(?:[\w’'-]+\s+){0,2}?[\w’'-]+"
    r"|\b(?:police|officials|authorities|witnesses|residents|sources|protesters|organisers|campaigners|critics)\b"
    r"|\b[A-Z][\w’'.-]+(?:\s+[A-Z][\w’'-]+){0,2})"
)
_SUBJECT_AFTER = (
    r"(?P<subj2>(?:[Tt]he|[Aa]n?|[Hh]is|[Hh]er|[Tt]heir|[Oo]ne|[Aa]nother)\s+(?:[\w’'-]+\s+){0,2}?[\w’'-]+"
    r"|[A-Z][\w’'.-]+(?:\s+[A-Z][\w’'-]+){0,2}|she|he|they|it|I|we)\b"
)
#: "Bekov, 54, said", "Patel, a hydrologist at the university, said": an aside between name and verb.
_APPOSITIVE = r"(?:,\s[^,“”\"‘’«».!?]{1,60},)?"
_ADVERB = r"(?:\s+\w+ly)?(?:\s+(?:also|then|later|once|simply|quietly|has|had|have|will|would))?"
_BEFORE = re.compile(rf"{_SUBJECT}{_APPOSITIVE}{_ADVERB}\s+(?P<verb>{VERBS})\b(?P<tail>[^.!?]*)$")
_AFTER = re.compile(
    rf"\s*[,;:—–-]?\s*(?:{_SUBJECT}{_APPOSITIVE}{_ADVERB}\s+(?P<verb>{VERBS})\b|(?P<verb2>{VERBS})\s+{_SUBJECT_AFTER})"
)
_ACCORDING_BEFORE = re.compile(r"\b[Aa]ccording to (?P<np>[^,.;:!?“”\"]{1,80}?)\s*,\s*$")
_ACCORDING_AFTER = re.compile(r"\s*[,;—–-]?\s*according to (?P<np>[^,.;:!?“”\"]{1,80})")
_OWNER = re.compile(r"\b(?:from|by|of|issued by|released by)\s+(?P<owner>.+)$")
#: What may stand between a speech verb and a partial quote: ``said that it``, ``added that the budget was``.
_PARTIAL_TAIL = re.compile(
    r"(?:\s+in a statement)?(?:\s+(?:it|him|her|them|this|the\s+\w+|his\s+\w+|her\s+\w+|their\s+\w+)(?=\s+as\b))?"
    r"(?:\s+(?:that|as|how)\b[^“”\"‘’«»:;]{0,120}"
    r"|(?:\s+that)?\s+(?:it|they|he|she|we|this|the\s+[\w-]+)\s+(?:was|were|is|are|had|has|have|would|will|could|remained)\b"
    r"[^“”\"‘’«»:;.!?]{0,80})?\s*"
)
#: A second partial quote in the same sentence: ``… “under review” and that it had “engaged …”``.
_SAME_SENTENCE = re.compile(r"\s*,?\s*(?:and|but|or|while|adding|, adding)\b[^.!?“”\"‘’«»]{0,80}")
_TERM_CUE = re.compile(
    r"(?:called|named|dubbed|titled|entitled|known as|translates? (?:to|as)|translated as|means|meaning|"
    r"word|words|term|phrase|slogan|motto|headline|chant(?:ed|ing|s)?|banner|placard|sign|reading|reads|"
    r"label(?:l?ed)?|nicknamed|so-called|the name)\s*$",
    re.IGNORECASE,
)
_SENTENCE_SUBJECT = re.compile(
    r"\s*[“”\"‘’'(]?\s*(?P<np>(?:She|He|They)\b|(?:[A-Z][\w’'.-]*\s+){0,3}[A-Z][\w’'-]*(?=[’']s\b|,|\s+[a-z]|:\s*(?:[“\"‘']|$)))"
)
_SHORT_SENTENCE = re.compile(r"[A-Z].*[.!?…]")
#: A sentence about someone described: "Nowak's wife, Ewa, …", "Her neighbour, Seamus Flaherty, …",
#: "A local fisherman remembers …".
_DESCRIBED_SUBJECT = re.compile(
    r"\s*(?:(?P<owner>[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?)[’']s|(?P<det>Her|His|Their|A|An|The|One))"
    r"\s+(?:(?P<adj>[a-z]+)\s+)?(?P<noun>[a-z]+)\b"
    r"(?:,\s+(?P<name>[A-Z][\w-]+(?:\s+[A-Z][\w-]+){0,2}),)?"
)
_FIRST_PERSON = re.compile(r"\b(?:I|I’m|I'm|me|my|we|we’re|we're|us|our)\b")
_SPEECH_NEARBY = re.compile(rf"\b(?:{VERBS}|calling|describ\w+|refer\w*|call\w*)\b[^.!?]*$|\s*[^.!?]*\b(?:{VERBS})\b")
_WINDOW = 300  # characters of context read on either side of a quote; keeps the work per quote constant


@dataclass(frozen=True)
class Decision:
    speaker: Entity | None  # None: the narrator reads it
    reason: str
    note: str = ""  # why a producer should check it, when the rules were unsure


class Attributor:
    def __init__(self, body: list[str], style: QuoteStyle, cast: Cast, barriers: set[int]) -> None:
        self.body, self.style, self.cast, self.barriers = body, style, cast, barriers
        self.focus: Entity | None = None  # who the current paragraph is about
        self.last_speaker: Entity | None = None  # the previous quote's speaker in this paragraph
        self.carried: Entity | None = None  # the previous paragraph's closing speaker
        self.continues = False  # the quote goes on the previous quote's sentence ("… and that it had “…”")
        self.around_speech = False  # the quote's sentence has a speech verb ("calling him “a terrorist”")

    def run(self, spans: list[Span]) -> list[Decision]:
        decisions: list[Decision] = []
        para, offset = 0, 0
        last: tuple[int, Entity | None, int] = (-1, None, 0)  # paragraph, speaker, offset of the last quote's end
        for k, span in enumerate(spans):
            pi, start = span.start
            while para < pi:
                self._prose(para, offset, len(self.body[para]))
                tail_words = count_words_of(self.body[para][last[2] :]) if last[0] == para else 99
                self.carried = last[1] if last[0] == para and tail_words <= 12 else None
                self.focus = self.last_speaker = None
                para, offset = para + 1, 0
            self._prose(pi, offset, start)
            end_pi, end = span.end
            following = spans[k + 1].start if k + 1 < len(spans) else (len(self.body), 0)
            stop = following[1] if following[0] == end_pi else len(self.body[end_pi])
            gap = self.body[pi][max(offset, start - _WINDOW) : start]
            before = self._sentence_before(gap)
            self.continues = offset > 0 and last[0] == pi and before == gap and bool(_SAME_SENTENCE.fullmatch(gap))
            after = self.body[end_pi][end : min(stop, end + _WINDOW)]
            inner = " ".join(strip_marks(self.body[p][s:e], self.style.marks) for p, s, e in span.parts)
            self.around_speech = bool(_SPEECH_NEARBY.search(before) or _SPEECH_NEARBY.match(after))
            decision = self._decide(before, inner, after)
            if decision.speaker is not None:
                self.cast.touch(decision.speaker)
                if decision.speaker.kind != "host":
                    decision.speaker.quotes += 1
                    self.focus = self.last_speaker = decision.speaker
            decisions.append(decision)
            if end_pi != pi:
                self.focus = self.last_speaker = decision.speaker if decision.speaker is not None else None
            para, offset = end_pi, end
            last = (end_pi, decision.speaker, end)
        return decisions

    # -- the prose between quotes: who the sentences are about

    def _prose(self, pi: int, start: int, stop: int) -> None:
        if pi in self.barriers or stop <= start:
            return
        text = self.body[pi][start:stop]
        starts = [0] if start == 0 or text.lstrip()[:1].isupper() else []
        starts += [m.end() for m in SENTENCE_END.finditer(text)]
        for position in starts:
            entity: Entity | None
            described = self._described_subject(text, position)
            if described is not None:
                if described.kind == "person" or described.quotes:
                    self.cast.touch(described)
                    self.focus = described
                continue
            match = _SENTENCE_SUBJECT.match(text, position)
            if not match:
                continue
            phrase = match.group("np")
            if phrase in ("She", "He", "They"):
                entity, _ = self.cast.resolve_pronoun(phrase.lower(), self.last_speaker)
            else:
                # a new full name may start speaking; a place or an organisation only once it has spoken
                tokens = _name_tokens(phrase)
                entity = self.cast.mention(phrase, create=len(tokens) >= 2 and not PLACE_WORDS.intersection(tokens))
                if entity is not None and entity.kind == "body" and not entity.quotes:
                    entity = None
            if entity is not None and entity.kind != "host":
                self.cast.touch(entity)
                self.focus = entity

    def _described_subject(self, text: str, position: int) -> Entity | None:
        """The speaker a sentence opens with, when it is known by a description (not by a name)."""
        match = _DESCRIBED_SUBJECT.match(text, position)
        if not match:
            return None
        adj, noun = match.group("adj"), match.group("noun")
        if is_speaker_noun(noun):
            phrase = f"{adj} {noun}" if adj else noun
        elif adj and is_speaker_noun(adj):
            phrase = adj  # "The spokesman added …"
        else:
            return None
        if match.group("owner"):
            phrase = f"{match.group('owner')}’s {phrase.split()[-1]}"  # the wife, not Nowak
        elif match.group("det").lower() in ("her", "his", "their"):
            phrase = f"{match.group('det').lower()} {phrase}"
        return self.cast.described(phrase, display=match.group("name") or "")

    @staticmethod
    def _sentence_before(text: str) -> str:
        breaks = list(SENTENCE_END.finditer(text))
        return text[breaks[-1].end() :] if breaks else text

    # -- one quote

    def _decide(self, before: str, inner: str, after: str) -> Decision:
        if _TERM_CUE.search(before):
            return Decision(None, "term (introduced as a name, title or slogan)")
        ends_open = bool(re.search(r"[,?!…—–-]$", inner)) or bool(re.match(r"\s*[,;]|\s+[a-z]", after))
        match = _BEFORE.search(before)
        while match and (nearer := _BEFORE.search(match.group("tail"))) and count_words_of(nearer.group("tail")) <= 3:
            match = nearer  # "When Schofield asked if …, Helen explained:": the attribution right before the quote
        if match and re.search(r"[,:—–]\s*$", before):
            return self._subject(match.group("subj"), f"attribution before: {match.group(0).strip()}")
        according = _ACCORDING_BEFORE.search(before)
        if according:
            return self._source(according.group("np"), f"according to {according.group('np')}")
        if ends_open:
            following = _AFTER.match(after)
            if following:
                subject = following.group("subj") or following.group("subj2")
                return self._subject(subject, f"attribution after: {following.group(0).strip(' ,')}")
            according = _ACCORDING_AFTER.match(after)
            if according:
                return self._source(according.group("np"), f"according to {according.group('np')}")
        if match and _PARTIAL_TAIL.fullmatch(match.group("tail")):
            return self._subject(match.group("subj"), f"attribution before a partial quote: {match.group(0).strip()}")
        if self.continues and self.last_speaker is not None:
            return Decision(self.last_speaker, "a second quote in the same sentence")
        if before.rstrip().endswith(":"):
            subject = _SENTENCE_SUBJECT.match(before)
            if subject:
                decision = self._subject(subject.group("np"), f"colon after a sentence about {subject.group('np')}")
                if decision.speaker is not None:
                    return decision
        return self._unattributed(inner)

    def _unattributed(self, inner: str) -> Decision:
        words = count_words_of(inner)
        sentence_like = (
            words >= 3 and bool(re.search(r"[.!?…,;]", inner) or _FIRST_PERSON.search(inner))
        ) or words >= 8
        # "Nobody comes." right after someone spoke in this paragraph: a short sentence of theirs
        sentence_like = sentence_like or (self.last_speaker is not None and bool(_SHORT_SENTENCE.fullmatch(inner)))
        if not sentence_like:
            note = f"unattributed {words}-word quote; given to the narrator" if words >= 4 else ""
            if not note and self.around_speech:
                note = f"{words}-word quoted phrase in a sentence about what someone said; given to the narrator"
            return Decision(None, "term (short quoted phrase)", note)
        if self.focus is not None:
            return Decision(self.focus, f"unattributed speech in a paragraph about {self.focus.name}")
        if self.carried is not None and self.carried is not self.cast.guest:
            who = self.carried
            return Decision(
                who,
                "unattributed speech continuing the previous paragraph",
                f"unattributed {words}-word quote opening a paragraph; continues {who.name} from the paragraph before",
            )
        return Decision(self.cast.guest, "unattributed speech at the start of a paragraph")

    def _subject(self, subject: str, reason: str) -> Decision:
        lowered = subject.lower()
        if lowered in ("i", "we"):
            return Decision(self.cast.host, reason + " (the interviewer)")
        if lowered in ("she", "he", "they", "it"):
            entity, note = self.cast.resolve_pronoun(lowered, self.last_speaker)
            return Decision(entity, reason, note)
        words = _name_tokens(subject)
        if words and words[0][:1].isupper():
            entity = self.cast.mention(" ".join(words), create=True)
        else:
            entity = self.cast.described(subject)
        if entity is None:
            return Decision(
                None, reason, f"attribution to '{subject}' names no speaker the rules know; given to the narrator"
            )
        return Decision(entity, reason)

    def _source(self, phrase: str, reason: str) -> Decision:
        """``according to a statement from the ministry``: the ministry; ``according to police``: police."""
        owner = _OWNER.search(phrase)
        if owner:
            return self._subject(owner.group("owner"), reason)
        decision = self._subject(phrase, reason)
        return decision


def _name_tokens(phrase: str) -> list[str]:
    tokens = phrase.split()
    while tokens and (
        tokens[0] in NOT_NAME_WORDS or tokens[0].lower() in ("the", "a", "an", "his", "her", "their", "one")
    ):
        tokens = tokens[1:]
    return tokens
