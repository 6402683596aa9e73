"""The patterns that find who speaks around a quote: subjects, speech verbs, asides, partial quotes.

Kept apart from :mod:`.attribution`, which applies them in order.  Each pattern reads a bounded window
of text around one quote, so the work per quote stays constant.
"""

from __future__ import annotations

import re

from .text import VERBS

_SUBJECT = (
    r"(?P<subj>\b(?:she|he|they|it|I|we)\b"
    r"|\b[A-Z][\w.-]+[’']s\s+(?:[a-z][\w-]+\s+)?[a-z][\w-]+"  # "Fergie’s mother", "the council’s spokesman"
    r"|\b(?:[Tt]he|[Aa]n?|[Hh]is|[Hh]er|[Tt]heir|[Oo]ne|[Aa]nother)\s+(?:[\w’'-]+\s+){0,2}?[\w’'-]+"
    r"|\b(?:police|officials|authorities|witnesses|residents|sources|protesters|organisers|campaigners|critics)\b"
    r"|\b[A-Z][\w’'.-]+(?:\s+[A-Z][\w’'-]+){0,2})"
)
_SUBJECT_AFTER = (
    r"(?P<subj2>(?:[Tt]he|[Aa]n?|[Hh]is|[Hh]er|[Tt]heir|[Oo]ne|[Aa]nother)\s+(?:[\w’'-]+\s+){0,2}?[\w’'-]+"
    r"|[A-Z][\w’'.-]+(?:\s+[A-Z][\w’'-]+){0,2}|she|he|they|it|I|we)\b"
)
#: "a spokesman from St. James Palace said", "a spokeswoman for the ministry said": whose speaker.
_OF = (
    r"(?:\s+(?:from|for|at|of)\s+(?P<of>(?:the\s+)?(?:[A-Z][\w.’'-]*\s+){0,3}[A-Z][\w.’'-]*(?:\s+family)?"
    r"|the\s+[a-z][\w-]+)"
    r"|\s+close\s+to\s+(?:the\s+|her\s+|his\s+)?[\w’'-]+)?"  # "a source close to the star says"
)
#: "Bekov, 54, said", "Patel, a hydrologist at the university, said": an aside between name and verb.
_APPOSITIVE = r"(?:,\s(?P<appos>[^,“”\"‘’«».!?]{1,60}),)?"
#: "“…,” told Radar" is not English: after a quote, "told" is followed by its listener, not its speaker.
_INVERTED = rf"(?!told\b|tells\b)(?P<verb2>{VERBS})"
_ADVERB = (
    r"(?:\s+\w+ly)?(?:\s+(?:also|then|later|once|simply|quietly|even|still|just|again|now|first|further|has|had|have"
    r"|will|would))?"
)
BEFORE = re.compile(rf"{_SUBJECT}{_OF}{_APPOSITIVE}{_ADVERB}\s+(?P<verb>{VERBS})\b(?P<tail>[^.!?]*)$")
AFTER = re.compile(
    rf"\s*[,;:—–-]?\s*(?:{_SUBJECT}{_OF}{_APPOSITIVE}{_ADVERB}\s+(?P<verb>{VERBS})\b|{_INVERTED}\s+{_SUBJECT_AFTER})"
)
ACCORDING_BEFORE = re.compile(r"\b[Aa]ccording to (?P<np>[^,.;:!?“”\"]{1,80}?)\s*,\s*$")
ACCORDING_AFTER = re.compile(r"\s*[,;—–-]?\s*according to (?P<np>[^,.;:!?“”\"]{1,80})")
OWNER = re.compile(r"\b(?:from|by|of|issued by|released by)\s+(?P<owner>.+)$")
#: What may stand between a speech verb and a partial quote: ``said that it``, ``added that the budget was``.
PARTIAL_TAIL = re.compile(
    r"(?:\s+in a statement)?(?:\s+(?:it|him|her|them|this|the\s+\w+|his\s+\w+|her\s+\w+|their\s+\w+)(?=\s+as\b))?"
    r"(?:\s+(?:that|as|how)\b[^“”\"‘’«»:;]{0,120}"
    r"|(?:\s+that)?\s+(?:there|it|they|he|she|we|I|this|these|those|the\s+[\w-]+|(?:his|her|their|its|our|my)\s+[\w-]+"
    r"|[A-Z][\w’'-]+)"  # "Max Clifford says Mezhgan (36) and Simon (50) are “…”"
    r"(?:\s+[\w(][\w’'()-]*\b[^“”\"‘’«»:;.!?]{0,80}|[’']s|[’']re))?\s*"  # "said there’s “…”"
)
#: A second partial quote in the same sentence: ``… “under review” and that it had “engaged …”``.
SAME_SENTENCE = re.compile(r"\s*,?\s*(?:and|but|or|while|adding|, adding)\b[^.!?“”\"‘’«»]{0,80}")
SENTENCE_SUBJECT = re.compile(
    r"\s*[“”\"‘’'(]?\s*(?P<np>(?:She|He|They)\b|(?:[A-Z][\w’'.-]*\s+){0,3}[A-Z][\w’'-]*(?=[’']s\b|,|\s+[a-z]|:\s*(?:[“\"‘']|$)))"
)
SHORT_SENTENCE = re.compile(r"[A-Z].*[.!?…]")
#: A sentence that opens with a place, a time or a clause before its subject: "In Keswick, Lynne Jones …".
INTRO = re.compile(
    r"\s*(?:In|At|On|As|From|Across|Near|Outside|Inside|After|Before|Since|Meanwhile|Now|Today|Yesterday|Elsewhere"
    r"|Back|Like|Later|Earlier|Despite|During)\b[^,.;:!?“”\"]{0,60},\s+"
)
#: "…, Haraldson said.": an attribution that ends the sentence the quote sits in.
SENTENCE_FINAL = re.compile(
    rf"[^.!?“”\"]*,\s*(?:{_SUBJECT}{_OF}{_APPOSITIVE}{_ADVERB}\s+(?P<verb>{VERBS})|{_INVERTED}\s+{_SUBJECT_AFTER})"
    r"\b[^,!?“”\"]{0,40}?[.!?](?:\s|$)"
)
RELATIVE = re.compile(r"\s+(?:who|that|which)$")
PRONOUN_SUBJECT = re.compile(r"she|he|they|it|I|we", re.IGNORECASE)
OWNED = re.compile(r"[A-Z][\w.-]+[’']s\s")
#: Words that make a sentence report someone's words: "… extended their sympathies, saying “…”".  Not
#: "call": "Locals call the square “the cauldron”" names a place.
REPORTING = re.compile(rf"\b(?:{VERBS}|describ\w+|referr?\w*|saying|prais\w+|thank\w+)\b")
PERSON_WORD = re.compile(r"\b(?:she|he|they|She|He|They|her|his|their)\b")
#: A sentence about someone described: "Nowak's wife, Ewa, …", "Her neighbour, Seamus Flaherty, …",
#: "A local fisherman remembers …".
DESCRIBED_SUBJECT = re.compile(
    r"\s*(?:(?P<owner>[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?)[’']s|(?P<det>[Hh]er|[Hh]is|[Tt]heir|An?|an?|[Tt]he|One))"
    r"\s+(?:(?P<adj>[a-z]+)\s+)?(?P<noun>[a-z]+)\b"
    r"(?:,\s+(?P<name>[A-Z][\w-]+(?:\s+[A-Z][\w-]+){0,2}),)?"
)
FIRST_PERSON = re.compile(r"\b(?:I|I’m|I'm|me|my|we|we’re|we're|us|our)\b")
SPEECH_NEARBY = re.compile(rf"\b(?:{VERBS}|calling|describ\w+|refer\w*|call\w*)\b[^.!?]*$|\s*[^.!?]*\b(?:{VERBS})\b")
