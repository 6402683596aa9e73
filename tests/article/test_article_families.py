"""The converter on interview shapes it has never seen: invented snippets, one table per family.

Each family is a way real publications write interviews: straight single quotes as quote marks, Q&A
transcripts, news stories quoting many people, articles saved without a byline.  The properties at
the end check, for any input built from such pieces, that no text is lost or duplicated and that no
segment holds half a quotation.
"""

from __future__ import annotations

import re
import time
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shalket_audio.article import Conversion, convert_article, review_notes
from shalket_audio.errors import ShalketError
from shalket_audio.script import Comment, Segment, parse_script, serialize_script
from shalket_audio.synth.casting import DEFAULT_VOICES

HEADER = "Voices From The Square\n\nBy Ann Writer\n\nActivist Amina Duarte talks about her city and its protests.\n\n"
MARKS = re.compile(r"[“”\"„«»‘’']")


def convert(body: str, header: str = HEADER, **options: str) -> Conversion:
    return convert_article(header + body, today=date(2026, 1, 1), **options)  # type: ignore[arg-type]


def body_segments(conversion: Conversion) -> list[Segment]:
    segments = list(conversion.episode.segments)
    return segments[len(conversion.intro) : len(segments) - len(conversion.outro)]


def said(conversion: Conversion) -> list[tuple[str, str]]:
    return [(q.text, q.speaker) for q in conversion.quotes]


def assert_conserved(conversion: Conversion, body: str, labels: tuple[str, ...] = ()) -> None:
    """Joining the segments gives back the body, but for quote marks and the Q&A labels."""
    expected = body
    for label in labels:
        expected = expected.replace(label, " ")
    joined = " ".join(s.text for s in body_segments(conversion))
    assert " ".join(MARKS.sub("", joined).split()) == " ".join(MARKS.sub("", expected).split())


# --------------------------------------------------------------------------- straight single quotes

SINGLE_QUOTE_CASES = [
    (
        "a British quote with its attribution",
        "Amina Duarte shook her head. 'I never planned any of this,' she says.",
        [("I never planned any of this,", "amina")],
    ),
    (
        "apostrophes inside the quote: didn't, members', '90s, rock 'n' roll",
        "'The members' room didn't flood in the '90s, but now it's rock 'n' roll every winter,' she said.",
        [("The members' room didn't flood in the '90s, but now it's rock 'n' roll every winter,", "amina")],
    ),
    (
        "apostrophes outside any quote are not quote marks",
        "The workers' union met in the '80s. Amina didn't go. 'It was a waste of time,' she said.",
        [("It was a waste of time,", "amina")],
    ),
    (
        "a quote split by its attribution",
        "'We are tired of waiting,' she said, 'and we will not leave.'",
        [("We are tired of waiting,", "amina"), ("and we will not leave.", "amina")],
    ),
    (
        "double quotes nested in single ones",
        "'My mother told me \"never again\" and I listened,' she said.",
        [('My mother told me "never again" and I listened,', "amina")],
    ),
    (
        "a term in single quotes stays with the narrator",
        "Locals call the square 'the cauldron'. 'It is a trap,' Amina said.",
        [("the cauldron", "interviewer"), ("It is a trap,", "amina")],
    ),
    (
        "a single-quoted speech reopened at the next paragraph",
        "'The first week was chaos. Nobody knew anything.\n\n'Then the shooting started,' she said.",
        [("The first week was chaos. Nobody knew anything. Then the shooting started,", "amina")],
    ),
    (
        "a plural possessive at the end of a partial quote",
        "She describes the plan as 'a betrayal of the workers' rights' and walks away.",
        [("a betrayal of the workers' rights", "amina")],
    ),
    (
        "curly single quotes with curly apostrophes",
        "Amina smiled. ‘We’re still here, aren’t we?’ she said.",
        [("We’re still here, aren’t we?", "amina")],
    ),
]


