"""``inspect`` and ``serve``: the built episode as listeners get it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..audio.timeline import clock
from ..errors import InputError

if TYPE_CHECKING:
    pass

from .base import (
    app,
    handles_errors,
)


@app.command("inspect")
@handles_errors
def inspect_command(
    episode_path: Annotated[Path, typer.Argument(metavar="EPISODE.mp3", help="An MP3 episode.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Read an episode back: tags, chapters in time order, duration, bitrate mode and loudness.

    Examples:

      shalket-audio inspect output/shal-ket.mp3

      shalket-audio inspect output/shal-ket.mp3 --json
    """
    from dataclasses import asdict

    from ..publish.readback import inspect_episode

    report = inspect_episode(episode_path)
    if as_json:
        typer.echo(json.dumps(asdict(report), ensure_ascii=False, indent=2))
        return
    typer.echo(f"{episode_path}")
    typer.echo(f"  ID3v2.{report.id3_version[1]}.{report.id3_version[2]}")
    for frame, value in report.tags.items():
        typer.echo(f"  {frame}: {value}")
    typer.echo(f"  cover: {report.cover}")
    typer.echo(
        f"  duration {clock(report.duration_ms)} ({report.duration_ms} ms), {report.bitrate_kbps} kbps "
        f"{report.bitrate_mode}, {report.sample_rate} Hz, {report.channels} channel(s)"
    )
    typer.echo(
        f"  loudness {report.integrated_lufs:.1f} LUFS (dual-mono), true peak {report.true_peak_dbtp:.1f} dBTP, "
        f"LRA {report.loudness_range_lu or 0:.1f} LU"
    )
    typer.echo(f"  chapters ({report.toc_title}):")
    for chapter in report.chapters:
        typer.echo(f"    {clock(chapter['start_ms']):>6}  {chapter['title']}")


@app.command("serve")
@handles_errors
def serve_command(
    port: Annotated[
        int, typer.Option("--port", "-p", min=0, max=65535, help="Port on localhost (0 picks a free one).")
    ] = 8000,
    directory: Annotated[Path, typer.Option("--dir", help="The folder to serve.")] = Path("output"),
) -> None:
    """Serve the output folder on localhost, with byte ranges so the player can seek. Ctrl-C stops it.

    Examples:

      shalket-audio serve

      shalket-audio serve --port 8080 --dir public
    """
    from ..publish.serve import make_server

    if not (directory / "index.html").is_file():
        raise InputError(f"{directory}/index.html does not exist", fix="run `shalket-audio build` first, or pass --dir")
    try:
        server = make_server(directory, port)
    except OSError as exc:
        raise InputError(
            f"cannot listen on port {port}: {exc.strerror}", fix="choose another port with --port"
        ) from None
    bound = server.server_address[1]
    typer.echo(f"serving {directory}/ at http://127.0.0.1:{bound}/  (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        typer.echo("stopped")
    finally:
        server.server_close()
