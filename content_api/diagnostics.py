"""Every diagnostic code content-api reports, with its severity: one table, used everywhere.

``error``: the guide is not served. ``warning``: served, but something is lost, unsafe, read
differently than its author probably meant, or not accessible. ``info``: worth knowing, nothing
lost. The README's table of rules is made from this one (``rules_table``; a test compares them).
"""

from __future__ import annotations

from typing import NamedTuple

from .model import Diagnostic, Severity


class Rule(NamedTuple):
    severity: Severity
    summary: str
    #: what triggers it, as an editor would write it (Markdown unless said otherwise)
    example: str
    #: the RGAA 4.1 criteria the rule serves (accessibility rules only)
    rgaa: str = ""


RULES: dict[str, Rule] = {
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
    # components
    "component-unknown": Rule("warning", "a component name the site does not know", "`<Carousel />`"),
    "component-unclosed": Rule(
        "warning", "an opening tag never closed: read as self-closing", '`<External href="…">texte`'
    ),
    "component-unexpected-close": Rule(
        "warning", "a closing tag without opening tag: kept as text", "`texte</Button>`"
    ),
    "tag-not-component": Rule(
        "info", "a capitalized tag that is not a valid component: kept as text", "`<Foo bar=>`"
    ),
    "attribute-unquoted": Rule(
        "warning", "`href=https://…` without quotes (the site's renderer loses it)", "`<Button href=/a>`"
    ),
    "attribute-quote": Rule(
        "warning", "a quoted value contains its own quote character", "`<Quote who='l'équipe'>`"
    ),
    "html-unsafe": Rule(
        "warning",
        "raw HTML outside the allow-list (script, on* handler, javascript: URL, iframe of another host…), "
        "removed",
        "`<img src=x onerror=alert(1)>`",
    ),
    "url-unsafe": Rule(
        "warning", "a `javascript:`, `vbscript:` or `data:` URL, replaced by null", "`[a](javascript:f())`"
    ),
    "nesting-too-deep": Rule(
        "warning", "containers nested deeper than 32 levels: the rest is plain text", "`>` 40 times"
    ),
    "too-complex": Rule(
        "warning",
        "more Markdown constructs in one file than a parse takes (`MAX_CONSTRUCTS`): the rest is plain text",
        "`_a ` repeated over a megabyte",
    ),
    # Markdown read differently by GFM and by the site's renderer
    "table-delimiter-mismatch": Rule(
        "warning", "a delimiter row that does not match its header: not a table", "`| a | b |` `| --- |`"
    ),
    "table-lazy-row": Rule(
        "warning", "a line without `|` right after a table is a table row (GFM)", "text under a table"
    ),
    "table-extra-cells": Rule(
        "warning", "a table row with more cells than its header: GFM drops them", "`| a |` then `| 1 | 2 |`"
    ),
    "table-pipe-in-code": Rule(
        "warning", "a `|` inside a code span splits a table cell (GFM)", "`` `a|b` `` in a table cell"
    ),
    "table-pipe-in-component": Rule(
        "warning",
        "a `|` inside a component tag splits a table cell (GFM)",
        '`<Button href="/a|b">` in a cell',
    ),
    "heading-after-list": Rule(
        "warning", "a heading right after a list item, without a blank line", "`- item` then `## Titre`"
    ),
    "link-text-brackets": Rule(
        "warning", "`[[x]](url)`: the site's renderer shows it literally", "`[[CAF]](https://caf.fr)`"
    ),
    "task-outside-list": Rule("warning", "`[x]` at the start of a line outside a list", "`[x] fait`"),
    "html-swallows-markdown": Rule(
        "warning", "Markdown right after an HTML line is kept as raw HTML", "`<div>` then `**gras**`"
    ),
    # editor tables
    "editor-row-skipped": Rule(
        "warning", "an editor row whose editor cell is empty or a placeholder", "`| — | Solution |`"
    ),
    "editor-cell-empty": Rule(
        "warning", "an empty solution, date or request cell in an editor row", "`| Up |  |`"
    ),
    "editor-table-empty": Rule("warning", "an editor table with no editor", "an `Éditeur` table, no row"),
    # accessibility (RGAA 4.1): what a reader with a screen reader or a keyboard would miss
    "a11y-image-alt-missing": Rule(
        "warning",
        "an image without alternative text (mark a decorative one with an ignore comment)",
        "`![](/img/schema.png)`, `<img src=x.png>`",
        "1.1, 1.2",
    ),
    "a11y-image-alt-filename": Rule(
        "warning", "an image whose alternative text is a file name", "`![schema.png](/img/schema.png)`", "1.3"
    ),
    "a11y-heading-h1": Rule(
        "warning", "a level-1 heading in the body: the guide's title is the page's h1", "`# Titre`", "9.1"
    ),
    "a11y-heading-skip": Rule(
        "warning", "a heading level that skips one (h2 then h4)", "`## A` then `#### B`", "9.1"
    ),
    "a11y-link-text-vague": Rule(
        "warning",
        "a link text that says nothing out of context (ici, cliquez ici, en savoir plus, lien…)",
        "`[ici](https://a.fr)`",
        "6.1",
    ),
    "a11y-link-text-url": Rule(
        "warning", "a bare address as link text", "`<https://a.fr/x>`, `[https://a.fr](https://a.fr)`", "6.1"
    ),
    "a11y-link-text-duplicate": Rule(
        "warning",
        "two links with the same text to different destinations in one guide",
        "`[Remplir une demande](/a)` … `[Remplir une demande](/b)`",
        "6.1",
    ),
    "a11y-link-empty": Rule(
        "warning", "a link or button without text", '`[](https://a.fr)`, `<Button href="/a" />`', "6.2"
    ),
    "a11y-table-header-missing": Rule(
        "warning",
        "a table without header cells (empty first row, or HTML without `<th>`)",
        "`|  |  |` `| --- | --- |`",
        "5.6, 5.7",
    ),
    "a11y-new-window": Rule(
        "warning",
        "a raw HTML link opening a new window without saying so (`<External>` says it itself)",
        '`<a href="…" target="_blank">site</a>`',
        "13.2",
    ),
    # links
    "link-anchor-missing": Rule(
        "warning", "an `#anchor` link that matches no heading id of the guide", "`[Étapes](#etape)`"
    ),
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
    # ignore comments
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
        "link-guide-missing",
        "link-broken",
        "link-timeout",
        "link-redirect",
        "link-unchecked",
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
