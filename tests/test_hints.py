"""The rendering hints (mdast's ``data.hName``/``hProperties``/``hChildren``) the parser sets.

What a plain ``toHast`` makes of them is tested in Node against ``render_html`` (tests/test_unified.py)
and against this module's port of to-hast (tests/test_hast.py); here: which node gets which hint,
that plain nodes get none, the depth cap on nested ``hChildren``, and the loose task item of
``render_html``.
"""

from __future__ import annotations

from typing import Any

import msgspec

from content_api import model as m
from content_api import parse_guide, render_html
from content_api.hast_types import HastElement, HastText
from content_api.hints import HINT_BUDGET_BASE, HINT_BUDGET_FACTOR, MAX_HINT_DEPTH

FRONT = "---\ntitle: t\n---\n"


def body(markdown: str) -> list[Any]:
    return parse_guide(FRONT + markdown, "t.md").body.children


def first(nodes: list[Any], kind: type) -> Any:
    stack = list(nodes)
    while stack:
        node = stack.pop(0)
        if isinstance(node, kind):
            return node
        stack[:0] = getattr(node, "children", None) or []
    raise AssertionError(f"no {kind.__name__}")


def builtins(data: m.Data | None) -> Any:
    return msgspec.to_builtins(data)


def test_heading_link_and_image_hints() -> None:
    nodes = body('## Cadre juridique\n\n[a](http://ünicode.com/é "t") ![b](/%zz.png) [c](/é)\n')
    assert builtins(nodes[0].data) == {"hProperties": {"id": "cadre-juridique"}}
    link, image = first(nodes, m.Link), first(nodes, m.Image)
    assert link.url == "http://ünicode.com/é"  # the typed field stays as written
    assert builtins(link.data) == {"hProperties": {"href": "http://xn--nicode-2ya.com/%C3%A9"}}
    assert builtins(image.data) == {"hProperties": {"src": "/%25zz.png"}}  # to-hast keeps "%zz"
    # where to-hast writes the same URL (most URLs), no hint
    plain = [node for node in nodes[1].children if isinstance(node, m.Link)][1]
    assert plain.url == "/é" and plain.data is None
    assert 'href="http://xn--nicode-2ya.com/%C3%A9"' in render_html(m.Root(children=nodes))


def test_plain_nodes_have_no_hints() -> None:
    nodes = body(
        "a *b* **c** ~~d~~ `e`  \nf\n\n> g\n\n- h\n\n```js\ni\n```\n\n| j |\n|---|\n| k |\n\n<b>l</b>\n"
    )
    stack: list[Any] = list(nodes)
    while stack:
        node = stack.pop()
        assert node.data is None, node
        stack.extend(getattr(node, "children", None) or [])


def test_task_lists_lose_the_github_classes() -> None:
    tasks, plain = body("- [x] a\n- [ ] b\n\ntext\n\n- c\n")[0::2]
    assert builtins(tasks.data) == {"hProperties": {"className": None}}
    assert all(builtins(item.data) == {"hProperties": {"className": None}} for item in tasks.children)
    assert plain.data is None and plain.children[0].data is None


def test_a_loose_task_item_has_its_checkbox_in_its_first_paragraph() -> None:
    html = render_html(m.Root(children=body("- [x] a\n\n- [ ] b\n\n  c\n")))
    assert html == (
        '<ul>\n<li>\n<p><input checked="" disabled="" type="checkbox" /> a</p>\n</li>\n'
        '<li>\n<p><input disabled="" type="checkbox" /> b</p>\n<p>c</p>\n</li>\n</ul>\n'
    )
    tight = render_html(m.Root(children=body("- [x] a\n- [ ] b\n")))
    assert tight.startswith('<ul>\n<li><input checked="" disabled="" type="checkbox" /> a</li>')


def test_external_is_a_new_window_link_with_its_note() -> None:
    external = first(body('Voir <External href="https://a.fr/x y">le **site**</External>.\n'), m.External)
    data = builtins(external.data)
    assert data["hName"] == "a"
    assert list(data["hProperties"].items()) == [
        ("href", "https://a.fr/x y"),  # written as render_html writes it: verbatim
        ("target", "_blank"),
        ("rel", ["noopener", "noreferrer"]),
    ]
    *content, note = data["hChildren"]
    assert note == {
        "type": "element",
        "tagName": "span",
        "properties": {"className": ["sr-only"]},
        "children": [{"type": "text", "value": " (nouvelle fenêtre)"}],
    }
    assert content[0] == {"type": "text", "value": "le "}
    assert content[1]["tagName"] == "strong" and content[1]["children"] == [{"type": "text", "value": "site"}]
    assert external.href == "https://a.fr/x y" and external.children  # typed fields untouched


