"""``serve`` against hostile requests over a real socket on 127.0.0.1: it answers 4xx and stays up, and it
never returns anything but a listener file (no dotfile, no subfolder, nothing through a symbolic link)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shalket_audio.publish.serve import make_server

SECRET = b"SECRET-OUTSIDE-THE-FOLDER"
HIDDEN = b"HIDDEN-BUILD-RECORD"

LISTENER = {
    "ep.mp3": b"ID3" + bytes(range(256)) * 40,
    "ep.vtt": b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n",
    "ep.srt": b"1\n00:00:00,000 --> 00:00:01,000\nHello\n",
    "ep.json": b'{"version": "1.0.0", "segments": []}',
    "ep.chapters.json": b'{"version": "1.2.0", "chapters": []}',
    "ep.jpg": b"\xff\xd8\xff\xe0JFIF" + bytes(300),
    "ep.html": b"<!doctype html><title>ep</title>",
    "index.html": b"<!doctype html><title>index</title>",
    "feed.xml": b"<?xml version='1.0'?><rss/>",
    "player.css": b"body{}",
    "player.js": b"void 0;",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    root = tmp_path_factory.mktemp("serve")
    (root / "secret.json").write_bytes(SECRET)  # outside the served folder
    folder = root / "out"
    folder.mkdir()
    for name, data in LISTENER.items():
        (folder / name).write_bytes(data)
    (folder / ".ep.build.json").write_bytes(HIDDEN)
    (folder / ".shalket-audio.lock").write_bytes(HIDDEN)
    (folder / "ep.md").write_bytes(HIDDEN)  # not a listener type
    (folder / ".ep.parts").mkdir()
    (folder / ".ep.parts" / "part.mp3").write_bytes(HIDDEN)
    (folder / "sub.json").mkdir()  # a folder with a listener suffix
    (folder / "sub.json" / "inner.json").write_bytes(HIDDEN)
    (folder / "link.json").symlink_to(root / "secret.json")  # a link out of the folder
    (folder / "passwd.xml").symlink_to("/etc/passwd")
    (folder / "inside.mp3").symlink_to(folder / "ep.mp3")  # even a link inside is not followed
    (folder / "linkdir.json").symlink_to(root)
    server = make_server(folder, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], folder
    server.shutdown()
    server.server_close()


def exchange(port: int, raw: bytes) -> bytes:
    """Send raw bytes, read the whole answer (HTTP/1.0: the server closes the connection)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(raw)
        connection.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0


def body_of(answer: bytes) -> bytes:
    return answer.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in answer else b""


def assert_only_listener_bytes(answer: bytes) -> None:
    """A 200 or 206 carries a listener file or a slice of one, and nothing else ever leaks."""
    assert SECRET not in answer and HIDDEN not in answer and b"root:" not in answer
    if status_of(answer) in (200, 206):
        body = body_of(answer)
        assert any(body in data for data in LISTENER.values()), answer[:300]


def assert_still_up(port: int) -> None:
    answer = exchange(port, b"GET /ep.vtt HTTP/1.0\r\n\r\n")
    assert status_of(answer) == 200 and body_of(answer) == LISTENER["ep.vtt"]


CASES = [
    (b"GET /ep%00.mp3 HTTP/1.0\r\n\r\n", 404),
    (b"GET /%00 HTTP/1.0\r\n\r\n", 404),
    (b"GET /" + b"a" * 70_000 + b".mp3 HTTP/1.0\r\n\r\n", 414),
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET\r\n\r\n", 400),
    (b"GET / HTTP/9.9\r\n\r\n", 505),
    (b"GET / HTTP/1.0\r\nRange bytes=0-1\r\n\r\n", 200),  # a header line with no colon is ignored
    (b"GET /.ep.build.json HTTP/1.0\r\n\r\n", 404),
    (b"GET /.shalket-audio.lock HTTP/1.0\r\n\r\n", 404),
    (b"GET /.ep.parts/part.mp3 HTTP/1.0\r\n\r\n", 404),
    (b"GET /ep.md HTTP/1.0\r\n\r\n", 404),
    (b"GET /sub.json HTTP/1.0\r\n\r\n", 404),
    (b"GET /sub.json/inner.json HTTP/1.0\r\n\r\n", 404),
    (b"GET /link.json HTTP/1.0\r\n\r\n", 404),
    (b"GET /passwd.xml HTTP/1.0\r\n\r\n", 404),
    (b"GET /inside.mp3 HTTP/1.0\r\n\r\n", 404),
    (b"GET /linkdir.json/secret.json HTTP/1.0\r\n\r\n", 404),
    (b"GET /../secret.json HTTP/1.0\r\n\r\n", 404),
    (b"GET /%2e%2e%2fsecret.json HTTP/1.0\r\n\r\n", 404),
    (b"GET //etc/passwd HTTP/1.0\r\n\r\n", 404),
    (b"GET /%ff%fe.json HTTP/1.0\r\n\r\n", 404),
    (b"DELETE /ep.mp3 HTTP/1.0\r\n\r\n", 501),
    (b"GET /ep.mp3?x=%00 HTTP/1.0\r\n\r\n", 200),
    (b"GET / HTTP/1.0\r\n\r\n", 200),
]


