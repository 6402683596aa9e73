"""``shalket-audio serve``: the listener files on localhost, with HTTP Range support so players can seek.

Only listener files are served: regular, non-hidden files of the listener types (``TYPES``) directly in the
folder.  So no build record (``.NAME.build.json``), no lock, no work folder and no subfolder; a symbolic link
is never followed (``O_NOFOLLOW``), so a link to ``/etc/passwd`` inside the folder is a 404.  A malformed
request (a NUL, a bad escape, an over-long URL, a broken request line) gets a 4xx and the server carries on.

Every answer carries ``Access-Control-Allow-Origin: *`` and ``OPTIONS`` answers a CORS preflight: the
Podcasting 2.0 namespace asks for it on transcripts and chapters, which web players fetch from another origin.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote_to_bytes, urlsplit

TYPES = {
    ".mp3": "audio/mpeg",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".jpg": "image/jpeg",
}
#: The namespace's own type for JSON chapters (podcast:chapters names it too); other JSON is a transcript.
CHAPTERS_TYPE = "application/json+chapters; charset=utf-8"
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")
_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Length, Content-Range, Accept-Ranges",
}
_BLOCK = 65536


def content_type(name: str) -> str:
    return CHAPTERS_TYPE if name.endswith(".chapters.json") else TYPES[Path(name).suffix.lower()]


def listener_name(url_path: str) -> str | None:
    """The file name a request path asks for, if it could be a listener file at all (no NUL, no folder, no
    dotfile, a listener type); None otherwise.  ``/`` is ``index.html``."""
    try:
        name = unquote_to_bytes(urlsplit(url_path).path).decode("utf-8")
    except (UnicodeDecodeError, ValueError):
        return None
    name = name.lstrip("/") or "index.html"
    if "\0" in name or "/" in name or name.startswith(".") or Path(name).suffix.lower() not in TYPES:
        return None
    return name


class EpisodeHandler(BaseHTTPRequestHandler):
    """GET, HEAD and OPTIONS of listener files, with byte ranges (206) and CORS; nothing else."""

    server_version = "shalket-audio"
    protocol_version = "HTTP/1.0"
    default_request_version = "HTTP/1.0"  # a broken request line still gets a status line, not HTTP/0.9's bare body
    timeout = 30  # a client that stops sending is dropped, and its thread with it
    directory = "."

    def do_OPTIONS(self) -> None:
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", self.headers.get("Access-Control-Request-Headers") or "Range")
        self.send_header("Access-Control-Max-Age", "86400")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_GET(self) -> None:
        self._serve(body=True)

    def _serve(self, *, body: bool) -> None:
        name = listener_name(self.path)
        handle = _open_listener_file(Path(self.directory), name) if name is not None else None
        if handle is None:
            self.send_error(HTTPStatus.NOT_FOUND, "Not a listener file")
            return
        with handle:
            size = os.fstat(handle.fileno()).st_size
            span = self._range(size)
            if span is None:
                return  # 416 sent
            start, end, partial = span
            self.send_response(HTTPStatus.PARTIAL_CONTENT if partial else HTTPStatus.OK)
            self.send_header("Content-Type", content_type(str(name)))
            if partial:
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            self.send_header("Content-Length", str(end - start + 1))
            self.end_headers()
            if body:
                handle.seek(start)
                _copy(handle, self.wfile, end - start + 1)

    def _range(self, size: int) -> tuple[int, int, bool] | None:
        """(first byte, last byte, whether a range was asked for): the whole file, or a satisfiable
        ``Range``, else 416 is sent and None returned.  A ``Range`` this server does not understand (several
        ranges, other units) gets the whole file, as HTTP allows."""
        header = self.headers.get("Range")
        match = _RANGE.match(header.strip()) if header else None
        if match is None or (not match.group(1) and not match.group(2)):
            return 0, size - 1, False
        if match.group(1):
            start = int(match.group(1))
            end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
        else:  # the last N bytes
            start, end = max(0, size - int(match.group(2))), size - 1
        if start >= size or start > end:
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return start, end, True

    def end_headers(self) -> None:
        for header, value in _CORS.items():
            self.send_header(header, value)
        if self.command in ("GET", "HEAD"):
            self.send_header("Accept-Ranges", "bytes")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass  # the CLI prints one line per server, not per request


def _open_listener_file(directory: Path, name: str) -> BinaryIO | None:
    """The regular file ``name`` directly in ``directory``, never through a symbolic link; None otherwise."""
    try:
        folder = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)  # NONBLOCK: a FIFO
    except (OSError, ValueError):
        return None
    finally:
        os.close(folder)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def _copy(source: BinaryIO, target: io.BufferedIOBase, remaining: int) -> None:
    while remaining > 0:
        chunk = source.read(min(_BLOCK, remaining))
        if not chunk:
            break
        target.write(chunk)
        remaining -= len(chunk)


class EpisodeServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A request that broke is that request's problem: a client that hung up is normal, anything else is
        one line on stderr, and the server carries on (never a traceback on the console)."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        with contextlib.suppress(OSError):
            print(f"serve: a request from {client_address} failed: {type(error).__name__}: {error}", file=sys.stderr)


def make_server(directory: Path, port: int = 8000, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    handler = type("BoundEpisodeHandler", (EpisodeHandler,), {"directory": str(directory)})
    return EpisodeServer((host, port), handler)
