"""A guide's source: bytes -> text (encodings, byte-order marks and line endings, reported
rather than fatal), and the one map from offsets in a text to the file's lines and columns.
"""

from __future__ import annotations

import codecs
from bisect import bisect_right
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from .context import Context

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


#: How many undecodable byte sequences are reported one by one before a summary.
MAX_ENCODING_REPORTS = 3


def decode(raw: str | bytes, ctx: Context) -> str | None:
    """The text of a guide: UTF-8 (BOM stripped), UTF-16 with a BOM, LF line endings.

    A binary file (NUL bytes) gives an error and None. Invalid UTF-8 is replaced by U+FFFD,
    each place reported with its line and column, so the rest of the guide is kept.
    """
    if isinstance(raw, bytes):
        text = _decode_bytes(raw, ctx)
        if text is None:
            return None
    else:
        text = raw
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _decode_bytes(raw: bytes, ctx: Context) -> str | None:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            ctx.add(1, 1, "encoding-unreadable", f"the file has a UTF-16 byte-order mark but {exc.reason}")
            return None
        ctx.add(1, 1, "encoding-utf16", "the file is UTF-16: save it as UTF-8")
        return text
    if b"\x00" in raw[:8192]:
        line = SourceMap(raw[:8192]).point(raw.index(b"\x00"))[0]
        ctx.add(line, 1, "file-binary", "the file is binary (it contains NUL bytes), not Markdown")
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    position = 0
    where = SourceMap(raw)
    for _ in range(MAX_ENCODING_REPORTS):
        try:
            raw[position:].decode("utf-8")
            break
        except UnicodeDecodeError as exc:
            bad = position + exc.start
            line, column = where.point(bad)
            ctx.add(
                line,
                column,
                "encoding-invalid",
                f"invalid UTF-8 (byte 0x{raw[bad]:02x}): replaced by U+FFFD",
            )
            position += exc.end
    else:
        try:
            raw[position:].decode("utf-8")
        except UnicodeDecodeError:
            ctx.add(1, 1, "encoding-invalid", "more invalid UTF-8 follows, replaced by U+FFFD")
    return raw.decode("utf-8", errors="replace")
