"""``<!-- content-api: ignore CODE -->`` comments: each silences one occurrence of each code.

A comment silences the first diagnostic of its code on its own line (a comment after the
construct), else the first one after it. A guide's parse applies the comments to the codes it
reports itself; the library applies them again to the codes only it can report (links between
guides, slugs, files). A code that silenced nothing is reported (``ignore-unused``), and so is a
code that does not exist (``ignore-unknown``).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field

from .. import model as m
from ..diagnostics import LIBRARY_CODES, RULES
from ..source_map import SourceMap
from .context import Context

_DIRECTIVE = re.compile(r"<!--\s*content-api:\s*ignore\b(.*?)-->", re.DOTALL)
_CODE_SPLIT = re.compile(r"[\s,]+")

#: The codes a guide's own parse reports (the others need the whole library).
PARSE_CODES = frozenset(code for code in RULES if code not in LIBRARY_CODES)


@dataclass
class Directive:
    """One ``<!-- content-api: ignore CODE... -->`` comment: where it is, what it silences."""

    line: int
    column: int
    codes: list[str]
    used: set[str] = field(default_factory=set)


def find_directives(text: str, first_line: int = 1) -> list[tuple[int, int, list[str]]]:
    """(line, column, codes) of each ignore comment in ``text`` (which starts at ``first_line``)."""
    where = SourceMap(text, first_line - 1)
    return [
        (*where.point(match.start()), [c for c in _CODE_SPLIT.split(match.group(1).strip()) if c])
        for match in _DIRECTIVE.finditer(text)
    ]


def apply_directives(
    diagnostics: list[m.Diagnostic], directives: list[Directive], codes: frozenset[str] | None = None
) -> list[m.Diagnostic]:
    """``diagnostics`` less one occurrence per code of each directive.

    A directive silences the first diagnostic of its code on its own line (a comment after the
    construct), else the first one after it. Only codes in ``codes`` are considered (all if None).
    Each code's diagnostics are kept in order with a "next one not silenced yet" pointer per
    position (path-compressed), so that thousands of comments cost no more than their number.
    """
    by_code: dict[str, list[tuple[int, int, int]]] = {}
    for i, found in enumerate(diagnostics):
        by_code.setdefault(found.code, []).append((found.line, found.column, i))
    for places in by_code.values():
        places.sort()
    free: dict[str, list[int]] = {code: list(range(len(places) + 1)) for code, places in by_code.items()}
    silenced: set[int] = set()
    for directive in directives:
        for code in directive.codes:
            if (codes is not None and code not in codes) or code in directive.used or code not in by_code:
                continue
            places = by_code[code]
            slot = _next_free(free[code], bisect_left(places, (directive.line, 0, -1)))
            if slot < len(places):
                silenced.add(places[slot][2])
                free[code][slot] = slot + 1
                directive.used.add(code)
    return [d for i, d in enumerate(diagnostics) if i not in silenced]


def _next_free(free: list[int], slot: int) -> int:
    """The first slot at or after ``slot`` not taken yet (``free[i] == i``), compressing the path."""
    root = slot
    while free[root] != root:
        root = free[root]
    while free[slot] != root:
        free[slot], slot = root, free[slot]
    return root


def unused_directives(
    ctx: Context, directives: list[Directive], codes: frozenset[str] | None, *, report_unknown: bool
) -> None:
    """Report the codes of ``directives`` (among ``codes``) that silenced nothing, or are unknown."""
    for directive in directives:
        for code in directive.codes:
            where = (directive.line, directive.column)
            if code not in RULES:
                if report_unknown:
                    ctx.add(*where, "ignore-unknown", f"« {code} » n'est pas un code de content-api")
            elif (codes is None or code in codes) and code not in directive.used:
                message = f"ce commentaire ne fait taire aucun « {code} » : à retirer"
                ctx.add(*where, "ignore-unused", message)


def apply_in_parse(ctx: Context, directives: list[Directive]) -> None:
    """The comments of one guide applied to what its parse reported, the unused ones reported."""
    if directives:
        ctx.diagnostics[:] = apply_directives(ctx.diagnostics, directives, PARSE_CODES)
        unused_directives(ctx, directives, PARSE_CODES, report_unknown=True)


def apply_in_library(diagnostics: list[m.Diagnostic], sources: dict[str, bytes]) -> list[m.Diagnostic]:
    """``diagnostics`` less what the comments of each file (``sources``: file -> bytes) silence
    among the codes only the library reports, plus the comments that silenced none of those."""
    by_file: dict[str, list[m.Diagnostic]] = {}
    for found in diagnostics:
        if found.code in LIBRARY_CODES:
            by_file.setdefault(found.file or "", []).append(found)
    kept = [d for d in diagnostics if d.code not in LIBRARY_CODES]
    for file, data in sources.items():
        if b"content-api:" not in data:
            continue
        text = data.decode("utf-8", "replace")
        directives = [Directive(line, column, codes) for line, column, codes in find_directives(text)]
        by_file[file] = apply_directives(by_file.get(file, []), directives, LIBRARY_CODES)
        ctx = Context(file)
        unused_directives(ctx, directives, LIBRARY_CODES, report_unknown=False)
        kept.extend(ctx.diagnostics)
    return kept + [d for found in by_file.values() for d in found]
