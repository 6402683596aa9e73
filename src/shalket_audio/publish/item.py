"""One built episode as the listener files need it, and where each of its files is found."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urljoin

from ..audio.timeline import Timeline
from ..script import Episode, Metadata
from ..script.model import Show

#: An episode first built before there was a show record, or by a caller that gives no date: sorts first.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Published:
    """One built episode, as the listener package needs it."""

    episode: Episode
    name: str  # the file stem: NAME.mp3
    mp3: Path
    timeline: Timeline
    cover: bytes
    guid: str = ""  # the feed item's GUID (the show record's)
    added: datetime = field(default=EPOCH)  # when it was first built into the show

    @property
    def published(self) -> datetime:
        """The item's pubDate: the script's date at noon UTC, else when it was first built."""
        if self.episode.metadata.date:
            return datetime.fromisoformat(self.episode.metadata.date).replace(hour=12, tzinfo=UTC)
        return self.added


def file_url(base_url: str | None, name: str) -> str:
    """A listener file's URL: absolute under ``base_url``, else relative to the output folder."""
    return urljoin(base_url, quote(name)) if base_url else quote(name)


def default_guid(episode: Episode) -> str:
    """The GUID an episode gets on its first build (the formula feeds used before the show record kept GUIDs,
    so their subscribers keep their episodes)."""
    meta = episode.metadata
    identity = f"shalket-audio/{meta.show or meta.title}/{meta.title}/{meta.date}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, identity)}"


def default_show(meta: Metadata) -> Show:
    """The show when there is no ``show.yaml``: from an episode's front matter (the show's first)."""
    title = meta.show or meta.title
    return Show(
        title=title,
        author=meta.author,
        description=f"{title}: published interviews, read aloud by synthetic voices.",
        language=meta.language,
        email=meta.email,
    )
