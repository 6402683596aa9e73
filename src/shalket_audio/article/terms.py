"""Quotes that are nobody's speech: terms, titles, names, slogans and official wording.

The narrator reads them.  A cue before the quote says so (``known as``, ``the slogan``, ``charged
with``), or its form does: a title or a name in capitals inside a sentence.
"""

from __future__ import annotations

import re

TERM_CUE = re.compile(
    r"(?:called|named|dubbed|titled|entitled|known as|translates? (?:to|as)|translated as|means|meaning|"
    r"word|words|term|phrase|slogan|motto|headline|chant(?:ed|ing|s)?|banner|placard|sign|reading|reads|"
    r"label(?:l?ed)?|nicknamed|so-called|the name|"
    # an official charge or ruling in quotes is the authorities' wording, which the narrator reports
    r"charged with|charges? of|accused of|convicted of|guilty of|offen[cs]es? of|crimes? of|on suspicion of)\s*$",
    re.IGNORECASE,
)
#: A name or a title in quotes: every word that is not a short function word starts with a capital.
_TITLE_WORD = re.compile(r"[\w’'-]+")


def is_title(inner: str, sentence: str, after: str) -> bool:
    """``"Seize the Night," topped the list``, the ``'Budapest' singer``: a title or name inside the sentence."""
    text = inner.strip(" ,;:")
    inside = bool(sentence.strip()) or (text == inner.strip() and bool(re.match(r"\s+[a-z]", after)))
    if not text or text[-1:] in ".!?…" or not inside:
        return False
    words = _TITLE_WORD.findall(text)
    if not words or len(words) > 8 or (len(words) == 1 and text != inner.strip()):
        return False  # "No," or "Never!" inside a sentence is a word said, not a title
    return all(w[:1].isupper() or (len(w) <= 3 and w.islower()) for w in words) and words[0][:1].isupper()
