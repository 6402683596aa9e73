"""One built episode as the listener files need it, and where each of its files is found."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urljoin

from ..audio.timeline import Timeline
from ..script import Episode


@dataclass(frozen=True)
class Published:
    """One built episode, as the listener package needs it."""

    episode: Episode
    name: str  # the file stem: NAME.mp3
    mp3: Path
    timeline: Timeline
    cover: bytes


def file_url(base_url: str | None, name: str) -> str:
    """A listener file's URL: absolute under ``base_url``, else relative to the output folder."""
    return urljoin(base_url, quote(name)) if base_url else quote(name)
