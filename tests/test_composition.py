"""Composition: groups that flow, hanging punctuation, legibility floors, length-aware
sizes, right-to-left mirroring, marks by language and what the manifest records."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import pytest

from cardgen.batch.plan import Project
from cardgen.design.cardtext import CardText
from cardgen.design.layouts import PHONE_WIDTH
from cardgen.drawing.composition import strip_outer_quotes
from cardgen.drawing.scene import ElementInfo, Scene, TextBlock
from cardgen.errors import TextDoesNotFit
from cardgen.review.samples import LANGUAGES, LENGTHS, sample
from cardgen.source.language import detect
from cardgen.typography.direction import has_rtl
from cardgen.typography.fonts import FontFace
from cardgen.typography.leading import (
    ARABIC_LINE_HEIGHT,
    CJK_LINE_HEIGHT,
    INDIC_LINE_HEIGHT,
    THAI_LINE_HEIGHT,
    min_line_height,
)
from tests.helpers import card_scene, run_cli

ROOT = Path(__file__).resolve().parent.parent
PROJECT = Project.open(ROOT)
LAYOUTS = tuple(PROJECT.layouts.layout_names())
PLATFORMS = tuple(PROJECT.platforms)
MARKED = ("classic", "card", "night")  # layouts that draw a decorative quote mark


def scene_of(layout_name: str, platform_id: str, content: CardText) -> Scene:
    return card_scene(PROJECT, content, layout_name, platform_id)


def element(scene: Scene, wanted: str) -> ElementInfo:
    return next(e for e in scene.elements if e.id == wanted)


def quote_block(scene: Scene) -> TextBlock:
    return next(t for t in scene.texts if t.role == "quote")


# --- the legibility floor -----------------------------------------------------------


@pytest.mark.parametrize("layout_name", LAYOUTS)
def test_every_text_meets_the_floor_on_every_platform(layout_name: str) -> None:
    """At a 390-px phone feed no quote is under 14 px and no small print under 10 px; a
    quote that cannot meet it fails, saying to elide or take a taller platform."""
    checked = 0
    for platform_id in PLATFORMS:
        width = PROJECT.platform(platform_id).width
        for lang in LANGUAGES:
            for length in ("short", "medium"):
                try:
                    scene = scene_of(layout_name, platform_id, sample(lang, length))
                except TextDoesNotFit as error:
                    assert "elision" in str(error.hint)
                    continue
                for text in scene.texts:
                    phone = text.size * PHONE_WIDTH / width
                    floor = 14 if text.role == "quote" else 10
                    assert phone >= floor, (layout_name, platform_id, text.role, phone)
                    checked += 1
    assert checked > 100


def test_a_quote_too_long_for_the_floor_fails_with_advice() -> None:
    long = " ".join(["Every word of this passage is needed and none can go."] * 14)
    with pytest.raises(TextDoesNotFit) as caught:
        scene_of("classic", "linkedin", CardText(quote=long, attribution="A. Person"))
    assert "legibility floor" in str(caught.value.hint)
    assert "elision ([…])" in str(caught.value.hint)
    assert "taller platform" in str(caught.value.hint)


@pytest.mark.parametrize("layout_name", LAYOUTS)
def test_small_print_is_never_larger_than_the_quote(layout_name: str) -> None:
    checked = 0
    for platform_id, lang, length in itertools.product(PLATFORMS, LANGUAGES, LENGTHS):
        try:
            scene = scene_of(layout_name, platform_id, sample(lang, length))
        except TextDoesNotFit:
            continue
        quote = quote_block(scene).size
        for text in scene.texts:
            assert text.size <= quote, (layout_name, platform_id, lang, length, text.role)
        checked += 1
    assert checked > len(PLATFORMS) * len(LANGUAGES)


def test_short_quotes_grow_and_long_ones_shrink() -> None:
    sizes = {
        length: quote_block(scene_of("headline", "instagram-square", sample("en", length))).size
        for length in LENGTHS
    }
    assert sizes["short"] > sizes["medium"] > sizes["long"]
    # Past the layout's max (9%s): up to its grow size (15%s of 1080 px).
    assert sizes["short"] > 0.09 * 1080


FILL_QUOTES = (
    "Rest is work.",
    "Rest is part of the work.",
    "Small steps, taken daily, become a whole new life.",
    "You do not have to be perfect to be a good mother to your children.",
    "Nobody builds a life alone. We borrow courage from the people beside us, and we "
    "pay it back by showing up for them.",
)


@pytest.mark.parametrize("quote", FILL_QUOTES)
def test_a_quote_that_fills_its_box_takes_the_width_and_keeps_its_air(
    tmp_path: Path, quote: str
) -> None:
    """`size.fill`: past `max`, a quote grows while its lines take at most that share of
    the box's height: short ones fill the width (capped at `grow`), none crowds the box."""
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "wide.yaml").write_text(
        "name: wide\nbrand: happy-as-a-mother\nelements:\n"
        "  - {type: text, id: quote, role: quote, text: '{quote}',\n"
        "     box: {x: 6%, y: 20%, w: 88%, h: 60%}, line_height: 1.2,\n"
        "     size: {min: 3.6%w, max: 9%s, grow: 18%s, fill: 0.6}}\n"
    )
    project = Project.open(tmp_path)
    block = quote_block(card_scene(project, quote, "wide", "linkedin"))
    left, top, right, bottom = block.box
    largest, grow = round(0.09 * 630), round(0.18 * 630)
    height = block.lines[-1].baseline - block.lines[0].baseline + block.size  # about
    assert block.size >= largest - 1
    if block.size > largest:  # grown: within the share of the height, and as wide as it may
        assert height <= 0.6 * (bottom - top) + 1
        ink_w = block.ink_box[2] - block.ink_box[0]
        assert block.size >= grow - 1 or ink_w >= 0.9 * (right - left), (quote, ink_w)
    sizes = [
        quote_block(card_scene(project, text, "wide", "linkedin")).size for text in FILL_QUOTES
    ]
    assert sizes == sorted(sizes, reverse=True)  # longer never larger


