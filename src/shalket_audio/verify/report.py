"""The listening check's outputs: ``NAME.verify.json`` and the terminal table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..audio.timeline import clock
from ..fileio import atomic_write_text
from .check import ENDS_EARLY_WORDS, MAX_MISSING, MAX_PAUSE_MS, MAX_WER, ClipCheck, VerifyReport

SCHEMA_VERSION = 1


def verify_path(script: Path, out_dir: Path) -> Path:
    return out_dir / f"{script.stem}.verify.json"


def summary_line(report: VerifyReport) -> str:
    """One line for the build report: ``verified 59 clips: 2 to check``."""
    flagged = len(report.to_check)
    return f"verified {len(report.checks)} clips: {flagged or 'none'} to check"


def criteria() -> str:
    return (
        f"a clip is to check when {MAX_MISSING} or more words are missing, {MAX_WER:.0%} or more of its words "
        f"are wrong, its last {ENDS_EARLY_WORDS} or more words are not heard, or it holds a silence of "
        f"{MAX_PAUSE_MS / 1000:.1f} s or more"
    )


def _where(report: VerifyReport, check: ClipCheck) -> str:
    return f"{report.script}:{check.line}"


def to_json(report: VerifyReport) -> dict[str, Any]:
    words = sum(c.words for c in report.checks)
    errors = sum(c.alignment.errors for c in report.checks)
    return {
        "schema_version": SCHEMA_VERSION,
        "script": str(report.script),
        "recognizer": report.recognizer,
        "thresholds": {
            "max_wer": MAX_WER,
            "max_missing": MAX_MISSING,
            "ends_early_words": ENDS_EARLY_WORDS,
            "max_pause_ms": MAX_PAUSE_MS,
        },
        "summary": {
            "clips": len(report.checks),
            "to_check": len(report.to_check),
            "words": words,
            "errors": errors,
            "wer": round(errors / words, 4) if words else 0.0,
            "by_voice": {
                voice: {"clips": clips, "words": n, "errors": e, "wer": round(e / n, 4) if n else 0.0}
                for voice, (clips, n, e) in report.by_voice().items()
            },
        },
        "clips": [
            {
                "where": _where(report, c),
                "line": c.line,
                "segment": c.segment,
                "chunk": c.chunk,
                "speaker": c.speaker,
                "voice": c.voice,
                "take": c.take,
                "expected": c.expected,
                "heard": c.heard,
                "words": c.words,
                "errors": c.alignment.errors,
                "wer": round(c.wer, 4),
                "missing": c.alignment.missing,
                "added": c.alignment.added,
                "misheard": [list(pair) for pair in c.alignment.misheard],
                "ends_early": c.ends_early > 0,
                "longest_pause_ms": c.longest_pause_ms,
                "duration_ms": c.duration_ms,
                "to_check": c.to_check,
                "reasons": c.reasons,
            }
            for c in report.checks
        ],
    }


def write_json(report: VerifyReport, out_dir: Path) -> Path:
    path = verify_path(report.script, out_dir)
    atomic_write_text(path, json.dumps(to_json(report), ensure_ascii=False, indent=1) + "\n")
    return path


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _detail(check: ClipCheck) -> str:
    parts = []
    if check.alignment.missing:
        parts.append("missing: " + " ".join(check.alignment.missing))
    if check.alignment.added:
        parts.append("added: " + " ".join(check.alignment.added))
    if check.alignment.misheard:
        parts.append("heard: " + ", ".join(f"{e}→{h}" for e, h in check.alignment.misheard))
    if check.longest_pause_ms >= MAX_PAUSE_MS:
        parts.append(f"silence {check.longest_pause_ms / 1000:.1f} s")
    return "; ".join(parts) or "all words heard"


def table(report: VerifyReport, limit: int | None = 15) -> list[str]:
    """Lines of the terminal table, worst first: every clip to check, then the next worst up to ``limit``."""
    rows = report.worst_first()
    shown = [c for c in rows if c.to_check]
    for check in rows:
        if check.to_check or check.alignment.errors == 0:
            continue
        if limit is not None and len(shown) >= limit:
            break
        shown.append(check)
    if not shown:
        return ["  every clip was heard as written"]
    where_width = max(len(_where(report, c)) for c in shown)
    lines = [f"  {'':<2}{'where':<{where_width}}  {'speaker':<12} {'WER':>6} {'words':>5}  what was heard"]
    for check in shown:
        mark = "!!" if check.to_check else ""
        lines.append(
            f"  {mark:<2}{_where(report, check):<{where_width}}  {_clip(check.speaker, 12):<12} "
            f"{check.wer * 100:>5.1f}% {check.words:>5}  {_clip(_detail(check), 90)}"
        )
        for reason in check.reasons:
            lines.append(f"  {'':<2}{'':<{where_width}}  {'':<12} {'':>6} {'':>5}  to check: {reason}")
    hidden = sum(1 for c in rows if c.alignment.errors and c not in shown)
    if hidden:
        lines.append(f"  … and {hidden} more clips with a misheard word (all in the JSON)")
    return lines


def terminal_lines(report: VerifyReport, limit: int | None = 15) -> list[str]:
    """What ``shalket-audio verify`` prints for one script."""
    speech = sum(c.duration_ms for c in report.checks)
    cached = sum(1 for c in report.checks if c.cached)
    lines = [
        f"{report.script}: {summary_line(report)} ({clock(speech)} of speech) in {report.elapsed:.1f}s: "
        f"{len(report.checks) - cached} heard, {cached} from the verify cache"
    ]
    if report.synthesized:
        lines.append(f"  {report.synthesized} clips were not built yet and were synthesized first")
    lines.append(f"  ({criteria()})")
    lines += table(report, limit)
    voices = ", ".join(
        f"{voice} {errors / words if words else 0:.1%} ({clips} clips, {words} words)"
        for voice, (clips, words, errors) in report.by_voice().items()
    )
    lines.append(f"  word error rate by voice: {voices}")
    for fix in report.fixes:
        lines.append(f"  fix: {fix}")
    return lines
