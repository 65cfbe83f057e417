"""text -> Guide: the parse stages as an ordered list, run in a loop. No web imports here.

``parse_guide`` never raises on bad content: every problem becomes a ``Diagnostic`` on the
guide, with the line and column of the source file (front matter counted).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import msgspec
from markdown_it import MarkdownIt

from .. import model as m
from ..diagnostics import diagnostic
from ..hints import HINT_BUDGET_BASE, HINT_BUDGET_FACTOR, MAX_HINT_DEPTH, add_hints
from ..ids import slug_from_filename
from ..source_map import SourceMap
from .budget import MAX_CONSTRUCTS, ParseBudget
from .checks import run_checks
from .context import Context
from .front_matter import FrontMatter, split_front_matter
from .html_policy import DEFAULT_IFRAME_HOSTS, HTML_MODES, HtmlMode
from .markdown import Converter
from .source import decode
from .tags import ScanBudget
from .toc import assign_ids, excerpt, reading_time
from .tokenizer import MAX_NESTING, make_markdown

__all__ = ["ParseOptions", "parse_guide", "parse_markdown"]

log = logging.getLogger("content_api")

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
    options: ParseOptions = field(default_factory=lambda: ParseOptions())
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
    p.ctx.source = SourceMap(p.fm.body, p.fm.body_line)
    budget = ParseBudget(p.options.max_constructs)
    env: dict[str, Any] = {"budget": budget}
    parsed, rest = budget.cut(p.fm.body)
    tokens = _markdown(p.options.max_nesting).parse(parsed, env)
    if rest:
        tokens += budget.plain(rest, parsed.count("\n"), len(p.ctx.source.lines))
    for line in env.get("too_deep", ()):
        p.ctx.add(
            p.fm.body_line + line + 1,
            1,
            "nesting-too-deep",
            f"more than {p.options.max_nesting} nested lists, quotes or components: from here on, the "
            "content of this container is kept as plain text",
        )
    _too_complex(p, budget, env.get("scan_budget"))
    options = p.options
    hosts = options.iframe_hosts if options.html == "sanitize" else None
    converter = Converter(p.ctx, p.slug, p.fm.apis, hosts, options.max_nesting)
    p.body = converter.convert(tokens)
    p.headings = converter.headings
    p.plain = " ".join(converter.texts)
    p.words = len(p.plain.split())
    p.editors = [row for table in converter.editor_tables for row in table.editors]


def _too_complex(p: _Parse, budget: ParseBudget, scan: ScanBudget | None) -> None:
    """Say where the file's constructs went past what one parse may take (see parse/budget.py)."""
    for line in budget.lines():
        p.ctx.add(
            p.fm.body_line + line + 1,
            1,
            "too-complex",
            f"more than {p.options.max_constructs} Markdown constructs of a kind (block lines, steps of "
            "inline parsing, bare addresses) in this file: from here on, the text is kept as "
            "plain text",
        )
    if scan is not None and scan.exhausted:
        p.ctx.add(
            p.fm.body_line + (scan.line or 0) + 1,
            1,
            "too-complex",
            "component tags whose end had to be looked for too far ahead, too many times: from "
            "here on, such tags are kept as text",
        )


def _toc(p: _Parse) -> None:
    p.toc = assign_ids(p.headings)


def _checks(p: _Parse) -> None:
    run_checks(p.ctx, p.body, p.headings)


def _hints(p: _Parse) -> None:
    report = add_hints(p.body, HINT_BUDGET_BASE + HINT_BUDGET_FACTOR * len(p.text))
    if report.too_deep:
        p.ctx.add(
            report.too_deep[0],
            1,
            "hints-too-deep",
            f"Quotes, Externals or editor tables nested more than {MAX_HINT_DEPTH} deep: "
            f"{len(report.too_deep)} of them (the outer ones) carry no data.hChildren, so mdast "
            "renderers show them without their caption, note or table head; render_html and "
            "include=html are unaffected",
        )
    if report.too_large:
        p.ctx.add(
            report.too_large[0],
            1,
            "hints-too-large",
            f"rendering hints past {HINT_BUDGET_BASE + HINT_BUDGET_FACTOR * len(p.text):,} bytes (1 MiB "
            f"and four times the file): {len(report.too_large)} components from here on carry no "
            "data.hChildren or data-props, so mdast renderers show them plainly; render_html and "
            "include=html are unaffected",
        )


STAGES: list[tuple[str, Callable[[_Parse], None]]] = [
    ("decode", _decode),
    ("front_matter", _front_matter),
    ("markdown", _markdown_body),
    ("toc", _toc),
    ("checks", _checks),
    ("hints", _hints),
]


