"""Kokoro-82M: neural and offline, the default voice of the narrator (``am_echo``) and the guest (``af_heart``).

Voice strings: ``kokoro:af_heart``, ``kokoro:bf_emma:speed=0.95``, or a
producer's own files, ``kokoro:/path/voice.bin:model=/path/model.onnx``.
Options: ``speed`` (0.5 to 2.0), ``lang`` (``en-us`` or ``en-gb``; British
voices ``b*`` default to ``en-gb``) and ``model``.

The model runs in worker processes beside Piper's (``workers.py``), one per
core with a single-threaded session, its convolutions rewritten as integer
matrix products where that is exact (``convgemm.py``); text becomes IPA through espeak-ng
(``phonemes.py``), so lexicon entries given as phonemes reach the model as
written.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import InputError
from ...fileio import file_sha256
from ..base import AVAILABLE, Audio, Availability, Engine, VoiceRef
from ..formats import wav_bytes
from ..workers import WorkerPool, serve
from .assets import (
    MODEL_SHA256,
    VOICE_SHA256,
    AssetError,
    ModelSource,
    packaged_model,
    vocab,
    voice_file,
)
from .convgemm import fast_model, session_options

SAMPLE_RATE = 24_000
#: Why the default voices were chosen, for ``shalket-audio voices`` (measured on this episode; README "Voices").
VOICE_NOTES = {
    "af_heart": "the guest's: 0.9% WER in the listening check, median pitch 200 Hz",
    "am_echo": "the narrator's: 0.9% WER against Piper joe's 3.5%, DistillMOS 4.57 against 4.30, median pitch 114 Hz, "
    "so af_heart stays 1.76x higher",
    "bm_george": "other people quoted: British male, apart from both",
}
INSTALL = "pip install piper-tts onnxruntime"
#: Changes to how text becomes tokens; part of the cache key.
TOKENIZER_VERSION = "espeak-ipa-1"


@dataclass(frozen=True)
class KokoroVoice:
    """A voice string resolved to files and settings."""

    model: Path
    model_sha256: str
    voice: Path
    voice_sha256: str
    speed: float
    language: str


class KokoroEngine(Engine):
    name = "kokoro"
    default_voice = "af_heart"
    audio_format = "wav"
    accepts_phonemes = True

    def __init__(self, models: Path | None = None, source: ModelSource | None = None) -> None:
        self._models = models
        self._source = source
        self._pool = WorkerPool("shalket_audio.voices.kokoro", "Kokoro")
        self._lock = threading.Lock()
        self._packaged: Path | None = None
        self._digests: dict[tuple[Path, int, int], str] = {}
        self._threads = 1
        self._lone = False

    @property
    def max_jobs(self) -> int:
        return max(1, os.cpu_count() or 1)

    def available(self, voice: VoiceRef | None = None) -> Availability:
        for module in ("onnxruntime", "piper"):  # found, not imported: onnxruntime takes a while to load
            if importlib.util.find_spec(module) is None:
                return Availability(False, f"the {module} package is not installed", INSTALL)
        if voice is None:
            return AVAILABLE
        try:
            self.resolve(voice)
        except AssetError as exc:
            return Availability(False, exc.message, exc.fix)
        return AVAILABLE

    def voices(self) -> list[str]:
        return [
            *(f"{name} ({VOICE_NOTES[name]})" if name in VOICE_NOTES else name for name in VOICE_SHA256),
            "/path/to/voice.bin, with :speed=0.9, :lang=en-gb or :model=/path/model.onnx",
        ]

    def fingerprint(self, voice: VoiceRef) -> str:
        resolved = self.resolve(voice)
        return (
            f"kokoro {TOKENIZER_VERSION}; model {resolved.model_sha256[:16]}; voice {resolved.voice_sha256[:16]}; "
            f"speed {resolved.speed:g}; {resolved.language}"
        )

    def synthesize(self, text: str, voice: VoiceRef) -> Audio:
        resolved = self.resolve(voice)
        request = {
            "model": str(resolved.model),
            "voice": str(resolved.voice),
            "speed": resolved.speed,
            "language": resolved.language,
            "text": text,
            "threads": self._threads,
            "lone": self._lone,
        }
        return Audio(self._pool.call(request), "wav")

    def release(self) -> None:
        self._pool.release()

    def expect(self, requests: int) -> None:
        """A lone request on a machine with a core to spare gets every core (1.4x faster on 2 quiet cores, the
        same samples); several, or a busy machine, one each: two threads fighting other work for the cores
        were 1.5-2x slower than one (README, "Benchmark")."""
        self._threads = lone_request_threads() if requests == 1 else 1
        self._lone = requests == 1

    def resolve(self, voice: VoiceRef) -> KokoroVoice:
        """Files and settings for a voice string; ``AssetError`` when a file is missing or damaged."""
        options = _options(voice)
        speed = _speed(voice, options.get("speed", "1"))
        name = voice.voice
        default_language = "en-gb" if Path(name).name.startswith("b") else "en-us"
        language = options.get("lang", default_language)
        if language not in ("en-us", "en-gb"):
            raise InputError(f"voice {voice}: unknown lang {language!r}", fix="use lang=en-us or lang=en-gb")
        voice_path, voice_sha256 = voice_file(name)
        if "model" in options:
            model = Path(options["model"]).expanduser()
            model_sha256 = self._own_model_digest(model)
        else:
            model, model_sha256 = self._packaged_model(), MODEL_SHA256
        return KokoroVoice(model, model_sha256, voice_path, voice_sha256, speed, language)

    def _packaged_model(self) -> Path:
        with self._lock:
            if self._packaged is None or not self._packaged.is_file():
                checked = packaged_model(self._models, self._source)
                self._packaged = fast_model(checked, self._source.sha256 if self._source else MODEL_SHA256)
            return self._packaged

    def _own_model_digest(self, model: Path) -> str:
        if not model.is_file():
            raise AssetError(f"the Kokoro model {model} was not found", "point model= to an existing .onnx file")
        with model.open("rb") as handle:
            head = handle.read(1)
        if model.suffix != ".onnx" or head != b"\x08":  # an ONNX ModelProto opens with its ir_version field
            raise AssetError(f"{model} is not an ONNX model", "point model= to a Kokoro .onnx file")
        info = model.stat()
        key = (model, info.st_size, info.st_mtime_ns)
        with self._lock:
            if key not in self._digests:
                self._digests[key] = file_sha256(model)
            return self._digests[key]


def _options(voice: VoiceRef) -> dict[str, str]:
    options: dict[str, str] = {}
    for option in voice.options:
        key, sep, value = option.partition("=")
        if not sep or key not in ("speed", "lang", "model") or not value:
            raise InputError(
                f"voice {voice}: unknown option {option!r}",
                fix="use speed=0.95, lang=en-gb or model=/path/model.onnx, e.g. kokoro:af_heart:speed=0.95",
            )
        options[key] = value
    return options


def _speed(voice: VoiceRef, text: str) -> float:
    try:
        speed = float(text)
    except ValueError:
        speed = float("nan")
    if not 0.5 <= speed <= 2.0:
        raise InputError(f"voice {voice}: speed {text!r} is not between 0.5 and 2.0", fix="write e.g. speed=0.95")
    return speed


_sessions: dict[tuple[str, int], Any] = {}
_styles: dict[str, Any] = {}


def _synthesize_request(request: dict[str, Any]) -> bytes:
    """In the worker: one request's text to 24 kHz WAV bytes, the model and voice kept loaded."""
    import numpy as np

    from ..phonemes import batches, phonemize

    session = _session(request["model"], int(request.get("threads", 1)), bool(request.get("lone")))
    if request["voice"] not in _styles:
        _styles[request["voice"]] = np.fromfile(request["voice"], dtype=np.float32).reshape(-1, 1, 256)
    styles = _styles[request["voice"]]
    token_input = session.get_inputs()[0].name  # "tokens" in v1.0 exports, "input_ids" in later ones
    pieces = []
    for tokens in batches(phonemize(request["text"], request["language"]), _vocab()):
        inputs = {
            token_input: np.array([[0, *tokens, 0]], dtype=np.int64),
            "style": styles[min(len(tokens), len(styles)) - 1],
            "speed": np.array([request["speed"]], dtype=np.float32),
        }
        pieces.append(np.asarray(session.run(None, inputs, _run_options())[0], dtype=np.float32).ravel())
    if not pieces:
        raise ValueError(f"nothing to say in {request['text']!r}")
    audio = np.concatenate(pieces)
    _bound_memory()
    return wav_bytes((np.clip(audio, -1.0, 1.0) * 32767).astype("<i2"), SAMPLE_RATE)


