"""The section records of the served guides, encoded and kept compressed guide by guide.

/search/records serves every record of every searchable guide: about 6 KB of JSON a guide, the
largest thing a snapshot held (600 MB at 100,000 guides, each record its own bytes object). A
:class:`RecordStore` keeps each guide's records as one :data:`RecordBlock`: their JSON joined by
newlines (which JSON never holds raw), zlib-compressed (a quarter of the size). A page of records
inflates the blocks it spans (a few tens of µs a guide: 10 to 20 guides for a page of 100) when it
is built; a built page is kept like any query's answer (the snapshot's cache and the edge's memo),
and the first page and every record as JSON Lines are prepared at load (``web/records.py``).
"""

from __future__ import annotations

import zlib
from array import array
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from typing import overload

#: A guide's records: how many, and their JSON joined by newlines, compressed (zlib).
RecordBlock = tuple[int, bytes]
#: zlib's level for the blocks: 6 (its default) makes them 3 % smaller than 1 at 1.5 x the time.
LEVEL = 6


def pack(records: list[bytes]) -> RecordBlock:
    """The block of one guide's encoded records."""
    return len(records), zlib.compress(b"\n".join(records), LEVEL)


def unpack(block: RecordBlock) -> list[bytes]:
    """The encoded records of a block."""
    count, data = block
    return zlib.decompress(data).split(b"\n") if count else []


class RecordStore(Sequence[bytes]):
    """The records of the searchable guides in order, as a sequence of their JSON (each a
    /search/records item), kept as one compressed block a guide."""

    __slots__ = ("_blocks", "_ends", "_positions")

    def __init__(self) -> None:
        self._blocks: list[RecordBlock] = []
        #: the number of records in the blocks up to and with each block
        self._ends = array("q")
        #: each block's guide: its position in ``catalog.entries``
        self._positions = array("q")

    def append(self, position: int, block: RecordBlock) -> None:
        """Add the records of the guide at ``position`` (in ``catalog.entries``), after the others."""
        self._blocks.append(block)
        self._ends.append(len(self) + block[0])
        self._positions.append(position)

    def positions(self) -> Sequence[int]:
        """The position of each block's guide, in order."""
        return self._positions

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def window(self, start: int, stop: int) -> tuple[list[bytes], list[int]]:
        """The records from ``start`` to ``stop`` (clipped), and the positions of their guides."""
        start, stop = max(0, start), min(stop, len(self))
        records: list[bytes] = []
        guides: list[int] = []
        block = bisect_right(self._ends, start)
        while start < stop:
            first = self._ends[block] - self._blocks[block][0]  # the block's first record
            taken = unpack(self._blocks[block])[start - first : stop - first]
            records += taken
            guides += [self._positions[block]] * len(taken)
            start += len(taken)
            block += 1
        return records, guides

    @overload
    def __getitem__(self, index: int) -> bytes: ...

    @overload
    def __getitem__(self, index: slice) -> list[bytes]: ...

    def __getitem__(self, index: int | slice) -> bytes | list[bytes]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return list(self)[index]
            return self.window(start, stop)[0]
        if not -len(self) <= index < len(self):
            raise IndexError("record index out of range")
        index %= len(self)
        return self.window(index, index + 1)[0][0]

    def __iter__(self) -> Iterator[bytes]:
        for block in self._blocks:
            yield from unpack(block)

    def ndjson(self) -> bytes:
        """Every record, each a line (JSON Lines)."""
        return b"".join(zlib.decompress(data) + b"\n" for count, data in self._blocks if count)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RecordStore):
            return NotImplemented
        return list(self._positions) == list(other._positions) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]
