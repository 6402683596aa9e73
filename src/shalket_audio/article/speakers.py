"""Who is who: the interviewee, the narrator, and the other people and bodies the article quotes.

The interviewee is found in :mod:`.interviewee`.  Everyone else who speaks is an :class:`Entity` in
the :class:`Cast`: a named person (``Dr Amir Patel``, later ``Patel``), a named body (``the Ministry
of Health``), or a described one (``a council spokeswoman``, ``police``, ``a statement``).
The cast remembers who was mentioned last, and which pronoun each takes, so that ``he added`` finds the
right speaker.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .text import INTERVIEWER_TAG, NOT_NAME_WORDS, PLACE_WORDS, TITLE_PRONOUN, TITLE_WORDS

#: Head nouns of a described speaker, and the pronoun each takes ("" when it could be anyone).
_SPEAKER_NOUNS: dict[str, str] = {
    **dict.fromkeys(
        "spokeswoman woman mother daughter wife sister girl businesswoman chairwoman landlady grandmother grandma "
        "mum mom aunt niece granddaughter actress girlfriend bride widow lady stepmother stepdaughter fiancee".split(),
        "she",
    ),
    **dict.fromkeys(
        "spokesman man father son husband brother boy businessman chairman landlord grandfather grandpa dad uncle "
        "nephew grandson actor boyfriend groom widower stepfather stepson fiance".split(),
        "he",
    ),
    **dict.fromkeys(
        "spokesperson official minister president mayor chief head judge lawyer doctor nurse survivor victim "
        "witness source relative colleague boss friend neighbour neighbor aide adviser advisor analyst expert "
        "researcher scientist spokesperson prosecutor governor senator representative officer commander "
        "diplomat member resident activist protester protestor organiser organizer student teacher worker "
        "owner manager director secretary chancellor coroner bystander local parent person".split(),
        "",
    ),
    **dict.fromkeys(
        "ministry government council department agency police company statement report study survey court "
        "committee commission authority union party army military hospital school university office "
        "embassy spokespeople firm organisation organization charity group campaign inquiry review letter "
        "memo document release website email e-mail notice ruling rules judgment verdict tweet post video "
        "crowd audience club venue".split(),
        "it",
    ),
    **dict.fromkeys(
        "officials authorities police residents witnesses sources protesters protestors organisers organizers "
        "campaigners activists critics experts analysts researchers scientists doctors neighbours neighbors "
        "relatives families locals workers students teachers parents prosecutors lawyers officers emcees "
        "hosts organizers friends mums moms mothers fathers women men couple pair trio duo family fans members".split(),
        "they",
    ),
}
#: What a body writes: quoted, it is that body's words.
_DOCUMENTS = frozenset(
    "statement email e-mail letter report ruling rules judgment verdict notice memo document release tweet post".split()
)
_PERSON_SUFFIX = re.compile(r"(?:er|or|ist|ian|ant|ent)$")
#: Common nouns with those endings that are not people ("their anger was met …").
_NOT_PEOPLE = frozenset(
    "anger water danger paper order number matter power winter summer cancer border center centre corner dinner "
    "finger flower hunger laughter murder other powder river shower silver tower weather wonder computer error "
    "floor door colour color honour honor labour labor favour favor terror mirror horror moment element event "
    "content extent movement argument treatment equipment environment development apartment investment payment "
    "experiment plant restaurant instant talent parliament accident incident percent present future violent "
    "banner poster trailer chapter letter answer offer silence cluster shelter theater theatre platter".split()
)
_OWNER_DETERMINER = re.compile(r"(?:his|her|their)\s+", re.IGNORECASE)
_DETERMINER = re.compile(r"^(?:the|a|an|one|another|his|her|their|its|our|my)\s+", re.IGNORECASE)


@dataclass(eq=False)
class Entity:
    tag: str
    name: str
    kind: str  # "host", "guest", "person" or "body"
    pronoun: str = ""  # she, he, they, it, or "" when not known yet
    quotes: int = 0
    aliases: set[str] = field(default_factory=set)
    seen: int = -1  # the paragraph it was last mentioned in
    described: bool = False  # known by a description ("a witness"), not by a name


class Cast:
    """The narrator, the interviewee and everyone else, with who was mentioned most recently."""

    def __init__(self, host_name: str, guest_name: str, guest_tag: str, guest_pronoun: str) -> None:
        self.host = Entity(INTERVIEWER_TAG, host_name, "host")
        self.guest = Entity(guest_tag, guest_name, "guest", guest_pronoun)
        self.others: list[Entity] = []
        self._alias: dict[str, Entity] = {}
        self._recent: list[Entity] = []
        self.paragraph = 0  # the paragraph being read, for what "nearby" means
        self.rivals: tuple[str, ...] = ()  # people quoted about as much as the interviewee: her choice is a guess
        for entity in (self.host, self.guest):
            for token in entity.name.split():
                if token not in TITLE_WORDS:
                    self._alias.setdefault(token.lower(), entity)
            self._alias[entity.name.lower()] = entity

    # -- recency

    def touch(self, entity: Entity) -> None:
        entity.seen = self.paragraph
        if self._recent and self._recent[0] is entity:
            return
        if entity in self._recent[:8]:
            self._recent.remove(entity)
        self._recent.insert(0, entity)
        del self._recent[8:]

    def contested(self, entity: Entity) -> bool:
        """Is this the interviewee, or a person quoted about as much, when no one person stands out?"""
        if not self.rivals or entity.kind not in ("guest", "person"):
            return False
        names = {t for rival in self.rivals for t in rival.split()}
        return entity is self.guest or bool(names & set(entity.name.split()))

    def nearby(self, exclude: Entity | None = None) -> list[Entity]:
        """The people (and bodies that spoke) seen in this paragraph or the one before, latest first."""
        return [
            e
            for e in self._recent
            if e is not exclude and e.kind != "host" and e.seen >= self.paragraph - 1 and (e.kind != "body" or e.quotes)
        ]

    def resolve_pronoun(self, pronoun: str, last_speaker: Entity | None) -> tuple[Entity | None, str]:
        """The entity a third-person pronoun refers to, and a note when that is a guess."""
        guest_pronoun = self.guest.pronoun
        if not guest_pronoun:  # the interviewee's pronoun is unknown: the latest speaker, else her
            for entity in self._recent:
                if entity.kind != "host":
                    return entity, ""
            return self.guest, ""
        if pronoun == guest_pronoun:
            return self._guest_pronoun(pronoun, last_speaker)
        for entity in self._recent:
            if entity.kind in ("host", "guest"):
                continue
            fits = entity.pronoun == pronoun or (pronoun == "they" and entity.pronoun == "it")
            # learnt: "Patel said … He added"; a person named by name is not learnt as 'they'
            learns = pronoun in ("he", "she") and entity.kind == "person"
            if not entity.pronoun and (learns or (pronoun == "they" and entity.described)):
                entity.pronoun = pronoun
                fits = True
            if fits:
                return entity, ""
        if pronoun in ("he", "she") and guest_pronoun == "they":
            # "they" was read from sentences about a mayor and "they", the residents: he is most likely the mayor
            return self.guest, f"'{pronoun}' fits no one else named; taken as {self.guest.name}"
        return None, f"'{pronoun}' refers to no one quoted nearby; given to the narrator"

    def _guest_pronoun(self, pronoun: str, last_speaker: Entity | None) -> tuple[Entity | None, str]:
        """'she' in an article about a woman: her, unless another person fits better, with a note when both fit."""
        rivals = [e for e in self.nearby(self.guest) if e.kind == "person" and e.pronoun in (pronoun, "")]
        for entity in self._recent:
            if entity is self.guest:
                if rivals and self.guest.seen >= self.paragraph - 1:
                    names = ", ".join(e.name for e in rivals[:2])
                    return entity, f"'{pronoun}' could also be {names}; taken as {self.guest.name}, named more recently"
                return entity, ""
            if entity.kind == "host" or entity.kind == "body":
                continue
            if entity.pronoun == pronoun:
                note = ""
                if self.guest.seen >= self.paragraph - 1:
                    note = f"'{pronoun}' could also be {self.guest.name}; taken as {entity.name}, named more recently"
                return entity, note
            if not entity.pronoun and entity is last_speaker:
                # news writing names the other speaker again, so the pronoun is most likely hers
                return (
                    self.guest,
                    f"'{pronoun}' right after {entity.name}, whose pronoun is unknown; taken as {self.guest.name}",
                )
            named = entity.kind == "person" and not entity.described and not entity.quotes
            if not entity.pronoun and named and entity.seen >= self.paragraph - 1:
                # "Sheilah Sutton … saw an invitation. “…,” she said.": the person just introduced
                entity.pronoun = pronoun
                return entity, f"'{pronoun}' taken as {entity.name}, named just before; could be {self.guest.name}"
        return self.guest, ""

    def anaphor(self, noun: str) -> tuple[Entity | None, str]:
        """``the grandmother``, ``the estranged wife``: a person already in the story, by the noun's gender.

        Only nouns that say she or he are read this way; ``the spokesman`` or ``the musician`` may be
        someone new, and stay descriptions.
        """
        gender = _SPEAKER_NOUNS.get(noun.lower(), "")
        if gender not in ("she", "he"):
            return None, ""
        for entity in self._recent:
            nearby = entity.kind in ("guest", "person") and entity.seen >= self.paragraph - 1
            if nearby and (entity.pronoun == gender or (not entity.pronoun and entity.kind == "person")):
                return entity, f"'the {noun}' taken as {entity.name}, the latest person it fits"
        if self.guest.pronoun == gender:
            return self.guest, f"'the {noun}' taken as {self.guest.name}, the interviewee"
        return None, ""

    # -- naming

    def mention(self, phrase: str, *, create: bool) -> Entity | None:
        """The entity a capitalised name refers to (``Patel``, ``Dr Amir Patel``, ``Zhanar``)."""
        tokens = [t for t in re.sub(r"[’']s$", "", phrase.strip()).split() if t]
        pronoun = ""
        while tokens and (tokens[0] in NOT_NAME_WORDS or tokens[0].rstrip(".") in TITLE_WORDS):
            pronoun = pronoun or TITLE_PRONOUN.get(tokens[0].rstrip("."), "")
            tokens = tokens[1:]
        if not tokens:
            return None
        titled = f"{pronoun} {tokens[-1].lower()}" if pronoun else ""  # "Mr Freeman" apart from Mrs Freeman
        if titled in self._alias:
            return self._alias[titled]
        for candidate in (" ".join(tokens), tokens[-1], tokens[0]):
            found = self._alias.get(candidate.lower())
            if found is not None and pronoun and found.pronoun in ("he", "she") and found.pronoun != pronoun:
                found = None  # the same surname with the other title: her husband, his wife
                break
            known = found.name.split() if found is not None else []
            if len(tokens) > 1 and len(known) > 1 and tokens[0] not in known and known[0] not in tokens:
                found = None  # "Julie Cowell" in a story about Simon Cowell: his mother
                break
            if found is not None:
                if found.kind == "person" and len(tokens) > len(found.name.split()):
                    found.name = " ".join(tokens)  # "Patel", then "Amir Patel"
                if pronoun and not found.pronoun:
                    found.pronoun = pronoun
                return found
        if not create:
            return None
        kind = "body" if any(t in PLACE_WORDS for t in tokens) else "person"
        name = " ".join(tokens)
        entity = self._new(
            name, _slug(tokens[-1] if kind == "person" else name), kind, pronoun or ("it" if kind == "body" else "")
        )
        if kind == "person":
            self._alias.setdefault(tokens[-1].lower(), entity)
            if titled:
                self._alias[titled] = entity
                entity.name = " ".join([phrase.split()[0], *tokens]) if len(tokens) == 1 else entity.name
        return entity

    def described(self, phrase: str, display: str = "", *, create: bool = True) -> Entity | None:
        """``a council spokeswoman``, ``the ministry``, ``police``: a speaker known by what it is."""
        words = _DETERMINER.sub("", phrase.strip()).split()
        if not words:
            return None
        head = words[-1].lower()
        if not is_speaker_noun(head):
            return None
        pronoun = _SPEAKER_NOUNS.get(head, "")
        key = " ".join(w.lower() for w in words)
        found = self._alias.get(key)
        if found is None and display:
            # "Fergie's mother, Terri Jackson, told": a description of someone already known by name
            found = self._alias.get(display.lower()) or self._alias.get(display.split()[-1].lower())
        if found is None and head in _DOCUMENTS:
            # "the email said", "the report found": the body that wrote it, when one has spoken
            found = next(
                (e for e in self._recent if e.kind == "body" and e.quotes and e.aliases.isdisjoint(_DOCUMENTS)), None
            )
        if found is None and len(words) == 1:
            # "the spokeswoman" after "a council spokeswoman": the latest speaker with that head noun
            found = next((e for e in self._recent if e.kind not in ("host", "guest") and e.aliases & {head}), None)
        if found is not None or not create:
            return found
        kind = "body" if pronoun in ("it", "they") else "person"
        owner = _OWNER_DETERMINER.match(phrase.strip())
        name = " ".join(words if owner is None else [owner.group(0).strip().lower(), *words])
        entity = self._new(name, _slug(display or name), kind, pronoun)
        entity.name = display or name[0].upper() + name[1:]
        entity.aliases.add(head)
        entity.described = True
        self._alias[key] = entity
        if display:
            self._alias.setdefault(display.lower(), entity)
            self._alias.setdefault(display.split()[0].lower(), entity)
            self._alias.setdefault(display.split()[-1].lower(), entity)
        return entity

    def _new(self, name: str, tag: str, kind: str, pronoun: str) -> Entity:
        taken = {self.host.tag, self.guest.tag} | {e.tag for e in self.others}
        base = tag if tag and tag[0].isalpha() else "quoted"
        tag, number = base, 2
        while tag in taken:
            tag, number = f"{base}-{number}", number + 1
        entity = Entity(tag, name, kind, pronoun)
        self.others.append(entity)
        self._alias.setdefault(name.lower(), entity)
        return entity


def is_document(word: str) -> bool:
    """Is this something a body writes (``statement``, ``email``, ``ruling``), whose words are the body's?"""
    return word.lower() in _DOCUMENTS


def is_speaker_noun(word: str) -> bool:
    """Can a speaker be known by this noun (``spokeswoman``, ``ministry``, ``wife``)?"""
    head = word.lower()
    return head in _SPEAKER_NOUNS or (len(head) > 4 and head not in _NOT_PEOPLE and bool(_PERSON_SUFFIX.search(head)))


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:40].strip("-")


def tag_for(name: str) -> str:
    first = unicodedata.normalize("NFKD", name.split()[0]).encode("ascii", "ignore").decode().lower()
    tag = re.sub(r"[^a-z0-9_-]", "", first)
    tag = tag if tag and tag[0].isalpha() else "guest"
    return "guest" if tag == INTERVIEWER_TAG else tag