def test_a_short_quote_fills_the_width_of_a_wide_editorial_card() -> None:
    block = quote_block(scene_of("editorial", "linkedin", sample("en", "short")))
    ink_w = block.ink_box[2] - block.ink_box[0]
    assert ink_w >= 0.8 * 0.88 * 1200, ink_w  # the group's box is 88% of the card


LANDSCAPE = tuple(p for p in PLATFORMS if PROJECT.platform(p).aspect_class == "landscape")


@pytest.mark.parametrize("platform_id", LANDSCAPE)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_short_headline_spans_a_wide_card(platform_id: str, lang: str) -> None:
    """Big type for short quotes: across most of a landscape card, or two big lines down
    half of it, not two small lines in its left half (before `fill`, "Rest is part of the
    work." took 56% of LinkedIn's width and 24% of its height). Arabic's four words, set as
    large as Latin now that its fonts' ink rather than their metrics is reserved, take two
    lines at 144 px (55% of the height) where they took one at 117 px."""
    scene = scene_of("headline", platform_id, sample(lang, "short"))
    left, top, right, bottom = element(scene, "quote").ink_box
    wide, tall = (right - left) / scene.width, (bottom - top) / scene.height
    assert wide >= 0.75 or (tall >= 0.5 and wide >= 0.5), (wide, tall)


WIDE_SAMPLES = ("en", "fr", "ar")


@pytest.mark.parametrize("layout_name", LAYOUTS)
@pytest.mark.parametrize("platform_id", LANDSCAPE)
def test_a_short_quote_fills_a_wide_card_in_every_layout(
    layout_name: str, platform_id: str
) -> None:
    """A short quote is big type on a landscape card, not a small line in its upper left:
    its ink covers at least 9% of the card. (Before `fill` in classic, card, night, essay
    and photo, "Rest is part of the work." took 6-8%: one line over half the width.)"""
    for lang in WIDE_SAMPLES:
        share = quote_share(scene_of(layout_name, platform_id, sample(lang, "short")))
        assert share >= 0.09, (lang, round(share, 3))


@pytest.mark.parametrize("layout_name", LAYOUTS)
@pytest.mark.parametrize("platform_id", ["instagram-square", "instagram-portrait"])
def test_a_medium_quote_fills_a_feed_card(layout_name: str, platform_id: str) -> None:
    """A quote of about twenty words covers at least a quarter of a square or portrait
    feed card (`essay` set it in a 24% band of the square with empty bands above and
    below; `night` and `minimal` in 22-23% of a portrait card in Arabic)."""
    for lang in LANGUAGES:
        share = quote_share(scene_of(layout_name, platform_id, sample(lang, "medium")))
        assert share >= 0.26, (lang, round(share, 3))


