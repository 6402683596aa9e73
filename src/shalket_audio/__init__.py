"""shalket-audio: turn a magazine interview into a podcast episode.

The library's verbs, here so that a caller needs no deep imports::

    from shalket_audio import convert_file, load_script, build_episode, verify_built

    conversion = convert_file(Path("script/shal-ket.article.txt"))   # article -> Episode (+ review notes)
    episode = load_script(Path("script/shal-ket.md"))                # the editable script -> Episode
    report = build_episode(episode, Path("output"))                  # MP3, timeline, listener files
    heard = verify_built(episode, Path("output"))                    # the listening check

Every error they raise on purpose is a ``ShalketError`` (``InputError``: exit 2, ``RuntimeFailure``: exit 1).
The verbs load on first use, so importing one stage does not load the others.  The listening check's verb is
``verify_built``: the name ``verify`` is its subpackage's (``shalket_audio.verify.run_verify`` is the same
check without the build step that makes the next build take a kept retake).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import InputError, RuntimeFailure, ScriptError, ShalketError

if TYPE_CHECKING:
    from .article import convert_article, convert_file
    from .build import BuildReport, build_episode, verify_built
    from .script import Episode, load_script, parse_script

__version__ = "0.1.0"

__all__ = [
    "BuildReport",
    "Episode",
    "InputError",
    "RuntimeFailure",
    "ScriptError",
    "ShalketError",
    "build_episode",
    "convert_article",
    "convert_file",
    "load_script",
    "parse_script",
    "verify_built",
]

_VERBS = {
    "convert_file": ("article", "convert_file"),
    "convert_article": ("article", "convert_article"),
    "load_script": ("script", "load_script"),
    "parse_script": ("script", "parse_script"),
    "Episode": ("script", "Episode"),
    "build_episode": ("build", "build_episode"),
    "BuildReport": ("build", "BuildReport"),
    "verify_built": ("build", "verify_built"),
}


def __getattr__(name: str) -> Any:
    if name not in _VERBS:
        raise AttributeError(f"module 'shalket_audio' has no attribute {name!r}")
    from importlib import import_module

    module, attribute = _VERBS[name]
    return getattr(import_module(f".{module}", __name__), attribute)