#: A worker whose memory is still past this after a request drops its session, to load it afresh: a
#: backstop behind the arena shrinkage (``_run_options``), for what the arena cannot give back (it keeps a
#: region any block of which is in use). A fresh session is about 190-240 MB.
RSS_LIMIT_MB = 640


def _bound_memory() -> None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            rss_mb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
    except (OSError, StopIteration, ValueError):
        return  # not Linux: no figure to act on
    if rss_mb <= RSS_LIMIT_MB:
        return
    import contextlib
    import ctypes
    import gc

    _sessions.clear()
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # glibc keeps freed heap pages otherwise


@functools.cache
def _run_options() -> Any:
    """Each run gives its arena growth back: a worker sits near 240 MB between requests instead of keeping
    what its longest chunk needed (795 MB after 25 of the episode's chunks without it, same CPU time)."""
    import onnxruntime

    options = onnxruntime.RunOptions()
    options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return options


def _session(model: str, threads: int, lone: bool = False) -> Any:
    """One session at a time: a request for another thread count replaces it (a second would hold the
    model twice).  A lone request takes the loaded session as it is: loading another (about 1.4 s of one
    core here) costs more than a thread too many or too few saves on one sentence."""
    loaded = next((session for (path, _), session in _sessions.items() if path == model), None)
    if lone and loaded is not None:
        return loaded
    if (model, threads) not in _sessions:
        import onnxruntime

        _sessions.clear()
        options = session_options(Path(model), threads)
        _sessions[(model, threads)] = onnxruntime.InferenceSession(
            model, sess_options=options, providers=["CPUExecutionProvider"]
        )
    _last_model[:] = [model]
    return _sessions[(model, threads)]


#: The model of the last request, for a lingering worker to prepare (``prepare_for_lone_requests``).
_last_model: list[str] = []


def prepare_for_lone_requests() -> None:
    """While a worker lingers between builds, load the session a lone request runs fastest on: the next
    build most likely wants one new sentence (1.33 s on two threads against 2.29 s on one, this machine,
    quiet)."""
    cores = os.cpu_count() or 1
    if _last_model and cores > 1:
        _session(_last_model[0], cores)


def lone_request_threads() -> int:
    """Every core while the machine's last minute left more than half a core idle (the 1-minute load
    average), else one. Steadier than a count of what runs right now: consecutive edits keep one session."""
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        return 1
    return cores if cores > 1 and load < cores - 0.5 else 1


_vocab_cache: dict[str, int] = {}


def _vocab() -> dict[str, int]:
    if not _vocab_cache:
        _vocab_cache.update(vocab())
    return _vocab_cache


def serve_requests() -> None:
    """The worker process's loop (``python -m shalket_audio.voices.kokoro``)."""
    serve("kokoro", _synthesize_request, on_idle=prepare_for_lone_requests)
