"""``NAME.chapters.json``: Podcasting 2.0 JSON chapters (1.2.0), in ascending start time."""

from __future__ import annotations

import json

from .item import Published


def chapters_json(item: Published, url: str) -> str:
    data = {
        "version": "1.2.0",
        "title": item.episode.metadata.title,
        "podcastName": item.episode.metadata.show,
        "fileName": url,
        "chapters": [
            {"startTime": c.start_ms / 1000, "endTime": c.end_ms / 1000, "title": c.title}
            for c in sorted(item.timeline.chapters, key=lambda c: c.start_ms)
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