@pytest.mark.parametrize(("raw", "status"), CASES, ids=[c[0][:40].decode("latin-1") for c in CASES])
def test_a_hostile_request_gets_an_error_and_the_server_stays_up(
    served: tuple[int, Path], raw: bytes, status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    port, _ = served
    answer = exchange(port, raw)
    assert status_of(answer) == status, answer[:300]
    assert_only_listener_bytes(answer)
    assert_still_up(port)
    assert not capsys.readouterr().err, "the server printed an error (a traceback?)"
    assert not capsys.readouterr().err, "the server printed an error (a traceback?)"


def test_listener_files_carry_cors_and_a_preflight_is_answered(served: tuple[int, Path]) -> None:
    port, _ = served
    for name in LISTENER:
        answer = exchange(port, f"GET /{name} HTTP/1.0\r\nOrigin: https://player.example\r\n\r\n".encode())
        head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
        assert status_of(answer) == 200 and "access-control-allow-origin: *" in head, (name, head)
        assert body_of(answer) == LISTENER[name]
    preflight = exchange(
        port,
        b"OPTIONS /ep.chapters.json HTTP/1.0\r\nOrigin: https://player.example\r\n"
        b"Access-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: range\r\n\r\n",
    )
    head = preflight.decode("latin-1").lower()
    assert status_of(preflight) == 204
    assert "access-control-allow-origin: *" in head and "access-control-allow-methods: get, head, options" in head
    assert "access-control-allow-headers: range" in head
    ranged = exchange(port, b"GET /ep.json HTTP/1.0\r\nRange: bytes=1-7\r\n\r\n")
    assert status_of(ranged) == 206 and body_of(ranged) == LISTENER["ep.json"][1:8]
    assert b"access-control-expose-headers: content-length, content-range" in ranged.lower()


TOKEN = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FF), max_size=30)
PATHS = st.one_of(
    TOKEN.map(lambda t: "/" + t),
    st.lists(
        st.sampled_from([*LISTENER, ".ep.build.json", "..", ".", "%00", "%2e%2e", "%2f", "link.json", "sub.json", ""]),
        max_size=4,
    ).map(lambda parts: "/" + "/".join(parts)),
    st.binary(max_size=40).map(lambda b: "/" + "".join(f"%{x:02x}" for x in b)),
)
HEADER = st.tuples(
    st.sampled_from(["Range", "Host", "Origin", "Content-Length", "Transfer-Encoding", "X" * 50, "", "Expect"]),
    st.one_of(
        TOKEN,
        st.builds(lambda a, b: f"bytes={a}-{b}", st.integers(-5, 100_000) | st.just(""), st.integers(0, 10**9)),
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["GET", "HEAD", "OPTIONS", "POST", "get", "", "G\0T", "PUT"]),
    path=PATHS,
    version=st.sampled_from(["HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/x", "", "FOO"]),
    headers=st.lists(HEADER, max_size=5),
    junk=st.binary(max_size=20),
)
def test_random_requests_never_crash_the_server_or_leak_a_file(
    served: tuple[int, Path],
    capsys: pytest.CaptureFixture[str],
    method: str,
    path: str,
    version: str,
    headers: list[tuple[str, str]],
    junk: bytes,
) -> None:
    port, _ = served
    line = " ".join(part for part in (method, path, version) if part)
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    raw = line.encode("utf-8", "surrogateescape") + b"\r\n" + head.encode("utf-8", "surrogateescape") + junk
    answer = exchange(port, raw + b"\r\n\r\n")
    assert status_of(answer) in (0, 200, 204, 206, 400, 404, 414, 416, 431, 501, 505), answer[:300]
    assert_only_listener_bytes(answer)
    assert_still_up(port)
    assert not capsys.readouterr().err, "the server printed an error (a traceback?)"
