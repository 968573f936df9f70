"""The non-text parts of a card, checked by pixel: images, shapes, backgrounds, z-order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from cardgen.design.cardtext import CardText
from cardgen.design.images import fit_image
from cardgen.design.layouts import DEFAULT_BRAND, Brand, Layout, parse_length
from cardgen.design.platforms import Insets, Platform
from cardgen.drawing.composition import build_scene
from cardgen.drawing.raster import draw_scene
from cardgen.drawing.scene import ImageShape, RectShape, ShadowShape
from cardgen.errors import InputError
from cardgen.limits import MAX_LENGTH_PERCENT, MAX_LENGTH_PX
from cardgen.typography.fontfiles import font_folders
from cardgen.typography.fonts import registry_for

ROOT = Path(__file__).resolve().parent.parent
LOGO = ROOT / "layouts" / "brands" / "happy-as-a-mother-logo.svg"
CANVAS = Platform("t", "Test", 400, 400, Insets(0, 0, 0, 0), "png", 10**7, None)
BLACK = {"color": "#000000"}


def paint(layout: dict[str, Any], brand: Brand = DEFAULT_BRAND) -> Image.Image:
    model = Layout.model_validate({"name": "t", **layout})
    scene = build_scene(CardText(quote="Q"), model, brand, CANVAS, registry_for(font_folders(None)))
    return draw_scene(scene)


def halves(path: Path, size: tuple[int, int] = (200, 100)) -> Path:
    """An image whose left half is red and right half blue."""
    image = Image.new("RGB", size, (255, 0, 0))
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    image.save(path)
    return path


def test_contain_keeps_the_whole_image_centred(tmp_path: Path) -> None:
    src = halves(tmp_path / "h.png")
    image = paint(
        {
            "background": BLACK,
            "elements": [
                {"type": "image", "src": str(src), "box": {"x": 0, "y": 0, "w": 400, "h": 400}}
            ],
        }
    )
    assert image.getpixel((10, 200)) == (255, 0, 0)
    assert image.getpixel((390, 200)) == (0, 0, 255)
    assert image.getpixel((200, 50)) == (0, 0, 0)  # 2:1 image in a square: bands above
    assert image.getpixel((200, 350)) == (0, 0, 0)  # ... and below


def test_cover_fills_the_box_around_the_focal_point(tmp_path: Path) -> None:
    src = halves(tmp_path / "h.png", (400, 100))
    box = {"x": 100, "y": 100, "w": 200, "h": 200}
    for focal, colour in (([0.0, 0.5], (255, 0, 0)), ([1.0, 0.5], (0, 0, 255))):
        element = {"type": "image", "src": str(src), "box": box, "fit": "cover", "focal": focal}
        image = paint({"background": BLACK, "elements": [element]})
        for x, y in ((105, 105), (295, 295), (200, 200)):
            assert image.getpixel((x, y)) == colour
        assert image.getpixel((50, 50)) == (0, 0, 0)


def test_svg_logo_is_rasterised_at_the_box_size() -> None:
    brand = Brand(name="b", colors={"background": "#ffffff"}, logo=str(LOGO))
    element = {"type": "image", "src": "brand.logo", "box": {"x": 0, "y": 0, "w": 400, "h": 400}}
    image = paint({"elements": [element]}, brand)
    r, g, b = image.getpixel((200, 30))[:3]  # the terracotta ring near the top
    assert (r, g, b) == (0xC0, 0x50, 0x3A)
    assert image.getpixel((2, 2)) == (255, 255, 255)  # transparent corner shows the background


def test_brand_logo_is_left_out_when_the_brand_has_none() -> None:
    element = {"type": "image", "src": "brand.logo", "box": {"x": 0, "y": 0, "w": 10, "h": 10}}
    model = Layout.model_validate({"elements": [element]})
    scene = build_scene(
        CardText(quote="Q"), model, DEFAULT_BRAND, CANVAS, registry_for(font_folders(None))
    )
    assert not any(isinstance(d, ImageShape) for d in scene.drawables)


def test_opacity_blends_with_what_is_below() -> None:
    rect = {"type": "rect", "box": {"x": 0, "y": 0, "w": 400, "h": 400}, "fill": "#ffffff"}
    image = paint({"background": BLACK, "elements": [{**rect, "opacity": 0.5}]})
    assert abs(image.getpixel((200, 200))[0] - 128) <= 1
    line = {
        "type": "line",
        "box": {"x": 0, "y": 200, "w": 400, "h": 0},
        "color": "#ffffff",
        "thickness": 20,
        "opacity": 0.25,
    }
    image = paint({"background": BLACK, "elements": [line]})
    assert abs(image.getpixel((200, 200))[0] - 64) <= 1


def test_z_order_beats_file_order() -> None:
    top = {"type": "rect", "box": {"x": 0, "y": 0, "w": 400, "h": 400}, "fill": "#ff0000", "z": 1}
    below = {"type": "rect", "box": {"x": 0, "y": 0, "w": 400, "h": 400}, "fill": "#00ff00"}
    assert paint({"elements": [top, below]}).getpixel((200, 200)) == (255, 0, 0)
    top["z"] = 0
    assert paint({"elements": [top, below]}).getpixel((200, 200)) == (0, 255, 0)


def test_shadow_darkens_below_and_is_drawn_first() -> None:
    rect = {"type": "rect", "box": {"x": 100, "y": 100, "w": 200, "h": 100}, "fill": "#ffffff"}
    plain = paint({"background": {"color": "#808080"}, "elements": [rect]})
    shadow = {"color": "#000000cc", "dx": 0, "dy": 20, "blur": 4}
    shaded = paint({"background": {"color": "#808080"}, "elements": [{**rect, "shadow": shadow}]})
    assert plain.getpixel((200, 210)) == (128, 128, 128)
    assert shaded.getpixel((200, 210))[0] < 80  # under the rect's bottom edge
    assert shaded.getpixel((200, 150)) == (255, 255, 255)  # the rect itself stays on top
    assert shaded.getpixel((200, 20)) == (128, 128, 128)
    model = Layout.model_validate({"elements": [{**rect, "shadow": shadow}]})
    scene = build_scene(
        CardText(quote="Q"), model, DEFAULT_BRAND, CANVAS, registry_for(font_folders(None))
    )
    assert isinstance(scene.drawables[0], ShadowShape)
    assert isinstance(scene.drawables[1], RectShape)


def test_rounded_rectangle_with_outline() -> None:
    rect = {
        "type": "rect",
        "box": {"x": 0, "y": 0, "w": 400, "h": 400},
        "fill": "#ffffff",
        "radius": 100,
        "stroke": "#ff0000",
        "stroke_width": 10,
    }
    image = paint({"background": BLACK, "elements": [rect]})
    assert image.getpixel((5, 5)) == (0, 0, 0)  # the rounded corner
    assert image.getpixel((200, 4)) == (255, 0, 0)  # the outline
    assert image.getpixel((200, 200)) == (255, 255, 255)


def test_background_photo_with_overlay(tmp_path: Path) -> None:
    src = halves(tmp_path / "h.png")
    background = {"image": {"src": str(src), "focal": [0.0, 0.5], "overlay": "#00000080"}}
    image = paint({"background": background})
    red = image.getpixel((200, 200))
    assert abs(red[0] - 127) <= 2 and red[2] == 0  # all red (cover at the left), half darkened
    gradient = {"kind": "linear", "angle": 180, "stops": ["#00000000", "#000000ff"]}
    shaded = paint({"background": {"image": {"src": str(src), "overlay_gradient": gradient}}})
    assert shaded.getpixel((100, 5))[0] > 240  # top: clear
    assert shaded.getpixel((100, 395))[0] < 15  # bottom: black


def test_radial_gradient_background() -> None:
    gradient = {"kind": "radial", "stops": ["#ffffff", "#000000"]}
    image = paint({"background": {"gradient": gradient}})
    assert image.getpixel((200, 200))[0] > 240
    assert image.getpixel((2, 2))[0] < image.getpixel((100, 100))[0] < 240


@settings(deadline=None, max_examples=60)
@given(st.integers(1, 400), st.integers(1, 400), st.integers(1, 300), st.integers(1, 300))
def test_contain_fits_inside_and_cover_fills(iw: int, ih: int, bw: int, bh: int) -> None:
    image = Image.new("RGBA", (iw, ih))
    contained = fit_image(image, (bw, bh), "contain")
    assert contained.width <= bw and contained.height <= bh
    assert contained.width == bw or contained.height == bh  # touches the box on one axis
    assert fit_image(image, (bw, bh), "cover", (0.3, 0.7)).size == (bw, bh)


@given(st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from(["px", "%", "%w", "%h", "%s", ""]))
def test_lengths_parse_back(number: float, unit: str) -> None:
    text = f"{number:.3f}{unit}"
    bound = MAX_LENGTH_PX if unit in ("px", "") else MAX_LENGTH_PERCENT
    if abs(float(f"{number:.3f}")) > bound:
        with pytest.raises(ValueError, match="out of range"):
            parse_length(text)
        return
    value, parsed_unit = parse_length(text)
    assert abs(value - float(f"{number:.3f}")) < 1e-6
    assert parsed_unit == (unit or "px")


def test_images_stay_in_the_safe_area_unless_they_bleed(tmp_path: Path) -> None:
    framed = Platform("f", "Framed", 400, 400, Insets(40, 50, 60, 70), "png", 10**7, None)
    src = halves(tmp_path / "h.png")
    element = {"type": "image", "src": str(src), "box": {"x": 0, "y": 0, "w": 400, "h": 400}}
    registry = registry_for(font_folders(None))

    def image_box(extra: dict[str, Any]) -> tuple[int, int, int, int]:
        model = Layout.model_validate({"name": "t", "elements": [{**element, **extra}]})
        scene = build_scene(CardText(quote="Q"), model, DEFAULT_BRAND, framed, registry)
        shape = scene.drawables[0]
        assert isinstance(shape, ImageShape)
        return shape.box

    assert image_box({}) == (40, 50, 340, 330)
    assert image_box({"bleed": True}) == (0, 0, 400, 400)
    outside = {"box": {"x": 0, "y": 0, "w": 400, "h": 40}}
    with pytest.raises(InputError, match="has an image with no room inside the safe area of f"):
        image_box(outside)


def test_contained_image_alignment_radius_and_opacity(tmp_path: Path) -> None:
    src = halves(tmp_path / "h.png")  # 2:1, so it leaves room above and below in a square
    element = {
        "type": "image",
        "src": str(src),
        "box": {"x": 0, "y": 0, "w": 400, "h": 400},
        "valign": "bottom",
        "radius": 60,
        "opacity": 0.5,
    }
    image = paint({"background": BLACK, "elements": [element]})
    assert image.getpixel((100, 100)) == (0, 0, 0)  # the top is empty: aligned to the bottom
    assert abs(image.getpixel((100, 300))[0] - 128) <= 1  # half-transparent red
    assert image.getpixel((2, 202)) == (0, 0, 0)  # a rounded corner
    top = paint({"background": BLACK, "elements": [{**element, "valign": "top"}]})
    assert top.getpixel((100, 300)) == (0, 0, 0) and top.getpixel((100, 100))[0] > 100


def test_background_photo_blur(tmp_path: Path) -> None:
    src = halves(tmp_path / "h.png", (400, 400))
    sharp = paint({"background": {"image": {"src": str(src)}}})
    soft = paint({"background": {"image": {"src": str(src), "blur": 20}}})
    assert sharp.getpixel((190, 200)) == (255, 0, 0)
    red, _, blue = soft.getpixel((190, 200))
    assert 100 < red < 250 and blue > 10  # the edge between the halves is soft