@pytest.mark.parametrize(("case", "body", "expected"), SINGLE_QUOTE_CASES, ids=[c[0] for c in SINGLE_QUOTE_CASES])
def test_single_quote_house_style(case: str, body: str, expected: list[tuple[str, str]]) -> None:
    conversion = convert(body)
    assert said(conversion) == expected
    assert_conserved(conversion, body)


# --------------------------------------------------------------------------- Q&A interviews

QA_HEADER = "The Mountain Singer\n\nBy Tom Reed\n\nFolk singer Aigerim Nurlanova talks about her new album.\n\n"

QA_CASES = [
    (
        "Q: and A: labels",
        "Q: When did you start writing songs?\n\nA: When I was fourteen.\n\nQ: Do you miss the village?\n\n"
        "A: Every day.",
        ("Q:", "A:"),
        [
            ("interviewer", "When did you start writing songs?"),
            ("aigerim", "When I was fourteen."),
            ("interviewer", "Do you miss the village?"),
            ("aigerim", "Every day."),
        ],
    ),
    (
        "bold name labels, an answer over two paragraphs, a quote inside an answer",
        "**Reed:** When did you start?\n\n**Nurlanova:** My grandmother said, “Sing what you see,” and I did."
        "\n\nIt took years before anyone listened.\n\n**Reed:** Do you miss the village?\n\n**Nurlanova:** Every day.",
        ("**Reed:**", "**Nurlanova:**"),
        [
            ("interviewer", "When did you start?"),
            ("aigerim", "My grandmother said, “Sing what you see,” and I did."),
            ("aigerim", "It took years before anyone listened."),
            ("interviewer", "Do you miss the village?"),
            ("aigerim", "Every day."),
        ],
    ),
    (
        "plain labels: Interviewer and the surname",
        "Interviewer: Why folk music?\n\nNurlanova: Because it remembers.\n\nInterviewer: And pop?\n\n"
        "Nurlanova: Pop forgets.",
        ("Interviewer:", "Nurlanova:"),
        [
            ("interviewer", "Why folk music?"),
            ("aigerim", "Because it remembers."),
            ("interviewer", "And pop?"),
            ("aigerim", "Pop forgets."),
        ],
    ),
    (
        "the publication's name for its questions",
        "Folk Weekly: Why folk music?\n\nNurlanova: Because it remembers, and because my family sang it.\n\n"
        "Folk Weekly: And pop?\n\nNurlanova: Pop forgets.",
        ("Folk Weekly:", "Nurlanova:"),
        [
            ("interviewer", "Why folk music?"),
            ("aigerim", "Because it remembers, and because my family sang it."),
            ("interviewer", "And pop?"),
            ("aigerim", "Pop forgets."),
        ],
    ),
    (
        "a bold question, then a plain answer",
        "**Why folk music?**\n\nBecause it remembers.\n\nAnd it forgives.\n\n**What about pop?**\n\nPop forgets.",
        ("**",),
        [
            ("interviewer", "Why folk music?"),
            ("aigerim", "Because it remembers."),
            ("aigerim", "And it forgives."),
            ("interviewer", "What about pop?"),
            ("aigerim", "Pop forgets."),
        ],
    ),
    (
        "italic questions, then plain answers",
        "*Why folk music?*\n\nBecause it remembers.\n\n*What about pop?*\n\nPop forgets.",
        ("*",),
        [
            ("interviewer", "Why folk music?"),
            ("aigerim", "Because it remembers."),
            ("interviewer", "What about pop?"),
            ("aigerim", "Pop forgets."),
        ],
    ),
    (
        "only the questions are labelled",
        "Q: Why folk music?\n\nBecause it remembers.\n\nQ: What about pop?\n\nPop forgets.",
        ("Q:",),
        [
            ("interviewer", "Why folk music?"),
            ("aigerim", "Because it remembers."),
            ("interviewer", "What about pop?"),
            ("aigerim", "Pop forgets."),
        ],
    ),
    (
        "prose before the questions, and an editors' note after",
        "We met in a café. “I am always late,” Nurlanova said.\n\nQ: Are you?\n\nA: Always.\n\nQ: Why?\n\n"
        "A: Habit.\n\nThis interview has been edited for length and clarity.",
        ("Q:", "A:"),
        [
            ("interviewer", "We met in a café."),
            ("aigerim", "I am always late,"),
            ("interviewer", "Nurlanova said."),
            ("interviewer", "Are you?"),
            ("aigerim", "Always."),
            ("interviewer", "Why?"),
            ("aigerim", "Habit."),
            ("interviewer", "This interview has been edited for length and clarity."),
        ],
    ),
]


