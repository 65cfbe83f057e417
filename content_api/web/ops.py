"""/health and /diagnostics, for operators and editors."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Request, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

from .. import model as m
from ..diagnostics import RULES
from .common import Raw, choices, current_site, reject_unknown, reply, split_values
from .site import diagnostics_response


@get(
    "/health",
    sync_to_thread=False,
    summary="Is the content loaded?",
    description=(
        "Liveness. `status` is `ok`, `degraded` when a guide failed to load (see /diagnostics), `loading` "
        "while the content loads (200: the process is alive), or `failed` (503) when loading crashed."
    ),
    responses={200: ResponseSpec(data_container=m.Health, generate_examples=False, description="Health")},
)
def health(request: Request[Any, Any, Any]) -> Raw:
    reject_unknown(request, ())
    site = current_site(request)
    return reply(request, site.prepared["/health"], site)


@get(
    "/ready",
    sync_to_thread=False,
    summary="Can this instance take traffic?",
    description="200 once the content is loaded; 503 (a problem, with Retry-After) while it loads.",
    responses={200: ResponseSpec(data_container=m.Ready, generate_examples=False, description="Ready")},
)
def ready(request: Request[Any, Any, Any]) -> Raw:
    reject_unknown(request, ())
    site = current_site(request)
    return reply(request, site.prepared["/ready"], site)


@get(
    "/diagnostics",
    sync_to_thread=False,
    summary="What is wrong in the guides, file by file",
    description="The health figures and every diagnostic, sorted by file and line; filters combine.",
    responses={
        200: ResponseSpec(
            data_container=m.DiagnosticsReport, generate_examples=False, description="Diagnostics"
        )
    },
)
def diagnostics(
    request: Request[Any, Any, Any],
    file: Annotated[
        list[str] | None, Parameter(description="file name (`ccas.md`) or slug; repeatable")
    ] = None,
    code: Annotated[list[str] | None, Parameter(description="diagnostic code; repeatable")] = None,
    severity: Annotated[
        list[Literal["error", "warning", "info"]] | None, Parameter(description="severity; repeatable")
    ] = None,
) -> Raw:
    reject_unknown(request, ("file", "code", "severity"))
    site = current_site(request)
    files = {f if f.endswith(".md") else f + ".md" for f in split_values(file)}
    codes = choices("code", code, RULES)
    severities = set(severity or ())
    if not (files or codes or severities):
        return reply(request, site.prepared["/diagnostics"], site)
    key = f"/diagnostics?file={sorted(files)}&code={sorted(codes)}&severity={sorted(severities)}"
    chosen = [
        d
        for d in site.diagnostics
        if (not files or (d.file or "") in files)
        and (not codes or d.code in codes)
        and (not severities or d.severity in severities)
    ]
    return reply(request, site.cached(key, lambda: diagnostics_response(site, chosen)), site)
