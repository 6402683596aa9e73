"""Keep the build's memory use predictable on glibc.

glibc raises its mmap threshold each time a large block is freed, after which
multi-megabyte audio arrays come from the heap, where fragmentation across
threads keeps them resident: the same build peaked anywhere from 300 to 600 MB.
A fixed threshold sends every large array back to the kernel when it is freed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools

_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8


@functools.cache
def bound_memory() -> bool:
    """Best effort, once per process; a no-op where there is no glibc."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(_M_MMAP_THRESHOLD, 1 << 20)) and bool(mallopt(_M_ARENA_MAX, 2))