@pytest.mark.parametrize(("case", "body", "labels", "expected"), QA_CASES, ids=[c[0] for c in QA_CASES])
def test_qa_interviews(case: str, body: str, labels: tuple[str, ...], expected: list[tuple[str, str]]) -> None:
    conversion = convert(body, header=QA_HEADER)
    assert conversion.interviewee == "Aigerim Nurlanova"
    assert [(s.speaker, s.text) for s in body_segments(conversion)] == expected
    for segment in body_segments(conversion):
        assert not any(label.strip("*") in segment.text for label in labels if label.strip("*:")), segment
    assert_conserved(conversion, body, labels)


def test_qa_with_a_third_speaker_label_gets_a_quoted_voice() -> None:
    body = (
        "Q: What did your manager think?\n\nA: Ask him.\n\nMarat Bekov: I thought it was madness.\n\n"
        "Q: And now?\n\nA: Now he agrees.\n\nMarat Bekov: I do."
    )
    conversion = convert(body, header=QA_HEADER)
    tags = {s.tag: (s.name, s.role) for s in conversion.episode.speakers}
    assert tags["bekov"] == ("Marat Bekov", "quoted")
    assert [s.speaker for s in body_segments(conversion)] == [
        "interviewer",
        "aigerim",
        "bekov",
        "interviewer",
        "aigerim",
        "bekov",
    ]


def test_unknown_labels_are_guessed_and_listed_for_review() -> None:
    body = "HM: Why folk?\n\nAN: Because my family sang it, every night, for years.\n\nHM: Pop?\n\nAN: Pop forgets."
    conversion = convert(body, header=QA_HEADER)
    assert [s.speaker for s in body_segments(conversion)] == ["interviewer", "aigerim", "interviewer", "aigerim"]
    notes = [c.text for c in review_notes(conversion.episode)]
    assert any("label 'AN' taken as the interviewee" in n for n in notes), notes
    assert any("label 'HM' taken as the interviewer" in n for n in notes), notes


def test_an_as_told_to_account_is_the_interviewees_throughout() -> None:
    header = "I Swam the Channel at 70\n\nAs told to Sarah Green\n\nRetired teacher Joan Walsh on her 17-hour swim.\n\n"
    body = "I started swimming at 60. My daughter said, “Mum, you need something.”\n\nThe water was freezing."
    conversion = convert(body, header=header)
    assert conversion.interviewee == "Joan Walsh"
    assert conversion.episode.speakers[0].name == "Sarah Green"
    assert [(s.speaker, s.text) for s in body_segments(conversion)] == [
        ("joan", "I started swimming at 60. My daughter said, “Mum, you need something.”"),
        ("joan", "The water was freezing."),
    ]


def test_a_label_used_once_is_prose() -> None:
    body = "Update: the protest was moved to Sunday. “We will be there,” Amina said."
    conversion = convert(body)
    assert not conversion.interview
    assert said(conversion) == [("We will be there,", "amina")]


# --------------------------------------------------------------------------- many quoted people

