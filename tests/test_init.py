"""`cardgen init`: a starter project with the user's own brand; never the example's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cardgen.batch.plan import Project, check
from cardgen.starter import parse_colours
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
LOGO = ROOT / "layouts" / "brands" / "happy-as-a-mother-logo.svg"


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_init_writes_a_starter_project_that_checks_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "acme"
    code, stdout, stderr = run_cli(
        "init",
        str(folder),
        "--name",
        "Acme Studio",
        "--colors",
        "#fdf6e3,#073642,#cb4b16",
        "--fonts",
        "Noto Serif,Inter",
        "--handle",
        "acme",
        "--logo",
        str(LOGO),
        "--website",
        "acme.example",
    )
    assert (code, stderr) == (0, ""), stderr
    assert set(tree(folder)) == {
        ".gitignore",
        "README.md",
        "quotes/welcome.yaml",
        "quotes/articles/welcome.md",
        "layouts/brands/acme-studio.yaml",
        "layouts/brands/happy-as-a-mother-logo.svg",
    }
    assert "wrote" in stdout and "cardgen check" in stdout
    brand = yaml.safe_load((folder / "layouts/brands/acme-studio.yaml").read_text())
    assert brand["handle"] == "@acme" and brand["website"] == "acme.example"
    assert brand["colors"]["background"] == "#fdf6e3" and brand["colors"]["accent"] == "#cb4b16"
    assert brand["fonts"]["serif"] == "Noto Serif" and brand["logo"].endswith(".svg")
    assert "/output/" in (folder / ".gitignore").read_text()
    assert "Acme Studio" in (folder / "README.md").read_text()

    monkeypatch.chdir(folder)
    code, stdout, stderr = run_cli("check")
    assert (code, stderr) == (0, ""), stderr
    report = check()
    assert {job.brand for job in report.jobs} == {"acme-studio"}
    assert {job.quote.attribution for job in report.jobs} == {"Acme Studio"}


def test_a_project_without_a_brand_gets_the_neutral_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "plain"
    assert run_cli("init", str(folder))[0] == 0
    selection = folder / "quotes" / "welcome.yaml"
    text = selection.read_text().replace("  brand: plain\n", "")
    selection.write_text(text)
    (folder / "layouts" / "brands" / "plain.yaml").unlink()
    monkeypatch.chdir(folder)
    report = check()
    assert report.problems == []
    project = Project.open()
    for job in report.jobs:
        kit = project.brand(job.brand)
        assert kit.name == "default" and kit.handle is None and kit.hashtags == []
        assert kit.logo is None and kit.website is None
    code, _, _ = run_cli("render", "--platform", "x", "--json", "-j", "1")
    assert code == 0
    records = json.loads((folder / "output" / "manifest.json").read_text())["cards"]
    for record in records:
        assert record["brand"] == "default"
        assert "happyasamother" not in record["caption"] and "#" not in record["caption"]


def test_init_into_a_non_empty_folder_needs_force_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    code, stdout, stderr = run_cli("init", str(folder), "--name", "Busy")
    assert code == 2 and stdout == ""
    assert stderr.startswith(f"error: {folder} is not empty") and "--force" in stderr
    assert tree(folder) == {"notes.txt": b"mine"}
    code, _, stderr = run_cli("init", str(folder), "--name", "Busy", "--force")
    assert code == 0, stderr
    assert tree(folder)["notes.txt"] == b"mine" and "quotes/welcome.yaml" in tree(folder)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--colors", "#fff,#12345"], "'#12345' is not a colour"),
        (["--colors", "#fff,#000,#c33,#111"], "more than 3 colours without names"),
        (["--colors", "Accent=#fff"], "'Accent' is not a colour name"),
        (["--fonts", "Garamondo"], "font family 'Garamondo' not found"),
        (["--fonts", "Inter,Inter,Inter,Inter"], "names no role"),
        (["--logo", "missing.png"], "--logo missing.png: no such file"),
        (["--logo", "logo.gif"], "not a PNG, JPEG, WebP or SVG"),
        (["--handle", "two words"], "is not a handle"),
    ],
)
def test_bad_init_options_exit_2_and_write_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    code, stdout, stderr = run_cli("init", "new", *args)
    assert code == 2 and stdout == "" and len(stderr.splitlines()) == 1
    assert message in stderr, stderr
    assert not (tmp_path / "new").exists()


def test_a_failed_write_leaves_nothing_half_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cardgen.batch.output as output

    real = output.write_atomic
    calls = []

    def failing(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 3:
            raise OSError(28, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(output, "write_atomic", failing)
    code, _, stderr = run_cli("init", str(tmp_path / "full"))
    assert code == 2 and "No space left on device" in stderr
    assert not (tmp_path / "full").exists()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "#ffffff,#111111,#cc3333",
            {"background": "#ffffff", "text": "#111111", "accent": "#cc3333"},
        ),
        ("accent=#00ff00", {"accent": "#00ff00", "background": "#f6f5f2"}),
        ("#FFF", {"background": "#fff"}),
        ("#fff,#222,#c33,deep=#000", {"deep": "#000"}),
    ],
)
def test_parse_colours(given: str, expected: dict[str, str]) -> None:
    colours = parse_colours(given)
    assert expected.items() <= colours.items()
    for role in ("background", "text", "accent", "muted", "deep", "deep-2", "light", "blush"):
        assert role in colours
