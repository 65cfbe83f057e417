"""A search's result kept once computed: its matches as a bitmap and its best guides in order.

FTS5 ranks a query by scoring (bm25) every row that matches it before ``LIMIT`` applies, and
counts the matches by walking them all: a word most guides hold costs time in proportion to the
corpus (69 ms at 100,000 guides). A :class:`Ranked` is FTS5's own answer for one query, taken
once: the first :data:`TOP` guides in FTS5's order (so the first pages are FTS5's, ties
included: rank, then rowid), the number of matches, and, once a filter or a sort asks for them,
every match as one bit a guide (12.5 KB at 100,000 guides), from which the filtered totals and the
other sort orders follow without FTS5.
:class:`RankedCache` keeps the most recently used ones (and :meth:`.SearchIndex.warm` fills it
with the most frequent words once the index is built).
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Collection, Iterable, Iterator

#: How many of a query's best guides are kept in order: three pages of the largest ``per_page``.
TOP = 300
#: How many queries' results the cache keeps (at 100,000 guides about 14 KB each: 7 MB).
CACHE_ENTRIES = 512


class Ranked(Collection[int]):
    """The matches of one query (a :class:`Collection` of guide positions) and its best in order."""

    __slots__ = ("bits", "terms", "top", "total")

    def __init__(self, top: Iterable[int], total: int) -> None:
        """``top``: the first :data:`TOP` positions in rank order, of ``total`` matches."""
        self.top = array("I", top)
        self.total = total
        self.bits: bytes | None = None  # until :meth:`set_matches`
        #: for a one-word query (``"word"*``), the terms it stands for, when few (else None)
        self.terms: tuple[str, ...] | None = None

    @classmethod
    def of_bytes(cls, top: bytes, total: int) -> Ranked:
        """A result kept as bytes (``top.tobytes()``); ValueError if they cannot be one."""
        if not isinstance(total, int) or total < 0:
            raise ValueError(f"not a number of matches: {total!r}")
        positions = array("I")
        positions.frombytes(top)  # ValueError unless whole uint32s; TypeError unless bytes
        if len(positions) > total:
            raise ValueError("more best than matches")
        return cls(positions, total)

    def set_matches(self, bytes_rows: Iterable[tuple[int, int]], size: int) -> None:
        """Every match: (byte, bits) of a bitmap of ``size`` positions, position ``p`` being bit
        ``p & 7`` of byte ``p >> 3``."""
        bits = bytearray((size + 7) >> 3)
        for index, value in bytes_rows:
            bits[index] = value
        self.bits = bytes(bits)
        self.total = int.from_bytes(self.bits, "little").bit_count()

    @property
    def _bits(self) -> bytes:
        if self.bits is None:
            raise LookupError("the matches were not kept (SearchIndex.matches(every=True) keeps them)")
        return self.bits

    def __contains__(self, position: object) -> bool:
        bits = self._bits
        if not isinstance(position, int) or not 0 <= position < len(bits) * 8:
            return False
        return bool(bits[position >> 3] >> (position & 7) & 1)

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[int]:
        for index, value in enumerate(self._bits):
            while value:
                low = value & -value
                yield (index << 3) + low.bit_length() - 1
                value ^= low

    @property
    def complete(self) -> bool:
        """Whether :attr:`top` holds every match (then any page of any filter can be cut from it)."""
        return len(self.top) == self.total

    def among(self, selected: Collection[int] | None) -> Collection[int]:
        """The matches within ``selected`` (None: all of them)."""
        if selected is None:
            return self
        if len(selected) > self.total:
            return frozenset(i for i in self if i in selected)
        return frozenset(i for i in selected if i in self)

    def best(self, selected: Collection[int] | None, start: int, count: int) -> list[int] | None:
        """Ranks ``start`` to ``start + count`` of the matches within ``selected``, from
        :attr:`top`; None when :attr:`top` ends before that page is full and other matches exist."""
        page: list[int] = []
        seen = 0
        for position in self.top:
            if selected is None or position in selected:
                if seen >= start:
                    page.append(position)
                    if len(page) == count:
                        return page
                seen += 1
        return page if self.complete else None

    def nbytes(self) -> int:
        """The memory the result holds (its arrays, not the object headers)."""
        return len(self.bits or b"") + self.top.itemsize * len(self.top)


class RankedCache:
    """The :class:`Ranked` of the :data:`CACHE_ENTRIES` most recently used queries.

    Not thread-safe: the search index uses it under its lock.
    """

    def __init__(self, entries: int = CACHE_ENTRIES) -> None:
        self.entries = entries
        self._found: OrderedDict[str, Ranked] = OrderedDict()

    def get(self, key: str) -> Ranked | None:
        found = self._found.get(key)
        if found is not None:
            self._found.move_to_end(key)
        return found

    def put(self, key: str, found: Ranked) -> None:
        self._found[key] = found
        self._found.move_to_end(key)
        while len(self._found) > self.entries:
            self._found.popitem(last=False)

    def __contains__(self, key: str) -> bool:
        return key in self._found

    def __len__(self) -> int:
        return len(self._found)

    def nbytes(self) -> int:
        return sum(found.nbytes() for found in self._found.values())
