"""Article text -> narration script.

The rules are about how interview features are written, not about one
article: page boilerplate is dropped, the header (title, byline, standfirst)
becomes metadata and a spoken intro, and each double-quoted span is given to
the interviewee only when it reads as something she said (an attribution
names her or a pronoun for her, or it is an unattributed sentence-like quote
in a paragraph about her).  Terms, slogans, titles and other people's words
stay with the narrator.  Nothing is dropped from the body: the narrator keeps
every word that is not the interviewee's, and quote marks around her words are
the only characters removed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .casting import DEFAULT_VOICES
from .errors import InputError, ScriptError
from .script import Chapter, Episode, Item, Metadata, Pause, Segment, Speaker, estimate_seconds

INTERVIEWER_TAG = "interviewer"


#: Chapters aim for this much speech; the brief asks for one to two minutes.
TARGET_CHAPTER_SECONDS = 90.0

_BOILERPLATE = re.compile(
    r"(top|bottom) of (the )?page|back to top|skip to (main )?content|advertisement|advert|sponsored( content)?"
    r"|share( this)?( article| story| page)?( on \w+)?|(follow|like) us( on \w+)?|subscribe\b.*|sign up\b.*"
    r"|read more|related (articles|stories|posts)|all rights reserved.*|(©|copyright)\b.*|cookies?\b.*"
    r"|menu|log ?in|sign in|print( this)?( article)?|email|facebook|twitter|instagram|whatsapp|linkedin"
    r"|tags?:.*|categor(y|ies):.*|home|next (article|story)|previous (article|story)",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"(?:by|words by|written by|interview by|interviewed by|text by)\s+(.+)", re.IGNORECASE)
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATELINE = re.compile(
    rf"(?:(?:Published|Posted|Updated)\s*:?\s*)?(?:\w+day,?\s+)?"
    rf"(?:(\d{{1,2}})\s+({_MONTHS})\s+(\d{{4}})|({_MONTHS})\s+(\d{{1,2}}),?\s+(\d{{4}})|(\d{{4}})-(\d{{2}})-(\d{{2}}))",
    re.IGNORECASE,
)

_PRONOUNS_THIRD = {"she", "he", "they"}
_PRONOUNS_FIRST = {"i", "we"}
_VERBS = (
    r"said|says|say|told|tells|explained|explains|asked|asks|added|adds|continued|continues|suggested|suggests"
    r"|recalled|recalls|recounted|recounts|remembered|remembers|stressed|stresses|insisted|insists|replied|replies"
    r"|answered|answers|admitted|admits|noted|notes|warned|warns|laughed|laughs|sighed|sighs|remarked|remarks"
    r"|argued|argues|claimed|claims|declared|declares|whispered|whispers|shouted|shouts|wrote|writes|reflected"
    r"|reflects|observed|observes|pointed out|points out|thinks|thought|believes|believed|feels|felt|mused|muses"
    r"|concluded|concludes|went on|goes on|put it|puts it|joked|jokes|exclaimed|exclaims|cried|cries|tweeted"
    r"|posted|confided|confides|conceded|concedes|agreed|agrees|announced|announces|stated|states|commented"
    r"|comments|responded|responds|calls it|called it|described it as|describes it as"
)
_SUBJECT = (
    r"(?P<subj>\b(?:she|he|they|I|we)\b"
    r"|\b(?:[Tt]he|[Aa]n?|[Hh]is|[Hh]er|[Tt]heir|[Oo]ne)\s+(?:[\w’'-]+\s+){0,2}?[\w’'-]+"
    r"|\b[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){0,2})"
)
_ADVERB = r"(?:\s+\w+ly)?(?:\s+(?:also|then|later|once|simply|quietly))?"
_ATTRIBUTION_BEFORE = re.compile(rf"{_SUBJECT}{_ADVERB}\s+(?P<verb>{_VERBS})\b(?P<tail>[^.!?]*)$")
_ATTRIBUTION_AFTER = re.compile(
    rf"^\s*[,;:—–-]?\s*(?:{_SUBJECT}{_ADVERB}\s+(?P<verb>{_VERBS})\b|(?P<verb2>{_VERBS})\s+(?P<subj2>[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){{0,2}}|she|he|they|I|we)\b)"
)
_TERM_CUE = re.compile(
    r"(?:called|named|dubbed|titled|entitled|known as|translates? (?:to|as)|translated as|means|meaning|"
    r"word|words|term|phrase|slogan|motto|headline|chant(?:ed|ing|s)?|banner|placard|sign|reading|reads|"
    r"label(?:l?ed)?|nicknamed|so-called|the name)\s*$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?…]['’”\"]?\s+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_NAME_TOKEN = r"[A-Z][a-z]+(?:[-’'][A-Z]?[a-z]+)*"
_FULL_NAME = re.compile(rf"\b({_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{1,2}})\b")
_NOT_NAME_WORDS = frozenset(
    "The A An In On At Of For From To By As But And Or If When While During Despite After Before Since "
    "Until This That These Those Here There It Its We They She He I You My Our Their His Her Most Many "
    "Some One Being Nevertheless However Whether With Within Without Unable Soon Total January "
    "February March April May June July August September October November December Monday Tuesday "
    "Wednesday Thursday Friday Saturday Sunday".split()
)
_TITLE_WORDS = frozenset(
    "Activist Campaigner Journalist Writer Author Artist Lawyer Doctor Dr Mr Mrs Ms Miss Mx Professor "
    "Prof President Minister Senator General Colonel Captain Prince Princess King Queen Director Founder "
    "Chair Leader Singer Poet Reporter Editor Student Teacher Mayor Governor Judge Sister Brother Father "
    "Mother".split()
)
_PLACE_WORDS = frozenset(
    "Square Park House Street Road Avenue Day Republic University College Palace Hall Centre Center "
    "Council Party Union Ministry Committee Foundation Institute Museum Bank Company Group Office Court "
    "Church City Region Province State States Kingdom Island Islands Mountains River Lake Sea Ocean "
    "Airport Station Hospital School Times Post News Magazine Review Journal Watch International January "
    "War".split()
)
_STOPWORDS = frozenset(
    "a about above after again against all also although am an and any are aren't as at be because been "
    "before being below between both but by can could did do does doing down during each even ever every "
    "few for from further had has have having he her here hers herself him himself his how however i if "
    "in into is it its itself just least less like made make many may me more most much must my myself "
    "never no nor not now of off often on once only or other others our ours out over own per quite "
    "rather really same several she should since so some still such than that the their theirs them "
    "themselves then there these they this those though through thus to too toward towards under until up "
    "upon us very was we well were what when where whether which while who whom whose why will with "
    "within without would yet you your yours said says told tell asked explained continued suggested "
    "recalls stressed one two three first last much many more people time year years month months week "
    "weeks day days way thing things something nothing anything everything going become became come came "
    "take takes took left around away back part well great little less enough already known towards onto "
    "across along among amongst upon whose she’s it’s they’re we’re i’m don’t doesn’t didn’t isn’t wasn’t "
    "weren’t can’t won’t".split()
)


@dataclass(frozen=True)
class ArticleHeader:
    title: str
    byline: str
    author: str
    standfirst: str
    date: str


@dataclass(frozen=True)
class Quote:
    """One double-quoted span of the body and who speaks it."""

    text: str  # without the outer quote marks
    speaker: str  # the interviewee's tag or INTERVIEWER_TAG
    reason: str  # why, for producers and tests: "attribution: she told", "term", ...
    paragraph: int


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


def convert_file(
    path: Path,
    *,
    interviewer: str | None = None,
    interviewee: str | None = None,
    show: str | None = None,
    today: date | None = None,
) -> Conversion:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScriptError(
            "article not found", path=path, line=None, fix="check the path to the article text file"
        ) from None
    except OSError as exc:
        raise ScriptError(
            f"cannot read the article ({exc.strerror})", path=path, line=None, fix="check the path and its permissions"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScriptError("the article is not UTF-8 text", path=path, line=line, fix="save it as UTF-8") from None
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
    paragraphs, dropped = _paragraphs(text)
    if not paragraphs:
        raise ScriptError(
            "the article has no text",
            path=path,
            line=None,
            fix="give the article as plain text, paragraphs separated by blank lines",
        )
    header, body = _split_header(paragraphs, path)
    if not body:
        raise ScriptError(
            "the article has no body after its title and byline",
            path=path,
            line=None,
            fix="separate paragraphs with blank lines; the body follows the title, byline and standfirst",
        )
    host_name = (interviewer or header.author or "").strip()
    if not host_name:
        raise InputError(
            f"{path or 'the article'}: no byline ('By …') names the interviewer",
            fix="pass --interviewer 'Full Name'",
        )
    guest_name = _find_interviewee(header, body, interviewee, host_name, path)
    guest_tag = _tag_for(guest_name)
    if guest_tag == INTERVIEWER_TAG:
        guest_tag = "guest"

    pieces, quotes = _attribute(body, guest_name, guest_tag)
    paragraphs_segments = _segments_by_paragraph(pieces, len(body), guest_tag)

    intro = _intro(header)
    outro = _outro(header, host_name, guest_name)
    groups = _balance([sum(count_words_of(s.text) for s in segs) for segs in paragraphs_segments], intro, outro)
    chapters = _chapters(groups, paragraphs_segments, body, intro, outro, (host_name, guest_name))

    metadata = Metadata(
        title=header.title,
        author=host_name,
        show=show or host_name,
        language="en",
        date=header.date or (today or date.today()).isoformat(),
        description=header.standfirst,
    )
    speakers = (
        Speaker(INTERVIEWER_TAG, host_name, "host", dict(DEFAULT_VOICES["host"])),
        Speaker(guest_tag, guest_name, "guest", dict(DEFAULT_VOICES["guest"])),
    )
    episode = Episode(metadata=metadata, speakers=speakers, chapters=tuple(chapters), path=None)
    return Conversion(
        episode=episode,
        header=header,
        body=tuple(body),
        dropped=tuple(dropped),
        quotes=tuple(quotes),
        intro=tuple(intro),
        outro=tuple(outro),
        interviewee=guest_name,
    )


def count_words_of(text: str) -> int:
    return len(_WORD.findall(text))


# --------------------------------------------------------------------------- reading


def _paragraphs(text: str) -> tuple[list[str], list[str]]:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    blocks = re.split(r"\n\s*\n", text)
    kept, dropped = [], []
    for block in blocks:
        paragraph = " ".join(block.split())
        if not paragraph:
            continue
        if len(paragraph.split()) <= 10 and _BOILERPLATE.fullmatch(paragraph.strip(" .:|•·-")):
            dropped.append(paragraph)
        else:
            kept.append(paragraph)
    return kept, dropped


def _split_header(paragraphs: list[str], path: Path | None) -> tuple[ArticleHeader, list[str]]:
    title = ""
    index = 0
    if len(paragraphs[0].split()) <= 30:
        title, index = paragraphs[0], 1
    byline = author = standfirst = day = ""
    # The header is short: byline, dateline and standfirst come in the next few paragraphs, in any order.
    while index < len(paragraphs) and index <= 4:
        paragraph = paragraphs[index]
        words = len(paragraph.split())
        byline_match = _BYLINE.fullmatch(paragraph) if words <= 14 else None
        if byline_match and not byline:
            byline = paragraph
            author, day = _parse_byline(byline_match.group(1))
            index += 1
            continue
        dateline = _DATELINE.fullmatch(paragraph.strip(" .|")) if words <= 8 else None
        if dateline and not day:
            day = _iso_date(dateline)
            index += 1
            continue
        if not standfirst and words <= 60 and index + 1 < len(paragraphs) and (byline or index == 1):
            standfirst = paragraph
            index += 1
            continue
        break
    if not title:
        title = path.stem.replace(".article", "").replace("-", " ").title() if path else "Untitled interview"
    header = ArticleHeader(title=title, byline=byline, author=author, standfirst=standfirst, date=day)
    return header, paragraphs[index:]


def _parse_byline(rest: str) -> tuple[str, str]:
    parts = re.split(r"\s*[|•·,;]\s*|\s+[—–-]\s+", rest)
    name = re.sub(r"\s+(?:and|&)\s+.*$", "", parts[0]).strip(" .")
    day = ""
    for part in parts[1:]:
        dateline = _DATELINE.search(part)
        if dateline:
            day = _iso_date(dateline)
    return name, day


def _iso_date(match: re.Match[str]) -> str:
    groups = match.groups()
    months = [m.lower() for m in _MONTHS.split("|")]
    try:
        if groups[0]:
            return date(int(groups[2]), months.index(groups[1].lower()) + 1, int(groups[0])).isoformat()
        if groups[3]:
            return date(int(groups[5]), months.index(groups[3].lower()) + 1, int(groups[4])).isoformat()
        return date(int(groups[6]), int(groups[7]), int(groups[8])).isoformat()
    except ValueError:
        return ""


# --------------------------------------------------------------------------- who is interviewed


def _find_interviewee(header: ArticleHeader, body: list[str], given: str | None, host: str, path: Path | None) -> str:
    text = " ".join([header.standfirst, *body])
    candidates = Counter[str]()
    lowercase_words = set(re.findall(r"\b[a-z][a-z-]+\b", text))
    for match in _FULL_NAME.finditer(text):
        tokens = match.group(1).split()
        # "Activist Zhanar Sekerbeyeva", "President Kassym-Jomart Tokayev": a title or a common noun
        # capitalised at the start of a sentence is not part of the name.
        while tokens and (
            tokens[0] in _NOT_NAME_WORDS
            or (len(tokens) > 2 and (tokens[0] in _TITLE_WORDS or tokens[0].lower() in lowercase_words))
        ):
            tokens = tokens[1:]
        while tokens and tokens[-1] in _NOT_NAME_WORDS:
            tokens = tokens[:-1]
        if len(tokens) < 2 or any(t in _PLACE_WORDS for t in tokens) or any(t.endswith(("’s", "'s")) for t in tokens):
            continue
        candidates[" ".join(tokens)] += 1
    host_tokens = set(host.split())
    if given:
        given = " ".join(given.split())
        if len(given.split()) > 1:
            return given
        full = [c for c in candidates if given in c.split()]
        return max(full, key=lambda c: candidates[c]) if full else given

    def score(name: str) -> float:
        first, last = name.split()[0], name.split()[-1]
        mentions = len(re.findall(rf"\b(?:{re.escape(first)}|{re.escape(last)})\b", text))
        speech = len(re.findall(rf"\b(?:{re.escape(first)}|{re.escape(last)})(?:{_ADVERB})\s+(?:{_VERBS})\b", text))
        in_standfirst = name in header.standfirst
        spoke_to = re.search(
            rf"(?:spoke|talked|chatted) (?:to|with)[^.]*{re.escape(name)}|interview(?:ed)?[^.]*{re.escape(name)}", text
        )
        return mentions + 3 * speech + 5 * in_standfirst + 5 * bool(spoke_to)

    people = [c for c in candidates if not host_tokens & set(c.split())]
    if not people:
        raise InputError(
            f"{path or 'the article'}: cannot tell who is interviewed (no full name found)",
            fix="pass --interviewee 'Full Name'",
        )
    return max(people, key=score)


def _tag_for(name: str) -> str:
    first = unicodedata.normalize("NFKD", name.split()[0]).encode("ascii", "ignore").decode().lower()
    tag = re.sub(r"[^a-z0-9_-]", "", first)
    return tag if tag and tag[0].isalpha() else "guest"


# --------------------------------------------------------------------------- quotes


@dataclass
class _Piece:
    paragraph: int
    text: str
    quote: int | None  # index into the quote list, None for prose


@dataclass(frozen=True)
class _QuoteStyle:
    opens: Callable[[str, int], bool]
    closes: Callable[[str, int], bool]
    marks: str


def _double_style() -> _QuoteStyle:
    def opens(p: str, i: int) -> bool:
        ch = p[i]
        if ch in "“„«":
            return True
        return (
            ch == '"'
            and (i == 0 or p[i - 1].isspace() or p[i - 1] in "([{—–-/:")
            and i + 1 < len(p)
            and not p[i + 1].isspace()
        )

    def closes(p: str, i: int) -> bool:
        ch = p[i]
        if ch in "”»":
            return True
        return ch == '"' and i > 0 and not p[i - 1].isspace()

    return _QuoteStyle(opens, closes, '“”„«»"')


def _single_style() -> _QuoteStyle:
    def opens(p: str, i: int) -> bool:
        ch = p[i]
        return (
            ch in "‘'"
            and (i == 0 or p[i - 1].isspace() or p[i - 1] in "([{—–-/:")
            and i + 1 < len(p)
            and not p[i + 1].isspace()
        )

    def closes(p: str, i: int) -> bool:
        ch = p[i]
        return ch in "’'" and i > 0 and not p[i - 1].isspace() and (i + 1 == len(p) or not p[i + 1].isalpha())

    return _QuoteStyle(opens, closes, "‘’'")


def _quote_style(body: list[str]) -> _QuoteStyle:
    text = " ".join(body)
    doubles = sum(text.count(ch) for ch in '“”„«»"')
    return _double_style() if doubles >= 2 or "‘" not in text else _single_style()


@dataclass
class _Span:
    start: tuple[int, int]  # paragraph, offset of the opening mark
    end: tuple[int, int]  # paragraph, offset just past the closing mark (or paragraph end)
    parts: list[tuple[int, int, int]]  # (paragraph, start, end) of each paragraph's share, marks included


def _scan(body: list[str], style: _QuoteStyle) -> list[_Span]:
    spans: list[_Span] = []
    current: _Span | None = None
    for pi, paragraph in enumerate(body):
        i = 0
        part_start = 0
        if current is not None:
            current.parts.append((pi, 0, len(paragraph)))
        depth = 0
        while i < len(paragraph):
            if current is None:
                if style.opens(paragraph, i):
                    current = _Span(start=(pi, i), end=(pi, len(paragraph)), parts=[])
                    part_start = i
                    depth = 0
            elif style.opens(paragraph, i) and i > 0 and paragraph[i - 1].isspace():
                depth += 1  # a quote inside the quote
            elif style.closes(paragraph, i):
                if depth:
                    depth -= 1
                else:
                    if current.parts and current.parts[-1][0] == pi:
                        current.parts[-1] = (pi, current.parts[-1][1], i + 1)
                    else:
                        current.parts.append((pi, part_start, i + 1))
                    current.end = (pi, i + 1)
                    spans.append(current)
                    current = None
            i += 1
        if current is not None:
            if not current.parts or current.parts[-1][0] != pi:
                current.parts.append((pi, part_start, len(paragraph)))
            current.end = (pi, len(paragraph))
            if not _continues(body, pi + 1, style):
                spans.append(current)
                current = None
    if current is not None:
        spans.append(current)
    return spans


def _continues(body: list[str], pi: int, style: _QuoteStyle) -> bool:
    """Does an unclosed quote run on into paragraph ``pi``?"""
    if pi >= len(body):
        return False
    paragraph = body[pi]
    if paragraph and style.opens(paragraph, 0):
        return True  # the convention: each paragraph of a long quote reopens it
    for i in range(len(paragraph)):
        if style.closes(paragraph, i):
            return True
        if style.opens(paragraph, i):
            return False
    return False


def _strip_marks(text: str, marks: str) -> str:
    text = text.strip()
    if text[:1] in marks:
        text = text[1:]
    if text[-1:] in marks:
        text = text[:-1]
    return text.strip()


def _attribute(body: list[str], guest_name: str, guest_tag: str) -> tuple[list[_Piece], list[Quote]]:
    style = _quote_style(body)
    spans = _scan(body, style)
    guest_names = set(guest_name.split()) | {guest_name}
    guest_mention = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in guest_names) + r")\b")
    quotes: list[Quote] = []
    speaker_of: list[str] = []
    current_paragraph = -1
    current = guest_tag
    previous_end: tuple[int, int] = (-1, 0)
    for span in spans:
        pi, start = span.start
        if pi != current_paragraph:
            current_paragraph, current = pi, guest_tag
        paragraph = body[pi]
        left = previous_end[1] if previous_end[0] == pi else 0
        before = paragraph[left:start]
        if current == "other" and guest_mention.search(before):
            current = guest_tag  # the narrative is back on the interviewee
        sentence_breaks = list(_SENTENCE_END.finditer(before))
        before = before[sentence_breaks[-1].end() :] if sentence_breaks else before
        end_pi, end = span.end
        inner = " ".join(_strip_marks(body[p][s:e], style.marks) for p, s, e in span.parts)
        after = body[end_pi][end:]
        next_open = next((i for i in range(len(after)) if style.opens(after, i)), len(after))
        after = after[:next_open]

        speaker, reason = _decide(before, inner, after, current, guest_tag, guest_names)
        if speaker is not None and speaker != INTERVIEWER_TAG:
            current = speaker
        elif reason.startswith("other"):
            current = "other"
        if speaker is None or speaker == "other":
            speaker = INTERVIEWER_TAG
        quotes.append(Quote(text=inner, speaker=speaker, reason=reason, paragraph=pi))
        speaker_of.append(speaker)
        previous_end = span.end

    pieces: list[_Piece] = []
    cursor = {pi: 0 for pi in range(len(body))}
    for qi, span in enumerate(spans):
        for pi, s, e in span.parts:
            if s > cursor[pi]:
                pieces.append(_Piece(pi, body[pi][cursor[pi] : s], None))
            pieces.append(_Piece(pi, body[pi][s:e], qi if speaker_of[qi] != INTERVIEWER_TAG else None))
            cursor[pi] = e
    for pi, paragraph in enumerate(body):
        if cursor[pi] < len(paragraph):
            pieces.append(_Piece(pi, paragraph[cursor[pi] :], None))
    pieces.sort(key=lambda piece: piece.paragraph)  # stable: order within a paragraph is kept
    for piece in pieces:
        if piece.quote is not None:
            piece.text = _strip_marks(piece.text, style.marks)
    return pieces, [
        Quote(q.text, guest_tag if s == guest_tag else INTERVIEWER_TAG, q.reason, q.paragraph)
        for q, s in zip(quotes, speaker_of, strict=True)
    ]


def _decide(
    before: str, inner: str, after: str, current: str, guest_tag: str, guest_names: set[str]
) -> tuple[str | None, str]:
    """Who says a quote: the guest's tag, ``other`` or INTERVIEWER_TAG, and why."""
    if _TERM_CUE.search(before):
        return INTERVIEWER_TAG, "term (introduced as a name, title or slogan)"
    match = _ATTRIBUTION_BEFORE.search(before)
    if match and re.search(r"[,:—–]\s*$", before):
        return _resolve(
            match.group("subj"), current, guest_tag, guest_names, f"attribution before: {match.group(0).strip()}"
        )
    ends_open = bool(re.search(r"[,?!…—–-]$", inner)) or bool(re.match(r"\s*[,;]|\s+[a-z]", after))
    match = _ATTRIBUTION_AFTER.search(after) if ends_open else None
    if match:
        subject = match.group("subj") or match.group("subj2")
        return _resolve(subject, current, guest_tag, guest_names, f"attribution after: {match.group(0).strip(' ,')}")
    words = count_words_of(inner)
    first_person = re.search(r"\b(?:I|I’m|I'm|me|my|we|we’re|we're|us|our)\b", inner)
    sentence_like = (words >= 3 and bool(re.search(r"[.!?…,;]", inner) or first_person)) or words >= 8
    if sentence_like:
        return (current if current != "other" else INTERVIEWER_TAG), f"unattributed speech, current speaker {current}"
    return INTERVIEWER_TAG, "term (short quoted phrase)"


