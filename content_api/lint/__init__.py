"""The lint rules, by subject: each module declares its codes beside the functions that report them.

* :mod:`.components`: component tags and attributes the site reads differently or not at all;
* :mod:`.tables`: GFM tables the site's current renderer reads differently;
* :mod:`.markdown`: other Markdown read differently (headings after lists, task markers, HTML
  blocks, bracketed link texts);
* :mod:`.editors`: editor tables that cannot be fully read;
* :mod:`.a11y`: accessibility (RGAA 4.1);
* :mod:`.links`: ``#anchor`` links inside a guide.

See :mod:`.registry` for how a rule is declared and hooked. The hooks of every subject are merged
here in this order, which is the order rules on the same token or node report in.
"""

from __future__ import annotations

from typing import TypeVar

from . import a11y, components, editors, links, markdown, tables
from .registry import EndRule, NodeRule, Rule, Rules, TokenLint, TokenRule

__all__ = ["END_RULES", "NODE_RULES", "SUBJECTS", "TOKEN_RULES", "Rule", "Rules", "TokenLint"]

_K = TypeVar("_K")
_R = TypeVar("_R")

SUBJECTS: dict[str, Rules] = {
    subject.RULES.subject: subject.RULES for subject in (components, tables, markdown, editors, a11y, links)
}


def _merged(hooks: list[dict[_K, list[_R]]]) -> dict[_K, tuple[_R, ...]]:
    """The hooks of every subject on each key, subject after subject."""
    merged: dict[_K, tuple[_R, ...]] = {}
    for by_key in hooks:
        for key, rules in by_key.items():
            merged[key] = (*merged.get(key, ()), *rules)
    return merged


#: token type -> the rules hooked on it; AST node type -> the rules hooked on it; the rules run
#: once the AST was walked
TOKEN_RULES: dict[str, tuple[TokenRule, ...]] = _merged([rules.token_rules for rules in SUBJECTS.values()])
NODE_RULES: dict[type, tuple[NodeRule, ...]] = _merged([rules.node_rules for rules in SUBJECTS.values()])
END_RULES: tuple[EndRule, ...] = tuple(rule for rules in SUBJECTS.values() for rule in rules.end_rules)
