"""Typed values out of a front matter's YAML nodes, each problem reported at its line.

A kind (API page, producer, service) declares its keys as a :data:`Spec`: YAML key -> (field,
reader). :func:`read_mapping` reads a mapping node with it: known keys through their reader,
unknown ones kept under ``extra`` (a key close to a known one gets a ``key-unknown`` warning
naming it). Markdown inside a YAML string is parsed by the guide engine
(:func:`content_api.parse.parse_markdown`) at the file line and column where the string's text
starts: for a block scalar (``description: |``), the line after the indicator and the block's
indentation; for a plain or quoted one, where it starts on its line.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
import yaml

from .. import model as m
from ..located import Located
from ..parse import ParseOptions, parse_markdown
from ..parse.context import Context
from ..parse.front_matter import _jsonable as jsonable
from ..parse.redirects import read_redirect_from
from .kinds import AccessRule, Ref

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"

#: YAML key -> (field name, reader method of :class:`Reader`)
Spec = dict[str, tuple[str, str]]


@dataclass
class Reader:
    """Reads the values of one file's front matter; problems go to ``ctx`` at file positions."""

    ctx: Context
    #: the file's lines (to find a block scalar's indentation)
    lines: list[str]
    #: 0-based file line where the YAML text starts
    fm_line: int
    options: ParseOptions
    slug: str | None = None
    #: False: the Markdown strings are checked to be strings, not parsed (a deferred page: see
    #: ``graph/load.py``)
    parse: bool = True

    def __post_init__(self) -> None:
        self._loader = _Loader("")

    def close(self) -> None:
        self._loader.dispose()

    def line(self, node: yaml.Node) -> int:
        return self.fm_line + node.start_mark.line + 1

    def warn(self, node: yaml.Node, key: str, expected: str) -> None:
        self.ctx.add(
            self.line(node),
            node.start_mark.column + 1,
            "front-matter-type",
            f"'{key}' should be {expected}: ignored",
        )

    def value(self, node: yaml.Node, key: str) -> tuple[bool, Any]:
        try:
            return True, self._loader.construct_document(node)
        except (yaml.YAMLError, TypeError, ValueError) as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            self.ctx.add(
                self.line(node), 1, "yaml-invalid", f"front matter '{key}': {problem}".replace("\n", " ")
            )
            return False, None

    # --- readers: (node, key) -> value ------------------------------------------------------------

    def text(self, node: yaml.Node, key: str) -> str | None:
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _NULL:
                return None
            return str(node.value).strip() or None  # numbers and dates as written (1.10 stays 1.10)
        self.warn(node, key, "text")
        return None

    def integer(self, node: yaml.Node, key: str) -> int | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
            return None
        ok, value = self.value(node, key)
        if ok and isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            value = int(value.strip())
        if ok and isinstance(value, int) and not isinstance(value, bool):
            return value
        if ok:
            self.warn(node, key, "a whole number")
        return None

    def number(self, node: yaml.Node, key: str) -> float | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
            return None
        ok, value = self.value(node, key)
        if ok and isinstance(value, int | float) and not isinstance(value, bool) and value == value:
            return float(value)
        if ok:
            self.warn(node, key, "a number")
        return None

    def boolean(self, node: yaml.Node, key: str) -> bool:
        ok, value = self.value(node, key)
        if ok and isinstance(value, bool):
            return value
        if ok and value is not None:
            self.warn(node, key, "true or false")
        return False

    def mapping(self, node: yaml.Node, key: str) -> dict[str, Any] | None:
        ok, value = self.value(node, key)
        if ok and isinstance(value, dict):
            result: dict[str, Any] = jsonable(value)
            return result
        if ok and value is not None:
            self.warn(node, key, "a mapping of keys and values")
        return None

    def names(self, node: yaml.Node, key: str) -> list[str]:
        return [ref.name for ref in self.refs(node, key)]

    def refs(self, node: yaml.Node, key: str) -> list[Ref]:
        """A list of names (or one name, or comma-separated names), each with its place."""
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _NULL:
                return []
            return [self._ref(node, part) for part in str(node.value).split(",") if part.strip()]
        if not isinstance(node, yaml.SequenceNode):
            self.warn(node, key, "a list of names")
            return []
        found = []
        for item in node.value:
            if isinstance(item, yaml.ScalarNode) and item.tag != _NULL and str(item.value).strip():
                found.append(self._ref(item, str(item.value)))
            elif not (isinstance(item, yaml.ScalarNode) and item.tag == _NULL):
                self.warn(item, key, "a list of names (not of lists or mappings)")
        return found

    def ref(self, node: yaml.Node, key: str) -> Ref | None:
        if isinstance(node, yaml.ScalarNode) and node.tag != _NULL and str(node.value).strip():
            return self._ref(node, str(node.value))
        if not isinstance(node, yaml.ScalarNode):
            self.warn(node, key, "a name")
        return None

    def redirects(self, node: yaml.Node, key: str) -> list[Located]:
        """``redirect_from``: old slugs, each with its place (see parse/redirects.py)."""
        return read_redirect_from(node, self.fm_line, self.ctx)

    def _ref(self, node: yaml.Node, name: str) -> Ref:
        return Ref(name=name.strip(), line=self.line(node), column=node.start_mark.column + 1)

    def markdown(self, node: yaml.Node, key: str) -> m.Root | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
            return None
        if not isinstance(node, yaml.ScalarNode):
            self.warn(node, key, "Markdown text")
            return None
        if not self.parse:
            return None
        first, indent = self._start(node)
        before = len(self.ctx.diagnostics)
        root, _ = parse_markdown(str(node.value), first, self.ctx, self.options, self.slug)
        if indent:
            shift_columns(root, indent)
            found = self.ctx.diagnostics
            for index in range(before, len(found)):
                found[index] = msgspec.structs.replace(found[index], column=found[index].column + indent)
        return root

    def _start(self, node: yaml.ScalarNode) -> tuple[int, int]:
        """0-based file line and 0-based column where the scalar's text starts."""
        mark = node.start_mark
        if node.style in ("|", ">"):
            first = self.fm_line + mark.line + 1
            for text in self.lines[first : first + 10_000]:
                if text.strip():
                    return first, len(text) - len(text.lstrip(" "))
            return first, 0
        return self.fm_line + mark.line, mark.column + (1 if node.style in ('"', "'") else 0)

    def access(self, node: yaml.Node, key: str) -> list[AccessRule]:
        if isinstance(node, yaml.ScalarNode) and node.tag == _NULL:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.warn(node, key, "a list of access rules (who, is_eligible, description)")
            return []
        rules = []
        for item in node.value:
            if not isinstance(item, yaml.MappingNode):
                self.warn(item, key, "a list of mappings (who, is_eligible, description)")
                continue
            values, extra = read_mapping(item, ACCESS_SPEC, self)
            rules.append(AccessRule(**values, extra=extra))
        return rules


