"""hast nodes and mdast's ``data`` (the rendering hints): the types of ``node.data`` in the AST.

mdast-util-to-hast reads ``data.hName``, ``data.hProperties`` and ``data.hChildren`` of any node;
:mod:`content_api.hints` sets them, :mod:`content_api.hast` builds the hast of ``hChildren``.
"""

from __future__ import annotations

from typing import Any

import msgspec


class HastText(msgspec.Struct, tag_field="type", tag="text"):
    value: str


class HastRaw(msgspec.Struct, tag_field="type", tag="raw"):
    """Raw HTML (as mdast-util-to-hast makes of an ``html`` node with ``allowDangerousHtml``)."""

    value: str


class HastElement(msgspec.Struct, tag_field="type", tag="element"):
    tag_name: str = msgspec.field(name="tagName")
    properties: dict[str, Any]
    children: list[HastNode]


#: A hast node (https://github.com/syntax-tree/hast), as it appears in ``data.hChildren``.
HastNode = HastElement | HastText | HastRaw


class Data(msgspec.Struct, kw_only=True, omit_defaults=True):
    """mdast's rendering hints: how mdast-util-to-hast renders a node that is not plain mdast.

    ``hName`` renames (or wraps in) an element; ``hProperties`` are set on it after the handler's
    own properties (a ``null`` value removes one); ``hChildren`` replaces its children with hast.
    With them a plain ``toHast`` renders components as ``render_html`` does; they repeat what the
    typed fields say and are never read back by content-api.
    """

    h_name: str | None = msgspec.field(default=None, name="hName")
    h_properties: dict[str, Any] | None = msgspec.field(default=None, name="hProperties")
    h_children: list[HastNode] | None = msgspec.field(default=None, name="hChildren")
