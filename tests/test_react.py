"""``<GuideBody>`` (clients/typescript/src/react.tsx) renders what render_html renders, and each
component a team maps is rendered by the team's React component, with the node's typed fields.

Through ``react-dom/server``, compared as DOM with ``render_html(body, heading_ids=True)``
(clients/typescript/test/dom.mjs; React renders no HTML comment, which is left aside too):

* without components: every CommonMark and GFM spec example in both HTML modes, every guide of the
  corpus, the seed, and the hostile inputs of tests/kit.py in the default (sanitized) HTML mode
  (not its two big tables: tests/test_unified.py has them).
  With ``HTML_MODE=raw``, React protects on its own (no event handler written from a string, no
  ``javascript:`` URL, raw-text elements' text escaped): there hostile inputs must only not throw;
* with components: every guide again, its components mapped (all of them, or only the generic
  ones and Button, or only External: mapped nodes inside the unmapped quotes, links and editor
  tables whose hint children are opaque) to one test component that writes the node's fields as
  JSON in a ``data-component="custom:Name"`` element; what render_html writes for the same AST with
  each mapped node made such a component node is the expected HTML;
* the body given is not changed;
* the package: ``@content-api/client/react`` and ``@content-api/client`` resolve from the packed
  tarball, a typed use of ``GuideBody`` type-checks (and a component given the wrong props does
  not), and the ``.`` entry loads without React installed.

One Node.js run for the renderings; it skips, saying so, without Node.js or the kit's node_modules.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import msgspec
import pytest

from content_api import model as m
from content_api import parse_guide, render_html

from .conftest import needs_shared, walk
from .kit import (
    KIT,
    TSC,
    Case,
    compiled_kit,
    encode,
    guide_cases,
    hostile_cases,
    kit_missing,
    mismatches,
    packed_kit,
    run_node,
    spec_cases,
    too_deep,
)

pytestmark = pytest.mark.skipif(kit_missing() is not None, reason=kit_missing() or "")

#: Cases whose DOMs differ, and why (checked: they do differ); and, as in tests/test_unified.py,
#: the hostile cases nested deeper than the hints follow (``kit.too_deep()``).
EXEMPT = {
    # HTML_MODE=raw: React 19 hoists a <title> written in raw HTML out of the element it renders,
    # to the document's head (the sanitizer drops <title>).
    "gfm:652:raw",
}
LABELS: dict[type, str] = {
    m.Quote: "Quote",
    m.External: "External",
    m.Button: "Button",
    m.EditorTable: "EditorTable",
}
KNOWN = set(LABELS.values())

#: A crafted guide: a mapped node inside unmapped ones, and the other way round.
NESTED = """---
title: Imbrications
---
<Quote who="Jean Dupont" title="Maire" link="https://ville.fr" logo="/logo.png">

Texte avec <External href="https://e.fr">un lien</External> et <NextSteps step="2" />.

</Quote>

| Éditeur(s) | Solution | Demande |
| --- | :-: | --- |
| Zèbre | Zed | <Button href="https://b.fr">Demander</Button> |

Après <External href="https://x.fr">x</External> et <Button href="/a" alt>b</Button>.
"""
#: Raw HTML left open inside mapped components: closed where the default rendering closes it
#: (the component's element), not handed with the rest of the guide to the team's component.
UNCLOSED = """---
title: Ouvert
---
<NextSteps>

<details>

q

</NextSteps>

Après.

<Quote who="w">

<section>

Dans la citation.

</Quote>

## Titre après

