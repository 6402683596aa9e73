"""Stage 4, clips -> tagged MP3 + timeline.

- ``ffmpeg.py``: the binary, running it, decoding clips;
- ``levels.py``: the -16 LUFS target and a measured loudness (no numpy: a no-op build reads them);
- ``loudness.py``: BS.1770 loudness and true peak, ffmpeg's ebur128 reading;
- ``clips.py``: each clip trimmed, at 44.1 kHz, and analysed, kept beside it in the cache;
- ``assemble.py``: clips matched per voice and placed with pauses, chapter by chapter;
- ``master.py``: one loudness pass, the limiter, CBR MP3 encoded per chapter; ``concat.py`` joins them;
- ``tags.py``: ID3v2.3 with CHAP/CTOC in time order; ``cover.py``: the cover art;
- ``timeline.py``: where everything sits in the audio, and the pauses that place it;
- ``join.py`` and ``say.py``: a few clips joined, and one line heard before building.

Nothing is imported here: a no-op build never loads the audio stack.
"""

#: The episode's MP3 bitrate unless told otherwise: CBR, mono, 96 kbps (standards §1).
DEFAULT_BITRATE = 96
#: The recipe of an encoded part: part of each part's cache key and of the build's inputs, so a new recipe
#: encodes the episode again at the next build instead of at the next edit.  Parts are keyed by their
#: chapter's recipe (not its PCM) since version 2; version 3 measures them with the numpy K-weighting.
PARTS_VERSION = 3
