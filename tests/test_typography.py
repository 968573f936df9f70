"""Fonts, fallback chains, right-to-left runs, emphasis, contrast and preflight, end to end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from cardgen.batch.plan import Project
from cardgen.design.cardtext import CardText
from cardgen.design.layouts import Brand
from cardgen.drawing.composition import build_scene
from cardgen.drawing.raster import draw_scene
from cardgen.drawing.scene import TextBlock
from cardgen.errors import MissingGlyph, TextDoesNotFit
from cardgen.typography.fonts import (
    ChainMeasurer,
    FontRegistry,
    chain_for,
    describe_char,
    font_info,
)
from tests.helpers import font_chain, run_cli, write_one_quote

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def project() -> Project:
    return Project.open(ROOT)


@pytest.mark.parametrize(
    ("char", "family"),
    [
        ("A", "EB Garamond"),
        ("日", "Noto Serif CJK JP"),
        ("ش", "Noto Naskh Arabic"),
        ("ש", "Noto Serif Hebrew"),
        ("😀", "Noto Color Emoji"),
    ],
)
def test_every_script_gets_a_real_font(project: Project, char: str, family: str) -> None:
    face = font_chain(project).face_for(char)
    assert face is not None and face.family == family
    assert ord(char) in font_info(face.path, face.index).chars


def test_private_use_and_unassigned_characters_are_missing(project: Project) -> None:
    assert font_chain(project).missing("ok \ue000 \U000e0061x\u0378") == ["\ue000", "\u0378"]
    assert font_chain(project).missing("Ça va? 日本 😀 \u200d\ufe0f") == []


def test_colour_emoji_are_measured_at_their_scale(project: Project) -> None:
    c = font_chain(project)
    emoji = c.face_for("😀")
    assert emoji is not None and font_info(emoji.path, emoji.index).strike == 109
    measure = ChainMeasurer(c, "a😀")
    # A colour emoji is about one em wide at any size.
    for size in (20, 60, 120):
        assert 0.8 * size < measure.width("😀", size) < 1.5 * size
    # A space after an emoji is the text font's space, not an emoji-sized gap.
    assert measure.width("😀 a", 60) - measure.width("😀a", 60) < 0.4 * 60


def test_a_font_says_whether_it_draws_glyphs_in_colours_of_their_own(project: Project) -> None:
    """Read with the rest of what a font can draw (`font_info`), so it is dropped with it
    when font files change (`forget_font_files`): a flat card's encoding relies on it."""
    c = font_chain(project)
    emoji = c.face_for("\U0001f600")
    assert emoji is not None and font_info(emoji.path, emoji.index).coloured
    assert not font_info(c.primary.path, c.primary.index).coloured


def test_a_registry_bounds_what_its_chains_remember(project: Project) -> None:
    """A long batch measures ever new texts: each chain keeps at most the registry's
    `chain_cache_limit` of them (20,000 by default), then starts over."""
    registry = FontRegistry(project.font_registry().folders, system=False, chain_cache_limit=8)
    inter = registry.find("Inter")
    for chain in (registry.chain(inter), chain_for(registry, inter)):
        assert chain.cache_limit == 8
        measure = ChainMeasurer(chain, "")
        for n in range(50):
            text = f"word{n}"
            assert measure.width(text, 40) > 0
            measure.layout_line(text, 40)
            assert len(chain.reference_widths) <= 8 and len(chain.run_widths) <= 8
    default = FontRegistry(project.font_registry().folders, system=False)
    assert default.chain(default.find("Inter")).cache_limit == 20_000


def test_mixed_direction_line_is_ordered_right_to_left(project: Project) -> None:
    c = font_chain(project)
    line = "Hello שלום עולם world"
    runs = ChainMeasurer(c, line).layout_line(line, 40)
    texts = [r.text.strip() for r in runs]
    assert texts[0] == "Hello" and texts[-1] == "world"
    assert any(r.rtl and "שלום" in r.text for r in runs)
    xs = [r.x for r in runs]
    assert xs == sorted(xs)
    # An Arabic paragraph: its runs come right to left, the Latin word in between.
    arabic = "الطموح Ambition ليس أنانية"
    runs = ChainMeasurer(c, arabic).layout_line(arabic, 40)
    assert runs[0].text.strip() == "ليس أنانية" and runs[-1].text.strip() == "الطموح"


def card(project: Project, quote: str, platform: str = "instagram-square", **brand: object):
    target = project.platform(platform)
    layout = project.layout("classic", target)
    kit = project.brand(layout.brand)
    if brand:
        kit = Brand.model_validate({**kit.model_dump(), **brand})
    content = CardText(quote=quote, attribution="Lara Bazelon")
    return build_scene(content, layout, kit, target, project.font_registry(), label="t/q")


def quote_block(scene) -> TextBlock:  # type: ignore[no-untyped-def]
    return next(t for t in scene.texts if t.role == "quote")


