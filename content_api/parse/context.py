"""What every parse stage shares: the file name, line offsets and the diagnostics found so far."""

from __future__ import annotations

from ..diagnostics import diagnostic
from ..model import Diagnostic

#: Diagnostics of one code listed per file; past it they are counted (a file of 20,000 unknown
#: components says so in 500 lines and a count, not 20,000).
MAX_PER_CODE = 500


class Context:
    """Collects diagnostics for one file; positions are 1-based lines and columns of the file."""

    __slots__ = ("_seen", "body_line", "diagnostics", "file", "lines")

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.diagnostics: list[Diagnostic] = []
        self._seen: set[tuple[int, int, str, str]] = set()
        #: 0-based index of the file line where the Markdown body starts.
        self.body_line = 0
        #: the body's lines (no line terminators), for columns and raw-text checks.
        self.lines: list[str] = []

    def add(self, line: int, column: int, code: str, message: str) -> None:
        """Record a diagnostic once (the same message at the same place is reported once).

        Its severity is the code's, from :data:`content_api.diagnostics.RULES`.
        """
        key = (line, column, code, message)
        if key in self._seen:
            return
        self._seen.add(key)
        self.diagnostics.append(diagnostic(self.file, code, message, line, column))

    def summarize(self) -> None:
        """Keep the first ``MAX_PER_CODE`` diagnostics of each code (in file order), and say how many
        more there were in one more diagnostic (made after the ignore comments are applied)."""
        self.diagnostics.sort(key=lambda d: (d.line, d.column))
        kept: list[Diagnostic] = []
        counts: dict[str, int] = {}
        first_left_out: dict[str, Diagnostic] = {}
        for found in self.diagnostics:
            count = counts[found.code] = counts.get(found.code, 0) + 1
            if count <= MAX_PER_CODE:
                kept.append(found)
            else:
                first_left_out.setdefault(found.code, found)
        for code, first in first_left_out.items():
            more = counts[code] - MAX_PER_CODE
            message = f"{more} more of these ({code}) in this file, not listed: fix the ones above first"
            kept.append(diagnostic(self.file, code, message, first.line, first.column))
        self.diagnostics = kept

    def body_point(self, body_line: int, needle: str | None = None) -> tuple[int, int]:
        """File (line, column) of body line ``body_line`` (0-based), at ``needle`` when found there."""
        column = 1
        if needle and 0 <= body_line < len(self.lines):
            found = self.lines[body_line].find(needle)
            if found >= 0:
                column = found + 1
        return self.body_line + body_line + 1, column
