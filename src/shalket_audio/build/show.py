"""The show record (``OUT/.show.json``): every episode built into an output folder, so the feed and the index
page list them all, and not only the ones the last command built.

- A build adds or updates only its own episode's entry (``record_episode``); ``remove_episode`` is the only
  way one leaves, and it takes the episode's files with it.
- Each entry keeps the episode's item GUID, assigned once (on its first build) and kept across rebuilds and
  title edits, and what publishing needs of the episode (its script, as ``serialize_script`` writes it), so the
  feed can be written again without the other episodes' scripts at hand.
- The show's own ``podcast:guid`` is assigned once too, from the first feed URL it is published under.
- The record is written atomically (``fileio.atomic_write_text``), and only with the folder's lock held
  (``lock.output_lock``): a crash or a second build never loses an episode.
- Two scripts that would write the same ``NAME.mp3`` are an ``InputError`` naming both, raised before
  anything is written.  Script paths are kept relative to the output folder, so a project copied or moved as
  a whole (scripts and output together) is still the same show.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..fileio import atomic_write_text
from ..lock import output_lock
from ..publish.item import default_guid, default_show
from ..script import Episode, parse_script, serialize_script
from ..script.front_matter import read_show
from ..script.model import Show

RECORD_NAME = ".show.json"
SHOW_VERSION = 1
SHOW_FILE = "show.yaml"
#: The podcast namespace's own UUID, from which ``podcast:guid`` is derived (docs/tags/guid.md).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


@dataclass(frozen=True)
class ShowEpisode:
    """One episode as the show record keeps it."""

    name: str  # the file stem: NAME.mp3
    episode: Episode  # restored from the record's copy of its script
    guid: str  # the feed item's GUID, for life
    added: datetime  # when it was first built here: its date when the script gives none, and the order of ties

    def mp3(self, out_dir: Path) -> Path:
        return out_dir / f"{self.name}.mp3"

    def timeline(self, out_dir: Path) -> Path:
        return out_dir / f"{self.name}.timeline.json"


def podcast_guid(feed_url: str) -> str:
    """``podcast:guid``: UUIDv5 of the feed URL with its scheme and trailing slashes removed."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def read_record(out_dir: Path) -> dict[str, Any]:
    """The record, or an empty one for a folder that has none yet."""
    path = out_dir / RECORD_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"version": SHOW_VERSION, "episodes": {}}
    except (OSError, ValueError) as exc:
        raise InputError(
            f"{path}: the show record cannot be read ({exc})",
            fix="restore it from a backup; or delete it, and the next build lists only the episodes it builds",
        ) from None
    if not isinstance(data, dict) or data.get("version") != SHOW_VERSION or not isinstance(data.get("episodes"), dict):
        raise InputError(
            f"{path}: not a show record of version {SHOW_VERSION}",
            fix="restore it from a backup; or delete it, and the next build lists only the episodes it builds",
        )
    return data


