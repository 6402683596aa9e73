"""Text to IPA phonemes with espeak-ng, for engines that take phonemes (Kokoro), and Kokoro's tokens.

espeak-ng comes through Piper's own bridge (``piper.espeakbridge``, with the
espeak-ng data Piper ships), so this adds no dependency and no GPL
phonemizer.  A ``[[ … ]]`` block in the text is raw IPA from the script's
lexicon and is passed through untouched, as Piper does with the same syntax.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping

RAW_BLOCK = re.compile(r"(\[\[.*?\]\])")
#: espeak-ng drops punctuation that opens a clause; keep it so the model still pauses there.
_LEADING_PUNCTUATION = re.compile(r"^\s*([,;:.!?—…]+)")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([,;:.!?])")
#: Kokoro's model reads at most this many tokens per call (its style table has 510 rows).
MAX_TOKENS = 510

#: Kokoro's language codes -> the espeak-ng voice that phonemizes them ("en" is espeak-ng's British English).
ESPEAK_VOICES = {"en-us": "en-us", "en-gb": "en"}

# espeak-ng holds process-global state: one voice and one text at a time.
_ESPEAK_LOCK = threading.Lock()
_initialised = False


def espeak_clauses(text: str, language: str) -> list[tuple[str, str]]:
    """(phonemes, terminating punctuation) for each clause espeak-ng finds in ``text``."""
    global _initialised
    from piper import espeakbridge
    from piper.phonemize_espeak import ESPEAK_DATA_DIR

    with _ESPEAK_LOCK:
        if not _initialised:
            espeakbridge.initialize(str(ESPEAK_DATA_DIR))
            _initialised = True
        espeakbridge.set_voice(ESPEAK_VOICES.get(language, language))
        clauses = espeakbridge.get_phonemes(text)
    # espeak-ng marks words it reads in another language as "(fr)…(en)"; the flags are not sounds
    return [(re.sub(r"\([^)]*\)", "", phonemes), terminator) for phonemes, terminator, _ in clauses]


def phonemize(text: str, language: str) -> str:
    """The whole text as one IPA string with Kokoro's punctuation, raw ``[[ … ]]`` blocks kept as written."""
    pieces: list[str] = []
    for part in RAW_BLOCK.split(text):
        if not part:
            continue
        if part.startswith("[[") and part.endswith("]]"):
            pieces.append(part[2:-2].strip())
            continue
        leading = _LEADING_PUNCTUATION.match(part)
        if leading and pieces:
            pieces[-1] += leading.group(1)
        for phonemes, terminator in espeak_clauses(part, language):
            clause = (phonemes.strip() + terminator).strip()
            if clause:
                pieces.append(clause)
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join(pieces))


def tokenize(phonemes: str, vocab: Mapping[str, int]) -> list[int]:
    """Kokoro's token ids; characters outside its vocabulary (ties, stray symbols) are dropped."""
    return [vocab[p] for p in phonemes if p in vocab]


def batches(phonemes: str, vocab: Mapping[str, int], limit: int = MAX_TOKENS) -> list[list[int]]:
    """Token lists of at most ``limit``, cut after sentence or clause punctuation where possible."""
    tokens = tokenize(phonemes, vocab)
    if len(tokens) <= limit:
        return [tokens] if tokens else []
    breaks = {vocab[p] for p in ".!?;:," if p in vocab}
    out: list[list[int]] = []
    start = 0
    while len(tokens) - start > limit:
        window = tokens[start : start + limit]
        cut = max((i + 1 for i, token in enumerate(window) if token in breaks), default=limit)
        out.append(tokens[start : start + cut])
        start += cut
    out.append(tokens[start:])
    return [batch for batch in out if batch]


#: What IPA as espeak-ng writes it is made of, besides letters: stress and length marks, ties, syllable and
#: word breaks, and the punctuation Piper and Kokoro read as pauses.
_IPA_MARKS = frozenset(" .,;:!?'-ˈˌːˑ‿͜͡|‖↗↘")
#: Unicode's names for the letters of phoneme sets: Latin (with the IPA extensions), Greek (β, θ, χ) and the
#: modifier letters (ʰ, ʲ, ʷ), plus the combining diacritics.
_IPA_LETTER_NAMES = ("LATIN", "GREEK", "MODIFIER LETTER", "COMBINING")


def ipa_problem(ipa: str) -> str | None:
    """Why ``ipa`` cannot be phonemes (the first character no phoneme set has), or None when it can.

    Piper and Kokoro drop or misread such characters silently (``<>{}``, an emoji, a NUL), so a lexicon entry
    holding one is refused where phonemes are prepared."""
    import unicodedata

    if not ipa.strip():
        return "it is empty"
    for column, char in enumerate(ipa, 1):
        if char in _IPA_MARKS:
            continue
        name = unicodedata.name(char, "")
        category = unicodedata.category(char)
        if (category.startswith("L") or category.startswith("M")) and name.startswith(_IPA_LETTER_NAMES):
            continue
        shown = repr(char) if category.startswith("C") or not name else f"'{char}'"
        label = name.lower() if name else f"U+{ord(char):04X}"
        return f"character {column}, {shown} ({label}), is in no phoneme set"
    return None
