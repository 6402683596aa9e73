"""What each listener file is made from, as one digest per file: a build renders only the files whose digest
changed (or that are missing), and leaves the others alone without rendering them.

A file's material is everything its renderer reads (``package.publish`` and the modules it calls), cut as
finely as is cheap to be sure of: a chapter title edit changes the timeline's chapters and so the episode's
chapters JSON, page and the feed, but not its transcripts (which read only the segments), another
episode's files (beyond the links to it, which show only its title) or the page's assets.  The tool's
version is in every digest, so a new release renders everything once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .. import __version__
from ..audio.cover import cover_identity
from ..fileio import file_sha256_or_none
from ..script import Episode
from ..script.model import Show

#: The page's static assets, copied from ``web/``.
ASSETS = ("player.css", "player.js")
#: Each episode's own files, by suffix.
EPISODE_SUFFIXES = (".jpg", ".chapters.json", ".vtt", ".srt", ".json", ".html")


@dataclass(frozen=True)
class EpisodeInputs:
    """One episode as its listener files see it, read from its files once."""

    name: str  # the file stem: NAME.mp3
    episode: Episode
    timeline: dict[str, Any]  # the timeline file's JSON
    mp3_name: str
    mp3_size: int | None  # the feed's enclosure length
    guid: str
    added: str  # ISO time it was first built into the show

    def material(self) -> dict[str, Any]:
        """What the episode's page shows of itself, and the feed of it."""
        return {
            "name": self.name,
            "metadata": asdict(self.episode.metadata),
            "speakers": [(s.tag, s.name, s.role) for s in self.episode.speakers],
            "timeline": self.timeline,
            "mp3": [self.mp3_name, self.mp3_size],
            "guid": self.guid,
            "added": self.added,
        }

    def link(self) -> dict[str, Any]:
        """What another episode's page shows of this one: a link with its title."""
        return {"name": self.name, "title": self.episode.metadata.title}


def read_inputs(episode: Episode, mp3: Path, timeline: Path, guid: str, added: str) -> EpisodeInputs:
    try:
        size: int | None = mp3.stat().st_size
    except OSError:
        size = None
    data = json.loads(timeline.read_text(encoding="utf-8"))
    return EpisodeInputs(mp3.stem, episode, data, mp3.name, size, guid, added)


def file_keys(
    episodes: list[EpisodeInputs], base_url: str | None, show: Show, show_guid: str | None, image: Path | None
) -> dict[str, str]:
    """Each listener file's name and the digest of what it is made from; ``episodes`` newest first."""
    keys: dict[str, str] = {}
    for asset in ASSETS:
        data = resources.files("shalket_audio.publish.web").joinpath(asset).read_bytes()
        keys[asset] = _digest("asset", hashlib.sha256(data).hexdigest())
    if image is not None:
        keys["index.jpg"] = _digest("show image", str(image.resolve()), file_sha256_or_none(image))
    for number, entry in enumerate(episodes):
        meta = entry.episode.metadata
        name = entry.name
        said = {k: v for k, v in entry.timeline.items() if k != "chapters"}
        speakers = [(s.tag, s.name, s.role) for s in entry.episode.speakers]
        keys[f"{name}.jpg"] = _digest("cover", cover_identity(entry.episode))
        keys[f"{name}.chapters.json"] = _digest(
            "chapters", meta.title, meta.show, entry.timeline.get("chapters"), base_url, entry.mp3_name
        )
        for suffix in (".vtt", ".srt", ".json"):
            keys[f"{name}{suffix}"] = _digest("transcript", suffix, said, speakers)
        others = [o.link() for o in episodes if o is not entry]
        page = _digest("page", entry.material(), others)
        keys[f"{name}.html"] = page
        if number == 0:
            keys["index.html"] = page
    keys["feed.xml"] = _digest(
        "feed", [e.material() for e in episodes], base_url, {**asdict(show), "path": None}, show_guid, image is not None
    )
    return keys


def _digest(*material: Any) -> str:
    text = json.dumps([__version__, *material], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
