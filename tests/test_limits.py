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


def test_reference_links_cannot_multiply_a_file_into_megabytes_of_json() -> None:
    """Each reference link repeats its definition's address: 2,000 references to a 50 KB address
    made 100 MB of JSON from a 60 KB file. Past the file's budget of addresses (1 MiB and twice
    the file), links are kept as their text and images as their alt, with one ``too-complex``."""
    import msgspec

    from content_api.parse.inline import ADDRESS_BUDGET_BASE, ADDRESS_BUDGET_FACTOR

    address = "/" + "x" * 50_000
    body = "[a] " * 1000 + "![b][a] " * 1000 + f'\n\n[a]: {address} "titre"\n'
    guide = parse_guide(FRONT + body, "g.md")
    links = [n for n in walk(guide.body) if isinstance(n, (m.Link, m.Image))]
    budget = ADDRESS_BUDGET_BASE + ADDRESS_BUDGET_FACTOR * len(body)
    assert len(links) == budget // (len(address) + len("titre"))  # every link within the budget
    assert all(n.url == address for n in links)
    text = render_text(guide.body)
    assert text.count("a") >= 1000 and text.count("b") == 1000 - sum(isinstance(n, m.Image) for n in links)
    assert len(msgspec.json.encode(guide.body)) < 2 * budget
    assert [(d.code, d.severity) for d in guide.diagnostics] == [("too-complex", "warning")]
    # a real guide's links are far from it: all kept
    plain = parse_guide(FRONT + "[a](/x) " * 1000, "g.md")
    assert sum(isinstance(n, m.Link) for n in walk(plain.body)) == 1000 and not plain.diagnostics
