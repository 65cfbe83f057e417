"""What a served snapshot still gives once its library is released (no --watch: nothing will
reload from it): each guide's TOC, decoded from its detail, as the library had it."""

from __future__ import annotations

from pathlib import Path

from content_api.config import Settings
from content_api.library import RELEASED_TOC
from content_api.web.loader import Loader, SnapshotHolder

from .conftest import write_small_library


def test_a_released_library_keeps_no_toc_and_the_snapshot_gives_it_from_the_details(tmp_path: Path) -> None:
    folder = write_small_library(tmp_path)
    kept = Loader(Settings(content_dir=str(folder), watch=True), SnapshotHolder()).load()  # never released
    released = Loader(Settings(content_dir=str(folder)), SnapshotHolder()).load()
    assert [g.slug for g in released.catalog.entries] == [g.slug for g in kept.catalog.entries]
    assert all(guide.toc is RELEASED_TOC for guide in released.catalog.entries) and RELEASED_TOC == []
    tocs = [kept.toc(i) for i in range(len(kept.catalog.entries))]
    assert any(tocs) and [released.toc(i) for i in range(len(tocs))] == tocs
    assert tocs == [guide.toc for guide in kept.catalog.entries]
    assert {path: p.etag for path, p in released.prepared.items() if path != "/health"} == {
        path: p.etag for path, p in kept.prepared.items() if path != "/health"
    }


def test_a_released_snapshot_keeps_its_forms_in_its_responses_only(tmp_path: Path) -> None:
    folder = write_small_library(tmp_path)
    loader = Loader(Settings(content_dir=str(folder)), SnapshotHolder())
    snapshot = loader.load()
    compressor = loader.compressor
    assert (compressor.forms, compressor.records, compressor.joined) == ({}, {}, {})
    detail = snapshot.prepared["/guides/ccas"]
    source = snapshot.prepared["/guides/ccas.md"]
    assert detail.br and detail.body.startswith(b"{") and source.br
    assert detail.last_modified_header is source.last_modified_header is not None  # one tuple for both
    watched = Loader(Settings(content_dir=str(folder), watch=True), SnapshotHolder())
    watched.load()
    assert detail.etag in watched.compressor.forms and watched.compressor.records  # kept for the reloads
