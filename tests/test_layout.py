"""The package's shape: the layer contracts hold, the root's verbs load lazily, plugin engines get the base
class's defaults, and ``say`` joins its chunks with the script's own pause."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import FakeEngine
from shalket_audio.synth import ClipCache
from shalket_audio.voices import Engine, Registry, VoiceRef

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_hold() -> None:
    """An upward import (say, audio importing build) or a cycle inside a package fails here and in CI."""
    command = "from importlinter.cli import lint_imports_command; lint_imports_command()"
    result = subprocess.run([sys.executable, "-c", command], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_the_root_names_the_verbs_and_imports_no_stage() -> None:
    probe = (
        "import sys, shalket_audio as s; "
        "loaded = sorted(m for m in sys.modules if m.startswith('shalket_audio.')); "
        "print(loaded); "
        "from shalket_audio import build_episode, convert_file, load_script, verify_built, ShalketError; "
        "print(build_episode.__module__, convert_file.__module__, load_script.__module__, verify_built.__module__, "
        "ShalketError.__module__)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded, modules = result.stdout.splitlines()
    assert loaded == "['shalket_audio.errors']", "importing the package loads only the error hierarchy"
    assert modules.split() == [
        "shalket_audio.build.episode",
        "shalket_audio.article.convert",
        "shalket_audio.script.parser",
        "shalket_audio.build.listen",
        "shalket_audio.errors",
    ]


class PlainPlugin:
    """A third-party engine that defines only the four methods and its name, as the registry allows."""

    name = "plain"

    def __init__(self) -> None:
        self.inner = FakeEngine()

    def available(self, voice: VoiceRef | None = None):  # type: ignore[no-untyped-def]
        return self.inner.available(voice)

    def voices(self) -> list[str]:
        return ["x"]

    def fingerprint(self, voice: VoiceRef) -> str:
        return "plain 1"

    def synthesize(self, text: str, voice: VoiceRef):  # type: ignore[no-untyped-def]
        return self.inner.synthesize(text, voice)


def test_a_plugin_engine_gets_the_optional_members_defaults() -> None:
    registry = Registry()
    registry.register(PlainPlugin())
    engine, voice = registry.resolve("plain:x")
    assert isinstance(engine, Engine)
    assert (engine.accepts_phonemes, engine.needs_network, engine.max_jobs, engine.audio_format) == (
        False,
        False,
        1,
        "wav",
    )
    engine.release()  # a no-op, not an AttributeError
    assert engine.synthesize("Hello.", voice).format == "wav"


def test_say_pauses_between_chunks_as_the_script_paces_them(tmp_path: Path) -> None:
    from shalket_audio.audio.say import say
    from shalket_audio.script import parse_script

    def script(pause: str) -> str:
        return (
            "---\ntitle: T\nspeakers:\n  host:\n    name: Ann Writer\n    role: host\n"
            f"    voices: {{local: [fake:a]}}\npacing:\n  sentence: {pause}\n---\n# One\nhost: Hello.\n"
        )

    text = " ".join(["This sentence is long enough to fill a chunk with its many words."] * 6)  # two chunks
    lengths = []
    for pause in ("220ms", "1s"):
        registry, engine = Registry(), FakeEngine()
        registry.register(engine)
        take = say(
            parse_script(script(pause), path=str(tmp_path / "t.md")),
            registry=registry,
            cache=ClipCache(tmp_path / "cache"),
            out=tmp_path / f"say-{pause}.wav",
            profile="local",
            speaker="host",
            text=text,
        )
        assert len(take.chunks) == 2
        assert engine.expected == [1]  # its chunks come one at a time: Kokoro may spread each over the cores
        lengths.append(take.duration_ms)
    assert abs((lengths[1] - lengths[0]) - 780) <= 2, lengths  # one pause, 1000 ms instead of 220 ms
