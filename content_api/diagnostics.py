"""Every diagnostic code content-api reports, with its severity: one table, used everywhere.

``error``: the guide is not served. ``warning``: served, but something is lost, unsafe, read
differently than its author probably meant, or not accessible. ``info``: worth knowing, nothing
lost. The README's table of rules is made from this one (``rules_table``; a test compares them).

The lint rules are declared by subject in :mod:`content_api.lint`, beside the functions that report
them; the codes reported where a file is read, its front matter decoded, its content cut or made
safe, links between guides or to the web checked, and ignore comments applied, are declared here.
:data:`RULES` puts them all in one order, the README's.
"""

from __future__ import annotations

from .lint import SUBJECTS
from .lint.registry import Rule
from .model import Diagnostic, Severity

__all__ = [
    "LIBRARY_CODES",
    "RULES",
    "Rule",
    "diagnostic",
    "known_selector",
    "rules_table",
    "selected",
    "severity",
]

#: Files and front matter.
_FILES: dict[str, Rule] = {
    # files
    "internal-error": Rule(
        "error",
        "content-api failed on this file (a bug, reported with the exception's type): not served",
        "a construct content-api cannot handle yet",
    ),
    "folder-unreadable": Rule("error", "the content folder cannot be listed", "`content/` not readable"),
    "file-unreadable": Rule(
        "error", "the file cannot be read (or is not a regular file)", "`guide.md` is a folder"
    ),
    "file-outside": Rule(
        "error", "the file is a link to outside the content folder: not read", "`guide.md` → `/etc/passwd`"
    ),
    "file-too-large": Rule("error", "the file is over the size limit: not read", "a 5 MB `guide.md`"),
    "file-binary": Rule("error", "the file contains NUL bytes: not Markdown", "a PNG named `guide.md`"),
    "encoding-unreadable": Rule(
        "error", "a UTF-16 byte-order mark, but not UTF-16", "`FF FE` then an odd number of bytes"
    ),
    "encoding-utf16": Rule(
        "warning", "the file is UTF-16 (read, but save it as UTF-8)", "a guide saved as UTF-16 by Word"
    ),
    "encoding-invalid": Rule("warning", "invalid UTF-8, replaced by U+FFFD", "`é` saved as Latin-1"),
    "slug-invalid": Rule(
        "error", "the file name is not a slug (`^[a-z0-9][a-z0-9_-]*$` once lower-cased)", "`Mon guide.md`"
    ),
    "slug-duplicate": Rule("error", "another file has the same slug", "`ccas.md` and `CCAS.md`"),
    # front matter
    "title-missing": Rule("error", "no front matter, or no `title`", "`---` `tagline: x` `---`"),
    "yaml-invalid": Rule(
        "error", "the front matter is not valid YAML (at the YAML error's line)", "`title: [Guide`"
    ),
    "yaml-too-large": Rule(
        "error", "the front matter expands to more than 10,000 YAML nodes", "nested aliases (billion laughs)"
    ),
    "yaml-duplicate-key": Rule(
        "warning", "a front matter key is repeated (the last one wins)", "`title: A` then `title: B`"
    ),
    "front-matter-unclosed": Rule(
        "warning", "`---` and `key: value` lines but no closing `---`", "`---` `title: A` and no `---`"
    ),
    "front-matter-type": Rule("warning", "a known key has a value of the wrong type", "`publish: peut-être`"),
    "tag-invalid": Rule("warning", "a tag with no letter or digit", "`tags: ['--']`"),
    "api-invalid": Rule("warning", "an API name with no letter or digit", "`api: ['!!']`"),
    "related-invalid": Rule(
        "warning", "a `related_guides` entry that is not a slug", "`related_guides: ['Mon guide']`"
    ),
    "related-missing": Rule(
        "warning", "`related_guides` names a guide that is not served", "`related_guides: [fantome]`"
    ),
    "guide-stale": Rule(
        "warning",
        "on reload, the file has errors: its last good version is still served",
        "a served guide saved with broken YAML (`--watch`)",
    ),
    # redirects (content_api/parse/redirects.py, content_api/redirects.py)
    "redirect-from-invalid": Rule(
        "warning",
        "a `redirect_from` entry that is not a slug: ignored",
        "`redirect_from: [Mon ancien guide]`",
    ),
    "redirect-to-invalid": Rule(
        "error",
        "a `redirect_to` that is not an `http(s)` URL or a path from the root, or is unsafe "
        "(`javascript:`, `//host`): the guide is served neither as a guide nor as a redirect",
        "`redirect_to: javascript:alert(1)`",
    ),
    "redirect-collision": Rule(
        "error",
        "a `redirect_from` slug that names another page (served, or failed to load; an API page's or "
        "producer's alias too), or that another file (the first one keeps it) or a moved guide "
        "already redirects: that redirect is not served",
        "`redirect_from: [ccas]` while `ccas.md` exists",
    ),
    "redirect-chain": Rule(
        "error",
        "a redirect to a page that redirects again (`redirect_from` on a guide with `redirect_to`, a "
        "`redirect_to` to an old slug): that redirect is not served; point it at the last address",
        "`redirect_to: /guides/ancien` where `ancien` is a `redirect_from`",
    ),
    "redirect-loop": Rule(
        "error",
        "a `redirect_to` that leads back to its own guide (itself, or a → b → a): not served",
        "`redirect_to: /guides/<its own slug>`",
    ),
    "redirect-target-missing": Rule(
        "warning",
        "a `redirect_to` to a path of this site where no page is served (the redirect leads to a 404)",
        "`redirect_to: /guides/fantome`",
    ),
}