def quote_share(scene: Scene) -> float:
    """The share of the card the quote's ink covers."""
    left, top, right, bottom = element(scene, "quote").ink_box
    return (right - left) * (bottom - top) / (scene.width * scene.height)


@pytest.mark.parametrize("layout_name", LAYOUTS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_short_quote_grows_into_a_portrait_card(layout_name: str, lang: str) -> None:
    """4:5 and 3:4 feed posts are taller than a square: a short quote is set larger there
    (it kept the square's size, so the taller card only added empty paper)."""
    content = sample(lang, "short")
    square = quote_block(scene_of(layout_name, "instagram-square", content)).size
    for platform_id in ("instagram-portrait", "instagram-grid"):
        taller = quote_block(scene_of(layout_name, platform_id, content)).size
        assert taller > square, (platform_id, taller, square)


@pytest.mark.parametrize("layout_name", LAYOUTS)
def test_a_pin_gives_its_room_to_the_text(layout_name: str) -> None:
    """A pin keeps less of its height clear than a story (Pinterest's safe area: 6% at the
    top, 11% at the bottom, a story's 14% and 20%): the text's block may use at least
    three quarters of it, a logo below included. (`card` kept its story-sized sheet of
    paper on pins: two thirds, the bottom fifth of the pin empty.)"""
    scene = scene_of(layout_name, "pinterest", sample("en", "long"))
    top, bottom = element(scene, "block").box[1::2]
    safe = scene.safe_box
    assert bottom - top >= 0.74 * (safe[3] - safe[1]), (top, bottom, safe)


@pytest.mark.parametrize("layout_name", LAYOUTS)
@pytest.mark.parametrize("platform_id", ["instagram-story", "pinterest"])
def test_the_name_reads_well_on_tall_cards(layout_name: str, platform_id: str) -> None:
    """Stories and Pinterest have the room: the name is set at least 13 px on a phone,
    not left at the square's size under a quote grown five times larger (`headline` and
    `photo` set it at 11.6-12.5 px)."""
    for length in LENGTHS:
        scene = scene_of(layout_name, platform_id, sample("en", length))
        name = next(t for t in scene.texts if t.role == "attribution")
        assert name.size * PHONE_WIDTH / scene.width >= 13, (length, name.size)


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("platform_id", ["instagram-square", "linkedin", "pinterest"])
def test_rules_span_the_texts_they_divide(lang: str, platform_id: str) -> None:
    """`essay`'s hairline spans its byline (name on one side, title on the other), and
    `editorial`'s spans the kicker and title under it: a rule shorter than the text it
    heads looked unfinished (it followed the quote's or the title's ink alone)."""
    essay = scene_of("essay", platform_id, sample(lang, "short"))
    rule = element(essay, "rule").ink_box
    byline = [element(essay, name).ink_box for name in ("attribution", "source")]
    assert rule[0] <= min(b[0] for b in byline) and rule[2] >= max(b[2] for b in byline)
    editorial = scene_of("editorial", platform_id, sample(lang, "short"))
    rule = element(editorial, "hairline").ink_box
    head = [element(editorial, name).ink_box for name in ("kicker", "title")]
    assert rule[0] <= min(b[0] for b in head) and rule[2] >= max(b[2] for b in head)


HEADLINE_QUOTES = (
    "Rest is part of the work.",
    "Nobody builds a life alone. We borrow courage from the people beside us.",
    "We borrow courage from the people beside us, and we pay it back by showing up.",
    "Nobody builds a life alone. We borrow courage from the people beside us, and we "
    "pay it back by showing up for them.",
)


@pytest.mark.parametrize("platform_id", LANDSCAPE)
@pytest.mark.parametrize("quote", HEADLINE_QUOTES)
def test_a_headline_keeps_its_air_on_a_wide_card(platform_id: str, quote: str) -> None:
    """Grown to fill the width, a quote of 6 to 22 words still keeps clear of the
    publisher above it and the name below it."""
    scene = scene_of(
        "headline",
        platform_id,
        CardText(quote=quote, attribution="Maya Laurent", publisher="Happy as a Mother"),
    )
    quote_ink = element(scene, "quote").ink_box
    air = 0.07 * min(scene.width, scene.height)
    assert quote_ink[1] - element(scene, "kicker").ink_box[3] >= air
    assert element(scene, "attribution").ink_box[1] - quote_ink[3] >= air


def test_check_warns_about_long_quotes(tmp_path: Path) -> None:
    words = " ".join(f"word{i}" for i in range(45)) + "."
    (tmp_path / "quotes" / "articles").mkdir(parents=True)
    (tmp_path / "quotes" / "articles" / "a.txt").write_text(f"Intro.\n\n{words}\n")
    (tmp_path / "quotes" / "sel.yaml").write_text(
        "article: {source: articles/a.txt, title: T, author: A}\n"
        "defaults: {layout: essay, platforms: [instagram-portrait]}\n"
        f"quotes:\n  - id: long\n    text: '{words}'\n"
    )
    import os

    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        code, stdout, stderr = run_cli("check")
    finally:
        os.chdir(before)
    assert code == 0, stderr
    assert "45 words" in stdout + stderr
    assert "elision" in stdout + stderr


# --- groups -----------------------------------------------------------------------


def _gap_below_mark(scene: Scene) -> int:
    mark, quote = element(scene, "mark").ink_box, element(scene, "quote").ink_box
    return quote[1] - mark[3]


@pytest.mark.parametrize("layout_name", LAYOUTS)
@pytest.mark.parametrize("platform_id", ["instagram-square", "instagram-story", "pinterest"])
@pytest.mark.parametrize("lang", ["ar", "ja"])
def test_text_in_any_script_keeps_the_spacing_of_latin(
    layout_name: str, platform_id: str, lang: str
) -> None:
    """Arabic and Japanese sit in a group as close to their neighbours as Latin does: a
    line of small print keeps no more air above and below its ink (for its size), the
    mark keeps as near the quote. The fallback fonts' metrics (Noto Sans Arabic's line
    is 1.7 times Inter's) had put an Arabic name 40 px away from its rule and source on
    a story, and the mark 89 px above the quote where an English one is 26 px."""
    english = scene_of(layout_name, platform_id, sample("en", "short"))
    other = scene_of(layout_name, platform_id, sample(lang, "short"))
    for role in ("attribution", "source", "handle"):
        pair = [next((t for t in s.texts if t.role == role), None) for s in (english, other)]
        if pair[0] is None or pair[1] is None:
            continue
        air = [
            (t.box[3] - t.box[1] - (t.ink_box[3] - t.ink_box[1])) / t.size
            for t in pair
            if t is not None
        ]
        assert air[1] <= air[0] + 0.12, (role, air)
    if {e.id for e in other.elements} >= {"mark", "quote"}:
        mark, quote = element(other, "mark").ink_box, element(other, "quote").ink_box
        if mark[3] <= quote[1]:  # above the quote, as the English one is
            size = quote_block(other).size
            assert _gap_below_mark(other) <= _gap_below_mark(english) + 0.12 * size


def test_the_block_moves_as_one() -> None:
    """A short quote is centred with its mark, rule and byline, not left in a fixed box."""
    scene = scene_of("classic", "instagram-story", sample("en", "short"))
    inks = [e.ink_box for e in scene.elements if e.type != "group"]
    top, bottom = min(i[1] for i in inks), max(i[3] for i in inks)
    safe = scene.safe_box
    # The block's middle is the card's (not the safe area's, 6% higher on a story),
    # give or take the font's air, and the block stays inside the safe area.
    assert abs((top + bottom) / 2 - scene.height / 2) < 0.01 * scene.height
    assert safe[1] <= top and bottom <= safe[3]
    gaps = sorted(inks, key=lambda i: i[1])
    assert all(b[1] - a[3] < 0.08 * scene.width for a, b in itertools.pairwise(gaps))


@pytest.mark.parametrize("platform_id", ["instagram-story", "pinterest"])
def test_a_centred_block_keeps_inside_the_safe_area_when_it_cannot_centre(
    platform_id: str,
) -> None:
    """A long quote fills the safe area: pushed in from the side it would cross, as
    close to the card's middle as the safe area allows."""
    scene = scene_of("classic", platform_id, sample("en", "long"))
    inks = [e.ink_box for e in scene.elements if e.type != "group"]
    top, bottom = min(i[1] for i in inks), max(i[3] for i in inks)
    safe = scene.safe_box
    assert safe[1] <= top and bottom <= safe[3]
    middle = (top + bottom) / 2
    assert abs(middle - scene.height / 2) <= abs((safe[1] + safe[3]) / 2 - scene.height / 2)


def test_a_rule_follows_its_text() -> None:
    for length in ("short", "long"):
        scene = scene_of("night", "instagram-square", sample("en", length))
        rule, name = element(scene, "rule").ink_box, element(scene, "attribution").ink_box
        assert rule[2] - rule[0] == name[2] - name[0]
    scene = scene_of("minimal", "instagram-square", sample("en", "medium"))
    accent, quote = element(scene, "accent").ink_box, element(scene, "quote").ink_box
    assert (accent[1], accent[3]) == (quote[1], quote[3])  # as tall as the quote


# --- hanging punctuation and quote marks -------------------------------------------------


def test_an_opening_quote_hangs_in_the_margin() -> None:
    content = CardText(
        quote="\u201cIt\u2019s all very well,\u201d she said, \u201cbut who will do the work "
        "when everyone has gone home for the night?\u201d",
        attribution="A. Person",
    )
    scene = scene_of("minimal", "instagram-square", content)
    block = quote_block(scene)
    first, second = block.lines[0], block.lines[1]
    assert first.text.startswith("\u201c")
    # The letters of the first line start where the second line's do.
    letters = first.x + first.runs[0].x + _width_of_mark(block)
    assert abs(letters - second.x) <= 1.5
    assert block.ink_box[0] < element(scene, "quote").box[0]  # the mark is in the margin


def _width_of_mark(block: TextBlock) -> float:
    from cardgen.typography.fonts import FontMeasurer

    return FontMeasurer(block.face).width("\u201c", block.size)


def test_a_dash_opening_a_line_hangs_too() -> None:
    scene = scene_of(
        "minimal", "instagram-square", CardText(quote="Rest.", attribution="Maya Laurent")
    )
    name = next(t for t in scene.texts if t.role == "attribution")  # "— Maya Laurent"
    quote = quote_block(scene)
    assert name.lines[0].text.startswith("\u2014 ")
    assert name.lines[0].x < quote.lines[0].x  # the dash and its space hang


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\u201cWords matter.\u201d", "Words matter."),
        ('"Words matter."', "Words matter."),
        ("\u00ab Les mots comptent. \u00bb", "Les mots comptent."),
        ("\u300c言葉は大切です。\u300d", "言葉は大切です。"),
        ("\u201cA\u201d and \u201cB\u201d", "\u201cA\u201d and \u201cB\u201d"),
        ("\u201cA,\u201d she said.", "\u201cA,\u201d she said."),
        ("Plain words.", "Plain words."),
    ],
)
def test_outer_quote_marks(text: str, expected: str) -> None:
    assert strip_outer_quotes(text) == expected


