"""``remove``: take one episode out of the show in an output folder, with its files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..lock import output_lock
from .base import app, handles_errors


@app.command("remove")
@handles_errors
def remove_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The episode: its script's file name without .md.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The show's output folder.")] = Path("output"),
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Where OUT is served (default: as the last build gave it)."),
    ] = None,
) -> None:
    """Remove one episode from the show: its feed item, its page and every file of it in OUT.

    The other episodes, the feed and the index page are kept, and written again without it.

    Examples:

      shalket-audio remove old-episode

      shalket-audio remove old-episode --out public --base-url https://example.com/podcast/
    """
    from ..build import publish_built, remove_episode, show_episodes
    from ..build.show import last_base_url

    if base_url is not None and not base_url.endswith("/"):
        base_url += "/"
    ctx.with_resource(output_lock(out, on_wait=lambda message: typer.echo(f"note: {message}", err=True)))
    base_url = base_url or last_base_url(out)
    removed = remove_episode(out, name)
    typer.echo(f"removed {name} from {out}/: {len(removed)} files ({', '.join(p.name for p in removed)})")
    if show_episodes(out):
        published = publish_built(out, [], base_url)
        typer.echo(f"published {len(published.files)} files for listeners in {out}/ (index.html, feed.xml)")
    else:
        for leftover in ("index.html", "feed.xml", "index.jpg", ".listener.json"):
            (out / leftover).unlink(missing_ok=True)
        typer.echo(f"the show in {out}/ has no episode left: index.html and feed.xml removed")
