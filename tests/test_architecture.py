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


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(edges[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


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
