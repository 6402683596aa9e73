"""Stage 5, listener files from the timeline alone: transcripts, chapters JSON, the feed, the page, ``serve``
and the read-back (``readback.py``, what a podcast app would see in the MP3)."""

from .item import Published, file_url
from .package import Built, PublishReport, listener_files, publish, publish_episodes

__all__ = [
    "Built",
    "PublishReport",
    "Published",
    "file_url",
    "listener_files",
    "publish",
    "publish_episodes",
]
