"""A guide's source: bytes -> text (encodings, byte-order marks and line endings, reported
rather than fatal). The map from offsets to the file's lines and columns is
:class:`content_api.source_map.SourceMap`.
"""

from __future__ import annotations

import codecs

from ..source_map import Reporter, SourceMap

__all__ = ["SourceMap", "decode"]

#: How many undecodable byte sequences are reported one by one before a summary.
MAX_ENCODING_REPORTS = 3


def decode(raw: str | bytes, ctx: Reporter) -> str | None:
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


def _decode_bytes(raw: bytes, ctx: Reporter) -> str | None:
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