def test_a_quoted_quote_is_not_quoted_twice_under_the_mark() -> None:
    content = CardText(quote="\u201cRest is part of the work.\u201d", attribution="M. L.")
    marked = quote_block(scene_of("classic", "instagram-square", content))
    assert not marked.lines[0].text.startswith("\u201c")
    assert not marked.lines[-1].text.endswith("\u201d")
    plain = quote_block(scene_of("bold", "instagram-square", content))  # no mark: kept
    assert plain.lines[0].text.startswith("\u201c")


@pytest.mark.parametrize(
    ("lang", "mark"), [("en", "\u201c"), ("fr", "\u00ab"), ("ja", "\u300c"), ("ar", "\u00bb")]
)
def test_the_mark_follows_the_language(lang: str, mark: str) -> None:
    scene = scene_of("night", "instagram-square", sample(lang, "medium"))
    drawn = next(d for d in scene.drawables if isinstance(d, TextBlock) and d.role == "quote_mark")
    assert drawn.lines[0].text == mark
    # Guessed from the text alone when the selection does not say.
    assert detect(sample(lang, "medium").quote) == lang


@pytest.mark.parametrize("layout_name", ("classic", "card"))
@pytest.mark.parametrize("platform_id", ("instagram-square", "instagram-story", "linkedin"))
def test_classic_opens_japanese_quotes_without_a_floating_bracket(
    layout_name: str, platform_id: str
) -> None:
    """A lone 「 above the text reads as a stray mark: classic (and card, its child)
    draw none for Japanese, and the quote starts the block."""
    scene = scene_of(layout_name, platform_id, sample("ja", "short"))
    assert not [d for d in scene.drawables if isinstance(d, TextBlock) and d.role == "quote_mark"]
    texts = [e for e in scene.elements if e.type == "text"]
    assert min(texts, key=lambda e: e.ink_box[1]).id == "quote"


