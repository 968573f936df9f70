"""Scripts and symbols with real fonts: Thai and Lao quotes render, colour emoji win over
CJK fonts, figures line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from cardgen.batch.plan import Project
from cardgen.drawing.scene import TextBlock
from cardgen.typography.fonts import (
    DEFAULT_FALLBACKS,
    SERIF_FALLBACKS,
    ChainMeasurer,
    chain_for,
    font_info,
    load_font,
)
from cardgen.typography.tracking import HEAVY_EM, UPPERCASE_EM, is_capitals, tracking_em
from tests.helpers import card_scene, font_chain, run_cli, write_one_quote

ROOT = Path(__file__).resolve().parent.parent
THAI = "ความสุขไม่ได้อยู่ที่การมีทุกอย่าง แต่อยู่ที่การมองเห็นคุณค่าของสิ่งที่เรามีอยู่แล้ว"
LAO = "ຄວາມສຸກບໍ່ໄດ້ຢູ່ທີ່ການມີທຸກຢ່າງ ແຕ່ຢູ່ທີ່ການເຫັນຄຸນຄ່າຂອງສິ່ງທີ່ເຮົາມີ"


@pytest.fixture(scope="module")
def project() -> Project:
    return Project.open(ROOT)


def quote_block(project: Project, quote: str, layout: str = "classic") -> TextBlock:
    scene = card_scene(project, quote, layout, attribution="Ada")
    return next(d for d in scene.drawables if isinstance(d, TextBlock) and d.role == "quote")


@pytest.mark.parametrize(("quote", "family"), [(THAI, "Noto Serif Thai"), (LAO, "Noto Serif Lao")])
def test_a_quote_without_spaces_between_words_is_set_in_lines(
    project: Project, quote: str, family: str
) -> None:
    block = quote_block(project, quote)
    assert len(block.lines) > 1
    assert "".join(line.text for line in block.lines).replace(" ", "") == quote.replace(" ", "")
    assert family in {face.family for face in block.faces}


def test_a_thai_quote_renders_from_the_cli(project_dir: Path) -> None:
    shutil.copytree(ROOT / "layouts", project_dir / "layouts", dirs_exist_ok=True)
    write_one_quote(project_dir, THAI, intro="บทนำ")
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
    c = font_chain(project)
    heart = c.face_for("\u2665")  # ♥ without U+FE0F is a text symbol
    assert heart is not None and font_info(heart.path, heart.index).strike is None
    runs = c.runs("a \u2665\ufe0f")  # with U+FE0F it is an emoji
    assert font_info(runs[-1][2].path, runs[-1][2].index).strike is not None


def test_the_colour_emoji_font_comes_before_the_cjk_fonts() -> None:
    for order in (DEFAULT_FALLBACKS, (*SERIF_FALLBACKS, *DEFAULT_FALLBACKS)):
        cjk = min(i for i, family in enumerate(order) if "CJK" in family)
        assert order.index("Noto Color Emoji") < cjk


@pytest.mark.parametrize(
    ("serif", "family"), [(False, "Noto Sans Arabic"), (True, "Noto Naskh Arabic")]
)
def test_arabic_falls_back_to_the_design_of_the_latin_type(
    project: Project, serif: bool, family: str
) -> None:
    """Sans text gets a sans Arabic and serif text Naskh: Naskh beside a sans Latin was a
    serif-like style in a sans design, and looked smaller at the same size."""
    registry = project.font_registry()
    for weight in ("regular", "bold"):
        primary = registry.find("Inter", weight)
        face = chain_for(registry, primary, serif=serif).face_for("\u0634")  # ش
        assert face is not None and face.family == family, (weight, face)


@pytest.mark.parametrize("layout", ["bold", "headline", "minimal", "classic", "essay"])
def test_an_arabic_quote_is_set_in_the_style_of_its_layout(project: Project, layout: str) -> None:
    block = quote_block(project, "الراحة جزء من العمل، ولا أحد يبني حياته وحده.", layout)
    families = {face.family for face in block.faces}
    sans = layout in ("bold", "headline", "minimal")
    assert ("Noto Sans Arabic" if sans else "Noto Naskh Arabic") in families, families
    assert ("Noto Naskh Arabic" if sans else "Noto Sans Arabic") not in families, families


def test_figures_line_with_the_capitals(project: Project) -> None:
    # EB Garamond draws old-style figures by default: `1` as a small ı beside Japanese.
    c = font_chain(project)
    measure = ChainMeasurer(c, "H1")
    runs = measure.layout_line("H1", 100)
    one = measure.ink_box([r for r in runs if r.text == "H1"], 100)
    capital = load_font(c.primary.path, 100).getbbox("H", anchor="ls")
    assert abs(one[1] - capital[1]) <= 3  # the figure's top is at the capital height
    block = quote_block(project, "裁量労働制は1ヶ月で慣れた。")
    assert block.ink_box[3] > block.ink_box[1]


# --- letter-spacing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "capitals"),
    [
        ("LARA BAZELON", True),
        ("NASA is here", False),
        ("A", False),
        ("ÉTÉ 2026", True),
        ("42", False),
    ],
)
def test_capitals_are_text_whose_cased_letters_are_all_upper(text: str, capitals: bool) -> None:
    assert is_capitals(text) == capitals


@pytest.mark.parametrize(
    ("capitals", "weight", "size", "em"),
    [
        (False, 400, 100, 0.0),  # regular text keeps the font's spacing
        (True, 400, 20, UPPERCASE_EM),
        (False, 700, 40, 0.0),  # heavy but small: untouched
        (False, 700, 60, HEAVY_EM / 2),  # halfway up the ramp
        (False, 800, 120, HEAVY_EM),
        (True, 800, 120, UPPERCASE_EM + HEAVY_EM),
    ],
)
def test_tracking_table(capitals: bool, weight: int, size: int, em: float) -> None:
    assert tracking_em(capitals, weight, size) == pytest.approx(em)


def test_a_larger_size_never_sets_narrower() -> None:
    # Fitting searches sizes assuming widths grow with size: the ramp must keep that.
    for size in range(20, 200):
        advance = 0.45  # a narrow letter's advance, in ems
        here = size * (advance + tracking_em(False, 900, size))
        there = (size + 1) * (advance + tracking_em(False, 900, size + 1))
        assert there > here


def test_capitals_are_measured_and_placed_spaced(project: Project) -> None:
    registry = project.font_registry()
    chain = chain_for(registry, registry.find("Inter", "semibold"))
    spaced, plain = (
        ChainMeasurer(chain, "LARA BAZELON"),
        ChainMeasurer(chain, "LARA BAZELON", False),
    )
    extra = spaced.width("LARA", 40) - plain.width("LARA", 40)
    assert extra == pytest.approx(4 * UPPERCASE_EM * 40)
    runs = spaced.layout_line("LARA BAZELON", 40)
    assert all(run.spacing == pytest.approx(UPPERCASE_EM * 40) for run in runs)
    # The ink box reaches as far as the spaced letters do.
    wide, narrow = (
        spaced.ink_box(runs, 40),
        plain.ink_box(plain.layout_line("LARA BAZELON", 40), 40),
    )
    assert wide[2] - narrow[2] == pytest.approx(11 * UPPERCASE_EM * 40, abs=1)


def test_right_to_left_and_emoji_runs_are_not_spaced(project: Project) -> None:
    registry = project.font_registry()
    chain = chain_for(registry, registry.find("Inter", "bold"))
    measure = ChainMeasurer(chain, "SALAM سلام 💪")
    runs = measure.layout_line("SALAM سلام 💪", 120)
    spacing = {run.text.strip(): run.spacing for run in runs if run.text.strip()}
    assert spacing["سلام"] == 0.0 and spacing["💪"] == 0.0


def test_spaced_capitals_are_drawn_where_they_were_measured(project: Project) -> None:
    platform = project.platform("instagram-square")
    # The photo layout sets its attribution in capitals.
    scene = card_scene(project, "Short and sweet.", "photo", attribution="Lara Bazelon")
    block = next(d for d in scene.drawables if isinstance(d, TextBlock) and d.role == "attribution")
    assert block.lines[0].text == "LARA BAZELON"
    assert all(run.spacing > 0 for run in block.lines[0].runs)
    from PIL import ImageDraw

    from cardgen.drawing import raster
    from tests.helpers import ink_bbox

    canvas = Image.new("RGB", (platform.width, platform.height), (0, 0, 0))
    raster.draw_text_block(canvas, ImageDraw.Draw(canvas), block)  # the block alone, on black
    found = ink_bbox(canvas, (0, 0, 0), threshold=60)
    assert found is not None
    x0, _, x1, _ = block.ink_box
    assert abs(found[0] - x0) <= 3 and abs(found[2] - x1) <= 3
