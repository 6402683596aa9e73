"""Workers that linger between builds (``voices/linger.py``): real worker processes on real sockets.

Most tests use a small echo worker (the same ``serve`` loop the engines run, answering with its pid); one
takes a real Kokoro worker from one engine to the next and checks it says the same as a fresh one."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from shalket_audio.voices import EngineError, VoiceRef, linger
from shalket_audio.voices.workers import WorkerPool

ECHO_WORKER = """
import json, os
from shalket_audio.voices.workers import serve

prepared = []

def handle(request):
    if request.get("fail"):
        raise ValueError("asked to fail")
    return json.dumps({"pid": os.getpid(), "text": request.get("text"), "prepared": len(prepared)}).encode()

serve("echo", handle, on_idle=lambda: prepared.append(1))
"""


@pytest.fixture
def echo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers_do_not_linger: Path) -> Iterator[Path]:
    """Linger on (30 s), an echo worker module importable by the workers; every worker it left is killed."""
    (tmp_path / "echo_worker.py").write_text(ECHO_WORKER, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), *sys.path]))
    monkeypatch.setenv(linger.LINGER_ENV, "30")
    seen: list[int] = []
    yield workers_do_not_linger
    for path in workers_do_not_linger.glob("*.sock"):
        seen.extend(_ask_pid(path))
    for pid in seen:
        _kill(pid)


def _ask_pid(path: Path) -> list[int]:
    connection = linger.connect(path)
    if connection is None:
        return []
    with connection:
        connection.sendall(b'{"hello": true}\n')
        reply = connection.recv(64)
    return [int(reply[5:])] if len(reply) > 5 else []


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _say(pool: WorkerPool, text: str = "hi") -> dict[str, object]:
    answer: dict[str, object] = json.loads(pool.call({"text": text}))
    return answer


def _gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            with open(f"/proc/{pid}/stat", encoding="ascii") as status:
                if status.read().split(") ", 1)[1].startswith("Z"):
                    return True  # exited, not yet reaped by whoever its parent is now
        except (ProcessLookupError, FileNotFoundError):
            return True
        time.sleep(0.05)
    return False


def _taken_over() -> tuple[WorkerPool, int]:
    """A build's worker left lingering, then taken over by the next build: that build's pool, and the pid."""
    first = WorkerPool("echo_worker", "Echo")
    pid = _say(first)["pid"]
    first.release()
    second = WorkerPool("echo_worker", "Echo")
    assert _say(second)["pid"] == pid
    assert isinstance(pid, int)
    return second, pid


def test_the_next_build_takes_over_the_worker_the_last_one_left(echo: Path) -> None:
    first = WorkerPool("echo_worker", "Echo")
    pid = _say(first)["pid"]
    first.release()
    assert first.pids() == []
    sockets = list(echo.glob("echo_worker-*.sock"))
    assert len(sockets) == 1 and stat.S_IMODE(sockets[0].stat().st_mode) == 0o600

    second = WorkerPool("echo_worker", "Echo")
    answer = _say(second, "again")
    assert answer["pid"] == pid and answer["text"] == "again"
    assert second.pids() == [pid]
    assert not sockets[0].exists()  # taken: a build running at the same time starts its own
    with pytest.raises(EngineError, match="asked to fail"):
        second.call({"fail": True})  # errors still reach the build, and the worker goes on
    assert _say(second)["pid"] == pid
    second.release()
    assert _say(WorkerPool("echo_worker", "Echo"))["pid"] == pid  # it lingers again after each build


def test_a_lingering_worker_prepares_for_the_next_build_once_it_has_waited(echo: Path) -> None:
    first = WorkerPool("echo_worker", "Echo")
    assert _say(first)["prepared"] == 0
    first.release()
    again = WorkerPool("echo_worker", "Echo")
    assert _say(again)["prepared"] == 0  # came at once: not yet
    again.release()
    time.sleep(linger.PREPARE_AFTER_SECONDS + 0.5)
    assert _say(WorkerPool("echo_worker", "Echo"))["prepared"] == 1


def test_a_second_build_at_the_same_time_starts_its_own_and_only_one_lingers(echo: Path) -> None:
    busy, lingering = _taken_over()
    other = WorkerPool("echo_worker", "Echo")
    own = _say(other)["pid"]
    assert own != lingering
    other.release()  # the worker taken over still holds the engine's place: this one exits
    assert isinstance(own, int) and _gone(own)
    busy.release()
    assert _say(WorkerPool("echo_worker", "Echo"))["pid"] == lingering


def test_ctrl_c_kills_a_worker_taken_over_and_leaves_none_behind(echo: Path) -> None:
    second, pid = _taken_over()
    second.kill()
    assert _gone(pid)
    assert list(echo.glob("*.sock")) == []
    second.release()  # the build's clean-up after Ctrl-C: nothing is left to linger
    assert _say(WorkerPool("echo_worker", "Echo"))["pid"] != pid


def test_a_worker_left_by_a_build_that_died_exits(echo: Path) -> None:
    second, pid = _taken_over()
    for worker in second._workers:
        worker.close()  # what the kernel does to a build that is killed: its end of the socket closes
    assert _gone(pid)


def test_a_lingering_worker_exits_when_nobody_comes(echo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(linger.LINGER_ENV, "0.5")
    first = WorkerPool("echo_worker", "Echo")
    pid = _say(first)["pid"]
    first.release()
    assert isinstance(pid, int) and _gone(pid, within=4 + 3)
    assert list(echo.glob("*.sock")) == []


@pytest.mark.parametrize("setting", ["0", "off", "-5"])
def test_linger_off_or_unreadable_leaves_no_worker(echo: Path, monkeypatch: pytest.MonkeyPatch, setting: str) -> None:
    monkeypatch.setenv(linger.LINGER_ENV, setting)
    pool = WorkerPool("echo_worker", "Echo")
    pid = _say(pool)["pid"]
    pool.release()
    assert isinstance(pid, int) and _gone(pid, within=1)
    assert list(echo.glob("*.sock")) == []


def test_another_install_or_changed_code_has_its_own_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    digest = linger._install_digest.__wrapped__  # type: ignore[attr-defined]
    here = digest("shalket_audio.voices.kokoro")
    assert digest("shalket_audio.voices.piper") != here
    monkeypatch.setattr(sys, "executable", "/elsewhere/venv/bin/python")
    assert digest("shalket_audio.voices.kokoro") != here


def test_a_folder_others_can_open_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    monkeypatch.setenv(linger.DIR_ENV, str(shared))
    assert linger.socket_path("shalket_audio.voices.kokoro") is None
    shared.chmod(0o700)
    assert linger.socket_path("shalket_audio.voices.kokoro") is not None


def test_a_kokoro_worker_taken_over_says_the_same_as_a_fresh_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from shalket_audio.voices.kokoro import KokoroEngine

    voice = VoiceRef.parse("kokoro:af_heart")
    text = "Almaty, in January."
    fresh = KokoroEngine()
    fresh.expect(1)
    expected = fresh.synthesize(text, voice).data
    fresh.release()  # linger is off here

    monkeypatch.setenv(linger.LINGER_ENV, "30")
    first = KokoroEngine()
    first.expect(3)  # a build's many requests: one thread
    first.synthesize("Another line first.", voice)
    [pid] = first._pool.pids()
    first.release()
    second = KokoroEngine()
    second.expect(1)  # a lone request takes the session as loaded
    try:
        assert second.synthesize(text, voice).data == expected
        assert second._pool.pids() == [pid]
    finally:
        second._pool.kill()
    assert _gone(pid)


def test_a_lone_kokoro_request_takes_the_loaded_session_and_a_lingering_worker_loads_two_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from shalket_audio.voices.kokoro import engine

    loaded: list[int] = []

    class Session:
        def __init__(self, model: str, sess_options: int, providers: list[str]) -> None:
            loaded.append(sess_options)

    monkeypatch.setattr("onnxruntime.InferenceSession", Session)
    monkeypatch.setattr(engine, "session_options", lambda model, threads: threads)
    monkeypatch.setattr(engine, "_sessions", {})
    monkeypatch.setattr(engine, "_last_model", [])
    monkeypatch.setattr(engine.os, "cpu_count", lambda: 2)
    one = engine._session("m.onnx", 1)
    assert engine._session("m.onnx", 2, lone=True) is one and loaded == [1]  # no reload for one sentence
    engine.prepare_for_lone_requests()
    assert loaded == [1, 2] and list(engine._sessions) == [("m.onnx", 2)]  # replaced, not held twice
    assert engine._session("m.onnx", 1, lone=True) is engine._sessions[("m.onnx", 2)]
    engine._session("m.onnx", 1)  # a build's many requests want one thread each
    assert loaded == [1, 2, 1]
