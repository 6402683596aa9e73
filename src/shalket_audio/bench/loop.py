"""The producer's loop: how long from a save to the episode (or the line) being back in place.

Measures, in one run on this machine, with the committed episode's clips cached:

- under ``build --watch`` (one long-lived process, engines warm), from the moment the edited script is
  saved to the moment the watch prints that it is watching again (MP3, tags, timeline and listener files
  in place): edits whose clips are all cached, each kind on its own (a pause, whose part is encoded again;
  a chapter title; an undo), and edits that need one new short clip from each voice;
- without ``--watch`` (a fresh ``shalket-audio build`` process each, taking over the Kokoro worker the last
  build left lingering), a one-segment edit per voice and the no-op rebuild;
- ``say --watch``: a new line said again after each save.

Each figure is measured several times (``ROUNDS``); the report gives the median and the spread, and the
machine's load average before and after (the cores are shared).  ``python -m shalket_audio.bench.loop
--work DIR`` measures these alone (see ``main``).
"""

from __future__ import annotations

import os
import queue
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TARGETS = {"watch_cached_s": 1.0, "watch_new_clip_s": 2.0, "edit_s": 2.5, "noop_s": 0.25, "say_warm_s": 1.0}
ROUNDS = 3
#: What a watch prints when it waits for the next save.
WATCHING = "watching "
NOOP_ROUNDS = 10


class WatchFailed(RuntimeError):
    """A watch process ended, or went quiet, before printing what was waited for."""


class WatchProcess:
    """A long-lived command (``build --watch``, ``say --watch``) whose output is read line by line as it comes.
    The benchmark and the watch tests share it."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, bufsize=1
        )
        self.lines: queue.SimpleQueue[str] = queue.SimpleQueue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def until(self, marker: str = WATCHING, timeout: float = 600) -> tuple[float, str]:
        """Wait for a line starting with ``marker``: when it came (perf_counter) and everything printed up to
        it (one build, or one reported error).  ``WatchFailed`` if the process ends or the time runs out."""
        seen: list[str] = []
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None:
                    raise WatchFailed(f"the watch ended (exit {self.process.returncode}):\n{''.join(seen)}") from None
                continue
            seen.append(line)
            if line.startswith(marker):
                return time.perf_counter(), "".join(seen)
        raise WatchFailed(f"{marker!r} never came within {timeout:g} s:\n{''.join(seen)}")

    def round(self, timeout: float = 600) -> str:
        """Everything printed up to the next 'watching' line."""
        return self.until(WATCHING, timeout)[1]

    def stop(self) -> int | None:
        """Ctrl-C, as a producer stops it; the exit code (None: it had to be killed)."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None


def save_as_editor(path: Path, text: str) -> float:
    """Save as an editor does (a new file renamed over the old one); when it was saved (perf_counter)."""
    temporary = path.with_name(f".{path.name}.swp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return time.perf_counter()


def _spread(times: list[float]) -> dict[str, Any]:
    return {
        "median_s": round(statistics.median(times), 2),
        "min_s": round(min(times), 2),
        "max_s": round(max(times), 2),
        "runs_s": [round(t, 2) for t in times],
    }


#: A short segment is the speaker's first one of at most this many characters of text: in the committed
#: script, the interviewer's "By Nico Lethbridge." and Zhanar's "We are a failed state,", so both voices'
#: new clips are of about the same length (until 2026-12-03 the interviewer's was the 62-character title).
SHORT_SEGMENT_CHARS = 60


def _segment_edit(text: str, speaker: str, words: str) -> str:
    """One short segment of ``speaker`` given ``words`` more: one new clip."""
    lines = text.splitlines()
    tag = f"{speaker}: "
    index = next(
        i for i, line in enumerate(lines) if line.startswith(tag) and len(line) - len(tag) <= SHORT_SEGMENT_CHARS
    )
    lines[index] = lines[index].rstrip(".,") + f", {words}."
    return "\n".join(lines) + "\n"


def _pause_edit(text: str, ms: int) -> str:
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("[pause "))
    lines[index] = f"[pause {ms}ms]"
    return "\n".join(lines) + "\n"


