"""text -> Guide: the parse stages as an ordered list, run in a loop. No web imports here.

``parse_guide`` never raises on bad content: every problem becomes a ``Diagnostic`` on the
guide, with the line and column of the source file (front matter counted).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from markdown_it import MarkdownIt

from .. import model as m
from ..ids import slug_from_filename
from .checks import run_checks
from .context import Context
from .front_matter import FrontMatter, split_front_matter
from .html_safety import DEFAULT_IFRAME_HOSTS, HTML_MODES, HtmlMode
from .markdown import MAX_NESTING, Converter, make_markdown
from .source import decode
from .toc import assign_ids, excerpt, reading_time

__all__ = ["parse_guide"]

_local = threading.local()


def _markdown(max_nesting: int) -> MarkdownIt:
    """One MarkdownIt per thread and nesting limit (linkify-it keeps per-match state)."""
    cache: dict[int, MarkdownIt] | None = getattr(_local, "md", None)
    if cache is None:
        cache = _local.md = {}
    md = cache.get(max_nesting)
    if md is None:
        md = cache[max_nesting] = make_markdown(max_nesting)
    return md


@dataclass
class _Parse:
    """Everything the stages share while one guide is parsed."""

    raw: str | bytes
    slug: str | None
    ctx: Context
    text: str = ""
    fm: FrontMatter = field(default_factory=FrontMatter)
    body: m.Root = field(default_factory=lambda: m.Root(children=[]))
    headings: list[m.Heading] = field(default_factory=list)
    toc: list[m.TocEntry] = field(default_factory=list)
    editors: list[m.EditorRow] = field(default_factory=list)
    words: int = 0
    max_nesting: int = MAX_NESTING
    #: hosts an iframe may come from; None keeps raw HTML verbatim (``html="raw"``)
    iframe_hosts: tuple[str, ...] | None = DEFAULT_IFRAME_HOSTS
    #: every text, code and raw-HTML text of the body, joined: what search indexes
    plain: str = ""
    stop: bool = False


def _decode(p: _Parse) -> None:
    text = decode(p.raw, p.ctx)
    if text is None:  # not text at all: the error is reported, nothing more to parse
        p.stop = True
    p.text = text or ""


def _front_matter(p: _Parse) -> None:
    p.fm = split_front_matter(p.text, p.ctx)


def _markdown_body(p: _Parse) -> None:
    p.ctx.body_line = p.fm.body_line
    p.ctx.lines = p.fm.body.split("\n")
    env: dict[str, Any] = {}
    tokens = _markdown(p.max_nesting).parse(p.fm.body, env)
    for line in env.get("too_deep", ()):
        p.ctx.add(
            p.fm.body_line + line + 1,
            1,
            "nesting-too-deep",
            f"more than {p.max_nesting} nested lists, quotes or components: from here on, the "
            "content of this container is kept as plain text",
        )
    converter = Converter(p.ctx, p.fm.body, p.slug, p.fm.apis, p.iframe_hosts)
    p.body = converter.convert(tokens)
    p.headings = converter.headings
    p.plain = " ".join(converter.texts)
    p.words = len(p.plain.split())
    p.editors = [row for table in converter.editor_tables for row in table.editors]


def _toc(p: _Parse) -> None:
    p.toc = assign_ids(p.headings)


def _checks(p: _Parse) -> None:
    run_checks(p.ctx, p.body, p.headings)


STAGES: list[tuple[str, Callable[[_Parse], None]]] = [
    ("decode", _decode),
    ("front_matter", _front_matter),
    ("markdown", _markdown_body),
    ("toc", _toc),
    ("checks", _checks),
]


def parse_guide(
    text: str | bytes,
    path: str | os.PathLike[str] | None = None,
    *,
    max_nesting: int = MAX_NESTING,
    html: HtmlMode = "sanitize",
    iframe_hosts: Sequence[str] = DEFAULT_IFRAME_HOSTS,
) -> m.Guide:
    """Parse one guide file's content; ``path`` names the file in diagnostics and gives the slug.

    ``max_nesting`` bounds nested lists, quotes and components: deeper content is kept as text.
    ``html="sanitize"`` (the default) passes raw HTML through the allow-list sanitizer, with
    iframes from ``iframe_hosts`` only; ``html="raw"`` keeps it verbatim, for fully trusted writers.
    """
    return parse_guide_and_text(text, path, max_nesting=max_nesting, html=html, iframe_hosts=iframe_hosts)[0]


def parse_guide_and_text(
    text: str | bytes,
    path: str | os.PathLike[str] | None = None,
    *,
    max_nesting: int = MAX_NESTING,
    html: HtmlMode = "sanitize",
    iframe_hosts: Sequence[str] = DEFAULT_IFRAME_HOSTS,
) -> tuple[m.Guide, str]:
    """The guide and the words of its body (text, code, raw HTML's text) for a search index."""
    if html not in HTML_MODES:
        raise ValueError(f"html must be one of {HTML_MODES}, not {html!r}")
    file = os.fspath(path) if path is not None else None
    slug = slug_from_filename(PurePath(file).stem) if file else None
    hosts = tuple(iframe_hosts) if html == "sanitize" else None
    p = _Parse(raw=text, slug=slug, ctx=Context(file), max_nesting=max_nesting, iframe_hosts=hosts)
    for _name, stage in STAGES:
        stage(p)
        if p.stop:
            break
    fm = p.fm
    diagnostics = sorted(p.ctx.diagnostics, key=lambda d: (d.line, d.column))
    extra: dict[str, Any] = fm.extra
    guide = m.Guide(
        slug=slug,
        file=file,
        title=fm.title,
        tagline=fm.tagline,
        tags=fm.tags,
        apis=fm.apis,
        image=fm.image,
        publish=fm.publish,
        noindex=fm.noindex,
        related=fm.related,
        updated=fm.updated,
        extra=extra,
        body=p.body,
        toc=p.toc,
        editors=p.editors,
        excerpt=excerpt(p.body),
        reading_time=reading_time(p.words),
        diagnostics=diagnostics,
    )
    return guide, p.plain
