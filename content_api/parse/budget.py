"""A bound on the Markdown constructs of one file, so that any file under the size limit parses
in bounded time.

markdown-it-py is pure Python: each block line, each inline construct (a delimiter run, a link, a
code span...) and each bare URL costs it, and the converter and the checks after it, tens of
microseconds, so a file made of nothing but constructs (a megabyte of ``_a ``, of table cells, of
one-word lines) took seconds. Real guides use a few hundred. Past the budget, the rest of the
file is kept as plain text, never dropped, and the place is reported (``too-complex``). The
budget counts constructs, not time: the same file gives the same AST on every machine.

Three counters:

* **blocks** (``max_constructs``): markdown-it's block tokenizer is replaced by the same loop
  (:func:`_tokenize`) in which no rule may read past the lines left (paragraphs loop over their
  lines up to ``lineMax``), and each leaf (paragraph, heading, code, HTML, table...) pays for
  the lines it read or the tokens it made, whichever is more; a container (quote, list, block
  component) pays for its own token and for the lines its content did not pay for. A table has
  no more rows than its cells can pay for. With nothing left, the rest of each container is one
  paragraph of plain text. markdown-it is given no more than ``LINES_PER_BLOCK`` lines per unit
  (:meth:`ParseBudget.cut`): the rest is a plain paragraph from the start;
* **inline** (three times as much: an inline token costs less): a first inline rule pays for
  each step of the inline parser and for the tokens it made, links and components weighing more;
  past the budget, the rest of the text is text, and the inline tokens after it get one text
  child;
* **bare URLs** (as much as inline, each URL costing ``parse.linkify.LINK_COST``): the core linkify rule stops
  linking when they are spent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, MutableMapping
from types import SimpleNamespace
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_core.linkify import linkify as core_linkify
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

#: The block budget of a file (the inline one is ``INLINE_FACTOR`` times it); real guides use under 700.
MAX_CONSTRUCTS = 22_000

BlockRule = Callable[[StateBlock, int, int, bool], bool]

#: What a token costs beyond one, for those the converter and the checks work more on (measured
#: on each construct repeated over a file: bench/adversarial.py).
_WEIGHTS = {
    "link_open": 4,
    "image": 4,
    "component": 4,
    "component_open": 5,
    "html_inline": 2,
    "html_block": 2,
    "heading_open": 1,
}
LINKIFY_WEIGHT = 6
#: What a block costs beyond its lines or tokens, for those that cost more than their tokens say (a
#: reference definition makes no token).
_RULE_WEIGHTS = {"reference": 2}
#: How much more the inline parse may spend than the block parse: an inline token costs a few
#: times less than a block (see bench/adversarial.py).
INLINE_FACTOR = 3

#: Lines of a body (blank ones too) given to markdown-it per unit of the block budget: a block unit
#: is at least a line that holds something, so the rest could only be plain text anyway.
LINES_PER_BLOCK = 4

#: Rules that hold other blocks: their content pays, not they.
_CONTAINERS = frozenset({"blockquote", "list", "component_block"})


class ParseBudget:
    """What is left to parse of one file, and where each kind ran out (0-based body lines)."""

    __slots__ = ("block_line", "blocks", "current", "inline_line", "links", "steps")

    def __init__(self, max_constructs: int = MAX_CONSTRUCTS) -> None:
        self.blocks = max_constructs
        self.steps = INLINE_FACTOR * max_constructs
        self.links = INLINE_FACTOR * max_constructs
        #: the inline token being parsed (its line is where the inline budget ran out)
        self.current: Token | None = None
        self.block_line: int | None = None
        self.inline_line: int | None = None

    def lines(self) -> list[int]:
        return sorted({line for line in (self.block_line, self.inline_line) if line is not None})

    def cut(self, body: str) -> tuple[str, str]:
        """``body`` split after the lines a parse may read (``LINES_PER_BLOCK`` per block unit):
        markdown-it's block state costs time for every line of what it is given, blank or not."""
        lines = LINES_PER_BLOCK * self.blocks
        end, find = -1, body.find
        for _ in range(lines):
            end = find("\n", end + 1)
            if end < 0:
                return body, ""
        return body[: end + 1], body[end + 1 :]

    def plain(self, rest: str, first: int, last: int) -> list[Token]:
        """The tokens of ``rest`` (body lines ``first`` to ``last``) as one paragraph of plain text."""
        if self.block_line is None:
            self.block_line = first
        opening, inline, closing = (
            Token("paragraph_open", "p", 1),
            Token("inline", "", 0),
            Token("paragraph_close", "p", -1),
        )
        opening.map = inline.map = [first, last]
        opening.meta = {"plain": True}
        inline.content = rest.strip()
        text = Token("text", "", 0)
        text.content = inline.content
        inline.children = [text]
        inline.meta = {"plain": True}
        return [opening, inline, closing] if inline.content else []


