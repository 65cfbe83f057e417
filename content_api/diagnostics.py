"""Every diagnostic code content-api reports, with its severity: one table, used everywhere.

``error``: the guide is not served. ``warning``: served, but something is lost, unsafe or read
differently than its author probably meant. ``info``: worth knowing, nothing lost.
"""

from __future__ import annotations

from typing import NamedTuple

from .model import Severity


class Rule(NamedTuple):
    severity: Severity
    summary: str


RULES: dict[str, Rule] = {
    # files
    "folder-unreadable": Rule("error", "the content folder cannot be listed"),
    "file-unreadable": Rule("error", "the file cannot be read (or is not a regular file)"),
    "file-outside": Rule("error", "the file is a link to outside the content folder: not read"),
    "file-too-large": Rule("error", "the file is over the size limit: not read"),
    "file-binary": Rule("error", "the file contains NUL bytes: not Markdown"),
    "encoding-unreadable": Rule("error", "a UTF-16 byte-order mark, but not UTF-16"),
    "encoding-utf16": Rule("warning", "the file is UTF-16 (read, but save it as UTF-8)"),
    "encoding-invalid": Rule("warning", "invalid UTF-8, replaced by U+FFFD"),
    "slug-invalid": Rule("error", "the file name is not a slug (`^[a-z0-9][a-z0-9_-]*$` once lower-cased)"),
    "slug-duplicate": Rule("error", "another file has the same slug"),
    # front matter
    "title-missing": Rule("error", "no front matter, or no `title`"),
    "yaml-invalid": Rule("error", "the front matter is not valid YAML (at the YAML error's line)"),
    "yaml-too-large": Rule("error", "the front matter expands to more than 10,000 YAML nodes"),
    "yaml-duplicate-key": Rule("warning", "a front matter key is repeated (the last one wins)"),
    "front-matter-unclosed": Rule("warning", "`---` and `key: value` lines but no closing `---`"),
    "front-matter-type": Rule("warning", "a known key has a value of the wrong type"),
    "tag-invalid": Rule("warning", "a tag with no letter or digit"),
    "api-invalid": Rule("warning", "an API name with no letter or digit"),
    "related-invalid": Rule("warning", "a `related_guides` entry that is not a slug"),
    "related-missing": Rule("warning", "`related_guides` names a guide that is not served"),
    "guide-stale": Rule("warning", "on reload, the file has errors: its last good version is still served"),
    # components
    "component-unknown": Rule("warning", "a component name the site does not know"),
    "component-unclosed": Rule("warning", "an opening tag never closed: read as self-closing"),
    "component-unexpected-close": Rule("warning", "a closing tag without opening tag: kept as text"),
    "tag-not-component": Rule("info", "a capitalized tag that is not a valid component: kept as text"),
    "attribute-unquoted": Rule("warning", "`href=https://…` without quotes (the site's renderer loses it)"),
    "attribute-quote": Rule("warning", "a quoted value contains its own quote character"),
    "html-unsafe": Rule("warning", "raw HTML that runs code (script, on* handler, javascript: URL), removed"),
    "url-unsafe": Rule("warning", "a `javascript:`, `vbscript:` or `data:` URL, replaced by null"),
    "nesting-too-deep": Rule("warning", "containers nested deeper than 32 levels: the rest is plain text"),
    # Markdown read differently by GFM and by the site's renderer
    "table-delimiter-mismatch": Rule(
        "warning", "a delimiter row that does not match its header: not a table"
    ),
    "table-lazy-row": Rule("warning", "a line without `|` right after a table is a table row (GFM)"),
    "table-extra-cells": Rule("warning", "a table row with more cells than its header: GFM drops them"),
    "table-pipe-in-code": Rule("warning", "a `|` inside a code span splits a table cell (GFM)"),
    "table-pipe-in-component": Rule("warning", "a `|` inside a component tag splits a table cell (GFM)"),
    "heading-after-list": Rule("warning", "a heading right after a list item, without a blank line"),
    "link-text-brackets": Rule("warning", "`[[x]](url)`: the site's renderer shows it literally"),
    "task-outside-list": Rule("warning", "`[x]` at the start of a line outside a list"),
    "html-swallows-markdown": Rule("warning", "Markdown right after an HTML line is kept as raw HTML"),
    # editor tables
    "editor-row-skipped": Rule("warning", "an editor row whose editor cell is empty or a placeholder"),
    "editor-cell-empty": Rule("warning", "an empty solution, date or request cell in an editor row"),
    "editor-table-empty": Rule("warning", "an editor table with no editor"),
}


def severity(code: str) -> Severity:
    """The severity of ``code``; an undeclared code is a bug, so it raises KeyError."""
    return RULES[code].severity
