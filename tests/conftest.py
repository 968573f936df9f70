"""Shared fixtures: the repository's own project folder, a CLI runner, golden options."""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
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


# --- tests anywhere, everything in CI ---------------------------------------------------
# A machine without root or without Debian (a designer's Mac) runs what it can: a test
# whose system part is missing is skipped with one line saying what to install. In CI
# (CI=true: root, Debian, `.ci/system-deps` has installed everything) nothing may be
# skipped but what is listed here, each with why it cannot run there.
SKIPS_ALLOWED_IN_CI = {
    # The development set of shared quotes is kept outside the repository (its texts may
    # not be copied in); test_suggestion_benchmark_skips_cleanly_without_the_development_set
    # checks the benchmark without it.
    "the quotes-dev development set is not beside the repository",
}
# System fonts: (Debian package, a family it installs).
SYSTEM_FONTS = (
    ("fonts-noto-core", "Noto Naskh Arabic"),
    ("fonts-noto-cjk", "Noto Sans CJK JP"),
    ("fonts-noto-color-emoji", "Noto Color Emoji"),
)
# Tests that draw scripts, emoji or fallbacks from the system's fonts (found by running
# the suite with an empty fontconfig), by module or by test name.
NEEDS_SYSTEM_FONTS: tuple[str, ...] = ()


@cache
def missing_fonts() -> tuple[str, ...]:
    """Debian packages of the system fonts the tests draw with that are not installed."""
    if shutil.which("fc-list") is None:
        return ("fontconfig", *(package for package, _ in SYSTEM_FONTS))
    listing = subprocess.run(
        ["fc-list", "--format", "%{family}\\n"], capture_output=True, text=True, check=False
    ).stdout
    return tuple(package for package, family in SYSTEM_FONTS if family not in listing)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = missing_fonts()
    if not missing or os.environ.get("CI"):
        return  # in CI a missing font fails its tests: they never pass unseen
    skip = pytest.mark.skip(
        reason=f"needs system fonts: apt-get install {' '.join(missing)} (make test does, as root)"
    )
    for item in items:
        if any(item.nodeid.startswith(prefix) for prefix in NEEDS_SYSTEM_FONTS):
            item.add_marker(skip)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI, a skipped test fails the run: CI proves that every test ran."""
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    unexpected = []
    for report in skipped:
        longrepr = report.longrepr
        reason = str(longrepr[2] if isinstance(longrepr, tuple) else longrepr)
        reason = reason.removeprefix("Skipped: ")
        if reason not in SKIPS_ALLOWED_IN_CI:
            unexpected.append(f"{report.nodeid}: {reason}")
    if unexpected and reporter is not None:
        reporter.write_line(
            f"CI: {len(unexpected)} tests skipped; every test must run in CI:", red=True
        )
        for line in unexpected:
            reporter.write_line(f"  {line}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


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