ACCESS_SPEC: Spec = {
    "who": ("who", "names"),
    "is_eligible": ("is_eligible", "integer"),
    "description": ("description", "markdown"),
}


def shift_columns(node: Any, columns: int) -> None:
    """Move every position of an AST ``columns`` to the right (Markdown read from an indented block)."""
    position = getattr(node, "position", None)
    if position is not None:
        start, end = position.start, position.end
        node.position = m.Position(
            start=m.Point(start.line, start.column + columns), end=m.Point(end.line, end.column + columns)
        )
    for child in getattr(node, "children", None) or ():
        shift_columns(child, columns)


def read_mapping(node: yaml.MappingNode, spec: Spec, reader: Reader) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields of ``spec`` read from ``node`` (field -> value), and the other keys (``extra``)."""
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    seen: set[str] = set()
    for key_node, value_node in node.value:
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else repr(key_node.value)
        line = reader.line(key_node)
        if key in seen:
            reader.ctx.add(line, 1, "yaml-duplicate-key", f"key '{key}' is repeated: the last value wins")
        seen.add(key)
        known = spec.get(key)
        if known is not None:
            read: Callable[[yaml.Node, str], Any] = getattr(reader, known[1])
            values[known[0]] = read(value_node, key)
            continue
        ok, value = reader.value(value_node, key)
        if ok:
            extra[key] = jsonable(value)
            _unknown_key(reader, key, line, spec)
    return values, extra


def _unknown_key(reader: Reader, key: str, line: int, spec: Spec) -> None:
    lowered = {known.lower(): known for known in spec}
    close = difflib.get_close_matches(key.lower(), list(lowered), n=1, cutoff=0.8)
    if close and lowered[close[0]] != key:
        reader.ctx.add(
            line,
            1,
            "key-unknown",
            f"unknown key '{key}' (kept under extra): did you mean '{lowered[close[0]]}'?",
        )
