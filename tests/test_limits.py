"""Text past markdown-it's nesting limit, and long runs of components, are kept, not dropped."""

from __future__ import annotations

from content_api import model as m
from content_api import parse_guide, render_text
from content_api.parse.tokenizer import MAX_NESTING

from .conftest import walk

FRONT = "---\ntitle: T\n---\n"


def test_deep_blockquotes_keep_their_text() -> None:
    guide = parse_guide(FRONT + "> " * (MAX_NESTING + 8) + "texte profond\n\nsuite\n", "g.md")
    text = render_text(guide.body)
    assert "texte profond" in text and text.endswith("suite")
    assert [(d.line, d.code) for d in guide.diagnostics] == [(4, "nesting-too-deep")]


def test_deep_lists_keep_every_item() -> None:
    depth = MAX_NESTING + 10
    guide = parse_guide(FRONT + "".join("  " * i + f"- niveau{i}\n" for i in range(depth)), "g.md")
    text = render_text(guide.body)
    assert all(f"niveau{i}" in text for i in range(depth))
    assert [d.code for d in guide.diagnostics] == ["nesting-too-deep"]


def test_deep_components_keep_their_text_and_what_follows() -> None:
    depth = MAX_NESTING + 5
    guide = parse_guide(FRONT + "<Grid>\n" * depth + "fond\n" + "</Grid>\n" * depth + "\naprès\n", "g.md")
    text = render_text(guide.body)
    assert "fond" in text and text.endswith("après")
    assert "nesting-too-deep" in {d.code for d in guide.diagnostics}


def test_a_thousand_components_on_one_line() -> None:
    line = " ".join(f'<External href="https://ex.fr/{i}">l{i}</External>' for i in range(1000))
    guide = parse_guide(FRONT + line + "\n", "g.md")
    externals = [n for n in walk(guide.body) if isinstance(n, m.External)]
    assert [e.href for e in externals] == [f"https://ex.fr/{i}" for i in range(1000)]
    assert guide.diagnostics == []


def test_a_thousand_unclosed_components_stay_linear() -> None:
    guide = parse_guide(FRONT + "<Quote who='x'>\n\n" * 1000, "g.md")
    quotes = [n for n in walk(guide.body) if isinstance(n, m.Quote)]
    assert len(quotes) == 1000 and all(q.children == [] for q in quotes)
    assert {d.code for d in guide.diagnostics} == {"component-unclosed"}