NEWS_CASES = [
    (
        "a council spokeswoman, then 'she' for her when the interviewee is also 'she'",
        "A council spokeswoman said: “We are reviewing the defences.” She added that the budget was “under pressure”.",
        [("We are reviewing the defences.", "council-spokeswoman"), ("under pressure", "council-spokeswoman")],
    ),
    (
        "said Dr Amir Patel, then 'he' and an unattributed follow-on",
        "“It is not enough,” said Dr Amir Patel, a hydrologist. “They have known since 2015.” "
        "He said the river had risen. “Twice as fast as predicted,” he added.",
        [
            ("It is not enough,", "patel"),
            ("They have known since 2015.", "patel"),
            ("Twice as fast as predicted,", "patel"),
        ],
    ),
    (
        "'he' for another person while the interviewee is 'she', then back to her",
        "“Order will be restored,” Tokayev said. “We will stay,” she said. “Nobody will be spared,” he said.",
        [("Order will be restored,", "tokayev"), ("We will stay,", "amina"), ("Nobody will be spared,", "tokayev")],
    ),
    (
        "according to a statement from a body",
        "According to a statement from the ministry, “funding has been increased”. "
        "“The works are on schedule,” according to the Environment Agency.",
        [("funding has been increased", "ministry"), ("The works are on schedule,", "environment-agency")],
    ),
    (
        "a body that said it in a statement",
        "“The safety of residents is our priority,” the ministry said in a statement.",
        [("The safety of residents is our priority,", "ministry")],
    ),
    (
        "a named organisation with a partial quote",
        "The Environment Agency said in a statement that it “continues to support the community”.",
        [("continues to support the community", "environment-agency")],
    ),
    (
        "police, and 'they' for them",
        "“Two men were arrested,” police said. “They will appear in court on Monday,” they added.",
        [("Two men were arrested,", "police"), ("They will appear in court on Monday,", "police")],
    ),
    (
        "a witness, then the surname of a person named earlier",
        "Marat Bekov runs the bakery. “The water came up to here,” one neighbour said. "
        "“We lost everything,” Bekov said.",
        [("The water came up to here,", "neighbour"), ("We lost everything,", "bekov")],
    ),
    (
        "a sentence about another person, then his unattributed quote",
        "Marat Bekov, who runs the bakery, was angry.\n\nHe pointed at the wall. “They took everything.”",
        [("They took everything.", "bekov")],
    ),
    (
        "an age or a description between the name and the verb; the interviewer's 'I ask'",
        "“We lost everything,” Marat Bekov, 54, said. Dr Amir Patel, a hydrologist at the university, said: "
        "“The river is rising.” “Are you afraid?” I ask. “No,” Duarte, 34, says.",
        [
            ("We lost everything,", "bekov"),
            ("The river is rising.", "patel"),
            ("Are you afraid?", "interviewer"),
            ("No,", "amina"),
        ],
    ),
    (
        "a place as a sentence's subject does not take the quote",
        "Amina spoke first. Republic Square was full that night. “We will never leave this place.”",
        [("We will never leave this place.", "amina")],
    ),
    (
        "an organisation that has spoken is the subject of the next sentence",
        "“We are investigating,” the Interior Ministry said. The Interior Ministry later added more. "
        "“Nobody was hurt in the operation.”",
        [("We are investigating,", "interior-ministry"), ("Nobody was hurt in the operation.", "interior-ministry")],
    ),
    (
        "two partial quotes in one sentence of a body's statement",
        "The Home Office said it was “committed to reducing the use of hotels” and that it had "
        "“engaged with the local authority throughout”.",
        [
            ("committed to reducing the use of hotels", "home-office"),
            ("engaged with the local authority throughout", "home-office"),
        ],
    ),
    (
        "an MP by name, a partial quote, then 'he added:'",
        "Local MP David Crane said the decision was “deeply disappointing”. He added: “I have written to the minister.”",
        [("deeply disappointing", "crane"), ("I have written to the minister.", "crane")],
    ),
    (
        "a relative introduced by a possessive, then 'she'",
        "Amina’s sister, Leila, has stood by her. “It has been very hard,” she said.",
        [("It has been very hard,", "leila")],
    ),
    (
        "a neighbour introduced by description and name, then 'he' for him",
        "“The change improved safety,” a spokesman said. Her neighbour, Marat Bekov, remembers the flood. "
        "“She saved us,” he says. “Six of us,” Bekov adds.",
        [
            ("The change improved safety,", "spokesman"),
            ("She saved us,", "marat-bekov"),
            ("Six of us,", "marat-bekov"),
        ],
    ),
    (
        "a name and a colon before the quote",
        "Dr Amir Patel was blunt. Patel: “It will not work.” Amina: “It already does.”",
        [("It will not work.", "patel"), ("It already does.", "amina")],
    ),
    (
        "a spokeswoman's second sentence, unattributed",
        "“We take every concern seriously,” a spokeswoman said. “A review found nothing.”",
        [("We take every concern seriously,", "spokeswoman"), ("A review found nothing.", "spokeswoman")],
    ),
    (
        "the interviewee's words stay hers after another speaker in an earlier paragraph",
        "“The plan is sound,” a council official said.\n\nAmina disagrees. “It is a disaster,” she said.",
        [("The plan is sound,", "council-official"), ("It is a disaster,", "amina")],
    ),
]


