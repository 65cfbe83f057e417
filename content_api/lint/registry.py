"""How a lint rule is declared: its code and metadata, beside the function that reports it.

In the spirit of markdown-it's rule chains: each subject (tables, accessibility, components...)
makes one :class:`Rules`, declares every code it reports with :meth:`Rules.declare` (severity,
summary, example, RGAA criteria, and a trigger: a Markdown body that makes the rule report it)
and hooks its functions on what they look at:

* :meth:`Rules.on_token`: a block token of the stream the converter reads (the source lines of
  a paragraph, a heading, a table row...), called as ``rule(lint, token, parent, siblings)``
  with the node the token's block goes into and the nodes already there;
* :meth:`Rules.on_node`: a node of the finished AST (after heading ids are given), called as
  ``rule(checks, node, block)`` with the nearest node that has a position;
* :meth:`Rules.on_end`: once the whole AST was walked, called as ``rule(checks)``.

Other rules report from where the parse decides something (a component is read, an editor row is
skipped): they are plain functions of their subject's module, called by the parse.

Nothing here imports the parser (not even for types: a rule sees the walk as a :class:`Walk`
and reports to a :class:`~content_api.source_map.Reporter`): :mod:`content_api.diagnostics`
assembles its table from the subjects, and every parse module reports through that table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

from .. import model as m
from ..model import Severity
from ..source_map import Reporter
from .html_facts import HtmlFacts

if TYPE_CHECKING:
    from markdown_it.token import Token


class Rule(NamedTuple):
    """What the README's table of rules says of a code."""

    severity: Severity
    summary: str
    #: what triggers it, as a writer would write it (Markdown unless said otherwise)
    example: str
    #: the RGAA 4.1 criteria the rule serves (accessibility rules only)
    rgaa: str = ""


class TokenLint:
    """What the rules on the token stream share for one body: its source, where to report, and
    what a rule keeps from one token to the next."""

    __slots__ = ("ctx", "table_columns", "where")

    def __init__(self, ctx: Reporter, where: Callable[[int, str], tuple[int, int]]) -> None:
        self.ctx = ctx
        #: file (line, column) of an offset in the inline content being converted (or the body)
        self.where = where
        #: cells of the header row of the table being read
        self.table_columns = 0

    def report(self, where: tuple[int, int], code: str, message: str) -> None:
        self.ctx.add(where[0], where[1], code, message)


class Walk(Protocol):
    """What a node rule sees of the walk over one body (:class:`content_api.parse.checks.Checks`)."""

    @property
    def ctx(self) -> Reporter: ...

    #: the node being looked at is in a table cell
    in_cell: bool
    #: the link being looked at (a :class:`content_api.lint.links.Link`)
    link: Any
    #: ids an anchor may name, and the ``#anchor`` links met, with their places
    ids: set[str]
    anchors: list[tuple[str, tuple[int, int]]]
    #: normalized link text -> first URL
    links: dict[str, str]
    #: the level of the last heading (the page title is the h1)
    level: int
    #: blocks whose inline HTML opens a new window
    inline_blank: dict[int, m.Node]

    def locate(self, block: m.Node | None, *needles: str) -> tuple[int, int]:
        """File (line, column) of the first needle found in ``block``'s lines, after the last find."""

    def html_facts(self, node: m.Html) -> HtmlFacts | None:
        """What the rules need of a raw HTML node; None when it has nothing for them."""


TokenRule = Callable[[TokenLint, "Token", Any, list[Any]], None]
NodeRule = Callable[[Walk, Any, Any], None]
EndRule = Callable[[Walk], None]
_F = TypeVar("_F", bound=Callable[..., None])
_K = TypeVar("_K")


class Rules:
    """The rules of one subject: their metadata in order, and the functions hooked to report them."""

    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.rules: dict[str, Rule] = {}
        #: code -> a Markdown body (after a front matter) on which the code is reported
        self.triggers: dict[str, str] = {}
        self.token_rules: dict[str, list[TokenRule]] = {}
        self.node_rules: dict[type, list[NodeRule]] = {}
        self.end_rules: list[EndRule] = []

    def declare(
        self, code: str, severity: Severity, summary: str, example: str, rgaa: str = "", *, trigger: str
    ) -> str:
        """Add ``code`` to the subject's table; ``trigger`` is a body that makes it reported."""
        assert code not in self.rules, f"{code} is declared twice"
        self.rules[code] = Rule(severity, summary, example, rgaa)
        self.triggers[code] = trigger
        return code

    def on_token(self, *types: str) -> Callable[[_F], _F]:
        """Hook a rule on tokens of these types (``paragraph_open``, ``tr_open``, ``link_close``...)."""
        return _hook(self.token_rules, types)

    def on_node(self, *types: type) -> Callable[[_F], _F]:
        """Hook a rule on AST nodes of these types."""
        return _hook(self.node_rules, types)

    def on_end(self, rule: _F) -> _F:
        """Hook a rule that reports once the whole AST was walked."""
        self.end_rules.append(rule)
        return rule


def _hook(hooks: dict[_K, list[Any]], keys: tuple[_K, ...]) -> Callable[[_F], _F]:
    """A decorator that adds its function to ``hooks`` under each of ``keys``."""

    def hook(rule: _F) -> _F:
        for key in keys:
            hooks.setdefault(key, []).append(rule)
        return rule

    return hook
