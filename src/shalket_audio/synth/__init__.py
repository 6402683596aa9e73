"""Stage 3, segments -> cached clips: casting, text prepared for speech, scheduling and retries, the clip cache.

- ``casting.py``: which voice each speaker gets under a profile;
- ``text.py``: the lexicon, numbers, symbols and punctuation, and chunking at sentence ends;
- ``schedule.py``: every chunk's cache key, and the misses made on one pool per engine, with retries;
- ``cache.py``: the content-addressed clip cache.
"""

from .cache import CacheInfo, Clip, ClipCache, cache_key, default_cache_dir
from .casting import DEFAULT_PROFILE, Casting, cast, cast_speaker
from .schedule import (
    Progress,
    SegmentAudio,
    SynthesisFailed,
    SynthesisPlan,
    SynthesisResult,
    chunk_key,
    plan_episode,
    prepare_for,
    synthesize_episode,
)

__all__ = [
    "DEFAULT_PROFILE",
    "CacheInfo",
    "Casting",
    "Clip",
    "ClipCache",
    "Progress",
    "SegmentAudio",
    "SynthesisFailed",
    "SynthesisPlan",
    "SynthesisResult",
    "cache_key",
    "cast",
    "cast_speaker",
    "chunk_key",
    "default_cache_dir",
    "plan_episode",
    "prepare_for",
    "synthesize_episode",
]