def test_a_layout_can_choose_marks_per_language(tmp_path: Path) -> None:
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "plain.yaml").write_text(
        "extends: classic\nname: plain\nelements:\n  mark: {chars: {ja: '', fr: '\u201c'}}\n"
    )
    project = Project.open(tmp_path)
    for lang, expected in (("ja", None), ("fr", "\u201c")):
        scene = card_scene(project, sample(lang, "short"), "plain")
        marks = [d for d in scene.drawables if isinstance(d, TextBlock) and d.role == "quote_mark"]
        assert [m.lines[0].text for m in marks] == ([expected] if expected else [])


def test_japanese_gets_open_leading() -> None:
    block = quote_block(scene_of("classic", "instagram-square", sample("ja", "medium")))
    assert block.lines[1].baseline - block.lines[0].baseline >= 1.5 * block.size


@pytest.mark.parametrize(
    ("text", "least"),
    [
        ("الراحة جزء من العمل، ولا أحد يبني حياته وحده.", ARABIC_LINE_HEIGHT),
        ("ความสุขอยู่ที่ใจของเรา ภาษาไทยเป็นภาษาที่สวยงาม", THAI_LINE_HEIGHT),
        ("आराम भी काम का हिस्सा है और कोई अकेले जीवन नहीं बनाता", INDIC_LINE_HEIGHT),
    ],
)
def test_scripts_with_tall_marks_get_open_leading_even_in_a_tight_layout(
    text: str, least: float
) -> None:
    # headline writes 1.04 for its Latin type: Arabic, Thai and Hindi lines would touch.
    content = CardText(quote=text, attribution="A. Person")
    block = quote_block(scene_of("headline", "instagram-square", content))
    assert len(block.lines) > 1
    assert block.lines[1].baseline - block.lines[0].baseline >= least * block.size - 1
    latin = quote_block(scene_of("headline", "instagram-square", sample("en", "medium")))
    assert latin.lines[1].baseline - latin.lines[0].baseline < 1.1 * latin.size


