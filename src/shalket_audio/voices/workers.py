"""Worker processes for neural engines (Piper, Kokoro).

A neural engine runs in worker processes, each with a single-threaded ONNX
session: on 2 cores two such workers beat one worker using both cores, and
the model's memory (hundreds of MB) stays out of the build process and is
given back when the workers exit.

The protocol is one JSON request per line on the worker's stdin, answered by
``ok (1 byte) length (4 bytes) payload`` on its stdout.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import struct
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable
from typing import Any

from .base import EngineError

#: When set, each worker appends its peak memory (JSON line) to this file as it exits; the benchmark reads it.
STATS_ENV = "SHALKET_WORKER_STATS"


#: Every pool in this process, so Ctrl-C (``kill_all_workers``) can stop their workers at once.
_pools: weakref.WeakSet[WorkerPool] = weakref.WeakSet()


class WorkerPool:
    """Idle workers of one engine, started on demand, reused, and stopped by ``release`` (gently: each
    finishes its request) or ``kill`` (at once, for Ctrl-C)."""

    def __init__(self, module: str, label: str) -> None:
        self.module = module
        self.label = label
        self._idle: queue.SimpleQueue[subprocess.Popen[bytes]] = queue.SimpleQueue()
        self._workers: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()
        self._killed = False  # after ``kill``, no new worker starts (a retry would start one) until ``reopen``
        _pools.add(self)

    def call(self, request: dict[str, Any]) -> bytes:
        """Send one request to an idle worker; the payload, or ``EngineError`` with the worker's message."""
        line = json.dumps(request).encode() + b"\n"
        worker = self._take()
        assert worker.stdin is not None and worker.stdout is not None
        try:
            worker.stdin.write(line)
            worker.stdin.flush()
            ok, length = struct.unpack(">?I", _read_exactly(worker.stdout, 5))
            payload = _read_exactly(worker.stdout, length)
        except (OSError, struct.error, EOFError):
            worker.kill()
            if self._killed:
                raise EngineError(f"the {self.label} workers were stopped", retryable=False) from None
            raise EngineError(f"a {self.label} worker process died (out of memory?)", retryable=True) from None
        self._idle.put(worker)
        if not ok:
            raise EngineError(
                f"{self.label} failed: {payload.decode(errors='replace')}",
                fix="check the voice and model files, or try another voice",
            )
        return payload

    def _take(self) -> subprocess.Popen[bytes]:
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            if worker.poll() is None:
                return worker
        with self._lock:
            if self._killed:
                raise EngineError(f"the {self.label} workers were stopped", retryable=False)
            worker = subprocess.Popen(
                [sys.executable, "-m", self.module], stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
            self._workers.append(worker)
        return worker

    def release(self) -> None:
        """Stop the workers, and with them the memory their models hold."""
        with self._lock:
            workers, self._workers = self._workers, []
            self._idle = queue.SimpleQueue()
        for worker in workers:
            if worker.stdin is not None:
                worker.stdin.close()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
        self._killed = False

    def kill(self) -> None:
        """Stop every worker now (SIGKILL), mid-request or not: their callers get ``EngineError``, and no new
        worker starts until ``reopen`` or ``release``."""
        with self._lock:
            self._killed = True
            workers, self._workers = self._workers, []
            self._idle = queue.SimpleQueue()
        for worker in workers:
            worker.kill()
        # Reaped aside, not waited for: the kernel tears a 400 MB model down in its own time (0.1-0.4 s here
        # under load), and the worker no longer runs meanwhile.  If we exit first, init reaps it.
        threading.Thread(target=lambda: [w.wait() for w in workers], daemon=True).start()

    def reopen(self) -> None:
        self._killed = False

    def pids(self) -> list[int]:
        with self._lock:
            return [worker.pid for worker in self._workers if worker.poll() is None]


def kill_all_workers() -> None:
    """Ctrl-C: stop every engine worker of this process at once (see ``WorkerPool.kill``)."""
    for pool in list(_pools):
        pool.kill()


def reopen_all_workers() -> None:
    """A new synthesis may start workers again after an earlier one was stopped."""
    for pool in list(_pools):
        pool.reopen()


# A worker left when the process exits (engines kept warm, or an exit nobody planned) is stopped with it.
atexit.register(kill_all_workers)


def _read_exactly(stream: Any, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError
    return bytes(data)


def serve(label: str, handle: Callable[[dict[str, Any]], bytes]) -> None:
    """The worker's loop: answer each request with ``handle(request)``, reporting exceptions to the parent."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle; it closes our stdin
    for line in sys.stdin.buffer:
        try:
            ok, payload = True, handle(json.loads(line))
        except Exception as exc:  # reported to the parent, which raises EngineError
            ok, payload = False, f"{type(exc).__name__}: {exc}".encode()
        sys.stdout.buffer.write(struct.pack(">?I", ok, len(payload)) + payload)
        sys.stdout.buffer.flush()
    _report_peak_memory(label)


def _report_peak_memory(label: str) -> None:
    target = os.environ.get(STATS_ENV)
    if not target:
        return
    import resource

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open(target, "a", encoding="utf-8") as stats:
        stats.write(json.dumps({"worker": label, "pid": os.getpid(), "peak_rss_mb": round(peak_mb, 1)}) + "\n")