#: What a parse removes (unsafe HTML and URLs) or keeps as text (past its limits).
_PARSE: dict[str, Rule] = {
    "html-unsafe": Rule(
        "warning",
        "raw HTML outside the allow-list (script, on* handler, javascript: URL, iframe of another host…), "
        "removed",
        "`<img src=x onerror=alert(1)>`",
    ),
    "url-unsafe": Rule(
        "warning",
        "a `javascript:`, `vbscript:` or `data:` URL, removed (a link keeps its text, an image its alt)",
        "`[a](javascript:f())`",
    ),
    "nesting-too-deep": Rule(
        "warning", "containers nested deeper than 32 levels: the rest is plain text", "`>` 40 times"
    ),
    "hints-too-deep": Rule(
        "warning",
        "Quotes, Externals or editor tables nested more than 4 deep: the outer ones carry no "
        "`data.hChildren` (mdast renderers show them plainly; `render_html` is unaffected)",
        "five `<Quote>` nested",
    ),
    "hints-too-large": Rule(
        "warning",
        "rendering hints (`hChildren`, `data-props`) past 1 MiB and four times the file: the later "
        "ones are left out (mdast renderers show those components plainly; `render_html` is unaffected)",
        "a 1 MB prop of quotes",
    ),
    "too-complex": Rule(
        "warning",
        "more Markdown constructs in one file than a parse takes (`MAX_CONSTRUCTS`), or reference "
        "links repeating more address bytes than 1 MiB and twice the file: the rest is plain text",
        "`_a ` repeated over a megabyte",
    ),
}

#: Links between guides (offline) and to the web (``check --links``).
_LINKS: dict[str, Rule] = {
    "link-guide-missing": Rule(
        "warning",
        "a `/guides/<slug>` link to a guide that is not served, or to an anchor it lacks",
        "`[CCAS](/guides/fantome)`",
    ),
    "link-broken": Rule(
        "warning", "`check --links`: the address answers 404, 410, another 4xx or a 5xx", "a page removed"
    ),
    "link-timeout": Rule("warning", "`check --links`: no answer in time", "a server that hangs"),
    "link-redirect": Rule(
        "info",
        "`check --links`: a permanent redirect (301, 308): link to the new address",
        "`http://` → `https://`",
    ),
    "link-unchecked": Rule(
        "info",
        "`check --links`: the address could not be checked (refused, needs a login, DNS, TLS)",
        "a server that refuses robots",
    ),
}

#: Images and their files (``ASSETS_DIR``).
_IMAGES: dict[str, Rule] = {
    "image-missing": Rule(
        "warning",
        "with `ASSETS_DIR`, a local image (body, front matter `image`, Quote `logo`) whose file is not "
        "there, not a regular file, not inside it, or not an image whose size can be read",
        "`![Schéma](/images/guides/absent.png)`",
    ),
}

