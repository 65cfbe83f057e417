"""Conformance: render_html(parse_guide(front matter + example).body) is the spec's HTML.

Every example runs twice:

* with ``html="raw"`` (raw HTML kept verbatim, for fully trusted writers), where every example
  passes, the documented dialect differences aside;
* in the default mode, where raw HTML goes through the allow-list sanitizer: each example whose
  output the sanitizer changes is listed, with its sanitized HTML, in
  ``tests/fixtures/spec_sanitized.json``; every other example must still be the spec's HTML.

``python -m tests.test_spec --write`` rewrites that list from the current sanitizer: read its diff
before committing it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from content_api import parse_guide, render_html
from content_api.parse.html_policy import HtmlMode

from .conftest import SPEC, needs_shared

FRONT_MATTER = "---\ntitle: spec\n---\n"
SANITIZED_FILE = Path(__file__).parent / "fixtures" / "spec_sanitized.json"

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


def _sanitized() -> dict[int, str]:
    """Example number -> its HTML once the sanitizer has cleaned its raw HTML."""
    return {int(number): html for number, html in json.loads(SANITIZED_FILE.read_text("utf-8")).items()}


SANITIZED = _sanitized()


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


def _render(markdown: str, html: HtmlMode = "sanitize") -> str:
    return render_html(parse_guide(FRONT_MATTER + markdown, html=html).body)


@needs_shared
@pytest.mark.parametrize("example", _params(_examples("commonmark.json"), DIALECT))
def test_commonmark_raw(example: dict[str, str]) -> None:
    assert _render(example["markdown"], "raw") == example["html"]


@needs_shared
@pytest.mark.parametrize("example", _params(_examples("commonmark.json"), DIALECT))
def test_commonmark_sanitized(example: dict[str, str]) -> None:
    expected = SANITIZED.get(int(example["example"]), example["html"])
    assert _render(example["markdown"]) == expected


@needs_shared
def test_the_sanitized_examples_differ_by_the_sanitizer_only() -> None:
    """Each listed example passes raw, and its sanitized HTML is not the spec's: the list holds
    exactly the sanitizer's changes (the examples that run the same stay unlisted, and pass)."""
    examples = {int(e["example"]): e for e in _examples("commonmark.json")}  # type: ignore[call-overload]
    assert SANITIZED, "no example listed"
    for number, html in SANITIZED.items():
        example = examples[number]
        assert number not in DIALECT
        assert _render(str(example["markdown"]), "raw") == example["html"], number
        assert html != example["html"], f"{number}: the sanitizer leaves it as the spec has it: unlist it"
    # what runs code in the spec's examples is gone from their sanitized HTML
    for number in (170, 172, 176, 178):
        assert "<script" not in SANITIZED[number] and "<style" not in SANITIZED[number]


@needs_shared
@pytest.mark.parametrize("html", ["raw", "sanitize"])
@pytest.mark.parametrize("example", _params(_examples("gfm-tables.json"), {}))
def test_gfm_tables(example: dict[str, str], html: HtmlMode) -> None:
    assert _render(example["markdown"], html) == example["html"]


@needs_shared
@pytest.mark.parametrize("html", ["raw", "sanitize"])
@pytest.mark.parametrize("example", _params(_examples("gfm.json", "strikethrough"), {}))
def test_gfm_strikethrough(example: dict[str, str], html: HtmlMode) -> None:
    assert _render(example["markdown"], html) == example["html"]


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
            for mode in ("raw", "sanitize"):
                html = _render(str(example["markdown"]), mode)  # type: ignore[arg-type]
                for word in ("Markdown", "bar", "foo.bar", "example.com", "foo@bar.example.com"):
                    if word in str(example["markdown"]):
                        assert word in html


def _write() -> None:
    """List every example whose sanitized HTML is not its raw HTML (the spec's, dialect aside)."""
    changed = {}
    for example in _examples("commonmark.json"):
        number = int(example["example"])  # type: ignore[call-overload]
        if number in DIALECT:
            continue
        sanitized = _render(str(example["markdown"]))
        if sanitized != _render(str(example["markdown"]), "raw"):
            changed[str(number)] = sanitized
    SANITIZED_FILE.write_text(json.dumps(changed, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    if "--write" in sys.argv:
        _write()
