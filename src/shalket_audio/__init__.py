"""shalket-audio: turn a magazine interview into a podcast episode."""

__version__ = "0.1.0"
