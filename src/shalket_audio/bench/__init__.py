"""Benchmark: ``python -m shalket_audio.bench [SCRIPT] [--article ARTICLE] [--json]``.

Measures, in one run on this machine:

- the committed episode (``episode.py``): the cold build against the floor of
  its engines and one encode, an edit per speaker, the no-op rebuild, and the
  peak memory (RSS) of the build process and of its largest child;
- scale (``scale.py``): the build's peak RSS at about 9, 60 and 120 minutes
  (the script's chapters repeated, clips from the cache) with the loudness and
  segment timing measured on each MP3; and text preparation, script parsing
  and article conversion at one size and at twice that size, whose time
  ratio should be about 2 (linear);
- the producer's loop (``loop.py``): ``build --watch`` from save to episode, an edit and a no-op without
  it, and ``say --watch``;
- the listening check (``listening.py``): ``verify`` with no transcript
  cached and after one more edit, each voice's word error rate, and the
  clips to check.

Every build is a fresh ``shalket-audio build`` process, so start-up counts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
from pathlib import Path
from typing import Any

from .episode import TARGETS, episode_figures, episode_rows, verdict
from .listening import listening_figures, listening_rows
from .loop import loop_figures, loop_rows
from .scale import linear_time, memory_at_lengths

#: Doubling the input may at most multiply the time by this (2 is linear; noise on a shared machine).
LINEAR_RATIO = 2.6


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("script", nargs="?", default="script/shal-ket.md", type=Path)
    parser.add_argument("--article", default="script/shal-ket.article.txt", type=Path)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--episode-only", action="store_true", help="only the committed episode's builds and floor (for repeat runs)"
    )
    args = parser.parse_args(argv)
    if args.episode_only:
        with tempfile.TemporaryDirectory(prefix="shalket-bench-") as tmp:
            episode = {"machine": _machine(), **episode_figures(args.script, Path(tmp))}
        if args.json:
            print(json.dumps(episode, indent=2))
        for name, value, note in episode_rows(episode) if not args.json else []:
            print(f"  {name:<34} {value:>10}  {note}")
        return

    with tempfile.TemporaryDirectory(prefix="shalket-bench-") as tmp:
        work = Path(tmp)
        figures: dict[str, Any] = {"machine": _machine()}
        figures.update(episode_figures(args.script, work))
        figures.update(listening_figures(args.script, work))
        figures.update(loop_figures(args.script, work))  # the producer's loop, from the clips cached above
        figures["lengths"] = memory_at_lengths(args.script, work / "cache", work)
    figures["linear"] = linear_time(args.script, args.article)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    rows = episode_rows(figures) + listening_rows(figures) + loop_rows(figures)
    for length in figures["lengths"].values():
        rows.append(
            (
                f"peak RSS, {length['duration_min']:g}-min episode",
                f"{length['rss_mb']:.0f} MB",
                f"{verdict(length['rss_mb'], TARGETS['rss_mb'])}; {length['lufs']} LUFS, "
                f"{length['true_peak_dbtp']} dBTP, worst onset {length['worst_onset_error_ms']:g} ms, "
                f"{length['wall_s']} s",
            )
        )
    for name, timing in figures["linear"].items():
        rows.append(
            (
                f"{name}: x2 input",
                f"{timing['ratio']}x time",
                f"{timing['small_s']} s -> {timing['double_s']} s; {verdict(timing['ratio'], LINEAR_RATIO)}",
            )
        )
    print(f"shalket-audio benchmark on {figures['machine']}")
    for name, value, note in rows:
        print(f"  {name:<34} {value:>10}  {note}")
    for line in figures["verify_checks"]:
        print(f"  to check, or WER over 50%: {line}")


def _machine() -> str:
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        memory = float("nan")
    return f"{platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}"
