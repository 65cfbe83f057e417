"""`content-api serve` as run, on each server (``server_name``): the README's command as is, the
settings from the environment, workers, the real corpus, and no stack trace in a server error.
The API's answers themselves: tests/test_http.py."""

from __future__ import annotations

import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import CORPUS, SEED, needs_shared, write_small_library
from .server import Server, children_of, serve
from .test_http import slugs


@pytest.fixture(scope="module")
def seed(server_name: str) -> Iterator[Server]:
    """The README's command as is: the guides of content/."""
    with serve(server=server_name) as server:
        yield server


@pytest.fixture(scope="module")
def configured(tmp_path_factory: pytest.TempPathFactory, server_name: str) -> Iterator[Server]:
    """The small library on two workers, configured by the environment (read only: one server for
    the tests of both)."""
    env = {
        "CORS_ORIGINS": "https://a.example, https://b.example",
        "CACHE_MAX_AGE": "5",
        "CONTENT_DIR": str(write_small_library(tmp_path_factory.mktemp("content"))),
    }
    with serve("--workers", "2", env=env, server=server_name) as server:
        yield server


# --- the seed, as a vendor and a frontend see it --------------------------------------------------


def test_seed_editors_of_api_particulier(seed: Server) -> None:
    rows = seed.get("/editors?api=particulier").json()
    assert [(r["editor"], r["solution"], r["request_url"]) for r in rows["data"]] == [
        ("Arpège", "Sonate Opus", "https://datapass.api.gouv.fr/api-particulier?demarche=ccas-arpege"),
        ("Up", "Millesime Action Sociale", "https://datapass.api.gouv.fr/api-particulier?demarche=ccas-up"),
    ]
    assert rows["meta"] == {"total": 2}
    same = [seed.get(f"/editors?api={urllib.parse.quote(v)}") for v in ("api-particulier", "API Particulier")]
    assert {r.header("etag") for r in same} == {seed.get("/editors?api=particulier").header("etag")}


def test_seed_guides_of_api_particulier(seed: Server) -> None:
    assert slugs(seed, "/guides?api=particulier&publish=true") == ["ccas"]
    assert slugs(seed, "/guides?api=API%20Particulier") == ["ccas"]


def test_seed_detail(seed: Server) -> None:
    guide = seed.get("/guides/ccas").json()
    assert guide["body"]["type"] == "root" and guide["title"] == "Aides sociales"
    assert [t["id"] for t in guide["toc"]][:2] == [
        "simplifier-l'instruction-des-dossiers-dans-un-ccas",
        "cadre-juridique",
    ]
    assert [e["editor"] for e in guide["editors"]] == ["Up", "Arpège"]
    assert guide["image_url"] == "https://api.gouv.fr/images/guides/dossier.jpg"
    assert guide["thumbnail_url"] == "https://api.gouv.fr/images/guides/thumbnail_dossier.jpg"


# --- settings, workers, the real corpus ---------------------------------------------------------------


def test_configuration_from_the_environment(configured: Server) -> None:
    allowed = configured.get("/guides/ccas", origin="https://a.example")
    assert allowed.header("access-control-allow-origin") == "https://a.example"
    assert "Origin" in (allowed.header("vary") or "") or allowed.header("vary") == "Accept-Encoding"
    refused = configured.get("/guides/ccas", origin="https://evil.example")
    assert refused.header("access-control-allow-origin") is None
    assert allowed.header("cache-control") == "public, max-age=5, stale-while-revalidate=300"
    assert configured.get("/health").json()["guides"] == 3


def test_workers(configured: Server) -> None:
    assert configured.get("/guides/ccas").status == 200
    commands = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in children_of(configured.process.pid)]
    workers = [c for c in commands if b"content_api" in c or b"spawn_main" in c]
    assert len(workers) == 2, commands


@needs_shared
def test_the_corpus_served(server_name: str) -> None:
    with serve("--content", str(CORPUS), server=server_name) as server:
        health = server.get("/health").json()
        assert (health["status"], health["guides"], health["errors"]) == ("degraded", 48, 3)
        failed = server.get("/guides/nouveau")
        assert failed.status == 404 and "failed to load" in failed.json()["detail"]
        assert server.get("/guides?per_page=100").json()["meta"]["total"] == 48
        editors = server.get("/editors?api=particulier").json()
        assert editors["meta"]["total"] > 30 and {"editor", "solution", "request_url"} <= set(
            editors["data"][0]
        )
        found = slugs(server, "/guides?q=cantine&per_page=100")
        assert {"cantines-colleges-lycee-tarification", "cantines-colleges-lycees-tarification"} <= set(found)
        assert all(
            server.get(f"/guides/{slug}").status == 200 for slug in slugs(server, "/guides?per_page=100")
        )
        sitemap = server.get("/sitemap.xml").body.decode()
        assert sitemap.count("<url>") == len(slugs(server, "/guides?publish=true&noindex=false&per_page=100"))


def test_server_errors_show_no_stack_trace(tmp_path: Path) -> None:
    from litestar.testing import TestClient

    from content_api.config import Settings
    from content_api.web import app as web
    from content_api.web import guides

    shutil.copy(SEED, tmp_path / "ccas.md")
    edge = web.create_app(Settings(content_dir=str(tmp_path)))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret detail of the failure")

    original = guides.guides_page
    guides.guides_page = broken  # type: ignore[assignment]
    try:
        with TestClient(app=edge.app) as client:
            reply = client.get("/guides?tag=ccas")
    finally:
        guides.guides_page = original
    assert reply.status_code == 500 and reply.headers["content-type"] == "application/problem+json"
    assert reply.json()["status"] == 500 and "secret" not in reply.text and "Traceback" not in reply.text
