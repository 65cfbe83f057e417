"""Editor tables (the software vendors a guide lists, see parse/editors.py): rows that cannot be
read, cells left empty, tables without a row, planned dates gone by, rows written twice.
parse/editors.py calls these as it reads a table."""

from __future__ import annotations

from datetime import UTC, date, datetime

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


def today() -> date:
    """Today's date (UTC), for ``editor-date-past``: tests replace this function to fix the day."""
    return datetime.now(UTC).date()


RULES.declare(
    "editor-date-past",
    "warning",
    "an editor row's date is still planned, but its period is over",
    "`| Up | Solution | prévu T1 2020 |`",
    trigger="| Éditeur | Solution | Date |\n| --- | --- | --- |\n| Up | Solution | prévu T1 2020 |\n",
)


def date_past(ctx: Reporter, line: int, editor: str, text: str, until: str) -> None:
    """A planned date (``text``) whose last month (``until``, ``YYYY-MM-01``) is before this month's."""
    now = today()
    if until < f"{now.year:04d}-{now.month:02d}-01":
        message = f"editor {editor!r}: the date {text!r} is planned but over (before {now:%Y-%m}): update it"
        ctx.add(line, 1, "editor-date-past", message)


RULES.declare(
    "editor-row-duplicate",
    "warning",
    "an editor (with the same solution) listed twice in one editor table",
    "`| Up | Solution |` twice",
    trigger=_TABLE + "| Up | Solution |\n| UP | solution |\n",
)


def row_duplicate(ctx: Reporter, line: int, editor: str, solution: str | None, first: int) -> None:
    """The row on ``line`` repeats the one on ``first`` (same editor and solution, case and accents aside)."""
    what = f"editor {editor!r}" + (f" with solution {solution!r}" if solution else "")
    ctx.add(line, 1, "editor-row-duplicate", f"{what} is already listed on line {first} of this table")
