"""The route table: each route's responses are what its model (the OpenAPI document's) says.

For every route of ``content_api.web.routes.ROUTES``, responses to several queries are decoded
with the route's model (types and required fields checked) and every key of the JSON must be a
field of the struct it sits in: a field sent but not documented, or documented but not sent, fails.
In process, what is under test is the bodies, not the server: through the edge's ASGI interface
(Litestar's test client: what uvicorn runs) and its RSGI one (tests/rsgi_client.py: what granian runs).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest

from content_api.config import Settings
from content_api.web.app import create_app
from content_api.web.edge import Edge
from content_api.web.routes import ROUTES, Route

from .conftest import write_small_library
from .rsgi_client import in_process
from .site import write_site

#: Queries beyond each route's exported URLs: searches, renderings, pages, filters.
MORE = {
    "/guides": [
        "/guides?q=quotient",
        "/guides?q=editeur&sort=slug&per_page=1&page=2",
        "/guides?publish=false",
    ],
    "/guides/{slug:str}": ["/guides/ccas?include=html,text", "/guides/noindex?include=text"],
    "/editors": ["/editors?page=1&per_page=2", "/editors?q=zebre", "/editors?api=inconnue"],
    "/search/records": ["/search/records?page=2&per_page=1", "/search/records?page=99&per_page=3"],
    "/diagnostics": ["/diagnostics?severity=error", "/diagnostics?file=broken.md&code=yaml-invalid"],
    "/services": ["/services?api=API%20Inconnue", "/services?api=zzz"],
}
#: The routes of the content graph: checked on a site-layout folder (a folder of guides has none).
GRAPH = (
    "/apis",
    "/apis/{slug:str}",
    "/producers",
    "/producers/{slug:str}",
    "/services",
    "/services/{slug:str}",
)


# An edge per interface (``interface`` depends on nothing, so an edge that asks for it is made
# again for each): an edge remembers its handlers' answers, and would answer them to the other.
@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory, interface: str) -> Edge:
    folder = write_small_library(tmp_path_factory.mktemp("content"))
    return create_app(Settings(content_dir=str(folder)))


@pytest.fixture(scope="module")
def client(edge: Edge, interface: str) -> Iterator[httpx.Client]:
    with in_process(edge, interface) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def site_edge(tmp_path_factory: pytest.TempPathFactory, interface: str) -> Edge:
    data, public = write_site(tmp_path_factory.mktemp("site"))
    return create_app(Settings(content_dir=str(data), assets_dir=str(public)))


@pytest.fixture(scope="module")
def site_client(site_edge: Edge, interface: str) -> Iterator[httpx.Client]:
    with in_process(site_edge, interface) as test_client:
        yield test_client


def undocumented(value: Any, info: msgspec.inspect.Type, at: str = "$") -> list[str]:
    """The paths of the keys of ``value`` that its type (``info``) does not declare."""
    if isinstance(info, msgspec.inspect.Metadata):
        return undocumented(value, info.type, at)
    if isinstance(info, msgspec.inspect.StructType) and isinstance(value, dict):
        fields = {f.encode_name: f.type for f in info.fields}
        found = [f"{at}.{key}" for key in value if key not in fields and key != info.tag_field]
        for key, item in value.items():
            if key in fields:
                found += undocumented(item, fields[key], f"{at}.{key}")
        return found
    if isinstance(info, msgspec.inspect.ListType) and isinstance(value, list):
        return [
            path for n, item in enumerate(value) for path in undocumented(item, info.item_type, f"{at}[{n}]")
        ]
    if isinstance(info, msgspec.inspect.UnionType):
        return _in_union(value, info, at)
    return []


def _in_union(value: Any, info: msgspec.inspect.UnionType, at: str) -> list[str]:
    """Keys not declared by the union member ``value`` is (by its tag, else the best fit)."""
    options: list[msgspec.inspect.Type] = [
        t for t in info.types if not isinstance(t, msgspec.inspect.NoneType)
    ]
    if isinstance(value, dict):
        tagged: list[msgspec.inspect.Type] = [
            t
            for t in options
            if isinstance(t, msgspec.inspect.StructType) and value.get(t.tag_field or "") == t.tag
        ]
        options = tagged or options
    return min((undocumented(value, t, at) for t in options), key=len, default=[])


def urls(route: Route, edge: Edge) -> list[str]:
    assert edge.holder.snapshot is not None
    shown = route.urls(edge.holder.snapshot.catalog) or [route.path]
    return shown[:20] + MORE.get(route.path, [])


@pytest.mark.parametrize("route", ROUTES, ids=[route.path for route in ROUTES])
def test_every_response_is_its_model(route: Route, interface: str, request: pytest.FixtureRequest) -> None:
    folders = ["site"] if route.path in GRAPH else [""]
    folders += ["site"] if route.path == "/apis" else []  # a folder of guides' facet, the catalogue's
    for folder in folders:
        edge: Edge = request.getfixturevalue(f"{folder}_edge" if folder else "edge")
        client: httpx.Client = request.getfixturevalue(f"{folder}_client" if folder else "client")
        check_responses(route, edge, client)


def check_responses(route: Route, edge: Edge, client: httpx.Client) -> None:
    for url in urls(route, edge):
        reply = client.get(url)
        assert reply.status_code == 200, (url, reply.text[:300])
        if url.endswith(".md"):  # /guides/{slug}.md: the guide's source file (tests/test_llms.py)
            assert reply.headers["content-type"] == "text/markdown; charset=utf-8" and reply.content, url
            continue
        assert reply.headers["content-type"].split(";")[0] == route.media_type, url
        if route.model is str:
            assert reply.text, url
            continue
        msgspec.json.decode(reply.content, type=route.model)  # types and required fields
        extra = undocumented(msgspec.json.decode(reply.content), msgspec.inspect.type_info(route.model))
        assert extra == [], f"{url}: sent but not in {route.model.__name__}: {extra[:5]}"


class Small(msgspec.Struct):
    a: int
    items: list[Small] = []


def test_the_check_finds_an_undocumented_field() -> None:
    info = msgspec.inspect.type_info(Small)
    assert undocumented({"a": 1, "items": [{"a": 2, "b": 3}]}, info) == ["$.items[0].b"]
    assert undocumented({"a": 1, "items": []}, info) == []


def test_a_new_route_is_one_entry() -> None:
    from content_api.web.app import HANDLERS
    from content_api.web.routes import HANDLERS as API_HANDLERS
    from content_api.web.routes import PREPARERS

    assert [h.paths for h in API_HANDLERS] == [{route.path} for route in ROUTES]
    assert all(h in HANDLERS for h in API_HANDLERS)
    assert list(PREPARERS) == [step for route in ROUTES for step in route.prepare]