def _resolve(subject: str, current: str, guest_tag: str, guest_names: set[str], reason: str) -> tuple[str, str]:
    lowered = subject.lower()
    if lowered in _PRONOUNS_FIRST:
        return INTERVIEWER_TAG, reason + " (the interviewer)"
    if lowered in _PRONOUNS_THIRD:
        return (current if current != "other" else "other"), reason
    if set(subject.split()) & guest_names:
        return guest_tag, reason
    return "other", "other speaker: " + reason


# --------------------------------------------------------------------------- segments and chapters


def _segments_by_paragraph(pieces: list[_Piece], paragraphs: int, guest_tag: str) -> list[list[Segment]]:
    # Runs keep the article's own spacing until the end, so joining never invents or drops a space.
    by_paragraph: list[list[tuple[str, str]]] = [[] for _ in range(paragraphs)]
    for piece in pieces:
        speaker = INTERVIEWER_TAG if piece.quote is None else guest_tag
        runs = by_paragraph[piece.paragraph]
        if runs and runs[-1][0] == speaker:
            runs[-1] = (speaker, runs[-1][1] + piece.text)
        else:
            runs.append((speaker, piece.text))
    return [
        [
            Segment(speaker=speaker, text=" ".join(text.split()), new_paragraph=index == 0)
            for index, (speaker, text) in enumerate(_absorb_punctuation(runs))
        ]
        for runs in by_paragraph
    ]


