"""``synthesize_episode(release_engines=False)`` keeps the engines' workers warm for the next synthesis; by
default they are released (stopped) as soon as synthesis ends.  Real Piper workers, found in /proc."""

from __future__ import annotations

from pathlib import Path

from test_interrupt import alive

from shalket_audio.script import parse_script
from shalket_audio.synth import synthesize_episode
from shalket_audio.synth.cache import ClipCache
from shalket_audio.synth.casting import cast
from shalket_audio.voices import default_registry

SCRIPT = """---
title: Warm
speakers:
  interviewer: {name: Ann Host, role: host, voices: {local: ['piper:en_US-joe-medium']}}
---
# One
interviewer: %s
"""


def piper_workers(episode_castings: dict) -> list[int]:  # type: ignore[type-arg]
    engine = episode_castings["interviewer"].engine
    pool = getattr(engine, "_pool", None) or getattr(getattr(engine, "_engine", None), "_pool", None)
    assert pool is not None, "the Piper engine runs in a worker pool"
    return [pid for pid in pool.pids() if alive(pid)]


def test_release_engines_false_keeps_the_workers_warm_and_true_stops_them(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path / "cache")
    registry = default_registry()
    first = parse_script(SCRIPT % "The first words, kept warm.", tmp_path / "a.md")
    castings = cast(first, "local", registry)
    synthesize_episode(first, castings, cache, release_engines=False)
    warm = piper_workers(castings)
    assert warm, "the worker stays up after synthesis"
    second = parse_script(SCRIPT % "Some second words, in the same casting.", tmp_path / "b.md")
    result = synthesize_episode(second, castings, cache)  # default: released at the end
    assert result.synthesized == 1
    assert not piper_workers(castings)
    assert not [pid for pid in warm if alive(pid)], "released workers have exited"
