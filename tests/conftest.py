"""Shared fixtures: the repository's own project folder, a CLI runner, golden options."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
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
# The Ctrl-C tests need Ctrl-C as a terminal delivers it. A suite started in the
# background by a shell without job control (`make test &` in a script) inherits SIGINT
# ignored, and so would every cardgen it starts (an ignored signal survives exec).
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def stop_signals_restored() -> Iterator[None]:
    """Whatever a test does to SIGINT and SIGTERM (sets its own handler, runs cardgen's
    console entry point `run` in-process, which ignores both once done as the process is
    about to exit), the next tests keep their Ctrl-C."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


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
    # Building the Docker image needs a Docker daemon, which CI's machine does not run;
    # the same reference cards are checked in CI by test_examples' sha256 list.
    "no docker here",
    "no Docker daemon here",
}
# System fonts: (Debian package, a family it installs).
SYSTEM_FONTS = (
    ("fonts-noto-core", "Noto Naskh Arabic"),
    ("fonts-noto-cjk", "Noto Sans CJK JP"),
    ("fonts-noto-color-emoji", "Noto Color Emoji"),
)
# Tests that draw scripts, emoji or fallbacks from the system's fonts: those that fail with
# an empty fontconfig (FONTCONFIG_FILE naming a config without folders). Each is a test id,
# a test's name (all its cases), or `START*END` for some of its cases.
NEEDS_SYSTEM_FONTS = (
    "tests/test_golden_scripts.py::test_script_matches_golden[japanese-*",
    "tests/test_golden_scripts.py::test_script_matches_golden[arabic-*",
    "tests/test_golden_scripts.py::test_script_matches_golden[emoji-*",
    "tests/test_golden_scripts.py::test_scripts_differ_enough_to_be_caught",
    "tests/test_composition.py::test_every_text_meets_the_floor_on_every_platform",
    "tests/test_composition.py::test_the_mark_follows_the_language[ja-*",
    "tests/test_composition.py::test_the_mark_follows_the_language[ar-*",
    "tests/test_composition.py::test_a_layout_can_choose_marks_per_language",
    "tests/test_composition.py::test_japanese_gets_open_leading",
    "tests/test_composition.py::test_right_to_left_quotes_mirror_the_layout",
    "tests/test_composition.py::test_mirroring_can_be_turned_off",
    "tests/test_composition.py::test_an_arabic_name_looks_no_smaller_than_the_latin_beside_it",
    "tests/test_scripts.py::test_a_quote_without_spaces_between_words_is_set_in_lines*Thai]",
    "tests/test_scripts.py::test_a_quote_without_spaces_between_words_is_set_in_lines*Lao]",
    "tests/test_scripts.py::test_a_thai_quote_renders_from_the_cli",
    "tests/test_scripts.py::test_emoji_come_from_the_colour_font_even_where_a_cjk_font_has_them",
    "tests/test_scripts.py::test_text_symbols_stay_in_an_outline_font",
    "tests/test_scripts.py::test_figures_line_with_the_capitals",
    "tests/test_scripts.py::test_arabic_falls_back_to_the_design_of_the_latin_type",
    "tests/test_scripts.py::test_an_arabic_quote_is_set_in_the_style_of_its_layout",
    "tests/test_text_ink.py::test_text_fits_inside_its_box_and_safe_area_or_says_why",
    "tests/test_text_ink.py::test_every_platform_fits_a_mixed_script_quote",
    "tests/test_text_ink.py::test_a_character_only_a_system_font_has",
    "tests/test_typography.py::test_every_script_gets_a_real_font*Noto Serif CJK JP]",
    "tests/test_typography.py::test_every_script_gets_a_real_font*Noto Naskh Arabic]",
    "tests/test_typography.py::test_every_script_gets_a_real_font*Noto Serif Hebrew]",
    "tests/test_typography.py::test_every_script_gets_a_real_font*Noto Color Emoji]",
    "tests/test_typography.py::test_private_use_and_unassigned_characters_are_missing",
    "tests/test_typography.py::test_colour_emoji_are_measured_at_their_scale",
    "tests/test_typography.py::test_right_to_left_quote_is_aligned_to_the_right",
    "tests/test_typography.py::test_cli_renders_every_script_and_records_metrics",
    "tests/test_typography.py::test_arabic_is_shaped_not_drawn_letter_by_letter",
)


def needs_system_fonts(nodeid: str) -> bool:
    for entry in NEEDS_SYSTEM_FONTS:
        start, star, end = entry.partition("*")
        if star and nodeid.startswith(start) and nodeid.endswith(end):
            return True
        if not star and (nodeid == entry or nodeid.startswith(entry + "[")):
            return True
    return False


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
        if needs_system_fonts(item.nodeid):
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
