"""One URL function: ``is_unsafe_url`` (Python) and ``isUnsafeUrl`` (render.ts) read a URL as a
browser does and agree on every case of ``tests/fixtures/url_cases.json`` and on thousands of
generated ones; both stay linear on a 1 MB URL; what they decode is ``html.unescape``'s reading."""

from __future__ import annotations

import html
import json
import random
import re
import time
from html.entities import html5
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from content_api.urls import browser_url, is_unsafe_url, unescape_html

from .kit import KIT, kit_missing, run_kit

CASES = json.loads((Path(__file__).parent / "fixtures" / "url_cases.json").read_text("utf-8"))
needs_kit = pytest.mark.skipif(kit_missing() is not None, reason=kit_missing() or "")

TS_UNSAFE = """import { isUnsafeUrl } from "./render.js";
process.stdout.write(JSON.stringify(input.map((url) => isUnsafeUrl(url))));
"""

#: Pieces that URLs which fool scheme checks are made of.
PIECES = [
    "javascript:", "vbscript:", "data:", "image/png,", "image/svg+xml,", "text/html,", "java", "script",
    "j", "a", "v", "s", "c", "r", "i", "p", "t", ":", "/", ",", ";", " ", "\t", "\n", "\r", "\x00",
    "\x01", "\x0b", "\x0c", "\x1f", "\x7f", "\u00a0", "\ufeff", "é", "&", "#", "x", "X", "0", "1", "9",
    "&#106;", "&#x6a;", "&#X6A", "&#58;", "&#x3a", "&#9;", "&#10;", "&#13;", "&#32;", "&#x09;", "&#0;",
    "&#1;", "&#127;", "&#128;", "&#x81;", "&#65534;", "&#55296;", "&#1114112;", "&#0000106;",
    "&colon;", "&Tab;", "&NewLine;", "&amp;", "&amp", "&lt", "&ltimes;", "&notin;", "&not", "&eacute",
    "&fjlig;", "&nvlt;", "&nbsp;", "&sol;", "&period;", "&plus;", "&excl;", "&zwnj;", "&", "&;",
]  # fmt: skip


def generated(count: int, seed: int = 12) -> list[str]:
    """Random pieces around a scheme (or around nothing), so that both verdicts are common."""
    rng = random.Random(seed)

    def pieces(most: int) -> str:
        return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, most)))

    schemes = ("javascript:", "vbscript:", "data:", "data:image/png,", "JavaScript&colon;", "java", "")
    return [pieces(5) + rng.choice(schemes) + pieces(5) for _ in range(count)]


@pytest.mark.parametrize("case", CASES, ids=[c["why"] for c in CASES])
def test_python_reads_each_case(case: dict[str, object]) -> None:
    assert is_unsafe_url(str(case["url"])) is case["unsafe"]


def test_the_cases_cover_the_classes() -> None:
    urls = [str(c["url"]) for c in CASES]
    assert len(CASES) >= 70
    assert any(u.startswith(" " * 128) and is_unsafe_url(u) for u in urls)  # the old window
    assert any(u.startswith("&#32;" * 128) for u in urls) and any(u.startswith("&#x09;" * 128) for u in urls)
    assert sum(c["unsafe"] is False for c in CASES) >= 25  # safe URLs stay safe


@needs_kit
def test_render_ts_reads_each_case_the_same() -> None:
    urls = [str(c["url"]) for c in CASES]
    assert run_kit(TS_UNSAFE, urls) == [c["unsafe"] for c in CASES]


@needs_kit
def test_render_ts_and_python_agree_on_generated_urls() -> None:
    urls = generated(6000)
    verdicts = [is_unsafe_url(url) for url in urls]
    assert 300 < sum(verdicts) < 5700  # both verdicts are well represented
    mismatches = [
        url for url, ts in zip(urls, run_kit(TS_UNSAFE, urls), strict=True) if ts != is_unsafe_url(url)
    ]
    assert mismatches == []


def test_unescape_is_html_unescape() -> None:
    for text in generated(20000, seed=3):
        assert unescape_html(text) == html.unescape(text), text
    with pytest.raises(ValueError):  # why unescape_html has its own numeric references
        html.unescape("&#" + "1" * 5000 + ";")
    assert unescape_html("&#" + "1" * 5000 + ";x") == "\ufffdx"


def test_a_megabyte_of_padding_is_read_in_linear_time() -> None:
    for padding in (" " * 1_000_000, "&#32;" * 200_000, "\t" * 1_000_000, "&#x09;" * 160_000):
        started = time.perf_counter()
        assert is_unsafe_url(padding + "javascript:alert(1)")
        assert not is_unsafe_url(padding + "https://exemple.fr/")
        assert time.perf_counter() - started < 5, len(padding)
    started = time.perf_counter()
    assert not is_unsafe_url("a" * 1_000_000)  # a scheme-like run that never meets its colon
    assert not is_unsafe_url("&" + "a" * 1_000_000)
    assert time.perf_counter() - started < 5


@needs_kit
def test_render_ts_is_linear_too() -> None:
    script = """import { isUnsafeUrl } from "./render.js";
const out = [];
for (const [padding, times] of input) {
  const started = Date.now();
  const unsafe = isUnsafeUrl(padding.repeat(times) + "javascript:alert(1)");
  out.push([unsafe, Date.now() - started]);
}
process.stdout.write(JSON.stringify(out));
"""
    results = run_kit(script, [[" ", 1_000_000], ["&#32;", 200_000], ["\t", 1_000_000], ["a", 1_000_000]])
    assert [unsafe for unsafe, _ in results] == [True, True, True, False]
    assert all(ms < 5000 for _, ms in results), results


