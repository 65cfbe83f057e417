"""What every parse stage shares: the file name, line offsets and the diagnostics found so far."""

from __future__ import annotations

from ..diagnostics import diagnostic
from ..model import Diagnostic

#: Diagnostics of one code kept per file; past it they are counted (a file of 100,000 unknown
#: components says so in one line, not 100,000).
MAX_PER_CODE = 500


class Context:
    """Collects diagnostics for one file; positions are 1-based lines and columns of the file."""

    __slots__ = ("_counts", "_first_left_out", "_seen", "body_line", "diagnostics", "file", "lines")

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.diagnostics: list[Diagnostic] = []
        self._seen: set[tuple[int, int, str, str]] = set()
        self._counts: dict[str, int] = {}
        self._first_left_out: dict[str, tuple[int, int]] = {}
        #: 0-based index of the file line where the Markdown body starts.
        self.body_line = 0
        #: the body's lines (no line terminators), for columns and raw-text checks.
        self.lines: list[str] = []

    def add(self, line: int, column: int, code: str, message: str) -> None:
        """Record a diagnostic once (the same message at the same place is reported once).

        Its severity is the code's, from :data:`content_api.diagnostics.RULES`. Past
        ``MAX_PER_CODE`` of one code, they are counted, not kept (see :meth:`summarize`).
        """
        key = (line, column, code, message)
        if key in self._seen:
            return
        count = self._counts[code] = self._counts.get(code, 0) + 1
        if count > MAX_PER_CODE:
            self._first_left_out.setdefault(code, (line, column))
            return
        self._seen.add(key)
        self.diagnostics.append(diagnostic(self.file, code, message, line, column))

    def full(self, code: str) -> bool:
        """True when more diagnostics of ``code`` would only be counted (no need to place them)."""
        return self._counts.get(code, 0) >= MAX_PER_CODE

    def summarize(self) -> None:
        """One more diagnostic per code that had more than ``MAX_PER_CODE``: how many were left out."""
        for code, (line, column) in self._first_left_out.items():
            more = self._counts[code] - MAX_PER_CODE
            message = f"{more} more of these ({code}) in this file, not listed: fix the ones above first"
            self.diagnostics.append(diagnostic(self.file, code, message, line, column))

    def body_point(self, body_line: int, needle: str | None = None) -> tuple[int, int]:
        """File (line, column) of body line ``body_line`` (0-based), at ``needle`` when found there."""
        column = 1
        if needle and 0 <= body_line < len(self.lines):
            found = self.lines[body_line].find(needle)
            if found >= 0:
                column = found + 1
        return self.body_line + body_line + 1, column
