"""Saved web pages: the article extracted with trafilatura, offline, then read as Markdown.

trafilatura drops the page's navigation, adverts, captions, scripts and related links, and keeps the
article's paragraphs, headings and bold Q&A labels as Markdown, which :mod:`.markdown` turns into the
plain-text shape.  The title, byline, date and standfirst come from the page's metadata (``<title>``,
``og:`` and ``article:`` tags, JSON-LD) where the extracted body lacks them.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import InputError
from .markdown import markdown_to_source
from .source import Source

_INSTALL = "pip install 'trafilatura>=2.3' 'lxml[html_clean]>=5.2'"


def html_to_source(page: str, path: Path | None) -> Source:
    trafilatura = _trafilatura(path)
    options: dict[str, Any] = {
        "include_comments": False,
        "include_images": False,
        "include_tables": False,
        "include_links": False,
        "include_formatting": True,
        "favor_recall": True,  # an interview's short Q&A turns must not be dropped as boilerplate
    }
    # only dates the page states (published-time tags, JSON-LD), not a guess from "© 2020" in its footer
    meta = trafilatura.extract_metadata(page, extensive=False)
    front: dict[str, str] = {}
    if meta is not None:
        for key in ("title", "author", "date", "description"):
            value = getattr(meta, key, None)
            if value:
                front[key] = str(value)
    body = trafilatura.extract(_unlink_paragraphs(page), output_format="markdown", **options)
    if body and "\n\n" not in body.strip() and page.lower().count("<p") >= 2:
        # on a short page the recall pass may fall back to one run of text: the precise pass keeps the
        # paragraphs, and is taken only when all it leaves out is the page's title and byline
        precise = trafilatura.extract(
            page, output_format="markdown", **(options | {"favor_recall": False}), favor_precision=True
        )
        header_words = Counter(" ".join([front.get("title", ""), front.get("author", ""), "By"]).split())
        if precise and "\n\n" in precise and not Counter(body.split()) - Counter(precise.split()) - header_words:
            body = precise
    if not body or not body.strip():
        raise InputError(
            f"{path or 'the page'}: the web page has no article text that could be extracted",
            fix="save the article's own page (not an index or a login page), or paste its text into a .txt file",
        )
    source = markdown_to_source(_with_front_matter(body, front))
    return Source(source.text, "html", source.headings)


def _unlink_paragraphs(page: str) -> str:
    """The page with the links inside its paragraphs reduced to their text.

    A paragraph that ends in links looks like a link list to trafilatura's link-density rule, and the
    last one of an article is dropped; the article's words must all be kept, and link targets are never
    spoken.  Links outside paragraphs (menus, related-story lists) stay links, so they still read as
    page furniture.
    """
    import lxml.html  # type: ignore[import-untyped]  # lxml ships no type stubs

    try:
        tree = lxml.html.document_fromstring(page)
    except (ValueError, lxml.etree.ParserError):
        return page
    for link in tree.xpath("//p//a"):
        link.drop_tag()
    return str(lxml.html.tostring(tree, encoding="unicode"))


def _with_front_matter(body: str, front: dict[str, str]) -> str:
    if not front:
        return body
    import yaml

    return "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n" + body


def _trafilatura(path: Path | None) -> Any:
    try:
        import trafilatura
    except ImportError as error:  # a broken install: say which package, and the pip line
        raise InputError(
            f"{path or 'the article'} is a web page (HTML), and reading one needs trafilatura ({error})",
            fix=f"{_INSTALL}; or save the page's text as a .txt file",
        ) from error
    return trafilatura
