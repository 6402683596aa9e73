"""Text prepared for speech: small steps, each tested on its own.

``prepare`` runs them in order: the lexicon, then symbols and numbers, then
brackets, ellipses and quote marks, then chunking at sentence boundaries.  The
cache key is built from the prepared chunks, so a lexicon change re-synthesizes
exactly the segments whose spoken text changed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from num2words import num2words

#: Engines read long inputs badly (flite drifts, gTTS splits at 100 characters
#: anyway); shorter chunks also mean an edit re-synthesizes less.
MAX_CHUNK_CHARS = 320

_SCALES = {"k": "thousand", "m": "million", "mn": "million", "bn": "billion", "b": "billion", "tn": "trillion"}
_CURRENCIES = {"$": "dollars", "£": "pounds", "€": "euros", "¥": "yen"}
_CURRENCY_SINGULAR = {"$": "dollar", "£": "pound", "€": "euro", "¥": "yen"}


#: Phonemes stand in the text as one private-use character each while the other steps run, so no step
#: can touch them; they become ``[[ phonemes ]]`` blocks, which Piper and Kokoro read as raw IPA.
_PHONEME_MARK = 0xE000


def prepare(
    text: str, lexicon: Mapping[str, str] | None = None, phonemes: Mapping[str, str] | None = None
) -> list[str]:
    """The chunks an engine should say for one segment's text.

    ``phonemes`` (written form -> IPA) is given for engines that take phonemes; those words are then
    said from their phonemes, and every other engine says the lexicon's respelling.
    """
    marks: list[str] = []
    spoken = apply_lexicon(text, lexicon or {}, phonemes or {}, marks)
    spoken = expand_symbols(spoken)
    spoken = expand_numbers(spoken)
    spoken = tidy_punctuation(spoken)
    chunks = chunk_sentences(spoken)
    if marks:
        table = {_PHONEME_MARK + i: f"[[{ipa}]]" for i, ipa in enumerate(marks)}
        chunks = [chunk.translate(table) for chunk in chunks]
    # A chunk with no letter or digit (stray brackets, a lone stop) gives engines nothing to say, or noise.
    return [chunk for chunk in chunks if _WORD_RE.search(chunk)]


def apply_lexicon(
    text: str,
    lexicon: Mapping[str, str],
    phonemes: Mapping[str, str] | None = None,
    marks: list[str] | None = None,
) -> str:
    """Replace whole words by their spoken form.

    Case-aware: an all-lower-case written form matches in any case ("shal ket"
    also matches "Shal Ket"); a written form with capitals matches only that
    exact spelling, so "US" never rewrites "us".  Longer entries win.  With
    ``phonemes`` and ``marks``, a word with phonemes becomes a private-use mark
    whose phonemes are ``marks[mark - 0xE000]``.
    """
    phonemes = phonemes or {}
    lexicon = {**{written: written for written in phonemes}, **lexicon}
    if not lexicon:
        return text
    entries = sorted(lexicon.items(), key=lambda item: -len(item[0]))
    patterns = []
    for written, _ in entries:
        escaped = re.escape(written).replace(r"\ ", r"\s+")
        body = f"(?i:{escaped})" if written == written.lower() else escaped
        patterns.append(rf"(?<![\w-]){body}(?![\w-])")
    combined = re.compile("|".join(f"({p})" for p in patterns))

    def spoken(match: re.Match[str]) -> str:
        written, respelled = entries[(match.lastindex or 1) - 1]
        if marks is not None and written in phonemes:
            if phonemes[written] not in marks:
                marks.append(phonemes[written])
            return chr(_PHONEME_MARK + marks.index(phonemes[written]))
        return respelled

    return combined.sub(spoken, text)


_CURRENCY_RE = re.compile(
    r"([$£€¥])\s?(\d[\d,]*(?:\.\d+)?)\s?(bn|mn|tn|[kmb])?\b(?:\s?(million|billion|thousand|trillion))?", re.I
)
_ACRONYM_PLUS_RE = re.compile(r"\b([A-Z]{2,6})\+")
_CONSONANT_ACRONYM_RE = re.compile(r"\b(?=[A-Z]{2,6}\b)[B-DF-HJ-NP-TV-XZ]+\b")


def expand_symbols(text: str) -> str:
    """Currency, acronyms, '%', '&' and similar symbols in words."""
    text = _CURRENCY_RE.sub(_currency, text)
    text = _ACRONYM_PLUS_RE.sub(lambda m: " ".join(m.group(1)) + " plus", text)
    text = _CONSONANT_ACRONYM_RE.sub(lambda m: " ".join(m.group(0)), text)
    text = re.sub(r"(\d)\s?%", r"\1 percent", text)
    text = re.sub(r"\s&\s", " and ", text)
    text = re.sub(r"(\d)\s?°C\b", r"\1 degrees Celsius", text)
    text = re.sub(r"(\d)\s?°F\b", r"\1 degrees Fahrenheit", text)
    text = re.sub(r"(?<=\s)\+(?=\d)", "plus ", text)
    return text


def _currency(match: re.Match[str]) -> str:
    symbol, amount, short_scale, long_scale = match.groups()
    scale = _SCALES.get((short_scale or "").lower()) or (long_scale or "").lower()
    number = amount.replace(",", "")
    if scale:
        return f"{number} {scale} {_CURRENCIES[symbol]}"
    if "." in number:
        whole, cents = number.split(".", 1)
        unit = _CURRENCY_SINGULAR[symbol] if whole == "1" else _CURRENCIES[symbol]
        return f"{whole} {unit} {cents.ljust(2, '0')[:2]}"
    return f"{number} {_CURRENCY_SINGULAR[symbol] if number == '1' else _CURRENCIES[symbol]}"


_ORDINAL_RE = re.compile(r"\b(\d+)(st|nd|rd|th)\b", re.I)
_DECADE_RE = re.compile(r"\b(1[1-9]|20)(\d)0s\b")
_YEAR_RE = re.compile(
    r"(?<![\d.,])\b(1[1-9]\d\d|20\d\d)\b(?![\d.,]\d|\s?(?:percent|million|billion|thousand|people|dollars|pounds))"
)
_NUMBER_RE = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\d])")


def expand_numbers(text: str) -> str:
    """Ordinals, decades, years and cardinals in words ("9th" -> "ninth", "1991" -> "nineteen ninety-one")."""
    text = _ORDINAL_RE.sub(lambda m: num2words(int(m.group(1)), to="ordinal"), text)
    text = _DECADE_RE.sub(_decade, text)
    text = _YEAR_RE.sub(lambda m: str(num2words(int(m.group(1)), to="year")), text)
    return _NUMBER_RE.sub(_cardinal, text)


def _decade(match: re.Match[str]) -> str:
    year = str(num2words(int(match.group(1) + match.group(2) + "0"), to="year"))
    return year[:-1] + "ies" if year.endswith("y") else year + "s"


def _cardinal(match: re.Match[str]) -> str:
    whole = int(match.group(1).replace(",", ""))
    words = str(num2words(whole)).replace(",", "")
    if match.group(2):
        words += " point " + " ".join(num2words(int(d)) for d in match.group(2)[1:])
    return words


def tidy_punctuation(text: str) -> str:
    """Brackets, ellipses, dashes and quote marks in a form every engine reads the same way."""
    # Runs of spaces first become one space: several patterns below start with ``\s+`` or ``\s*``, which
    # would otherwise rescan a long run from each of its positions (quadratic time on a line of spaces).
    text = " ".join(text.split())
    text = re.sub(r"\[(?:sic|sic!)\]", "", text, flags=re.I)
    text = re.sub(r"\[([^\]]*)\]", r"\1", text)  # an editorial insertion is read as part of the sentence
    text = re.sub(r"\s*\(([^)]*)\)", r", \1,", text)  # an aside gets the pauses commas give it
    text = re.sub(r"(?:…|\.\.\.)\s*(?=[A-Z]|$)", ". ", text)
    text = re.sub(r"(?:…|\.\.\.)", ",", text)
    text = re.sub(r"\s+[-–—]\s+|—", ", ", text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", "").replace("”", "").replace('"', "")
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"([?!.])\s*,", r"\1", text)
    text = re.sub(r",\s*([.?!])", r"\1", text)
    text = re.sub(r"^\s*,\s*", "", text)
    return " ".join(text.split())


#: Where a sentence ends and the next begins, and where a clause does: chunking, cue lines and the
#: listening check's second takes all cut text here.
SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+(?=\S)")
CLAUSE_BREAK = re.compile(r"(?<=[,;:])\s+(?=\S)")
_WORD_RE = re.compile(r"\w")


def chunk_sentences(text: str, limit: int = MAX_CHUNK_CHARS) -> list[str]:
    """Split at sentence ends into chunks of at most ``limit`` characters (clauses, then words, if must)."""
    if not text:
        return []
    pieces: list[str] = []
    for sentence in SENTENCE_BREAK.split(text):
        if len(sentence) <= limit:
            pieces.append(sentence)
            continue
        for clause in CLAUSE_BREAK.split(sentence):
            pieces += _split_words(clause, limit) if len(clause) > limit else [clause]
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + 1 + len(piece) <= limit:
            chunks[-1] += " " + piece
        else:
            chunks.append(piece)
    return chunks


def _split_words(text: str, limit: int) -> list[str]:
    parts: list[str] = []
    for word in text.split():
        if parts and len(parts[-1]) + 1 + len(word) <= limit:
            parts[-1] += " " + word
        else:
            parts.append(word[:limit])
    return parts


#: The scripts (Unicode's names for writing systems) an episode's voices read, by language: the voices are
#: cast for the script's ``language:``.  Letters of any other script are read out as character names
#: ("Arabic letter …"), so they are refused at their line.  A language not listed here is not checked.
_LATIN = ("LATIN", "GREEK")  # Greek letters in English text are read as letters ("beta"), which is right
_SCRIPTS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        "en fr de es it pt nl sv da no nb nn fi pl cs sk hu ro tr id ms vi ca hr sl et lv lt sq af sw tl eu gl "
        "is ga cy mt".split(),
        _LATIN,
    ),
    **dict.fromkeys("ru uk bg sr mk be kk ky mn tg".split(), ("LATIN", "CYRILLIC")),
    "el": ("LATIN", "GREEK"),
    **dict.fromkeys("ar fa ur".split(), ("LATIN", "ARABIC")),
    **dict.fromkeys("he yi".split(), ("LATIN", "HEBREW")),
    "zh": ("LATIN", "CJK"),
    "ja": ("LATIN", "CJK", "HIRAGANA", "KATAKANA"),
    "ko": ("LATIN", "HANGUL", "CJK"),
}
#: Other symbols from the arrows on (pictographs, dingbats, emoji): no engine says them as meant.
_FIRST_PICTOGRAPH = 0x2190


def unspeakable(text: str, language: str) -> str | None:
    """What in ``text`` the voices of ``language`` cannot say (the first such run, and what it is), or None.
    ``[[ phonemes ]]`` blocks are the lexicon's IPA and are not text."""
    import unicodedata

    allowed = _SCRIPTS.get(language.lower().split("-")[0].split("_")[0])
    for start, char in enumerate(_RAW_IPA.sub(" ", text)):
        category = unicodedata.category(char)
        if category == "So" and ord(char) >= _FIRST_PICTOGRAPH:
            return f"{char!r} ({unicodedata.name(char, 'a symbol').lower()}), a symbol or emoji"
        if allowed is None or not (category.startswith("L") or category == "Nd") or char.isascii():
            continue
        script = unicodedata.name(char, "UNKNOWN").split()[0].split("-")[0]
        if script not in allowed:
            run = re.match(r"\S+", _RAW_IPA.sub(" ", text)[start:])
            name = "CJK" if script == "CJK" else script.capitalize()
            return f"'{run.group(0) if run else char}' ({name} letters), which a '{language}' voice spells out"
    return None


_RAW_IPA = re.compile(r"\[\[.*?\]\]")
