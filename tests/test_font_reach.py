"""What text measures without drawing: the ink of a line is what its glyphs draw, and
fitting reserves above and below the lines only what the fonts drawn there need (the ink
of fallback fonts, never their tall nominal metrics)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from cardgen.batch.plan import Project
from cardgen.design.cardtext import CardText
from cardgen.typography.fonts import (
    FEATURES,
    ChainMeasurer,
    FontChain,
    chain_for,
    run_direction,
    run_font,
)
from cardgen.typography.typeset import fit_text
from tests.helpers import card_scene

ROOT = Path(__file__).resolve().parent.parent
PROJECT = Project.open(ROOT)


def chain(family: str, italic: bool = False, serif: bool = False) -> FontChain:
    registry = PROJECT.font_registry()
    return chain_for(registry, registry.find(family, italic=italic), serif=serif)


def drawn_ink(measure: ChainMeasurer, line: str, size: int) -> tuple[int, int, int, int]:
    """The pixels the line's runs draw (as `raster.draw_run` draws them), from the line's
    left end on the baseline."""
    runs = measure.layout_line(line, size)
    origin = (2 * size, 2 * size)
    image = Image.new("L", (round(sum(r.width for r in runs)) + 4 * size, 4 * size), 0)
    draw = ImageDraw.Draw(image)
    for run in runs:
        font, _ = run_font(run.face, size)
        at = (origin[0] + run.x, origin[1])
        draw.text(
            at,
            run.text,
            font=font,
            fill=255,
            anchor="ls",
            features=FEATURES,
            direction=run_direction(run),
        )  # type: ignore[arg-type]
    box = image.getbbox()
    assert box is not None
    return box[0] - origin[0], box[1] - origin[1], box[2] - origin[0], box[3] - origin[1]


LINES = [
    "\u2014 \u2014 \u2014",  # — — —: dashes float above the baseline
    "\u2026",  # …
    "\u201c \u201d",  # “ ”
    "- \u2013 \u2014",
    "Hg \u2014 fjord",
    "\u00bb Rest \u00ab",
    "\u0627\u0644\u0631\u0627\u062d\u0629 \u2014 \u0627\u0644\u0639\u0645\u0644",  # Arabic
    "\u300c\u4f11\u3080\u300d\u3002",  # 「休む」。
    "\u300c\u300d\u3002",  # 「」。
]


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize(
    ("family", "italic"), [("Inter", False), ("EB Garamond", False), ("EB Garamond", True)]
)
def test_a_lines_ink_box_is_the_ink_it_draws(line: str, family: str, italic: bool) -> None:
    """Pillow's text box reaches down to the baseline and out to the pen's ends: a line of
    dashes or quote marks measured up to 0.3 em taller and wider than drawn."""
    measure = ChainMeasurer(chain(family, italic), line)
    size = 80
    x0, y0, x1, y1 = measure.ink_box(measure.layout_line(line, size), size)
    ink = (math.floor(x0), math.floor(y0), math.ceil(x1), math.ceil(y1))  # as placed
    drawn = drawn_ink(measure, line, size)
    # All of the drawn ink, as high and as low as drawn (hinting moves an edge a pixel);
    # a line of punctuation alone is also as wide as drawn (one with letters may include
    # its outer letters' side bearings, as Pillow's box does).
    assert ink[0] <= drawn[0] and ink[1] <= drawn[1], (ink, drawn)
    assert ink[2] >= drawn[2] and ink[3] >= drawn[3], (ink, drawn)
    assert abs(ink[1] - drawn[1]) <= 2 and abs(ink[3] - drawn[3]) <= 2, (ink, drawn)
    if not any(char.isalnum() for char in line):
        assert abs(ink[0] - drawn[0]) <= 2 and abs(ink[2] - drawn[2]) <= 2, (ink, drawn)


def test_a_line_of_dashes_floats_above_the_baseline() -> None:
    line = "\u2014 \u2014"
    measure = ChainMeasurer(chain("Inter"), line)
    _, top, _, bottom = measure.ink_box(measure.layout_line(line, 100), 100)
    assert -45 < top < bottom < -20  # Inter's em dash: a bar at the height of x's middle


def test_fitting_reserves_the_ink_of_fallback_fonts_not_their_metrics() -> None:
    """Arabic in a sans layout is drawn by Noto Sans Arabic, whose ascent and descent (2.1
    em) are much taller than what its letters ink: set lines keep room for the ink (and
    the primary face's own line), not for those metrics."""
    text = "لا أحد يبني حياته وحده، نستعير الشجاعة ممن حولنا."
    sans = chain("Inter")
    measure = ChainMeasurer(sans, text)
    arabic = next(f for f in measure.faces if f.family == "Noto Sans Arabic")
    size = 60
    font_ascent, font_descent = run_font(arabic, size)[0].getmetrics()
    fitted = fit_text(text, 700, 2000, size, size, 1.35, measure)
    assert fitted is not None
    inks = [measure.ink_box(measure.layout_line(line, size, base=1), size) for line in fitted.lines]
    assert fitted.ascent >= -inks[0][1] and fitted.descent >= inks[-1][3]  # the ink fits
    assert fitted.ascent + fitted.descent <= 0.8 * (font_ascent + font_descent)


def test_a_latin_first_line_takes_no_room_for_a_fallback_font_further_down() -> None:
    """An emoji (or a word in another script) on a later line leaves the first line the
    primary face's ascent: Noto Color Emoji's taller line had shrunk the whole quote."""
    plain = "Small steps, taken daily, become a whole new life"
    serif = chain("EB Garamond", serif=True)
    size = 70
    fitted = {}
    for text in (plain, plain + " \U0001f331", plain + " \u6f22\u5b57"):
        fitted[text] = fit_text(text, 800, 2000, size, size, 1.2, ChainMeasurer(serif, text))
    ascents = {f.ascent for f in fitted.values() if f is not None}
    primary_ascent = run_font(serif.primary, size)[0].getmetrics()[0]
    assert ascents == {primary_ascent}
    assert all(len(f.lines) > 1 for f in fitted.values() if f is not None)


ARABIC_TEXT = (  # 64 words, written for this test
    "كل صباح أبدأ يومي بكوب من القهوة ودقائق من الهدوء قبل أن يستيقظ "
    "الأطفال. هذه اللحظات القصيرة تمنحني فرصة للتفكير فيما أريد أن أنجزه، "
    "وتذكرني بأن العمل ليس سباقًا مع الوقت بل رحلة نتعلم فيها كل يوم شيئًا "
    "جديدًا عن أنفسنا. لم أعد أشعر بالذنب حين أختار الراحة، لأنني فهمت "
    "أخيرًا أن الراحة جزء من العمل، وأن من يعتني بنفسه يستطيع أن يعتني "
    "بغيره."
)


@pytest.mark.parametrize("platform", ["x", "bluesky", "mastodon"])
def test_a_long_arabic_passage_fits_a_landscape_card(platform: str) -> None:
    """A 64-word Arabic paragraph on `minimal`'s landscape cards, at the legibility floor:
    it was refused there once Noto Sans Arabic's metrics were reserved for its lines."""
    scene = card_scene(
        PROJECT, CardText(quote=ARABIC_TEXT, attribution="ليلى"), "minimal", platform
    )
    quote = next(t for t in scene.texts if t.role == "quote")
    assert len(ARABIC_TEXT.split()) == 64
    assert quote.ink_box[1] >= scene.safe_box[1] and quote.ink_box[3] <= scene.safe_box[3]
