"""Shared fixtures: the repository's own project folder, a CLI runner, golden options."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
# Speed is the benchmarks' business (benchmarks/): a property test checks answers, and
# hypothesis's 200 ms deadline failed on a loaded machine for no fault of the code.
settings.register_profile("cardgen", deadline=None)
settings.load_profile("cardgen")
os.environ.setdefault("TERMINAL_WIDTH", "200")
os.environ.setdefault("COLUMNS", "200")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-goldens",
        action="store_true",
        default=False,
        help="rewrite tests/images/*.png from the current renderer (then look at them)",
    )


@pytest.fixture
def regen_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-goldens"))


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run with the repository as the current folder (as `make demo` does)."""
    monkeypatch.chdir(ROOT)
    return ROOT


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder (quotes/, layouts/) as the current folder."""
    (tmp_path / "quotes" / "articles").mkdir(parents=True)
    (tmp_path / "layouts" / "brands").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path
