"""``NAME.html`` and ``index.html``: the player page, with ``player.css`` and ``player.js`` from ``web/``.

The transcript is one item per segment, and in it one button per sentence, timed from the timeline's chunks
(``transcripts.sentences``): ``player.js`` highlights the sentence being spoken, scrolls with it, and plays
from any sentence selected.

Every value is escaped with ``html.escape``, and the page's JSON is written so
that ``</script>`` cannot close its script element.  Nothing is loaded from
elsewhere.
"""

from __future__ import annotations

import html
import json
from urllib.parse import quote

from ..audio.timeline import TimedSegment, Timeline, clock
from .item import Published
from .transcripts import Sentence, sentences


def page_html(item: Published, others: list[Published]) -> str:
    meta = item.episode.metadata
    e = html.escape
    chapters = "\n".join(
        f'        <li><button type="button" class="chapter" data-start="{c.start_ms / 1000:.3f}">'
        f'<span class="time">{clock(c.start_ms)}</span> {e(c.title)}</button></li>'
        for c in sorted(item.timeline.chapters, key=lambda c: c.start_ms)
    )
    said = sentences(item.timeline)
    by_segment: dict[int, list[tuple[int, Sentence]]] = {}
    for number, sentence in enumerate(said):
        by_segment.setdefault(sentence.segment, []).append((number, sentence))
    lines = "\n".join(
        _line(segment, item.timeline, by_segment.get(segment.index, [])) for segment in item.timeline.segments
    )
    data = {
        "segments": [[s.start_ms / 1000, s.end_ms / 1000] for s in item.timeline.segments],
        "sentences": [[s.start_ms / 1000, s.end_ms / 1000, s.segment] for s in said],
        "chapters": [[c.start_ms / 1000, c.end_ms / 1000] for c in item.timeline.chapters],
    }
    payload = json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    more = ""
    if others:
        links = "\n".join(
            f'        <li><a href="{e(quote(o.name))}.html">{e(o.episode.metadata.title)}</a></li>' for o in others
        )
        more = (
            '    <section aria-labelledby="more-title">\n      <h2 id="more-title">More episodes</h2>\n'
            f"      <ul>\n{links}\n      </ul>\n    </section>\n"
        )
    guests = ", ".join(s.name for s in item.episode.speakers if s.role == "guest")
    return f"""<!doctype html>
<html lang="{e(meta.language)}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{e(meta.title)}</title>
  <link rel="stylesheet" href="player.css">
  <link rel="alternate" type="application/rss+xml" title="{e(meta.show or meta.title)}" href="feed.xml">
</head>
<body>
  <a class="skip" href="#transcript-title">Skip to the transcript</a>
  <header>
    <img class="cover" src="{e(quote(item.name))}.jpg" alt="Cover art: {e(meta.title)}" width="1400" height="1400">
    <div>
      <p class="show">{e(meta.show)}</p>
      <h1>{e(meta.title)}</h1>
      <p class="byline">{e("By " + meta.author if meta.author else "")}{e(" · with " + guests if guests else "")}</p>
    </div>
  </header>
  <main>
    <p class="description">{e(meta.description)}</p>
    <p class="synthetic">The voices in this episode are synthetic: text-to-speech reads the published article.</p>
    <audio id="player" controls preload="metadata" src="{e(quote(item.mp3.name))}"
      aria-label="Episode audio: {e(meta.title)}"></audio>
    <p class="downloads">
      <a href="{e(quote(item.mp3.name))}" download>Download the MP3</a>
      <a href="feed.xml">Podcast feed (RSS)</a>
      <a href="{e(quote(item.name))}.vtt" download>Transcript (WebVTT)</a>
      <a href="{e(quote(item.name))}.srt" download>Transcript (SRT)</a>
      <a href="{e(quote(item.name))}.json" download>Transcript (JSON)</a>
    </p>
    <nav aria-labelledby="chapters-title">
      <h2 id="chapters-title">Chapters</h2>
      <ol class="chapters">
{chapters}
      </ol>
    </nav>
    <section aria-labelledby="transcript-title">
      <h2 id="transcript-title" tabindex="-1">Transcript</h2>
      <p class="hint">Select a sentence to play from there.</p>
      <ol class="transcript">
{lines}
      </ol>
    </section>
{more}  </main>
  <script type="application/json" id="episode-data">{payload}</script>
  <script src="player.js"></script>
</body>
</html>
"""


def _line(segment: TimedSegment, timeline: Timeline, said: list[tuple[int, Sentence]]) -> str:
    e = html.escape
    name = timeline.speakers.get(segment.speaker, segment.speaker)
    buttons = " ".join(
        f'<button type="button" class="sentence" data-sentence="{number}" data-start="{s.start_ms / 1000:.3f}">'
        f"{e(s.text)}</button>"
        for number, s in said
    )
    return (
        f'        <li class="line speaker-{e(segment.speaker)}" data-index="{segment.index}" '
        f'data-start="{segment.start_ms / 1000:.3f}"><span class="who">{e(name)}</span> '
        f'<span class="said">{buttons}</span></li>'
    )
