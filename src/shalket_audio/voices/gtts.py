"""gTTS: Google Translate's voices.  Needs the internet, so it is never the default.

gTTS itself has no retries and no default timeout, and Google rate-limits
heavy use, so every call here has a timeout and 429, 5xx and timeouts are
retried with exponential backoff and jitter, a bounded number of times.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable
from importlib import metadata

from .base import AVAILABLE, Audio, Availability, Engine, EngineError, VoiceRef
from .formats import mp3_seconds

INSTALL = "pip install gTTS"
TLDS = ("com", "co.uk", "com.au", "ca", "co.in", "ie", "co.za", "us")


class GttsEngine(Engine):
    name = "gtts"
    default_voice = "en"
    audio_format = "mp3"
    # Polite: Google blocks clients that send many requests at once.

    @property
    def max_jobs(self) -> int:
        return 2

    needs_network = True

    def __init__(
        self,
        *,
        timeout: float = 15.0,
        attempts: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.sleep = sleep

    def available(self, voice: VoiceRef | None = None) -> Availability:
        try:
            import gtts  # noqa: F401
        except ImportError:
            return Availability(False, "the gTTS package is not installed", INSTALL)
        if voice is not None:
            try:
                self._options(voice)
            except EngineError as exc:
                return Availability(False, exc.message, exc.fix)
        return AVAILABLE

    def voices(self) -> list[str]:
        return [f"en:{tld}" for tld in TLDS] + ["LANG[:TLD][:slow] for any gTTS language (needs internet)"]

    def fingerprint(self, voice: VoiceRef) -> str:
        try:
            return f"gTTS {metadata.version('gTTS')}"
        except metadata.PackageNotFoundError:
            return "gTTS missing"

    def _options(self, voice: VoiceRef) -> tuple[str, str, bool]:
        tld, slow = "com", False
        for option in voice.options:
            if option == "slow":
                slow = True
            elif option in TLDS or "." in option or option.isalpha():
                tld = option
            else:
                raise EngineError(
                    f"unknown gTTS option {option!r}", fix=f"use an accent tld ({', '.join(TLDS)}) or 'slow'"
                )
        return voice.voice, tld, slow

    def synthesize(self, text: str, voice: VoiceRef) -> Audio:
        lang, tld, slow = self._options(voice)
        last: EngineError | None = None
        for attempt in range(1, self.attempts + 1):
            try:
                return self._request(text, lang, tld, slow)
            except EngineError as exc:
                last = exc
                if not exc.retryable or attempt == self.attempts:
                    break
                delay = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
                self.sleep(delay * random.uniform(0.5, 1.0))
        assert last is not None
        tries = f" after {self.attempts} attempts" if last.retryable else ""
        raise EngineError(f"gTTS failed{tries}: {last.message}", fix=last.fix, retryable=False)  # already retried here

    def _request(self, text: str, lang: str, tld: str, slow: bool) -> Audio:
        try:
            import requests
            from gtts import gTTS, gTTSError
        except ImportError:
            raise EngineError("the gTTS package is not installed", fix=INSTALL) from None
        buffer = io.BytesIO()
        try:
            gTTS(text, lang=lang, tld=tld, slow=slow, lang_check=False, timeout=self.timeout).write_to_fp(buffer)
        except gTTSError as exc:
            status = exc.rsp.status_code if exc.rsp is not None else None
            cause = str(exc)
            if status is None and isinstance(exc.__context__, requests.exceptions.Timeout):
                cause = f"no reply within {self.timeout:g}s from translate.google.{tld}. "
                cause += "Probable cause: a slow or missing internet connection"
            retryable = status is None or status == 429 or status >= 500
            fix = {
                429: "Google is rate-limiting this machine: wait (it can last hours), or build with --voices local",
                403: "gTTS may be out of date: pip install -U gTTS, or build with --voices local",
            }.get(status or 0, "check the internet connection, or build offline with --voices local")
            raise EngineError(cause, fix=fix, retryable=retryable) from None
        except (requests.exceptions.RequestException, ValueError, AssertionError) as exc:
            raise EngineError(
                f"gTTS request failed: {exc}",
                fix="check the internet connection, or use --voices local",
                retryable=True,
            ) from None
        data = buffer.getvalue()
        if not _is_mp3(data):
            raise EngineError(
                "Google's reply held no audio. Probable cause: an upstream API change or an unsupported language",
                fix="pip install -U gTTS, check the language code, or build with --voices local",
            )
        return Audio(data, "mp3")


def _is_mp3(data: bytes) -> bool:
    return mp3_seconds(data) is not None
