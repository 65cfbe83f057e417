"""Responses kept for queries seen before, bounded in bytes (keys included), least recently used out.

Two live in a :class:`.snapshot.Snapshot`: the per-query cache (``QUERY_CACHE_BYTES``), keyed by the
normalized query, and the edge memo (``EDGE_CACHE_BYTES``), keyed by the exact path and query a
client sent, so that the edge answers the same request again without a handler. A bound in entries
would not do: the size of an entry is the client's to choose (a 60 KB query string was kept whole,
in its key and in its response's links).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from .prepared import Prepared

#: What an entry costs beyond its key and body: the Prepared object, its headers, the dict slot.
ENTRY_OVERHEAD = 400


def footprint(key: str, prepared: Prepared) -> int:
    """The bytes an entry may come to hold: its key, its body and room for its gzip and br forms.

    The compressed forms of a per-query response are made when a client first asks for them, after
    the entry is counted, so they are counted ahead, each as large as the body (an upper bound).
    """
    forms = 3 if prepared.compressible else 1
    return len(key.encode("utf-8", "surrogatepass")) + ENTRY_OVERHEAD + len(prepared.body) * forms


class ResponseCache:
    """Prepared responses by key; the least recently used go once the entries exceed ``limit`` bytes.

    An entry larger than a quarter of the limit is not kept (it would push out many others). The
    handlers and the edge may run on different threads (a search runs in one): a lock guards the
    order and the count.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._items: OrderedDict[str, tuple[Prepared, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: str) -> Prepared | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            self._items.move_to_end(key)
            return found[0]

    def put(self, key: str, prepared: Prepared) -> None:
        cost = footprint(key, prepared)
        if cost * 4 > self.limit:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self._items[key] = (prepared, cost)
            self.size += cost
            while self.size > self.limit:
                _, (_, dropped) = self._items.popitem(last=False)
                self.size -= dropped

    def cached(self, key: str, build: Callable[[], Prepared]) -> Prepared:
        """The response kept for ``key``, else ``build()``'s, kept."""
        found = self.get(key)
        if found is None:
            found = build()
            self.put(key, found)
        return found
