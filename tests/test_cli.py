"""The CLI surface: platforms, layouts, fonts, check, quote, help and start-up cost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PIL import Image

from tests.helpers import run_cli

EXPECTED_SIZES = {
    "instagram-square": (1080, 1080),
    "instagram-portrait": (1080, 1350),
    "instagram-grid": (1080, 1440),
    "instagram-story": (1080, 1920),
    "facebook": (1200, 630),
    "x": (1600, 900),
    "linkedin": (1200, 627),
    "pinterest": (1000, 1500),
    "threads": (1080, 1350),
    "bluesky": (1200, 675),
    "mastodon": (1200, 675),
    "og": (1200, 630),
}


def test_platforms_lists_every_preset_with_exact_sizes() -> None:
    code, stdout, _ = run_cli("platforms", "--json")
    assert code == 0
    rows = {r["id"]: (r["width"], r["height"]) for r in json.loads(stdout)}
    assert rows == EXPECTED_SIZES
    code, stdout, _ = run_cli("platforms")
    assert "instagram-story      1080x1920" in stdout


def test_layouts_and_fonts(in_root: Path) -> None:
    code, stdout, _ = run_cli("layouts", "--json")
    assert code == 0
    data = json.loads(stdout)
    assert {"classic", "bold"} <= set(data["layouts"])
    assert "happy-as-a-mother" in data["brands"]
    code, stdout, _ = run_cli("fonts")
    assert code == 0
    for family in ("EB Garamond", "Inter", "Noto Serif"):
        assert family in stdout


def test_check_verifies_without_writing(in_root: Path) -> None:
    code, stdout, stderr = run_cli("check")
    assert code == 0, stderr
    assert stdout.startswith("ok: 8 quotes verified, 48 cards fit")


def test_the_bundled_examples_attributions_are_right_and_check_says_so(in_root: Path) -> None:
    # The post is its host's narration about Lara Bazelon: every quote is credited to the
    # blog, none to the guest it speaks about, and `check --strict` finds nothing to warn.
    code, stdout, stderr = run_cli("check", "--strict")
    assert (code, stderr) == (0, ""), stderr
    assert "credited: 8 quotes to Happy as a Mother (narration)" in stdout.splitlines()


def test_quote_command(in_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "card.png"
    code, _stdout, stderr = run_cli(
        "quote", "Small steps, every day.", "--by", "Me", "--platform", "bluesky", "--out", str(out)
    )
    assert code == 0, stderr
    with Image.open(out) as image:
        assert image.size == (1200, 675)


def test_version() -> None:
    code, stdout, _ = run_cli("--version")
    assert code == 0 and stdout.strip() == "cardgen 0.1.0"


def test_help_does_not_import_pillow() -> None:
    code = (
        "import sys\n"
        "from cardgen.cli import app\n"
        "from typer.testing import CliRunner\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0\n"
        "assert 'PIL' not in sys.modules, 'PIL imported'\n"
        "assert 'pydantic' not in sys.modules, 'pydantic imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_python_dash_m(in_root: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cardgen", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "render" in result.stdout


def test_library_api_matches_cli(in_root: Path, tmp_path: Path) -> None:
    import cardgen

    report = cardgen.render(None, out=tmp_path, platforms=["og"])
    assert len(report.cards) == 8
    assert report.manifest == tmp_path / "manifest.json"
