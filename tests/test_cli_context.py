"""The command line keeps no state of its own between runs: how much to say (-q, -v,
--no-color), where the user stands and the up-to-date recorder live in Typer's context
object of one run (`cardgen.cli.Invocation`), so two runs in one process (a script calling
`cardgen.cli.app` twice, the tests) never see each other's."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import cardgen.cli
from tests.helpers import run_cli

MUTABLE_CALLS = {"dict", "list", "set", "defaultdict", "OrderedDict", "Counter", "deque"}


def mutable_module_state(source: str) -> list[str]:
    """Module-level names bound to a dict, list or set, and `global` statements."""
    tree = ast.parse(source)
    found = []
    for node in tree.body:
        value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
        made = isinstance(value, ast.Call) and getattr(value.func, "id", "") in MUTABLE_CALLS
        displays = ast.Dict | ast.List | ast.Set | ast.DictComp | ast.ListComp | ast.SetComp
        if isinstance(value, displays) or made:
            found.append(f"line {node.lineno}: {ast.unparse(node).splitlines()[0]}")
    found += [f"line {n.lineno}: global" for n in ast.walk(tree) if isinstance(n, ast.Global)]
    return found


def test_cli_holds_no_mutable_module_state() -> None:
    source = Path(cardgen.cli.__file__).read_text(encoding="utf-8")
    assert mutable_module_state(source) == []


def test_what_counts_as_mutable_module_state() -> None:
    assert mutable_module_state("_state = {'quiet': False}")
    assert mutable_module_state("_seen: list[str] = []")
    assert mutable_module_state("CACHE = dict()")
    assert mutable_module_state("def f():\n    global X\n    X = 1")
    assert not mutable_module_state("FORMATS = ('png', 'jpeg')\nEXIT_PIPE = 141")
    assert not mutable_module_state("def f():\n    seen = {}\n    return seen")


def test_a_quiet_run_leaves_the_next_one_talking(in_root: Path) -> None:
    code, stdout, _ = run_cli("-q", "check")
    assert (code, stdout) == (0, "")
    code, stdout, _ = run_cli("check")
    assert code == 0 and stdout.startswith("ok:")


def test_verbose_tracebacks_end_with_their_run(in_root: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "o")
    code, _, stderr = run_cli("-vv", "render", "missing.yaml", "--out", out)
    assert code == 2 and "Traceback" in stderr
    code, _, stderr = run_cli("render", "missing.yaml", "--out", out)
    assert code == 2 and "Traceback" not in stderr and stderr.startswith("error:")


def test_a_path_typed_below_the_project_is_read_from_there_in_that_run_only(
    in_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    selection = sorted((in_root / "quotes").glob("*.yaml"))[0]
    monkeypatch.chdir(in_root / "quotes")  # the project is the folder above
    code, _, stderr = run_cli("check", selection.name)
    assert code == 0, stderr
    monkeypatch.chdir(in_root)  # from the project itself: no such file here
    code, _, stderr = run_cli("check", selection.name)
    assert code == 2 and selection.name in stderr