def test_button_quote_component_and_editor_table() -> None:
    nodes = body(
        '<Button href="/go" alt>Go</Button>\n\n'
        '<Quote who="Ana" link="javascript:x()" logo="/l.png" title="Maire">\n\n'
        "Merci [à](http://é.fr).\n\n</Quote>\n\n"
        'Un <Quote>mot</Quote> et <Tip level={2} label="x" />\n\n'
        "| Éditeur | Solution |\n|:---|---:|\n| Acme | Logi |\n"
    )
    button, quote, inline_quote, component = (
        first(nodes, m.Button),
        first(nodes, m.Quote),
        first(nodes[2:], m.Quote),
        first(nodes, m.Component),
    )
    assert builtins(button.data) == {
        "hName": "a",
        "hProperties": {"href": "/go", "className": ["button", "button-alt"]},
    }
    assert builtins(inline_quote.data) == {"hName": "q"}
    data = builtins(quote.data)
    assert data["hName"] == "figure" and data["hProperties"] == {"className": ["quote"]}
    blockquote, _, caption = data["hChildren"]
    assert blockquote["tagName"] == "blockquote"
    # a nested link is converted inside hChildren as to-hast converts it, its own hint applied
    (link,) = [n for n in blockquote["children"][1]["children"] if n.get("tagName") == "a"]
    assert link["properties"] == {"href": "http://xn--9ca.fr"}
    assert caption["tagName"] == "figcaption"
    img, space, who, _, cite = caption["children"]
    assert img["properties"] == {"src": "/l.png", "alt": ""} and space == {"type": "text", "value": " "}
    assert who == {"type": "text", "value": "Ana"}  # the unsafe link prop is gone: no link
    assert cite["children"] == [{"type": "text", "value": "Maire"}]
    assert builtins(component.data) == {
        "hName": "span",
        "hProperties": {"dataComponent": "Tip", "dataProps": msgspec.json.encode(component.props).decode()},
    }
    table = first(nodes, m.EditorTable)
    table_data = builtins(table.data)
    assert table_data["hName"] == "table" and table_data["hProperties"] == {"className": ["editors"]}
    tags = [child["tagName"] for child in table_data["hChildren"] if child["type"] == "element"]
    assert tags == ["thead", "tbody"]
    assert table.editors[0].editor == "Acme"  # the typed rows stay


def _hinted_depths(node: Any, depth: int = 0) -> list[tuple[int, bool]]:
    found = []
    if isinstance(node, m.Quote):
        found.append((depth, node.data is not None and node.data.h_children is not None))
        depth += 1
    for child in getattr(node, "children", None) or []:
        found += _hinted_depths(child, depth)
    return found


def test_nested_hchildren_are_capped_with_a_warning() -> None:
    levels = MAX_HINT_DEPTH + 3
    text = (
        "\n".join(['<Quote who="w">'] * levels)
        + "\n\n"
        + "mot " * 5000
        + "\n\n"
        + "\n".join(["</Quote>"] * levels)
    )
    guide = parse_guide(FRONT + text + "\n", "t.md")
    depths = _hinted_depths(guide.body)
    assert [hinted for _, hinted in depths] == [False] * 3 + [True] * MAX_HINT_DEPTH
    assert all(q.data is not None and q.data.h_name == "figure" for q in _quotes(guide.body))
    (warning,) = [d for d in guide.diagnostics if d.code == "hints-too-deep"]
    assert warning.severity == "warning" and warning.line == 6  # the outermost quote left plain
    # the content is repeated once per hChildren level at most, not once per nesting level
    size = len(msgspec.json.encode(guide.body))
    assert size < (MAX_HINT_DEPTH + 2) * len(text)


def _quotes(node: Any) -> list[m.Quote]:
    found = [node] if isinstance(node, m.Quote) else []
    for child in getattr(node, "children", None) or []:
        found += _quotes(child)
    return found


def test_hints_survive_the_json_round_trip() -> None:
    guide = parse_guide(FRONT + '<Quote who="a">\n\n[x](/y)\n\n</Quote>\n\n## T\n', "t.md")
    encoded = msgspec.json.encode(guide.body)
    decoded = msgspec.json.decode(encoded, type=m.Root)
    assert decoded == guide.body
    quote = decoded.children[0]
    assert isinstance(quote.data, m.Data) and isinstance(quote.data.h_children[0], HastElement)  # type: ignore[index]
    assert isinstance(quote.data.h_children[1], HastText)  # type: ignore[index]


def test_the_bytes_of_the_hints_are_capped_with_a_warning() -> None:
    """Four nested Quotes (within the depth cap) around a prop of a megabyte of quotes: data-props
    escapes each quote twice, and hChildren repeat it per level; past 1 MiB and four times the
    file, the later hints are left out, the typed fields stay."""
    prop = '"' * 200_000
    text = "<Quote>\n" * 4 + f"\n<Tip t='{prop}' />\n\n" + "</Quote>\n" * 4
    guide = parse_guide(FRONT + text, "t.md")
    tip = first(guide.body.children, m.Component)
    assert tip.props == {"t": prop}  # the typed props stay
    size = len(msgspec.json.encode(guide.body))
    plain = len(msgspec.json.encode(msgspec.convert(_without_data(msgspec.to_builtins(guide.body)), m.Root)))
    budget = HINT_BUDGET_BASE + HINT_BUDGET_FACTOR * len(FRONT + text)
    assert size - plain <= budget + 10_000  # hName/hProperties aside, the repeating hints fit the budget
    (warning,) = [d for d in guide.diagnostics if d.code == "hints-too-large"]
    assert warning.severity == "warning" and warning.line >= 4
    assert tip.data is not None and tip.data.h_name == "div"  # its name stays: a div, not a bare one


def _without_data(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_data(v) for k, v in value.items() if not (k == "data" and "type" in value)}
    if isinstance(value, list):
        return [_without_data(v) for v in value]
    return value


def test_a_real_sized_guide_keeps_every_hint() -> None:
    rows = "".join(
        f"| Éditeur {n} | <External href='https://e{n}.fr'>Solution</External> |\n" for n in range(300)
    )
    text = '<Quote who="w">\n\n' + "| Éditeur | Solution |\n|---|---|\n" + rows + "\n</Quote>\n"
    guide = parse_guide(FRONT + text, "t.md")
    assert not [d for d in guide.diagnostics if d.code.startswith("hints-")]
    quote = first(guide.body.children, m.Quote)
    assert quote.data is not None and quote.data.h_children is not None
