"""No test relies on a private name of cardgen: tests go through public functions and
documented hooks, so a module can change its insides without breaking tests of others.

A private name is one with a leading underscore (not a dunder). Flagged, in every file of
tests/: importing one from a cardgen module (`from cardgen.x import _y`), reading or
patching one on a name bound to cardgen (`module._y`, `SomeClass._y`,
`setattr(module, "_y", ...)`) and naming one in a dotted string (`"cardgen.x._y"`, as
`monkeypatch.setattr` takes it). There is no list of exceptions: a test that needs a
private name gives the module a public seam instead.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
DOTTED = re.compile(r"^cardgen(\.[A-Za-z0-9_]+)*\._[A-Za-z]")
PATCHERS = {"setattr", "getattr", "delattr", "hasattr"}


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def private_uses(source: str) -> list[tuple[int, str]]:
    """(line, what) of every private cardgen name a test's source uses."""
    tree = ast.parse(source)
    bound: set[str] = set()  # names that are cardgen modules or things imported from them
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "cardgen":
                    bound.add(alias.asname or "cardgen")
                    if any(is_private(part) for part in alias.name.split(".")):
                        found.append((node.lineno, f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "cardgen":
            for alias in node.names:
                bound.add(alias.asname or alias.name)
                if is_private(alias.name) or any(is_private(p) for p in node.module.split(".")):
                    found.append((node.lineno, f"from {node.module} import {alias.name}"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and is_private(node.attr) and _root(node) in bound:
            found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if DOTTED.match(node.value):
                found.append((node.lineno, repr(node.value)))
        elif isinstance(node, ast.Call) and len(node.args) >= 2:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            name = node.args[1]
            if (
                called in PATCHERS
                and isinstance(name, ast.Constant)
                and isinstance(name.value, str)
                and is_private(name.value)
                and _root(node.args[0]) in bound
            ):
                found.append((node.lineno, ast.unparse(node)))
    return sorted(set(found))


def test_no_test_uses_a_private_name_of_cardgen() -> None:
    problems = [
        f"tests/{path.name}:{line}: {what}"
        for path in sorted(TESTS.glob("*.py"))
        for line, what in private_uses(path.read_text(encoding="utf-8"))
    ]
    assert problems == [], "give the module a public seam instead:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("from cardgen.batch.runner import _Run", True),
        ("from cardgen.batch import _secret", True),
        ("import cardgen.batch.runner as runner\nrunner._can_fork()", True),
        ("import cardgen.drawing.scene\ncardgen.drawing.scene._REUSED.clear()", True),
        ("from cardgen.review.serve import GalleryHandler\nGalleryHandler._send", True),
        ("import cardgen.batch.plan\nsetattr(cardgen.batch.plan, '_scene', None)", True),
        ("def t(monkeypatch):\n    monkeypatch.setattr('cardgen.batch.x._version', 1)", True),
        ("from cardgen.batch.plan import Project\nProject.open().__class__", False),
        ("from cardgen.batch.runner import render\nrender(None)", False),
        ("class Handler:\n    def _send(self):\n        self._open()", False),
        ("from tests.helpers import run_cli\nimport os\nos._exit", False),
        ("import cardgen.batch.plan\nsetattr(cardgen.batch.plan, 'render', None)", False),
    ],
)
def test_what_counts_as_a_private_use(source: str, flagged: bool) -> None:
    assert bool(private_uses(source)) is flagged
