"""The batch stage imports in one direction: no module of `cardgen.batch` reaches itself
again through its imports, whether at the top or inside a function (imports only for type
checking aside)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "cardgen"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(tree: ast.AST, modules: set[str]) -> set[str]:
    """The cardgen modules a module's code imports, anywhere but under TYPE_CHECKING."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            node.body = []  # walked after this: its imports are never run
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name in modules}


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths)
    return {name: imported(ast.parse(p.read_text("utf-8")), modules) for name, p in paths.items()}


def cycles_through(graph: dict[str, set[str]], prefix: str) -> list[list[str]]:
    """Every module under `prefix` that can reach itself again, with one such path."""
    found = []
    for start in sorted(m for m in graph if m.startswith(prefix)):
        paths = {start: [start]}
        todo = [start]
        while todo:
            current = todo.pop()
            for target in sorted(graph[current] - {"cardgen"}):
                if target == start:
                    found.append([*paths[current], start])
                    todo = []
                    break
                if target not in paths:
                    paths[target] = [*paths[current], target]
                    todo.append(target)
    return found


def test_no_batch_module_imports_itself_round_about() -> None:
    graph = import_graph()
    assert graph.get("cardgen.batch.runner")  # the package was found and read
    assert cycles_through(graph, "cardgen.batch.") == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"cardgen.batch.a": {"cardgen.batch.b"}, "cardgen.batch.b": {"cardgen.batch.a"}}
    assert cycles_through(graph, "cardgen.batch.") == [
        ["cardgen.batch.a", "cardgen.batch.b", "cardgen.batch.a"],
        ["cardgen.batch.b", "cardgen.batch.a", "cardgen.batch.b"],
    ]
