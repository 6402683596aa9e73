"""Article text -> narration script.

The rules are about how interviews are written, not about one article.  Page boilerplate is dropped,
and the header (title, byline, standfirst) becomes metadata and a spoken intro (:mod:`.header`).  A
Q&A interview is read by its labels (:mod:`.qa`); prose is read by its quotes (:mod:`.quotes`), each
given to the interviewee, to another person or body the article quotes, or to the narrator
(:mod:`.attribution`, :mod:`.speakers`).  Nothing is dropped from the body: the narrator keeps every
word that is not someone else's, and the only characters removed are the quote marks around other
speakers' words and the Q&A labels.  Guesses become review notes (:mod:`.review`), and chapters are cut
at paragraph boundaries (:mod:`.chapters`).  Every step is linear in the article's length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..errors import InputError, ScriptError
from ..fileio import read_utf8
from ..script import Chapter, Episode, Item, Metadata, Segment, Speaker
from ..voices.defaults import DEFAULT_VOICES
from . import chapters as chaptering
from .attribution import Attributor, Decision
from .formats import read_source
from .header import ArticleHeader, paragraphs, split_header
from .interviewee import find_interviewee, guest_pronoun
from .qa import GUEST, HOST, Interview, Turn, find_interview, label_names
from .quotes import QuoteStyle, Span, marks_of, merge, quote_style, scan, scan_minority, strip_marks
from .review import PREFIX as REVIEW_PREFIX
from .review import review_notes
from .segments import prose_paragraph, shares_by_paragraph, turn_paragraph
from .speakers import Cast, Entity, tag_for
from .text import INTERVIEWER_TAG, count_words_of

__all__ = [
    "INTERVIEWER_TAG",
    "REVIEW_PREFIX",
    "TARGET_CHAPTER_SECONDS",
    "ArticleHeader",
    "Conversion",
    "Quote",
    "convert_article",
    "convert_file",
    "count_words_of",
    "review_notes",
]

TARGET_CHAPTER_SECONDS = chaptering.TARGET_CHAPTER_SECONDS
DEFAULT_NARRATOR = "Narrator"


@dataclass(frozen=True)
class Quote:
    """One quoted span of the body and who speaks it."""

    text: str  # without the outer quote marks
    speaker: str  # a speaker's tag; INTERVIEWER_TAG when the narrator reads it
    reason: str  # why, for producers and tests: "attribution after: she told", "term", ...
    paragraph: int
    note: str = ""  # why a producer should check it, when the rules were unsure


@dataclass(frozen=True)
class Conversion:
    episode: Episode
    header: ArticleHeader
    body: tuple[str, ...]  # the body paragraphs, whitespace-normalised, as in the article
    dropped: tuple[str, ...]  # boilerplate paragraphs removed
    quotes: tuple[Quote, ...]
    intro: tuple[Segment, ...]
    outro: tuple[Segment, ...]
    interviewee: str  # the interviewee's full name
    notices: tuple[str, ...] = ()  # one line each, for the user (for example: no byline)
    interview: bool = False  # read as a Q&A


def convert_file(
    path: Path,
    *,
    interviewer: str | None = None,
    interviewee: str | None = None,
    show: str | None = None,
    today: date | None = None,
) -> Conversion:
    text = read_utf8(path, what="article", missing_fix="check the path to the article file (text, Markdown or HTML)")
    return convert_article(text, path=path, interviewer=interviewer, interviewee=interviewee, show=show, today=today)


def convert_article(
    text: str,
    *,
    path: Path | None = None,
    interviewer: str | None = None,
    interviewee: str | None = None,
    show: str | None = None,
    today: date | None = None,
) -> Conversion:
    """Convert an article given as plain text, Markdown or a saved web page (told apart by content)."""
    source = read_source(text, path)
    header, body, dropped = _header_and_body(source.text, path)
    hinted = [i for i, paragraph in enumerate(body) if paragraph in source.headings]
    notices: list[str] = []
    host_name = " ".join((interviewer or header.author or "").split())
    if not host_name:
        host_name = DEFAULT_NARRATOR
        notices.append(
            f"{path or 'the article'}: no byline ('By …') names the interviewer; "
            f"the narrator is called '{DEFAULT_NARRATOR}' (pass --interviewer 'Full Name' to name them)"
        )
    guest_name, rivals = _interviewee(header, body, interviewee or header.subject or None, host_name, path)
    guest_tag = tag_for(guest_name)
    if rivals:
        notices.append(
            f"{path or 'the article'}: no one person stands out; {guest_name} is taken as the interviewee, "
            f"but {', '.join(rivals)} {'is' if len(rivals) == 1 else 'are'} quoted about as much "
            "(pass --interviewee 'Full Name' to choose)"
        )

    interview = find_interview(body, guest_name, host_name)
    if interview is None and header.told:
        interview = Interview({i: Turn(GUEST, 0, 0, "") for i in range(len(body))}, {}, {})
    barriers = set(interview.turns) if interview else set()
    style = quote_style([p for i, p in enumerate(body) if i not in barriers])
    spans = scan(body, style, barriers)
    spans = merge(spans, scan_minority(body, style, spans, barriers))
    cast = Cast(host_name, guest_name, guest_tag, guest_pronoun([header.standfirst, *body], guest_name))
    third: dict[str, Entity] = {}  # a Q&A label for a third speaker -> that speaker
    if interview:
        for label, role in interview.labels.items():
            if role not in (HOST, GUEST):
                entity = cast.mention(label, create=True)
                if entity is not None:
                    third[label] = entity
    cast.rivals = rivals
    decisions = Attributor(body, style, cast, barriers).run(spans)

    speaker_of, stripped, quotes, notes = _quotes(body, style, spans, decisions)
    if interview is None and not cast.guest.quotes and any(e.quotes for e in cast.others):
        notices.append(
            f"{path or 'the article'}: {guest_name} is taken as the interviewee but speaks none of the quotes "
            "(pass --interviewee 'Full Name' to choose)"
        )

    for entity in third.values():
        entity.quotes += 1
    role_tags = {HOST: INTERVIEWER_TAG, GUEST: guest_tag} | {label: e.tag for label, e in third.items()}
    shares = shares_by_paragraph(spans, len(body))
    span_marks = [marks_of(span, style) for span in spans]
    labelled_once: set[str] = set()
    by_paragraph = [
        _turn_items(paragraph, interview, pi, role_tags, labelled_once)
        if interview and pi in interview.turns
        else prose_paragraph(paragraph, shares[pi], speaker_of, stripped, notes, span_marks)
        for pi, paragraph in enumerate(body)
    ]

    others = [e for e in cast.others if e.quotes]
    intro = chaptering.intro(header)
    outro = chaptering.outro(
        header,
        host_name,
        guest_name,
        credit_host=host_name != DEFAULT_NARRATOR or bool(interviewer),
        others=bool(others),
    )
    words = [sum(count_words_of(i.text) for i in items if isinstance(i, Segment)) for items in by_paragraph]
    spoken = [interview.turns[i].spoken(p) if interview and i in interview.turns else p for i, p in enumerate(body)]
    sections = chaptering.by_headings(hinted, body, by_paragraph, words)
    if sections is not None:
        groups, titles = sections
    else:
        groups, titles = chaptering.balance(words, intro, outro), None
    chapters = chaptering.chapters(groups, by_paragraph, spoken, intro, outro, (host_name, guest_name), titles)

    return Conversion(
        episode=_episode(header, host_name, guest_name, guest_tag, others, chapters, show, today),
        header=header,
        body=tuple(body),
        dropped=tuple(dropped),
        quotes=tuple(quotes),
        intro=tuple(intro),
        outro=tuple(outro),
        interviewee=guest_name,
        notices=tuple(notices),
        interview=interview is not None,
    )


def _header_and_body(text: str, path: Path | None) -> tuple[ArticleHeader, list[str], list[str]]:
    """The article's header, its body paragraphs and the boilerplate dropped, or an error for no body."""
    kept, dropped = paragraphs(text)
    if not kept:
        raise ScriptError(
            "the article has no text",
            path=path,
            line=None,
            fix="give the article as plain text, paragraphs separated by blank lines",
        )
    header, body = split_header(kept, path)
    if not body:
        raise ScriptError(
            "the article has no body after its title and byline",
            path=path,
            line=None,
            fix="separate paragraphs with blank lines; the body follows the title, byline and standfirst",
        )
    return header, body, dropped


