"""A fresh install: the wheel, installed by the pip that Python ships into a new venv
outside the repository, renders an HTML, a Markdown and a text article.

`make demo` upgrades pip first, which once hid a missing dependency (every HTML
article failed with "lxml.html.clean module is now a separate project").
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "tests" / "articles"

pytestmark = pytest.mark.slow


def _run(args: list[str | Path], cwd: Path, timeout: float = 600) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{args[:3]} exited {done.returncode}:\n{done.stderr[-3000:]}"
    return done.stdout


def test_wheel_installed_by_stock_pip_renders_every_article_kind(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    build = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", wheels, ROOT]
    _run(build, tmp_path)
    (wheel,) = wheels.glob("cardgen-*.whl")
    with zipfile.ZipFile(wheel) as archive:  # typed: checkers read the library's hints
        assert "cardgen/py.typed" in archive.namelist()

    venv = tmp_path / "venv"
    # The base interpreter's venv module: its bundled pip, not the project's upgraded one.
    _run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", venv], tmp_path)
    _run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel], tmp_path)

    project = tmp_path / "project"
    (project / "quotes" / "articles").mkdir(parents=True)
    quotes = []
    for kind in ("html", "md", "txt"):
        shutil.copy(ARTICLES / f"en.{kind}", project / "quotes" / "articles" / f"en.{kind}")
        quotes.append(
            f"article:\n  source: articles/en.{kind}\n  author: Maya Okafor\n"
            "defaults:\n  platforms: [instagram-square]\n"
            "quotes:\n  - id: promise\n    find: a promise you keep\n"
        )
        (project / "quotes" / f"from-{kind}.yaml").write_text(quotes[-1], encoding="utf-8")

    _run([venv / "bin" / "cardgen", "render", "--out", "out"], project)
    manifest = json.loads((project / "out" / "manifest.json").read_text(encoding="utf-8"))
    rendered = sorted(card["selection"] for card in manifest["cards"])
    assert rendered == ["quotes/from-html.yaml", "quotes/from-md.yaml", "quotes/from-txt.yaml"]
    for card in manifest["cards"]:
        assert "A garden is a promise you keep every morning." in card["text"]
        assert (project / "out" / card["path"]).stat().st_size > 10_000
