"""The shape of the code: one home per concern, no cycle, small modules and functions.

Read from the source with ``ast`` (every import counts: at the top, in a function, under
``TYPE_CHECKING``), so that a newcomer's map of the package (README, "Where things live") stays true.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGE = ROOT / "content_api"
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 50
#: What must not depend on the web or on a server: the engine and the catalog.
FRAMEWORK_FREE = ("content_api.parse", "content_api.catalog", "content_api.library", "content_api.render")
FRAMEWORK_FREE += ("content_api.model",)
FORBIDDEN = ("litestar", "granian", "uvicorn", "content_api.web", "content_api.servers")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str) -> set[str]:
    """Every module ``name`` imports (content_api's resolved to the module, others as written)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # ``from . import ops`` imports the module ``ops``; ``from .ops import x``, ``ops``
            submodules = {f"{base}.{alias.name}" for alias in node.names} & MODULES.keys()
            found.update(submodules)
            if len(submodules) < len(node.names):
                found.add(base)
    return found


def graph() -> dict[str, set[str]]:
    return {
        name: {other for other in imports(name) if other in MODULES and other != name} for name in MODULES
    }


def reachable(edges: dict[str, set[str]], start: str) -> set[str]:
    """Every module ``start`` imports, directly or not."""
    seen: set[str] = set()
    todo = list(edges[start])
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(edges.get(node, ()))
    return seen


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import one another (strongly connected, more than one)."""
    reach = {node: reachable(edges, node) for node in edges}
    groups = {
        tuple(sorted({node} | {other for other in reach[node] if node in reach.get(other, ())}))
        for node in edges
        if node in reach[node]
    }
    return sorted(list(group) for group in groups if len(group) > 1)


def test_the_map_is_read_right() -> None:
    edges = graph()
    assert "content_api.catalog" in edges["content_api.web.snapshot"]
    assert "content_api.web.ops" in edges["content_api.web.routes"]  # ``from . import ops``
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle() -> None:
    assert cycles(graph()) == []


def test_the_engine_and_the_catalog_know_nothing_of_the_web() -> None:
    for name in MODULES:
        if name.startswith(FRAMEWORK_FREE):
            bad = sorted(i for i in imports(name) if i.startswith(FORBIDDEN))
            assert bad == [], f"{name} imports {bad}"


def test_modules_and_functions_are_small() -> None:
    too_long = []
    for name, path in MODULES.items():
        source = path.read_text(encoding="utf-8")
        lines = source.count("\n")
        if lines > MAX_MODULE_LINES:
            too_long.append(f"{name}: {lines} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{name}.{node.name}: {length} lines")
    assert too_long == []
