"""The listening check's figures: ``verify`` on the episode the builds left, as a user runs it.

- with no transcript cached: every clip heard, in a fresh process (wall and CPU time, since other work on
  a shared machine stretches the wall time, and the load average);
- after one more edit and rebuild: how many clips are heard again, and how long it takes;
- each voice's word error rate, its spread over the clips, and the clips to check with what was heard.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from .episode import _build, _edit, verdict

TARGET_S = 60.0

_RUNNER = """
import resource, sys, time
from shalket_audio.cli import app
started = time.perf_counter()
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"BENCH {time.perf_counter() - started:.3f} {usage.ru_utime + usage.ru_stime:.1f}", file=sys.stderr)
"""


def _verify(script: Path, out: Path, cache: Path) -> dict[str, Any]:
    """One ``shalket-audio verify`` process: wall and CPU seconds, clips heard, per-voice word error rate."""
    env = dict(os.environ, SHALKET_CACHE_DIR=str(cache))
    result = subprocess.run(
        [sys.executable, "-c", _RUNNER, "verify", str(script), "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
    )
    if result.returncode != 0:
        raise SystemExit(f"verify failed:\n{result.stdout}\n{result.stderr}")
    line = next(line for line in result.stderr.splitlines() if line.startswith("BENCH "))
    _, wall, cpu = line.split()
    report = json.loads((out / f"{script.stem}.verify.json").read_text(encoding="utf-8"))
    first = result.stdout.splitlines()[0]  # "...: N heard, M from the verify cache"
    return {
        "wall_s": round(float(wall), 2),
        "cpu_s": float(cpu),
        "clips": len(report["clips"]),
        "heard": int(first.split(" heard,")[0].rsplit(" ", 1)[-1]),
        "to_check": report["summary"]["to_check"],
        "wer": report["summary"]["wer"],
        "by_voice": {v: round(d["wer"], 4) for v, d in report["summary"]["by_voice"].items()},
        "per_clip_wer": {
            v: [c["wer"] for c in report["clips"] if c["voice"] == v] for v in report["summary"]["by_voice"]
        },
        "load": round(os.getloadavg()[0], 1),
        "checks": [
            f"line {c['line']} ({c['voice']}): {'; '.join(c['reasons']) or 'passes'}: "
            f"expected {c['expected']!r}, heard {c['heard']!r}"
            for c in report["clips"]
            if c["to_check"] or c["wer"] > 0.5
        ],
    }


def listening_figures(source: Path, work: Path) -> dict[str, Any]:
    """Run after ``episode_figures``, which leaves the built episode and its clips in ``work``."""
    script, cache, out = work / source.name, work / "cache", work / "out"
    cold = _verify(script, out, cache)
    _edit(script, "interviewer")
    _build(script, out, cache)
    edited = _verify(script, out, cache)
    return {
        "verify_s": cold["wall_s"],
        "verify_cpu_s": cold["cpu_s"],
        "verify_load_1min": cold["load"],
        "verify_after_edit_s": edited["wall_s"],
        "verify_after_edit_heard": edited["heard"],
        "verify_to_check": cold["to_check"],
        "wer": cold["wer"],
        "wer_by_voice": cold["by_voice"],
        "wer_spread_by_voice": {voice: _spread(values) for voice, values in cold["per_clip_wer"].items()},
        "verify_checks": cold["checks"],
    }


def listening_rows(figures: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (
            "verify, no transcripts cached",
            f"{figures['verify_s']} s",
            f"{verdict(figures['verify_s'], TARGET_S)}; CPU {figures['verify_cpu_s']} s, "
            f"load {figures['verify_load_1min']}",
        ),
        (
            "verify after one more edit",
            f"{figures['verify_after_edit_s']} s",
            f"{figures['verify_after_edit_heard']} clips heard",
        ),
        ("clips to check", f"{figures['verify_to_check']}", ""),
        *(
            (f"WER {voice}", f"{wer:.1%}", figures["wer_spread_by_voice"][voice])
            for voice, wer in figures["wer_by_voice"].items()
        ),
    ]


def _spread(values: list[float]) -> str:
    """Per-clip word error rates of one voice: how many clips had none, the median and the worst."""
    ordered = sorted(values)
    median = ordered[len(ordered) // 2] if ordered else 0.0
    clean = sum(1 for v in ordered if v == 0)
    worst = max(ordered, default=0.0)
    return f"{clean}/{len(ordered)} clips all heard right; per clip median {median:.0%}, worst {worst:.0%}"
