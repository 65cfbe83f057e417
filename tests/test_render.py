"""render_html for components and corner cases; render_text for indexers."""

from __future__ import annotations

import re
import time
from collections import Counter
from html.parser import HTMLParser

import msgspec
import pytest

from content_api import model as m
from content_api import parse_guide, render_html, render_text
from content_api.parse.html_policy import DANGEROUS_ELEMENTS
from content_api.urls import is_unsafe_url

from .conftest import corpus_files, needs_shared


def body(markdown: str) -> m.Root:
    return parse_guide("---\ntitle: T\n---\n" + markdown, "g.md").body


class _Balance(HTMLParser):
    VOID = frozenset({"br", "img", "hr", "input"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


def assert_balanced(html: str) -> None:
    parser = _Balance()
    parser.feed(html)
    parser.close()
    assert parser.stack == []


def test_external_button_and_quote() -> None:
    html = render_html(
        body(
            '<Quote logo="/l.png" link="https://ex.fr" who="Le SITIV" title="membre">\nTexte\n</Quote>\n\n'
            'Voir <External href="https://a.fr/?x=1&y=2">ceci</External> '
            '<Button href="/d" alt>Demander</Button>\n'
        )
    )
    assert html == (
        '<figure class="quote">\n<blockquote>\n<p>Texte</p>\n</blockquote>\n'
        '<figcaption><img src="/l.png" alt="" /> <a href="https://ex.fr">Le SITIV</a> '
        "<cite>membre</cite></figcaption>\n</figure>\n"
        '<p>Voir <a href="https://a.fr/?x=1&amp;y=2" target="_blank" rel="noopener noreferrer">ceci'
        '<span class="sr-only"> (nouvelle fenêtre)</span></a> '
        '<a class="button button-alt" href="/d">Demander</a></p>\n'
    )


def test_other_components_are_divs_or_spans_with_their_props() -> None:
    html = render_html(body("<Grid>\n<NextSteps />\n</Grid>\n\nUn <Centered size={2}>mot</Centered>\n"))
    assert html == (
        '<div data-component="Grid">\n<div data-component="NextSteps">\n</div>\n</div>\n'
        '<p>Un <span data-component="Centered" data-props="{&quot;size&quot;:2}">mot</span></p>\n'
    )


def test_unsafe_urls_never_reach_the_html() -> None:
    html = render_html(
        body(
            "[a](javascript:alert(1)) ![b](vbscript:x) <External href='JAVASCRIPT:y'>c</External>\n\n"
            '<Quote logo="javascript:z" link="data:text/html,x" who="W">\nq\n</Quote>\n'
        )
    )
    assert "javascript" not in html.lower() and "vbscript" not in html.lower() and "data:" not in html
    assert_balanced(html)


RAW_HTML_ATTACKS = [
    '<a href="javascript:alert(1)">x</a>',
    "<a href=' JaVa&#x0A;ScRiPt:alert(1)'>x</a>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x OnError='alert(1)'>",
    "<svg><a xlink:href='vbscript:x'>y</a></svg>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<iframe src='data:text/html,<script>alert(1)</script>'></iframe>",
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<meta http-equiv=refresh content='0;url=https://evil.example'>",
    "<base href='https://evil.example/'>",
    "<object data='x.swf'></object><embed src='x.swf'>",
    "<style>body{display:none}</style>",
    "<form action='javascript:x'><button formaction='javascript:y'>b</button></form>",
    "<div>\n<img src=x onerror=alert(1)",
]


class _Tags(HTMLParser):
    """Every start tag and attribute a browser would see in a piece of HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _runs_code(fragment: str) -> list[str]:
    """What in ``fragment`` would run code or load a page in a browser."""
    parser = _Tags()
    parser.feed(fragment)
    parser.close()
    found = []
    for tag, attrs in parser.tags:
        if tag in DANGEROUS_ELEMENTS:
            found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "srcdoc" or (value is not None and is_unsafe_url(value)):
                found.append(f"<{tag} {name}={value!r}>")
    return found


def _walk(node: object) -> list[object]:
    nodes = [node]
    for child in getattr(node, "children", None) or ():
        nodes += _walk(child)
    return nodes


@pytest.mark.parametrize("attack", RAW_HTML_ATTACKS)
@pytest.mark.parametrize("where", ["block", "inline", "component"])
def test_raw_html_never_runs_code(attack: str, where: str) -> None:
    markdown = {
        "block": attack + "\n",
        "inline": "Texte " + attack.replace("\n", " ") + " suite\n",
        "component": "<Centered>\n" + attack + "\n\n</Centered>\n",
    }[where]
    guide = parse_guide("---\ntitle: T\n---\n" + markdown, "g.md")
    assert _runs_code(render_html(guide.body)) == []
    nodes = _walk(guide.body)
    assert [_runs_code(n.value) for n in nodes if isinstance(n, m.Html) and _runs_code(n.value)] == []
    for node in nodes:
        for name, value in (getattr(node, "props", None) or {}).items():
            assert not name.lower().startswith("on") and not (isinstance(value, str) and is_unsafe_url(value))
    if not (where == "inline" and attack.startswith("<div>\n")):  # unfinished inline: plain text
        assert "html-unsafe" in [d.code for d in guide.diagnostics]


def test_heading_ids_on_request() -> None:
    root = body("## L'API\n## L'API\n")
    assert render_html(root) == "<h2>L'API</h2>\n<h2>L'API</h2>\n"
    assert (
        render_html(root, heading_ids=True) == "<h2 id=\"l'api\">L'API</h2>\n<h2 id=\"l'api-1\">L'API</h2>\n"
    )


def test_task_items_and_editor_tables() -> None:
    html = render_html(body("- [x] fait\n- [ ] non\n\n| Éditeur | Solution |\n|---|---|\n| Up | M |\n"))
    assert '<li><input checked="" disabled="" type="checkbox" /> fait</li>' in html
    assert '<li><input disabled="" type="checkbox" /> non</li>' in html
    assert '<table class="editors">' in html


def test_urls_are_percent_encoded_in_html_only() -> None:
    root = body("[é](https://exemple.fr/données#été)\n")
    link = root.children[0].children[0]  # type: ignore[union-attr]
    assert link.url == "https://exemple.fr/données#été"  # type: ignore[union-attr]
    assert render_html(root) == '<p><a href="https://exemple.fr/donn%C3%A9es#%C3%A9t%C3%A9">é</a></p>\n'


def test_render_text_is_readable() -> None:
    text = render_text(
        body(
            "# Titre\n\nUn **mot** et `code`.\n\n- un\n- deux\n\n1. premier\n\n"
            "| A | B |\n|---|---|\n| 1 | 2 |\n\n<p>HTML &amp; <b>gras</b></p>\n\n"
            '<Quote who="Ville" title="Maire">\nCitation\n</Quote>\n'
        )
    )
    assert text == (
        "Titre\n\nUn mot et code.\n\n- un\n- deux\n\n1. premier\n\nA | B\n1 | 2\n\n"
        "HTML &  gras\n\nCitation\n— Ville, Maire"
    )


def test_render_text_skips_scripts_and_comments() -> None:
    text = render_text(body("<script>alert('x')</script>\n\n<!-- caché -->\n\nVisible\n"))
    assert text.split() == ["Visible"]


# --- the allow-list sanitizer, the modes, and the URL checks of render_html -----------------------


def test_render_html_never_writes_an_unsafe_url_even_for_a_hand_made_ast() -> None:
    padded = " " * 300 + "javascript:alert(1)"
    root = m.Root(
        children=[
            m.Paragraph(
                children=[
                    m.Link(url=padded, title=None, children=[m.Text(value="a")]),
                    m.Image(url="&#106;avascript:alert(2)", alt="b", title=None),
                    m.External(href="java\tscript:alert(3)", inline=True, children=[m.Text(value="c")]),
                    m.Button(href="vbscript:x", alt=False, inline=True, children=[m.Text(value="d")]),
                    m.Link(url="https://ok.gouv.fr/", title=None, children=[m.Text(value="ok")]),
                ]
            ),
            m.Quote(logo="data:text/html,x", link=padded, who="W", title=None, inline=False, children=[]),
        ]
    )
    html = render_html(root)
    assert "javascript" not in html and "vbscript" not in html and "data:" not in html
    assert '<a href="https://ok.gouv.fr/">ok</a>' in html
    assert "<a>a</a>" in html and '<img alt="b" />' in html and "W</figcaption>" in html


def test_unsafe_urls_in_prop_arrays_and_objects_are_removed_at_any_depth() -> None:
    deep = "[" * 200 + '"javascript:alert(1)"' + "]" * 200
    guide = parse_guide(
        "---\ntitle: T\n---\n"
        '<Datagouv links={["https://a.gouv.fr", " JAVASCRIPT:x"]} '
        'data={{"items": [{"logo": "vbscript:y", "label": "le guide javascript:"}]}} deep={'
        + deep
        + "} />\n",
        "g.md",
    )
    props = guide.body.children[0].props  # type: ignore[attr-defined]
    assert props["links"] == ["https://a.gouv.fr"]
    assert props["data"] == {"items": [{"label": "le guide javascript:"}]}
    inner = props["deep"]
    while isinstance(inner, list) and inner and isinstance(inner[0], list):
        inner = inner[0]
    assert inner == []
    assert b"null" not in msgspec.json.encode(props)
    assert [d.code for d in guide.diagnostics].count("url-unsafe") == 3


RAW_GUIDE = (
    "---\ntitle: T\n---\n"
    '<div onclick="x()"><script>alert(1)</script></div>\n\n'
    "[a](javascript:alert(2)) <External href=' javascript:x'>b</External>\n"
)


def test_raw_mode_keeps_raw_html_verbatim_and_still_checks_urls() -> None:
    raw = parse_guide(RAW_GUIDE, "g.md", html="raw")
    assert raw.body.children[0].value == '<div onclick="x()"><script>alert(1)</script></div>'  # type: ignore[attr-defined]
    assert [d.code for d in raw.diagnostics] == ["url-unsafe", "url-unsafe"]
    html = render_html(raw.body)
    assert "javascript" not in html and "<script>alert(1)</script>" in html
    sanitized = parse_guide(RAW_GUIDE, "g.md")
    assert sanitized.body.children[0].value == "<div></div>"  # type: ignore[attr-defined]
    assert [d.code for d in sanitized.diagnostics].count("html-unsafe") == 1
    with pytest.raises(ValueError):
        parse_guide(RAW_GUIDE, html="unsafe")  # type: ignore[arg-type]


def test_iframe_hosts_decide_which_widgets_stay() -> None:
    text = (
        "---\ntitle: T\n---\n"
        '<iframe src="https://carte.exemple.org/w" title="Carte"></iframe>\n\n'
        '<iframe src="https://adresse.data.gouv.fr/w" title="Adresse"></iframe>\n'
    )
    default = [n.value for n in parse_guide(text, "g.md").body.children]  # type: ignore[attr-defined]
    assert default == ['<iframe src="https://adresse.data.gouv.fr/w" title="Adresse"></iframe>']
    other = parse_guide(text, "g.md", iframe_hosts=("carte.exemple.org",))
    assert [n.value for n in other.body.children] == [  # type: ignore[attr-defined]
        '<iframe src="https://carte.exemple.org/w" title="Carte"></iframe>'
    ]
    assert "IFRAME_HOSTS" in next(d.message for d in other.diagnostics if d.code == "html-unsafe")


@pytest.mark.parametrize("html", ["raw", "sanitize"])
def test_a_huge_character_reference_in_raw_html_is_no_crash(html: str) -> None:
    guide = parse_guide("---\ntitle: T\n---\n<p>&#" + "1" * 5000 + ";</p>\n\nSuite\n", "g.md", html=html)  # type: ignore[arg-type]
    assert guide.ok and render_text(guide.body).endswith("Suite")


def test_every_removal_is_reported_where_it_is() -> None:
    guide = parse_guide(
        "---\ntitle: T\n---\nTexte.\n\n<div>\n  <img SRC=x OnError='alert(1)' alt=''>\n</div>\n",
        "g.md",
    )
    found = [(d.line, d.column, d.message) for d in guide.diagnostics if d.code == "html-unsafe"]
    assert found == [(7, 14, "raw HTML outside the allow-list, removed: onerror='alert(1)'")]


@needs_shared
def test_the_real_guides_keep_their_html_structure() -> None:
    """Sanitized, every real guide renders the same elements as raw, iframes from other hosts aside
    (and the one written ``<iframe ... />``, which is now closed)."""
    tag = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")
    changed = {}
    for path in corpus_files():
        data = path.read_bytes()
        raw = Counter(tag.findall(render_html(parse_guide(data, str(path), html="raw").body)))
        sanitized = Counter(tag.findall(render_html(parse_guide(data, str(path)).body)))
        if raw != sanitized:
            changed[path.name] = (dict(raw - sanitized), dict(sanitized - raw))
    assert set(changed) <= {"utiliser-api-eau.md", "widget-la-bonne-alternance.md"}, changed
    assert all(set(lost) | set(added) == {"iframe"} for lost, added in changed.values()), changed


def test_deep_or_odd_raw_html_is_no_crash_and_no_stall() -> None:
    """100,000 nested <div> (html5ever's scope checks make that quadratic: minutes) are kept as text,
    with a warning; every private-use character (the sanitizer's marker) and a lone surrogate are
    no crash either."""
    started = time.perf_counter()
    deep = parse_guide("---\ntitle: T\n---\n" + "<div>" * 100_000 + "fin\n\nSuite\n", "g.md")
    assert time.perf_counter() - started < 20  # generous: about 0.3 s here; minutes without the bound
    assert deep.ok and deep.body.children[0].value.startswith("&lt;div&gt;")  # type: ignore[attr-defined]
    assert "nested deeper than 256" in next(d.message for d in deep.diagnostics if d.code == "html-unsafe")
    private = "".join(map(chr, range(0xE000, 0xF900)))
    odd = parse_guide(f"---\ntitle: T\n---\n<div>{private}\ud800</div>\n\nSuite\n", "g.md")
    assert odd.ok and odd.body.children[0].value == f"<div>{private[1:]}\ufffd</div>"  # type: ignore[attr-defined]


def test_a_code_blocks_language_is_the_first_word_of_its_info_string() -> None:
    """Up to a space or a tab, as micromark (mdast's ``lang``/``meta``); written as its first word
    by JavaScript's whitespace, as markdown-it, commonmark.js and mdast-util-to-hast write it."""
    from content_api import parse_guide

    def code(info: str) -> tuple[str | None, str | None, str]:
        guide = parse_guide(f"---\ntitle: t\n---\n```{info}\nx\n```\n", "t.md")
        node = guide.body.children[0]
        return node.lang, node.meta, render_html(guide.body).split(">")[1]  # type: ignore[attr-defined]

    assert code("js\tx y") == ("js", "x y", '<code class="language-js"')
    assert code("js\u00a0x") == ("js\u00a0x", None, '<code class="language-js"')
    assert code("\ufeffpy") == ("py", None, '<code class="language-py"')
    assert code("") == (None, None, "<code")
