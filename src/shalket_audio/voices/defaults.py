"""The voices each role gets under each profile, best first, when a script lists none of its own.

The converter writes them into new scripts' front matter and casting falls
back to them, so both read this one table.

Profiles: ``local`` (the default: neural and offline, Kokoro for the host and
the guest, Piper and the small engines as fallbacks), ``draft`` (the fastest
offline voices, Piper and flite, for quick passes over a script; its clips
have their own cache entries, since the voices differ) and ``google`` (gTTS,
needs the internet).
"""

from __future__ import annotations

DEFAULT_PROFILE = "local"
DRAFT_PROFILE = "draft"

#: The narrator's Kokoro voice. Chosen on this episode (listening check and DistillMOS per voice, the
#: figures are in the README's "Voices"): am_echo had the lowest word error rate of the Kokoro male
#: voices tried (0.9%, against 1.1% for bm_fable and 3.5% for Piper joe), and at a median pitch of 114 Hz
#: it leaves af_heart (200 Hz) at 1.76x, where bm_fable (134 Hz, 1.49x) and bm_daniel (128 Hz, 1.56x)
#: come too close to the guest.
NARRATOR_VOICE = "kokoro:am_echo"

DEFAULT_VOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "host": {
        "local": (NARRATOR_VOICE, "piper:en_US-joe-medium", "espeak:en-us"),
        "draft": ("piper:en_US-joe-medium", "espeak:en-us"),
        "google": ("gtts:en:co.uk",),
    },
    "guest": {
        "local": ("kokoro:af_heart", "flite:slt", "espeak:en-us+f2"),
        "draft": ("flite:slt", "espeak:en-us+f2"),
        "google": ("gtts:en:com.au",),
    },
    # Everyone else the article quotes shares a third voice, unlike both the host's and the guest's:
    # a British male voice, apart from the US male narrator by accent and from the female guest by pitch.
    "quoted": {
        "local": ("kokoro:bm_george", "flite:rms", "espeak:en-gb"),
        "draft": ("flite:rms", "espeak:en-gb"),
        "google": ("gtts:en:co.in",),
    },
}
