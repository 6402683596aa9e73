"""Writing an episode back as script text, and the stable JSON view ``check --json`` prints."""

from __future__ import annotations

import yaml

from .model import (
    Comment,
    Episode,
    Pause,
    Segment,
)


def serialize_script(episode: Episode) -> str:
    """Write an episode back as script text; ``parse_script`` reads it back unchanged."""
    out = ["---"]
    meta = episode.metadata
    for key in ("title", "author", "show", "language", "date", "description", "cover", "email"):
        value = getattr(meta, key)
        if value or key in ("title",):
            out.append(f"{key}: {_yaml_scalar(value)}")
    for key in ("episode", "season"):
        if getattr(meta, key) is not None:
            out.append(f"{key}: {getattr(meta, key)}")
    if meta.episode_type != "full":
        out.append(f"episode_type: {meta.episode_type}")
    out.append("speakers:")
    for speaker in episode.speakers:
        out.append(f"  {_yaml_scalar(speaker.tag)}:")
        out.append(f"    name: {_yaml_scalar(speaker.name)}")
        out.append(f"    role: {speaker.role}")
        if speaker.voices:
            out.append("    voices:")
            for profile, choices in speaker.voices.items():
                listed = ", ".join(_yaml_scalar(choice, flow=True) for choice in choices)
                out.append(f"      {_yaml_scalar(profile)}: [{listed}]")
    if episode.lexicon:
        out.append("lexicon:")
        for written, spoken in episode.lexicon.items():
            if written in episode.phonemes:
                say = "" if spoken == written else f", say: {_yaml_scalar(spoken, flow=True)}"
                ipa = _yaml_scalar(episode.phonemes[written], flow=True)
                out.append(f"  {_yaml_scalar(written)}: {{ipa: {ipa}{say}}}")
            else:
                out.append(f"  {_yaml_scalar(written)}: {_yaml_scalar(spoken)}")
    if episode.pacing:
        out.append("pacing:")
        for name, ms in episode.pacing.items():
            out.append(f"  {name}: {ms}ms")
    out.append("---")
    for comment in episode.preamble:
        out += ["", _comment_text(comment)]
    for chapter in episode.chapters:
        out += ["", f"# {chapter.title}"]
        items = chapter.items
        for position, item in enumerate(items):
            if isinstance(item, Segment):
                if item.new_paragraph:
                    out.append("")
                out.append(f"{item.speaker}: {item.text}")
            elif isinstance(item, Pause):
                out += ["", f"[pause {_format_ms(item.ms)}]"]
            else:
                following = next((i for i in items[position + 1 :] if not isinstance(i, Comment)), None)
                if following is None or isinstance(following, Pause) or following.new_paragraph:
                    out.append("")
                out.append(_comment_text(item))
    return "\n".join(out) + "\n"


def _comment_text(comment: Comment) -> str:
    return f"<!-- {comment.text} -->" if comment.text else "<!-- -->"


def _format_ms(ms: int) -> str:
    if ms % 1000 == 0:
        return f"{ms // 1000}s"
    if ms < 1000:
        return f"{ms}ms"
    return f"{ms / 1000:g}s"


def _yaml_scalar(value: str, *, flow: bool = False) -> str:
    dumped = yaml.safe_dump(value, allow_unicode=True, width=1_000_000, default_style=None)
    dumped = dumped.removesuffix("\n...\n").rstrip("\n")
    if flow and any(c in dumped for c in ",[]{}") and not dumped.startswith(("'", '"')):
        dumped = "'" + value.replace("'", "''") + "'"
    return dumped


# --------------------------------------------------------------------------- JSON view

JSON_SCHEMA_VERSION = 1


def episode_to_json(episode: Episode) -> dict[str, object]:
    """The stable JSON view printed by ``check --json`` (documented in the README)."""
    chapters = []
    for chapter in episode.chapters:
        segments = []
        pauses = []
        for item in chapter.items:
            if isinstance(item, Segment):
                segments.append(
                    {"speaker": item.speaker, "text": item.text, "line": item.line, "new_paragraph": item.new_paragraph}
                )
            elif isinstance(item, Pause):
                pauses.append({"before_segment": len(segments), "ms": item.ms, "line": item.line})
        chapters.append(
            {
                "title": chapter.title,
                "line": chapter.line,
                "words": chapter.words,
                "estimated_seconds": round(chapter.estimated_seconds, 1),
                "segments": segments,
                "pauses": pauses,
            }
        )
    meta = episode.metadata
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "path": str(episode.path) if episode.path else None,
        "metadata": {
            "title": meta.title,
            "author": meta.author,
            "show": meta.show,
            "language": meta.language,
            "date": meta.date,
            "description": meta.description,
            "cover": meta.cover,
            "email": meta.email,
            "episode": meta.episode,
            "season": meta.season,
            "episode_type": meta.episode_type,
        },
        "speakers": [
            {"tag": s.tag, "name": s.name, "role": s.role, "voices": {p: list(v) for p, v in s.voices.items()}}
            for s in episode.speakers
        ],
        "lexicon": dict(episode.lexicon),
        "phonemes": dict(episode.phonemes),
        "pacing": dict(episode.pacing),
        "chapters": chapters,
        "totals": {
            "chapters": len(episode.chapters),
            "segments": len(episode.segments),
            "words": episode.words,
            "estimated_seconds": round(episode.estimated_seconds, 1),
        },
    }
