"""The review list: attributions the rules were unsure of, kept as comments in the script.

Each note is a ``<!-- review: … -->`` comment just above the segment it concerns.  The script format
keeps comments, so the notes survive edits; a producer deletes each one once the line is checked, and
``shalket-audio check`` counts the ones left.
"""

from __future__ import annotations

from ..script import Comment, Episode

PREFIX = "review:"


def review_notes(episode: Episode) -> list[Comment]:
    """Every review comment in the script, in order (with its line when the episode was parsed)."""
    comments = list(episode.preamble)
    for chapter in episode.chapters:
        comments += [item for item in chapter.items if isinstance(item, Comment)]
    return [c for c in comments if c.text.startswith(PREFIX)]
