"""Shared test helpers: where the project and ../shared are, and how to skip without them."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from .rsgi_client import INTERFACES
from .server import PYCACHE, ROOT, servers_under_test

# Every Hypothesis test of the suite: 150 examples in CI, 5,000 with HYPOTHESIS_PROFILE=long.
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "long", max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "guides"
REFERENCE = SHARED / "corpus" / "reference"
SPEC = SHARED / "spec"
SEED = ROOT / "content" / "ccas.md"

# The suite runs on every core (pyproject's addopts: pytest-xdist, one test file per worker at a
# time, handed out in the order of the collection). The files that take longest go first, so that no
# worker is left alone with one at the end; the others follow by their number of tests, as xdist's
# default order has them. ``-n 0`` runs the same order in one process.
SLOWEST_FIRST = (
    "test_xss.py",  # Chromium on the 153 payloads: sanitized on each server, raw once
    "test_reload.py",  # 14 server starts, two of them loading 600 guides
    "test_faults.py",
    "test_deploy.py",  # the image's virtual environment installed from the wheelhouse
    "test_react.py",
    "test_fuzz.py",  # schemathesis on each server
    "test_search_bounds.py",
    "test_webhooks.py",
    "test_caches.py",
    "test_export.py",
    "test_changes.py",
    "test_llms.py",
    "test_graph_http.py",  # six server starts, two on the real samples
)


def pytest_configure(config: pytest.Config) -> None:
    """The bytecode cache of the run's servers (tests/server.py), made by the process that starts
    the workers (they inherit it) and removed when the run ends."""
    if hasattr(config, "workerinput") or os.environ.get(PYCACHE):
        return
    folder = tempfile.mkdtemp(prefix="content-api-pycache-")
    os.environ[PYCACHE] = folder
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.path.name] = counts.get(item.path.name, 0) + 1

    def rank(item: pytest.Item) -> tuple[int, int, str]:
        name = item.path.name
        first = SLOWEST_FIRST.index(name) if name in SLOWEST_FIRST else len(SLOWEST_FIRST)
        return (first, -counts[name], str(item.path))

    items.sort(key=rank)  # stable: a file's own tests keep their order


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` on one test file runs it in this process: no worker to start, and ``-s`` shows
    what it prints. Otherwise one worker more than the cores (PYTEST_XDIST_AUTO_NUM_WORKERS overrides):
    a third of the suite's time is spent waiting on servers, browsers and compilers in other
    processes, which a further worker fills (on 2 cores: 5 min 55 s with 3 workers, 7 min 22 s with
    2, 7 min 33 s with 4, which starved the servers of the timing tests)."""
    if "PYTEST_XDIST_AUTO_NUM_WORKERS" in os.environ:
        return None
    named = {str(arg).split("::")[0] for arg in config.args}
    if len(named) == 1 and named.pop().endswith(".py"):
        return 0
    return len(os.sched_getaffinity(0)) + 1


@pytest.fixture(scope="module", params=servers_under_test())
def server_name(request: pytest.FixtureRequest) -> str:
    """The HTTP server of a real-server test: a test that asks for it, or for a fixture that does,
    runs on granian (RSGI) and on uvicorn (ASGI), ``[granian]`` and ``[uvicorn]`` in its id.
    Module-scoped, so that a module's shared server is started once per server."""
    name: str = request.param
    return name


@pytest.fixture(scope="module", params=INTERFACES)
def interface(request: pytest.FixtureRequest) -> str:
    """The interface of an in-process HTTP test (tests/rsgi_client.py's ``in_process``): ``asgi``,
    Litestar's TestClient on the edge's ASGI ``__call__`` (what uvicorn runs), and ``rsgi``, the
    edge's ``__rsgi__`` driven as granian drives it. Module-scoped, as ``server_name``."""
    name: str = request.param
    return name


needs_shared = pytest.mark.skipif(
    not (CORPUS.is_dir() and SPEC.is_dir()),
    reason="../shared (guide corpus and spec examples) is not next to this checkout",
)


# A small library: the seed, a noindex guide, a draft and a file that fails to load; what the HTTP,
# catalog and route tests query.
NOINDEX = """---
title: Éligibilité des entreprises
tagline: Vérifier une entreprise
tags: portail famille, Entreprises
api: [API Entreprise]
publish: true
noindex: true
updated: 2024-05-06
---

Le **quotient** n'est pas ici. Les éditeurs suivants :

| Éditeur | Solution |
| --- | --- |
| Zèbre | Zed |
"""

DRAFT = """---
title: Brouillon
tags: [Portail-Famille]
api: [API Particulier, API Entreprise]
related_guides: [ccas, noindex, fantome]
updated: 2020-01-02
---

Un brouillon sur l'editeur de logiciel.
"""

BROKEN = "---\ntitle: [cassé\n---\n\nTexte\n"


def write(folder: Path, name: str, text: str | bytes) -> Path:
    """Write ``text`` (UTF-8) or bytes as ``folder/name``, the folder made if need be."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def write_small_library(folder: Path) -> Path:
    shutil.copy(SEED, folder / "ccas.md")
    for name, text in (("noindex", NOINDEX), ("draft", DRAFT), ("broken", BROKEN)):
        (folder / f"{name}.md").write_text(text, encoding="utf-8")
    return folder


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.md")) if CORPUS.is_dir() else []


def walk(node: object):  # type: ignore[no-untyped-def]
    """Every node of an AST, depth first, in document order."""
    yield node
    for child in getattr(node, "children", None) or ():
        yield from walk(child)
