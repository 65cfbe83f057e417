"""create_app(settings): the Litestar application behind the edge, on a Site built at startup."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Litestar, Request, Response
from litestar.datastructures import State
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router

from .. import __version__
from ..config import Settings, settings_from_env
from ..library import Library
from .common import BadParameters, GuideFailed
from .docs import ASSETS, ASSETS_PATH, SCRIPT, LocalSwagger
from .edge import Edge
from .facets import list_apis, list_editors, list_tags
from .guides import get_guide, list_guides
from .http import PROBLEM_JSON, ParamError, Policy, Prepared, RawHeaders, problem
from .loader import Loader, SiteHolder
from .openapi import openapi_document
from .ops import diagnostics, health, ready
from .preview import ASSET_CSP, PLACEHOLDER_PATH, PLACEHOLDER_SVG, PREVIEW_HANDLERS, RELOAD_JS
from .seo import robots, sitemap

log = logging.getLogger("content_api")

HANDLERS = [
    *(list_guides, get_guide, list_editors, list_tags, list_apis),
    *(sitemap, robots, health, ready, diagnostics),
    *PREVIEW_HANDLERS,
]


def _policy(request: Request[Any, Any, Any]) -> Policy:
    holder: SiteHolder = request.app.state.holder
    if holder.site is not None:
        return holder.site.policy
    return Policy(cache_control=b"no-store")


def _errors(request: Request[Any, Any, Any], exc: HTTPException) -> list[ParamError]:
    if isinstance(exc, BadParameters):
        return exc.errors
    if not isinstance(exc, ValidationException) or not isinstance(exc.extra, list):
        return []
    errors = [
        ParamError(str(item.get("key", "?")), str(item.get("message", "invalid value")))
        for item in exc.extra
        if isinstance(item, dict)
    ]
    known = set(request.route_handler.parsed_fn_signature.parameters) - {"request"}
    errors += [ParamError(name, "unknown parameter") for name in request.query_params if name not in known]
    return errors


def _as_response(
    status: int, headers: RawHeaders, body: bytes, more: dict[str, str] | None = None
) -> Response[bytes]:
    """An exception handler's Response (Litestar sets the length and type itself)."""
    kept = {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in headers
        if name not in (b"content-type", b"content-length")
    }
    return Response(body, status_code=status, headers={**kept, **(more or {})}, media_type=PROBLEM_JSON)


def http_problem(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    errors = _errors(request, exc)
    detail = (
        exc.detail
        if exc.status_code != 400 or not errors
        else "; ".join(f"{e.param}: {e.message}" for e in errors)
    )
    extra = (
        {"diagnostics": "/diagnostics"}
        if isinstance(exc, GuideFailed) and "failed to load" in exc.detail
        else {}
    )
    status, headers, body = problem(exc.status_code, str(detail), _policy(request), errors, **extra)
    more = {k: str(v) for k, v in (exc.headers or {}).items()}
    if exc.status_code == 405:
        more = {"Allow": "GET, HEAD, OPTIONS"}  # the edge answers HEAD and CORS preflights
    return _as_response(status, headers, body, more)


def crash_problem(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    status, headers, body = problem(500, "the server failed to answer; the error is logged", _policy(request))
    return _as_response(status, headers, body)


def create_litestar(
    holder: SiteHolder, on_startup: list[Any] | None = None, on_shutdown: list[Any] | None = None
) -> Litestar:
    return Litestar(
        route_handlers=[
            *HANDLERS,
            create_static_files_router(path=ASSETS_PATH, directories=[ASSETS], include_in_schema=False),
        ],
        exception_handlers={HTTPException: http_problem, Exception: crash_problem},
        openapi_config=OpenAPIConfig(
            title="content-api",
            version=__version__,
            description=(
                "Practical guides of api.gouv.fr as a typed AST. Every GET answers HEAD; JSON responses "
                "carry a strong ETag, honor If-None-Match (304) and come in br, gzip or identity. Errors "
                "are RFC 9457 problems (application/problem+json)."
            ),
            path="/schema",
            render_plugins=[LocalSwagger()],
        ),
        state=State({"holder": holder}),
        on_startup=on_startup or [],
        on_shutdown=on_shutdown or [],
        debug=False,
    )


def create_app(
    settings: Settings | None = None, library: Library | None = None, *, background: bool = False
) -> Edge:
    """The ASGI application serving ``settings.content_dir`` (or an already loaded ``library``).

    With ``background``, the content loads (and, with ``settings.watch``, is watched) in a thread
    started when the application starts: the service answers at once, /ready says when the content
    is there. Without it, the content is loaded before this returns.
    """
    settings = settings or settings_from_env()
    holder = SiteHolder()
    loader = Loader(settings, holder)
    if not background:
        loader.load(library)

    def start() -> None:
        if background:
            loader.load_in_background()
        elif settings.watch:
            loader.watch_in_background()

    def stop() -> None:
        loader.stop.set()

    app = create_litestar(holder, on_startup=[start], on_shutdown=[stop])
    app.state.loader = loader
    static = {
        "/schema/openapi.json": Prepared.json(openapi_document(app)),
        "/schema/docs.js": Prepared(SCRIPT.encode(), "text/javascript"),
        "/preview/reload.js": Prepared(RELOAD_JS.encode(), "text/javascript"),
        PLACEHOLDER_PATH: Prepared(
            PLACEHOLDER_SVG.encode(), "image/svg+xml", [(b"content-security-policy", ASSET_CSP.encode())]
        ),
    }
    return Edge(app, holder, settings, static)


def create_app_from_env() -> Edge:
    """Factory for the server's workers: settings come from the environment; load in the background."""
    return create_app(settings_from_env(), background=True)
