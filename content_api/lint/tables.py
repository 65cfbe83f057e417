"""GFM tables the site's current renderer reads differently: rules on a table's source lines."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .registry import Rules, TokenLint

if TYPE_CHECKING:
    from markdown_it.token import Token

RULES = Rules("tables")

_DELIMITER_ROW = re.compile(r"^ {0,3}(?:>\s?)*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
#: A ``|`` that splits a table row into cells (GFM: one not escaped as ``\|``).
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
_PIPE_IN_TAG = re.compile(r"<[A-Z][^<>|]*(?<!\\)\|[^<>]*>")
_PIPE_IN_CODE = re.compile(r"`[^`\n]*?(?<!\\)\|[^`\n]*?`")


def split_cells(line: str) -> list[str]:
    """The cells of a table row as GFM splits it (unescaped pipes, outer pipes trimmed)."""
    body = line.strip()
    while body.startswith(">"):
        body = body[1:].strip()
    body = body.removeprefix("|")
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [cell.strip() for cell in UNESCAPED_PIPE.split(body)]


RULES.declare(
    "table-delimiter-mismatch",
    "warning",
    "a delimiter row that does not match its header: not a table",
    "`| a | b |` `| --- |`",
    trigger="| a | b |\n| --- |\n",
)


@RULES.on_token("paragraph_open")
def delimiter_mismatch(lint: TokenLint, token: Token, parent: Any, siblings: list[Any]) -> None:
    """A table-like block whose delimiter row does not match its header is not a GFM table."""
    if token.map is None:
        return
    source = lint.ctx.source
    lines = source.lines
    for index in range(token.map[0] + 1, min(token.map[1], len(lines))):
        line = lines[index]
        if "-" not in line or not _DELIMITER_ROW.match(line) or "|" not in lines[index - 1]:
            continue
        header, delimiter = len(split_cells(lines[index - 1])), len(split_cells(line))
        if header != delimiter or "|" in line:
            lint.report(
                source.line_point(index, line.strip()[:1] or None),
                "table-delimiter-mismatch",
                f"the delimiter row has {delimiter} cell(s) but the header row has {header}: "
                "this is not a table (GFM), though the site's current renderer shows one; "
                "give the delimiter row one cell per column",
            )


@RULES.on_token("table_open")
def header_columns(lint: TokenLint, token: Token, parent: Any, siblings: list[Any]) -> None:
    """Count the header's cells, for :func:`extra_cells` (reports nothing itself)."""
    lines = lint.ctx.source.lines
    first = token.map[0] if token.map else len(lines)
    lint.table_columns = len(split_cells(lines[first])) if first < len(lines) else 0


RULES.declare(
    "table-lazy-row",
    "warning",
    "a line without `|` right after a table is a table row (GFM)",
    "text under a table",
    trigger="| a | b |\n| --- | --- |\n| 1 | 2 |\ntext\n",
)


@RULES.on_token("tr_open")
def lazy_row(lint: TokenLint, token: Token, parent: Any, siblings: list[Any]) -> None:
    index, line = _row_line(lint, token)
    if index >= 0 and "|" not in line:
        lint.report(
            lint.ctx.source.line_point(index, line.strip()[:20] or None),
            "table-lazy-row",
            "this line has no '|' but directly follows a table: GFM reads it as a table row "
            "(an editor table ignores it), the site's current renderer as a paragraph; "
            "put a blank line before it",
        )


RULES.declare(
    "table-extra-cells",
    "warning",
    "a table row with more cells than its header: GFM drops them",
    "`| a |` then `| 1 | 2 |`",
    trigger="| a |\n| --- |\n| 1 | 2 |\n",
)


@RULES.on_token("tr_open")
def extra_cells(lint: TokenLint, token: Token, parent: Any, siblings: list[Any]) -> None:
    index, line = _row_line(lint, token)
    if "|" not in line:
        return
    cells, columns = split_cells(line), lint.table_columns
    if columns and len(cells) > columns:
        dropped = " | ".join(cells[columns:])
        lint.report(
            lint.ctx.source.line_point(index, dropped[:20] or None),
            "table-extra-cells",
            f"this row has {len(cells)} cells but the header {columns}: GFM drops "
            f"the extra ones ({dropped[:60]!r})",
        )


RULES.declare(
    "table-pipe-in-code",
    "warning",
    "a `|` inside a code span splits a table cell (GFM)",
    "`` `a|b` `` in a table cell",
    trigger="| a | b |\n| --- | --- |\n| `x|y` | 2 |\n",
)


@RULES.on_token("tr_open")
def pipe_in_code(lint: TokenLint, token: Token, parent: Any, siblings: list[Any]) -> None:
    index, match = _pipe_in(lint, token, _PIPE_IN_CODE, "`")
    if match:
        lint.report(
            lint.ctx.source.line_point(index, match.group()),
            "table-pipe-in-code",
            "a '|' inside a code span splits the table cell (GFM); escape it as '\\|'",
        )


RULES.declare(
    "table-pipe-in-component",
    "warning",
    "a `|` inside a component tag splits a table cell (GFM)",
    '`<Button href="/a|b">` in a cell',
    trigger='| a | b |\n| --- | --- |\n| <Button href="/a|b">x</Button> | 2 |\n',
)


@RULES.on_token("tr_open")
def pipe_in_component(lint: TokenLint, token: Token, parent: Any, siblings: list[Any]) -> None:
    index, match = _pipe_in(lint, token, _PIPE_IN_TAG, "<")
    if match:
        lint.report(
            lint.ctx.source.line_point(index, match.group()[:20]),
            "table-pipe-in-component",
            "a '|' inside a component tag splits the table cell and breaks the tag; escape it as '\\|'",
        )


def _row_line(lint: TokenLint, token: Token) -> tuple[int, str]:
    """The body line of a table row and its text ("" when it has none)."""
    lines = lint.ctx.source.lines
    if token.map is None or token.map[0] >= len(lines):
        return -1, ""
    return token.map[0], lines[token.map[0]]


def _pipe_in(
    lint: TokenLint, token: Token, pattern: re.Pattern[str], opening: str
) -> tuple[int, re.Match[str] | None]:
    """The body line of a table row and the first construct of ``pattern`` (which starts with
    ``opening``) holding a cell-splitting ``|`` there."""
    index, line = _row_line(lint, token)
    return index, pattern.search(line) if "|" in line and opening in line else None
