"""The AST in a plain unified pipeline renders what render_html renders.

A frontend team writes ``toHtml(toHast(body, {allowDangerousHtml: true}), {allowDangerousHtml:
true})`` (mdast-util-to-hast and hast-util-to-html, pinned in clients/typescript/package-lock.json)
and adds no handler: the rendering hints the service puts on its nodes (``data.hName``,
``data.hProperties``, ``data.hChildren``) do the rest. The output is compared with
``render_html(body, heading_ids=True)`` as DOM (clients/typescript/test/dom.mjs says what that
leaves aside: attribute order, ``<br />``, character references, line-ending whitespace) on every
CommonMark and GFM spec example in both HTML modes, every guide of the corpus, the seed, and
hostile inputs, on which ``toHast`` must never throw either. The same comparison without the hints
must fail, or it would prove nothing.

One Node.js run for the whole module; it skips, saying so, without Node.js or the kit's
node_modules, and the spec and corpus cases skip without ../shared.
"""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from content_api import model as m

from .conftest import CORPUS, needs_shared, walk
from .kit import KIT, Case, encode, guide_cases, hostile_cases, mismatches, run_node, spec_cases, too_deep

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (KIT / "node_modules" / "mdast-util-to-hast").is_dir(),
    reason="Node.js or clients/typescript/node_modules missing (run `npm ci` in clients/typescript)",
)

#: Cases whose DOMs differ, and why (checked: they do differ). Besides, the hostile cases that
#: nest Quotes and Externals deeper than the hints follow (``kit.too_deep()``: README,
#: ``hints-too-deep``) render those plainly, by design; they must not throw.
EXEMPT = {
    # HTML_MODE=raw: the text of a <script> that raw HTML opened. render_html escapes ">" as
    # "&gt;", to-html leaves it (it escapes "<" and "&" only), and a script's text is not decoded.
    "xss:43:raw",
}

#: The node types that carry hints, and the hints whose removal each test of the comparison makes.
HINTED = {
    "heading": ["heading"],
    "task": ["list", "listItem"],
    "link": ["link"],
    "image": ["image"],
    "quote": ["quote"],
    "external": ["external"],
    "button": ["button"],
    "component": ["component"],
    "editorTable": ["editorTable"],
}
COMPONENTS = (m.Quote, m.External, m.Button, m.Component, m.EditorTable)


@pytest.fixture(scope="module")
def cases() -> dict[str, Case]:
    return {case[0]: case for case in (*spec_cases(), *guide_cases(), *hostile_cases())}


@pytest.fixture(scope="module")
def outcome(cases: dict[str, Case]) -> dict[str, Any]:
    strip = {"all": sorted({t for types in HINTED.values() for t in types}), **HINTED}
    again = [case[0] for case in (*guide_cases(), *hostile_cases())]  # the spec examples have fewer hints
    data = encode(cases.values(), strip=strip, strip_cases=again)
    result: dict[str, Any] = run_node(KIT / "test" / "unified.mjs", data)
    result["different"] = {d["name"]: d for d in result["different"]}
    result["thrown"] = dict(result["thrown"])
    return result


@needs_shared
def test_every_spec_example_renders_as_render_html(outcome: dict[str, Any]) -> None:
    names = [case[0] for case in spec_cases()]
    assert len(names) == 2 * (652 + 670)  # CommonMark and GFM, raw and sanitized
    assert mismatches(outcome, names, EXEMPT) == {}


def test_every_guide_renders_as_render_html(outcome: dict[str, Any]) -> None:
    names = [case[0] for case in guide_cases()]
    assert len(names) == 1 + len(list(CORPUS.glob("*.md")))  # the seed and the corpus
    assert mismatches(outcome, names, EXEMPT) == {}


def test_hostile_inputs_never_throw_and_render_as_render_html(outcome: dict[str, Any]) -> None:
    names = [case[0] for case in hostile_cases()]
    assert len(names) > 600
    assert {n: why for n, why in outcome["thrown"].items() if n in names} == {}
    assert mismatches(outcome, [n for n in names if n not in too_deep()], EXEMPT) == {}
    # nested to the hints' limit, the same; deeper, the outer ones without hChildren differ
    assert too_deep() >= {"nested:30:raw", "nested:40:sanitize"} and "nested:4:raw" not in too_deep()
    assert set(outcome["different"]) >= too_deep()


def test_the_exemptions_still_differ(outcome: dict[str, Any], cases: dict[str, Case]) -> None:
    assert set(cases) >= EXEMPT
    assert set(outcome["different"]) >= EXEMPT


def test_the_comparison_sees_every_hint(outcome: dict[str, Any], cases: dict[str, Case]) -> None:
    """Without its hints (``data`` deleted), each hinted node type changes some rendering, and
    every guide that has a component renders differently."""
    stripped = outcome["stripped"]
    for variant in HINTED:
        assert stripped[variant]["different"], f"{variant}: its hints change no rendering"
    with_components = {
        name for name, body, _ in guide_cases() if any(isinstance(node, COMPONENTS) for node in walk(body))
    }
    assert len(with_components) >= min(5, len(guide_cases()))
    assert with_components <= set(stripped["all"]["different"])
    assert outcome["compared"] == len(cases)
