"""What a served snapshot gives of its guides though its library keeps less: a lean library's
guides hold no TOC (its JSON is kept beside, as the body's), and a released library (no --watch:
nothing will reload from it) keeps neither; the snapshot decodes the TOC from the detail."""

from __future__ import annotations

from pathlib import Path

from content_api import load_library
from content_api.config import Settings
from content_api.web.loader import Loader, SnapshotHolder

from .conftest import write_small_library


def test_lean_and_released_libraries_give_the_tocs_of_a_whole_one(tmp_path: Path) -> None:
    folder = write_small_library(tmp_path)
    whole = load_library(folder)  # not lean: the guides hold their TOCs
    kept = Loader(Settings(content_dir=str(folder), watch=True), SnapshotHolder()).load()  # never released
    released = Loader(Settings(content_dir=str(folder)), SnapshotHolder()).load()
    tocs = [whole.guides[g.slug or ""].toc for g in kept.catalog.entries]
    assert any(tocs) and [g.slug for g in released.catalog.entries] == [g.slug for g in kept.catalog.entries]
    assert all(guide.toc == [] for guide in (*kept.catalog.entries, *released.catalog.entries))
    assert kept.library.tocs and not released.library.tocs
    assert [kept.toc(i) for i in range(len(tocs))] == tocs == [released.toc(i) for i in range(len(tocs))]
    assert [kept.library.toc(g.slug or "") for g in kept.catalog.entries] == tocs
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