def test_right_to_left_quote_is_aligned_to_the_right(project: Project) -> None:
    arabic = "الطموح لا يعني أننا أنانيون. إنه يعني فقط أننا نسعى إلى التميز."
    block = quote_block(card(project, arabic))
    for line in block.lines:
        assert block.box[2] - (line.x + sum(r.width for r in line.runs)) < 4
    assert any(r.rtl for line in block.lines for r in line.runs)


def test_emphasis_is_drawn_in_the_accent_colour(project: Project) -> None:
    scene = card(project, "Ambition doesn't mean we are *selfish* at all.")
    block = quote_block(scene)
    emphasised = [r.text for line in block.lines for r in line.runs if r.emphasis]
    assert "".join(emphasised) == "selfish"
    assert block.emphasis_colour == (0xC0, 0x50, 0x3A, 255)
    assert all("*" not in line.text for line in block.lines)
    image = draw_scene(scene)
    x0, y0, x1, y1 = block.ink_box
    colours = {c for _, c in image.crop((x0, y0, x1, y1)).getcolors(1 << 20)}
    assert (0xC0, 0x50, 0x3A) in colours


def test_curly_quotes_dash_and_hanging_mark(project: Project) -> None:
    said = '"Ambition" -- it turns out -- is not "selfish" at all, ever.'
    block = quote_block(card(project, said))
    text = " ".join(line.text for line in block.lines)
    assert text.startswith("\u201cAmbition\u201d") and "\u2014" in text
    assert "\u201cselfish\u201d" in text
    assert len(block.lines) > 1
    first, second = block.lines[0], block.lines[1]
    assert first.x < second.x == block.box[0]  # the mark hangs; the letters align
    assert block.ink_box[0] < block.box[0]  # into the margin
    # A quote wholly in quote marks loses them under the layout's own mark.
    whole = quote_block(card(project, '"Ambition is not selfish at all, ever."'))
    assert whole.lines[0].text.startswith("Ambition")


def test_missing_glyph_names_the_character(project: Project) -> None:
    registry = project.font_registry()
    bare = chain_for(registry, registry.find("Inter"))
    assert describe_char("\u2605") == "'\u2605' U+2605 BLACK STAR"
    assert describe_char("\u0378") == "U+0378 (an unassigned code point)"
    assert bare.missing("\u0378a") == ["\u0378"]


def test_missing_glyph_is_an_error_before_drawing(project: Project) -> None:
    with pytest.raises(MissingGlyph) as info:
        card(project, "A private \ue000 character")
    message = info.value.one_line()
    assert "U+E000" in message and "instagram-square" in message and "t/q" in message
    assert info.value.exit_code == 1


def test_text_that_cannot_fit_says_by_how_much(project: Project) -> None:
    with pytest.raises(TextDoesNotFit) as info:
        card(project, "word " * 400)
    message = info.value.one_line()
    assert "instagram-square" in message and "px more than the" in message and "'word" in message


def test_low_contrast_is_a_warning_naming_the_colours(project: Project) -> None:
    assert card(project, "Plain quote.").warnings == ()
    # 3.7:1 passes for the large quote (3:1) and fails for the small attribution (4.5:1).
    colours = {**project.brand("happy-as-a-mother").colors, "text": "#8a7d72"}
    warnings = card(project, "Plain quote.", colors=colours).warnings
    assert len(warnings) == 1
    assert "layout 'classic'" in warnings[0] and "attribution text" in warnings[0]
    assert "brand.text (#8a7d72) on brand.background (#fbf4ec)" in warnings[0]
    assert "3.66:1, below WCAG AA 4.5:1" in warnings[0]


# --- through the CLI --------------------------------------------------------------


@pytest.fixture
def cli_project(project_dir: Path) -> Path:
    shutil.copytree(ROOT / "layouts", project_dir / "layouts", dirs_exist_ok=True)
    return project_dir


@pytest.mark.parametrize("command", ["check", "render"])
def test_cli_reports_a_character_no_font_has(cli_project: Path, command: str) -> None:
    write_one_quote(cli_project, "Snow \ue000 falls.")
    code, stdout, stderr = run_cli(command, "--platform", "x")
    assert code == 1, stdout + stderr
    assert "no available font has U+E000 (a private-use character)" in stderr
    assert "sel/one on x" in stderr and "Traceback" not in stderr
    assert not (cli_project / "output").exists()


