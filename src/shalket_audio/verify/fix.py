"""``verify --fix``: one second take of each clip the check flagged, and the better of the two kept.

The second take is the same text with a different chunking (each sentence, or else each clause, made
separately and joined with a short pause) when the text has more than one; otherwise the speaker's next
available voice in the script's list (casting's fallback order).  Both takes are heard and measured
the same way: fewer reasons to check wins, then fewer word errors; a tie keeps the original.

The winner is stored in the clip cache under the clip's own key, so the next build uses it without
knowing about takes, and a record beside the transcripts (``verify/takes/KEY.json``) says which take
won and why.  A clip is retaken once: a second ``--fix`` reports the earlier verdict.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace

from ..audio.join import join_clips
from ..audio.timeline import Pacing
from ..errors import ShalketError
from ..fileio import atomic_write_text
from ..synth import Casting, ClipCache
from ..synth.casting import choices
from ..synth.text import CLAUSE_BREAK, SENTENCE_BREAK
from ..voices import Audio, Engine, Registry, VoiceRef
from .align import respelled
from .check import ClipCheck, Listener, compare
from .takes import key_of, read_take_record, record_path


@dataclass(frozen=True)
class FixOutcome:
    where: str
    tried: str  # the second take: "rechunked into 3 pieces" or "fallback voice espeak:en-us"
    kept: str  # "original" or the second take's name
    before: str  # the original's verdict
    after: str  # the second take's verdict

    def line(self) -> str:
        if not self.tried:
            return f"{self.where}: {self.kept}"
        return f"{self.where}: tried {self.tried} ({self.after}) against the original ({self.before}): kept {self.kept}"


def pieces(text: str) -> list[str]:
    """The text cut differently: into sentences, or, for one sentence, into clauses."""
    for pattern in (SENTENCE_BREAK, CLAUSE_BREAK):
        parts = [p for p in pattern.split(text) if p.strip()]
        if len(parts) > 1:
            return parts
    return [text]


def _fallback(casting: Casting, profile: str, registry: Registry) -> tuple[Engine, VoiceRef] | None:
    """The speaker's next available voice after the one cast."""
    listed = choices(casting.speaker, profile)
    current = str(casting.voice)
    after = listed[listed.index(current) + 1 :] if current in listed else listed
    for spec in after:
        try:
            engine, voice = registry.resolve(spec)
        except ShalketError:
            continue
        if engine.available() and engine.available(voice) and str(voice) != current:
            return engine, voice
    return None


def second_take(
    text: str,
    casting: Casting,
    profile: str,
    registry: Registry,
    lexicon: dict[str, str] | None = None,
    phonemes: dict[str, str] | None = None,
    gap_ms: int = Pacing.sentence,
) -> tuple[str, str, Audio] | None:
    """(name, voice, audio) of the second take, or None when there is nothing else to try.  A rechunked take
    leaves ``gap_ms`` between its pieces: the pause the script puts between the chunks of a segment."""
    parts = pieces(text)
    if len(parts) > 1:
        audio = [casting.engine.synthesize(part, casting.voice) for part in parts]
        joined, _ = join_clips([(part.data, part.format) for part in audio], gap_ms)
        return f"rechunked into {len(parts)} pieces", str(casting.voice), Audio(joined, "wav")
    fallback = _fallback(casting, profile, registry)
    if fallback is None:
        return None
    engine, voice = fallback
    if not engine.accepts_phonemes:
        text = respelled(text, lexicon or {}, phonemes or {})
    return f"fallback voice {voice}", str(voice), engine.synthesize(text, voice)


def _verdict(reasons: list[str], errors: int) -> str:
    return ("; ".join(reasons) if reasons else "passes") + f", {errors} word errors"


def fix_clip(
    check: ClipCheck,
    where: str,
    casting: Casting,
    profile: str,
    registry: Registry,
    cache: ClipCache,
    listener: Listener,
    lexicon: dict[str, str],
    phonemes: dict[str, str] | None = None,
    gap_ms: int = Pacing.sentence,
) -> FixOutcome:
    engine_name, key = key_of(check.clip)
    before = _verdict(check.reasons, check.alignment.errors)
    earlier = read_take_record(cache, key)
    if earlier is not None:
        return FixOutcome(where, "", f"already retaken once: {earlier.get('kept', 'original')} was kept", before, "")
    made = second_take(check.expected, casting, profile, registry, lexicon, phonemes, gap_ms)
    if made is None:
        return FixOutcome(where, "", "no other chunking or voice to try", before, "")
    name, voice, audio = made
    trial_key = hashlib.sha256(f"{key}/{name}".encode()).hexdigest()
    trial = cache.put("take", trial_key, audio.data, audio.format)
    try:
        heard, _ = listener.hear(trial)
        retaken = replace(
            check,
            heard=heard.transcript,
            longest_pause_ms=heard.longest_pause_ms,
            alignment=compare(check.expected, heard.transcript, lexicon, phonemes),
            duration_ms=trial.duration_ms,
        )
        retaken = listener.settle(retaken, trial, heard, lexicon, phonemes or {})
        heard = listener.transcripts.get(trial) or heard  # with its second opinions, if it needed them
    finally:
        trial.path.unlink(missing_ok=True)
    after = _verdict(retaken.reasons, retaken.alignment.errors)
    better = (len(retaken.reasons), retaken.alignment.errors) < (len(check.reasons), check.alignment.errors)
    kept_file = check.clip.name
    if better:
        new = cache.put(engine_name, key, audio.data, audio.format)
        if new.path != check.clip:
            check.clip.unlink(missing_ok=True)
        listener.transcripts.put(new, heard)
        kept_file = new.path.name
    record = {
        "key": key,
        "text": check.expected,
        "kept": name if better else "original",
        "file": kept_file,
        "takes": [
            {"take": "original", "voice": check.voice, "heard": check.heard, "verdict": before},
            {"take": name, "voice": voice, "heard": retaken.heard, "verdict": after},
        ],
    }
    atomic_write_text(record_path(cache, key), json.dumps(record, ensure_ascii=False, indent=1))
    return FixOutcome(where, name, name if better else "original", before, after)
