"""Editor rows as CSV, for the people who keep vendor lists in spreadsheets.

The format (documented in the README, "Editors as CSV"):

* UTF-8 with a byte order mark (Excel reads UTF-8 as such only with one), ``;`` between cells
  (what Excel in French opens in columns on a double click; a ``,`` is a decimal separator
  there), CRLF line ends and ``"`` quoting as RFC 4180 says;
* a header line, then one line per row, in the JSON's order: :data:`COLUMNS`, then one column
  per ``extra`` header met in these rows, in alphabetical order (accents and case aside), named
  by the header text (``extra.`` + the text when it is one of :data:`COLUMNS`);
* ``planned`` is ``true`` or ``false``, a null is an empty cell, ``apis`` the API names joined
  by ``" | "``;
* a cell that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a
  tab or a carriage return) gets a leading ``'`` (OWASP, "CSV injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from .. import model as m
from ..ids import strip_accents

CSV = "text/csv"
COLUMNS = (
    "editor",
    "solution",
    "solution_url",
    "date",
    "available",
    "planned",
    "request_url",
    "guide",
    "apis",
)
APIS_SEPARATOR = " | "
BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

DESCRIPTION = (
    "The rows /editors gives for the same parameters (`api`, `guide`, `q`, `page`, `per_page`), as CSV "
    "for spreadsheets: UTF-8 with a byte order mark, `;` between cells, CRLF line ends, a header line. "
    "Columns: " + ", ".join(f"`{name}`" for name in COLUMNS) + ", then one per `extra` header of these "
    "rows (alphabetical). `planned` is `true`/`false`, a null an empty cell, `apis` the API names "
    "joined by ` | `. A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a "
    "leading `'`, so that no spreadsheet runs it as a formula."
)


def neutralize(cell: str) -> str:
    """``cell`` as a spreadsheet shows it as text: a leading ``'`` before what starts a formula."""
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def extra_columns(rows: Iterable[m.EditorRow]) -> list[str]:
    """Every ``extra`` header of ``rows``, once, in alphabetical order (accents and case aside)."""
    headers = {header for row in rows for header in row.extra}
    return sorted(headers, key=lambda header: (strip_accents(header).casefold(), header))


def _cells(row: m.EditorRow, extras: list[str]) -> list[str]:
    fixed = [
        row.editor,
        row.solution or "",
        row.solution_url or "",
        row.date or "",
        row.available or "",
        "true" if row.planned else "false",
        row.request_url or "",
        row.guide or "",
        APIS_SEPARATOR.join(api.name for api in row.apis),
    ]
    return [neutralize(cell) for cell in fixed + [row.extra.get(header, "") for header in extras]]


def editors_csv(rows: list[m.EditorRow]) -> bytes:
    """The CSV of ``rows`` (see the module's doc), as UTF-8 bytes with a BOM."""
    extras = extra_columns(rows)
    names = [f"extra.{header}" if header in COLUMNS else header for header in extras]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralize(name) for name in (*COLUMNS, *names)])
    writer.writerows(_cells(row, extras) for row in rows)
    return (BOM + out.getvalue()).encode("utf-8")
