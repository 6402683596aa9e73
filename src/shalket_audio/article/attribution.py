"""Who says each quote.

For each quoted span the rules look, in order, for:

1. a term, title or slogan cue before it (``chanted``, ``known as``, ``charged with``): the narrator;
2. an attribution: before it in the same sentence, ending in a comma or colon (``she said,``,
   ``In a statement, the ministry said:``, ``According to police,``), or right after it when the quote
   ends open (``…,” said Dr Amir Patel``, ``…,” a council spokeswoman said``, ``…,” according to a
   statement``), or before a partial quote (``She calls it “…”``, ``She said she felt “…”``);
3. a colon after a sentence whose subject is a person (``Amina is clear about the future: “…”``), or an
   attribution closing the quote's sentence (``… to “make good choices,” when …, Haraldson said.``);
4. a title or name in capitals inside a sentence (``"Seize the Night," topped …``): the narrator;
5. otherwise the quote is unattributed: a sentence-like quote goes to the person the paragraph is
   about (the latest speaker or sentence subject in it; at the start of a paragraph the interviewee,
   or the previous paragraph's last speaker); a short phrase goes to the person whose words the
   sentence reports (``Helen recalled … making his fans ‘smile’``), else it stays with the narrator.

Subjects resolve through the :class:`Cast`: ``I``/``we`` are the narrator, names and descriptions
are people and bodies, ``the grandmother`` is the latest woman named, pronouns go to the latest
entity that fits.  Every guess a producer should check gets a note: a pronoun or a description that
two people fit, an unattributed quote with another person nearby, a short phrase given to someone,
a quote in the article's other marks, and any quote of the interviewee or her rivals when no one
person stands out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cues import (
    ACCORDING_AFTER,
    ACCORDING_BEFORE,
    AFTER,
    BEFORE,
    DESCRIBED_SUBJECT,
    FIRST_PERSON,
    INTRO,
    OWNED,
    OWNER,
    PARTIAL_TAIL,
    PERSON_WORD,
    PRONOUN_SUBJECT,
    RELATIVE,
    REPORTING,
    SAME_SENTENCE,
    SENTENCE_FINAL,
    SENTENCE_SUBJECT,
    SHORT_SENTENCE,
    SPEECH_NEARBY,
)
from .quotes import QuoteStyle, Span, marks_of, strip_marks
from .speakers import Cast, Entity, is_document, is_speaker_noun
from .terms import TERM_CUE, is_title
from .text import FULL_NAME, NOT_NAME_WORDS, PLACE_WORDS, SENTENCE_END, count_words_of

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
        self.sentence = ""  # the quote's sentence up to the quote, across earlier quotes in it
        self.minority = False  # the quote is in the marks of the article's other style
        self.alone = False  # the quote is its paragraph: a pull-quote or crosshead, which is speech
        self.said: list[tuple[str, Entity]] = []  # the latest quotes and their speakers, for echoed phrases

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
            self.cast.paragraph = pi
            end_pi, end = span.end
            following = spans[k + 1].start if k + 1 < len(spans) else (len(self.body), 0)
            stop = following[1] if following[0] == end_pi else len(self.body[end_pi])
            gap = self.body[pi][max(offset, start - _WINDOW) : start]
            before = self._sentence_before(gap)
            self.continues = offset > 0 and last[0] == pi and before == gap and bool(SAME_SENTENCE.fullmatch(gap))
            after = self.body[end_pi][end : min(stop, end + _WINDOW)]
            inner = " ".join(strip_marks(self.body[p][s:e], marks_of(span, self.style)) for p, s, e in span.parts)
            self.around_speech = bool(SPEECH_NEARBY.search(before) or SPEECH_NEARBY.match(after))
            self.sentence = self._sentence_before(self.body[pi][max(0, start - _WINDOW) : start])
            self.minority = span.minority
            self.alone = len(span.parts) == 1 and not self.body[pi][:start].strip() and not after.strip()
            decision = self._checked(self._decide(before, inner, after))
            if decision.speaker is not None:
                self.cast.touch(decision.speaker)
                if decision.speaker.kind != "host":
                    decision.speaker.quotes += 1
                    self.focus = self.last_speaker = decision.speaker
                    self.said = [*self.said[-15:], (inner.lower(), decision.speaker)]
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
        self.cast.paragraph = pi
        text = self.body[pi][start:stop]
        starts = [0] if start == 0 or text.lstrip()[:1].isupper() else []
        starts += [m.end() for m in SENTENCE_END.finditer(text)]
        for position in starts:
            entity: Entity | None
            intro = INTRO.match(text, position)
            position = intro.end() if intro else position
            described = self._described_subject(text, position)
            if described is not None:
                if described.kind == "person" or described.quotes:
                    self.cast.touch(described)
                    self.focus = described
                elif described.pronoun == "they":
                    self.cast.touch(described)  # "the parents announced": a group 'they' may refer to
                continue
            match = SENTENCE_SUBJECT.match(text, position)
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
        match = DESCRIBED_SUBJECT.match(text, position)
        if not match:
            return None
        adj, noun = match.group("adj"), match.group("noun")
        if is_speaker_noun(noun):
            phrase = f"{adj} {noun}" if adj else noun
        elif adj and is_speaker_noun(adj):
            phrase = adj  # "The spokesman added …"
        else:
            return None
        display = match.group("name") or ""
        if match.group("owner"):
            phrase = f"{match.group('owner')}’s {phrase.split()[-1]}"  # the wife, not Nowak
        elif match.group("det").lower() in ("her", "his", "their"):
            phrase = f"{match.group('det').lower()} {phrase}"
        elif match.group("det").lower() == "the" and not display:
            known = self.cast.described(phrase, create=False)
            if known is not None:
                return known
            entity, _ = self.cast.anaphor(phrase.split()[-1])
            if entity is not None:
                return entity  # "The estranged wife of Sir Paul McCartney …": the woman the story is about
        return self.cast.described(phrase, display=display)

    @staticmethod
    def _sentence_before(text: str) -> str:
        breaks = list(SENTENCE_END.finditer(text))
        return text[breaks[-1].end() :] if breaks else text

    # -- one quote

    def _decide(self, before: str, inner: str, after: str) -> Decision:
        if TERM_CUE.search(before):
            return Decision(None, "term (introduced as a name, title or slogan)")
        ends_open = bool(re.search(r"[,?!…—–-]$", inner)) or bool(re.match(r"\s*[,;]|\s+[a-z]", after))
        match = BEFORE.search(before)
        while match and (nearer := BEFORE.search(match.group("tail"))) and count_words_of(nearer.group("tail")) <= 3:
            match = nearer  # "When Schofield asked if …, Helen explained:": the attribution right before the quote
        if match and (re.search(r"[,:—–]\s*$", before) or not match.group("tail").strip()):
            # "she said, “…”", and "The Jordan family, meanwhile, says “…”": the verb right before the quote
            subject = _owner_of(match.group("subj"), match["of"])
            return self._subject(subject, f"attribution before: {match.group(0).strip()}", match["appos"])
        according = ACCORDING_BEFORE.search(before)
        if according:
            return self._source(according.group("np"), f"according to {according.group('np')}")
        if ends_open:
            following = AFTER.match(after)
            if following:
                subject = following.group("subj") or following.group("subj2")
                subject = _owner_of(subject, following["of"])
                reason = f"attribution after: {following.group(0).strip(' ,')}"
                return self._subject(subject, reason, following["appos"])
            according = ACCORDING_AFTER.match(after)
            if according:
                return self._source(according.group("np"), f"according to {according.group('np')}")
        if is_title(inner, self.sentence, after):
            return Decision(None, "title or name (capitalised words inside a sentence)")
        if match and PARTIAL_TAIL.fullmatch(match.group("tail")):
            return self._subject(match.group("subj"), f"attribution before a partial quote: {match.group(0).strip()}")
        if self.continues and self.last_speaker is not None:
            return Decision(self.last_speaker, "a second quote in the same sentence")
        if before.rstrip().endswith(":"):
            colon = SENTENCE_SUBJECT.match(before)
            if colon:
                decision = self._subject(colon.group("np"), f"colon after a sentence about {colon.group('np')}")
                if decision.speaker is not None:
                    return decision
        final = SENTENCE_FINAL.match(after) if ends_open or not re.match(r"\s*[.!?]", after) else None
        if final:
            subject = final.group("subj") or final.group("subj2")
            reason = f"attribution at the end of the sentence: {final.group(0).strip()}"
            return self._subject(subject, reason, final["appos"])
        return self._unattributed(inner)

    def _checked(self, decision: Decision) -> Decision:
        """The notes every rule shares: a quote of the interviewee or a rival when no one person stands out,
        and a quote in the article's other marks (a title, a pull-quote or a word) that no cue settled."""
        speaker = decision.speaker
        if not decision.note and speaker is not None and self.cast.contested(speaker):
            note = (
                f"no one person stands out: {self.cast.guest.name} is taken as the interviewee, "
                f"{', '.join(self.cast.rivals)} quoted about as much; check whose voice this is"
            )
            return Decision(speaker, decision.reason, note)
        if not self.minority or decision.note or decision.reason.startswith(_SURE):
            return decision
        who = "the narrator" if decision.speaker is None or decision.speaker.kind == "host" else decision.speaker.name
        other = "single" if self.style.name == "double" else "double"
        return Decision(
            decision.speaker,
            decision.reason,
            f"quote in {other} marks in a {self.style.name}-quote article; read by {who}",
        )

    def _unattributed(self, inner: str) -> Decision:
        words = count_words_of(inner)
        sentence_like = (words >= 3 and bool(re.search(r"[.!?…,;]", inner) or FIRST_PERSON.search(inner))) or words >= 8
        # "Nobody comes." right after someone spoke in this paragraph: a short sentence of theirs
        sentence_like = sentence_like or (self.last_speaker is not None and bool(SHORT_SENTENCE.fullmatch(inner)))
        sentence_like = sentence_like or (self.alone and words >= 2)
        if not sentence_like or (self.sentence.strip() and inner[:1].islower()):
            # a short phrase, or a long one that goes on the narrator's sentence ("… thanks the public
            # for its “selflessness expressed through …”"): the sentence says whose words they are
            decision = self._phrase(inner, words)
            if not sentence_like or decision.speaker is not None:
                return decision
        if self.focus is not None:
            reason = f"unattributed speech in a paragraph about {self.focus.name}"
            rivals = [e for e in self.cast.nearby(self.focus) if e.kind != "body"]
            if self.focus is self.last_speaker or not rivals:
                return Decision(self.focus, reason)
            names = ", ".join(e.name for e in rivals[:2])
            return Decision(self.focus, reason, f"unattributed quote given to {self.focus.name}; could be {names}")
        if self.carried is not None and self.carried is not self.cast.guest:
            who = self.carried
            return Decision(
                who,
                "unattributed speech continuing the previous paragraph",
                f"unattributed {words}-word quote opening a paragraph; continues {who.name} from the paragraph before",
            )
        reason = "unattributed speech at the start of a paragraph"
        rivals = [e for e in self.cast.nearby(self.cast.guest) if e.kind != "body" or e.quotes]
        # in a report that quotes others, a paragraph of speech with no attribution may be any of them
        rivals = rivals or [e for e in self.cast.others if e.quotes][-2:]
        if rivals:
            names = ", ".join(e.name for e in rivals[:2])
            note = f"unattributed quote opening a paragraph; given to {self.cast.guest.name}; could be {names}"
            return Decision(self.cast.guest, reason, note)
        return Decision(self.cast.guest, reason)

    def _phrase(self, inner: str, words: int) -> Decision:
        """A short quoted phrase: the words of the person whose speech the sentence reports, else the narrator's."""
        match = BEFORE.search(self.sentence)
        while match and (nearer := BEFORE.search(match.group("tail"))):
            match = nearer
        if match and match.group("subj").lower() not in ("i", "we"):
            decision = self._subject(
                match.group("subj"), f"a phrase in a sentence about what {match.group('subj')} said"
            )
            if decision.speaker is not None and decision.speaker.kind != "host":
                note = decision.note or f"{words}-word phrase in a sentence about what {decision.speaker.name} said"
                return Decision(decision.speaker, decision.reason, f"{note}; given to {decision.speaker.name}")
        speaker = self._reporter() if REPORTING.search(self.sentence) else None
        if speaker is not None:
            note = f"{words}-word phrase in a sentence about what {speaker.name} said; given to {speaker.name}"
            return Decision(speaker, f"a phrase in a sentence about {speaker.name}", note)
        phrase = inner.lower().strip(" ,.;:!?")
        echoed = next((who for text, who in reversed(self.said) if len(phrase) > 3 and phrase in text), None)
        if echoed is not None:
            # "the “earth shattering” news" after her 'Earth shattering news': her words again
            note = f"{words}-word phrase echoing an earlier quote of {echoed.name}; given to {echoed.name}"
            return Decision(echoed, f"a phrase echoing {echoed.name}", note)
        note = f"unattributed {words}-word quote; given to the narrator" if words >= 4 else ""
        if not note and self.around_speech:
            note = f"{words}-word quoted phrase in a sentence about what someone said; given to the narrator"
        if not note and (PERSON_WORD.search(self.sentence) or self._described_subject(self.sentence, 0)):
            note = (
                f"{words}-word quoted phrase in a sentence about someone; could be their words; given to the narrator"
            )
        return Decision(None, "term (short quoted phrase)", note)

    def _reporter(self) -> Entity | None:
        """The speaker the quote's sentence opens with ("The hospital extended …, saying …"), if any."""
        described = self._described_subject(self.sentence, 0)
        if described is not None:
            return described if described.kind != "host" else None
        match = SENTENCE_SUBJECT.match(self.sentence)
        if not match:
            return None
        decision = self._subject(match.group("np"), "")
        known = decision.speaker
        return known if known is not None and known.kind != "host" and (known.quotes or known.kind != "body") else None

    def _subject(self, subject: str, reason: str, appositive: str | None = None) -> Decision:
        if appositive and FULL_NAME.fullmatch(appositive.strip()) and not PRONOUN_SUBJECT.fullmatch(subject):
            subject = appositive.strip()  # "Fergie’s mother, Terri Jackson, told": the name
        subject = RELATIVE.sub("", subject)  # "a second nurse who told": the nurse
        lowered = subject.lower()
        if lowered in ("i", "we"):
            return Decision(self.cast.host, reason + " (the interviewer)")
        if lowered in ("she", "he", "they", "it"):
            entity, note = self.cast.resolve_pronoun(lowered, self.last_speaker)
            return Decision(entity, reason, note)
        words = _name_tokens(subject)
        note = ""
        if words and not words[0][:1].isupper() and words[-1][:1].isupper():
            # "her rep Max Clifford", "the singer Adele": the description's name
            while words and not words[0][:1].isupper():
                words = words[1:]
            subject = " ".join(words)
        owned = any(w.endswith(("’s", "'s")) for w in words)
        if len(words) > 1 and words[-1].islower() and is_speaker_noun(words[-1]) and not owned:
            words = []  # "The Ryan family statement": a statement, by its description
        if words and words[0][:1].isupper() and not OWNED.match(subject):
            entity = self.cast.mention(" ".join(words), create=True)
        else:
            entity = self.cast.described(subject, create=False)
            if entity is None and lowered.startswith("the "):
                entity, note = self.cast.anaphor(subject.split()[-1])  # "the grandmother insisted"
            if entity is None:
                entity = self.cast.described(subject)
        if entity is None:
            return Decision(
                None, reason, f"attribution to '{subject}' names no speaker the rules know; given to the narrator"
            )
        return Decision(entity, reason, note)

    def _source(self, phrase: str, reason: str) -> Decision:
        """``according to a statement from the ministry``: the ministry; ``according to police``: police."""
        owner = OWNER.search(phrase)
        if owner:
            return self._subject(owner.group("owner"), reason)
        return self._subject(phrase, reason)


#: Reasons that rest on an explicit attribution or cue next to the quote.
_SURE = ("attribution before", "attribution after", "according to", "term (introduced", "a second quote", "title")


def _owner_of(subject: str, owner: str | None) -> str:
    """``the statement from the Ryan family`` is the family's words; ``a spokesman for the ministry`` is his."""
    return owner if owner and is_document(subject.split()[-1]) else subject


def _name_tokens(phrase: str) -> list[str]:
    tokens = phrase.split()
    while tokens and (
        tokens[0] in NOT_NAME_WORDS or tokens[0].lower() in ("the", "a", "an", "his", "her", "their", "one")
    ):
        tokens = tokens[1:]
    return tokens