@pytest.mark.parametrize(("case", "body", "expected"), NEWS_CASES, ids=[c[0] for c in NEWS_CASES])
def test_many_quoted_people(case: str, body: str, expected: list[tuple[str, str]]) -> None:
    conversion = convert(body)
    assert said(conversion) == expected
    assert_conserved(conversion, body)
    speakers = {s.tag: s for s in conversion.episode.speakers}
    for _, tag in expected:
        assert tag in speakers
        if tag not in ("interviewer", "amina"):
            assert speakers[tag].role == "quoted"
            assert speakers[tag].voices == dict(DEFAULT_VOICES["quoted"])


def test_the_interviewee_is_a_person_not_the_place_named_most() -> None:
    header = "Last Orders\n\nBy Rhian Jones\n\nCampaigners say the village would lose its meeting place.\n\n"
    body = (
        "Landlady Carys Evans has run the Red Lion for 22 years. 'It's the heart of the place,' she said.\n\n"
        "The Red Lion is for sale. 'The site is no longer viable,' a Marston's spokesperson said.\n\n"
        "Mr Hughes, 81, has drunk in the Red Lion since the 1960s. 'Where else would I go?' he asked.\n\n"
        "Ms Evans said the village had raised money. 'We're not giving up,' she said."
    )
    conversion = convert(body, header=header)
    assert conversion.interviewee == "Carys Evans"
    assert said(conversion) == [
        ("It's the heart of the place,", "carys"),
        ("The site is no longer viable,", "spokesperson"),
        ("Where else would I go?", "hughes"),
        ("We're not giving up,", "carys"),
    ]
    names = {s.tag: s.name for s in conversion.episode.speakers}
    assert names["spokesperson"] == "Marston's spokesperson"


def test_reverse_pronouns_when_the_interviewee_is_he() -> None:
    header = "Night Shift\n\nBy Ann Writer\n\nNurse Daniel Okafor talks about his hospital and his patients.\n\n"
    body = (
        "Daniel Okafor works nights. “We are exhausted,” he said. “The ward is full,” a hospital spokeswoman said. "
        "“We have opened a second ward,” she added. “It is not enough,” he said."
    )
    conversion = convert(body, header=header)
    assert conversion.interviewee == "Daniel Okafor"
    assert said(conversion) == [
        ("We are exhausted,", "daniel"),
        ("The ward is full,", "hospital-spokeswoman"),
        ("We have opened a second ward,", "hospital-spokeswoman"),
        ("It is not enough,", "daniel"),
    ]


