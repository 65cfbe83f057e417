"""The markdown-it-py parser of guides: CommonMark, GFM tables, strikethrough and bare-URL
autolinks, plus components (parse/components.py), a parse budget (parse/budget.py), link labels
found in linear time (parse/link_labels.py) and containers past the nesting limit kept as text."""

from __future__ import annotations

from types import SimpleNamespace

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from .budget import budget_plugin
from .components import components_plugin
from .link_labels import parse_link_label
from .linkify import GfmLinkify, linkify_rule

#: Deeper containers (lists, quotes, components) keep their text as one plain paragraph.
MAX_NESTING = 32


def make_markdown(max_nesting: int = MAX_NESTING) -> MarkdownIt:
    """CommonMark + GFM tables, strikethrough and bare-URL autolinks, plus components.

    ``max_nesting`` bounds nested containers (lists, quotes, components) and inline nesting.
    """
    md = MarkdownIt("commonmark", {"linkify": True})
    md.enable(["table", "strikethrough", "linkify"])
    md.linkify = GfmLinkify()
    md.inline.ruler.at("linkify", linkify_rule)  # the scheme before "://" found in bounded time
    # Every URL is parsed; unsafe ones are nulled and reported by the converter, not dropped.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    # URLs stay as written (mdast); render_html percent-encodes them as CommonMark does.
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    components_plugin(md)
    budget_plugin(md)
    # The same link labels, found without reading the rest of the line again from every '['.
    md.helpers = SimpleNamespace(  # type: ignore[assignment]
        parseLinkLabel=parse_link_label,
        parseLinkDestination=md.helpers.parseLinkDestination,
        parseLinkTitle=md.helpers.parseLinkTitle,
    )
    md.options["maxNesting"] = max_nesting
    _keep_text_past_max_nesting(md)
    return md


def _keep_text_past_max_nesting(md: MarkdownIt) -> None:
    """Past ``maxNesting``, markdown-it skips the rest of a container: keep it as a paragraph.

    The lines are kept as inline Markdown (their block markers stay text) and the first one is
    recorded in ``env["too_deep"]`` for a diagnostic. Nesting stays bounded, and so does recursion.
    """
    tokenize = md.block.tokenize

    def bounded(state: StateBlock, startLine: int, endLine: int) -> None:
        if state.level < state.md.options["maxNesting"]:
            tokenize(state, startLine, endLine)
            return
        line = state.skipEmptyLines(startLine)
        if line < endLine:
            state.env.setdefault("too_deep", []).append(line)
            state.push("paragraph_open", "p", 1).map = [line, endLine]
            token = state.push("inline", "", 0)
            token.content = state.getLines(line, endLine, state.blkIndent, False).strip()
            token.map = [line, endLine]
            token.children = []
            state.push("paragraph_close", "p", -1)
        state.line = endLine

    md.block.tokenize = bounded  # type: ignore[method-assign]