def test_browser_url_follows_whatwg() -> None:
    assert browser_url("\x00 \x1f&#32;java\tscr\nipt:x\r \x00") == "javascript:x"
    assert browser_url("\u00a0x") == "\u00a0x"  # only C0 controls and space are stripped
    assert browser_url("a b") == "a b"  # spaces inside stay


def test_the_entity_table_of_render_ts() -> None:
    """render.ts decodes every reference that can decode to ASCII, the legacy ones (no ';') and
    those that begin with a legacy one, exactly as the HTML table does."""
    source = (KIT / "src" / "render.ts").read_text(encoding="utf-8")
    body = source[source.index("const ENTITIES") :]
    body = body[body.index("({") + 1 : body.index("}));") + 1]
    table = json.loads(re.sub(r",\s*}$", "}", body))
    legacy = {name for name in html5 if not name.endswith(";")}
    needed = legacy | {name for name, value in html5.items() if any(ord(c) < 128 for c in value)}
    needed |= {n for n in html5 if any(n[:length] in legacy for length in range(len(n) - 1, 1, -1))}
    assert set(table) == needed
    assert all(table[name] == html5[name] for name in table)


@needs_kit
def test_render_ts_never_writes_an_unsafe_url_even_for_a_hand_made_ast() -> None:
    padded = " " * 300 + "javascript:alert(1)"
    text = [{"type": "text", "value": "x"}]
    body = {
        "type": "root",
        "children": [
            {
                "type": "paragraph",
                "children": [
                    {"type": "link", "url": padded, "title": None, "children": text},
                    {"type": "image", "url": "&#106;avascript:alert(2)", "alt": "b", "title": None},
                    {"type": "external", "href": "java\tscript:x", "inline": True, "children": text},
                    {"type": "button", "href": "vbscript:x", "alt": False, "inline": True, "children": text},
                    {"type": "link", "url": "https://ok.gouv.fr/", "title": None, "children": text},
                ],
            },
            {"type": "quote", "logo": "data:text/html,x", "link": padded, "who": "W", "title": None,
             "inline": False, "children": []},
        ],
    }  # fmt: skip
    script = """import { renderHtml } from "./render.js";
process.stdout.write(JSON.stringify(renderHtml(input)));
"""
    html = run_kit(script, body)
    assert "javascript" not in html and "vbscript" not in html and "data:" not in html
    assert '<a href="https://ok.gouv.fr/">x</a>' in html and "<a>x</a>" in html and "W</figcaption>" in html


def _null_urls(node: object) -> list[str]:
    """Where a node of the AST has a null URL or a prop holds null (mdast: ``url`` is a string)."""
    import msgspec

    from content_api import model as m

    found = []
    if isinstance(node, (m.Link, m.Image)) and not isinstance(node.url, str):
        found.append(type(node).__name__)
    props = getattr(node, "props", None)
    if props is not None and b"null" in msgspec.json.encode(props):
        found.append(f"props of {getattr(node, 'name', '?')}")
    for child in getattr(node, "children", None) or ():
        found += _null_urls(child)
    return found


@pytest.mark.parametrize("case", [c for c in CASES if c["unsafe"]], ids=lambda c: c["why"])
def test_no_node_has_a_null_url_the_text_stays(case: dict[str, object]) -> None:
    from content_api import parse_guide, render_text

    url = str(case["url"]).replace("\n", " ").replace("]", "%5D").replace(")", "%29")
    text = (
        f"---\ntitle: T\n---\n[mot1]({url}) ![mot2]({url}) <{url}>\n\n"
        f'<Datagouv href="{html.escape(url)}" items={{["{json.dumps(url)[1:-1]}"]}} />\n'
    )
    guide = parse_guide(text, "t.md")
    assert _null_urls(guide.body) == []
    assert "mot1" in render_text(guide.body) and "mot2" in render_text(guide.body)


# --- normalize_link: markdown-it's normalizeLink, in linear time ------------------------------------

_URL_ALPHABET = "aZ09;/?:@&=+$,-_.!~*'()#%[]{}|\\^`\"<> \t\x7fé\u00a0\ud800😀ü"
_URL_STARTS = (
    "",
    "http://",
    "https://",
    "mailto:",
    "HTTP://",
    "//",
    "ftp://",
    "http://[::1]",
    "http://ünicode.com",
)


@given(
    start=st.sampled_from(_URL_STARTS),
    rest=st.text(alphabet=_URL_ALPHABET, max_size=30),
)
@settings(max_examples=3000, deadline=None)
def test_normalize_link_is_markdown_its(start: str, rest: str) -> None:
    from markdown_it.common.normalize_url import normalizeLink

    from content_api.urls import normalize_link

    assert normalize_link(start + rest) == normalizeLink(start + rest)


def test_normalize_link_stays_linear_on_a_long_address() -> None:
    """mdurl's encoder appends to a string: a 1 MB address took minutes; the same URL, written in
    one pass, as fast per byte as a short one (CPU time, with a wide margin)."""
    from content_api.urls import normalize_link

    short, long = "/" + "é" * 1000, "/" + "é" * 400_000
    started = time.process_time()
    for _ in range(40):
        normalize_link(short)
    per_byte_short = (time.process_time() - started) / (40 * len(short))
    started = time.process_time()
    written = normalize_link(long)
    per_byte_long = (time.process_time() - started) / len(long)
    assert written == "/" + "%C3%A9" * 400_000
    assert per_byte_long < 20 * per_byte_short + 1e-7