def _absorb_punctuation(runs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A run with no words (a lone '.' after a quote) joins its neighbour instead of being spoken alone."""
    merged: list[tuple[str, str]] = []
    pending = ""
    for speaker, text in runs:
        if not _WORD.search(text) and not re.search(r"\d", text):
            if merged:
                merged[-1] = (merged[-1][0], merged[-1][1] + text)
            else:
                pending += text
            continue
        text, pending = pending + text, ""
        lead = re.match(r"[.,;:!?…]+(?=\s|$)", text)
        if lead and merged and merged[-1][0] != speaker:
            # "…we fought for”." : the full stop ends her sentence, not the narrator's next one.
            merged[-1] = (merged[-1][0], merged[-1][1] + lead.group(0))
            text = text[lead.end() :]
        if merged and merged[-1][0] == speaker:
            merged[-1] = (speaker, merged[-1][1] + text)
        else:
            merged.append((speaker, text))
    if pending.strip():
        merged.append((INTERVIEWER_TAG, pending))
    return merged


def _intro(header: ArticleHeader) -> list[Segment]:
    title = header.title if re.search(r"[.!?…]$", header.title) else header.title + "."
    segments = [Segment(INTERVIEWER_TAG, title, new_paragraph=True)]
    if header.byline:
        byline = header.byline if re.search(r"[.!?]$", header.byline) else header.byline + "."
        segments.append(Segment(INTERVIEWER_TAG, byline, new_paragraph=False))
    if header.standfirst:
        segments.append(Segment(INTERVIEWER_TAG, header.standfirst, new_paragraph=True))
    return segments


def _outro(header: ArticleHeader, host: str, guest: str) -> list[Segment]:
    title = header.title.rstrip(".")
    return [
        Segment(
            INTERVIEWER_TAG,
            f"You have been listening to {title}, written by {host}. "
            f"The voices in this episode are synthetic: the narration and {guest}’s words "
            "were read by text-to-speech software, not by the people themselves.",
            new_paragraph=True,
        )
    ]


def _balance(paragraph_words: list[int], intro: list[Segment], outro: list[Segment]) -> list[range]:
    """Split paragraphs into contiguous chapters of even length, near TARGET_CHAPTER_SECONDS each."""
    words = list(paragraph_words)
    words[0] += sum(count_words_of(s.text) for s in intro)
    words[-1] += sum(count_words_of(s.text) for s in outro)
    total_seconds = estimate_seconds(sum(words))
    count = max(1, min(len(words), round(total_seconds / TARGET_CHAPTER_SECONDS)))
    target = sum(words) / count
    n = len(words)
    prefix = [0]
    for w in words:
        prefix.append(prefix[-1] + w)
    inf = float("inf")
    # cost[k][i]: best cost of putting the first i paragraphs into k chapters.
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
    bounds = []
    i = n
    for k in range(count, 0, -1):
        j = cut[k][i]
        bounds.append(range(j, i))
        i = j
    return list(reversed(bounds))


def _chapters(
    groups: list[range],
    paragraphs: list[list[Segment]],
    body: list[str],
    intro: list[Segment],
    outro: list[Segment],
    names: tuple[str, str],
) -> list[Chapter]:
    titles = _provisional_titles([" ".join(body[i] for i in group) for group in groups], names)
    chapters = []
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
        chapters.append(Chapter(title=title, items=tuple(items)))
    return chapters


def _provisional_titles(texts: Sequence[str], names: tuple[str, str]) -> list[str]:
    """Name each chapter by the terms that set it apart from the others (tf-idf)."""
    skip = {token.lower() for name in names for token in name.split()}
    counts = []
    for text in texts:
        counter: Counter[str] = Counter()
        for phrase in re.findall(rf"(?<![.!?]\s)(?<!^)\b({_NAME_TOKEN}(?:\s+{_NAME_TOKEN})*)", text):
            phrase = re.sub(r"[’']s$", "", phrase)
            if phrase.lower() not in skip and phrase not in _NOT_NAME_WORDS:
                counter[phrase] += 2
        for word in _WORD.findall(text):
            lowered = re.sub(r"[’']s$", "", word.lower())
            if len(lowered) >= 5 and lowered not in _STOPWORDS and lowered not in skip and word.islower():
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
