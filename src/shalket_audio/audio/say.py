"""Hear one line before building: any text, or any segment of a script, in a speaker's voice.

``shalket-audio say`` goes through the same lexicon, text preparation,
casting and clip cache as the build, so what it plays is what the episode
will say, and a clip it makes is one the build will not make again.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, RuntimeFailure, ScriptError
from ..fileio import atomic_write_bytes
from ..script import Episode, Segment
from ..synth import Clip, ClipCache, cast_speaker, chunk_key, prepare_for
from ..voices import Registry, VoiceRef
from .join import join_clips
from .timeline import Pacing

#: Players tried in order when asked to play: (program, arguments before the file).
PLAYERS = (("ffplay", ("-nodisp", "-autoexit", "-loglevel", "error")), ("paplay", ()), ("aplay", ("-q",)))


@dataclass(frozen=True)
class Take:
    speaker: str
    voice: VoiceRef
    text: str
    #: The text as the engine receives it, chunk by chunk (lexicon, numbers and phonemes applied).
    chunks: tuple[str, ...]
    path: Path
    duration_ms: int
    from_cache: int
    synthesized: int
    seconds: float
    notice: str | None = None


def segment_at(episode: Episode, line: int) -> Segment:
    """The segment written on ``line`` of the script, or a clear error saying what is there instead."""
    for segment in episode.segments:
        if segment.line == line:
            return segment
    lines = [s.line for s in episode.segments]
    nearest = min(lines, key=lambda n: abs(n - line)) if lines else None
    raise ScriptError(
        f"line {line} is not a segment line",
        path=episode.path,
        line=line,
        fix=f"give the line of a 'speaker: text' line (the nearest is line {nearest})"
        if nearest
        else "the script has no segments",
    )


def say(
    episode: Episode,
    *,
    registry: Registry,
    cache: ClipCache,
    out: Path,
    profile: str,
    speaker: str | None = None,
    text: str | None = None,
    line: int | None = None,
    release_engine: bool = True,
) -> Take:
    """Synthesize (or fetch from the cache) one text in one speaker's voice and write it to ``out`` as WAV.
    ``release_engine`` false keeps the engine's workers warm for the next take (``say --watch``)."""
    started = time.monotonic()
    if line is not None:
        segment = segment_at(episode, line)
        speaker = speaker or segment.speaker
        text = text or segment.text
    if not text or not text.strip():
        raise InputError("nothing to say", fix='give a text, e.g. say --speaker zhanar "Sekerbeyeva", or --line N')
    if speaker is None:
        raise InputError(
            "no speaker given", fix=f"add --speaker with one of: {', '.join(s.tag for s in episode.speakers)}"
        )
    tags = [s.tag for s in episode.speakers]
    if speaker not in tags:
        raise InputError(
            f"{episode.path or 'the script'} has no speaker {speaker!r}", fix=f"use one of: {', '.join(tags)}"
        )
    casting = cast_speaker(episode.speaker(speaker), profile, registry, f"{episode.path}: " if episode.path else "")
    chunks = prepare_for(casting, text, episode)
    if not chunks:
        raise InputError(f"{text!r} has nothing to say once prepared for speech", fix="give it words")
    fingerprint = casting.engine.fingerprint(casting.voice)
    clips: list[Clip] = []
    hits = 0
    casting.engine.expect(1)  # the chunks are said one after another
    for chunk in chunks:
        key = chunk_key(casting, fingerprint, chunk)
        clip = cache.get(casting.engine.name, key)
        if clip is None:
            audio = casting.engine.synthesize(chunk, casting.voice)
            clip = cache.put(casting.engine.name, key, audio.data, audio.format)
        else:
            hits += 1
        clips.append(clip)
    if release_engine:
        casting.engine.release()
    # The same pause the build leaves between the sentence chunks of one segment, from the script's pacing.
    joined, duration_ms = join_clips(
        [(clip.path.read_bytes(), clip.format) for clip in clips], Pacing.from_episode(episode).sentence
    )
    atomic_write_bytes(out, joined)
    return Take(
        speaker=speaker,
        voice=casting.voice,
        text=text,
        chunks=tuple(chunks),
        path=out,
        duration_ms=duration_ms,
        from_cache=hits,
        synthesized=len(chunks) - hits,
        seconds=time.monotonic() - started,
        notice=casting.notice(),
    )


def play(path: Path) -> str:
    """Play a WAV file with the first player found; the player's name, or an error saying none was found."""
    for program, arguments in PLAYERS:
        found = shutil.which(program)
        if not found:
            continue
        result = subprocess.run([found, *arguments, str(path)], capture_output=True, text=True)
        if result.returncode == 0:
            return program
        raise RuntimeFailure(
            f"{program} could not play {path}: {result.stderr.strip() or result.returncode}",
            fix=f"open {path} in any audio player",
        )
    raise RuntimeFailure(
        "no audio player found (tried ffplay, paplay, aplay)", fix=f"the clip is in {path}: open it in any audio player"
    )