def test_quoted_speakers_have_names_and_a_third_voice_in_every_profile() -> None:
    conversion = convert("“It is not enough,” said Dr Amir Patel. “We stay,” Amina said.")
    *_, quoted = conversion.episode.speakers
    assert (quoted.tag, quoted.name, quoted.role) == ("patel", "Amir Patel", "quoted")
    for profile in ("local", "google"):
        voices = [DEFAULT_VOICES[role][profile][0] for role in ("host", "guest", "quoted")]
        assert len(set(voices)) == 3, (profile, voices)
    assert parse_script(serialize_script(conversion.episode)) == conversion.episode
    assert "the other quoted voices" in conversion.outro[0].text


def test_unattributable_words_stay_with_the_narrator_and_are_listed() -> None:
    body = "The square was empty. The door had the word “closed” on it. Later, “six words said by no one”"
    conversion = convert(body)
    assert [q.speaker for q in conversion.quotes] == ["interviewer", "interviewer"]
    (note,) = [q.note for q in conversion.quotes if q.note]
    assert note == "unattributed 6-word quote; given to the narrator"


# --------------------------------------------------------------------------- the review list


def test_review_notes_are_comments_next_to_their_lines_and_survive_a_round_trip() -> None:
    body = (
        "“The plan is sound,” a council official said.\n\n“It will be finished by June.” Amina laughed.\n\n"
        "Later, “six words said by no one”"
    )
    conversion = convert(body)
    text = serialize_script(conversion.episode)
    lines = text.splitlines()
    notes = review_notes(parse_script(text))
    assert [n.text.split(":")[0] for n in notes] == ["review", "review"]

    def line_after(comment: Comment) -> str:
        index = lines.index(f"<!-- {comment.text} -->") + 1
        return next(line for line in lines[index:] if line)

    assert "continues Council official" in notes[0].text
    assert line_after(notes[0]) == "council-official: It will be finished by June."
    assert "unattributed 6-word quote; given to the narrator" in notes[1].text
    assert line_after(notes[1]).startswith("interviewer: Later,")
    assert parse_script(text) == conversion.episode
    assert all(isinstance(c, Comment) for c in notes)


def test_the_shal_ket_article_needs_no_review() -> None:
    from pathlib import Path

    from shalket_audio.article import convert_file

    article = Path(__file__).resolve().parents[2] / "script" / "shal-ket.article.txt"
    assert review_notes(convert_file(article).episode) == []


# --------------------------------------------------------------------------- properties

_PROSE = st.sampled_from(
    [
        "The city was quiet.",
        "Amina Duarte walked to the square.",
        "She paused,",
        "Tokayev said nothing.",
        "A council spokeswoman said:",
        "said Dr Amir Patel.",
        "according to a statement,",
        "he added.",
        "(It was cold.)",
        "the so-called",
        "she said,",
        "I asked.",
        "The workers' union didn't agree.",
        "In the '90s it was rock 'n' roll.",
        "—",
        "[sic]",
    ]
)
_WORDS = st.sampled_from(
    [
        "We are tired,",
        "old man out",
        "What now?",
        "We will stay. Nobody leaves.",
        "The members' room didn't flood,",
        "They said ‘never’ to us.",
        "It is not enough",
    ]
)


_STYLES = [("“", "”", "‘", "’"), ('"', '"', "‘", "’"), ("‘", "’", "“", "”"), ("'", "'", '"', '"')]


@st.composite
def _article_body(draw: st.DrawFn) -> str:
    """Paragraphs of prose and well-formed quotes in one house style, with the other style nested inside.

    Quotes sometimes run over a paragraph break, reopened or not.  Apostrophes are straight, as in
    ``didn't`` and ``members'``; a document that mixes both styles at the top level is out of scope.
    """
    open_, close, inner_open, inner_close = draw(st.sampled_from(_STYLES))

    def words() -> str:
        return draw(_WORDS).replace("‘", inner_open).replace("’", inner_close)

    def quote() -> str:
        if draw(st.booleans()):
            reopen = open_ if draw(st.booleans()) else ""
            return f"{open_}{words()}\n\n{reopen}{words()}{close}"
        return f"{open_}{words()}{close}"

    paragraphs = draw(
        st.lists(st.lists(st.one_of(_PROSE, st.just("QUOTE")), min_size=1, max_size=7), min_size=1, max_size=5)
    )
    return "\n\n".join(" ".join(quote() if part == "QUOTE" else part for part in parts) for parts in paragraphs)


