"""The OpenAPI 3.1 document: Litestar's paths and parameters, msgspec's schemas.

Litestar writes the AST union as a ``oneOf`` without ``discriminator``, repeated inline at every
``children`` (litestar issues #4048, #4575). msgspec's ``schema_components`` writes it with a
discriminator on ``type``; here its schemas replace Litestar's, the union becomes one ``Node``
component, errors are documented as RFC 9457 problems and every GET gets its HEAD twin.
"""

from __future__ import annotations

import copy
from typing import Any

import msgspec
from litestar import Litestar

from ..catalog import SUMMARY_FIELDS
from ..diagnostics import RULES
from .guides import INCLUDES
from .problems import PROBLEM_JSON, Problem
from .redirects import Moved
from .routes import ROUTES

REF = "#/components/schemas/{name}"
#: The models of the route table's JSON bodies, and the problem every error is.
RESPONSE_MODELS = (*(route.model for route in ROUTES if route.model is not str), Problem, Moved)
#: The other media types of a path's 200 body (media type -> what the body is).
_ALTERNATIVES = {route.path: route.alternatives for route in ROUTES if route.alternatives}
_ERRORS = {
    "400": "A query parameter is unknown or has a bad value: each is named in `errors`",
    "404": "No such resource (or a guide that failed to load: see /diagnostics)",
    "405": "Only GET, HEAD and OPTIONS are allowed",
    "410": "The cursor is unknown here or expired: sync from scratch (without `since`)",
    "406": "Nothing acceptable: the Accept or Accept-Encoding header refuses what this resource is",
    "500": "The server failed; nothing of the error is shown",
    "503": "The content is still loading (Retry-After says when to try again)",
}


#: The tagged unions written once as named components: a tag of the union -> (name, description).
_UNIONS = {
    "root": ("Node", "An AST node (mdast and content-api components)."),
    "element": ("HastNode", "A hast node, in a node's `data.hChildren` (what mdast-util-to-hast renders)."),
}


def _node_union(schemas: dict[str, Any]) -> dict[str, Any]:
    """Name the AST union ``Node`` (and the hast one ``HastNode``), every inline copy pointing there."""
    unions: dict[str, dict[str, Any]] = {}

    def visit(value: Any) -> Any:
        if isinstance(value, dict):
            mapping = (value.get("discriminator") or {}).get("mapping", {})
            marker = next((tag for tag in _UNIONS if tag in mapping), None)
            if marker is not None:
                name = _UNIONS[marker][0]
                unions.setdefault(name, value)
                return {"$ref": REF.format(name=name)}
            return {key: visit(item) for key, item in value.items()}
        if isinstance(value, list):
            return [visit(item) for item in value]
        return value

    schemas = visit(schemas)
    for name, description in _UNIONS.values():
        if name in unions:
            schemas[name] = {"description": description, **unions[name]}
    return schemas


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": REF.format(name="Problem")}}},
    }


#: The lists of the content graph: a 404 for a folder of guides, which has no catalogue.
_CATALOGUE_LISTS = ("/producers", "/services")
#: The paths a front matter's ``redirect_from`` (or a guide's ``redirect_to``) may answer with a 301.
_REDIRECTED = ("/guides/{slug}", "/apis/{slug}", "/producers/{slug}", "/services/{slug}")
_MOVED = {
    "description": "Moved Permanently: an old slug (front matter `redirect_from`), a guide that moved "
    "(`redirect_to`), or another name of an API page (its file name, its title) or of a producer (its "
    "acronym, its name); `Location` is the new address, the request's query string kept",
    "headers": {"Location": {"description": "the new address", "schema": {"type": "string"}}},
    "content": {"application/json": {"schema": {"$ref": REF.format(name="Moved")}}},
}


