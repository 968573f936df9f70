"""Golden images: each bundled layout on a square, a tall and a landscape platform.

Goldens are stored at half size and compared with a tolerance (font
rasterisers differ slightly between FreeType builds). `make goldens`
rewrites them after an intended visual change; look at them before committing.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from cardgen.batch.plan import Project
from cardgen.design.cardtext import CardText
from cardgen.design.layouts import LayoutSource
from cardgen.drawing.composition import build_scene
from cardgen.drawing.raster import draw_scene
from tests.helpers import assert_image_similar, compare_with_golden, mean_difference

IMAGES = Path(__file__).resolve().parent / "images"
ROOT = Path(__file__).resolve().parent.parent
PLATFORMS = ("instagram-square", "instagram-story", "linkedin")
LAYOUTS = tuple(LayoutSource.for_project(ROOT).layout_names())
CONTENT = CardText(
    quote="Ambition doesn\u2019t mean we are selfish. It just means that we strive for excellence.",
    attribution="Lara Bazelon",
    title="Overcoming Working Mom Guilt",
    publisher="Happy as a Mother",
    handle="@happyasamother",
)
EPSILON = 2.0  # mean difference per channel (0-255) at half size


def render_card(layout_name: str, platform_id: str, content: CardText = CONTENT) -> Image.Image:
    project = Project.open(ROOT)
    platform = project.platform(platform_id)
    layout = project.layout(layout_name, platform)
    brand = project.brand(layout.brand)
    scene = build_scene(content, layout, brand, platform, project.font_registry())
    image = draw_scene(scene)
    return image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)


def test_bundled_layouts_are_covered() -> None:
    assert {"classic", "bold", "photo", "minimal", "card"} <= set(LAYOUTS)
    assert len(LAYOUTS) >= 8


@pytest.mark.parametrize("platform_id", PLATFORMS)
@pytest.mark.parametrize("layout_name", LAYOUTS)
def test_layout_matches_golden(layout_name: str, platform_id: str, regen_goldens: bool) -> None:
    actual = render_card(layout_name, platform_id)
    compare_with_golden(actual, f"{layout_name}-{platform_id}", EPSILON, regen_goldens)


def test_comparison_catches_a_changed_card() -> None:
    """The tolerance is tight enough that a different quote fails the comparison."""
    golden = IMAGES / "classic-instagram-square.png"
    if not golden.exists():
        pytest.skip("goldens not generated yet")
    project = Project.open(ROOT)
    platform = project.platform("instagram-square")
    layout = project.layout("classic", platform)
    other = CardText(quote="A completely different sentence on the card.", attribution="Someone")
    image = draw_scene(
        build_scene(other, layout, project.brand(layout.brand), platform, project.font_registry())
    )
    image = image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)
    with Image.open(golden) as expected, pytest.raises(AssertionError):
        assert_image_similar(image, expected, EPSILON, "negative-control")


def _erased(role: str) -> Image.Image:
    """The golden card with one text painted over in the background colour: the card a
    broken renderer that forgot it would draw, without the rest moving."""
    project = Project.open(ROOT)
    platform = project.platform("instagram-square")
    layout = project.layout("classic", platform)
    scene = build_scene(
        CONTENT, layout, project.brand(layout.brand), platform, project.font_registry()
    )
    image = draw_scene(scene)
    info = next(e for e in scene.elements if e.role == role)
    x0, y0, x1, y1 = info.ink_box
    image.paste(image.getpixel((5, 5)), (x0 - 2, y0 - 2, x1 + 2, y1 + 2))
    return image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)


@pytest.mark.parametrize(
    ("what", "make"),
    [
        # Negative controls: changes a whole-image mean would pass (about 0.3 and 0.05).
        ("attribution missing", lambda: _erased("attribution")),
        ("source missing", lambda: _erased("source")),
        (
            "one letter changed",
            lambda: render_card(
                "classic",
                "instagram-square",
                replace(CONTENT, quote=CONTENT.quote.replace("strive", "strove")),
            ),
        ),
    ],
)
def test_comparison_catches_small_changes(what: str, make: Any) -> None:
    """A golden fails on a card that lacks its attribution or differs by one letter."""
    image = make()
    with Image.open(IMAGES / "classic-instagram-square.png") as expected:
        assert mean_difference(image, expected) < EPSILON  # a mean alone would pass it
        with pytest.raises(AssertionError):
            assert_image_similar(image, expected, EPSILON, f"negative-control-{what}")


def test_comparison_accepts_the_same_card() -> None:
    """The positive control: the card the golden was made from passes."""
    image = render_card("classic", "instagram-square")
    with Image.open(IMAGES / "classic-instagram-square.png") as expected:
        assert_image_similar(image, expected, EPSILON, "positive-control")
