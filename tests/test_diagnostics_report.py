"""/diagnostics is made when first asked for, not at load: the same report, kept once made, made
again when the health figures change (a webhook's delivery, a reload that failed)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from content_api.config import Settings
from content_api.web import ops
from content_api.web.app import create_app
from content_api.web.edge import Edge
from content_api.web.snapshot import Snapshot

from .conftest import write_small_library


@pytest.fixture
def edge(tmp_path: Path) -> Edge:
    folder = write_small_library(tmp_path)
    (folder / "lien.md").write_text(
        "---\ntitle: Lien\n---\n\nVoir [ce guide](/guides/absent).\n", encoding="utf-8"
    )
    return create_app(Settings(content_dir=str(folder)))


@pytest.fixture
def client(edge: Edge) -> Iterator[TestClient[Any]]:
    with TestClient(app=edge) as test_client:  # type: ignore[type-var]
        yield test_client


def _snapshot(edge: Edge) -> Snapshot:
    snapshot = edge.holder.snapshot
    assert snapshot is not None
    return snapshot


def test_the_report_is_made_at_the_first_request_then_kept(edge: Edge, client: TestClient[Any]) -> None:
    snapshot = _snapshot(edge)
    assert ops.REPORT not in snapshot.prepared  # nothing made at load
    first = client.get("/diagnostics", headers={"accept-encoding": "identity"})
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    kept = snapshot.prepared[ops.REPORT]
    assert first.content == kept.body and first.headers["etag"] == kept.etag
    library = snapshot.library
    expected = [
        {
            "file": os.path.relpath(d.file, library.root) if d.file else None,
            **{name: getattr(d, name) for name in ("line", "column", "severity", "code", "message")},
        }
        for d in library.diagnostics
    ]
    report = json.loads(first.content)
    assert report["diagnostics"] == expected and len(expected) >= 2
    assert {d["file"] for d in expected} >= {"broken.md", "lien.md"}
    assert (
        report["status"] == "degraded"
        and report["reason"] == json.loads(client.get("/health").content)["reason"]
    )
    again = client.get("/diagnostics", headers={"accept-encoding": "br"})
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"][:-1] + '-br"'
    assert snapshot.prepared[ops.REPORT] is kept  # the edge answers it from the prepared responses
    assert client.get("/diagnostics", headers={"if-none-match": kept.etag}).status_code == 304
    filtered = client.get("/diagnostics?file=lien.md").json()["diagnostics"]
    assert filtered == [d for d in expected if d["file"] == "lien.md"]


def test_a_change_of_the_health_figures_makes_the_report_again(edge: Edge, client: TestClient[Any]) -> None:
    snapshot = _snapshot(edge)
    before = client.get("/diagnostics")
    ops.refresh_health(snapshot, "reloading the content failed: test")
    assert ops.REPORT not in snapshot.prepared
    after = client.get("/diagnostics")
    assert after.headers["etag"] != before.headers["etag"]
    assert (
        after.json()["reason"]
        == client.get("/health").json()["reason"]
        == "reloading the content failed: test"
    )
    assert after.json()["diagnostics"] == before.json()["diagnostics"]
    ops.refresh_health(snapshot, None)
    assert client.get("/diagnostics").content == before.content  # the same figures: the same bytes
