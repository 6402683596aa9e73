"""``python tests/build/fault_runner.py FAULT build ARGS...``: the real CLI, in this process, with one fault injected.

The espeak-ng engine (the voices of the test scripts) is wrapped; everything else is the real build.

FAULT is one of:
- ``none``;
- ``flaky``: 30% of synthesis calls fail (random, seeded by SHALKET_FAULT_SEED);
- ``hang``: every synthesis runs a process that never finishes, under a 2 s timeout;
- ``slow``: every synthesis takes 0.5 s longer (to hold the output lock a while);
- ``kill-synth``: SIGKILL after two clips were synthesized and cached;
- ``kill-assemble``: SIGKILL when assembly starts the second chapter's audio;
- ``kill-encode``: SIGKILL when the second chapter starts encoding;
- ``kill-publish``: SIGKILL after the new MP3 replaced the old one, before its timeline is written.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from shalket_audio import voices
from shalket_audio.audio import assemble, master
from shalket_audio.build import episode as build
from shalket_audio.voices import Audio, EngineError, VoiceRef
from shalket_audio.voices.base import synthesize_with_binary
from shalket_audio.voices.espeak import EspeakEngine

FAULT = sys.argv[1]
_rng = random.Random(int(os.environ.get("SHALKET_FAULT_SEED", "0")))
_lock = threading.Lock()
_calls = {"synth": 0, "chapters": 0, "encodes": 0}


def _kill() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


class FaultyEspeak(EspeakEngine):
    def synthesize(self, text: str, voice: VoiceRef) -> Audio:
        if FAULT == "flaky":
            with _lock:
                failing = _rng.random() < 0.3
            if failing:
                raise EngineError("injected failure (30% of calls fail)", fix="run the build again", retryable=True)
        if FAULT == "hang":
            return synthesize_with_binary("espeak-ng (hung)", lambda source, target: ["sleep", "600"], text, 2.0)
        if FAULT == "slow":
            time.sleep(0.5)
        audio = super().synthesize(text, voice)
        return audio


def _registry() -> voices.Registry:
    registry = voices.default_registry()
    registry.register(FaultyEspeak())
    return registry


build.default_registry = _registry  # type: ignore[assignment]

if FAULT == "kill-synth":
    from shalket_audio.synth import cache

    put = cache.ClipCache.put

    def put_then_kill(self: cache.ClipCache, *args: Any, **kwargs: Any) -> cache.Clip:
        clip = put(self, *args, **kwargs)
        with _lock:
            _calls["synth"] += 1
            if _calls["synth"] == 2:
                _kill()
        return clip

    cache.ClipCache.put = put_then_kill  # type: ignore[method-assign]

if FAULT == "kill-assemble":
    next_chapter = assemble._PartWriter.next_chapter

    def next_chapter_then_kill(self: Any) -> None:
        _kill()  # while the second chapter's part is being planned
        next_chapter(self)

    assemble._PartWriter.next_chapter = next_chapter_then_kill  # type: ignore[method-assign]

if FAULT == "kill-encode":
    encode = master._encode_part

    def encode_then_kill(*args: Any) -> master.Part:
        with _lock:
            _calls["encodes"] += 1
            second = _calls["encodes"] == 2
        if second:
            _kill()
        return encode(*args)

    master._encode_part = encode_then_kill

if FAULT == "kill-publish":
    write = build.atomic_write_text

    def write_or_kill(path: Path, text: str) -> None:
        if path.name.endswith(".timeline.json"):
            _kill()
        write(path, text)

    build.atomic_write_text = write_or_kill

from shalket_audio.cli import main  # noqa: E402  (after the patches)

sys.argv = ["shalket-audio", *sys.argv[2:]]
main()
