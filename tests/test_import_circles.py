"""No import circles in cardgen: a module never needs, even lazily inside a function,
a module that needs it back. Imports under `if TYPE_CHECKING:` do not run and do not
count, nor does importing the package itself (`from cardgen import __version__`):
every submodule loads the package first anyway."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "cardgen"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(tree: ast.AST) -> list[str]:
    """Every module name imported anywhere in `tree` except under `if TYPE_CHECKING:`."""
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the cardgen modules it imports (the package itself left out)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        imported = _runtime_imports(ast.parse(path.read_text(encoding="utf-8")))
        graph[name] = {m for m in imported if m in modules and m not in (name, "cardgen")}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


# Circles still being taken apart (issue 15 item 4), each with who takes it apart. A new
# circle fails at once; one that is gone but still listed fails too, so the list only
# shrinks.
BEING_UNTANGLED: list[list[str]] = []


def test_cardgen_has_no_import_circles() -> None:
    graph = import_graph()
    found = circles(graph)
    described = [
        " <-> ".join(group)
        + ": "
        + "; ".join(f"{a} -> {b}" for a in group for b in sorted(graph[a]) if b in group)
        for group in found
        if group not in BEING_UNTANGLED
    ]
    assert not described, "import circles:\n" + "\n".join(described)
    gone = [group for group in BEING_UNTANGLED if group not in found]
    assert not gone, f"no longer circles, take them off BEING_UNTANGLED: {gone}"


def test_the_check_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import cardgen.x\n"
        "def f():\n    from cardgen.y import z\n"
    )
    assert "cardgen.x" not in _runtime_imports(tree)
    assert "cardgen.y" in _runtime_imports(tree)
