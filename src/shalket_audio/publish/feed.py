"""``feed.xml``: RSS 2.0 with the itunes and podcast namespaces; ElementTree escapes every value.

The channel is the show (``script.model.Show``), with the tags Apple requires (title, description, image,
language, category, explicit) and recommends (author, link, owner), the show's ``podcast:guid`` once it has a
feed URL, and the synthetic-content disclosure the namespace ratified: ``<podcast:txt
purpose="ai-content">true</podcast:txt>``.  Each item is one episode, newest first: its GUID for life, the
enclosure with the file's size, numbering, ``podcast:chapters``, a ``podcast:transcript`` per format,
``podcast:person`` for the people who speak, the disclosure again, and chapter timestamps in the description
(Apple shows them when it reads no chapters: the first at 00:00:00, at least three).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from email.utils import format_datetime

from ..script.model import CONTROL_RE, Show
from .item import Published, default_guid, default_show, file_url

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
CATEGORY = "Society & Culture"
#: Apple's limit on a description, in bytes.
MAX_DESCRIPTION_BYTES = 4000
ET.register_namespace("itunes", ITUNES)
ET.register_namespace("podcast", PODCAST)
ET.register_namespace("atom", ATOM)

#: (suffix, MIME type, rel) of each transcript written beside an episode.
TRANSCRIPTS = (
    (".vtt", "text/vtt", "captions"),
    (".srt", "application/x-subrip", ""),
    (".json", "application/json", ""),
)


def _add(parent: ET.Element, tag: str, content: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attributes.items()})
    if content is not None:
        element.text = _clean(content)
    return element


def _clean(text: str) -> str:
    """No control character reaches the XML (the front matter rejects them; chapter titles come from the
    script's body, which this guards too)."""
    return CONTROL_RE.sub("", text)


def feed_xml(
    items: list[Published], base_url: str | None, show: Show | None = None, show_guid: str | None = None
) -> bytes:
    """The feed of ``items`` (newest first); ``show`` defaults to one made from the first item's front matter."""
    show = show or default_show(items[0].episode.metadata)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _channel(channel, show, items, base_url, show_guid)
    for item in items:
        _item(ET.SubElement(channel, "item"), item, show, base_url)
    ET.indent(rss)
    body = ET.tostring(rss, encoding="unicode")
    note = (
        ""
        if base_url
        else "<!-- The URLs below are relative. Podcast apps need absolute URLs: build again with the base-url "
        "option set to where these files will be served (see: shalket-audio build -h). -->\n"
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + note + body + "\n").encode("utf-8")


def show_image_name(show: Show, items: list[Published]) -> str:
    """The channel's image: the show's own (written as index.jpg), else the show's first episode's cover."""
    if show.image:
        return "index.jpg"
    return f"{min(items, key=lambda i: i.added).name}.jpg"


def _channel(channel: ET.Element, show: Show, items: list[Published], base_url: str | None, guid: str | None) -> None:
    explicit = "true" if show.explicit else "false"
    _add(channel, "title", show.title)
    _add(channel, "link", show.link or file_url(base_url, "index.html"))
    _add(channel, "description", show.description or show.title)
    _add(channel, "language", show.language)
    _add(channel, "generator", "shalket-audio")
    if base_url:
        _add(channel, f"{{{ATOM}}}link", href=file_url(base_url, "feed.xml"), rel="self", type="application/rss+xml")
    _add(channel, f"{{{ITUNES}}}image", href=file_url(base_url, show_image_name(show, items)))
    category = _add(channel, f"{{{ITUNES}}}category", text=show.category or CATEGORY)
    if show.subcategory:
        _add(category, f"{{{ITUNES}}}category", text=show.subcategory)
    _add(channel, f"{{{ITUNES}}}explicit", explicit)
    _add(channel, f"{{{ITUNES}}}author", show.author or show.title)
    owner = _add(channel, f"{{{ITUNES}}}owner")
    _add(owner, f"{{{ITUNES}}}name", show.author or show.title)
    if show.email:
        _add(owner, f"{{{ITUNES}}}email", show.email)
    _add(channel, f"{{{ITUNES}}}type", "episodic")
    if guid:
        _add(channel, f"{{{PODCAST}}}guid", guid)
    _add(channel, f"{{{PODCAST}}}medium", "podcast")
    _add(channel, f"{{{PODCAST}}}txt", "true", purpose="ai-content")


def _item(entry: ET.Element, item: Published, show: Show, base_url: str | None) -> None:
    meta = item.episode.metadata
    _add(entry, "title", meta.title)
    _add(entry, "description", description_with_chapters(item))
    _add(entry, "link", file_url(base_url, f"{item.name}.html"))
    _add(entry, "guid", item.guid or default_guid(item.episode), isPermaLink="false")
    _add(entry, "pubDate", format_datetime(item.published))
    size = item.mp3.stat().st_size
    _add(entry, "enclosure", url=file_url(base_url, item.mp3.name), length=str(size), type="audio/mpeg")
    _add(entry, f"{{{ITUNES}}}duration", str(round(item.timeline.duration_ms / 1000)))
    if meta.season is not None:
        _add(entry, f"{{{ITUNES}}}season", str(meta.season))
    if meta.episode is not None:
        _add(entry, f"{{{ITUNES}}}episode", str(meta.episode))
    _add(entry, f"{{{ITUNES}}}episodeType", meta.episode_type)
    _add(entry, f"{{{ITUNES}}}explicit", "true" if show.explicit else "false")
    _add(entry, f"{{{ITUNES}}}image", href=file_url(base_url, f"{item.name}.jpg"))
    _add(
        entry,
        f"{{{PODCAST}}}chapters",
        url=file_url(base_url, f"{item.name}.chapters.json"),
        type="application/json+chapters",
    )
    language = {"language": meta.language} if meta.language != show.language else {}
    for suffix, kind, rel in TRANSCRIPTS:
        extra = {"rel": rel} if rel else {}
        _add(
            entry,
            f"{{{PODCAST}}}transcript",
            url=file_url(base_url, item.name + suffix),
            type=kind,
            **extra,
            **language,
        )
    for speaker in item.episode.speakers:
        if speaker.role != "quoted":  # people quoted in the article are not the episode's cast
            _add(entry, f"{{{PODCAST}}}person", speaker.name, role=speaker.role, group="cast")
    _add(entry, f"{{{PODCAST}}}txt", "true", purpose="ai-content")


def description_with_chapters(item: Published) -> str:
    """The episode's description, then its chapters as ``HH:MM:SS Title`` lines, within Apple's 4000 bytes."""
    meta = item.episode.metadata
    text = meta.description or meta.title
    lines = [f"{_hms(c.start_ms)} {c.title}" for c in sorted(item.timeline.chapters, key=lambda c: c.start_ms)]
    if not lines:
        return text
    result = f"{text}\n\nChapters:"
    for line in lines:
        if len((result + "\n" + line).encode("utf-8")) > MAX_DESCRIPTION_BYTES:
            break
        result += "\n" + line
    return result


def _hms(ms: int) -> str:
    seconds = ms // 1000
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
