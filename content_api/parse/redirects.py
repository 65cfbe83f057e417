"""The front matter's ``redirect_from`` and ``redirect_to``, read from their YAML nodes so that each
entry keeps its line and column (a collision between files is found, and reported there, once the
whole folder is loaded: content_api/redirects.py).

* ``redirect_from``: a slug or a list of slugs (the old names of this page, in its kind's path:
  ``/guides/<old>``, ``/apis/<old>``...), normalized as a file name's slug is (lower-cased; a
  trailing ``.md`` dropped). An entry that is not a slug is a ``redirect-from-invalid`` warning at
  its place, and ignored.
* ``redirect_to`` (guides): an absolute ``http``/``https`` URL or a path from the root of this
  site (``/guides/new``). Anything else (a relative path, another scheme, ``javascript:``, a
  protocol-relative ``//host``, a backslash, spaces) is a ``redirect-to-invalid`` error: the guide
  is then served neither as a guide nor as a redirect. Characters a ``Location`` header or an
  nginx configuration cannot carry as they are (non-ASCII, quotes, ``$``...) are percent-encoded.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import yaml

from ..ids import SLUG_RE
from ..located import Located
from ..urls import is_unsafe_url, percent_encode
from .context import Context

_NULL = "tag:yaml.org,2002:null"
#: What a redirect's target keeps as written: percent escapes and the URL characters of RFC 3986
#: but ``$`` (an nginx variable's sign), ``"`` and ``\\``.
_KEPT = re.compile(r"(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9;/?:@&=+,\-_.!~*'()#\[\]])+")
_SPACE = re.compile(r"[\s\x00-\x1f\x7f]")


def _place(node: yaml.Node, fm_line: int) -> tuple[int, int]:
    return fm_line + node.start_mark.line + 1, node.start_mark.column + 1


def read_redirect_from(node: yaml.Node, fm_line: int, ctx: Context) -> list[Located]:
    """The distinct old slugs of a ``redirect_from`` value (a slug, or a list of slugs)."""
    if isinstance(node, yaml.ScalarNode):
        items: list[yaml.Node] = [] if node.tag == _NULL else [node]
    elif isinstance(node, yaml.SequenceNode):
        items = list(node.value)
    else:
        line, column = _place(node, fm_line)
        ctx.add(line, column, "redirect-from-invalid", "'redirect_from' should be a slug or a list of slugs")
        return []
    found: list[Located] = []
    for item in items:
        line, column = _place(item, fm_line)
        if not isinstance(item, yaml.ScalarNode) or item.tag == _NULL:
            ctx.add(line, column, "redirect-from-invalid", "a 'redirect_from' entry should be a slug")
            continue
        written = str(item.value).strip()
        slug = written.lower().removesuffix(".md")
        if not SLUG_RE.match(slug):
            hint = f": write its last part, {slug.rstrip('/').rsplit('/', 1)[-1]!r}?" if "/" in slug else ""
            message = (
                f"'redirect_from' entry {written[:80]!r} is not a slug (lower-case letters, digits, "
                f"'-' and '_'): ignored{hint}"
            )
            ctx.add(line, column, "redirect-from-invalid", message)
        elif all(entry.value != slug for entry in found):
            found.append(Located(slug, line, column))
    return found


def read_redirect_to(node: yaml.Node, fm_line: int, ctx: Context) -> Located | None:
    """The target of a ``redirect_to`` (see :func:`redirect_target`), or None (reported)."""
    line, column = _place(node, fm_line)
    if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
        return None
    written = str(node.value).strip() if isinstance(node, yaml.ScalarNode) else ""
    target, problem = redirect_target(written)
    if target is None:
        ctx.add(line, column, "redirect-to-invalid", f"'redirect_to' {written[:80]!r} {problem}")
        return None
    return Located(target, line, column)


def redirect_target(written: str) -> tuple[str | None, str]:
    """``written`` as a redirect's target, percent-encoded where needed; else None and why."""
    why = "is not an http(s) URL or a path from the root of this site ('/guides/new'): not served"
    if not written:
        return None, why
    if _SPACE.search(written) or "\\" in written:
        return None, "holds spaces, control characters or a backslash: not served"
    if is_unsafe_url(written):
        return None, "is an unsafe URL (javascript:, vbscript:, data:): not served"
    if written.startswith("//"):
        return None, "is protocol-relative ('//host'): write 'https://host/…' (not served)"
    if not written.startswith("/"):
        try:
            parts = urlsplit(written)
        except ValueError:
            return None, why
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return None, why
    return percent_encode(written, _KEPT), ""
