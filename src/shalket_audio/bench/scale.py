"""How the build and the text handling scale: peak memory at episode lengths, time against input size.

Long episodes are made by repeating the committed script's chapters, so every
clip comes from the cache the 9-minute build filled: what is measured is
assembly, mastering and encoding, which is where memory grows with length.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

#: The episode is about 8.6 minutes; these repeats give about 9, 60 and 120 minutes.
REPEATS = {"9 min": 1, "60 min": 7, "120 min": 14}
#: The article repeated this many times (about 19,000 words), then twice that.
ARTICLE_COPIES = 10


def repeated_script(source: Path, repeats: int, target: Path) -> Path:
    """``source`` with its chapters repeated ``repeats`` times (titles numbered), written to ``target``."""
    text = source.read_text(encoding="utf-8")
    end = text.index("\n---\n", 4) + 5
    head, body = text[:end], text[end:]
    copies = [body] + [re.sub(r"(?m)^# (.*)$", rf"# \1 ({n})", body) for n in range(2, repeats + 1)]
    target.write_text(head + "\n".join(copies), encoding="utf-8")
    return target


def build_process(script: Path, out: Path, cache: Path) -> dict[str, Any]:
    """One ``shalket-audio build`` in a fresh process: wall time and peak RSS (its own and its children's)."""
    from .episode import _build

    return _build(script, out, cache)


def accuracy(mp3: Path, timeline_path: Path) -> dict[str, float]:
    """Loudness and true peak by ffmpeg's ebur128, and how far each segment's speech starts from its timeline
    start (the worst case, in ms, looking from 150 ms before it): every onset should fall within the kept
    silence and fade."""
    from ..audio.ffmpeg import ffmpeg_binary
    from ..audio.loudness import measure_file
    from ..build import read_timeline

    loud = measure_file(mp3)
    timeline = read_timeline(timeline_path)
    # Decoded 10 ms at a time: the benchmark process stays small (its builds are measured, not it).
    decoder = subprocess.Popen(
        [ffmpeg_binary(), "-v", "error", "-i", str(mp3), "-f", "s16le", "-ac", "1", "-ar", "44100", "-"],
        stdout=subprocess.PIPE,
    )
    assert decoder.stdout is not None
    frame = 441  # 10 ms
    levels = []
    while data := decoder.stdout.read(frame * 2 * 1000):
        samples = np.frombuffer(data[: len(data) // (2 * frame) * 2 * frame], dtype="<i2").astype(np.float32)
        levels.append(np.sqrt(np.mean(np.square(samples.reshape(-1, frame)), axis=1)))
    decoder.wait()
    rms = np.concatenate(levels)
    count = len(rms)
    loud_frames = rms > 32768 * 10 ** (-48 / 20)
    worst = 0.0
    for segment in timeline.segments:
        first, last = max(0, segment.start_ms // 10 - 15), min(count, segment.end_ms // 10)
        onsets = np.flatnonzero(loud_frames[first:last])
        if len(onsets):
            worst = max(worst, abs((first + int(onsets[0])) * 10 - segment.start_ms))
    return {
        "lufs": loud.integrated_lufs,
        "true_peak_dbtp": loud.true_peak_dbtp,
        "duration_min": round(timeline.duration_ms / 60000, 1),
        "chapters": len(timeline.chapters),
        "worst_onset_error_ms": worst,
    }


def memory_at_lengths(script: Path, cache: Path, work: Path) -> dict[str, dict[str, Any]]:
    """Peak RSS of a build at each length in REPEATS (after a first build has filled ``cache``)."""
    figures = {}
    for name, repeats in REPEATS.items():
        long = repeated_script(script, repeats, work / f"long-{repeats}.md")
        out = work / f"out-{repeats}"
        built = build_process(long, out, cache)
        figures[name] = {
            "rss_mb": built["rss_mb"],
            "wall_s": built["wall_s"],
            **accuracy(out / f"{long.stem}.mp3", out / f"{long.stem}.timeline.json"),
        }
    return figures


def time_ratio(run: Any, small: Any, large: Any, repeat: int = 3) -> tuple[float, float, float]:
    """Best-of-``repeat`` seconds of ``run(small)`` and ``run(large)``, and their ratio."""

    def best(argument: Any) -> float:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            run(argument)
            times.append(time.perf_counter() - started)
        return min(times)

    a, b = best(small), best(large)
    return round(a, 3), round(b, 3), round(b / a, 2)


def linear_time(script: Path, article: Path) -> dict[str, dict[str, float]]:
    """Text preparation, script parsing and article conversion at one size and at twice that size."""
    from .. import article as converter
    from ..script import parse_script
    from ..synth.text import prepare

    text = script.read_text(encoding="utf-8")
    end = text.index("\n---\n", 4) + 5
    head, body = text[:end], text[end:]
    lines = [line.split(": ", 1)[1] for line in body.splitlines() if re.match(r"^[a-z]+: ", line)]
    paragraph = " ".join(lines)
    results = {}
    for name, run, small, large in (
        ("prepare one long segment", prepare, paragraph * 20, paragraph * 40),
        ("prepare spaces", prepare, "word " + " " * 50_000 + "end", "word " + " " * 100_000 + "end"),
        ("parse script", lambda t: parse_script(t), head + body * 20, head + body * 40),
    ):
        a, b, ratio = time_ratio(run, small, large)
        results[name] = {"small_s": a, "double_s": b, "ratio": ratio}
    # The article's body repeated after its header (title, byline, standfirst): a longer interview.
    source = article.read_text(encoding="utf-8").split("\n\n")
    header, rest = source[:5], source[5:]
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for copies in (ARTICLE_COPIES, 2 * ARTICLE_COPIES):
            path = Path(tmp) / f"article-{copies}.article.txt"
            path.write_text("\n\n".join(header + rest * copies), encoding="utf-8")
            paths.append(path)
        a, b, ratio = time_ratio(lambda p: converter.convert_file(p), paths[0], paths[1], repeat=1)
        words = len(paths[1].read_text(encoding="utf-8").split())
    results["convert article"] = {"small_s": a, "double_s": b, "ratio": ratio, "double_words": words}
    return results