def parse_budget(env: MutableMapping[str, Any]) -> ParseBudget:
    budget: ParseBudget | None = env.get("budget")
    if budget is None:
        budget = env["budget"] = ParseBudget()
    return budget


# --- blocks ---------------------------------------------------------------------------------------


def _plain_rest(state: StateBlock, line: int, endLine: int) -> None:
    """With the block budget spent, the rest of the container is one paragraph of plain text."""
    budget = parse_budget(state.env)
    if budget.block_line is None:
        budget.block_line = line
    opening = state.push("paragraph_open", "p", 1)
    opening.map, opening.meta = [line, endLine], {"plain": True}
    token = state.push("inline", "", 0)
    token.content = state.getLines(line, endLine, state.blkIndent, False).strip()
    token.map = [line, endLine]
    token.children = []
    token.meta = {"plain": True}
    state.push("paragraph_close", "p", -1)
    state.line = endLine


def _tokenize(md: MarkdownIt) -> Callable[[StateBlock, int, int], None]:
    """markdown-it's block tokenizer (ParserBlock.tokenize), reading each block no further than
    the lines left, and charging the leaves for the lines they took."""
    ruler = md.block.ruler

    def tokenize(state: StateBlock, startLine: int, endLine: int) -> None:
        rules = ruler.getRules("")
        names = [rule.name for rule in ruler.__rules__ if rule.enabled]
        containers = [name in _CONTAINERS for name in names]
        budget = parse_budget(state.env)
        line = startLine
        has_empty_lines = False
        while line < endLine:
            state.line = line = state.skipEmptyLines(line)
            if line >= endLine or state.sCount[line] < state.blkIndent:
                break  # the end, or the end of a nested container
            if budget.blocks <= 0:
                _plain_rest(state, line, endLine)
                break
            # No rule reads past the lines left (paragraphs read up to lineMax, not endLine).
            line_max = state.lineMax
            state.lineMax = min(line_max, line + budget.blocks)
            limit = min(endLine, state.lineMax)
            _block(state, line, limit, zip(rules, names, containers, strict=True), budget)
            state.lineMax = line_max
            state.tight = not has_empty_lines  # an empty line before the next block is not counted
            line = state.line
            if line - 1 < endLine and state.isEmpty(line - 1):  # a paragraph may eat one newline
                has_empty_lines = True
            if line < endLine and state.isEmpty(line):
                has_empty_lines = True
                line += 1
                state.line = line

    return tokenize


def _block(
    state: StateBlock, line: int, limit: int, rules: Iterable[tuple[Any, str, bool]], budget: ParseBudget
) -> None:
    """The first rule that takes the block at ``line`` (as markdown-it does), charged to ``budget``:
    a container for its own tokens and the lines its content did not pay for, a leaf for the lines
    it read or the tokens it made."""
    before, left = len(state.tokens), budget.blocks
    for rule, name, container in rules:
        if rule(state, line, limit, False):
            if state.line <= line:
                raise RuntimeError("block rule didn't increment state.line")
            if container:
                own = 1 + _WEIGHTS.get(state.tokens[before].type, 0)
                budget.blocks -= max(own, state.line - line - (left - budget.blocks))
            else:
                spent = max(state.line - line, _cost(state.tokens, before))
                budget.blocks -= spent + _RULE_WEIGHTS.get(name, 0)
            return
    raise RuntimeError("none of the block rules matched")


