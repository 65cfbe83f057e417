"""Split a guide into front matter and body, decode the YAML, validate the known fields.

python-frontmatter finds the ``---`` boundaries (its YAML handler); PyYAML's libyaml loader
(``CSafeLoader``) reads the mapping. Only a mapping counts as front matter: a file that starts
with a ``---`` thematic break keeps all of its text as Markdown. Every problem becomes a
diagnostic at the file line where it is, never an exception.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from ..ids import SLUG_RE, api_slug, slugify
from ..located import Located
from ..model import Api, Tag
from ..source_map import SourceMap
from ..urls import is_unsafe_url
from .context import Context
from .redirects import read_redirect_from, read_redirect_to

_HANDLER = YAMLHandler()
_BOUNDARY = _HANDLER.FM_BOUNDARY
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Past this many nodes once aliases are expanded, a front matter is refused (billion laughs).
MAX_YAML_NODES = 10_000

_TRUE = {"true", "yes", "oui", "on", "1", "vrai"}
_FALSE = {"false", "no", "non", "off", "0", "faux", ""}


@dataclass
class FrontMatter:
    """The decoded front matter of a guide and where its body starts."""

    found: bool = False
    title: str | None = None
    title_line: int | None = None
    tagline: str | None = None
    tags: list[Tag] = field(default_factory=list)
    apis: list[Api] = field(default_factory=list)
    image: str | None = None
    publish: bool = False
    noindex: bool = False
    search: bool = True
    related: list[str] = field(default_factory=list)
    updated: str | None = None
    redirect_from: list[Located] = field(default_factory=list)
    redirect_to: Located | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    #: 0-based file line of the body's first line.
    body_line: int = 0


def split_front_matter(text: str, ctx: Context) -> FrontMatter:
    """Find and decode the front matter of ``text`` (already BOM- and CRLF-free)."""
    result = FrontMatter(body=text)
    located = _locate(text, ctx)
    if located is None:
        ctx.add(1, 1, "title-missing", "the file has no front matter, so no 'title'")
        return result
    node, fm_line = located.node, located.line
    if not located.mapping_or_broken:
        # Not a mapping: the '---' was a thematic break; keep every line as Markdown.
        ctx.add(
            1,
            1,
            "title-missing",
            "the file starts with '---' but what follows is not a YAML mapping: it is read as "
            "Markdown (a thematic break), and the guide has no front matter, so no 'title'",
        )
        return result
    result.found = True
    if isinstance(node, yaml.MappingNode):
        _read_fields(node, fm_line, result, ctx)
    if result.title is None and node is not _FAILED:
        if result.title_line is not None:
            ctx.add(result.title_line, 1, "title-missing", "'title' is empty or not text")
        else:
            ctx.add(fm_line + 1, 1, "title-missing", "the front matter has no 'title'")
    result.body, result.body_line = located.body, located.body_line
    return result


@dataclass
class _Located:
    """A front matter found between its ``---`` lines: what ``_compose`` made of it (a node,
    None when empty, ``_FAILED`` when broken and reported), its 0-based file line, and the body
    after it."""

    node: Any
    line: int
    body: str
    body_line: int

    @property
    def mapping_or_broken(self) -> bool:
        """Whether it is a front matter at all: not a YAML value other than a mapping (then the
        ``---`` was a thematic break, and every line is Markdown)."""
        return self.node is _FAILED or self.node is None or isinstance(self.node, yaml.MappingNode)


def _locate(text: str, ctx: Context) -> _Located | None:
    """The front matter of ``text`` composed as YAML, or None when there is none (an opening
    ``---`` without its closing one is reported)."""
    opening = _BOUNDARY.match(text) if _HANDLER.detect(text) else None
    closing = _BOUNDARY.search(text, opening.end()) if opening else None
    if opening and not closing:
        _report_unclosed(text, opening.end(), ctx)
    if opening is None or closing is None:
        return None
    where = SourceMap(text)
    line = where.line_index(opening.end())
    node = _compose(text[opening.end() : closing.start()], line, ctx)
    body_start = closing.end()
    if body_start < len(text) and text[body_start] == "\n":
        body_start += 1
    return _Located(node, line, text[body_start:], where.line_index(body_start))


@dataclass
class YamlFrontMatter:
    """A front matter as a YAML node graph, for readers that need each value's place in the file
    (the content graph's kinds: see content_api/graph/)."""

    #: the mapping, or None (no front matter, broken YAML, empty, or not a mapping)
    node: yaml.MappingNode | None = None
    #: 0-based file line where the YAML text starts
    line: int = 0
    #: there is a front matter (a mapping, empty, or broken YAML already reported)
    found: bool = False
    body: str = ""
    #: 0-based file line of the body's first line
    body_line: int = 0


def compose_front_matter(text: str, ctx: Context) -> YamlFrontMatter:
    """The front matter of ``text`` (BOM- and CRLF-free) as YAML nodes, found with the rules of
    :func:`split_front_matter` (a ``---`` thematic break followed by no mapping is Markdown) and
    reported the same way (``yaml-invalid``, ``yaml-too-large``, ``front-matter-unclosed``); no
    field is read."""
    result = YamlFrontMatter(body=text)
    located = _locate(text, ctx)
    if located is None:
        return result
    result.line = located.line
    if not located.mapping_or_broken:
        return result
    result.found = True
    result.node = located.node if isinstance(located.node, yaml.MappingNode) else None
    result.body, result.body_line = located.body, located.body_line
    return result


def _report_unclosed(text: str, start: int, ctx: Context) -> None:
    head = text[start : start + 400].lstrip("\n").split("\n", 1)[0]
    if ":" in head and not head.lstrip().startswith(("#", "-", ">")):
        ctx.add(
            1,
            1,
            "front-matter-unclosed",
            "the file starts with '---' and a 'key: value' line but no closing '---': "
            "the front matter is read as Markdown",
        )


_FAILED: Any = object()


def _compose(fm_text: str, fm_line: int, ctx: Context) -> Any:
    """Compose the YAML node graph; on a YAML error report it at its file line."""
    loader = _Loader(fm_text)
    try:
        node: yaml.Node | None = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = fm_line + (mark.line if mark else 0) + 1
        column = (mark.column if mark else 0) + 1
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.context_mark and exc.problem:
            problem = f"{exc.context} (line {fm_line + exc.context_mark.line + 1}): {problem}"
        ctx.add(line, column, "yaml-invalid", f"invalid YAML front matter: {problem}")
        return _FAILED
    except yaml.YAMLError as exc:
        ctx.add(fm_line + 1, 1, "yaml-invalid", f"invalid YAML front matter: {exc}")
        return _FAILED
    finally:
        loader.dispose()
    if node is not None and "*" in fm_text and _expanded_size(node, {}) > MAX_YAML_NODES:
        ctx.add(
            fm_line + 1,
            1,
            "yaml-too-large",
            f"the front matter expands to more than {MAX_YAML_NODES} YAML nodes (alias bomb?)",
        )
        return _FAILED
    return node


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = MAX_YAML_NODES + 1  # a cycle counts as too large
    size = 1
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            size += _expanded_size(child, memo)
            if size > MAX_YAML_NODES:
                break
    elif isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            size += _expanded_size(key_node, memo) + _expanded_size(value_node, memo)
            if size > MAX_YAML_NODES:
                break
    memo[key] = size
    return size


def _construct(loader: Any, node: yaml.Node, line: int, key: str, ctx: Context) -> tuple[bool, Any]:
    try:
        return True, loader.construct_document(node)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        ctx.add(line, 1, "yaml-invalid", f"front matter '{key}': {problem}".replace("\n", " "))
        return False, None


def _read_fields(mapping: yaml.MappingNode, fm_line: int, fm: FrontMatter, ctx: Context) -> None:
    seen: set[str] = set()
    loader = _Loader("")
    for key_node, value_node in mapping.value:
        line = fm_line + key_node.start_mark.line + 1
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else repr(key_node.value)
        if key in seen:
            ctx.add(line, 1, "yaml-duplicate-key", f"key '{key}' is repeated: the last value wins")
        seen.add(key)
        if key in ("redirect_from", "redirect_to"):  # read from the node: each entry's place
            _read_redirect(fm, key, value_node, fm_line, ctx)
            continue
        ok, value = _construct(loader, value_node, line, key, ctx)
        if not ok:
            continue
        raw = value_node.value if isinstance(value_node, yaml.ScalarNode) else None
        reader = _FIELDS.get(key)
        if reader is None:
            fm.extra[key] = _jsonable(value)
        else:
            reader(fm, value, raw, line, ctx)
    loader.dispose()


# --- field readers --------------------------------------------------------------------------------


def _read_redirect(fm: FrontMatter, key: str, node: yaml.Node, fm_line: int, ctx: Context) -> None:
    if key == "redirect_from":
        fm.redirect_from = read_redirect_from(node, fm_line, ctx)
    else:
        fm.redirect_to = read_redirect_to(node, fm_line, ctx)


def _text(value: Any, raw: str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip()
    if raw is not None:  # a YAML number or date: keep it as written (1.10 stays "1.10")
        return raw.strip()
    return None


def _read_title(fm: FrontMatter, value: Any, raw: str | None, line: int, ctx: Context) -> None:
    fm.title = _text(value, raw) or None
    fm.title_line = line


def _read_tagline(fm: FrontMatter, value: Any, raw: str | None, line: int, ctx: Context) -> None:
    fm.tagline = _text(value, raw) or None
    if value is not None and fm.tagline is None:
        ctx.add(line, 1, "front-matter-type", "'tagline' should be text: ignored")


def _read_image(fm: FrontMatter, value: Any, raw: str | None, line: int, ctx: Context) -> None:
    fm.image = _text(value, raw) or None
    if value is not None and fm.image is None:
        ctx.add(line, 1, "front-matter-type", "'image' should be a file name or URL: ignored")
    elif fm.image and is_unsafe_url(fm.image):
        ctx.add(line, 1, "url-unsafe", f"unsafe 'image' removed: {fm.image[:60]!r}")
        fm.image = None


def _items(value: Any, name: str, line: int, ctx: Context) -> list[str]:
    """A comma-separated string or a list, as stripped non-empty strings."""
    if value is None:
        return []
    if isinstance(value, str):
        parts: list[Any] = value.split(",")
    elif isinstance(value, list):
        parts = value
    else:
        parts = [value]
    items = []
    for part in parts:
        if isinstance(part, (dict, list)):
            ctx.add(line, 1, "front-matter-type", f"'{name}': {part!r} is not a name: ignored")
            continue
        text = str(part).strip() if part is not None else ""
        if text:
            items.append(text)
    return items


def _read_names(
    value: Any, key: str, line: int, ctx: Context, normalize: Callable[[str], str], what: tuple[str, str]
) -> list[tuple[str, str]]:
    """The distinct (slug, name) of a list of names; one without letter or digit is reported
    (``what``: the code and the noun of the message)."""
    code, noun = what
    seen: dict[str, str] = {}
    for name in _items(value, key, line, ctx):
        slug = normalize(name)
        if not slug:
            ctx.add(line, 1, code, f"{noun} {name!r} has no letter or digit: ignored")
        else:
            seen.setdefault(slug, name)
    return list(seen.items())


def _read_tags(fm: FrontMatter, value: Any, raw: str | None, line: int, ctx: Context) -> None:
    names = _read_names(value, "tags", line, ctx, slugify, ("tag-invalid", "tag"))
    fm.tags += [Tag(slug=slug, label=label) for slug, label in names]


def _read_api(fm: FrontMatter, value: Any, raw: str | None, line: int, ctx: Context) -> None:
    names = _read_names(value, "api", line, ctx, api_slug, ("api-invalid", "API"))
    fm.apis += [Api(slug=slug, name=name) for slug, name in names]


def _read_related(fm: FrontMatter, value: Any, raw: str | None, line: int, ctx: Context) -> None:
    for item in _items(value, "related_guides", line, ctx):
        slug = item.rstrip("/").rsplit("/", 1)[-1].lower()
        slug = slug.removesuffix(".md")
        if not SLUG_RE.match(slug):
            ctx.add(line, 1, "related-invalid", f"related guide {item!r} is not a guide slug")
        elif slug not in fm.related:
            fm.related.append(slug)


def _bool(name: str, value: Any, line: int, ctx: Context) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if value is not None else ""
    if text in _TRUE or text in _FALSE:
        if value is not None:
            ctx.add(line, 1, "front-matter-type", f"'{name}' should be true or false, not {value!r}")
        return text in _TRUE
    ctx.add(line, 1, "front-matter-type", f"'{name}' should be true or false, not {value!r}: false")
    return False


def _read_publish(fm: FrontMatter, value: Any, raw: str | None, line: int, ctx: Context) -> None:
    fm.publish = _bool("publish", value, line, ctx)


def _read_noindex(fm: FrontMatter, value: Any, raw: str | None, line: int, ctx: Context) -> None:
    fm.noindex = _bool("noindex", value, line, ctx)


def _read_search(fm: FrontMatter, value: Any, raw: str | None, line: int, ctx: Context) -> None:
    fm.search = _bool("search", value, line, ctx)


def _read_updated(fm: FrontMatter, value: Any, raw: str | None, line: int, ctx: Context) -> None:
    if isinstance(value, (dt.date, dt.datetime)):
        fm.updated = value.isoformat()
    elif isinstance(value, str) and value.strip():
        fm.updated = value.strip()
    elif value is not None:
        ctx.add(line, 1, "front-matter-type", "'updated'/'date' should be a date: ignored")


def _read_date(fm: FrontMatter, value: Any, raw: str | None, line: int, ctx: Context) -> None:
    fm.extra["date"] = _jsonable(value)
    if fm.updated is None:
        _read_updated(fm, value, raw, line, ctx)


_FIELDS = {
    "title": _read_title,
    "tagline": _read_tagline,
    "tags": _read_tags,
    "image": _read_image,
    "api": _read_api,
    "publish": _read_publish,
    "noindex": _read_noindex,
    "search": _read_search,
    "related_guides": _read_related,
    "updated": _read_updated,
    "date": _read_date,
}


def _jsonable(value: Any, depth: int = 0) -> Any:
    """YAML values as JSON values: dates as ISO 8601, sets as lists, bytes as base64."""
    if depth > 50:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v, depth + 1) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, float) and value != value:  # NaN has no JSON form
        return None
    return value