@settings(max_examples=200, deadline=None)
@given(_article_body())
def test_prose_conserves_text_and_keeps_quotes_whole(body: str) -> None:
    try:
        conversion = convert(body)
    except ShalketError:
        return
    strip = re.compile(r"[\s“”\"„«»‘’']")
    joined = "".join(s.text for s in body_segments(conversion))
    assert strip.sub("", joined) == strip.sub("", "".join(conversion.body))
    for segment in body_segments(conversion):
        assert segment.text.count("“") == segment.text.count("”"), segment
        assert segment.text.count("‘") == segment.text.count("’"), segment
        assert segment.text.count('"') % 2 == 0, segment


_LABEL_PAIRS = st.sampled_from([("Q:", "A:"), ("**Interviewer:**", "**Nurlanova:**"), ("Folk Weekly:", "Nurlanova:")])
_SENTENCES = st.lists(
    st.sampled_from(["Why?", "Because it remembers.", "“Sing,” she said.", "It's 'late'.", "Yes — always."]),
    min_size=1,
    max_size=3,
)


@settings(max_examples=150, deadline=None)
@given(_LABEL_PAIRS, st.lists(st.tuples(st.booleans(), _SENTENCES, st.integers(0, 2)), min_size=3, max_size=10))
def test_qa_conserves_text_and_starts_a_segment_at_each_change_of_speaker(
    labels: tuple[str, str], turns: list[tuple[bool, list[str], int]]
) -> None:
    paragraphs = []
    expected = []
    for number, (_, sentences, extra) in enumerate(turns):
        answer = number % 2 == 1
        text = " ".join(sentences)
        paragraphs.append(f"{labels[answer]} {text}")
        expected.append(("aigerim" if answer else "interviewer", text))
        for _ in range(extra if answer else 0):
            paragraphs.append(text)  # an answer running over more paragraphs
            expected.append(("aigerim", text))
    body = "\n\n".join(paragraphs)
    conversion = convert(body, header=QA_HEADER)
    assert [(s.speaker, s.text) for s in body_segments(conversion)] == expected
    assert all(s.new_paragraph for s in body_segments(conversion))


# --------------------------------------------------------------------------- linear time


def _generated_article(words: int) -> str:
    pieces = [
        "Amina Duarte walked to the square, where the crowd had gathered since the early morning.",
        "“We are tired of waiting,” she said, “and we will not leave.”",
        "“Order will be restored,” said Dr Amir Patel, a spokesman for the ministry.",
        "He added that the plan was “under review”. A council spokeswoman said: “We are listening.”",
        "The members' room was full. ‘It's rock 'n' roll,’ one neighbour said.",
        "Locals call it “the cauldron”.",
    ]
    paragraphs, count, index = [], 0, 0
    while count < words:
        paragraph = " ".join(pieces[(index + k) % len(pieces)] for k in range(2 + index % 4))
        paragraphs.append(paragraph)
        count += len(paragraph.split())
        index += 1
    return HEADER + "\n\n".join(paragraphs)


def test_conversion_time_grows_linearly() -> None:
    """CPU time at 4x the words over CPU time at 1x (best of three each): linear is about 4, quadratic 16."""
    small, large = _generated_article(10_000), _generated_article(40_000)

    def best(text: str) -> float:
        times = []
        for _ in range(3):
            start = time.process_time()
            convert_article(text, today=date(2026, 1, 1))
            times.append(time.process_time() - start)
        return min(times)

    ratio = best(large) / best(small)
    assert ratio < 6, f"4x the words took {ratio:.1f}x the time"
