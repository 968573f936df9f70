"""Bad input: one line naming file, line and key; exit 2; nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
GOOD = """\
article:
  source: articles/a.txt
  author: Ada
quotes:
  - id: one
    text: "It's here."
"""


@pytest.fixture
def project(project_dir: Path) -> Path:
    (project_dir / "quotes" / "articles" / "a.txt").write_text("Intro.\n\nIt’s here. More text.\n")
    shutil.copytree(ROOT / "layouts", project_dir / "layouts", dirs_exist_ok=True)
    return project_dir


def render(project: Path, yaml_text: str) -> tuple[int, str, str]:
    (project / "quotes" / "sel.yaml").write_text(yaml_text)
    return run_cli("render", "--platform", "x")


def test_good_selection_renders(project: Path) -> None:
    code, _, stderr = render(project, GOOD)
    assert code == 0, stderr
    assert (project / "output" / "sel" / "one" / "x.png").is_file()


def test_yaml_syntax_error(project: Path) -> None:
    code, stdout, stderr = render(project, GOOD.replace('text: "It', "text: [It"))
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: quotes/sel.yaml:")
    assert "invalid YAML" in lines[0]
    assert "Traceback" not in stderr + stdout
    assert not (project / "output").exists()


def test_unknown_key_names_file_line_key_and_suggests(project: Path) -> None:
    code, _, stderr = render(project, GOOD.replace("    text:", "    txet:"))
    assert code == 2
    assert stderr.strip() == (
        "error: quotes/sel.yaml:6 quotes[0].txet: unknown key 'txet' (did you mean 'text'?)"
    )
    assert not (project / "output").exists()


def changed(old: str, new: str) -> str:
    return GOOD.replace(old, new)


# A selection file, then what the one error line about it says (exit 2).
BAD_SELECTIONS = {
    "unknown_key": (
        GOOD + "qoutes: []\n",
        "sel.yaml:7 qoutes: unknown key",
        "(did you mean 'quotes'?)",
    ),
    "duplicate_key": (GOOD + "article: {source: b.txt}\n", "sel.yaml:7", "duplicate key 'article'"),
    "wrong_type": (changed("id: one", "id: [1, 2]"), "quotes/sel.yaml:5 quotes[0].id:"),
    "bad_id": (changed("id: one", "id: ../etc"), "quotes[0].id", "'../etc'"),
    "tabs_get_a_hint": (changed("  - id: one", "\t- id: one"), "tabs"),
    "empty_file": ("", "quotes/sel.yaml", "empty"),
    "missing_article": (changed("a.txt", "gone.txt"), "quotes/articles/gone.txt", "not found"),
    "outside_project": (changed("articles/a.txt", "../../etc/x"), "sel.yaml:2 article.source"),
}


@pytest.mark.parametrize("case", BAD_SELECTIONS)
def test_a_bad_selection_is_one_error_line_naming_it(project: Path, case: str) -> None:
    selection, *expected = BAD_SELECTIONS[case]
    code, _, stderr = render(project, selection)
    assert code == 2
    for part in expected:
        assert part in stderr


def test_misquote_exit_1_with_closest_passage(project: Path) -> None:
    code, _, stderr = render(project, GOOD.replace("It's here.", "It's there."))
    assert code == 1
    assert stderr.startswith(
        "error: quotes/sel.yaml:6 quote 'one' not found in quotes/articles/a.txt"
    )
    assert "closest passage" in stderr and "paragraph 2" in stderr
    assert not (project / "output").exists()


def test_unknown_platform(project: Path) -> None:
    (project / "quotes" / "sel.yaml").write_text(GOOD)
    code, _, stderr = run_cli("render", "--platform", "instagram-sqare")
    assert code == 2
    assert "unknown platform 'instagram-sqare' (did you mean 'instagram-square'?)" in stderr


def test_unknown_layout_key(project: Path) -> None:
    path = project / "layouts" / "classic.yaml"
    path.write_text(
        path.read_text().replace("    color: brand.text\n", "    colr: brand.text\n", 1)
    )
    code, _, stderr = render(project, GOOD)
    assert code == 2
    assert "layouts/classic.yaml:" in stderr
    assert "unknown key 'colr' (did you mean 'color'?)" in stderr
    assert "elements[0].children[1].children[0].colr" in stderr


def test_bad_colour_in_layout(project: Path) -> None:
    path = project / "layouts" / "classic.yaml"
    path.write_text(path.read_text().replace("color: brand.accent", "color: '#12345'", 1))
    code, _, stderr = render(project, GOOD)
    assert code == 2
    assert "'#12345' is not a colour" in stderr


def test_text_that_cannot_fit(project: Path) -> None:
    long = "Some " + "x" * 300 + " end."
    (project / "quotes" / "articles" / "a.txt").write_text(f"Intro.\n\n{long}\n")
    code, _, stderr = render(project, GOOD.replace("It's here.", long))
    assert code == 1
    # The minimum is the legibility floor: 14 px on a 390-px phone is 58 px on x (1600 wide).
    assert "quote text of sel/one does not fit on x at the minimum size 58px" in stderr
    assert "px wider than the " in stderr
    assert "elision ([…]) or use a taller platform" in stderr
    assert not (project / "output").exists()