def _write_record(out_dir: Path, data: dict[str, Any]) -> None:
    atomic_write_text(out_dir / RECORD_NAME, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def _script_ref(script: Path, out_dir: Path) -> str:
    """The script's path as the record keeps it: relative to the output folder where it can be."""
    target, base = script.resolve(), out_dir.resolve()
    try:
        return Path(os.path.relpath(target, base)).as_posix()
    except ValueError:  # another drive (Windows)
        return target.as_posix()


def _script_path(ref: str, out_dir: Path) -> Path:
    return Path(os.path.normpath(out_dir.resolve() / ref))


def check_names(out_dir: Path, episodes: list[Episode]) -> list[Episode]:
    """``episodes`` without repeats of one script; an ``InputError`` naming both scripts when two different
    ones (given together, or one given and one already in the show) would write the same ``NAME.mp3``."""
    record = read_record(out_dir)
    unique: dict[str, Episode] = {}
    for episode in episodes:
        assert episode.path is not None, "a built episode comes from a script file"
        name, ref = episode.path.stem, _script_ref(episode.path, out_dir)
        if name in unique:
            earlier = unique[name].path
            assert earlier is not None
            if _script_ref(earlier, out_dir) == ref:
                continue  # the same script twice: one episode
            _collision(name, earlier, episode.path, out_dir, recorded=False)
        known = record["episodes"].get(name)
        if known is not None and known["script"] != ref:
            _collision(name, _script_path(known["script"], out_dir), episode.path, out_dir, recorded=True)
        _check_files(name, episode.path, [*record["episodes"], *unique], out_dir)
        unique[name] = episode
    return list(unique.values())


def _check_files(name: str, script: Path, others: list[str], out_dir: Path) -> None:
    """A name whose files would be the show's own (``index.html``) or another episode's (``a.chapters.json`` is
    episode ``a``'s chapters and episode ``a.chapters``'s JSON transcript)."""
    if name == RESERVED_NAME:
        raise InputError(
            f"{script}: an episode cannot be named {name!r}: {out_dir}/{name}.html is the show's index page",
            fix="rename the script",
        )
    mine = {p.name for p in episode_files(out_dir, name)}
    for other in others:
        if other != name and mine & {p.name for p in episode_files(out_dir, other)}:
            raise InputError(
                f"{script}: episode {name!r} would overwrite files of episode {other!r} in {out_dir}/",
                fix="rename the script",
            )


#: The show's own page is index.html (and its image index.jpg), so no episode may be called this.
RESERVED_NAME = "index"


def _collision(name: str, first: Path | None, second: Path, out_dir: Path, *, recorded: bool) -> None:
    where = f"already holds {name}.mp3 from {first}" if recorded else f"would get {name}.mp3 from both {first}"
    raise InputError(
        f"{out_dir}/ {where} and {second}: two scripts cannot write the same episode file",
        fix=(
            f"rename one of the scripts, build it into another folder with --out, or take the old episode out "
            f"of the show first with `shalket-audio remove {name} --out {out_dir}`"
        ),
    )


def record_episode(out_dir: Path, episode: Episode) -> None:
    """Add the episode to the show, or update its entry (keeping its GUID and first build date)."""
    assert episode.path is not None
    with output_lock(out_dir):
        check_names(out_dir, [episode])
        data = read_record(out_dir)
        name = episode.path.stem
        known = data["episodes"].get(name, {})
        now = datetime.now(UTC).isoformat(timespec="microseconds")  # to the microsecond: builds a second apart
        entry = {
            "script": _script_ref(episode.path, out_dir),
            "guid": known.get("guid") or default_guid(episode),
            "added": known.get("added") or now,
            "text": serialize_script(episode),
        }
        shown = data.get("show")
        show_file = episode.path.parent / SHOW_FILE
        if show_file.is_file():
            read_show(show_file)  # checked now: a bad show file fails this build, not a later publish
            shown = {"file": _script_ref(show_file, out_dir)}
        updated = {**data, "episodes": {**data["episodes"], name: entry}}
        if shown is not None:
            updated["show"] = shown
        if updated != data:
            _write_record(out_dir, updated)


def keep_feed_guid(out_dir: Path, base_url: str | None) -> str | None:
    """The show's ``podcast:guid``: the stored one, or (the first time there is a base URL) one derived from
    the feed's URL and stored for good.  The base URL is kept too, for ``remove`` (``last_base_url``)."""
    with output_lock(out_dir):
        data = read_record(out_dir)
        updated = {**data, "base_url": base_url}
        if not data.get("guid") and base_url is not None:
            updated["guid"] = podcast_guid(base_url.rstrip("/") + "/feed.xml")
        if updated != data:
            _write_record(out_dir, updated)
        guid = updated.get("guid")
        return str(guid) if guid else None


def last_base_url(out_dir: Path) -> str | None:
    """The base URL the show was last published with."""
    url = read_record(out_dir).get("base_url")
    return str(url) if url else None


def show_episodes(out_dir: Path) -> list[ShowEpisode]:
    """Every episode in the show whose MP3 and timeline are there, newest first (by date, then first build)."""
    data = read_record(out_dir)
    found = []
    for name, entry in data["episodes"].items():
        episode = parse_script(entry["text"], path=_script_path(entry["script"], out_dir))
        listed = ShowEpisode(name, episode, entry["guid"], datetime.fromisoformat(entry["added"]))
        if listed.mp3(out_dir).is_file() and listed.timeline(out_dir).is_file():
            found.append(listed)

    def newest(item: ShowEpisode) -> tuple[str, str]:
        return (item.episode.metadata.date or item.added.date().isoformat(), item.added.isoformat())

    return sorted(found, key=newest, reverse=True)


def show_metadata(out_dir: Path, episodes: list[ShowEpisode]) -> Show:
    """The show's metadata: its ``show.yaml`` (the last one a build found beside its script), or else from the
    front matter of the show's first episode."""
    data = read_record(out_dir)
    shown = data.get("show") or {}
    if shown.get("file"):
        path = _script_path(shown["file"], out_dir)
        if path.is_file():
            return read_show(path)
    if not episodes:
        raise InputError(f"{out_dir}/ holds no episode", fix="build one with `shalket-audio build SCRIPT`")
    return default_show(min(episodes, key=lambda e: e.added).episode.metadata)


def episode_files(out_dir: Path, name: str) -> list[Path]:
    """Every file a build and its listener package write for episode ``name``."""
    names = [f"{name}{suffix}" for suffix in EPISODE_SUFFIXES] + [f".{name}.build.json"]
    return [out_dir / n for n in names]


#: What each episode has in the output folder (besides its hidden build record and parts cache).
EPISODE_SUFFIXES = (
    ".mp3",
    ".timeline.json",
    ".chapters.json",
    ".vtt",
    ".srt",
    ".json",
    ".jpg",
    ".html",
    ".verify.json",
)


def remove_episode(out_dir: Path, name: str) -> list[Path]:
    """Take episode ``name`` out of the show and delete its files; the files removed.  The record goes first,
    so a crash half-way leaves stray files at worst, never a feed item without its audio."""
    import shutil

    with output_lock(out_dir):
        data = read_record(out_dir)
        if name not in data["episodes"]:
            listed = ", ".join(sorted(data["episodes"])) or "none"
            raise InputError(
                f"{out_dir}/ has no episode named {name!r} (episodes: {listed})",
                fix="give the episode's name, the script's file name without .md",
            )
        _write_record(out_dir, {**data, "episodes": {k: v for k, v in data["episodes"].items() if k != name}})
        removed = [path for path in episode_files(out_dir, name) if path.is_file()]
        for path in removed:
            path.unlink()
        parts = out_dir / f".{name}.parts"
        if parts.is_dir():
            shutil.rmtree(parts)
        return removed
