"""Adversarial structure: no file under the size limit can raise, stall or be lost.

* the reproductions of issue 12's findings 1 and 6, exactly (the emphasis bomb, a file name that
  is not UTF-8, 20,000 identical headings, ``<Foo>`` x 100,000 on a line, 15,000 ignore comments,
  3,000-column tables), through ``load_library`` and ``content-api check``;
* Hypothesis over runs of every delimiter and construct, deep and long, mixed: no exception, no
  internal error, every word kept, the AST encodes, and a CPU-time bound per megabyte (generous:
  it is there to catch a quadratic path, the figures are in bench/adversarial.py);
* the budget of constructs (parse/budget.py): past it the text is kept, with ``too-complex``;
* the linear versions of markdown-it's link labels and block tokenizer give its very tokens;
* a bug on one file becomes ``internal-error`` on that file, and the others are served.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import helpers
from markdown_it.parser_block import ParserBlock

from content_api import load_library, parse_guide, render_html, render_text
from content_api import parse as parse_module
from content_api.parse.context import MAX_PER_CODE
from content_api.parse.tokenizer import make_markdown

from .conftest import ROOT, SEED

FRONT = "---\ntitle: Guide hostile\n---\n\n"

#: CPU seconds a parse may take: a constant, for what the budget of constructs lets any file cost
#: (1.4 s at worst on this machine, bench/adversarial.py), and so much per megabyte. Generous: it
#: is there to catch a quadratic path (a thousand unclosed ``<!--`` took 3 s for 35 KB, minutes
#: for 400 KB), not to measure.
SECONDS_PER_MB = 10.0
SECONDS_BASE = 4.0


def _timed_parse(text: str, **limits: Any) -> tuple[Any, float]:
    """The guide and the CPU time of its parse; when over the bound, the better of two parses (a
    quadratic path is slow every time, a busy machine or a collection of garbage once)."""
    started = time.process_time()
    guide = parse_guide(text, "hostile.md", **limits)
    seconds = time.process_time() - started
    if seconds > _bound(text):
        started = time.process_time()
        guide = parse_guide(text, "hostile.md", **limits)
        seconds = min(seconds, time.process_time() - started)
    return guide, seconds


def _bound(text: str) -> float:
    return SECONDS_BASE + SECONDS_PER_MB * len(text.encode()) / 1e6


def _within_bound(text: str, seconds: float) -> None:
    assert seconds <= _bound(text), (seconds, len(text.encode()) / 1e6)


def _codes(guide: Any) -> set[str]:
    return {d.code for d in guide.diagnostics}


# --- the reproductions of the findings ------------------------------------------------------------


def test_an_emphasis_bomb_is_served_and_encodes(tmp_path: Path) -> None:
    (tmp_path / "bombe.md").write_text(FRONT + "*" * 1000 + "x" + "*" * 1000 + "\n", encoding="utf-8")
    (tmp_path / "ccas.md").write_bytes(SEED.read_bytes())
    library = load_library(tmp_path)
    assert set(library.guides) == {"bombe", "ccas"}
    body = library.body("bombe")
    assert "nesting-too-deep" in {d.code for d in library.diagnostics}
    assert msgspec.json.decode(msgspec.json.encode(body))["type"] == "root"
    text = render_text(body)
    assert "x" in text and text.count("*") > 900  # the delimiters past the bound stay text
    assert render_html(body).count("<strong>") <= 40


def test_a_file_name_that_is_not_utf8_is_reported_and_the_rest_served(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path)
    with open(os.path.join(folder, b"caf\xe9.md"), "wb") as handle:
        handle.write(FRONT.encode() + b"Texte.\n")
    (tmp_path / "ccas.md").write_bytes(SEED.read_bytes())
    (tmp_path / "bombe.md").write_text(FRONT + "*" * 1000 + "x" + "*" * 1000 + "\n", encoding="utf-8")
    library = load_library(tmp_path)
    assert set(library.guides) == {"ccas", "bombe"}
    bad = [d for d in library.diagnostics if d.code == "slug-invalid"]
    assert bad and bad[0].file is not None and bad[0].file.endswith("caf\\xe9.md")
    msgspec.json.encode(library.diagnostics)  # every name can be sent
    result = subprocess.run(
        [sys.executable, "-m", "content_api", "check", str(tmp_path), "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr  # an error (slug-invalid), not a crash
    report = msgspec.json.decode(result.stdout)  # check crashed on both files
    assert report["guides"] == 2 and any("caf\\xe9.md" in d["file"] for d in report["diagnostics"])


def test_twenty_thousand_identical_headings() -> None:
    text = FRONT + "## h\n" * 20_000
    guide, seconds = _timed_parse(text)
    ids = [entry.id for entry in guide.toc]
    assert len(ids) == len(set(ids)) and ids[:3] == ["h", "h-1", "h-2"]
    assert ids[-1] == f"h-{len(ids) - 1}"
    _within_bound(text, seconds)


def test_a_hundred_thousand_components_on_one_line() -> None:
    text = FRONT + "<Foo>" * 100_000 + "\n"
    guide, seconds = _timed_parse(text)
    _within_bound(text, seconds)
    assert "internal-error" not in _codes(guide)
    unknown = [d for d in guide.diagnostics if d.code == "component-unknown"]
    assert len(unknown) == MAX_PER_CODE + 1 and "more of these" in unknown[-1].message


def test_fifteen_thousand_ignore_comments() -> None:
    text = FRONT + "<!-- content-api: ignore a11y-heading-h1 -->\n# Titre\n\n" * 15_000
    guide, seconds = _timed_parse(text, max_constructs=10**9)
    _within_bound(text, seconds)
    assert "a11y-heading-h1" not in _codes(guide)  # each comment silenced its heading
    assert "ignore-unused" not in _codes(guide)


@pytest.mark.parametrize("rows", [3, 200])
def test_three_thousand_column_tables(rows: int) -> None:
    text = FRONT + "|" + "a|" * 3000 + "\n|" + "-|" * 3000 + "\n" + ("|" + "b|" * 3000 + "\n") * rows
    guide, seconds = _timed_parse(text)
    _within_bound(text, seconds)
    assert "internal-error" not in _codes(guide)
    assert render_text(guide.body).count("b") == 3000 * rows  # every cell kept, as cells or text


# --- Hypothesis: runs of every construct ----------------------------------------------------------

#: What hostile files repeat: every delimiter, opener, closer and block marker of the dialect.
UNITS = [*"*_~`[]()<>!|#\\&{}=-+:'\"\n ", "**", "~~", "![", "](", "[a", "a]", "> ", "- ", "1. ", "## h\n",
         "| a ", "|\n", "<Foo>", "</Foo>", "<Foo />", "<Foo x={", "<Foo x='", "<Grid>\n", "</Grid>\n",
         "<External href='/a'>x</External>", "<!--", "-->", "<!-- content-api: ignore a11y-heading-h1 -->\n",
         "https://a.fr/x ", "www.a.fr ", "a@b.fr ", "<div>\n", "```\n", "    x\n", "&amp;", "mot ",
         "a  \n", "a\n=\n", "***\n", "[a]: /u\n", "[a] ", "<span>", "</span>", "| a | b |\n|---|---|\n",
         "| x | y |\n", "|---", "| Éditeur | Solution |\n|---|---|\n", "| Up | [S](/s) |\n",
         "  - a\n", "-\n", ">\n"]  # fmt: skip

RUNS = st.tuples(st.sampled_from(UNITS), st.integers(1, 12_000)).map(lambda pair: pair[0] * pair[1])
HOSTILE = st.lists(RUNS, min_size=1, max_size=4).map(lambda runs: "x ".join(runs)[:400_000])


@settings(max_examples=int(os.environ.get("ADVERSARIAL_EXAMPLES", "40")), deadline=None)
@given(HOSTILE)
def test_runs_of_any_construct_parse_in_bounded_time_and_lose_no_word(body: str) -> None:
    text = FRONT + body
    guide, seconds = _timed_parse(text)
    _within_bound(text, seconds)
    assert "internal-error" not in _codes(guide)
    encoded = msgspec.json.encode(guide)
    assert msgspec.json.decode(encoded)["title"] == "Guide hostile"
    kept = render_text(guide.body) + encoded.decode()  # the text, and the AST (a fence's meta...)
    for word in ("mot", "www", "fr"):
        if word in body:
            assert word in kept, word
    render_html(guide.body)


# --- the budget of constructs ---------------------------------------------------------------------


def test_past_the_budget_the_rest_is_plain_text_and_said_so() -> None:
    body = "".join(f"Paragraphe **{n}** avec [un lien](/guides/a{n}).\n\n" for n in range(400))
    guide = parse_guide(FRONT + body, "g.md", max_constructs=300)
    complex_ = [d for d in guide.diagnostics if d.code == "too-complex"]
    assert complex_ and all(d.line > 5 for d in complex_)
    text = render_text(guide.body)
    assert all(str(n) in text for n in (0, 199, 399))  # no word lost
    assert "**399**" in text  # past the budget, the Markdown stays as written
    assert "<strong>0</strong>" in render_html(guide.body)  # before it, it is parsed
    again = parse_guide(FRONT + body, "g.md", max_constructs=300)
    assert msgspec.json.encode(again.body) == msgspec.json.encode(guide.body)  # counts, not time


def test_real_guides_are_far_from_the_budget() -> None:
    guide = parse_guide(SEED.read_bytes(), "ccas.md", max_constructs=2_000)
    assert "too-complex" not in _codes(guide)


def test_check_takes_the_budget_as_a_flag(tmp_path: Path) -> None:
    (tmp_path / "long.md").write_text(FRONT + "mot\n\n" * 500, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "content_api", "check", str(tmp_path), "--max-constructs", "100"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "[too-complex]" in result.stdout and result.returncode == 0, result.stdout + result.stderr


def test_diagnostics_of_one_code_are_capped_with_a_count() -> None:
    guide = parse_guide(FRONT + "<Inconnu />\n\n" * (MAX_PER_CODE + 100), "g.md")
    unknown = [d for d in guide.diagnostics if d.code == "component-unknown"]
    assert len(unknown) == MAX_PER_CODE + 1
    assert unknown[-1].message.startswith("100 more of these")


# --- same tokens as markdown-it -------------------------------------------------------------------

BRACKETS = st.lists(st.sampled_from([*"[]()!*` a\n<>\\", "](", "[a]: /u\n", "x:", "<Foo>", "</Foo>"]),
                    max_size=50).map("".join)  # fmt: skip
MARKDOWN = st.lists(st.sampled_from([*UNITS, "\n\n", "mot\n", "> > ", "   "]), max_size=40).map("".join)


def _tokens(md: Any, text: str) -> list[tuple[Any, ...]]:
    out = []
    for token in md.parse(text, {}):
        for each in [token, *(token.children or ())]:
            out.append((each.type, each.tag, each.content, each.markup, each.map, sorted(each.attrs.items())))
    return out


@given(BRACKETS)
def test_link_labels_are_markdown_its(text: str) -> None:
    ours, theirs = make_markdown(), make_markdown()
    theirs.helpers = helpers  # markdown-it-py's own parseLinkLabel
    assert _tokens(ours, text) == _tokens(theirs, text)


@given(MARKDOWN)
def test_the_bounded_block_tokenizer_is_markdown_its_under_the_budget(text: str) -> None:
    ours, theirs = make_markdown(), make_markdown()
    nested = theirs.block.tokenize  # the nesting bound around our tokenizer...

    def original(state: Any, start: int, end: int) -> None:
        if state.level < state.md.options["maxNesting"]:
            ParserBlock.tokenize(theirs.block, state, start, end)  # ...around markdown-it's own
        else:
            nested(state, start, end)

    theirs.block.tokenize = original  # type: ignore[method-assign]
    assert _tokens(ours, text) == _tokens(theirs, text)


SCHEMES = st.lists(
    st.sampled_from(["http", "https", "ftp", "mailto", "HTTPS", "x", "a" * 40, "1", "+", ".", "-", "://", ":",
                     "/", " ", "[", "]", "a.fr", "www.", "\n", "\u017f", "\u212a", "*", "(", ")", "`"]),
    max_size=60,
).map("".join)  # fmt: skip


@given(SCHEMES)
def test_bare_links_are_markdown_its(text: str) -> None:
    """Our linkify rule reads the scheme before ``://`` from the end of the pending text only; the
    tokens are markdown-it-py's own rule's (a scheme run longer than any linked scheme included)."""
    from markdown_it.rules_inline.linkify import linkify

    ours, theirs = make_markdown(), make_markdown()
    theirs.inline.ruler.at("linkify", linkify)
    assert _tokens(ours, text) == _tokens(theirs, text)


def test_unclosed_brackets_before_many_bare_links_cost_what_the_links_do() -> None:
    """Found by the property test above (issue 13's CI): every ``[`` looked ahead through the bare
    links, and markdown-it's linkify rule searched all the pending text at each ``://``: 188 KB took
    6.5 s, 6.5 times as long as as many bytes of bare links alone. Compared, not timed: a busy
    machine slows both alike."""
    hostile = "[a" * 3409 + "x " + "https://a.fr/x " * 11911 + "x " + "&amp;" * 491 + "x " + "!" * 269
    plain = "https://a.fr/x " * (len(hostile) // 15)

    def best(text: str) -> float:  # the better of two parses, each side
        return min(_timed_parse(FRONT + text)[1] for _ in range(2))

    ratio = best(hostile) / best(plain)
    assert ratio < 3, ratio


# --- a bug on one file ----------------------------------------------------------------------------


def test_a_failing_stage_becomes_an_internal_error_on_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(p: Any) -> None:
        if "EXPLOSE" in p.text:
            raise ZeroDivisionError("a bug")

    monkeypatch.setattr(parse_module, "STAGES", [*parse_module.STAGES, ("explode", explode)])
    (tmp_path / "explose.md").write_text(FRONT + "EXPLOSE\n", encoding="utf-8")
    (tmp_path / "ccas.md").write_bytes(SEED.read_bytes())
    library = load_library(tmp_path)
    assert set(library.guides) == {"ccas"}
    failed = [d for d in library.diagnostics if d.code == "internal-error"]
    assert len(failed) == 1 and failed[0].severity == "error"
    assert failed[0].file is not None and failed[0].file.endswith("explose.md")
    assert "ZeroDivisionError" in failed[0].message and re.search(r"stage explode", failed[0].message)