@pytest.mark.parametrize(
    ("text", "least"),
    [
        ("Rest is part of the work.", 0.0),
        ("休むことも、仕事のうちです。", CJK_LINE_HEIGHT),
        ("我们今天去公园散步，天气很好。", CJK_LINE_HEIGHT),
        ("الراحة جزء من العمل.", ARABIC_LINE_HEIGHT),
        ("Le mot « الراحة » veut dire repos, et bien plus encore.", 0.0),  # mostly Latin
        ("ภาษาไทย", THAI_LINE_HEIGHT),
        ("12345 !!", 0.0),
    ],
)
def test_least_line_height_by_script(text: str, least: float) -> None:
    assert min_line_height(text) == least


# --- right to left ------------------------------------------------------------------


def _letter_height(face: FontFace, size: int, letter: str) -> int:
    from PIL import ImageFont

    box = ImageFont.truetype(str(face.path), size, index=face.index).getbbox(letter)
    return box[3] - box[1]


@pytest.mark.parametrize("layout_name", LAYOUTS)
@pytest.mark.parametrize(
    "platform_id", ["instagram-square", "linkedin", "instagram-story", "pinterest"]
)
def test_an_arabic_name_looks_no_smaller_than_the_latin_beside_it(
    layout_name: str, platform_id: str
) -> None:
    """An Arabic name is set in a sans Arabic whose letters' body (the height of د) reaches
    the x-height of the Latin small print on its card (`bold`'s handle, `headline`'s and
    `editorial`'s kicker) and, within 10%, that of a Latin name at its size. Noto Naskh
    Arabic, the fallback every sans byline but `bold`'s got, made "ليلى حداد" look smaller
    than "@happyasamother" and than "HAPPY AS A MOTHER" above `headline`'s quote."""
    content = sample("ar", "short", handle="@happyasamother")
    scene = scene_of(layout_name, platform_id, content)
    name = next(t for t in scene.texts if t.role == "attribution")
    arabic = next(f for f in name.faces if "Arabic" in f.family)
    body = _letter_height(arabic, name.size, "\u062f")  # د
    assert body >= 0.9 * _letter_height(name.face, name.size, "x"), (arabic.family, body)
    small = [t for t in scene.texts if t.role not in ("quote", "attribution")]
    latin = [t for t in small if not has_rtl(" ".join(line.text for line in t.lines))]
    for text in latin:
        x_height = _letter_height(text.face, text.size, "x")
        assert body >= x_height, (arabic.family, text.role, body, x_height)


