"""The records kept compressed guide by guide: every window, index and join as from a flat list."""

from __future__ import annotations

import pytest

from content_api.web.prepared import Compressor, Prepared
from content_api.web.record_store import RecordStore, pack, unpack


def _store() -> tuple[RecordStore, list[bytes], list[int]]:
    """A store of guides with 3, 1, 4 and 2 records (positions 0, 2, 5, 6), and the flat lists."""
    store, flat, guides = RecordStore(), [], []
    for position, count in ((0, 3), (2, 1), (5, 4), (6, 2)):
        records = [
            b'{"objectID":"g%d#%d","content":"\\u00e9t\\u00e9 %d"}' % (position, n, n) for n in range(count)
        ]
        store.append(position, pack(records))
        flat += records
        guides += [position] * count
    return store, flat, guides


def test_windows_and_indexes_are_those_of_the_flat_list() -> None:
    store, flat, guides = _store()
    assert len(store) == len(flat) == 10 and list(store) == flat
    for start in range(-1, 12):
        for stop in range(max(start, 0), 13):
            assert store.window(start, stop) == (flat[max(0, start) : stop], guides[max(0, start) : stop])
            assert store[start:stop] == flat[start:stop]
    assert [store[i] for i in range(-10, 10)] == flat[-10:] + flat
    assert store[::3] == flat[::3]
    with pytest.raises(IndexError):
        store[10]


def test_the_json_lines_are_every_record_a_line() -> None:
    store, flat, _ = _store()
    assert store.ndjson() == b"".join(record + b"\n" for record in flat)
    assert list(store.positions()) == [0, 2, 5, 6]
    assert (
        RecordStore().ndjson() == b"" and len(RecordStore()) == 0 and RecordStore().window(0, 5) == ([], [])
    )


def test_a_block_is_smaller_than_its_records_and_gives_them_back() -> None:
    records = [b'{"content":"%s"}' % (b"le quotient familial de la CAF " * 20) for _ in range(5)]
    block = pack(records)
    assert block[0] == 5 and len(block[1]) < sum(map(len, records)) / 4
    assert unpack(block) == records and unpack(pack([])) == []


def test_a_joined_body_kept_by_its_parts_is_not_joined_again() -> None:
    body = b"".join(b'{"n":%d,"text":"un texte assez long pour valoir br"}\n' % n for n in range(100))
    compressor = Compressor()
    made = compressor.prepared_join("parts", lambda: body, "application/x-ndjson", 1_700_000_000)
    warm = Compressor(compressor.forms, compressor.records, compressor.joined)  # as the cache gives back

    def never() -> bytes:
        raise AssertionError("joined again")

    again = warm.prepared_join("parts", never, "application/x-ndjson", 1_700_000_000)
    for prepared in (made, again):
        assert (prepared.etag, prepared.body, prepared.br, prepared.gzip) == (
            made.etag,
            body,
            made.br,
            made.gzip,
        )
        assert prepared.last_modified_header == made.last_modified_header and prepared.compressible
    warm.keep_used()
    assert warm.joined == compressor.joined and made.etag in warm.forms
    assert Prepared(body).etag == made.etag  # the ETag of the bytes, as any response's