def _cost(tokens: list[Token], start: int) -> int:
    """What the tokens from ``start`` cost: one each, more for those the converter works on."""
    cost = len(tokens) - start
    for token in tokens[start:]:
        cost += _WEIGHTS.get(token.type, 0)
        if token.markup == "linkify":  # a bare URL's text is decoded too (normalizeLinkText)
            cost += LINKIFY_WEIGHT
    return cost


def _table(rule: BlockRule) -> BlockRule:
    """GFM tables pay for their cells: no more rows than the budget can take, and a header wider
    than the whole budget is no table (its lines stay a paragraph)."""

    def bounded(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
        budget = parse_budget(state.env)
        header = state.src[state.bMarks[startLine] : state.eMarks[startLine]]
        cells = header.count("|") + 1
        rows = budget.blocks // (3 * cells + 2)  # each cell makes three tokens, each row two more
        if rows < 2:
            return False
        return rule(state, startLine, min(endLine, startLine + rows), silent)

    return bounded


# --- inline ---------------------------------------------------------------------------------------


def _inline(state: StateCore) -> None:
    """markdown-it's core ``inline`` rule, except that past the step budget (or in a paragraph kept
    as plain text) an inline token gets its text as its only child."""
    md, env = state.md, state.env
    budget = parse_budget(env)
    for token in state.tokens:
        if token.type != "inline":
            continue
        if token.meta.get("plain") or budget.steps <= 0:
            if budget.steps <= 0 and budget.inline_line is None and token.map:
                budget.inline_line = token.map[0]
            token.meta["plain"] = True  # nor are its bare URLs linked
            text = Token("text", "", 0)
            text.content = token.content
            token.children = [text]
            continue
        budget.current = token
        token.children = token.children or []
        md.inline.parse(token.content, md, env, token.children)
    budget.current = None


def _steps(state: StateInline, silent: bool) -> bool:
    """Counts the inline parser's steps and the tokens they made (links and components weigh
    more: they cost more to check); past the budget, the rest of the text is text."""
    if silent:
        return False
    budget = parse_budget(state.env)
    tokens = state.tokens
    counted: int = getattr(state, _COUNTED, 0)
    setattr(state, _COUNTED, len(tokens))
    budget.steps -= 1 + _cost(tokens, counted)
    if budget.steps >= 0:
        return False
    if budget.inline_line is None and budget.current is not None and budget.current.map:
        budget.inline_line = budget.current.map[0]
    state.pending += state.src[state.pos : state.posMax]
    state.pos = state.posMax
    return True


#: The attribute of an inline state holding how many of its tokens were paid for.
_COUNTED = "_content_api_counted"


def _linkify(state: StateCore) -> None:
    """markdown-it's core ``linkify`` rule, one inline token at a time, while bare URLs are left.

    The linkify object is told the budget (see content_api.parse.linkify.GfmLinkify), so that a
    text holding thousands of addresses is only read as far as the budget goes.
    """
    budget = parse_budget(state.env)
    linkify: Any = state.md.linkify
    for token in state.tokens:
        if budget.links <= 0:
            break
        if token.type != "inline" or not token.children or token.meta.get("plain"):
            continue
        linkify.budget = budget
        try:
            core_linkify(SimpleNamespace(tokens=[token], md=state.md, env=state.env))  # type: ignore[arg-type]
        finally:
            linkify.budget = None


def budget_plugin(md: MarkdownIt) -> None:
    """Install the budget's rules; call it after every other plugin has added its block rules, and
    before anything else wraps ``md.block.tokenize``."""
    md.block.tokenize = _tokenize(md)  # type: ignore[assignment,method-assign]
    table = md.block.ruler.__rules__[md.block.ruler.__find__("table")]
    table.fn = _table(table.fn)  # (Ruler.at would forget which blocks a table interrupts)
    md.block.ruler.__cache__ = None
    md.core.ruler.at("inline", _inline)
    md.core.ruler.at("linkify", _linkify)
    md.inline.ruler.before(md.inline.ruler.get_all_rules()[0], "budget", _steps)
