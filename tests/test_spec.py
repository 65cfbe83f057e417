"""Conformance: render_html(parse_guide(front matter + example).body) is the spec's HTML."""

from __future__ import annotations

import json

import pytest

from content_api import parse_guide, render_html

from .conftest import SPEC, needs_shared

FRONT_MATTER = "---\ntitle: spec\n---\n"

# Documented dialect differences (README, "Guide files"):
DIALECT = {
    # capitalized tags are components, never raw HTML
    152: "<DIV CLASS> is a component",
    163: "<Warning> is a component",
    # GFM bare-URL autolinks link what CommonMark leaves as text
    602: "bare URL inside <...bim>",
    608: "bare URL inside < ... >",
    611: "bare URL",
    612: "bare e-mail address",
}

# Raw HTML that runs code is removed (README, "Raw HTML"): these examples render without their
# <script> and <style> elements, and everything else stays as the spec has it.
SANITIZED = {
    170: "<p>okay</p>\n",
    172: "<p>okay</p>\n",
    173: "",
    176: "<p><em>foo</em></p>\n",
    178: "1. *bar*\n",
}


def _examples(name: str, extension: str | None = None) -> list[dict[str, object]]:
    path = SPEC / name
    if not path.is_file():
        return []
    examples = json.loads(path.read_text(encoding="utf-8"))
    if extension is not None:
        examples = [e for e in examples if extension in (e.get("extensions") or [])]
    return examples


def _params(examples: list[dict[str, object]], dialect: dict[int, str]) -> list[object]:
    params = []
    for example in examples:
        number = example["example"]
        marks = [pytest.mark.xfail(reason=dialect[number], strict=True)] if number in dialect else []
        params.append(pytest.param(example, id=f"{number}-{example['section']}", marks=marks))
    return params


def _render(markdown: str) -> str:
    return render_html(parse_guide(FRONT_MATTER + markdown).body)


@needs_shared
@pytest.mark.parametrize("example", _params(_examples("commonmark.json"), DIALECT))
def test_commonmark(example: dict[str, str]) -> None:
    expected = SANITIZED.get(int(example["example"]), example["html"])
    assert _render(example["markdown"]) == expected


@needs_shared
@pytest.mark.parametrize("example", _params(_examples("gfm-tables.json"), {}))
def test_gfm_tables(example: dict[str, str]) -> None:
    assert _render(example["markdown"]) == example["html"]


@needs_shared
@pytest.mark.parametrize("example", _params(_examples("gfm.json", "strikethrough"), {}))
def test_gfm_strikethrough(example: dict[str, str]) -> None:
    assert _render(example["markdown"]) == example["html"]


@needs_shared
def test_the_spec_files_are_all_there() -> None:
    assert len(_examples("commonmark.json")) == 652
    assert len(_examples("gfm-tables.json")) == 8
    assert len(_examples("gfm.json", "strikethrough")) == 2


@needs_shared
def test_dialect_differences_keep_the_text() -> None:
    """Where we differ from CommonMark, every word of the example is still in the output."""
    for example in _examples("commonmark.json"):
        if example["example"] in DIALECT:
            html = _render(str(example["markdown"]))
            for word in ("Markdown", "bar", "foo.bar", "example.com", "foo@bar.example.com"):
                if word in str(example["markdown"]):
                    assert word in html
