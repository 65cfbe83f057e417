"""/health, /ready and /diagnostics, for operators and writers: one place builds the health figures."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Request
from litestar.params import Parameter
from msgspec import UNSET

from .. import model as m
from .. import status
from ..diagnostics import RULES
from . import params
from .negotiation import Answer
from .prepared import Prepared
from .snapshot import Current, Snapshot

#: The path of the whole diagnostics report.
REPORT = "/diagnostics"


def health(snapshot: Snapshot, reload_error: str | None = None) -> status.Health:
    """The /health figures of ``snapshot``; ``reload_error``: why a later reload did not replace it."""
    library = snapshot.library
    reason = reload_error
    if reason is None and library.errors:
        reason = f"{library.errors} error(s) in the guides: see /diagnostics"
    return status.Health(
        status="degraded" if reason else "ok",
        guides=len(snapshot.catalog.entries),
        errors=library.errors,
        warnings=library.warnings,
        content_hash=library.content_hash,
        loaded_at=library.loaded_at,
        reason=reason,
        webhooks=snapshot.deliveries(),
        pages=UNSET if snapshot.site is None else "loading" if snapshot.site.graph.pending else "ready",
    )


def not_loaded(state: Literal["loading", "failed"], reason: str) -> status.Health:
    """The /health figures while no content is served (loading, or the first load failed)."""
    return status.Health(
        status=state, guides=0, errors=0, warnings=0, content_hash="", loaded_at=None, reason=reason
    )


def report(snapshot: Snapshot, diagnostics: list[m.Diagnostic], reload_error: str | None = None) -> Prepared:
    """The /diagnostics response: the health figures and ``diagnostics``."""
    figures = msgspec.structs.asdict(health(snapshot, reload_error))
    return Prepared.json(status.DiagnosticsReport(**figures, diagnostics=diagnostics))


def prepare_health(snapshot: Snapshot, reload_error: str | None = None) -> dict[str, Prepared]:
    """/health (it says whether the content is degraded, and why). /diagnostics, which says it
    too, is made when first asked for (:func:`whole_report`): every diagnostic of the content,
    tens of megabytes at 100,000 guides, is not held by a process nobody asks."""
    snapshot.reload_error = reload_error
    return {"/health": Prepared.json(health(snapshot, reload_error))}


def refresh_health(snapshot: Snapshot, reload_error: str | None) -> None:
    """/health again, and /diagnostics made again when next asked for (the webhooks' deliveries
    or ``reload_error`` changed)."""
    snapshot.prepared.update(prepare_health(snapshot, reload_error))
    snapshot.prepared.pop(REPORT, None)


def whole_report(snapshot: Snapshot) -> Prepared:
    """/diagnostics without filters: made at the first request and kept with the prepared
    responses (the edge answers it from there), until the health figures change."""
    found = snapshot.prepared.get(REPORT)
    if found is None:
        figures = snapshot.prepared.get("/health")
        found = report(snapshot, snapshot.diagnostics, snapshot.reload_error)
        if snapshot.prepared.get("/health") is figures:  # not refreshed meanwhile (a webhook's thread)
            snapshot.prepared[REPORT] = found
    return found


def prepare_ready(snapshot: Snapshot) -> dict[str, Prepared]:
    return {"/ready": Prepared.json(status.Ready(status="ready", guides=len(snapshot.catalog.entries)))}


def diagnostics(
    request: Request[Any, Any, Any],
    snapshot: Current,
    file: Annotated[
        list[str] | None, Parameter(description="file name (`ccas.md`) or slug; repeatable")
    ] = None,
    code: Annotated[list[str] | None, Parameter(description="diagnostic code; repeatable")] = None,
    severity: Annotated[
        list[Literal["error", "warning", "info"]] | None, Parameter(description="severity; repeatable")
    ] = None,
) -> Answer:
    params.reject_unknown(request, ("file", "code", "severity"))
    files = {f if f.endswith(".md") else f + ".md" for f in params.split_values(file)}
    codes = params.choices("code", code, RULES)
    severities = set(severity or ())
    if not (files or codes or severities):
        return Answer(whole_report(snapshot), snapshot.policy)
    key = f"/diagnostics?file={sorted(files)}&code={sorted(codes)}&severity={sorted(severities)}"
    chosen = [
        d
        for d in snapshot.diagnostics
        if (not files or (d.file or "") in files)
        and (not codes or d.code in codes)
        and (not severities or d.severity in severities)
    ]
    return Answer(snapshot.cached(key, lambda: report(snapshot, chosen)), snapshot.policy)
