"""The narration script: the typed model (``model.py``), the parser (``front_matter.py`` then
``parser.py``) and the serializer with its JSON view (``serialize.py``).

Errors are ``ScriptError`` values naming the file, the line and the fix.  The
parser never lets any other exception escape, whatever the input.
"""

from .model import (
    FRONT_MATTER_KEYS,
    MAX_CHAPTERS,
    MAX_PAUSE_MS,
    MAX_SEGMENT_CHARS,
    PACING_KEYS,
    ROLES,
    SPEAKER_KEYS,
    TAG_RE,
    WORDS_PER_MINUTE,
    Chapter,
    Comment,
    Episode,
    Item,
    Metadata,
    Pause,
    Role,
    Segment,
    Speaker,
    count_words,
    estimate_seconds,
)
from .parser import load_script, parse_script
from .serialize import JSON_SCHEMA_VERSION, episode_to_json, serialize_script

__all__ = [
    "FRONT_MATTER_KEYS",
    "JSON_SCHEMA_VERSION",
    "MAX_CHAPTERS",
    "MAX_PAUSE_MS",
    "MAX_SEGMENT_CHARS",
    "PACING_KEYS",
    "ROLES",
    "SPEAKER_KEYS",
    "TAG_RE",
    "WORDS_PER_MINUTE",
    "Chapter",
    "Comment",
    "Episode",
    "Item",
    "Metadata",
    "Pause",
    "Role",
    "Segment",
    "Speaker",
    "count_words",
    "episode_to_json",
    "estimate_seconds",
    "load_script",
    "parse_script",
    "serialize_script",
]
