"""Heading ids (the site's anchors), the table of contents, the excerpt and the reading time."""

from __future__ import annotations

import math

from .. import model as m
from ..ids import UniqueIds, heading_id
from ..plain_text import render_text

TOC_DEPTHS = (2, 3)
EXCERPT_LENGTH = 200
WORDS_PER_MINUTE = 200


def assign_ids(headings: list[m.Heading]) -> list[m.TocEntry]:
    """Give every heading the site's anchor (repeats get ``-1``, ``-2``...); return the TOC."""
    unique = UniqueIds()
    toc = []
    for heading in headings:
        text = " ".join(render_text(heading).split())
        heading.id = unique(heading_id(text))
        if heading.depth in TOC_DEPTHS:
            toc.append(m.TocEntry(depth=heading.depth, id=heading.id, text=text))
    return toc


def excerpt(root: m.Root) -> str:
    """The first paragraph's text, cut at a word boundary near ``EXCERPT_LENGTH`` characters."""
    for paragraph in _paragraphs(root.children):
        text = " ".join(render_text(paragraph).split())
        if text:
            if len(text) <= EXCERPT_LENGTH:
                return text
            cut = text.rfind(" ", 0, EXCERPT_LENGTH)
            return text[: cut if cut > 0 else EXCERPT_LENGTH].rstrip(" ,;:") + "…"
    return ""


def _paragraphs(nodes: list[m.AnyNode]) -> list[m.Paragraph]:
    for node in nodes:
        if isinstance(node, m.Paragraph):
            return [node]
        if isinstance(node, (m.Blockquote, m.Quote)):
            continue
        children = getattr(node, "children", None)
        if children and not isinstance(node, (m.List, m.Table, m.EditorTable)):
            found = _paragraphs(children)
            if found:
                return found
    return []


def reading_time(words: int) -> int:
    """Minutes to read ``words`` words at ``WORDS_PER_MINUTE`` (0 for none, else at least 1)."""
    return math.ceil(words / WORDS_PER_MINUTE) if words else 0
