"""``script`` and ``check``: article to script, and validating a script."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..audio.timeline import clock
from ..errors import InputError
from ..script import Episode, load_script, serialize_script

if TYPE_CHECKING:
    pass

from .base import (
    app,
    handles_errors,
)

_ARTICLE_SUFFIXES = (".txt", ".text", ".html", ".htm", ".xhtml", ".md", ".markdown", ".mdown")


@app.command("script")
@handles_errors
def script_command(
    article: Annotated[
        Path,
        typer.Argument(
            help="The article: plain text (paragraphs separated by blank lines), Markdown, or a saved web page."
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--out",
            help="Where to write the script; '-' prints it. Default: next to the article, as NAME.md "
            "(NAME.script.md for a Markdown article).",
        ),
    ] = None,
    interviewer: Annotated[
        str | None, typer.Option(help="The interviewer's full name (default: from the byline).")
    ] = None,
    interviewee: Annotated[
        str | None, typer.Option(help="The interviewee's full name (default: found in the text).")
    ] = None,
    show: Annotated[
        str | None, typer.Option(help="The show's name for the metadata (default: the interviewer's name).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing script (it may hold a producer's edits).")
    ] = False,
) -> None:
    """Convert an article into a chaptered, speaker-tagged narration script.

    The interviewer narrates; the interviewee speaks her own words (quotes,
    or Q&A answers), and other quoted people and bodies get a third voice.
    Attributions the rules were unsure of are listed and written into the
    script as <!-- review: ... --> comments. Chapters get provisional titles:
    edit them, and add a pronunciation lexicon, before you build.

    Examples:

      shalket-audio script script/shal-ket.article.txt

      shalket-audio script article.txt -o - --interviewee "Zhanar Sekerbeyeva"
    """
    from ..article import convert_file
    from ..article.report import review_lines, summary_lines

    to_stdout = out is not None and str(out) == "-"
    target = Path("-") if to_stdout else out or _default_target(article)
    if not to_stdout and _same_file(target, article):
        raise InputError(
            f"{target} is the article itself: writing the script there would destroy the article",
            fix=f"choose another file with -o (for example -o {_default_target(article)}), or leave -o out",
        )
    conversion = convert_file(article, interviewer=interviewer, interviewee=interviewee, show=show)
    text = serialize_script(conversion.episode)
    if not to_stdout and target.exists() and not force:
        raise InputError(
            f"{target} already exists and may hold a producer's edits",
            fix="choose another file with -o, or pass --force to overwrite it",
        )
    for notice in conversion.notices:
        typer.echo(f"notice: {notice}", err=True)
    review = review_lines(text, "<stdout>" if to_stdout else str(target))
    if to_stdout:
        sys.stdout.write(text)
        for line in review:
            typer.echo(line, err=True)
        return
    from ..fileio import atomic_write_text

    atomic_write_text(target, text)
    typer.echo(f"wrote {target}")
    for line in summary_lines(conversion):
        typer.echo(f"  {line}")
    typer.echo(f"  {_totals(conversion.episode)}")
    if conversion.dropped:
        typer.echo("  dropped page boilerplate: " + ", ".join(repr(d) for d in conversion.dropped))
    if review:
        typer.echo(f"review: {len(review)} attributions to check (written as <!-- review: … --> comments):")
        for line in review:
            typer.echo(f"  {line}")
    typer.echo(f"next: edit the chapter titles and lexicon in {target}, then run `shalket-audio check {target}`")


def _default_target(article: Path) -> Path:
    """``NAME.md`` next to ``NAME.article.txt`` (or ``.html``); ``NAME.script.md`` beside a Markdown article."""
    stem = article.name
    for suffix in _ARTICLE_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    stem = stem.removesuffix(".article")
    target = article.with_name(stem + ".md")
    return article.with_name(stem + ".script.md") if _same_file(target, article) else target


def _same_file(target: Path, article: Path) -> bool:
    if target.exists() and article.exists():
        return target.samefile(article)
    return target.resolve() == article.resolve()


@app.command("check")
@handles_errors
def check_command(
    script: Annotated[Path, typer.Argument(help="A narration script (.md).")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the parsed episode as JSON (schema in the README).")
    ] = False,
) -> None:
    """Validate a script and summarise its chapters and speakers.

    Examples:

      shalket-audio check script/shal-ket.md

      shalket-audio check script/shal-ket.md --json | jq '.chapters[].title'
    """
    from ..script import episode_to_json
    from ..synth.schedule import check_phonemes

    episode = load_script(script)
    check_phonemes(episode)  # the parser cannot: what a phoneme set holds is the voices' knowledge
    if as_json:
        typer.echo(json.dumps(episode_to_json(episode), ensure_ascii=False, indent=2))
        return
    typer.echo(f"{script}: OK")
    typer.echo(f"{episode.metadata.title}")
    if episode.metadata.author:
        typer.echo(f"by {episode.metadata.author}")
    typer.echo("")
    width = max(len(c.title) for c in episode.chapters)
    width = min(max(width, 7), 48)
    typer.echo(f"  #  {'Chapter':<{width}}  Segments  Words   Est.")
    for number, chapter in enumerate(episode.chapters, start=1):
        title = chapter.title if len(chapter.title) <= width else chapter.title[: width - 1] + "…"
        counts = f"{len(chapter.segments):>8}  {chapter.words:>5}  {clock(chapter.estimated_seconds * 1000):>5}"
        typer.echo(f"{number:>3}  {title:<{width}}  {counts}")
    typer.echo("")
    typer.echo("  Speaker      Name                       Role   Segments  Words")
    for speaker in episode.speakers:
        segments = [s for s in episode.segments if s.speaker == speaker.tag]
        words = sum(s.words for s in segments)
        typer.echo(f"  {speaker.tag:<11}  {speaker.name:<25}  {speaker.role:<5}  {len(segments):>8}  {words:>5}")
    typer.echo("")
    typer.echo(_totals(episode))
    if episode.lexicon:
        typer.echo(f"lexicon: {len(episode.lexicon)} entries")
    from ..article.review import review_notes

    notes = len(review_notes(episode))
    if notes:
        typer.echo(f"review: {notes} notes left to check (<!-- review: … --> comments; delete each once checked)")


def _totals(episode: Episode) -> str:
    return (
        f"{len(episode.chapters)} chapters, {len(episode.segments)} segments, {episode.words} words, "
        f"about {clock(episode.estimated_seconds * 1000)} of speech (estimated)"
    )
