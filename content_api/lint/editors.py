"""Editor tables (the software vendors a guide lists, see parse/editors.py): rows that cannot be
read, cells left empty, tables without a row. parse/editors.py calls these as it reads a table."""

from __future__ import annotations

from ..source_map import Reporter
from .registry import Rules

RULES = Rules("editors")

_TABLE = "| Éditeur | Solution |\n| --- | --- |\n"

RULES.declare(
    "editor-row-skipped",
    "warning",
    "an editor row whose editor cell is empty or a placeholder",
    "`| — | Solution |`",
    trigger=_TABLE + "| Up | Solution |\n| xx | Solution |\n",
)


def row_skipped(ctx: Reporter, line: int, editor: str) -> None:
    what = "empty" if not editor else f"a placeholder ({editor!r})"
    ctx.add(line, 1, "editor-row-skipped", f"editor row skipped: its editor cell is {what}")


RULES.declare(
    "editor-cell-empty",
    "warning",
    "an empty solution, date or request cell in an editor row",
    "`| Up |  |`",
    trigger=_TABLE + "| Up |  |\n",
)


def cell_empty(ctx: Reporter, line: int, editor: str, header: str) -> None:
    ctx.add(line, 1, "editor-cell-empty", f"editor {editor!r}: the {header!r} cell is empty")


RULES.declare(
    "editor-table-empty",
    "warning",
    "an editor table with no editor",
    "an `Éditeur` table, no row",
    trigger=_TABLE,
)


def table_empty(ctx: Reporter, body_line: int) -> None:
    """An editor table (starting on body line ``body_line``, 0-based) that lists no editor."""
    ctx.add(*ctx.source.line_point(body_line), "editor-table-empty", "this editor table lists no editor")
