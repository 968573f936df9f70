"""Golden images of the typography: an English, a Japanese, an Arabic and an emoji quote
on a square and a story card (half size, compared with a tolerance; `make goldens`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from cardgen.batch.plan import Project
from cardgen.design.cardtext import CardText
from cardgen.drawing.composition import build_scene
from cardgen.drawing.raster import draw_scene
from tests.helpers import assert_image_similar, compare_with_golden

IMAGES = Path(__file__).resolve().parent / "images"
ROOT = Path(__file__).resolve().parent.parent
EPSILON = 2.0
QUOTES = {
    "english": CardText(
        quote='"Ambition doesn\'t mean we are *selfish*. It just means -- we strive for more."',
        attribution="Lara Bazelon",
    ),
    "japanese": CardText(
        quote="仕事と家庭の両立は、誰にとっても簡単なことではありません。「罪悪感」を手放すことから始めましょう。",
        attribution="ララ・バゼロン",
    ),
    "arabic": CardText(
        quote="الطموح لا يعني أننا أنانيون. إنه يعني فقط أننا نسعى إلى التميز.",
        attribution="لارا بازيلون",
    ),
    "emoji": CardText(
        quote="Ambition is not selfish 💪🏽 it's how we grow 🌱✨ together 👩‍👧",
        attribution="Lara Bazelon",
    ),
}
PLATFORMS = ("instagram-square", "instagram-story")


def render(content: CardText, platform_id: str) -> Image.Image:
    project = Project.open(ROOT)
    platform = project.platform(platform_id)
    layout = project.layout("classic", platform)
    scene = build_scene(
        content, layout, project.brand(layout.brand), platform, project.font_registry()
    )
    image = draw_scene(scene)
    return image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)


@pytest.mark.parametrize("platform_id", PLATFORMS)
@pytest.mark.parametrize("language", list(QUOTES))
def test_script_matches_golden(language: str, platform_id: str, regen_goldens: bool) -> None:
    actual = render(QUOTES[language], platform_id)
    compare_with_golden(actual, f"type-{language}-{platform_id}", EPSILON, regen_goldens)


def test_scripts_differ_enough_to_be_caught() -> None:
    """Negative control: the Japanese card is not within tolerance of the English one."""
    golden = IMAGES / "type-english-instagram-square.png"
    if not golden.exists():
        pytest.skip("goldens not generated yet")
    with Image.open(golden) as expected, pytest.raises(AssertionError):
        assert_image_similar(
            render(QUOTES["japanese"], "instagram-square"), expected, EPSILON, "negative-type"
        )