def _responses(path: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if path in _REDIRECTED:
        responses["301"] = copy.deepcopy(_MOVED)
    codes = ["400", "405", "406", "500", "503"] + (["404"] if "{" in path or path in _CATALOGUE_LISTS else [])
    codes += ["410"] if path == "/changes" else []
    for code in codes:
        responses[code] = _problem(_ERRORS[code])
    ok = responses.get("200")
    if ok is not None:
        ok.setdefault("headers", {})["ETag"] = {
            "description": "strong entity tag of the representation; send it back in If-None-Match",
            "schema": {"type": "string"},
        }
    responses["304"] = {"description": "Not Modified: If-None-Match matched the current ETag"}
    for media_type, what in _ALTERNATIVES.get(path, {}).items():
        if ok is not None:  # chosen by Accept: the first listed when Accept takes both
            ok.setdefault("content", {})[media_type] = {"schema": {"type": "string", "description": what}}


def _head(operation: dict[str, Any]) -> dict[str, Any]:
    head = copy.deepcopy(operation)
    head["operationId"] = operation.get("operationId", "") + "Head"
    head["summary"] = f"{operation.get('summary', '')} (headers only)"
    for response in head.get("responses", {}).values():
        response.pop("content", None)
    return head


def _parameter_schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """Constraints the handlers check themselves, stated in the document (for clients and fuzzers)."""
    field = "(?:" + "|".join(sorted(SUMMARY_FIELDS)) + ")"
    return {
        ("/guides/{slug}", "include"): {"items": {"type": "string", "enum": sorted(INCLUDES)}},
        ("/diagnostics", "code"): {"items": {"type": "string", "enum": sorted(RULES)}},
        # comma-separated names; empty items are ignored, as by the handler
        ("/guides", "fields"): {"pattern": f"^[\\s,]*(?:{field}(?:\\s*,[\\s,]*{field})*)?[\\s,]*$"},
    }


def _constrain(path: str, operation: dict[str, Any]) -> None:
    constraints = _parameter_schemas()
    for parameter in operation.get("parameters", ()):
        schema = parameter["schema"]
        options = schema.get("oneOf")
        if parameter.get("in") == "query" and options and {"type": "null"} in options:
            # An optional query parameter is absent, never null: a query string holds no null.
            kept = [o for o in options if o != {"type": "null"}]
            rest = {k: v for k, v in schema.items() if k != "oneOf"}
            parameter["schema"] = schema = {**kept[0], **rest} if len(kept) == 1 else {**rest, "oneOf": kept}
        extra = constraints.get((path, parameter["name"]))
        if extra is None:
            continue
        for option in schema.get("oneOf", [schema]):
            if option.get("type") in ("array", "string"):
                if "items" in extra and option.get("type") == "array":
                    option["items"] = extra["items"]
                elif option.get("type") == "string":
                    option.update({k: v for k, v in extra.items() if k != "items"})


def _partial_hits(schemas: dict[str, Any]) -> None:
    """With ``fields=``, a /guides item holds ``slug`` and the fields asked for: say so."""
    hit = schemas.get("GuideHit")
    if hit is None:
        return
    schemas["GuideFields"] = {
        **hit,
        "title": "GuideFields",
        "description": "A /guides item when `fields` is given: `slug` and the fields asked for.",
        "required": ["slug"],
    }
    schemas["GuideList"]["properties"]["data"]["items"] = {
        "anyOf": [{"$ref": REF.format(name="GuideHit")}, {"$ref": REF.format(name="GuideFields")}]
    }


def _always_sent(schemas: dict[str, Any]) -> None:
    """``available`` and ``planned`` of an editor row have defaults (for Python callers) but are
    always sent (the struct does not omit defaults): the document says they are required."""
    row = schemas.get("EditorRow")
    if row is not None:
        row["required"] = list(row["properties"])


def openapi_document(app: Litestar) -> dict[str, Any]:
    doc: dict[str, Any] = app.openapi_schema.to_schema()
    _, schemas = msgspec.json.schema_components(RESPONSE_MODELS, ref_template=REF)
    doc.setdefault("components", {})["schemas"] = _node_union(schemas)
    _partial_hits(doc["components"]["schemas"])
    _always_sent(doc["components"]["schemas"])
    for path, item in doc.get("paths", {}).items():
        get = item.get("get")
        if get is None:
            continue
        _responses(path, get)
        _constrain(path, get)
        item["head"] = _head(get)
    return doc
