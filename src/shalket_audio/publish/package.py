"""The listener package, written next to each MP3 and derived from its timeline alone.

- ``NAME.chapters.json``: Podcasting 2.0 JSON chapters (``chapters.py``);
- ``NAME.vtt`` / ``NAME.srt`` / ``NAME.json``: transcripts (``transcripts.py``);
- ``NAME.jpg``: the cover, for the feed and the page (and ``index.jpg``, the show's image when it has one);
- ``feed.xml``: RSS 2.0 with the itunes and podcast namespaces, every episode of the show (``feed.py``);
- ``NAME.html`` and ``index.html`` (the newest episode, and links to all the others): the player page, with
  ``player.css`` and ``player.js`` (``page.py``, ``web/``).

``publish_episodes`` writes it only when what it is made from changed: a
digest of that (timelines, MP3s, metadata, covers, the show, GUIDs, base URL) is kept in
``OUT/.listener.json``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

from .. import __version__
from ..audio.cover import cover_identity, cover_jpeg
from ..audio.timeline import Timeline
from ..fileio import atomic_write_bytes, atomic_write_text, file_sha256_or_none
from ..script import Episode, Metadata
from ..script.model import Show
from .item import EPOCH, Published, default_show, file_url

STATE_NAME = ".listener.json"


@dataclass(frozen=True)
class Built:
    """One episode built into the output folder, as publishing needs it."""

    episode: Episode
    mp3: Path
    timeline_path: Path
    cover: bytes = b""  # the JPEG the build embedded, when this build made it
    guid: str = ""  # the feed item's GUID, from the show record
    added: datetime = field(default=EPOCH)  # when it was first built into the show


@dataclass(frozen=True)
class PublishReport:
    up_to_date: bool  # nothing the package is made from changed: nothing was written
    files: tuple[Path, ...]


def publish_episodes(
    out_dir: Path,
    built: list[Built],
    base_url: str | None = None,
    show: Show | None = None,
    show_guid: str | None = None,
) -> PublishReport:
    """The listener package for ``built`` (newest first), written unless it is already current and whole."""
    show = show or default_show(built[0].episode.metadata)
    state_file, state = package_state(out_dir, built, base_url, show, show_guid)
    files = listener_files(out_dir, built, show)
    complete = all(path.is_file() for path in files)
    if complete and state_file.is_file() and state_file.read_text(encoding="utf-8") == state:
        return PublishReport(True, tuple(files))
    items = []
    for entry in built:
        cover_file = out_dir / f"{entry.mp3.stem}.jpg"
        cover = entry.cover or (cover_file.read_bytes() if cover_file.is_file() else cover_jpeg(entry.episode))
        timeline = Timeline.from_json(entry.timeline_path.read_text(encoding="utf-8"))
        items.append(Published(entry.episode, entry.mp3.stem, entry.mp3, timeline, cover, entry.guid, entry.added))
    written = publish(out_dir, items, base_url, show, show_guid)
    atomic_write_text(state_file, state)
    return PublishReport(False, tuple(written))


def package_state(
    out_dir: Path, built: list[Built], base_url: str | None, show: Show | None = None, show_guid: str | None = None
) -> tuple[Path, str]:
    """Where the listener package's record lives, and what it must say for the package to be current:
    a digest of everything the package is made from (timelines, MP3s, metadata, cover, the show, base URL)."""
    show = show or default_show(built[0].episode.metadata)
    image = show_image(show)
    material = {
        "tool": __version__,
        "base_url": base_url,
        "show": {**asdict(show), "path": None, "image": file_sha256_or_none(image) if image else None},
        "show_guid": show_guid,
        "episodes": [
            {
                "name": entry.mp3.stem,
                "timeline": file_sha256_or_none(entry.timeline_path),
                "mp3": file_sha256_or_none(entry.mp3),
                "metadata": asdict(entry.episode.metadata),
                "speakers": [(s.tag, s.name, s.role) for s in entry.episode.speakers],
                "cover": cover_identity(entry.episode),
                "guid": entry.guid,
                "added": entry.added.isoformat(),
            }
            for entry in built
        ],
    }
    return out_dir / STATE_NAME, json.dumps(material, sort_keys=True, ensure_ascii=False)


def show_image(show: Show) -> Path | None:
    """The show's own image file (relative to its show.yaml), when it names one."""
    if not show.image:
        return None
    base = show.path.parent if show.path else Path.cwd()
    return base / show.image


def listener_files(out_dir: Path, built: list[Built], show: Show | None = None) -> list[Path]:
    """The files the listener package consists of."""
    names = ["index.html", "feed.xml", "player.css", "player.js"]
    if show is not None and show.image:
        names.append("index.jpg")
    for entry in built:
        stem = entry.mp3.stem
        names += [f"{stem}{suffix}" for suffix in (".jpg", ".chapters.json", ".vtt", ".srt", ".json", ".html")]
    return [out_dir / name for name in names]


def publish(
    out_dir: Path,
    items: list[Published],
    base_url: str | None = None,
    show: Show | None = None,
    show_guid: str | None = None,
) -> list[Path]:
    """Write the listener package for ``items`` (newest first) into ``out_dir``; return the files written."""
    # The renderers load only when something is rendered: an up-to-date build never needs them.
    from .chapters import chapters_json
    from .feed import feed_xml
    from .page import page_html
    from .transcripts import json_transcript, srt_text, vtt_text

    written: list[Path] = []

    def write(name: str, data: str | bytes) -> None:
        path = out_dir / name
        raw = data.encode("utf-8") if isinstance(data, str) else data
        if not path.is_file() or path.read_bytes() != raw:  # unchanged files keep their dates
            atomic_write_bytes(path, raw)
        written.append(path)

    show = show or default_show(items[0].episode.metadata)
    image = show_image(show)
    if image is not None:
        # The cover checks (square, 1400 to 3000 pixels, no decompression bomb) through an episode-shaped value.
        holder = Episode(Metadata(title=show.title, cover=str(image.resolve())), (), (), path=show.path)
        write("index.jpg", cover_jpeg(holder))
    for item in items:
        write(f"{item.name}.jpg", item.cover)
        write(f"{item.name}.chapters.json", chapters_json(item, file_url(base_url, item.mp3.name)))
        write(f"{item.name}.vtt", vtt_text(item))
        write(f"{item.name}.srt", srt_text(item))
        write(f"{item.name}.json", json_transcript(item))
        write(f"{item.name}.html", page_html(item, [o for o in items if o is not item]))
    write("index.html", page_html(items[0], items[1:]))
    write("feed.xml", feed_xml(items, base_url, show, show_guid))
    for asset in ("player.css", "player.js"):
        write(asset, resources.files("shalket_audio.publish.web").joinpath(asset).read_bytes())
    return written
