"""The rules on a parsed body: the AST walked once, each node given to the rules hooked on its type.

They run on the finished AST (after heading ids are given), so they see what a reader gets; the
rules themselves are in :mod:`content_api.lint` (accessibility, links inside the guide). The walk
also gathers the ``<!-- content-api: ignore CODE -->`` comments and applies them, each silencing
one occurrence.

Inline nodes have no position in the AST: a diagnostic about one is placed by finding its text
in the lines of the nearest block that has one, moving forward from the previous finding there.
"""

from __future__ import annotations

from typing import Any

from .. import model as m
from ..lint import END_RULES, NODE_RULES
from ..lint.html_facts import HtmlFacts, html_facts
from ..lint.links import Link
from .context import Context
from .ignores import Directive, apply_in_parse, find_directives

#: How far :meth:`Checks.locate` looks for a construct's text from the previous one it found.
SEARCH_LINES = 64
SEARCH_CHARS = 8192

#: Raw HTML without one of these has nothing the rules look at (ids, images, tables, new windows).
_HTML_MARKERS = ("id=", "name=", "<img", "<table", "_blank")


class Checks:
    """Walks one parsed body for the rules, reporting into ``ctx``; what the rules keep is here."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.directives: list[Directive] = []
        #: the node being looked at is in a table cell
        self.in_cell = False
        #: the link being looked at (see content_api.lint.links.link_of)
        self.link: Link | None = None
        #: ids an anchor may name, and the ``#anchor`` links met, with their places
        self.ids: set[str] = set()
        self.anchors: list[tuple[str, tuple[int, int]]] = []
        #: normalized link text -> first URL
        self.links: dict[str, str] = {}
        #: the level of the last heading (the page title is the h1)
        self.level = 1
        #: blocks whose inline HTML opens a new window
        self.inline_blank: dict[int, m.Node] = {}
        self._cursors: dict[int, tuple[int, int]] = {}
        self._facts: tuple[m.Html, HtmlFacts | None] | None = None

    def locate(self, block: m.Node | None, *needles: str) -> tuple[int, int]:
        """File (line, column) of the first needle found in ``block``'s lines, after the last find.

        The search is bounded (``SEARCH_LINES`` lines, ``SEARCH_CHARS`` characters of each from
        the previous find): a needle that is not there costs little, however large the block.
        """
        source = self.ctx.source
        if block is None or block.position is None:
            return source.first_line + 1, 1
        start, end = block.position.start, block.position.end
        lines, offset = source.lines, source.first_line + 1
        line, column = self._cursors.get(id(block), (start.line, 0))
        last = min(end.line, line + SEARCH_LINES)
        for needle in needles:
            if not needle:
                continue
            for number in range(line, last + 1):
                index = number - offset
                if not 0 <= index < len(lines):
                    continue
                begin = column if number == line else 0
                found = lines[index].find(needle, begin, begin + SEARCH_CHARS)
                if found >= 0:
                    self._cursors[id(block)] = (number, found + 1)
                    return number, found + 1
        return start.line, start.column

    def html_facts(self, node: m.Html) -> HtmlFacts | None:
        """What the rules need of a raw HTML node, read once; None when it has nothing for them."""
        if self._facts is None or self._facts[0] is not node:
            lowered = node.value.lower()
            found = html_facts(node.value) if any(marker in lowered for marker in _HTML_MARKERS) else None
            self._facts = (node, found)
        return self._facts[1]

    def run(self, root: m.Root, headings: list[m.Heading]) -> None:
        self.ids.update(h.id for h in headings)
        self._walk(root.children, root)
        for rule in END_RULES:
            rule(self)

    def _walk(self, nodes: list[m.AnyNode], block: m.Node, in_cell: bool = False) -> None:
        for node in nodes:
            kind = type(node)
            if kind is m.Text:  # most nodes: nothing to check, no children
                continue
            here = node if node.position is not None else block
            if kind is m.Html:
                self._directives(node, here)  # type: ignore[arg-type]
            rules = NODE_RULES.get(kind)
            if rules is not None:
                self.in_cell = in_cell
                for rule in rules:
                    rule(self, node, here)
            children: Any = getattr(node, "children", None)
            if children:
                self._walk(children, here, in_cell or kind is m.TableCell)

    def _directives(self, node: m.Html, block: m.Node) -> None:
        if "content-api:" not in node.value:
            return
        for line, column, codes in find_directives(node.value):
            if node.position is None:  # inline HTML: found in its paragraph's lines
                line, column = self.locate(block, "<!--")
            else:
                start = node.position.start
                column += start.column - 1 if line == 1 else 0
                line += start.line - 1
            self.directives.append(Directive(line, column, codes))


def run_checks(ctx: Context, root: m.Root, headings: list[m.Heading]) -> None:
    """Every rule on the AST; then the guide's ignore comments applied to ``ctx``'s diagnostics."""
    checks = Checks(ctx)
    checks.run(root, headings)
    apply_in_parse(ctx, checks.directives)
