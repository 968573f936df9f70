"""The decorative quote mark follows the quote: its size a share of the quote's fitted
size (a short quote grown big gets a big mark, a long one shrunk a small one), beside or
above the first line, in every bundled layout that draws one, left to right and mirrored."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from cardgen.batch.plan import Project
from cardgen.design.cardtext import CardText
from cardgen.design.layouts import Element, GroupElement, QuoteMarkElement, flatten
from cardgen.drawing.composition import build_scene
from cardgen.drawing.scene import Scene, TextBlock
from cardgen.errors import TextDoesNotFit
from cardgen.review.samples import LENGTHS, sample
from tests.helpers import card_scene

ROOT = Path(__file__).resolve().parent.parent
PROJECT = Project.open(ROOT)
PLATFORMS = ("instagram-square", "instagram-portrait", "instagram-story", "pinterest", "x")
MARKED = tuple(
    name
    for name in PROJECT.layouts.layout_names()
    if any(
        isinstance(e, QuoteMarkElement)
        for e in flatten(PROJECT.layout(name, PROJECT.platform("x")).elements)
    )
)


def scene_or_none(layout: str, platform: str, content: CardText) -> Scene | None:
    """The card, or None where the quote is refused at the legibility floor."""
    try:
        return card_scene(PROJECT, content, layout, platform)
    except TextDoesNotFit as error:
        assert "elision" in str(error.hint)
        return None


def mark_and_quote(scene: Scene) -> tuple[TextBlock, TextBlock] | None:
    blocks = [d for d in scene.drawables if isinstance(d, TextBlock)]
    marks = [b for b in blocks if b.role == "quote_mark"]
    quote = next(b for b in blocks if b.role == "quote")
    return (marks[0], quote) if marks else None


def scale_of(layout: str, platform: str) -> float:
    resolved = PROJECT.layout(layout, PROJECT.platform(platform))
    mark = next(e for e in flatten(resolved.elements) if isinstance(e, QuoteMarkElement))
    assert mark.scale is not None, f"{layout} on {platform}: its mark does not follow the quote"
    return mark.scale


def test_every_bundled_mark_follows_its_quote() -> None:
    assert set(MARKED) >= {"classic", "card", "night"}
    for layout, platform in itertools.product(MARKED, [*PLATFORMS, "linkedin"]):
        scale_of(layout, platform)


@pytest.mark.parametrize("layout", MARKED)
@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_marks_size_is_a_bounded_share_of_the_quotes(layout: str, platform: str) -> None:
    """Short, medium and long quotes in four languages: the mark's size over
    the quote's stays within bounds (it was 2.1 times a short quote's and 6.3 times a
    long one's on a square card, the mark the same size whatever the quote's)."""
    scale = scale_of(layout, platform)
    shares = []
    for lang, length in itertools.product(("en", "fr", "ja", "ar"), LENGTHS):
        scene = scene_or_none(layout, platform, sample(lang, length))
        pair = scene and mark_and_quote(scene)
        if not pair:
            continue
        mark, quote = pair
        shares.append(mark.size / quote.size)
        # Never more than its scale; less only where its box stops it (a big short quote).
        assert mark.size <= round(scale * quote.size), (lang, length, mark.size, quote.size)
    assert len(shares) >= 6
    # A tall 「, or the mark of a big short quote, stops at its box: still over 0.45 of scale.
    assert min(shares) >= 0.45 * scale, shares
    assert max(shares) / min(shares) <= 2.2, shares


def _fixed_marks(elements: list[Element]) -> list[Element]:
    """The elements with every mark's `scale` taken away (it fills its box, as before)."""
    fixed: list[Element] = []
    for element in elements:
        if isinstance(element, QuoteMarkElement):
            element = element.model_copy(update={"scale": None})
        elif isinstance(element, GroupElement):
            element = element.model_copy(update={"children": _fixed_marks(element.children)})
        fixed.append(element)
    return fixed


