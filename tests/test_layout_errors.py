"""Every way a layout or brand kit can be wrong: one line naming file, line and key; exit 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
SELECTION = """\
article:
  source: articles/a.txt
  author: Ada
defaults:
  layout: t
quotes:
  - id: one
    text: "It's here."
"""
# Line numbers in the assertions below count from the top of this layout.
LAYOUT = """\
name: t
brand: happy-as-a-mother
background:
  color: brand.background
elements:
  - type: rect
    id: card
    box: {x: 5%, y: 5%, w: 90%, h: 90%}
    fill: brand.deep
  - type: text
    id: quote
    text: "{quote}"
    box: {x: 10%, y: 10%, w: 80%, h: 60%}
    font: {family: brand.fonts.serif}
    color: brand.light
  - type: image
    id: logo
    src: brand.logo
    box: {x: 10%, y: 75%, w: 20%, h: 15%}
"""


@pytest.fixture
def project(project_dir: Path) -> Path:
    (project_dir / "quotes" / "articles" / "a.txt").write_text("Intro.\n\nIt’s here. More.\n")
    (project_dir / "quotes" / "sel.yaml").write_text(SELECTION)
    shutil.copytree(
        ROOT / "layouts" / "brands", project_dir / "layouts" / "brands", dirs_exist_ok=True
    )
    return project_dir


def check(project: Path, layout: str, *extra: str) -> tuple[int, str]:
    (project / "layouts" / "t.yaml").write_text(layout)
    code, _, stderr = run_cli("check", "--platform", "x", *extra)
    return code, stderr.strip()


def test_the_base_layout_is_fine(project: Path) -> None:
    code, stderr = check(project, LAYOUT)
    assert code == 0, stderr


def test_unknown_nested_key_with_suggestion(project: Path) -> None:
    code, stderr = check(project, LAYOUT.replace("{family: brand", "{famly: brand"))
    assert code == 2
    assert stderr == (
        "error: layouts/t.yaml:14 elements[1].font.famly: unknown key 'famly' "
        "(did you mean 'family'?)"
    )


# Each row: the base layout (or the brand kit) with OLD replaced by NEW (with NEW added
# after it when OLD is empty), and what the one error line about it says.
@pytest.mark.parametrize(
    ("edited", "old", "new", "expected"),
    [
        pytest.param(
            "layout",
            "    color: brand.light",
            "    colr: brand.light",
            ("layouts/t.yaml:15 elements[1].colr: unknown key 'colr' (did you mean 'color'?)",),
            id="unknown_element_key_with_suggestion",
        ),
        pytest.param(
            "layout",
            "    fill: brand.deep",
            "    zzz: 1",
            (
                "layouts/t.yaml:9 elements[0].zzz: unknown key 'zzz' (allowed keys:",
                "radius",
                "shadow",
            ),
            id="unknown_key_without_close_match_lists_allowed",
        ),
        pytest.param(
            "layout",
            "    fill: brand.deep",
            "    opacity: lots",
            ("layouts/t.yaml:9 elements[0].opacity: 'lots': Input should be a valid number",),
            id="wrong_type",
        ),
        pytest.param(
            "layout",
            "    fill: brand.deep",
            "    opacity: 1.5",
            ("elements[0].opacity: 1.5: Input should be less than or equal to 1",),
            id="opacity_out_of_range",
        ),
        pytest.param(
            "layout",
            "fill: brand.deep",
            "fill: '#12345'",
            ("layouts/t.yaml:9 elements[0].fill: '#12345' is not a colour",),
            id="bad_colour",
        ),
        pytest.param(
            "layout",
            "{x: 5%, y: 5%",
            "{x: 5em, y: 5%",
            ("layouts/t.yaml:8 elements[0].box.x: '5em' is not a length",),
            id="bad_length",
        ),
        pytest.param(
            "layout",
            "type: rect",
            "type: circle",
            ("layouts/t.yaml:6 elements[0]", "'circle'", "'rect'"),
            id="unknown_element_type",
        ),
        pytest.param(
            "layout",
            "    src: brand.logo\n",
            "",
            ("layouts/t.yaml:16 elements[2].src: required key is missing",),
            id="required_key_missing",
        ),
        pytest.param(
            "layout",
            "src: brand.logo",
            "src: images/nope.png",
            (
                "layouts/t.yaml:18 elements[2].src: image 'images/nope.png' not found",
                "paths are relative to layouts/",
            ),
            id="missing_image",
        ),
        pytest.param(
            "layout",
            "src: brand.logo",
            "src: https://x.test/a.png",
            ("'https://x.test/a.png': images must be local files (cardgen never downloads)",),
            id="image_url_is_refused",
        ),
        pytest.param(
            "layout",
            "src: brand.logo",
            "src: brand.photo",
            ("image src 'brand.photo': the only brand image is 'brand.logo'",),
            id="other_brand_image_names_are_refused",
        ),
        pytest.param(
            "layout",
            "family: brand.fonts.serif",
            "family: Comic Sans",
            ("layouts/t.yaml:14 elements[1].font.family: font family 'Comic Sans' not found",),
            id="missing_font_points_at_the_layout_line",
        ),
        pytest.param(
            "layout",
            "fill: brand.deep",
            "fill: brand.deeep",
            ("layouts/t.yaml:9 elements[0].fill: brand 'happy-as-a-mother' has no colour 'deeep'",),
            id="unknown_brand_colour_points_at_the_layout_line",
        ),
        pytest.param(
            "layout",
            "brand.fonts.serif",
            "brand.fonts.script",
            ("elements[1].font.family: brand 'happy-as-a-mother' has no font for role 'script'",),
            id="unknown_brand_font_role",
        ),
        pytest.param(
            "layout",
            "brand: happy-as-a-mother",
            "brand: happy",
            ("unknown brand 'happy'",),
            id="unknown_brand",
        ),
        pytest.param(
            "layout",
            "",
            "    fit: cover\n    focal: [2, 0.5]\n",
            ("layouts/t.yaml:21 elements[2].focal: [2.0, 0.5] is not a focal point",),
            id="bad_focal_point",
        ),
        pytest.param(
            "layout",
            "",
            "overrides:\n  talll:\n    elements:\n      quote: {box: {y: 20%}}\n",
            (
                (
                    "layouts/t.yaml:21 overrides.talll: unknown override 'talll': not an aspect "
                    "class or platform id (did you mean 'tall'?)"
                ),
            ),
            id="unknown_override_key",
        ),
        pytest.param(
            "layout",
            "",
            "overrides:\n  landscape:\n    elements:\n      qoute: {box: {y: 20%}}\n",
            ("override names element 'qoute', which the layout does not have",),
            id="override_naming_a_missing_element",
        ),
        pytest.param(
            "layout",
            "",
            "overrides:\n  x:\n    elements:\n      card: {opacity: 7}\n",
            (
                (
                    "layouts/t.yaml layout 't' with its extends and overrides for 'landscape'/'x' "
                    "is invalid: elements[0].opacity: 7: Input should be less than or equal to 1"
                ),
            ),
            id="override_that_breaks_the_layout",
        ),
        pytest.param(
            "layout",
            "",
            "overrides:\n  landscape:\n    elements:\n      card: {fil: '#000'}\n",
            (
                (
                    "layouts/t.yaml:23 overrides.landscape.elements.card.fil: unknown key 'fil' "
                    "(did you mean 'fill'?)"
                ),
            ),
            id="override_with_an_unknown_key",
        ),
        pytest.param(
            "layout",
            "",
            "overrides:\n  tall:\n    backgroud: {}\n",
            (
                (
                    "layouts/t.yaml:22 overrides.tall.backgroud: unknown key 'backgroud' (did you "
                    "mean 'background'?)"
                ),
            ),
            id="override_with_an_unknown_layout_key",
        ),
        pytest.param(
            "layout",
            "",
            "overrides:\n  zzzz:\n    background: {color: '#000000'}\n",
            (
                "unknown override 'zzzz': not an aspect class or platform id",
                "(use square, portrait, tall, landscape)",
            ),
            id="unknown_override_key_without_a_close_match",
        ),
        pytest.param(
            "brand",
            "colors:",
            "colours:",
            (
                "layouts/brands/happy-as-a-mother.yaml:3 colours: unknown key 'colours'",
                "(did you mean 'colors'?)",
            ),
            id="brand_unknown_key",
        ),
        pytest.param(
            "brand",
            '"#c0503a"',
            '"terracotta"',
            ("happy-as-a-mother.yaml:6 colors.accent: 'terracotta' is not a colour",),
            id="brand_bad_colour",
        ),
        pytest.param(
            "brand",
            '"#c0503a"',
            "brand.text",
            ("colors.accent: 'brand.text': brand colours must be '#rrggbb' values",),
            id="brand_colour_naming_another_brand_colour",
        ),
        pytest.param(
            "brand",
            "logo: happy-as-a-mother-logo.svg",
            "logo: gone.svg",
            ("layouts/brands/happy-as-a-mother.yaml:19 logo: image 'gone.svg' not found",),
            id="brand_missing_logo",
        ),
        pytest.param(
            "brand",
            "hashtags: [",
            "hashtags: 3 #[",
            ("hashtags: 3: Input should be a valid list",),
            id="brand_wrong_type",
        ),
    ],
)
def test_a_wrong_layout_or_brand_is_one_error_line_naming_it(
    project: Path, edited: str, old: str, new: str, expected: tuple[str, ...]
) -> None:
    if edited == "brand":
        code, stderr = brand_check(project, old, new)
    else:
        assert old in LAYOUT
        code, stderr = check(project, LAYOUT.replace(old, new) if old else LAYOUT + new)
    assert code == 2
    for part in expected:
        assert part in stderr


def test_unsupported_image_type(project: Path) -> None:
    (project / "layouts" / "a.gif").write_bytes(b"GIF89a")
    code, stderr = check(project, LAYOUT.replace("src: brand.logo", "src: a.gif"))
    assert code == 2
    assert "'a.gif' is not a supported image (use .png, .jpg, .webp or .svg)" in stderr


def test_corrupt_image(project: Path) -> None:
    (project / "layouts" / "bad.png").write_bytes(b"this is not a png at all")
    code, stderr = check(project, LAYOUT.replace("src: brand.logo", "src: bad.png"))
    assert code == 2
    assert "layouts/bad.png not an image Pillow can read" in stderr


def test_truncated_image(project: Path) -> None:
    good = project / "layouts" / "good.png"
    Image.effect_noise((300, 300), 60).save(good)
    (project / "layouts" / "cut.png").write_bytes(good.read_bytes()[:4000])
    code, stderr = check(project, LAYOUT.replace("src: brand.logo", "src: cut.png"))
    assert code == 2
    assert "layouts/cut.png damaged or truncated image" in stderr


def test_decompression_bomb_is_an_error(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cardgen.design.images.MAX_IMAGE_PIXELS", 10_000)
    Image.new("RGB", (200, 200), "red").save(project / "layouts" / "big.png")
    code, stderr = check(project, LAYOUT.replace("src: brand.logo", "src: big.png"))
    assert code == 2
    assert "layouts/big.png image is 200x200 pixels, more than the 10,000 allowed" in stderr


def test_svg_with_external_reference_is_refused(project: Path) -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="10" height="10"><image xlink:href="/etc/passwd" width="10" height="10"/></svg>'
    )
    (project / "layouts" / "ext.svg").write_text(svg)
    code, stderr = check(project, LAYOUT.replace("src: brand.logo", "src: ext.svg"))
    assert code == 2
    assert (
        "layouts/ext.svg SVG refers to another file or URL, which cardgen does not load" in stderr
    )


def test_broken_svg(project: Path) -> None:
    (project / "layouts" / "broken.svg").write_text("<svg><rect")
    code, stderr = check(project, LAYOUT.replace("src: brand.logo", "src: broken.svg"))
    assert code == 2
    assert "layouts/broken.svg cannot render SVG" in stderr


PATCHES = """extends: t
name: child
elements:
  quote:
    color: "#ffffff"
  badge:
    type: rect
    z: -1
    box: {x: 0, y: 0, w: 10%, h: 10%}
