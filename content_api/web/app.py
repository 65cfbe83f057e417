"""create_app(settings): the Litestar application behind the edge, on a Snapshot built at load."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Litestar, Request
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.static_files import create_static_files_router

from .. import __version__
from ..config import Settings, settings_from_env
from ..library import Library
from .docs import ASSETS, ASSETS_PATH, SCRIPT, LocalSwagger
from .edge import Edge
from .loader import Loader, SnapshotHolder
from .openapi import openapi_document
from .prepared import Prepared
from .preview import ASSET_CSP, PLACEHOLDER_PATH, PLACEHOLDER_SVG, PREVIEW_HANDLERS, RELOAD_JS
from .problems import EXCEPTION_HANDLERS, NotLoaded
from .routes import HANDLERS as API_HANDLERS
from .rsgi import RsgiEdge
from .snapshot import Snapshot

log = logging.getLogger("content_api")

#: Every handler: the route table's, the preview's.
HANDLERS = [*API_HANDLERS, *PREVIEW_HANDLERS]


def current_snapshot(request: Request[Any, Any, Any]) -> Snapshot:
    """The snapshot being served, for the handlers that declare a ``snapshot`` parameter (a 503
    while there is none: the edge answers those requests itself, so this is a safety net)."""
    holder: SnapshotHolder = request.app.state.holder
    snapshot = holder.snapshot
    if snapshot is None:
        raise NotLoaded(holder.not_loaded_detail())
    return snapshot


def create_litestar(
    holder: SnapshotHolder, on_startup: list[Any] | None = None, on_shutdown: list[Any] | None = None
) -> Litestar:
    return Litestar(
        route_handlers=[
            *HANDLERS,
            create_static_files_router(path=ASSETS_PATH, directories=[ASSETS], include_in_schema=False),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        dependencies={"snapshot": Provide(current_snapshot, sync_to_thread=False)},
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
    holder = SnapshotHolder()
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
        loader.webhooks.close()

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


def create_rsgi_app_from_env() -> RsgiEdge:
    """Factory for granian's workers: the same application through its RSGI interface."""
    return RsgiEdge(create_app_from_env())