def test_the_bound_fails_a_mark_of_fixed_size() -> None:
    """The negative control: classic's marks without `scale` (one size whatever the
    quote's) break the bound the test above holds every bundled layout to."""
    platform = PROJECT.platform("instagram-square")
    layout = PROJECT.layout("classic", platform)
    layout = layout.model_copy(update={"elements": _fixed_marks(layout.elements)})
    brand, registry = PROJECT.brand(layout.brand), PROJECT.font_registry()
    shares = []
    for lang, length in itertools.product(("en", "fr", "ar"), LENGTHS):
        scene = build_scene(sample(lang, length), layout, brand, platform, registry)
        mark, quote = mark_and_quote(scene) or pytest.fail("no mark")
        shares.append(mark.size / quote.size)
    assert max(shares) / min(shares) > 2.2, shares


@pytest.mark.parametrize("layout", MARKED)
@pytest.mark.parametrize("platform", [*PLATFORMS, "linkedin"])
@pytest.mark.parametrize("lang", ["en", "fr", "ja", "ar"])
def test_the_mark_keeps_beside_or_above_the_first_line(
    layout: str, platform: str, lang: str
) -> None:
    """Whatever the quote's length, the mark (“, «, 「 or a mirrored ») sits just above
    the first line at its starting edge, or just beside it level with its top (on the
    right in Arabic)."""
    for length in LENGTHS:
        scene = scene_or_none(layout, platform, sample(lang, length))
        pair = scene and mark_and_quote(scene)
        if not scene or not pair:
            continue
        mark, quote = (b.ink_box for b in pair)
        size = pair[1].size
        short_side = min(scene.width, scene.height)
        rtl = lang == "ar"
        if mark[3] <= quote[1]:  # above the first line
            assert quote[1] - mark[3] <= 0.06 * short_side + 0.5 * size, (length, mark, quote)
            edge = abs(mark[2] - quote[2]) if rtl else abs(mark[0] - quote[0])
            assert edge <= 0.03 * scene.width, (length, mark, quote)
        else:  # beside it, on its starting side, level with its top
            gap = mark[0] - quote[2] if rtl else quote[0] - mark[2]
            assert 0 <= gap <= 0.06 * scene.width, (length, mark, quote)
            assert abs(mark[1] - quote[1]) <= 0.03 * short_side, (length, mark, quote)


def test_classic_opens_japanese_quotes_without_a_mark() -> None:
    scene = card_scene(PROJECT, sample("ja", "medium"), "classic", "instagram-square")
    assert mark_and_quote(scene) is None
    assert "mark" not in {e.id for e in scene.elements}


def test_a_mark_without_scale_fills_its_box_and_one_with_it_follows_the_quote(
    tmp_path: Path,
) -> None:
    """A top-level mark in its own box: without `scale` as large as the box (as before),
    with it its scale of the quote's size; both at the box's top-left corner."""
    layout = """\
name: t
brand: happy-as-a-mother
elements:
  - type: quote_mark
    id: mark
    box: {x: 10%, y: 5%, w: 30%, h: 30%}
  - type: text
    id: quote
    role: quote
    text: "{quote}"
    box: {x: 10%, y: 40%, w: 80%, h: 50%}
    size: {min: 20px, max: 90px}
"""
    project_dir = tmp_path / "p"
    shutil.copytree(ROOT / "layouts" / "brands", project_dir / "layouts" / "brands")
    (project_dir / "layouts" / "t.yaml").write_text(layout)
    scaled = layout.replace("h: 30%}\n", "h: 30%}\n    scale: 2\n", 1)
    (project_dir / "layouts" / "s.yaml").write_text(scaled)
    project = Project.open(project_dir)
    sizes = {}
    for name, words in itertools.product(("t", "s"), (3, 60)):
        content = CardText(quote=" ".join(["Rest"] * words) + ".", attribution="A")
        scene = card_scene(project, content, name, "instagram-square")
        mark, quote = mark_and_quote(scene) or pytest.fail("no mark")
        assert mark.ink_box[:2] == (108, 54)  # the box's top-left corner
        sizes[name, words] = (mark.size, quote.size)
    assert sizes["t", 3][0] == sizes["t", 60][0]  # the box decides
    assert sizes["t", 3][1] > sizes["t", 60][1]
    for words in (3, 60):
        mark_size, quote_size = sizes["s", words]
        assert mark_size == 2 * quote_size
