"""Property: random text in any script on every platform either fits, checked from the
pixels, or fails with a clear 'does not fit' / 'no glyph' error. Never clipped, never boxes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cardgen.batch.plan import Project
from cardgen.design.cardtext import CardText
from cardgen.design.platforms import BUILTIN
from cardgen.drawing.composition import build_scene
from cardgen.drawing.raster import draw_scene
from cardgen.drawing.scene import Scene, SolidFill, TextBlock, hung_box
from cardgen.errors import MissingGlyph, TextDoesNotFit
from tests.helpers import card_scene, ink_bbox

ROOT = Path(__file__).resolve().parent.parent
PROJECT = Project.open(ROOT)
WHITE = (255, 255, 255)

latin = st.sampled_from([*"abcdefghijklmnopqrstuvwxyzAMWQ", *"éßçøŁ.,;!?'\"-", " ", " ", " "])
cjk = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x62FF),
    st.characters(min_codepoint=0x3041, max_codepoint=0x3096),
    st.sampled_from([*"、。「」！？ー"]),
)
rtl = st.one_of(
    st.characters(min_codepoint=0x0621, max_codepoint=0x064A),
    st.characters(min_codepoint=0x05D0, max_codepoint=0x05EA),
)
emoji = st.sampled_from(["😀", "💪🏽", "👩\u200d👧", "🌱", "✨", "❤\ufe0f", "🇯🇵"])
marks = st.characters(min_codepoint=0x0300, max_codepoint=0x036F)
unknown = st.just("\u0378")  # unassigned: no font has it
alphabet = st.one_of(latin, latin, latin, cjk, rtl, emoji, marks)
texts = st.lists(alphabet, min_size=1, max_size=400).map("".join)
with_unknown = st.tuples(texts, unknown, texts).map("".join)
long_words = st.integers(20, 200).map(lambda n: "Supercalifragilistic" * (n // 20) + " end")


def pixels_of(block: TextBlock, width: int, height: int) -> tuple[int, int, int, int] | None:
    """The ink of one text block alone on a white canvas, found from its pixels."""
    alone = Scene(width, height, SolidFill((*WHITE, 255)), (block,), (0, 0, width, height))
    return ink_bbox(draw_scene(alone), WHITE)


def inside(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> bool:
    return (
        inner[0] >= outer[0]
        and inner[1] >= outer[1]
        and inner[2] <= outer[2]
        and inner[3] <= outer[3]
    )


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    text=st.one_of(texts, texts, texts, long_words, with_unknown),
    platform=st.sampled_from([p.id for p in BUILTIN]),
    layout=st.sampled_from(["classic", "bold"]),
)
def test_text_fits_inside_its_box_and_safe_area_or_says_why(
    text: str, platform: str, layout: str
) -> None:
    target = PROJECT.platform(platform)
    resolved = PROJECT.layout(layout, target)
    brand = PROJECT.brand(resolved.brand)
    content = CardText(quote=text, attribution="Ada Lovelace", title="A title")
    try:
        scene = build_scene(content, resolved, brand, target, PROJECT.font_registry(), label="p/q")
    except TextDoesNotFit as exc:
        event("does not fit")
        message = exc.one_line()
        assert f"on {platform} at the minimum size" in message and "px" in message
        return
    except MissingGlyph as exc:
        event("no glyph")
        assert "U+0378" in exc.one_line() and platform in exc.one_line()
        assert "\u0378" in text
        return
    assert "\u0378" not in text
    event("fits")
    for block in scene.texts:
        ink = pixels_of(block, scene.width, scene.height)
        if ink is None:
            continue
        assert inside(ink, hung_box(block.lines, block.box)), (block.role, ink, block.box)
        assert inside(ink, target.safe_box), (block.role, ink, target.safe_box)
        # The manifest's ink box is the real one, within antialiasing.
        x0, y0, x1, y1 = block.ink_box
        assert inside(ink, (x0 - 2, y0 - 2, x1 + 2, y1 + 2)), (ink, block.ink_box)


@pytest.mark.parametrize("platform", [p.id for p in BUILTIN])
def test_every_platform_fits_a_mixed_script_quote(platform: str) -> None:
    text = "Ambition 野心は、悪くない。 الطموح ليس أنانية 💪🏽 — שאפתנות e\u0301te\u0301."
    target = PROJECT.platform(platform)
    scene = card_scene(PROJECT, text, platform=platform, attribution="Ada")
    for block in scene.texts:
        ink = pixels_of(block, scene.width, scene.height)
        box = hung_box(block.lines, block.box)  # punctuation may hang out of the box
        assert ink is not None and inside(ink, box) and inside(ink, target.safe_box)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.text(min_size=1, max_size=300), platform=st.sampled_from([p.id for p in BUILTIN]))
def test_any_unicode_is_drawn_inside_its_box_or_refused_cleanly(text: str, platform: str) -> None:
    """Every code point hypothesis can think of: controls, unassigned, rare scripts."""
    target = PROJECT.platform(platform)
    try:
        scene = card_scene(PROJECT, text, platform=platform, attribution="Ada")
    except (TextDoesNotFit, MissingGlyph) as exc:
        assert platform in exc.one_line()
        return
    for block in scene.texts:
        ink = pixels_of(block, scene.width, scene.height)
        box = hung_box(block.lines, block.box)  # punctuation may hang out of the box
        assert ink is None or (inside(ink, box) and inside(ink, target.safe_box))


def test_a_character_only_a_system_font_has() -> None:
    """Anatolian hieroglyphs are in no chain font: fontconfig finds one (fonts-noto-core)."""
    target = PROJECT.platform("instagram-square")
    resolved = PROJECT.layout("classic", target)
    scene = build_scene(
        CardText(quote="\U00014400 sign", attribution="Ada"),
        resolved,
        PROJECT.brand(resolved.brand),
        target,
        PROJECT.font_registry(),
    )
    block = next(b for b in scene.texts if b.role == "quote")
    assert any("Anatolian" in face.family for face in block.faces)