@pytest.mark.parametrize("layout_name", LAYOUTS)
@pytest.mark.parametrize("platform_id", ["instagram-square", "linkedin", "instagram-story"])
def test_right_to_left_quotes_mirror_the_layout(layout_name: str, platform_id: str) -> None:
    english = scene_of(layout_name, platform_id, sample("en", "short"))
    arabic = scene_of(layout_name, platform_id, sample("ar", "short"))
    middle = english.width / 2
    for info in english.elements:
        if info.type in ("group", "rect") or info.id not in {e.id for e in arabic.elements}:
            continue
        mirrored = element(arabic, info.id)
        ltr_centre = (info.ink_box[0] + info.ink_box[2]) / 2
        rtl_centre = (mirrored.ink_box[0] + mirrored.ink_box[2]) / 2
        spans = any(
            i.ink_box[2] - i.ink_box[0] >= 0.9 * (i.box[2] - i.box[0]) for i in (info, mirrored)
        )
        # off-centre: must swap sides (unless either text fills its whole box, as a quote
        # beside its mark does: then its ink says nothing of the side it is on)
        if abs(ltr_centre - middle) > 0.05 * english.width and not spans:
            assert (ltr_centre < middle) != (rtl_centre < middle), (info.id, info, mirrored)
    quote = element(arabic, "quote")
    english_quote = element(english, "quote")
    if english_quote.ink_box[0] - english_quote.box[0] <= 0.02 * english.width:  # set flush left
        assert quote.box[2] - quote.ink_box[2] <= 0.02 * arabic.width  # ...so flush right


def test_mirroring_can_be_turned_off(tmp_path: Path) -> None:
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "fixed.yaml").write_text(
        "extends: classic\nname: fixed\nmirror_rtl: false\n"
    )
    scene = card_scene(Project.open(tmp_path), sample("ar", "short"), "fixed")
    assert element(scene, "mark").ink_box[0] < scene.width / 2  # the mark stays on the left


# --- the manifest -------------------------------------------------------------------


def test_the_manifest_records_every_element(tmp_path: Path) -> None:
    import os
    import shutil

    shutil.copytree(ROOT / "quotes", tmp_path / "quotes")
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        code, _, stderr = run_cli(
            "render", "--platform", "instagram-square", "--layout", "night", "--out", "out"
        )
    finally:
        os.chdir(before)
    assert code == 0, stderr
    card = json.loads((tmp_path / "out" / "manifest.json").read_text())["cards"][0]
    ids = [e["id"] for e in card["elements"]]
    assert {"block", "mark", "quote", "attribution", "rule", "source"} <= set(ids)
    for info in card["elements"]:
        assert len(info["box"]) == 4 and len(info["ink_box"]) == 4
        assert info["ink_box"][0] <= info["ink_box"][2]
    quote = next(e for e in card["elements"] if e["id"] == "quote")
    assert " ".join(quote["lines"]).replace("\u00a0", " ").split()[0]
    text = next(t for t in card["texts"] if t["role"] == "quote")
    assert text["line_texts"] == quote["lines"] and text["lines"] == len(quote["lines"])


def test_scene_records_follow_the_pixels() -> None:
    scene = scene_of("classic", "instagram-square", sample("en", "medium"))
    quote = element(scene, "quote")
    assert quote.lines == tuple(line.text for line in quote_block(scene).lines)
    block = element(scene, "block")
    inner = [e.ink_box for e in scene.elements if e.id not in ("block",)]
    assert block.ink_box == (
        min(i[0] for i in inner),
        min(i[1] for i in inner),
        max(i[2] for i in inner),
        max(i[3] for i in inner),
    )


@pytest.mark.parametrize("layout_name", MARKED)
@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
@pytest.mark.parametrize("platform_id", ["instagram-square", "linkedin"])
def test_a_marks_recorded_ink_is_what_is_drawn(
    layout_name: str, lang: str, platform_id: str
) -> None:
    """The mark's ink box is the pixels drawn in its colour, give or take antialiasing:
    Pillow's text box reaches down to the baseline, so a “ measured twice its height,
    was drawn half as tall as its box and recorded 30 px lower than it was."""
    from cardgen.drawing.raster import draw_scene

    scene = scene_of(layout_name, platform_id, sample(lang, "short"))
    mark = next(t for t in scene.drawables if isinstance(t, TextBlock) and t.role == "quote_mark")
    image = draw_scene(scene).convert("RGB")
    x0, y0, x1, y1 = mark.ink_box
    pad = 12
    around = image.crop((x0 - pad, y0 - pad, x1 + pad, y1 + pad))
    colour = mark.colour[:3]
    pixels = around.load()
    assert pixels is not None
    hits = [
        (x, y)
        for x in range(around.width)
        for y in range(around.height)
        if sum(abs(a - b) for a, b in zip(pixels[x, y], colour, strict=True)) < 60
    ]
    xs, ys = [x for x, _ in hits], [y for _, y in hits]
    drawn = (min(xs) - pad + x0, min(ys) - pad + y0, max(xs) + 1 - pad + x0, max(ys) + 1 - pad + y0)
    assert all(abs(a - b) <= 3 for a, b in zip(drawn, mark.ink_box, strict=True)), (
        drawn,
        mark.ink_box,
    )


