"""espeak-ng: the library bundled by the espeakng-loader wheel, or the system binary.

The bundled library gives a pip-only install a second, female voice
(``en-us+f2``); it is used first, so every machine says the same thing.
"""

from __future__ import annotations

import ctypes
import functools
import shutil
import subprocess
import threading
from typing import Any, Literal

from .base import AVAILABLE, Audio, Availability, Engine, EngineError, VoiceRef, synthesize_with_binary
from .formats import wav_bytes

INSTALL = "pip install espeakng-loader, or apt-get install espeak-ng"
TIMEOUT_S = 120
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_ENDPAUSE = 0x1000

Backend = Literal["auto", "library", "binary"]

# espeak-ng keeps global state: one initialisation per process, one synthesis at a time.
_LIBRARY_LOCK = threading.Lock()
_library: tuple[Any, int, str] | None = None
_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
_samples = bytearray()


def _collect_samples(wav: Any, count: int, _events: Any) -> int:
    if count > 0:
        _samples.extend(ctypes.string_at(wav, count * 2))
    return 0


_collect = _SYNTH_CALLBACK(_collect_samples)  # kept at module level: the library holds a pointer to it


def _load_library() -> tuple[Any, int, str]:
    """(library, sample rate, version), initialised once."""
    global _library
    if _library is None:
        import espeakng_loader

        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        lib.espeak_Info.restype = ctypes.c_char_p
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), 0)
        if rate <= 0:
            raise EngineError("the bundled espeak-ng library failed to initialise", fix=INSTALL)
        lib.espeak_SetSynthCallback(_collect)
        version = (lib.espeak_Info(None) or b"?").decode()
        _library = (lib, rate, version)
    return _library


class EspeakEngine(Engine):
    name = "espeak"
    default_voice = "en-us"
    audio_format = "wav"

    def __init__(self, backend: Backend = "auto", binary: str = "espeak-ng") -> None:
        self.backend = backend
        self.binary = binary

    @property
    def max_jobs(self) -> int:
        return 1 if self._backend() == "library" else 2

    @functools.cache  # noqa: B019 - the answer is fixed for the life of the process
    def _backend(self) -> Literal["library", "binary", "none"]:
        if self.backend in ("auto", "library"):
            try:
                _load_library()
                return "library"
            except (ImportError, OSError, EngineError):
                if self.backend == "library":
                    return "none"
        return "binary" if shutil.which(self.binary) else "none"

    def available(self, voice: VoiceRef | None = None) -> Availability:
        if self._backend() == "none":
            return Availability(
                False, "neither the espeakng-loader library nor the espeak-ng binary is installed", INSTALL
            )
        return AVAILABLE

    def voices(self) -> list[str]:
        if self._backend() == "none":
            return []
        return [
            "en-us",
            "en-gb",
            "en-us+f1 … en-us+f5 (female)",
            "en-us+m1 … en-us+m7 (male)",
            "any espeak-ng language+variant",
        ]

    @functools.cache  # noqa: B019
    def _version(self) -> str:
        backend = self._backend()
        if backend == "library":
            return f"espeak-ng {_load_library()[2]} (espeakng-loader library)"
        if backend == "binary":
            output = subprocess.run([self.binary, "--version"], capture_output=True, text=True, timeout=30).stdout
            return output.split("Data at")[0].strip() + " (binary)"
        return "missing"

    def fingerprint(self, voice: VoiceRef) -> str:
        return self._version()

    def synthesize(self, text: str, voice: VoiceRef) -> Audio:
        backend = self._backend()
        if backend == "library":
            return self._synthesize_library(text, voice)
        if backend == "binary":
            return self._synthesize_binary(text, voice)
        raise EngineError("espeak-ng is not installed", fix=INSTALL)

    def _synthesize_library(self, text: str, voice: VoiceRef) -> Audio:
        with _LIBRARY_LOCK:
            lib, rate, _ = _load_library()
            if lib.espeak_SetVoiceByName(voice.voice.encode()) != 0:
                raise EngineError(f"espeak-ng has no voice {voice.voice!r}", fix="use for example en-us or en-us+f2")
            _samples.clear()
            data = text.encode("utf-8")
            status = lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _ENDPAUSE, None, None)
            lib.espeak_Synchronize()
            if status != 0:
                raise EngineError(f"espeak-ng failed (error {status})", retryable=True)
            pcm = bytes(_samples)
        return Audio(wav_bytes(pcm, rate), "wav")

    def _synthesize_binary(self, text: str, voice: VoiceRef) -> Audio:
        return synthesize_with_binary(
            "espeak-ng",
            lambda source, target: [self.binary, "-v", voice.voice, "-f", str(source), "-w", str(target)],
            text,
            TIMEOUT_S,
        )
