"""Editor rows as CSV (issue 16, point 6): ``GET /editors`` with ``Accept: text/csv`` and
``GET /editors.csv``, the same rows as the JSON, filters and all, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from content_api import model as m
from content_api.config import Settings
from content_api.web.app import create_app
from content_api.web.edge import Edge
from content_api.web.editors_csv import COLUMNS, editors_csv, neutralize
from content_api.web.export import export, file_for, nginx_server

from .conftest import write_small_library
from .rsgi_client import in_process
from .server import serve

#: A guide whose editor table has formulas in its cells, extra columns and dates of every kind.
HOSTILE = """---
title: Tableur
api: [API Particulier]
---

| Éditeur | Solution | Date | Région | Contact |
| --- | --- | --- | --- | --- |
| =HYPERLINK("https://evil.example";"clic") | +33 Solution | prévu T1 2099 | -Nord | @moi |
| Quote"Co | Sol;ution | T4 2023 | Bretagne | a, b |
| Bien | Normal | Disponible |  |  |
"""


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_small_library(tmp_path_factory.mktemp("content"))
    (folder / "tableur.md").write_text(HOSTILE, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def client(content: Path, interface: str) -> Iterator[httpx.Client]:
    edge: Edge = create_app(Settings(content_dir=str(content)))
    with in_process(edge, interface) as test_client:
        yield test_client


def table(body: bytes) -> list[dict[str, str]]:
    """The CSV's rows as dicts (header -> cell), read as a spreadsheet user's script would."""
    assert body.startswith(b"\xef\xbb\xbf"), body[:20]
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


def as_csv_cells(row: dict[str, Any]) -> dict[str, str]:
    """A JSON editor row as the CSV writes it (before formula neutralising)."""
    cells = {name: "" if row[name] is None else str(row[name]) for name in COLUMNS}
    cells["planned"] = "true" if row["planned"] else "false"
    cells["apis"] = " | ".join(api["name"] for api in row["apis"])
    return {**cells, **row["extra"]}


@pytest.mark.parametrize(
    "query",
    ["", "?api=particulier", "?guide=ccas&guide=noindex", "?q=arpege", "?page=2&per_page=2", "?api=rien"],
)
def test_the_csv_holds_the_json_rows(client: httpx.Client, query: str) -> None:
    rows = client.get("/editors" + query).json()["data"]
    for reply in (
        client.get("/editors.csv" + query),
        client.get("/editors" + query, headers={"accept": "text/csv"}),
    ):
        assert reply.status_code == 200
        assert reply.headers["content-type"] == "text/csv; charset=utf-8"
        found = table(reply.content)
        assert len(found) == len(rows)
        for got, row in zip(found, rows, strict=True):
            expected = {key: neutralize(value) for key, value in as_csv_cells(row).items()}
            assert {key: got[key] for key in expected} == expected
            assert all(value == "" for key, value in got.items() if key not in expected)


def test_filters_apply(client: httpx.Client) -> None:
    every = table(client.get("/editors.csv").content)
    particulier = table(client.get("/editors.csv?api=particulier").content)
    assert {row["guide"] for row in every} == {"ccas", "noindex", "tableur"}
    assert {row["guide"] for row in particulier} == {"ccas", "tableur"}
    assert [row["editor"] for row in table(client.get("/editors.csv?q=zebre").content)] == ["Zèbre"]
    assert table(client.get("/editors.csv?api=rien").content) == []
    header = client.get("/editors.csv?api=rien").content.decode("utf-8-sig").split("\r\n")[0]
    assert header == ";".join(COLUMNS)


def test_dates_are_read_in_the_csv(client: httpx.Client) -> None:
    rows = {row["editor"]: row for row in table(client.get("/editors.csv").content)}
    assert (rows["Up"]["date"], rows["Up"]["available"], rows["Up"]["planned"]) == (
        "Mi-Mai 2020",
        "2020-05-01",
        "false",
    )
    assert (rows["Arpège"]["available"], rows["Arpège"]["planned"]) == ("2020-09-01", "false")
    formula = next(row for name, row in rows.items() if "HYPERLINK" in name)
    assert (formula["available"], formula["planned"]) == ("2099-01-01", "true")
    assert (rows["Bien"]["date"], rows["Bien"]["available"]) == ("Disponible", "")


def test_formula_cells_are_neutralised(client: httpx.Client) -> None:
    rows = table(client.get("/editors.csv?guide=tableur").content)
    first, quoted = rows[0], rows[2]  # by editor name: "=HYPERLINK...", Bien, Quote"Co
    assert first["editor"] == '\'=HYPERLINK("https://evil.example";"clic")'
    assert (
        first["solution"] == "'+33 Solution" and first["Région"] == "'-Nord" and first["Contact"] == "'@moi"
    )
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
    # quotes, separators and commas survive the round trip
    assert (quoted["editor"], quoted["solution"], quoted["Contact"]) == ('Quote"Co', "Sol;ution", "a, b")


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_each_formula_start_is_neutralised(cell: str) -> None:
    assert neutralize(cell) == "'" + cell
    assert neutralize("a" + cell) == "a" + cell


def test_extra_columns_are_sorted_and_never_shadow_a_column() -> None:
    row = m.EditorRow("Up", None, None, None, None, "g", [], {"Zone": "z", "date": "d", "Âge": "a"})
    header = editors_csv([row]).decode("utf-8-sig").split("\r\n")[0].split(";")
    assert header == [*COLUMNS, "Âge", "extra.date", "Zone"]


def test_etag_304_and_vary(client: httpx.Client) -> None:
    for url, headers in (
        ("/editors.csv", {}),
        ("/editors", {"accept": "text/csv"}),
        ("/editors.csv?api=particulier", {}),
    ):
        reply = client.get(url, headers=headers)
        etag = reply.headers["etag"]
        assert client.get(url, headers={**headers, "if-none-match": etag}).status_code == 304
    json_reply = client.get("/editors?api=particulier")
    csv_reply = client.get("/editors?api=particulier", headers={"accept": "text/csv"})
    assert json_reply.headers["etag"] != csv_reply.headers["etag"]
    assert json_reply.headers["vary"] == csv_reply.headers["vary"] == "Accept, Accept-Encoding"
    stale = {"accept": "text/csv", "if-none-match": json_reply.headers["etag"]}
    assert client.get("/editors?api=particulier", headers=stale).status_code == 200


def test_nothing_acceptable_is_406_and_bad_parameters_400(client: httpx.Client) -> None:
    refused = client.get("/editors", headers={"accept": "text/html"})
    assert refused.status_code == 406 and "text/csv" in refused.json()["detail"]
    assert client.get("/editors.csv", headers={"accept": "application/json"}).status_code == 406
    for query, param in (("unknown=1", "unknown"), ("page=0", "page"), ("q=a&q=b", "q")):
        reply = client.get(f"/editors.csv?{query}")
        assert reply.status_code == 400, query
        assert reply.headers["content-type"] == "application/problem+json"
        assert [error["param"] for error in reply.json()["errors"]] == [param]


def test_a_real_server_answers_csv(content: Path, server_name: str) -> None:
    with serve("--content", str(content), server=server_name) as api:
        plain = api.get("/editors.csv")
        assert plain.status == 200 and plain.header("content-type") == "text/csv; charset=utf-8"
        assert [row["editor"] for row in table(plain.body)][1:3] == ["Arpège", "Bien"]
        negotiated = api.get("/editors?api=particulier", accept="text/csv;q=1, application/json;q=0.5")
        assert negotiated.header("content-type") == "text/csv; charset=utf-8"
        assert table(negotiated.body) == table(api.get("/editors.csv?api=particulier").body)
        head = api.request("HEAD", "/editors.csv")
        assert head.status == 200 and head.body == b"" and head.header("etag") == plain.header("etag")


def test_the_export_writes_the_csv_lists(content: Path, tmp_path: Path) -> None:
    result = export(Settings(content_dir=str(content)), tmp_path / "out")
    assert "/editors.csv" in result.urls and "/editors.csv?api=particulier" in result.urls
    written = tmp_path / "out" / file_for("/editors.csv", "api=particulier")
    assert written.read_bytes().startswith(b"\xef\xbb\xbfeditor;")
    config = (tmp_path / "out" / "nginx.conf").read_text(encoding="utf-8")
    assert "location = /editors.csv { default_type text/csv; try_files" in config
    snapshot = create_app(Settings(content_dir=str(content))).holder.snapshot
    assert snapshot is not None and "text/csv" in nginx_server(snapshot, tmp_path)
    shutil.rmtree(tmp_path / "out")
