"""Scripts and symbols with real fonts: Thai and Lao quotes render, colour emoji win over
CJK fonts, figures line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from cardgen.batch.plan import Project
from cardgen.drawing.scene import CardText, TextBlock, build_scene
from cardgen.typography.fonts import (
    DEFAULT_FALLBACKS,
    SERIF_FALLBACKS,
    ChainMeasurer,
    chain_for,
    font_info,
    load_font,
)
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
THAI = "ความสุขไม่ได้อยู่ที่การมีทุกอย่าง แต่อยู่ที่การมองเห็นคุณค่าของสิ่งที่เรามีอยู่แล้ว"
LAO = "ຄວາມສຸກບໍ່ໄດ້ຢູ່ທີ່ການມີທຸກຢ່າງ ແຕ່ຢູ່ທີ່ການເຫັນຄຸນຄ່າຂອງສິ່ງທີ່ເຮົາມີ"


@pytest.fixture(scope="module")
def project() -> Project:
    return Project.open(ROOT)


def chain(project: Project, family: str = "EB Garamond"):  # type: ignore[no-untyped-def]
    registry = project.font_registry()
    return chain_for(registry, registry.find(family), serif=True)


def quote_block(project: Project, quote: str, layout: str = "classic") -> TextBlock:
    platform = project.platform("instagram-square")
    resolved = project.layout(layout, platform)
    scene = build_scene(
        CardText(quote=quote, attribution="Ada"),
        resolved,
        project.brand(resolved.brand),
        platform,
        project.font_registry(),
    )
    return next(d for d in scene.drawables if isinstance(d, TextBlock) and d.role == "quote")


@pytest.mark.parametrize(("quote", "family"), [(THAI, "Noto Serif Thai"), (LAO, "Noto Serif Lao")])
def test_a_quote_without_spaces_between_words_is_set_in_lines(
    project: Project, quote: str, family: str
) -> None:
    block = quote_block(project, quote)
    assert len(block.lines) > 1
    assert "".join(line.text for line in block.lines).replace(" ", "") == quote.replace(" ", "")
    assert family in {face.family for face in block.faces}


SELECTION = """\
article:
  source: articles/a.txt
  author: Ada
quotes:
  - id: one
    text: "{quote}"
"""


def test_a_thai_quote_renders_from_the_cli(project_dir: Path) -> None:
    shutil.copytree(ROOT / "layouts", project_dir / "layouts", dirs_exist_ok=True)
    (project_dir / "quotes" / "articles" / "a.txt").write_text(f"บทนำ\n\n{THAI}\n")
    (project_dir / "quotes" / "sel.yaml").write_text(SELECTION.format(quote=THAI))
    code, _, stderr = run_cli("render", "--platform", "instagram-square", "--platform", "x")
    assert code == 0, stderr
    manifest = json.loads((project_dir / "output" / "manifest.json").read_text())
    for card in manifest["cards"]:
        quote = next(t for t in card["texts"] if t["role"] == "quote")
        assert quote["lines"] > 1
        with Image.open(project_dir / "output" / card["path"]) as image:
            assert image.size == (card["width"], card["height"])


@pytest.mark.parametrize("char", ["\u26bd", "\U0001f19a", "\U0001f4aa"])
def test_emoji_come_from_the_colour_font_even_where_a_cjk_font_has_them(
    project: Project, char: str
) -> None:
    for serif in (True, False):
        registry = project.font_registry()
        face = chain_for(registry, registry.find("Inter"), serif=serif).face_for(char)
        assert face is not None and face.family == "Noto Color Emoji"
        assert face is not None and font_info(face.path, face.index).strike is not None


def test_text_symbols_stay_in_an_outline_font(project: Project) -> None:
    c = chain(project)
    heart = c.face_for("\u2665")  # ♥ without U+FE0F is a text symbol
    assert heart is not None and font_info(heart.path, heart.index).strike is None
    runs = c.runs("a \u2665\ufe0f")  # with U+FE0F it is an emoji
    assert font_info(runs[-1][2].path, runs[-1][2].index).strike is not None


def test_the_colour_emoji_font_comes_before_the_cjk_fonts() -> None:
    for order in (DEFAULT_FALLBACKS, (*SERIF_FALLBACKS, *DEFAULT_FALLBACKS)):
        cjk = min(i for i, family in enumerate(order) if "CJK" in family)
        assert order.index("Noto Color Emoji") < cjk


def test_figures_line_with_the_capitals(project: Project) -> None:
    # EB Garamond draws old-style figures by default: `1` as a small ı beside Japanese.
    c = chain(project)
    measure = ChainMeasurer(c, "H1")
    runs = measure.layout_line("H1", 100)
    one = measure.ink_box([r for r in runs if r.text == "H1"], 100)
    capital = load_font(c.primary.path, 100).getbbox("H", anchor="ls")
    assert abs(one[1] - capital[1]) <= 3  # the figure's top is at the capital height
    block = quote_block(project, "裁量労働制は1ヶ月で慣れた。")
    assert block.ink_box[3] > block.ink_box[1]
