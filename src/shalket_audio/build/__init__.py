"""The stage order (``episode.py``), the build record and its up-to-date check (``record.py``), the listening
check as a build step (``listen.py``), and memory tuning for the build process (``memory.py``)."""

from ..audio import DEFAULT_BITRATE
from .episode import BuildReport, build_episode, publish_built, read_timeline
from .listen import verify_built
from .record import forget, output_paths

__all__ = [
    "DEFAULT_BITRATE",
    "BuildReport",
    "build_episode",
    "forget",
    "output_paths",
    "publish_built",
    "read_timeline",
    "verify_built",
]