#: The content graph: API pages, producers and services of a site-layout folder (content_api/graph/).
_GRAPH: dict[str, Rule] = {
    "key-unknown": Rule(
        "warning",
        "an API page, producer or service has a key close to one of its kind's but not it (kept under "
        "`extra`)",
        "`taglin: …` in `api/x.md`",
    ),
    "api-duplicate": Rule(
        "error",
        "two API pages have the same slug (their titles normalized): the second is not served",
        "`API Particulier` in two files",
    ),
    "api-unresolved": Rule(
        "warning",
        "a guide's or service's `api` entry names no API page (by slug, title or file name); the "
        "closest titles are suggested",
        "`api: [API Statut Etudiant]`",
    ),
    "producer-unresolved": Rule(
        "warning",
        "an API page's `producer` names no producer (by file name, acronym or name)",
        "`producer: dinumm`",
    ),
    "partner-unresolved": Rule(
        "info",
        "an API page's `partners` entry names no producer: shown as written",
        "`partners: [INAO]`",
    ),
}

#: Ignore comments.
_IGNORES: dict[str, Rule] = {
    "ignore-unknown": Rule(
        "warning",
        "an ignore comment names a code that does not exist",
        "`<!-- content-api: ignore a11y-foo -->`",
    ),
    "ignore-unused": Rule(
        "info",
        "an ignore comment that silenced nothing (the problem was fixed)",
        "`<!-- content-api: ignore a11y-heading-h1 -->` before `## Titre`",
    ),
}

RULES: dict[str, Rule] = {
    **_FILES,
    **SUBJECTS["components"].rules,
    **_PARSE,
    **SUBJECTS["tables"].rules,
    **SUBJECTS["markdown"].rules,
    **SUBJECTS["editors"].rules,
    **SUBJECTS["a11y"].rules,
    **SUBJECTS["links"].rules,
    **_LINKS,
    **_IMAGES,
    **_GRAPH,
    **_IGNORES,
}

#: The codes that need the whole library (other guides, the file system), not only one file.
LIBRARY_CODES = frozenset(
    {
        "folder-unreadable",
        "file-unreadable",
        "file-outside",
        "file-too-large",
        "file-binary",
        "slug-invalid",
        "slug-duplicate",
        "related-missing",
        "guide-stale",
        "redirect-collision",
        "redirect-chain",
        "redirect-loop",
        "redirect-target-missing",
        "link-guide-missing",
        "link-broken",
        "link-timeout",
        "link-redirect",
        "link-unchecked",
        "image-missing",
        "api-duplicate",
        "api-unresolved",
        "producer-unresolved",
        "partner-unresolved",
    }
)


def severity(code: str) -> Severity:
    """The severity of ``code``; an undeclared code is a bug, so it raises KeyError."""
    return RULES[code].severity


def diagnostic(file: str | None, code: str, message: str, line: int = 1, column: int = 1) -> Diagnostic:
    """A diagnostic of ``code`` (its severity from the table) at ``line``, ``column`` of ``file``."""
    return Diagnostic(file, line, column, severity(code), code, message)


def rules_table() -> str:
    """The Markdown table of every rule, as the README shows it."""
    lines = ["| code | severity | RGAA | what | example |", "|---|---|---|---|---|"]
    for code, rule in RULES.items():
        rgaa = rule.rgaa or "—"
        what, example = (text.replace("|", "\\|") for text in (rule.summary, rule.example))
        lines.append(f"| `{code}` | {rule.severity} | {rgaa} | {what} | {example} |")
    return "\n".join(lines) + "\n"


def selected(code: str, select: list[str], ignore: list[str]) -> bool:
    """Whether ``code`` is on for ``--select``/``--ignore`` lists of codes or prefixes (ruff-style).

    A selector matches a code equal to it or starting with it and ``-`` (``a11y`` is every
    ``a11y-…`` rule, ``link`` every ``link-…`` one); ``ALL`` matches everything. With no
    ``select``, every rule is on. The longer matching selector wins, ``ignore`` on a tie.
    """

    def strength(selectors: list[str]) -> int:
        best = -1
        for selector in selectors:
            if selector == "ALL":
                best = max(best, 0)
            elif code == selector or code.startswith(selector + "-"):
                best = max(best, len(selector))
        return best

    on = strength(select) if select else 0
    off = strength(ignore)
    return on >= 0 and on > off


def known_selector(selector: str) -> bool:
    return selector == "ALL" or any(code == selector or code.startswith(selector + "-") for code in RULES)