def test_cli_renders_every_script_and_records_metrics(cli_project: Path) -> None:
    quote = "Ambition 野心 طموح שאפתנות 💪🏽 is not selfish."
    write_one_quote(cli_project, quote)
    code, _, stderr = run_cli("render", "--platform", "instagram-square")
    assert code == 0, stderr
    manifest = json.loads((cli_project / "output" / "manifest.json").read_text())
    (entry,) = manifest["cards"]
    text = next(t for t in entry["texts"] if t["role"] == "quote")
    assert {"Noto Color Emoji", "Noto Naskh Arabic"} <= {f.rsplit(" ", 1)[0] for f in text["fonts"]}
    assert text["font_size"] > 0 and text["lines"] >= 1
    box, ink = text["box"], text["ink_box"]
    assert box[0] <= ink[0] < ink[2] <= box[2] and box[1] <= ink[1] < ink[3] <= box[3]
    assert entry["warnings"] == []
    with Image.open(cli_project / "output" / entry["path"]) as image:
        assert image.size == (1080, 1080)


def test_cli_prints_contrast_warnings_without_failing(cli_project: Path) -> None:
    brand = cli_project / "layouts" / "brands" / "happy-as-a-mother.yaml"
    brand.write_text(brand.read_text().replace('text: "#2b2321"', 'text: "#8a7d72"'))
    write_one_quote(cli_project, "It is here.")
    for command in ("check", "render"):
        code, _, stderr = run_cli(command, "--platform", "x")
        assert code == 0, stderr
        assert stderr.count("warning: ") >= 1 and "contrast" in stderr
    manifest = json.loads((cli_project / "output" / "manifest.json").read_text())
    assert any("brand.text" in w for w in manifest["cards"][0]["warnings"])


def test_layout_lines_form_and_emphasis_from_the_cli(cli_project: Path) -> None:
    layout = cli_project / "layouts" / "classic.yaml"
    text = layout.read_text()
    assert "size: {min: 3.6%w, max: 7.5%s, grow: 11%s}" in text
    layout.write_text(
        text.replace(
            "size: {min: 3.6%w, max: 7.5%s, grow: 11%s}", "size: {min: 2%s, max: 8%s, lines: 2}"
        )
    )
    said = "Ambition does not mean that we are selfish, it means we strive for more."
    write_one_quote(cli_project, said)
    code, _, stderr = run_cli("render", "--platform", "instagram-square")
    assert code == 0, stderr
    manifest = json.loads((cli_project / "output" / "manifest.json").read_text())
    quote = next(t for t in manifest["cards"][0]["texts"] if t["role"] == "quote")
    assert quote["lines"] == 2
    accent = []
    for quote_text in ("We are *selfish*.", "We are selfish."):
        out = cli_project / "card.png"
        code, _, stderr = run_cli("quote", quote_text, "--out", str(out))
        assert code == 0, stderr
        with Image.open(out) as image:
            counts = {c: n for n, c in image.convert("RGB").getcolors(1 << 22)}
        accent.append(counts.get((0xC0, 0x50, 0x3A), 0))
    # The quote mark is accent-coloured in both; the emphasised word adds many more pixels.
    assert accent[0] > accent[1] + 1000


def test_arabic_is_shaped_not_drawn_letter_by_letter(project: Project) -> None:
    c = font_chain(project)
    measure = ChainMeasurer(c, "سلام")
    word = "سلام"
    # Joined (initial, medial, final) forms are narrower than the isolated letters side by side.
    assert measure.exact_width(word, 100) < sum(measure.exact_width(ch, 100) for ch in word) - 5


def test_contrast_is_checked_against_the_gradient_stops(project: Project) -> None:
    target = project.platform("instagram-square")
    layout = project.layout("bold", target)
    brand = project.brand(layout.brand)
    content = CardText(quote="Plain quote.", attribution="Ada")
    assert build_scene(content, layout, brand, target, project.font_registry()).warnings == ()
    # The same light text on a pale gradient fails, naming the stop it sits on.
    pale = Brand.model_validate(
        {**brand.model_dump(), "colors": {**brand.colors, "deep": "#fff0e6", "deep-2": "#ffe4d6"}}
    )
    warnings = build_scene(content, layout, pale, target, project.font_registry()).warnings
    assert warnings and all("brand.deep" in w for w in warnings)


def test_forgetting_font_files_sees_a_replaced_font(tmp_path: Path) -> None:
    """`preview --watch` calls this when a font changes: nothing old may be remembered."""
    from cardgen.typography.fontfiles import font_folders
    from cardgen.typography.fonts import font_info, forget_font_files, registry_for

    fonts = tmp_path / "fonts"
    fonts.mkdir()
    target = fonts / "Brand.otf"
    bundled = Path(__file__).resolve().parent.parent / "fonts"
    shutil.copy(bundled / "inter" / "Inter-Regular.otf", target)
    before = registry_for(font_folders(tmp_path))
    assert before.has("Inter")
    chars_before = font_info(target).chars
    shutil.copy(bundled / "eb-garamond" / "EBGaramond12-Regular.otf", target)
    assert registry_for(font_folders(tmp_path)) is before  # cached until told
    forget_font_files()
    after = registry_for(font_folders(tmp_path))
    assert after is not before
    assert any(f.family == "EB Garamond" and f.path == target for f in after.faces)
    assert font_info(target).chars != chars_before
