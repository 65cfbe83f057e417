"""What every parse stage shares: the file name, the body's source map and the diagnostics found so far."""

from __future__ import annotations

from ..diagnostics import diagnostic
from ..model import Diagnostic
from ..source_map import SourceMap

#: Diagnostics of one code listed per file; past it they are counted (a file of 20,000 unknown
#: components says so in 500 lines and a count, not 20,000).
MAX_PER_CODE = 500


class Context:
    """Collects diagnostics for one file; positions are 1-based lines and columns of the file."""

    __slots__ = ("_seen", "diagnostics", "file", "source")

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.diagnostics: list[Diagnostic] = []
        self._seen: set[tuple[int, int, str, str]] = set()
        #: the Markdown body (its lines, for columns and raw-text checks) and where it is in the file
        self.source = SourceMap("")

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