def _interviewee(
    header: ArticleHeader, body: list[str], given: str | None, host: str, path: Path | None
) -> tuple[str, tuple[str, ...]]:
    labels = label_names(body)
    try:
        return find_interviewee(header, body, given, host, path, labels)
    except InputError:
        if not labels:
            raise
        return labels[0], ()  # a Q&A transcript names its interviewee in its labels


def _turn_items(
    paragraph: str, interview: Interview, index: int, role_tags: dict[str, str], labelled_once: set[str]
) -> list[Item]:
    """A Q&A turn's segments; the first turn under a label carries that label's review note."""
    turn = interview.turns[index]
    note = ""
    if turn.label and turn.label in interview.notes and turn.label not in labelled_once:
        labelled_once.add(turn.label)
        note = interview.notes[turn.label]
    return turn_paragraph(paragraph, turn, role_tags.get(turn.who, INTERVIEWER_TAG), note, role_tags[GUEST])


def _episode(
    header: ArticleHeader,
    host_name: str,
    guest_name: str,
    guest_tag: str,
    others: list[Entity],
    chapters: list[Chapter],
    show: str | None,
    today: date | None,
) -> Episode:
    metadata = Metadata(
        title=header.title,
        author=host_name if host_name != DEFAULT_NARRATOR else "",
        show=show or (host_name if host_name != DEFAULT_NARRATOR else header.title),
        language="en",
        date=header.date or (today or date.today()).isoformat(),
        description=header.standfirst,
    )
    speakers = [
        Speaker(INTERVIEWER_TAG, host_name, "host", dict(DEFAULT_VOICES["host"])),
        Speaker(guest_tag, guest_name, "guest", dict(DEFAULT_VOICES["guest"])),
    ]
    speakers += [Speaker(e.tag, e.name, "quoted", dict(DEFAULT_VOICES["quoted"])) for e in others]
    return Episode(metadata=metadata, speakers=tuple(speakers), chapters=tuple(chapters), path=None)


def _quotes(
    body: list[str], style: QuoteStyle, spans: list[Span], decisions: list[Decision]
) -> tuple[list[str], list[bool], list[Quote], dict[int, str]]:
    """Per quote span: its speaker's tag, whether its marks come off, the ``Quote`` record, and review notes."""
    speaker_of: list[str] = []
    stripped: list[bool] = []
    quotes: list[Quote] = []
    notes: dict[int, str] = {}
    for index, (span, decision) in enumerate(zip(spans, decisions, strict=True)):
        who = decision.speaker
        tag = INTERVIEWER_TAG if who is None or who.kind == "host" else who.tag
        speaker_of.append(tag)
        stripped.append(tag != INTERVIEWER_TAG or len(span.parts) > 1)
        inner = " ".join(strip_marks(body[p][s:e], marks_of(span, style)) for p, s, e in span.parts)
        quotes.append(Quote(inner, tag, decision.reason, span.start[0], decision.note))
        if decision.note:
            notes[index] = decision.note
    return speaker_of, stripped, quotes, notes
