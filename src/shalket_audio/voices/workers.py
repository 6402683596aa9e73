"""Worker processes for neural engines (Piper, Kokoro).

A neural engine runs in worker processes, each with a single-threaded ONNX
session: on 2 cores two such workers beat one worker using both cores, and
the model's memory (hundreds of MB) stays out of the build process and is
given back when the workers exit.

The protocol is one JSON request per line on the worker's stdin, answered by
``ok (1 byte) length (4 bytes) payload`` on its stdout; the same over a
socket for a worker an earlier build left lingering (``linger.py``).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import signal
import socket
import struct
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from . import linger
from .base import EngineError

#: When set, each worker appends its peak memory (JSON line) to this file as it exits; the benchmark reads it.
STATS_ENV = "SHALKET_WORKER_STATS"


#: Every pool in this process, so Ctrl-C (``kill_all_workers``) can stop their workers at once.
_pools: weakref.WeakSet[WorkerPool] = weakref.WeakSet()
#: Children left lingering (``linger.py``), kept so they are not reported as leaked when this process exits.
_lingering: list[subprocess.Popen[bytes]] = []


@dataclass
class _Worker:
    """One worker: a child of this build on pipes, or one a build left lingering, reached on its socket."""

    pid: int
    requests: IO[bytes]
    replies: IO[bytes]
    process: subprocess.Popen[bytes] | None = None
    connection: socket.socket | None = None
    dead: bool = False

    def ask(self, request: dict[str, Any]) -> tuple[bool, bytes]:
        self.requests.write(json.dumps(request).encode() + b"\n")
        self.requests.flush()
        ok, length = struct.unpack(">?I", _read_exactly(self.replies, 5))
        return ok, _read_exactly(self.replies, length)

    def running(self) -> bool:
        return not self.dead and (self.process is None or self.process.poll() is None)

    def kill(self) -> None:
        self.dead = True
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)
        self.close()

    def close(self) -> None:
        for stream in (self.requests, self.replies, self.connection):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()

    def finish(self) -> None:
        """Closing its requests ends a worker once its request is done; a child is waited for."""
        self.close()
        if self.process is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def reap(self) -> None:
        if self.process is not None:
            self.process.wait()


class WorkerPool:
    """Idle workers of one engine, started on demand (or taken over from an earlier build), reused, and
    stopped by ``release`` (gently: each finishes its request, one may linger) or ``kill`` (at once, for
    Ctrl-C)."""

    def __init__(self, module: str, label: str) -> None:
        self.module = module
        self.label = label
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._workers: list[_Worker] = []
        self._lock = threading.Lock()
        self._killed = False  # after ``kill``, no new worker starts (a retry would start one) until ``reopen``
        _pools.add(self)

    def call(self, request: dict[str, Any]) -> bytes:
        """Send one request to an idle worker; the payload, or ``EngineError`` with the worker's message."""
        worker = self._take()
        try:
            ok, payload = worker.ask(request)
        except (OSError, ValueError, struct.error, EOFError):
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

    def _take(self) -> _Worker:
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            if worker.running():
                return worker
        with self._lock:
            if self._killed:
                raise EngineError(f"the {self.label} workers were stopped", retryable=False)
            worker = self._adopt() or self._spawn()
            self._workers.append(worker)
        return worker

    def _spawn(self) -> _Worker:
        process = subprocess.Popen([sys.executable, "-m", self.module], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert process.stdin is not None and process.stdout is not None
        return _Worker(process.pid, process.stdin, process.stdout, process=process)

    def _adopt(self) -> _Worker | None:
        """The worker an earlier build left lingering, if one is idle now."""
        path = linger.socket_path(self.module) if linger.linger_seconds() else None
        connection = linger.connect(path) if path is not None else None
        if connection is None:
            return None
        worker = _Worker(0, connection.makefile("wb"), connection.makefile("rb"), connection=connection)
        try:
            ok, payload = worker.ask({"hello": True})
            worker.pid = int(payload) if ok else 0
        except (OSError, ValueError, struct.error, EOFError):
            worker.pid = 0
        if worker.pid <= 0:
            worker.close()  # refused behind another build, or not ours to talk to: start our own
            return None
        connection.settimeout(None)
        return worker

    def release(self) -> None:
        """Stop the workers, and with them the memory their models hold; one may stay for the next build."""
        with self._lock:
            workers, self._workers = self._workers, []
            self._idle = queue.SimpleQueue()
        keeper = self._leave_lingering(workers)
        for worker in workers:
            if worker is not keeper:
                worker.finish()
        self._killed = False

    def _leave_lingering(self, workers: list[_Worker]) -> _Worker | None:
        seconds = linger.linger_seconds()
        path = linger.socket_path(self.module) if seconds and not self._killed else None
        if path is None:
            return None
        # The one taken over from an earlier build first: it has lingered before and is warm.
        for worker in sorted((w for w in workers if w.running()), key=lambda w: w.process is not None):
            try:
                ok, _ = worker.ask({"linger": seconds, "socket": str(path)})
            except (OSError, ValueError, struct.error, EOFError):
                continue
            if not ok:
                return None  # another worker already lingers for this engine
            worker.close()
            if worker.process is not None:
                _lingering.append(worker.process)
            return worker
        return None

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
        threading.Thread(target=_reap_all, args=(workers,), daemon=True).start()

    def reopen(self) -> None:
        self._killed = False

    def pids(self) -> list[int]:
        with self._lock:
            return [worker.pid for worker in self._workers if worker.running()]


def _reap_all(workers: list[_Worker]) -> None:
    for worker in workers:
        worker.reap()


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


def serve(label: str, handle: Callable[[dict[str, Any]], bytes], on_idle: Callable[[], None] | None = None) -> None:
    """The worker's loop: answer each request with ``handle(request)``, reporting exceptions to the parent;
    asked to linger, wait for the next build on a socket (``linger.py``), calling ``on_idle`` meanwhile."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle; it closes our stdin
    requests: IO[bytes] = sys.stdin.buffer
    replies: IO[bytes] = sys.stdout.buffer
    detached = False
    while (asked := _answer(requests, replies, handle)) is not None:
        path, seconds = Path(asked["socket"]), float(asked["linger"])
        listener = linger.listen(path)
        _reply(replies, listener is not None, b"")
        if listener is None:
            break
        if not detached:
            linger.detach()
            detached = True
        connection = linger.wait_for_build(listener, path, seconds, on_idle)
        if connection is None:
            break
        requests, replies = connection.makefile("rb"), connection.makefile("wb")
    _report_peak_memory(label)


def _answer(
    requests: IO[bytes], replies: IO[bytes], handle: Callable[[dict[str, Any]], bytes]
) -> dict[str, Any] | None:
    """Answer requests until the build leaves (None) or asks this worker to linger (that request)."""
    for line in requests:
        try:
            request = json.loads(line)
            if "linger" in request:
                return dict(request)
            ok, payload = True, str(os.getpid()).encode() if "hello" in request else handle(request)
        except Exception as exc:  # reported to the parent, which raises EngineError
            ok, payload = False, f"{type(exc).__name__}: {exc}".encode()
        try:
            _reply(replies, ok, payload)
        except OSError:
            return None  # the build went away mid-request
    return None


def _reply(replies: IO[bytes], ok: bool, payload: bytes) -> None:
    replies.write(struct.pack(">?I", ok, len(payload)) + payload)
    replies.flush()


def _report_peak_memory(label: str) -> None:
    target = os.environ.get(STATS_ENV)
    if not target:
        return
    import resource

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open(target, "a", encoding="utf-8") as stats:
        stats.write(json.dumps({"worker": label, "pid": os.getpid(), "peak_rss_mb": round(peak_mb, 1)}) + "\n")
