"""Property tests of the engine (Hypothesis): for any input, parse_guide answers and never lies.

* any text or bytes: ``parse_guide`` returns a Guide (never raises), and every position and
  diagnostic lies inside the file;
* guides written from a grammar of what guides hold (front matter, headings, lists, quotes, tables,
  editor tables, code, emphasis, links, components, some broken on purpose): ``render_html`` is
  well-formed (every element closed, in order) and every prose word of the input is in the plain
  text of the output.

The number of examples is bounded for CI (``HYPOTHESIS_PROFILE=long`` for a longer run).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from content_api import model as m
from content_api import parse_guide, render_html, render_text

# --- any input ------------------------------------------------------------------------------------

#: Characters that mean something to Markdown, YAML, components or HTML, mixed with any text.
_SYNTAX = [*"#*_-+>|`~[]()<>!{}=\"':\\/&;\n\t ", "---\n", "<Quote>", "</Quote>", "```", "| --- |"]
ANY_TEXT = st.lists(st.one_of(st.text(max_size=30), st.sampled_from(_SYNTAX)), max_size=60).map("".join)


def _positions(node: Any) -> list[m.Position]:
    found = [node.position] if getattr(node, "position", None) is not None else []
    for child in getattr(node, "children", None) or ():
        found += _positions(child)
    return found


def _assert_inside(text: str, guide: m.Guide) -> None:
    lines = text.split("\n")
    last = len(lines) + 1  # an end point may sit just after the last line
    for position in _positions(guide.body):
        for point in (position.start, position.end):
            assert 1 <= point.line <= last, (point, len(lines))
            assert point.column >= 1
        assert (position.start.line, position.start.column) <= (position.end.line, position.end.column)
    for diagnostic in guide.diagnostics:
        assert diagnostic.line is None or 1 <= diagnostic.line <= last, diagnostic
        assert diagnostic.column is None or diagnostic.column >= 1, diagnostic


@given(ANY_TEXT)
def test_any_text_parses_and_positions_lie_in_the_file(body: str) -> None:
    for text in (body, "---\ntitle: T\n---\n" + body):
        guide = parse_guide(text, "g.md")
        assert isinstance(guide, m.Guide)
        _assert_inside(text.replace("\r\n", "\n").replace("\r", "\n"), guide)


@given(st.binary(max_size=400))
def test_any_bytes_parse(data: bytes) -> None:
    guide = parse_guide(data, "g.md")
    assert isinstance(guide, m.Guide)


# --- guides from a grammar ------------------------------------------------------------------------

_VOCABULARY = ["CCAS", "quotient", "famille", "éditeur", "démarche", "habilitation", "données", "cantine",
               "tarif", "Arpège", "impôt", "école", "mairie", "agent", "usager", "formulaire"]  # fmt: skip
WORDS = st.sampled_from(_VOCABULARY)


class Prose:
    """Collects the prose words a generated guide holds."""

    def __init__(self) -> None:
        self.words: list[str] = []

    def take(self, words: list[str]) -> str:
        self.words += words
        return " ".join(words)


@st.composite
def _phrase(draw: st.DrawFn, prose: Prose) -> str:
    words = draw(st.lists(WORDS, min_size=1, max_size=5))
    text = prose.take(words)
    style = draw(st.sampled_from(["plain", "em", "strong", "code", "link", "del", "external", "button"]))
    return {
        "plain": text,
        "em": f"*{text}*",
        "strong": f"**{text}**",
        "code": f"`{text}`",
        "link": f"[{text}](https://api.gouv.fr/guides/ccas)",
        "del": f"~~{text}~~",
        "external": f'<External href="https://www.legifrance.gouv.fr">{text}</External>',
        "button": f'<Button href="/les-api/api-particulier">{text}</Button>',
    }[style]


@st.composite
def _line(draw: st.DrawFn, prose: Prose) -> str:
    return " ".join(draw(st.lists(_phrase(prose), min_size=1, max_size=4)))


#: Blocks of prose only, and (while less than 3 deep) blocks that hold another block.
_LEAF_KINDS = ["paragraph", "heading", "list", "ordered", "code", "table", "editors", "break"]
_CONTAINER_KINDS = ["quote", "component", "nested-list", "details"]


def _leaf(draw: st.DrawFn, prose: Prose, kind: str) -> str:
    """A block of one of the ``_LEAF_KINDS``, of prose only."""
    if kind == "paragraph":
        return "\n".join(draw(st.lists(_line(prose), min_size=1, max_size=3)))
    if kind == "heading":
        return "#" * draw(st.integers(1, 6)) + " " + draw(_line(prose))
    if kind in ("list", "ordered"):
        items = draw(st.lists(_line(prose), min_size=1, max_size=4))
        marks = [f"{n + 1}." for n in range(len(items))] if kind == "ordered" else ["-"] * len(items)
        check = draw(st.sampled_from(["", "[ ] ", "[x] "]))
        return "\n".join(f"{mark} {check}{item}" for mark, item in zip(marks, items, strict=True))
    if kind == "code":
        return "```text\n" + prose.take(draw(st.lists(WORDS, min_size=1, max_size=6))) + "\n```"
    if kind == "table":
        cells = [prose.take(draw(st.lists(WORDS, min_size=1, max_size=2))) for _ in range(4)]
        return f"| {cells[0]} | {cells[1]} |\n| --- | --- |\n| {cells[2]} | {cells[3]} |"
    if kind == "editors":
        editor, solution = (prose.take([draw(WORDS)]) for _ in range(2))
        return f"| Éditeur | Solution | API |\n|---|---|---|\n| {editor} | {solution} | API Particulier |"
    return "---"  # "break"


def _container(draw: st.DrawFn, prose: Prose, kind: str, depth: int) -> str:
    """A block of one of the ``_CONTAINER_KINDS``, holding blocks one level deeper than ``depth``."""
    if kind == "nested-list":
        inner = draw(_block(prose, depth + 1)).replace("\n", "\n   ")
        return f"1. {draw(_line(prose))}\n\n   {inner}"
    if kind == "quote":
        inner = draw(_block(prose, depth + 1))
        return "\n".join("> " + line if line else ">" for line in inner.split("\n"))
    if kind == "details":
        summary = prose.take(draw(st.lists(WORDS, min_size=1, max_size=3)))
        return f"<details>\n<summary>{summary}</summary>\n\n{draw(_block(prose, depth + 1))}\n\n</details>"
    inner = "\n\n".join(draw(st.lists(_block(prose, depth + 1), min_size=1, max_size=2)))  # "component"
    name = draw(st.sampled_from(["Quote", "Centered", "Grid", "Inconnu"]))
    who = ' who="Une mairie"' if name == "Quote" else ""
    closed = draw(st.booleans()) or depth > 0  # an unclosed one at the top swallows nothing
    return f"<{name}{who}>\n\n{inner}\n\n" + (f"</{name}>" if closed else "")


@st.composite
def _block(draw: st.DrawFn, prose: Prose, depth: int = 0) -> str:
    kinds = _LEAF_KINDS + _CONTAINER_KINDS if depth < 3 else _LEAF_KINDS
    kind = draw(st.sampled_from(kinds))
    if kind in _CONTAINER_KINDS:
        return _container(draw, prose, kind, depth)
    return _leaf(draw, prose, kind)


@st.composite
def guides(draw: st.DrawFn) -> tuple[str, list[str]]:
    prose = Prose()
    blocks = draw(st.lists(_block(prose), min_size=1, max_size=6))
    front = draw(
        st.sampled_from(
            [
                "---\ntitle: Un guide\ntags: [ccas]\napi: API Particulier\n---\n",
                "---\ntitle: 'Sans fin\n---\n",  # broken YAML: the body is still parsed
                "",
            ]
        )
    )
    if not front and blocks[0].startswith("---"):
        blocks.insert(0, draw(_line(prose)))  # a first "---" line would open a front matter
    return front + "\n\n".join(blocks) + "\n", prose.words


class _WellFormed(HTMLParser):
    VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "col", "wbr", "source"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: object) -> None:
        pass  # <br />, <hr />, <img ... />: nothing to close

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text))


@given(guides())
def test_rendered_html_is_well_formed_and_keeps_every_word(generated: tuple[str, list[str]]) -> None:
    text, words = generated
    guide = parse_guide(text, "g.md")
    _assert_inside(text, guide)
    html = render_html(guide.body)
    checker = _WellFormed()
    checker.feed(html)
    checker.close()
    assert checker.errors == [] and checker.stack == [], (checker.errors, checker.stack, html)
    missing = set(words) - _words(render_text(guide.body))
    assert not missing, (missing, text)
    assert not set(words) - _words(html.replace("&#39;", "'")), html
