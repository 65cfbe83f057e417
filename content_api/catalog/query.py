"""A /guides query as plain values: normalized once, so that two spellings of it are one query.

:class:`GuideQuery` is what :meth:`content_api.catalog.Catalog.select` answers and what the API's
``links`` write back (:meth:`GuideQuery.link`); :meth:`GuideQuery.of` builds one from the values a
user gives (tag labels or slugs, API names or slugs, a search as typed).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Literal, TypedDict

import msgspec

from ..ids import api_slug, slugify
from .search import normalize_query

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing's own from Python 3.12

Sort = Literal["title", "-title", "slug", "-slug", "updated", "-updated"]
SORTS: tuple[Sort, ...] = ("title", "-title", "slug", "-slug", "updated", "-updated")
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


def split_values(values: str | Iterable[str] | None) -> list[str]:
    """Repeated and comma-separated values: ``["a,b", "c"]`` -> ["a", "b", "c"]; empty ones dropped.

    An empty value is no value: ``tag=`` (what a form sends for an empty field, and how OpenAPI
    clients write a null) filters nothing.
    """
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for value in values:
        out.extend(part for part in (part.strip() for part in value.split(",")) if part)
    return out


def normalized(values: str | Iterable[str] | None, normalize: Callable[[str], str]) -> tuple[str, ...]:
    """Distinct normalized values; one without letter or digit normalizes to ``""``, which no guide has."""
    return tuple(dict.fromkeys(normalize(value) for value in split_values(values)))


class Filters(TypedDict, total=False):
    """What :meth:`GuideQuery.of` takes: the /guides parameters as a user writes them."""

    tag: str | Iterable[str] | None
    api: str | Iterable[str] | None
    publish: bool | None
    noindex: bool | None
    q: str | None
    sort: Sort | None
    page: int
    per_page: int
    fields: tuple[str, ...] | None


class GuideQuery(msgspec.Struct, frozen=True):
    """A normalized /guides query: tag and API slugs, flags, search, order, page, fields."""

    tags: tuple[str, ...] = ()
    apis: tuple[str, ...] = ()
    publish: bool | None = None
    noindex: bool | None = None
    q: str | None = None
    sort: Sort | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    fields: tuple[str, ...] | None = None

    @classmethod
    def of(cls, **values: Unpack[Filters]) -> GuideQuery:
        """The query for values as a user gives them: tag labels or slugs (``Social`` = ``social``),
        API names or slugs (``API Particulier`` = ``particulier``), a search as typed (see
        :func:`.search.normalize_query`). Raises ValueError on a bad sort, page or page size."""
        sort, page, per_page = (
            values.get("sort"),
            values.get("page", 1),
            values.get("per_page", DEFAULT_PER_PAGE),
        )
        if sort is not None and sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r}; known: {', '.join(SORTS)}")
        if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"page must be >= 1 and per_page within 1..{MAX_PER_PAGE}")
        return cls(
            tags=normalized(values.get("tag"), slugify),
            apis=normalized(values.get("api"), api_slug),
            publish=values.get("publish"),
            noindex=values.get("noindex"),
            q=normalize_query(values.get("q")),
            sort=sort,
            page=page,
            per_page=per_page,
            fields=values.get("fields"),
        )

    def link(self, page: int) -> str:
        """The relative URL of ``page`` of this query, parameters in a fixed order."""
        params: list[tuple[str, str]] = [("tag", t) for t in self.tags] + [("api", a) for a in self.apis]
        for name in ("publish", "noindex"):
            value = getattr(self, name)
            if value is not None:
                params.append((name, "true" if value else "false"))
        if self.q is not None:
            params.append(("q", self.q))
        if self.sort is not None:
            params.append(("sort", self.sort))
        if self.fields is not None:
            params.append(("fields", ",".join(self.fields)))
        if page != 1:
            params.append(("page", str(page)))
        if self.per_page != DEFAULT_PER_PAGE:
            params.append(("per_page", str(self.per_page)))
        query = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
        return "/guides" + ("?" + query if query else "")