def test_no_rule_over_a_missing_attribution() -> None:
    scene = scene_of("classic", "instagram-square", replace(sample("en", "short"), attribution=""))
    ids = {e.id for e in scene.elements}
    assert "attribution" not in ids and "rule" not in ids
    assert "source" in ids  # the title still shows


# --- nothing drawn over the text ----------------------------------------------------


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("layout_name", LAYOUTS)
def test_no_text_runs_into_a_logo_or_another_text(layout_name: str) -> None:
    """Seen on the contact sheets: a long quote on a `minimal` story ran into the logo in
    the corner. The ink of texts, marks and pictures never overlaps, on any platform."""
    checked = 0
    for platform_id in PLATFORMS:
        brand = PROJECT.brand(PROJECT.layout(layout_name, PROJECT.platform(platform_id)).brand)
        for lang, length in itertools.product(LANGUAGES, LENGTHS):
            content = sample(lang, length, handle=brand.handle or "", url=brand.website or "")
            try:
                scene = scene_of(layout_name, platform_id, content)
            except TextDoesNotFit:
                continue
            drawn = [
                e
                for e in scene.elements
                if e.type in ("text", "image", "quote_mark") and e.ink_box[0] < e.ink_box[2]
            ]
            for a, b in itertools.combinations(drawn, 2):
                assert not _overlap(a.ink_box, b.ink_box), (platform_id, lang, length, a, b)
            checked += 1
    assert checked > 80


@pytest.mark.parametrize("layout_name", LAYOUTS)
def test_a_pictures_box_keeps_clear_of_the_texts_box(layout_name: str) -> None:
    """Whatever the quote: a text (or a group holding one) may fill its whole box, so a
    picture placed beside it at the top level gets a box of its own."""
    from cardgen.design.layouts import GroupElement, ImageElement, TextElement, flatten

    Box = tuple[int, int, int, int]

    def clipped(box: Box, safe: Box) -> Box:
        return (
            max(box[0], safe[0]),
            max(box[1], safe[1]),
            min(box[2], safe[2]),
            min(box[3], safe[3]),
        )

    for platform_id in PLATFORMS:
        platform = PROJECT.platform(platform_id)
        layout = PROJECT.layout(layout_name, platform)
        size = (platform.width, platform.height)
        texts = [
            e
            for e in layout.elements
            if any(isinstance(c, TextElement) for c in flatten([e]))
            and not isinstance(e, ImageElement)
        ]
        pictures = [e for e in layout.elements if isinstance(e, ImageElement)]
        for text, picture in itertools.product(texts, pictures):
            a = clipped(text.box.pixels(*size), platform.safe_box)
            b = clipped(picture.box.pixels(*size), platform.safe_box)
            assert not _overlap(a, b), (platform_id, text.id, picture.id, a, b)
        assert all(isinstance(t, GroupElement | TextElement) for t in texts)


@pytest.mark.parametrize("layout_name", LAYOUTS)
def test_right_to_left_runs_are_never_letter_spaced(layout_name: str) -> None:
    """Seen on the contact sheets: large heavy type is tightened, and the `. ` after an
    Arabic word (a right-to-left run in the Latin face) was spaced letter by letter, so
    drawn left to right: the full stop landed on the far side of the space."""
    for platform_id in ("instagram-square", "linkedin"):
        for length in LENGTHS:
            try:
                scene = scene_of(layout_name, platform_id, sample("ar", length))
            except TextDoesNotFit:
                continue
            runs = [run for text in scene.texts for line in text.lines for run in line.runs]
            assert not [run for run in runs if run.rtl and run.spacing], (platform_id, length)