class ParseOptions(msgspec.Struct, frozen=True):
    """What changes the parse of a file, besides its bytes and name (see :func:`parse_guide`)."""

    max_nesting: int = MAX_NESTING
    max_constructs: int = MAX_CONSTRUCTS
    html: HtmlMode = "sanitize"
    iframe_hosts: tuple[str, ...] = DEFAULT_IFRAME_HOSTS

    def __post_init__(self) -> None:
        if self.html not in HTML_MODES:
            raise ValueError(f"html must be one of {HTML_MODES}, not {self.html!r}")

    def key(self) -> str:
        """These options as text, for the key of a parse in a cache."""
        hosts = ",".join(self.iframe_hosts) if self.html == "sanitize" else ""
        return f"{self.max_nesting}\0{self.max_constructs}\0{self.html}\0{hosts}"


def parse_guide(
    text: str | bytes,
    path: str | os.PathLike[str] | None = None,
    *,
    max_nesting: int = MAX_NESTING,
    max_constructs: int = MAX_CONSTRUCTS,
    html: HtmlMode = "sanitize",
    iframe_hosts: Sequence[str] = DEFAULT_IFRAME_HOSTS,
) -> m.Guide:
    """Parse one guide file's content; ``path`` names the file in diagnostics and gives the slug.

    ``max_nesting`` bounds nested lists, quotes and components, ``max_constructs`` the blocks and
    the steps of inline parsing (see parse/budget.py): deeper, or further, content is kept as
    text. ``html="sanitize"`` (the default) passes raw HTML through the allow-list sanitizer, with
    iframes from ``iframe_hosts`` only; ``html="raw"`` keeps it verbatim, for fully trusted writers.
    """
    options = ParseOptions(max_nesting, max_constructs, html, tuple(iframe_hosts))
    return parse_guide_and_text(text, path, options)[0]


#: The stages that read Markdown, for a text that is not a whole file (see :func:`parse_markdown`).
_MARKDOWN_STAGES = ("markdown", "toc", "checks", "hints")


def parse_markdown(
    text: str, first_line: int, ctx: Context, options: ParseOptions | None = None, slug: str | None = None
) -> tuple[m.Root, str]:
    """Markdown that is part of a file (an API page's body, a YAML string of its front matter)
    parsed as a guide's body is, with the same rules and diagnostics (reported to ``ctx``):
    the AST and its words. ``first_line`` is the 0-based file line where ``text`` starts.

    Unlike :func:`parse_guide`, a bug of content-api raises here: the caller reports it.
    """
    p = _Parse(raw="", slug=slug, ctx=ctx, options=options or ParseOptions())
    p.fm = FrontMatter(body=text, body_line=first_line)
    for name, stage in STAGES:
        if name in _MARKDOWN_STAGES:
            stage(p)
    return p.body, p.plain


def parse_guide_and_text(
    text: str | bytes, path: str | os.PathLike[str] | None = None, options: ParseOptions | None = None
) -> tuple[m.Guide, str]:
    """The guide and the words of its body (text, code, raw HTML's text) for a search index.

    Never raises on content: should a stage fail on some (a bug of content-api, never the writer's
    fault), the guide comes back empty with an ``internal-error`` diagnostic, so that it is not
    served while every other guide is.
    """
    file = os.fspath(path) if path is not None else None
    slug = slug_from_filename(PurePath(file).stem) if file else None
    p = _Parse(raw=text, slug=slug, ctx=Context(file), options=options or ParseOptions())
    current = "starting"
    try:
        for name, stage in STAGES:
            current = name
            stage(p)
            if p.stop:
                break
        return _guide(p, file, slug), p.plain
    except Exception as exc:
        return failed_guide(file, slug, exc, f"in stage {current}"), ""


def failed_guide(file: str | None, slug: str | None, exc: BaseException, stage: str) -> m.Guide:
    """The guide of a file content-api failed on: nothing but an ``internal-error`` diagnostic."""
    log.error("parsing %s failed %s", file or "a guide", stage, exc_info=exc)
    found = diagnostic(
        file,
        "internal-error",
        f"content-api failed on this file ({type(exc).__name__} {stage}): it is not served; "
        "the other guides are. Please report it with the file",
    )
    return m.Guide(
        slug=slug,
        file=file,
        title=None,
        tagline=None,
        tags=[],
        apis=[],
        image=None,
        publish=False,
        noindex=False,
        related=[],
        updated=None,
        extra={},
        body=m.Root(children=[]),
        toc=[],
        editors=[],
        excerpt="",
        reading_time=0,
        diagnostics=[found],
    )


#: The fields a guide takes from its front matter as they are.
_FROM_FRONT_MATTER = tuple(
    name for name in m.Guide.__struct_fields__ if name in FrontMatter.__dataclass_fields__ and name != "body"
)


def _guide(p: _Parse, file: str | None, slug: str | None) -> m.Guide:
    p.ctx.summarize()
    return m.Guide(
        **{name: getattr(p.fm, name) for name in _FROM_FRONT_MATTER},
        slug=slug,
        file=file,
        body=p.body,
        toc=p.toc,
        editors=p.editors,
        excerpt=excerpt(p.body),
        reading_time=reading_time(p.words),
        diagnostics=sorted(p.ctx.diagnostics, key=lambda d: (d.line, d.column)),
    )
