"""Query parameters: what Litestar's typed parameters do not check, each error a named 400."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from litestar import Request

from ..catalog import SUMMARY_FIELDS
from ..catalog.query import split_values
from .problems import BadParameters, ParamError

__all__ = ["choices", "fields", "reject_unknown", "split_values"]


def reject_unknown(
    request: Request[Any, Any, Any],
    allowed: Iterable[str],
    single: Iterable[str] = (),
    typed: Iterable[str] = (),
) -> None:
    """A 400 naming every query parameter the endpoint does not know, every ``single`` one given
    more than once, and every ``typed`` one (a number, a boolean, a choice) given as ``null``, which
    the framework would otherwise read as absent."""
    known = set(allowed)
    params = request.query_params
    errors = [
        ParamError(name, f"unknown parameter (allowed: {', '.join(sorted(known)) or 'none'})")
        for name in params
        if name not in known
    ]
    errors += [
        ParamError(name, "given more than once") for name in single if len(params.getall(name, [])) > 1
    ]
    errors += [ParamError(name, "null is not a value") for name in typed if params.get(name) == "null"]
    if errors:
        raise BadParameters(errors)


def choices(name: str, values: Iterable[str] | None, known: Iterable[str]) -> set[str]:
    """Values of a parameter with a fixed set of values: an empty or unknown one is a 400."""
    chosen = {part.strip() for value in values or () for part in value.split(",")}
    unknown = chosen - set(known)
    if unknown:
        raise BadParameters(
            [ParamError(name, f"unknown value(s) {sorted(unknown)}; known: {', '.join(sorted(known))}")]
        )
    return chosen


def fields(value: str | None) -> tuple[str, ...] | None:
    """The /guides ``fields`` asked for (None: every field); an unknown one is a 400."""
    chosen = tuple(dict.fromkeys(split_values(value)))
    if not chosen:
        return None
    unknown = [f for f in chosen if f not in SUMMARY_FIELDS]
    if unknown:
        raise BadParameters(
            [ParamError("fields", f"unknown field(s) {unknown}; known: {', '.join(sorted(SUMMARY_FIELDS))}")]
        )
    return chosen
