"""``feed.xml``: RSS 2.0 with the itunes and podcast namespaces; ElementTree escapes every value."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import format_datetime

from .item import Published, file_url

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
CATEGORY = "Society & Culture"
ET.register_namespace("itunes", ITUNES)
ET.register_namespace("podcast", PODCAST)
ET.register_namespace("atom", ATOM)


def feed_xml(items: list[Published], base_url: str | None) -> bytes:
    first = items[0].episode.metadata
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")

    def add(parent: ET.Element, tag: str, content: str | None = None, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, tag, attributes)
        if content is not None:
            element.text = content
        return element

    show = first.show or first.title
    add(channel, "title", show)
    add(channel, "link", file_url(base_url, "index.html"))
    add(channel, "description", f"{show}: published interviews, read aloud by synthetic voices.")
    add(channel, "language", first.language)
    add(channel, "generator", "shalket-audio")
    if base_url:
        add(channel, f"{{{ATOM}}}link", href=file_url(base_url, "feed.xml"), rel="self", type="application/rss+xml")
    add(channel, f"{{{ITUNES}}}image", href=file_url(base_url, f"{items[0].name}.jpg"))
    add(channel, f"{{{ITUNES}}}category", text=CATEGORY)
    add(channel, f"{{{ITUNES}}}explicit", "false")
    add(channel, f"{{{ITUNES}}}author", first.author or show)
    owner = add(channel, f"{{{ITUNES}}}owner")
    add(owner, f"{{{ITUNES}}}name", first.author or show)
    if first.email:
        add(owner, f"{{{ITUNES}}}email", first.email)
    add(channel, f"{{{ITUNES}}}type", "episodic")
    for item in items:
        meta = item.episode.metadata
        entry = add(channel, "item")
        add(entry, "title", meta.title)
        add(entry, "description", meta.description or meta.title)
        add(entry, "link", file_url(base_url, f"{item.name}.html"))
        identity = f"shalket-audio/{show}/{meta.title}/{meta.date}"
        add(entry, "guid", f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, identity)}", isPermaLink="false")
        day = datetime.fromisoformat(meta.date).replace(hour=12, tzinfo=UTC) if meta.date else datetime.now(UTC)
        add(entry, "pubDate", format_datetime(day))
        size = item.mp3.stat().st_size
        add(entry, "enclosure", url=file_url(base_url, item.mp3.name), length=str(size), type="audio/mpeg")
        add(entry, f"{{{ITUNES}}}duration", str(round(item.timeline.duration_ms / 1000)))
        add(entry, f"{{{ITUNES}}}episodeType", "full")
        add(entry, f"{{{ITUNES}}}explicit", "false")
        add(entry, f"{{{ITUNES}}}image", href=file_url(base_url, f"{item.name}.jpg"))
        add(
            entry,
            f"{{{PODCAST}}}chapters",
            url=file_url(base_url, f"{item.name}.chapters.json"),
            type="application/json+chapters",
        )
        add(
            entry,
            f"{{{PODCAST}}}transcript",
            url=file_url(base_url, f"{item.name}.vtt"),
            type="text/vtt",
            rel="captions",
        )
        add(entry, f"{{{PODCAST}}}transcript", url=file_url(base_url, f"{item.name}.srt"), type="application/x-subrip")
        for speaker in item.episode.speakers:
            if speaker.role != "quoted":  # people quoted in the article are not the episode's cast
                add(entry, f"{{{PODCAST}}}person", speaker.name, role=speaker.role, group="cast")
    ET.indent(rss)
    body = ET.tostring(rss, encoding="unicode")
    note = (
        ""
        if base_url
        else "<!-- The URLs below are relative. Podcast apps need absolute URLs: build again with the base-url "
        "option set to where these files will be served (see: shalket-audio build -h). -->\n"
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + note + body + "\n").encode("utf-8")