"""


def test_a_child_layout_patches_and_adds_elements(project: Path) -> None:
    from cardgen.design.layouts import LayoutSource, RectElement, TextElement, resolve_layout
    from cardgen.design.platforms import BUILTIN

    (project / "layouts" / "t.yaml").write_text(LAYOUT)
    (project / "layouts" / "child.yaml").write_text(PATCHES)
    x = next(p for p in BUILTIN if p.id == "x")
    child = resolve_layout(LayoutSource.for_project(project), "child", x)
    assert child.name == "child"
    quote = next(e for e in child.elements if e.id == "quote")
    assert isinstance(quote, TextElement) and quote.color == "#ffffff"
    assert quote.box.w == "80%"  # the rest comes from the parent
    badge = child.elements[-1]
    assert isinstance(badge, RectElement) and badge.id == "badge" and badge.z == -1


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            '    color: "#ffffff"',
            '    colour: "#ffffff"',
            "layouts/child.yaml:5 elements.quote.colour: unknown key 'colour' "
            "(did you mean 'color'?)",
        ),
        (
            "    z: -1",
            "    z: -1\n    fil: red",
            "layouts/child.yaml:9 elements.badge.fil: unknown key 'fil' (did you mean 'fill'?)",
        ),
        (
            "    type: rect",
            "    type: star",
            "layouts/child.yaml:7 elements.badge.type: unknown element type 'star' "
            "(use one of text, quote_mark, rect, line, image, group)",
        ),
        (
            "    z: -1",
            "    z: high",
            "layouts/child.yaml:8 elements.badge.z: 'high': Input should be a valid integer",
        ),
        (
            "extends: t\n",
            "",
            "layouts/child.yaml:1 extends: required key is missing",
        ),
        (
            '  quote:\n    color: "#ffffff"',
            "  quote: big",
            "layouts/child.yaml:4 elements.quote: 'big': Input should be a valid dictionary",
        ),
        (
            "h: 10%}\n",
            "h: 10%}\noverrides:\n  tall:\n    elements:\n      quote: big\n",
            "layouts/child.yaml:13 overrides.tall.elements.quote: an element patch must be a "
            "mapping of keys",
        ),
        (
            '  quote:\n    color: "#ffffff"',
            "  qoute: {color: red}",
            "override names element 'qoute', which the layout does not have",
        ),
    ],
)
def test_child_layout_errors(project: Path, old: str, new: str, message: str) -> None:
    (project / "layouts" / "child.yaml").write_text(PATCHES.replace(old, new, 1))
    (project / "layouts" / "t.yaml").write_text(LAYOUT)
    (project / "quotes" / "sel.yaml").write_text(SELECTION.replace("layout: t", "layout: child"))
    code, _, stderr = run_cli("check", "--platform", "x")
    assert code == 2
    assert message in stderr


def test_unknown_layout_in_extends(project: Path) -> None:
    code, stderr = check(project, "extends: clasic\n")
    assert code == 2
    assert "unknown layout 'clasic' (did you mean 'classic'?)" in stderr


# --- brand kits ----------------------------------------------------------------


def brand_check(project: Path, old: str, new: str) -> tuple[int, str]:
    path = project / "layouts" / "brands" / "happy-as-a-mother.yaml"
    path.write_text(path.read_text().replace(old, new, 1))
    return check(project, LAYOUT)


def test_layout_name_must_be_plain(project: Path) -> None:
    (project / "layouts" / "t.yaml").write_text(LAYOUT)
    code, _, stderr = run_cli("render", "--platform", "x", "--layout", "../t")
    assert code == 2
    assert "layout name '../t' must be a plain name like 'classic'" in stderr


def test_pillows_own_bomb_limit_is_an_error(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000)
    Image.new("RGB", (100, 100), "red").save(project / "layouts" / "bomb.png")
    code, stderr = check(project, LAYOUT.replace("src: brand.logo", "src: bomb.png"))
    assert code == 2
    assert "layouts/bomb.png image is too large to decode safely" in stderr


def svg_check(project: Path, name: str, content: str | bytes) -> tuple[int, str]:
    path = project / "layouts" / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return check(project, LAYOUT.replace("src: brand.logo", f"src: {name}"))


def test_svg_too_big(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cardgen.design.images.MAX_SVG_BYTES", 100)
    code, stderr = svg_check(project, "big.svg", "<svg>" + " " * 200 + "</svg>")
    assert code == 2
    assert "layouts/big.svg SVG is 211 bytes, more than the 100 allowed" in stderr


def test_svg_not_utf8(project: Path) -> None:
    code, stderr = svg_check(project, "latin.svg", b"<svg>\xff\xfe</svg>")
    assert code == 2
    assert "layouts/latin.svg cannot read the SVG as UTF-8 text" in stderr


def test_svg_with_css_url_is_refused(project: Path) -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<rect width="10" height="10" style="fill: url(http://x.test/p.svg)"/></svg>'
    )
    code, stderr = svg_check(project, "css.svg", svg)
    assert code == 2
    assert "layouts/css.svg SVG refers to another file or URL" in stderr


def test_svg_with_an_extreme_shape(project: Path) -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 100000"><rect/></svg>'
    code, stderr = svg_check(project, "thin.svg", svg)
    assert code == 2
    assert "layouts/thin.svg SVG is 1e-05 times as wide as it is tall; at most 20" in stderr


def test_svg_cover_that_would_be_too_large(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cardgen.design.images.MAX_IMAGE_PIXELS", 100_000)
    svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 19 1"><rect/></svg>'
    layout = LAYOUT.replace("src: brand.logo", "src: wide.svg") + "    fit: cover\n"
    (project / "layouts" / "wide.svg").write_text(svg)
    code, stderr = check(project, layout)
    assert code == 2
    assert "layouts/wide.svg SVG would be rendered at" in stderr
    assert "use fit: contain, or an image closer to its shape)" in stderr


def test_image_removed_after_loading() -> None:
    from cardgen.design.images import load_image
    from cardgen.errors import InputError

    with pytest.raises(InputError, match="image not found"):
        load_image(Path("no-such-dir") / "gone.png")
