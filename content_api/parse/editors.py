"""Editor tables: a GFM table whose first header cell is ``Éditeur(s)`` -> typed ``EditorRow``s.

Columns are matched by header, accent- and case-insensitively (contract section 5); other
columns go to ``extra`` under their header text. A row whose editor cell is empty or a
placeholder (``xx``) is skipped with a warning; an empty cell in a known column is reported.
The ``Date`` cell is also read as ``available`` and ``planned`` (:mod:`.editor_dates`); a planned
date whose period is over, and a row repeated in its table (same editor and solution), are
reported.
"""

from __future__ import annotations

import re
from typing import Any

from .. import model as m
from ..ids import strip_accents
from ..lint import editors as rules
from ..plain_text import render_text
from .context import Context
from .editor_dates import parse_editor_date

_COLUMNS = {
    "editeur": "editor",
    "editeurs": "editor",
    "editeur(s)": "editor",
    "nom de la solution": "solution",
    "solution logicielle": "solution",
    "solutions logicielles": "solution",
    "solution": "solution",
    "solutions": "solution",
    "date": "date",
    "lien vers la demande": "request_url",
    "demande": "request_url",
}
_PLACEHOLDER = re.compile(r"^(?:x+|-+|\.+|…|\?+|n/?a|tbd|todo|a completer)$")


def _key(text: str) -> str:
    return " ".join(strip_accents(text).lower().replace("*", " ").split()).rstrip(" :")


def _cell_text(cell: Any) -> str:
    return " ".join(render_text(m.Paragraph(children=getattr(cell, "children", []))).split())


def is_editor_header(row: Any) -> bool:
    cells: list[Any] = getattr(row, "children", None) or []
    return bool(cells) and _COLUMNS.get(_key(_cell_text(cells[0]))) == "editor"


def _first_url(nodes: list[Any]) -> str | None:
    """The target of the first link, ``External`` or ``Button`` among ``nodes`` (depth first)."""
    for node in nodes:
        if isinstance(node, m.Link) and node.url:
            return node.url
        if isinstance(node, (m.External, m.Button)) and node.href:
            return node.href
        found = _first_url(getattr(node, "children", []))
        if found:
            return found
    return None


def _read_cells(
    cells: list[Any], columns: list[str | None], headers: list[str], ctx: Context, line: int, editor: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """The known columns of a row (``solution``, ``date``...) and its other cells (``extra``)."""
    values: dict[str, Any] = {"solution": None, "solution_url": None, "date": None, "request_url": None}
    extra: dict[str, str] = {}
    for index, cell in enumerate(cells[1:], start=1):
        column = columns[index] if index < len(columns) else None
        text = _cell_text(cell)
        if column in ("solution", "date", "request_url") and not text:
            rules.cell_empty(ctx, line, editor, headers[index])
        if column == "solution":
            values["solution"] = text or None
            values["solution_url"] = _first_url(cell.children)
        elif column == "date":
            values["date"] = text or None
        elif column == "request_url":
            values["request_url"] = _first_url(cell.children)
        elif text:
            extra[headers[index] or f"column {index + 1}"] = text
    return values, extra


def _same_row_key(editor: str, solution: str | None) -> str:
    """Editor and solution as compared to find a row written twice (case, accents, spaces aside)."""
    return " ".join(strip_accents(f"{editor} | {solution or ''}").casefold().split())


def editor_table(table: m.Table, ctx: Context, slug: str | None, apis: list[m.Api]) -> m.EditorTable:
    rows: list[Any] = list(table.children)
    header = rows.pop(0)
    headers = [_cell_text(cell) for cell in header.children]
    columns = [_COLUMNS.get(_key(text)) for text in headers]
    editors = []
    seen: dict[str, int] = {}  # row key -> line of its first row
    for row in rows:
        line = row.position.start.line if row.position else ctx.source.first_line + 1
        index, lines = line - ctx.source.first_line - 1, ctx.source.lines
        source = lines[index] if 0 <= index < len(lines) else "|"
        if "|" not in source:
            continue  # a paragraph line GFM glued to the table: reported as table-lazy-row
        cells = row.children
        editor = _cell_text(cells[0]) if cells else ""
        if not editor or _PLACEHOLDER.match(_key(editor)):
            rules.row_skipped(ctx, line, editor)
            continue
        values, extra = _read_cells(cells, columns, headers, ctx, line, editor)
        when = parse_editor_date(values["date"])
        if when.planned and when.until:
            rules.date_past(ctx, line, editor, values["date"], when.until)
        key = _same_row_key(editor, values["solution"])
        if key in seen:
            rules.row_duplicate(ctx, line, editor, values["solution"], seen[key])
        seen.setdefault(key, line)
        row_values = {**values, "available": when.available, "planned": when.planned}
        editors.append(m.EditorRow(editor=editor, guide=slug, apis=list(apis), extra=extra, **row_values))
    return m.EditorTable(align=table.align, children=table.children, editors=editors, position=table.position)
