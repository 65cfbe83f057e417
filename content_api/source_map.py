"""The one map from offsets in a text to its file's lines and columns, and where diagnostics go.

Every caller that turns an offset into a file position (the parser, the front matter, the ignore
comments, the library, the links between guides) uses :class:`SourceMap`; every stage that
reports a diagnostic reports to a :class:`Reporter` (the parser's context is one).
:func:`display_path` writes a file name that may not be UTF-8 as text that always encodes.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from typing import Generic, Protocol, TypeVar

_Text = TypeVar("_Text", str, bytes)


class SourceMap(Generic[_Text]):
    """Where an offset of ``text`` is in its file: 1-based (line, column), columns in characters.

    ``text`` may be a part of a file (a guide's body): ``first_line`` is the 0-based file line it
    starts on. Line starts are found once, on first use, and each offset is placed by bisection.
    ``text`` may be bytes (a file as read): columns then count the characters of the line's
    decoded start, invalid bytes counting as one character each.
    """

    __slots__ = ("_lines", "_starts", "first_line", "text")

    def __init__(self, text: _Text, first_line: int = 0) -> None:
        self.text: _Text = text
        self.first_line = first_line
        self._starts: list[int] | None = None
        self._lines: list[_Text] | None = None

    @property
    def lines(self) -> list[_Text]:
        """The lines of ``text``, without their line terminators."""
        if self._lines is None:
            self._lines = self.text.split(b"\n" if isinstance(self.text, bytes) else "\n")
        return self._lines

    @property
    def starts(self) -> list[int]:
        """The offset where each line of ``text`` starts."""
        if self._starts is None:
            newline = b"\n" if isinstance(self.text, bytes) else "\n"
            starts = [0]
            find = self.text.find
            pos = find(newline)
            while pos >= 0:
                starts.append(pos + 1)
                pos = find(newline, pos + 1)
            self._starts = starts
        return self._starts

    def line_index(self, offset: int) -> int:
        """The 0-based line of ``text`` that holds ``offset``."""
        return bisect_right(self.starts, offset) - 1

    def point(self, offset: int) -> tuple[int, int]:
        """File (line, column) of ``offset`` in ``text``."""
        index = self.line_index(offset)
        head = self.text[self.starts[index] : offset]
        column = len(head.decode("utf-8", "replace")) if isinstance(head, bytes) else len(head)
        return self.first_line + index + 1, column + 1

    def line_point(self, index: int, needle: _Text | None = None) -> tuple[int, int]:
        """File (line, column) of line ``index`` (0-based) of ``text``, at ``needle`` when found there."""
        column = 1
        if needle and 0 <= index < len(self.lines):
            found = self.lines[index].find(needle)
            if found >= 0:
                column = found + 1
        return self.first_line + index + 1, column


class Reporter(Protocol):
    """Where the diagnostics of one file go, with the map of the text being read."""

    @property
    def source(self) -> SourceMap[str]: ...

    def add(self, line: int, column: int, code: str, message: str) -> None:
        """Record a diagnostic of ``code`` at file ``line``, ``column``."""


def display_path(path: str | os.PathLike[str]) -> str:
    """A path as text that can always be encoded: bytes that are not UTF-8 in a file name (which
    Python keeps as lone surrogates) are shown as ``\\xNN`` escapes."""
    text = os.fspath(path)
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
