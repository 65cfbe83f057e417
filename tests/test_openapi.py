"""The OpenAPI document describes the contract: endpoints, parameters, node types, errors."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from openapi_spec_validator import validate

from content_api import model as m
from content_api.config import Settings
from content_api.web.app import create_app

from .conftest import ROOT
from .server import serve

CONTRACT_PARAMS = {
    "/guides": {"tag", "api", "publish", "noindex", "q", "sort", "page", "per_page", "fields"},
    "/guides/{slug}": {"slug", "include"},
    "/editors": {"api", "guide", "q", "page", "per_page"},
    "/editors.csv": {"api", "guide", "q", "page", "per_page"},
    "/search/records": {"page", "per_page"},
    "/changes": {"since", "indexable"},
    "/tags": set(),
    "/apis": set(),
    "/apis/{slug}": {"slug"},
    "/producers": set(),
    "/producers/{slug}": {"slug"},
    "/services": {"api"},
    "/services/{slug}": {"slug"},
    "/sitemap.xml": set(),
    "/robots.txt": set(),
    "/llms.txt": set(),
    "/health": set(),
    "/ready": set(),
    "/diagnostics": {"file", "code", "severity"},
}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    edge = create_app(Settings(content_dir=str(ROOT / "content")))
    return json.loads(edge.static["/schema/openapi.json"].body)


def test_the_document_is_valid_openapi_31(doc: dict[str, Any]) -> None:
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_every_endpoint_and_parameter(doc: dict[str, Any]) -> None:
    assert set(doc["paths"]) == set(CONTRACT_PARAMS)
    for path, params in CONTRACT_PARAMS.items():
        for method in ("get", "head"):
            operation = doc["paths"][path][method]
            documented = {p["name"]: p for p in operation.get("parameters", [])}
            assert set(documented) == params, (path, method)
            for parameter in documented.values():
                assert parameter["description"] and parameter["schema"], parameter["name"]
    guides = {p["name"]: p["schema"] for p in doc["paths"]["/guides"]["get"]["parameters"]}
    assert guides["page"] == {
        "type": "integer",
        "minimum": 1.0,
        "description": "page number, from 1",
        "default": 1,
    }
    assert guides["per_page"]["default"] == 20 and guides["per_page"]["maximum"] == 100
    assert set(guides["sort"]["enum"]) == {"title", "-title", "slug", "-slug", "updated", "-updated", None}


def test_every_error_is_a_problem(doc: dict[str, Any]) -> None:
    for path, item in doc["paths"].items():
        responses = item["get"]["responses"]
        for code in ("400", "405", "406", "500", "503"):
            assert responses[code]["content"] == {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            }
        # a page, or a list of the content graph (a folder of guides has none)
        assert ("404" in responses) == ("{" in path or path in ("/producers", "/services"))
        assert ("301" in responses) == (
            path in ("/guides/{slug}", "/apis/{slug}", "/producers/{slug}", "/services/{slug}")
        )
        assert ("410" in responses) == (path == "/changes")
        assert "304" in responses and "ETag" in responses["200"]["headers"]
    problem = doc["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail"} <= set(problem["required"])


def test_the_ast_union_has_a_discriminator(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    node = schemas["Node"]
    mapping = node["discriminator"]["mapping"]
    assert node["discriminator"]["propertyName"] == "type"
    tags = {t.__struct_config__.tag for t in m.NODE_TYPES}
    assert set(mapping) == tags == {
        "root", "paragraph", "heading", "thematicBreak", "blockquote", "list", "listItem", "code", "html",
        "table", "tableRow", "tableCell", "text", "emphasis", "strong", "delete", "inlineCode", "break",
        "link", "image", "quote", "external", "button", "component", "editorTable",
    }  # fmt: skip
    for tag, ref in mapping.items():
        schema = schemas[ref.rsplit("/", 1)[1]]
        assert schema["properties"]["type"] == {"enum": [tag]}
    # each union (the AST's, and hast's of data.hChildren) is written once, the arrays point to it
    text = json.dumps(schemas)
    assert text.count('"discriminator"') == 2
    assert schemas["Paragraph"]["properties"]["children"]["items"] == {"$ref": "#/components/schemas/Node"}
    assert set(schemas["HastNode"]["discriminator"]["mapping"]) == {"element", "text", "raw"}
    hast = {"$ref": "#/components/schemas/HastNode"}
    assert schemas["HastElement"]["properties"]["children"]["items"] == hast
    assert schemas["Data"]["properties"]["hChildren"]["anyOf"][0]["items"] == hast


def test_contract_fields(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    summary = set(schemas["GuideSummary"]["properties"])
    assert summary == {
        "slug", "path", "title", "tagline", "tags", "apis", "image", "image_url", "thumbnail_url", "publish",
        "noindex", "related", "updated", "excerpt", "reading_time", "extra",
        "image_width", "image_height",  # issue 16, point 5: with ASSETS_DIR
    }  # fmt: skip
    detail = set(schemas["GuideWithRenderings"]["properties"])
    assert {"body", "toc", "related_guides", "editors", "html", "text"} <= detail
    assert set(schemas["EditorRow"]["properties"]) == {
        "editor", "solution", "solution_url", "date", "request_url", "guide", "apis", "extra", "available",
        "planned",
    }  # fmt: skip
    # always sent, though they have defaults in Python: required in the document (issue 16, point 6)
    assert set(schemas["EditorRow"]["required"]) == set(schemas["EditorRow"]["properties"])
    assert set(schemas["Diagnostic"]["properties"]) == {
        "file",
        "line",
        "column",
        "severity",
        "code",
        "message",
    }


def test_the_docs_ui_is_served_without_any_outside_request(server_name: str) -> None:
    with serve(server=server_name) as server:
        for path in ("/schema", "/schema/swagger"):
            page = server.get(path)
            assert (
                page.status == 200
                and page.header(
                    "content-type",
                )
                is not None
            )
            html = page.body.decode()
            assert "SwaggerUIBundle" not in html or "/schema/docs.js" in html
            urls = re.findall(r'(?:src|href)="([^"]+)"', html)
            assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls)
            for url in urls:
                assert server.get(url).status == 200, url
        script = server.get("/schema/docs.js").body.decode()
        assert 'url: "/schema/openapi.json"' in script
        assert server.get("/schema/openapi.json").json()["info"]["title"] == "content-api"


def test_the_typescript_kit_holds_the_current_document(doc: dict[str, Any]) -> None:
    """clients/typescript/openapi.json is the document served, without Node.js (the TypeScript
    types made from it are checked against it in test_typescript.py, which needs Node.js)."""
    committed = (ROOT / "clients" / "typescript" / "openapi.json").read_text(encoding="utf-8")
    current = json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    assert current == committed, "clients/typescript/openapi.json is stale: run its generate.py"
