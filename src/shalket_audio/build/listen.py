"""The listening check as a build step: hear the built episode, and after a kept retake make the next build
take it (the retake is stored under the clip's own key, so the build record alone would call the episode
current)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..script import Episode
from ..synth import DEFAULT_PROFILE, ClipCache
from ..voices import Registry
from .record import forget

if TYPE_CHECKING:
    from ..verify.check import Listener, VerifyReport


def verify_built(
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
    """``verify.run_verify`` on an episode built into ``out_dir``: ``OUT/NAME.verify.json``, and with ``fix``
    a second take of each flagged clip, the better one kept."""
    from ..verify import run_verify

    report = run_verify(
        episode, out_dir, profile=profile, cache=cache, registry=registry, fix=fix, listener=listener,
        on_progress=on_progress,
    )
    if report.retaken:
        assert episode.path is not None
        forget(episode.path, out_dir)
    return report
