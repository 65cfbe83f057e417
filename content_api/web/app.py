"""create_app(settings): the Litestar application, built on a Library loaded at startup."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Litestar, Request, Response, get
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import Parameter

from .. import model as m
from ..config import Settings, settings_from_env
from ..library import Library, load_library

ASSET_BASE = "https://api.gouv.fr/images/guides/"


def summary(guide: m.Guide) -> m.GuideSummary:
    assert guide.slug is not None and guide.title is not None
    image_url = thumbnail_url = None
    if guide.image:
        image_url = ASSET_BASE + guide.image
        thumbnail_url = ASSET_BASE + "thumbnail_" + guide.image
    return m.GuideSummary(
        slug=guide.slug,
        path=f"/guides/{guide.slug}",
        title=guide.title,
        tagline=guide.tagline,
        tags=guide.tags,
        apis=guide.apis,
        image=guide.image,
        image_url=image_url,
        thumbnail_url=thumbnail_url,
        publish=guide.publish,
        noindex=guide.noindex,
        related=guide.related,
        updated=guide.updated,
        excerpt=guide.excerpt,
        reading_time=guide.reading_time,
        extra=guide.extra,
    )


def detail(library: Library, guide: m.Guide) -> m.GuideDetail:
    base = summary(guide)
    related = [summary(library.guides[s]) for s in guide.related if s in library.guides]
    fields = {f: getattr(base, f) for f in base.__struct_fields__}
    return m.GuideDetail(
        **fields, body=guide.body, toc=guide.toc, related_guides=related, editors=guide.editors
    )


@get("/guides", sync_to_thread=False)
def list_guides(request: Request[Any, Any, Any]) -> dict[str, Any]:
    library: Library = request.app.state.library
    data = [summary(g) for g in sorted(library.guides.values(), key=lambda g: g.slug or "")]
    return {"data": data, "meta": {"total": len(data)}}


@get("/guides/{slug:str}", sync_to_thread=False)
def get_guide(request: Request[Any, Any, Any], slug: Annotated[str, Parameter()]) -> m.GuideDetail:
    library: Library = request.app.state.library
    guide = library.guides.get(slug)
    if guide is None:
        raise NotFoundException(f"no guide {slug!r}")
    return detail(library, guide)


@get("/health", sync_to_thread=False)
def health(request: Request[Any, Any, Any]) -> dict[str, Any]:
    library: Library = request.app.state.library
    return {
        "status": "ok",
        "guides": len(library.guides),
        "errors": library.errors,
        "warnings": library.warnings,
        "content_hash": library.content_hash,
        "loaded_at": library.loaded_at,
    }


def _problem(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    return Response(
        {"type": "about:blank", "title": exc.detail, "status": exc.status_code, "detail": exc.detail},
        status_code=exc.status_code,
        media_type="application/problem+json",
    )


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or settings_from_env()
    library = load_library(settings.content_dir)
    app = Litestar(
        route_handlers=[list_guides, get_guide, health],
        exception_handlers={HTTPException: _problem},
    )
    app.state.library = library
    return app


def create_app_from_env() -> Litestar:
    """Factory for uvicorn workers: settings come from the environment."""
    return create_app(settings_from_env())
