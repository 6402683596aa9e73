"""Stage 1, article -> script: the converter (``convert.py``) and the rules it reads interviews by.

- ``text.py``: shared word lists and patterns; ``header.py``: title, byline and standfirst;
- ``qa.py``: Q&A transcripts by their labels; ``quotes.py``: quote marks and spans;
- ``speakers.py`` and ``attribution.py``: who the interviewee is, and who said each quote;
- ``segments.py``: paragraphs into speaker segments; ``chapters.py``: chapter cuts and titles;
- ``review.py`` and ``report.py``: the review notes and the converter's summary.
"""

from .convert import DEFAULT_NARRATOR, TARGET_CHAPTER_SECONDS, Conversion, Quote, convert_article, convert_file
from .review import review_notes

__all__ = [
    "DEFAULT_NARRATOR",
    "TARGET_CHAPTER_SECONDS",
    "Conversion",
    "Quote",
    "convert_article",
    "convert_file",
    "review_notes",
]
