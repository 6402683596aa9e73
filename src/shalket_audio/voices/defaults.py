"""The voices each role gets under each profile, best first, when a script lists none of its own.

The converter writes them into new scripts' front matter and casting falls
back to them, so both read this one table.
"""

from __future__ import annotations

DEFAULT_PROFILE = "local"

DEFAULT_VOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "host": {"local": ("piper:en_US-joe-medium", "espeak:en-us"), "google": ("gtts:en:co.uk",)},
    "guest": {"local": ("kokoro:af_heart", "flite:slt", "espeak:en-us+f2"), "google": ("gtts:en:com.au",)},
    # Everyone else the article quotes shares a third voice, unlike both the host's and the guest's:
    # a British male voice, apart from the US narrator and the female guest.
    "quoted": {"local": ("kokoro:bm_george", "flite:rms", "espeak:en-gb"), "google": ("gtts:en:co.in",)},
}
