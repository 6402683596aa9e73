"""The listener package, written next to each MP3 and derived from its timeline alone.

- ``NAME.chapters.json``: Podcasting 2.0 JSON chapters (``chapters.py``);
- ``NAME.vtt`` / ``NAME.srt`` / ``NAME.json``: transcripts (``transcripts.py``);
- ``NAME.jpg``: the cover, for the feed and the page (and ``index.jpg``, the show's image when it has one);
- ``feed.xml``: RSS 2.0 with the itunes and podcast namespaces, every episode of the show (``feed.py``);
- ``NAME.html`` and ``index.html`` (the newest episode, and links to all the others): the player page, with
  ``player.css`` and ``player.js`` (``page.py``, ``web/``).

``publish_episodes`` renders each file only when what it is made from changed: a digest of that per file
(``keys.py``) is kept in ``OUT/.listener.json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from importlib import resources
from pathlib import Path

from ..audio.cover import cover_jpeg
from ..audio.timeline import Timeline
from ..fileio import atomic_write_bytes, atomic_write_text
from ..script import Episode, Metadata
from ..script.model import Show
from .item import EPOCH, Published, default_show, file_url
from .keys import ASSETS, EPISODE_SUFFIXES, file_keys, read_inputs

STATE_NAME = ".listener.json"
#: Version 2: a digest per file (version 1 had one for the whole package).
STATE_VERSION = 2


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
    up_to_date: bool  # nothing any file is made from changed: nothing was rendered or written
    files: tuple[Path, ...]  # the whole package
    rendered: tuple[Path, ...] = ()  # the files rendered again, because what they are made from changed


def publish_episodes(
    out_dir: Path,
    built: list[Built],
    base_url: str | None = None,
    show: Show | None = None,
    show_guid: str | None = None,
) -> PublishReport:
    """The listener package for ``built`` (newest first): each file rendered only when what it is made from
    changed since it was written (``keys.py``), or it is missing."""
    show = show or default_show(built[0].episode.metadata)
    image = show_image(show)
    inputs = [read_inputs(e.episode, e.mp3, e.timeline_path, e.guid, e.added.isoformat()) for e in built]
    keys = file_keys(inputs, base_url, show, show_guid, image)
    state_file = out_dir / STATE_NAME
    known = _read_state(state_file)
    files = listener_files(out_dir, built, show)
    stale = {path.name for path in files if known.get(path.name) != keys[path.name] or not path.is_file()}
    if not stale:
        return PublishReport(True, tuple(files))
    items = []
    for entry, read in zip(built, inputs, strict=True):
        cover = b""
        if f"{read.name}.jpg" in stale:  # made again from the script, never copied from the stale file
            cover = entry.cover or cover_jpeg(entry.episode)
        timeline = Timeline.from_data(read.timeline)
        items.append(Published(entry.episode, read.name, entry.mp3, timeline, cover, entry.guid, entry.added))
    rendered = publish(out_dir, items, base_url, show, show_guid, only=stale)
    atomic_write_text(state_file, json.dumps({"version": STATE_VERSION, "files": keys}, indent=1, sort_keys=True))
    return PublishReport(False, tuple(files), tuple(rendered))


def _read_state(path: Path) -> dict[str, str]:
    """Each file's digest when it was last written; empty when there is no state, or one of another version."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION or not isinstance(data.get("files"), dict):
        return {}
    return {str(k): str(v) for k, v in data["files"].items()}


def show_image(show: Show) -> Path | None:
    """The show's own image file (relative to its show.yaml), when it names one."""
    if not show.image:
        return None
    base = show.path.parent if show.path else Path.cwd()
    return base / show.image


def listener_files(out_dir: Path, built: list[Built], show: Show | None = None) -> list[Path]:
    """The files the listener package consists of."""
    names = ["index.html", "feed.xml", *ASSETS]
    if show is not None and show.image:
        names.append("index.jpg")
    for entry in built:
        stem = entry.mp3.stem
        names += [f"{stem}{suffix}" for suffix in EPISODE_SUFFIXES]
    return [out_dir / name for name in names]


def publish(
    out_dir: Path,
    items: list[Published],
    base_url: str | None = None,
    show: Show | None = None,
    show_guid: str | None = None,
    *,
    only: set[str] | None = None,
) -> list[Path]:
    """Write the listener package for ``items`` (newest first) into ``out_dir``; return the files rendered.
    ``only``: the names of the files to render (default: all)."""
    # The renderers load only when something is rendered: an up-to-date build never needs them.
    from .chapters import chapters_json
    from .feed import feed_xml
    from .page import page_html
    from .transcripts import json_transcript, srt_text, vtt_text

    written: list[Path] = []

    def write(name: str, render: Callable[[], str | bytes]) -> None:
        if only is not None and name not in only:
            return
        path = out_dir / name
        data = render()
        raw = data.encode("utf-8") if isinstance(data, str) else data
        if not path.is_file() or path.read_bytes() != raw:  # unchanged files keep their dates
            atomic_write_bytes(path, raw)
        written.append(path)

    show = show or default_show(items[0].episode.metadata)
    image = show_image(show)
    if image is not None:
        # The cover checks (square, 1400 to 3000 pixels, no decompression bomb) through an episode-shaped value.
        holder = Episode(Metadata(title=show.title, cover=str(image.resolve())), (), (), path=show.path)
        write("index.jpg", partial(cover_jpeg, holder))
    for item in items:
        others = [o for o in items if o is not item]
        write(f"{item.name}.jpg", partial(bytes, item.cover))
        write(f"{item.name}.chapters.json", partial(chapters_json, item, file_url(base_url, item.mp3.name)))
        write(f"{item.name}.vtt", partial(vtt_text, item))
        write(f"{item.name}.srt", partial(srt_text, item))
        write(f"{item.name}.json", partial(json_transcript, item))
        write(f"{item.name}.html", partial(page_html, item, others))
    write("index.html", partial(page_html, items[0], items[1:]))
    write("feed.xml", partial(feed_xml, items, base_url, show, show_guid))
    for asset in ASSETS:
        write(asset, resources.files("shalket_audio.publish.web").joinpath(asset).read_bytes)
    return written
