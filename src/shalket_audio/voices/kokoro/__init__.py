"""Kokoro-82M: the engine (``engine.py``) and its pinned weights (``assets.py``, ``data/``)."""

from .assets import AssetError, ModelSource
from .engine import KokoroEngine

__all__ = ["AssetError", "KokoroEngine", "ModelSource"]
