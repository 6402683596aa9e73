"""Casting: which voice each speaker gets under a profile.

Each speaker lists voice choices per profile in the script's front matter;
the first available one wins.  A speaker without choices for a profile gets
the defaults for its role.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError
from ..script import Episode, Speaker
from ..voices import Availability, Engine, Registry, VoiceRef
from ..voices.defaults import DEFAULT_PROFILE, DEFAULT_VOICES

__all__ = ["DEFAULT_PROFILE", "DEFAULT_VOICES", "Casting", "cast", "cast_speaker", "choices", "profiles"]


@dataclass(frozen=True)
class Casting:
    speaker: Speaker
    voice: VoiceRef
    engine: Engine
    #: Better choices that were passed over, and why.
    passed_over: tuple[tuple[VoiceRef, Availability], ...] = ()

    def notice(self) -> str | None:
        """One line for the user when a fallback voice was used."""
        if not self.passed_over:
            return None
        best, why = self.passed_over[0]
        install = f"; for {best}: {why.install}" if why.install else ""
        return f"{self.speaker.tag} uses {self.voice} because {best} is unavailable ({why.reason}){install}"


def choices(speaker: Speaker, profile: str) -> tuple[str, ...]:
    return speaker.voices.get(profile) or DEFAULT_VOICES.get(speaker.role, {}).get(profile, ())


def profiles(episode: Episode) -> list[str]:
    names = {p for role in DEFAULT_VOICES.values() for p in role}
    names |= {p for speaker in episode.speakers for p in speaker.voices}
    return sorted(names, key=lambda p: (p != DEFAULT_PROFILE, p))


def cast_speaker(speaker: Speaker, profile: str, registry: Registry, where: str = "") -> Casting:
    options = choices(speaker, profile)
    if not options:
        raise InputError(
            f"{where}speaker '{speaker.tag}' has no voices for the profile '{profile}'",
            fix=f"add 'voices: {{{profile}: [engine:voice]}}' to '{speaker.tag}' in the front matter, "
            "or pick another --voices",
        )
    passed: list[tuple[VoiceRef, Availability]] = []
    for spec in options:
        engine, voice = registry.resolve(spec)
        availability = engine.available()
        if availability:
            availability = engine.available(voice)
        if availability:
            return Casting(speaker, voice, engine, tuple(passed))
        passed.append((voice, availability))
    details = "; ".join(f"{voice}: {why.reason}" for voice, why in passed)
    installs = "; ".join(dict.fromkeys(why.install for _, why in passed if why.install))
    raise InputError(
        f"{where}no voice is available for '{speaker.tag}' under the profile '{profile}' ({details})",
        fix=installs or "list a voice that this machine has under the speaker's voices",
    )


def cast(episode: Episode, profile: str, registry: Registry) -> dict[str, Casting]:
    where = f"{episode.path}: " if episode.path else ""
    return {speaker.tag: cast_speaker(speaker, profile, registry, where) for speaker in episode.speakers}