def _title_edit(text: str, n: int) -> str:
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("# "))
    lines[index] = lines[index] + f" ({n})"
    return "\n".join(lines) + "\n"


#: Short phrases no script line ends with; each run adds its own number, so each edit needs exactly one new
#: clip even with a cache left by an earlier run.
_PHRASES = ("said the reporter", "as we heard", "in the end", "that winter", "they told us", "once again")
_RUN = random.SystemRandom().randrange(100, 999)
_WORDS = tuple(f"{phrase} {_RUN}" for phrase in _PHRASES)
#: Pause lengths no earlier run left encoded in the parts cache: each pause edit encodes its part again.
_PAUSES = random.SystemRandom().sample(range(1005, 2995, 10), ROUNDS)


def _timed_command(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return time.perf_counter() - started


def _watched(script: Path, out: Path, env: dict[str, str], original: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "shalket_audio", "build", str(script), "--out", str(out), "--watch"]
    watch = WatchProcess(command, env)
    try:
        watch.until(WATCHING)

        def after(text: str, synthesized: int = 0, encodes: bool = False) -> float:
            saved = save_as_editor(script, text)
            done, output = watch.until(WATCHING)
            if f"{synthesized} clips synthesized" not in output:
                raise SystemExit(f"expected {synthesized} new clips:\n{output}")
            if encodes and not re.search(r" [1-9]\d* of \d+ parts encoded", output):
                raise SystemExit(f"expected a part encoded again:\n{output}")
            return done - saved

        cached: dict[str, list[float]] = {"pause": [], "title": [], "undo": []}
        new_clip: dict[str, list[float]] = {"interviewer": [], "zhanar": []}
        for n, pause in enumerate(_PAUSES):
            cached["pause"].append(after(_pause_edit(original, pause), encodes=True))
            cached["title"].append(after(_title_edit(original, n)))
            cached["undo"].append(after(original))
            for speaker in new_clip:
                new_clip[speaker].append(after(_segment_edit(original, speaker, _WORDS[n]), synthesized=1))
            after(original)
    finally:
        watch.stop()
        save_as_editor(script, original)
    return {
        "watch_cached": _spread([t for times in cached.values() for t in times]),
        **{f"watch_{kind}": _spread(times) for kind, times in cached.items()},
        **{f"watch_new_clip_{speaker}": _spread(times) for speaker, times in new_clip.items()},
    }


def _plain(script: Path, out: Path, env: dict[str, str], original: str) -> dict[str, Any]:
    build = [sys.executable, "-m", "shalket_audio", "build", str(script), "--out", str(out)]
    figures: dict[str, Any] = {}
    # One edit first, not timed: its worker lingers for the measured ones, as after a producer's first edit
    # of the day (the watch before this killed its workers on Ctrl-C).
    save_as_editor(script, _segment_edit(original, "zhanar", f"to begin with {_RUN}"))
    _timed_command(build, env)
    for speaker in ("interviewer", "zhanar"):
        times = []
        for n in range(ROUNDS):
            save_as_editor(script, _segment_edit(original, speaker, _WORDS[ROUNDS + n]))
            times.append(_timed_command(build, env))
        figures[f"edit_{speaker}"] = _spread(times)
        save_as_editor(script, original)
        _timed_command(build, env)
    figures["noop"] = _spread([_timed_command(build, env) for _ in range(NOOP_ROUNDS)])
    # The same no-op with the replay off: what it costs whenever the replay's record does not hold.
    full = dict(env, SHALKET_REPLAY="0")
    figures["noop_full"] = _spread([_timed_command(build, full) for _ in range(NOOP_ROUNDS // 2)])
    return figures


def _say_watched(script: Path, work: Path, env: dict[str, str], original: str) -> dict[str, Any]:
    lines = original.splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith("zhanar: ")) + 1
    command = [sys.executable, "-m", "shalket_audio", "say", "--watch", str(script), "--line", str(number)]
    watch = WatchProcess([*command, "-o", str(work / "line.wav")], env)
    times = []
    try:
        watch.until(WATCHING)
        for n in range(ROUNDS):
            edited = list(lines)
            edited[number - 1] = f"zhanar: And {_WORDS[n]}, in Almaty, number {n + 7}."
            saved = save_as_editor(script, "\n".join(edited) + "\n")
            done, output = watch.until(WATCHING)
            if "1 of 1 clips synthesized" not in output:
                raise SystemExit(f"expected a new clip:\n{output}")
            times.append(done - saved)
    finally:
        watch.stop()
        save_as_editor(script, original)
    return {"say_warm": _spread(times)}


def loop_figures(source: Path, work: Path) -> dict[str, Any]:
    """The loop's figures, from a copy of ``source`` in ``work/loop``; ``work/cache`` should hold its clips
    (the episode benchmark leaves them there), else the first build makes them."""
    folder = work / "loop"
    folder.mkdir(parents=True, exist_ok=True)
    script, out = folder / source.name, folder / "out"
    original = source.read_text(encoding="utf-8")
    save_as_editor(script, original)
    env = dict(os.environ, SHALKET_CACHE_DIR=str(work / "cache"), COLUMNS="200")
    _timed_command([sys.executable, "-m", "shalket_audio", "build", str(script), "--out", str(out)], env)
    figures: dict[str, Any] = {"load_before": os.getloadavg()}
    steps: list[Callable[[], dict[str, Any]]] = [
        lambda: _watched(script, out, env, original),
        lambda: _plain(script, out, env, original),
        lambda: _say_watched(script, folder, env, original),
    ]
    for step in steps:
        figures.update(step())
    figures["load_after"] = os.getloadavg()
    return {"loop": figures}


def loop_rows(figures: dict[str, Any]) -> list[tuple[str, str, str]]:
    loop = figures["loop"]

    def row(label: str, key: str, target: str) -> tuple[str, str, str]:
        spread = loop[key]
        verdict = "met" if spread["max_s"] <= TARGETS[target] else "MISSED"
        return (
            label,
            f"{spread['median_s']} s",
            f"{spread['min_s']}-{spread['max_s']} s over {len(spread['runs_s'])}; "
            f"target <= {TARGETS[target]:g} (worst run): {verdict}",
        )

    return [
        row("watch: edit, clips cached (all)", "watch_cached", "watch_cached_s"),
        row("watch: a pause (its part encoded)", "watch_pause", "watch_cached_s"),
        row("watch: a chapter title", "watch_title", "watch_cached_s"),
        row("watch: an undo", "watch_undo", "watch_cached_s"),
        row("watch: new interviewer clip", "watch_new_clip_interviewer", "watch_new_clip_s"),
        row("watch: new zhanar clip", "watch_new_clip_zhanar", "watch_new_clip_s"),
        row("build: edit interviewer segment", "edit_interviewer", "edit_s"),
        row("build: edit zhanar segment", "edit_zhanar", "edit_s"),
        row("build: no-op", "noop", "noop_s"),
        (
            "build: no-op, replay off",
            f"{loop['noop_full']['median_s']} s",
            f"{loop['noop_full']['min_s']}-{loop['noop_full']['max_s']} s over {len(loop['noop_full']['runs_s'])}; "
            "no target (SHALKET_REPLAY=0)",
        ),
        row("say --watch: a new line", "say_warm", "say_warm_s"),
    ]


def main(argv: list[str] | None = None) -> None:
    """``python -m shalket_audio.bench.loop [SCRIPT] [--work DIR] [--json]``: the loop's figures alone, with the
    clips cached in ``DIR/cache`` (kept between runs, so only the first run synthesizes the episode)."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("script", nargs="?", default="script/shal-ket.md", type=Path)
    parser.add_argument("--work", type=Path, required=True, help="folder for the clip cache and the loop's copy")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = loop_figures(args.script, args.work)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    loop = figures["loop"]
    load = ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(loop["load_before"], loop["load_after"], strict=True))
    print(f"the producer's loop on {os.cpu_count()} cores; load average (1, 5, 15 min) before/after: {load}")
    for name, value, note in loop_rows(figures):
        print(f"  {name:<34} {value:>10}  {note}")


if __name__ == "__main__":
    main()
