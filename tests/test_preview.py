"""Designer tools: `preview` contact sheets (with --debug and --watch), `layouts`, `schema`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from cardgen.design.platforms import BUILTIN
from cardgen.review.preview import CELL_HEIGHT, GAP
from tests.helpers import mean_difference, run_cli

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = "A short piece.\n\nSmall steps, taken every day, carry us further than we think.\n"
SELECTION = """\
article:
  source: articles/a.txt
  title: A Short Piece
  author: Ada Lovelace
defaults:
  layout: classic
  brand: happy-as-a-mother
quotes:
  - id: steps
    text: "Small steps, taken every day, carry us further than we think."
  - id: short
    text: "Small steps"
"""


@pytest.fixture
def project(project_dir: Path) -> Path:
    (project_dir / "quotes" / "articles" / "a.txt").write_text(ARTICLE)
    (project_dir / "quotes" / "sel.yaml").write_text(SELECTION)
    shutil.copy(ROOT / "layouts" / "classic.yaml", project_dir / "layouts" / "classic.yaml")
    brands = project_dir / "layouts" / "brands"
    shutil.copytree(ROOT / "layouts" / "brands", brands, dirs_exist_ok=True)
    return project_dir


def first_cell(sheet: Image.Image, width: int, height: int) -> Image.Image:
    """The first card on a sheet (it starts at GAP, below the title bar)."""
    cell_w = round(width * CELL_HEIGHT / height)
    return sheet.crop((GAP, 48, GAP + cell_w, 48 + CELL_HEIGHT))


def test_preview_puts_every_platform_on_one_sheet(project: Path) -> None:
    code, stdout, stderr = run_cli("preview", "quotes/sel.yaml")
    assert code == 0, stderr
    sheet_path = project / "output" / "preview" / "sel" / "steps.png"
    assert f"wrote {Path('output/preview/sel/steps.png')} ({len(BUILTIN)} platforms" in stdout
    code, _, stderr = run_cli("render", "quotes/sel.yaml", "--platform", "instagram-square")
    assert code == 0, stderr
    with (
        Image.open(sheet_path) as sheet,
        Image.open(project / "output" / "sel" / "steps" / "instagram-square.png") as card,
    ):
        # The sheet's first cell is the real card, scaled down.
        cell = first_cell(sheet, card.width, card.height)
        scaled = card.convert("RGB").resize(cell.size, Image.Resampling.LANCZOS)
        assert mean_difference(cell, scaled) < 3
        assert sheet.height > 2 * CELL_HEIGHT  # a dozen cards wrap onto several rows


def test_preview_of_one_quote_on_some_platforms(project: Path) -> None:
    code, stdout, stderr = run_cli(
        "preview",
        "quotes/sel.yaml",
        "--quote",
        "short",
        "-p",
        "x",
        "-p",
        "instagram-story",
        "--out",
        "sheet.png",
    )
    assert code == 0, stderr
    assert "wrote sheet.png (2 platforms" in stdout
    with Image.open(project / "sheet.png") as sheet:
        story_w, x_w = round(1080 * CELL_HEIGHT / 1920), round(1600 * CELL_HEIGHT / 900)
        assert sheet.width == GAP + x_w + GAP + story_w + GAP


def test_preview_unknown_quote(project: Path) -> None:
    code, _, stderr = run_cli("preview", "quotes/sel.yaml", "--quote", "step")
    assert code == 2
    assert "error: no quote 'step' in sel.yaml (did you mean 'steps'?)" in stderr
    assert not (project / "output").exists()


def test_preview_debug_draws_safe_area_and_boxes(project: Path) -> None:
    args = ("preview", "quotes/sel.yaml", "-p", "instagram-story")
    assert run_cli(*args, "--out", "plain.png")[0] == 0
    assert run_cli(*args, "--out", "debug.png", "--debug")[0] == 0
    with Image.open(project / "plain.png") as plain, Image.open(project / "debug.png") as debug:
        cell_plain = first_cell(plain.convert("RGB"), 1080, 1920)
        cell_debug = first_cell(debug.convert("RGB"), 1080, 1920)
        top_plain, top_debug = cell_plain.getpixel((5, 5)), cell_debug.getpixel((5, 5))
        # The top 14% of a story is outside its safe area: shaded red in debug.
        assert top_debug[0] > top_debug[2] + 20 and top_plain[0] - top_plain[2] < 20
        assert mean_difference(cell_plain, cell_debug) > 2


def test_preview_watch_redraws_after_a_layout_change(project: Path) -> None:
    sheet = project / "output" / "preview" / "sel" / "steps.png"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "cardgen", "preview", "quotes/sel.yaml", "--watch"]
    command += ["-p", "instagram-square"]
    proc = subprocess.Popen(
        command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert _wait_for(lambda: sheet.exists(), 60), "no first sheet"
        first = sheet.stat().st_mtime_ns
        time.sleep(0.5)  # let the watcher settle before the edit
        layout = project / "layouts" / "classic.yaml"
        layout.write_text(
            layout.read_text().replace("  color: brand.background", '  color: "#00ff00"', 1)
        )
        assert _wait_for(lambda: sheet.stat().st_mtime_ns != first, 30), "sheet not redrawn"
        time.sleep(0.3)
        with Image.open(sheet) as image:
            assert first_cell(image.convert("RGB"), 1080, 1080).getpixel((4, 4)) == (0, 255, 0)
    finally:
        proc.terminate()
        stdout, stderr = proc.communicate(timeout=30)
    refreshes = [line for line in stdout.splitlines() if " refreshed " in line]
    assert len(refreshes) >= 2, stdout + stderr
    assert refreshes[-1].endswith(" s") and " in " in refreshes[-1]


def _wait_for(condition: object, seconds: float) -> bool:
    assert callable(condition)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_layouts_lists_origin_and_thumbnails(project: Path) -> None:
    (project / "layouts" / "mine.yaml").write_text("extends: classic\nname: mine\n")
    code, stdout, stderr = run_cli("layouts")  # a listing writes nothing
    assert code == 0, stderr
    assert "mine" in stdout and not (project / "output").exists()
    code, stdout, stderr = run_cli("layouts", "--thumbnails")
    assert code == 0, stderr
    lines = {line.split()[0]: line.split() for line in stdout.splitlines() if "output" in line}
    assert lines["mine"][1] == "project"
    assert lines["classic"][1] == "project"  # the project's copy wins over the bundled one
    assert lines["photo"][1] == "bundled"
    for name in ("classic", "bold", "photo", "minimal", "mine"):
        thumbnail = project / "output" / "layouts" / f"{name}.png"
        assert lines[name][2] == str(Path("output/layouts") / f"{name}.png")
        with Image.open(thumbnail) as image:
            assert image.size == (360, 360)
    code, stdout, _ = run_cli("layouts", "--json", "--no-thumbnails", "--out", "elsewhere")
    data = json.loads(stdout)
    assert data["origin"]["minimal"] == "bundled" and data["thumbnails"] == {}
    assert "happy-as-a-mother" in data["brands"]
    assert not (project / "elsewhere").exists()


@pytest.mark.parametrize(("kind", "key"), [("brand", "colors"), ("selection", "quotes")])
def test_schema(kind: str, key: str) -> None:
    code, stdout, _ = run_cli("schema", kind)
    assert code == 0
    schema = json.loads(stdout)
    assert key in schema["properties"]
    assert schema["additionalProperties"] is False  # unknown keys are flagged by editors too


def test_layout_schema_accepts_both_kinds_of_layout_file() -> None:
    schema = json.loads(run_cli("schema", "layout")[1])
    refs = [option["$ref"].rsplit("/", 1)[1] for option in schema["anyOf"]]
    assert refs == ["LayoutFile", "LayoutPatchFile"]
    full, child = (schema["$defs"][name] for name in refs)
    assert full["properties"]["elements"]["type"] == "array"
    assert child["properties"]["elements"]["type"] == "object"
    assert child["required"] == ["extends"]
    assert full["additionalProperties"] is False and child["additionalProperties"] is False


def test_layout_schema_knows_every_element_type() -> None:
    schema = json.loads(run_cli("schema", "layout")[1])
    types = {
        definition["properties"]["type"]["const"]
        for definition in schema["$defs"].values()
        if "type" in definition.get("properties", {})
    }
    assert types == {"text", "quote_mark", "rect", "line", "image", "group"}


def test_schema_unknown_kind() -> None:
    code, _, stderr = run_cli("schema", "layuot")
    assert code == 2
    assert "error: no schema named 'layuot' (did you mean 'layout'?)" in stderr


def test_a_layout_written_from_the_readme_renders_on_every_platform(project: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- readme-layout -->", 1)[1].split("```yaml\n", 1)[1]
    (project / "layouts" / "note.yaml").write_text(block.split("```", 1)[0])
    args = ["render", "quotes/sel.yaml", "--layout", "note"]
    for platform in BUILTIN:
        args += ["--platform", platform.id]
    code, _, stderr = run_cli(*args)
    assert code == 0, stderr
    manifest = json.loads((project / "output" / "manifest.json").read_text())
    safe = {p.id: p.safe_box for p in BUILTIN}
    assert {card["platform"] for card in manifest["cards"]} == set(safe)
    for card in manifest["cards"]:
        left, top, right, bottom = safe[card["platform"]]
        roles = {text["role"] for text in card["texts"]}
        assert {"quote", "attribution"} <= roles
        for text in card["texts"]:
            x0, y0, x1, y1 = text["ink_box"]
            assert left <= x0 and top <= y0 and x1 <= right and y1 <= bottom, card["platform"]


def test_preview_shows_why_a_platform_failed_and_exits_1(project: Path) -> None:
    (project / "layouts" / "tiny.yaml").write_text(
        "extends: classic\nname: tiny\n"
        "overrides:\n  tall:\n    elements:\n      quote: {size: {min: 20%s, max: 20%s}}\n"
    )
    args = ("preview", "quotes/sel.yaml", "--layout", "tiny", "-p", "instagram-story")
    code, stdout, stderr = run_cli(*args, "-p", "x", "--out", "sheet.png")
    assert code == 1
    assert "wrote sheet.png (2 platforms" in stdout
    assert (
        "error: instagram-story: quote text of sel/steps does not fit on instagram-story" in stderr
    )
    with Image.open(project / "sheet.png") as sheet:
        story = first_cell(sheet.convert("RGB"), 1080, 1920)  # the first platform asked for
        assert story.getpixel((story.width // 2, 5))[0] > 200  # the pink problem panel
        assert story.getpixel((story.width // 2, 5))[1] < 245


@pytest.mark.parametrize(
    ("kind", "pattern"),
    [
        ("layout", "layouts/*.yaml"),
        ("brand", "layouts/brands/*.yaml"),
        ("selection", "quotes/*.yaml"),
    ],
)
def test_every_bundled_file_passes_its_own_schema(kind: str, pattern: str) -> None:
    """What an editor checks with the schema agrees with what cardgen accepts."""
    import jsonschema
    import yaml

    schema = json.loads(run_cli("schema", kind)[1])
    # layouts/platforms.yaml sits among the layouts but is no layout (cardgen skips it too).
    files = sorted(path for path in ROOT.glob(pattern) if path.name != "platforms.yaml")
    assert files
    for path in files:
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)
    broken = yaml.safe_load(files[0].read_text())
    broken["colr"] = "#000000"
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(broken))
    messages = [e.message for error in errors for e in [error, *(error.context or [])]]
    assert any("'colr' was unexpected" in message for message in messages)


def test_the_readme_child_layout_renders_on_every_platform(project: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- readme-child-layout -->", 1)[1].split("```yaml\n", 1)[1]
    (project / "layouts" / "classic-dark.yaml").write_text(block.split("```", 1)[0])
    code, stdout, stderr = run_cli("preview", "quotes/sel.yaml", "--layout", "classic-dark")
    assert code == 0, stderr
    assert f"({len(BUILTIN)} platforms" in stdout
    with Image.open(project / "output" / "preview" / "sel" / "steps.png") as sheet:
        card = first_cell(sheet.convert("RGB"), 1080, 1080)
        assert card.getpixel((card.width // 2, 1)) == (0xC0, 0x50, 0x3A)  # the new badge
        assert card.getpixel((card.width - 3, card.height - 3)) == (0x3E, 0x2C, 0x41)  # deep


@pytest.mark.parametrize(
    ("text", "letter"),
    [
        ("子どもが生まれてから時間の使い方が変わりました", "子"),
        ("ما تعلمته بعد أن أصبحت أمًّا ليس أن أفعل", "م"),
    ],
    ids=["japanese", "arabic"],
)
def test_a_problem_card_draws_the_quoted_text_in_its_own_script(text: str, letter: str) -> None:
    """The message quotes the text: in a Latin-only font every Japanese or Arabic
    character is the same empty box, so the text and one letter repeated in its place
    would look alike."""
    import re

    from cardgen.errors import TextDoesNotFit
    from cardgen.review.preview import problem_card

    linkedin = next(p for p in BUILTIN if p.id == "linkedin")

    def card(quoted: str) -> Image.Image:
        return problem_card(linkedin, TextDoesNotFit(f"quote text does not fit; text '{quoted}'"))

    assert mean_difference(card(text), card(re.sub(r"\S", letter, text))) > 0.3


def test_a_problem_card_wraps_a_long_word_inside_the_card() -> None:
    """A run of Japanese has no spaces: it is broken between characters, not drawn off
    the card's edge."""
    from cardgen.errors import TextDoesNotFit
    from cardgen.review.preview import problem_card

    linkedin = next(p for p in BUILTIN if p.id == "linkedin")
    image = problem_card(linkedin, TextDoesNotFit("text '" + "時間の使い方が" * 12 + "'"))
    margin = image.crop((linkedin.width - 24, 12, linkedin.width - 8, linkedin.height - 12))
    assert margin.getcolors() == [(margin.width * margin.height, (255, 236, 236))]