<Tip>a <b>gras</Tip> puis du texte.
"""
UNCLOSED_MAPPINGS = [["NextSteps"], ["Quote"], ["Tip"], ["NextSteps", "Quote", "Tip"]]
NESTED_MAPPINGS = [
    ["Quote"],
    ["NextSteps"],
    ["External"],
    ["Button"],
    ["EditorTable", "Button"],
    ["Quote", "External", "NextSteps", "Button", "EditorTable"],
]


def label(node: object) -> str | None:
    """The name a team maps ``node`` by (GuideBody's), if it is a component node."""
    if isinstance(node, m.Component):
        return None if node.name in KNOWN else node.name
    return LABELS.get(type(node))


def customized(node: Any, names: set[str]) -> Any:
    """``node`` where each node mapped by name is the component node the test component renders
    like: ``custom:Name``, the node's fields (as the API gives them, children aside) as props."""
    if isinstance(getattr(node, "children", None), list):
        node = msgspec.structs.replace(node, children=[customized(child, names) for child in node.children])
    name = label(node)
    if name not in names:
        return node
    fields = msgspec.json.decode(msgspec.json.encode(node))
    props = {k: v for k, v in fields.items() if k not in ("type", "children", "position", "data")}
    children = [node] if isinstance(node, m.EditorTable) else node.children  # the default table
    inline = bool(getattr(node, "inline", False))
    return m.Component(name=f"custom:{name}", props=props, inline=inline, children=children)


def mapped_case(case: Case, names: set[str], keep: bool = False) -> list[Any]:
    name, body, _ = case
    expected = render_html(customized(body, names), heading_ids=True)
    return [f"{name}:{'+'.join(sorted(names))}", body, expected, sorted(names), keep]


def mapping_sets(body: m.Root) -> list[set[str]]:
    """All its component names; the generic ones and Button; External alone."""
    present = {name for node in walk(body) if (name := label(node)) is not None}
    sets = [present, {n for n in present if n not in KNOWN - {"Button"}}, present & {"External"}]
    return [names for names in sets if names]


def nested_body() -> m.Root:
    return parse_guide(NESTED, "nested.md").body


@pytest.fixture(scope="module")
def outcome() -> dict[str, Any]:
    hostile = [case for case in hostile_cases() if case[0].endswith(":sanitize")]
    raw = [case for case in hostile_cases() if case[0].endswith(":raw")]
    mapped = [mapped_case(case, names) for case in guide_cases() for names in mapping_sets(case[1])]
    nested = ("nested", nested_body(), "")
    mapped += [mapped_case(nested, set(names), keep=True) for names in NESTED_MAPPINGS]
    unclosed = ("unclosed", parse_guide(UNCLOSED, "unclosed.md").body, "")
    mapped += [mapped_case(unclosed, set(names), keep=True) for names in UNCLOSED_MAPPINGS]
    data = encode(
        [*spec_cases(), *guide_cases(), *hostile, *raw], mapped=mapped, render_only=[c[0] for c in raw]
    )
    result: dict[str, Any] = run_node(KIT / "test" / "react.mjs", data, str(compiled_kit()))
    for part in ("default", "mapped"):
        result[part]["different"] = {d["name"]: d for d in result[part]["different"]}
        result[part]["thrown"] = dict(result[part]["thrown"])
    result["expected_custom"] = sum(
        1 for case in mapped for node in walk(case[1]) if label(node) in set(case[3])
    )
    return result


@needs_shared
def test_every_spec_example_renders_as_render_html(outcome: dict[str, Any]) -> None:
    names = [case[0] for case in spec_cases()]
    assert len(names) == 2 * (652 + 670)
    assert mismatches(outcome["default"], names, EXEMPT) == {}


def test_every_guide_renders_as_render_html(outcome: dict[str, Any]) -> None:
    assert mismatches(outcome["default"], [case[0] for case in guide_cases()], EXEMPT) == {}


def test_hostile_inputs_render_as_render_html_and_never_throw(outcome: dict[str, Any]) -> None:
    names = [case[0] for case in hostile_cases()]
    assert {n: why for n, why in outcome["default"]["thrown"].items() if n in names} == {}
    compared = [n for n in names if n.endswith(":sanitize") and n not in too_deep()]
    assert mismatches(outcome["default"], compared, EXEMPT) == {}
    raw = [n for n in names if n.endswith(":raw")]
    assert outcome["default"]["compared"] == len(spec_cases()) + len(guide_cases()) + 2 * len(raw)
    assert outcome["default"]["rendered_only"] == len(raw) > 300


def test_the_exemptions_still_differ(outcome: dict[str, Any]) -> None:
    exempt = EXEMPT if spec_cases() else EXEMPT - {"gfm:652:raw"}
    assert set(outcome["default"]["different"]) >= exempt


def test_the_body_is_not_changed(outcome: dict[str, Any]) -> None:
    assert outcome["mutated"] == []


def test_mapped_components_render_with_their_fields(outcome: dict[str, Any]) -> None:
    mapped = outcome["mapped"]
    assert mismatches(mapped, list(mapped["different"]) + list(mapped["thrown"]), EXEMPT) == {}
    assert mapped["equal"] == mapped["compared"] > len(NESTED_MAPPINGS)
    assert mapped["rendered"] == outcome["expected_custom"] > 0  # each mapped node, once


def test_a_custom_quote_gets_its_typed_props_and_the_rest_renders_as_default(outcome: dict[str, Any]) -> None:
    html = outcome["mapped"]["html"]["nested:Quote"]
    fields = {"logo": "/logo.png", "link": "https://ville.fr", "who": "Jean Dupont", "title": "Maire"}
    props = json.dumps({**fields, "inline": False}, separators=(",", ":")).replace('"', "&quot;")
    assert f'<div data-component="custom:Quote" data-props="{props}"><p>Texte avec ' in html
    assert "<figure" not in html and "<blockquote" not in html
    # inside the mapped Quote and after it, the default External, Button, component and table
    assert html.count('target="_blank" rel="noopener noreferrer">') == 2
    assert html.count('<span class="sr-only"> (nouvelle fenêtre)</span>') == 2
    assert '<span data-component="NextSteps" data-props="{&quot;step&quot;:&quot;2&quot;}"></span>' in html
    assert '<table class="editors"><thead>' in html and 'class="button button-alt"' in html


def test_a_mapped_node_inside_an_unmapped_quote_is_mapped(outcome: dict[str, Any]) -> None:
    html = outcome["mapped"]["html"]["nested:NextSteps"]
    assert '<figure class="quote"><blockquote>' in html.replace("\n", "")
    custom = '<span data-component="custom:NextSteps" data-props="{&quot;name&quot;:&quot;NextSteps&quot;,'
    assert custom in html and html.index("<blockquote") < html.index(custom) < html.index("</blockquote>")
    assert "<figcaption>" in html and ">Jean Dupont</a> <cite>Maire</cite></figcaption>" in html
    table = outcome["mapped"]["html"]["nested:Button"]
    start, end = table.index('<table class="editors">'), table.index("</table>")
    assert table.index('data-component="custom:Button"', start) < end  # inside the unmapped table


TSCONFIG = {
    "compilerOptions": {
        "target": "ES2022",
        "module": "NodeNext",
        "moduleResolution": "NodeNext",
        "strict": True,
        "jsx": "react-jsx",
        "noEmit": True,
        "skipLibCheck": True,
        "types": [],
    },
    "files": ["usage.tsx"],
}


def install(folder: Path, without: frozenset[str] = frozenset()) -> Path:
    """A project in ``folder``: the packed package installed, the kit's node_modules but ``without``."""
    tarball, _ = packed_kit()
    modules = folder / "node_modules"
    (modules / "@content-api").mkdir(parents=True)
    for entry in (KIT / "node_modules").iterdir():
        if entry.name not in without | {".bin", ".package-lock.json", "@content-api"}:
            (modules / entry.name).symlink_to(entry)
    with tarfile.open(tarball) as tar:
        tar.extractall(folder / "unpacked", filter="data")
    shutil.move(folder / "unpacked" / "package", modules / "@content-api" / "client")
    (folder / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    return folder


def node(folder: Path, script: str, data: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    (folder / "script.mjs").write_text(script, encoding="utf-8")
    return subprocess.run(
        ["node", "script.mjs"], input=data, cwd=folder, capture_output=True, timeout=60, check=False
    )


def test_the_packed_entries_resolve_and_type_check(tmp_path: Path) -> None:
    app = install(tmp_path / "app")
    shutil.copy(KIT / "test" / "usage.tsx", app / "usage.tsx")
    (app / "tsconfig.json").write_text(json.dumps(TSCONFIG), encoding="utf-8")
    checked = subprocess.run(
        [str(TSC), "-p", str(app / "tsconfig.json")], capture_output=True, text=True, timeout=120, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    body = nested_body()
    result = node(app, (KIT / "test" / "entries.mjs").read_text(encoding="utf-8"), msgspec.json.encode(body))
    assert result.returncode == 0, result.stderr.decode()
    rendered = json.loads(result.stdout)
    assert rendered["html"] == render_html(body, heading_ids=True)
    for html in rendered.values():
        assert "Jean Dupont" in html and "nouvelle fenêtre" in html and 'class="editors"' in html


def test_the_main_entry_needs_no_react(tmp_path: Path) -> None:
    app = install(tmp_path / "app", without=frozenset({"react", "react-dom"}))
    main = node(app, 'const kit = await import("@content-api/client"); console.log(typeof kit.renderHtml);')
    assert main.returncode == 0 and main.stdout.strip() == b"function", main.stderr.decode()
    react = node(app, 'await import("@content-api/client/react");')
    assert react.returncode != 0 and b"Cannot find package 'react'" in react.stderr, react.stderr.decode()


def test_raw_html_left_open_in_a_mapped_component_stays_inside_it(outcome: dict[str, Any]) -> None:
    """What follows a mapped component is rendered after it, not in its children, as render_html
    (and the default rendering) closes the open raw HTML at the component's end."""
    html = outcome["mapped"]["html"]["unclosed:NextSteps+Quote+Tip"]
    assert html.index("q</p>") < html.index("</details>") < html.index("Après.")
    assert html.index("Dans la citation.") < html.index("<h2") and html.count('data-component="custom:') == 3
    for names in UNCLOSED_MAPPINGS:
        assert f"unclosed:{'+'.join(sorted(names))}" not in outcome["mapped"]["different"]
