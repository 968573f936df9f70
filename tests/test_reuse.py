"""What one card lays out or fits for the next: the parts every card of a (layout, brand,
platform) shares, and pictures fitted to their box. Reused or not, the result is the same."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from cardgen.batch.plan import Project
from cardgen.design import images
from cardgen.design.cardtext import CardText
from cardgen.design.layouts import Brand
from cardgen.design.platforms import BUILTIN
from cardgen.drawing import scene
from cardgen.drawing.composition import build_scene
from cardgen.drawing.raster import draw_scene
from cardgen.drawing.scene import ImageShape, LineShape, RectShape, Scene, SceneMemo, SolidFill
from cardgen.errors import InputError

ROOT = Path(__file__).resolve().parent.parent
QUOTES = (
    "Ambition doesn\u2019t mean we are selfish.",
    "It just means that we strive for excellence in the work we love.",
)


@pytest.fixture(scope="module")
def project() -> Project:
    return Project.open(ROOT)


# A layout of fixed boxes (no group): its mark, rule, attribution and source are the
# same on every card of a platform, so they are laid out once. (In a group, where they
# sit depends on the quote, so they are laid out with it.)
FLAT = """
name: flat
brand: happy-as-a-mother
elements:
  - {type: quote_mark, id: mark, box: {x: 9%, y: 7%, w: 14%, h: 10%}}
  - {type: text, id: quote, role: quote, text: "{quote}", box: {x: 9%, y: 20%, w: 82%, h: 52%}}
  - {type: line, id: rule, box: {x: 9%, y: 76%, w: 9%, h: 0}}
  - type: text
    id: attribution
    role: attribution
    text: "{attribution}"
    box: {x: 9%, y: 78.5%, w: 82%, h: 5.5%}
    size: {min: 2.6%w, max: 3.3%w}
  - type: text
    id: source
    role: source
    text: "{title}"
    box: {x: 9%, y: 84.5%, w: 82%, h: 8%}
    size: {min: 2.6%w, max: 2.7%w}
"""


@pytest.fixture(scope="module")
def flat(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("flat")
    (root / "layouts").mkdir()
    (root / "layouts" / "flat.yaml").write_text(FLAT)
    return Project.open(root)


def card(
    project: Project,
    quote: str,
    layout_name: str = "classic",
    platform_id: str = "instagram-square",
    attribution: str = "Lara Bazelon",
    brand: Brand | None = None,
    memo: SceneMemo | None = None,
) -> Scene:
    platform = project.platform(platform_id)
    layout = project.layout(layout_name, platform)
    kit = brand or project.brand(layout.brand)
    content = CardText(
        quote=quote,
        attribution=attribution,
        title="Overcoming Working Mom Guilt",
        handle=kit.handle or "",
        url=kit.website or "",
    )
    memo = memo or project.scene_memo()
    return build_scene(content, layout, kit, platform, project.font_registry(), memo=memo)


def by_role(built: Scene) -> dict[str, scene.TextBlock]:
    return {d.role: d for d in built.drawables if isinstance(d, scene.TextBlock)}


@pytest.mark.parametrize(
    "layout_name",
    ["bold", "card", "classic", "minimal", "photo", "headline", "editorial", "night", "essay"],
)
def test_reused_parts_give_the_scene_a_fresh_start_gives(
    project: Project, layout_name: str
) -> None:
    for platform in BUILTIN:
        card(project, QUOTES[0], layout_name, platform.id)  # fills the table
        reused = card(project, QUOTES[1], layout_name, platform.id)
        fresh = card(project, QUOTES[1], layout_name, platform.id, memo=SceneMemo())
        assert reused == fresh, (layout_name, platform.id)


def test_the_quote_is_laid_out_for_each_card_the_rest_once(flat: Project) -> None:
    first = by_role(card(flat, QUOTES[0], "flat"))
    second = by_role(card(flat, QUOTES[1], "flat"))
    assert set(first) == {"quote_mark", "quote", "attribution", "source"}
    assert first["quote"] != second["quote"]
    for role in ("quote_mark", "attribution", "source"):
        assert second[role] is first[role]
    # The same card built again (a preview redrawn) finds its fitted quote.
    again = by_role(card(flat, QUOTES[1], "flat"))
    assert again["quote"] is second["quote"]
    assert by_role(card(flat, QUOTES[0], "flat"))["quote"] is first["quote"]


def test_a_quote_is_remembered_only_with_its_text_and_room(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fitted quote is looked up by its text and the room it got: another quote, or the
    same one on another platform, is fitted anew; and only the last few are kept."""
    from cardgen.drawing import composition

    fitted: list[str] = []
    set_text = composition.set_text

    def counting(element: object, prepared: scene.PreparedText, *args: object) -> object:
        fitted.append(prepared.text)
        return set_text(element, prepared, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(composition, "set_text", counting)
    monkeypatch.setattr(scene, "REUSE_QUOTES", 2)
    memo = SceneMemo()

    def quotes_fitted(quote: str, platform_id: str = "instagram-square") -> int:
        """How many times building the card fitted its quote (the same card either way)."""
        fitted.clear()
        built = by_role(card(project, quote, platform_id=platform_id, memo=memo))["quote"]
        count = fitted.count(quote)
        fresh = card(project, quote, platform_id=platform_id, memo=SceneMemo())
        assert built == by_role(fresh)["quote"]
        return count

    assert quotes_fitted(QUOTES[0]) == 1
    assert quotes_fitted(QUOTES[0]) == 0
    assert quotes_fitted(QUOTES[0], "instagram-story") == 1
    assert quotes_fitted(QUOTES[1]) == 1
    assert quotes_fitted("A third quote, to push the first one out.") == 1
    assert all(len(group.quotes) <= 2 for group in memo.groups.values())
    assert quotes_fitted(QUOTES[0]) == 1


def test_a_quote_in_another_language_is_fitted_anew(
    flat: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The card's language (the article's, when its selection says) is part of a fitted
    quote's key: the same words in a fixed box, another language, are fitted again."""
    from cardgen.drawing import composition

    fitted: list[str] = []
    set_text = composition.set_text

    def counting(element: object, prepared: scene.PreparedText, *args: object) -> object:
        fitted.append(prepared.text)
        return set_text(element, prepared, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(composition, "set_text", counting)
    platform = flat.platform("instagram-square")
    layout = flat.layout("flat", platform)
    kit, registry, memo = flat.brand(layout.brand), flat.font_registry(), SceneMemo()
    for lang, fits in (("en", 1), ("en", 0), ("fr", 1), ("fr", 0)):
        fitted.clear()
        content = CardText(quote=QUOTES[1], attribution="Lara Bazelon", lang=lang)
        build_scene(content, layout, kit, platform, registry, memo=memo)
        assert fitted.count(QUOTES[1]) == fits, lang


def test_another_attribution_is_laid_out_again(project: Project) -> None:
    card(project, QUOTES[0], attribution="Lara Bazelon")
    other = by_role(card(project, QUOTES[1], attribution="Someone Else Entirely"))
    assert [line.text for line in other["attribution"].lines] == ["Someone Else Entirely"]


def test_a_reused_part_keeps_its_contrast_warning(project: Project) -> None:
    kit = project.brand("happy-as-a-mother")
    pale = Brand.model_validate({**kit.model_dump(), "colors": {**kit.colors, "text": "#8a7d72"}})
    for quote in QUOTES:
        assert card(project, quote).warnings == ()
        warnings = card(project, quote, brand=pale).warnings
        assert len(warnings) == 1 and "attribution text" in warnings[0]


def test_a_layout_error_is_raised_on_every_card(flat: Project) -> None:
    """Only what was laid out is remembered: a text box outside the safe area fails each time."""
    from cardgen.design.layouts import Box
    from cardgen.errors import InputError

    project = flat
    platform = project.platform("instagram-story")
    layout = project.layout("flat", platform)
    moved = [
        e.model_copy(update={"box": Box(x=0, y=0, w="100%", h="5%")})
        if getattr(e, "role", "") == "quote"
        else e
        for e in layout.elements
    ]
    broken = layout.model_copy(update={"elements": moved})
    kit = project.brand(layout.brand)
    for quote in QUOTES:
        with pytest.raises(InputError, match="has no room inside the safe area"):
            build_scene(CardText(quote=quote), broken, kit, platform, project.font_registry())


def test_a_project_opened_again_lays_its_parts_out_anew(flat: Project) -> None:
    """What a project remembers goes with it: `preview --watch` opens the project again
    after fonts change, and its cards are laid out with the fonts on disk then."""
    before = by_role(card(flat, QUOTES[0], "flat"))
    assert by_role(card(flat, QUOTES[1], "flat"))["attribution"] is before["attribution"]
    again = Project.open(flat.root)
    assert again.font_registry() is not flat.font_registry()
    after = by_role(card(again, QUOTES[1], "flat"))
    assert after["attribution"] is not before["attribution"]
    assert after["attribution"] == before["attribution"]


def test_the_table_stays_bounded(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scene, "REUSE_PARTS", 4)
    memo = SceneMemo()
    for i in range(12):
        built = card(project, QUOTES[0], attribution=f"Author {i}", memo=memo)
        assert by_role(built)["attribution"].lines[0].text == f"Author {i}"
    (group,) = memo.groups.values()
    assert len(group.parts) <= 4


def test_a_chain_still_finds_missing_characters_after_remembering_drawable_ones(
    project: Project,
) -> None:
    from cardgen.typography.fonts import chain_for

    registry = project.font_registry()
    chain = chain_for(registry, registry.find("EB Garamond"), serif=True)
    assert chain.missing("Plain words.") == []
    for _ in range(2):
        assert chain.missing("Plain \ue000 words \u0378 \ue000.") == ["\ue000", "\u0378"]
        assert chain.missing("words \ue000") == ["\ue000"]
    assert chain.missing("Plain words.") == []


# --- pictures ---------------------------------------------------------------------


def write_picture(path: Path, colour: tuple[int, int, int], mtime_ns: int) -> None:
    Image.new("RGB", (40, 20), colour).save(path)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_a_picture_is_fitted_once_and_shared(tmp_path: Path) -> None:
    path = tmp_path / "logo.png"
    write_picture(path, (200, 10, 10), 1_000_000_000)
    first = images.picture_for_box(path, (30, 30), "contain", (0.5, 0.5), 4, 0.5)
    again = images.picture_for_box(path, (30, 30), "contain", (0.5, 0.5), 4, 0.5)
    assert again is first
    made = images.rounded(images.image_for_box(path, (30, 30), "contain", (0.5, 0.5)), 4, 0.5)
    assert first.tobytes() == made.tobytes() and first.mode == made.mode == "RGBA"
    other = images.picture_for_box(path, (30, 30), "contain", (0.5, 0.5), 0, 1.0)
    assert other is not first and other.getpixel((0, 0)) == (200, 10, 10, 255)


def test_a_picture_replaced_on_disk_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "logo.png"
    write_picture(path, (200, 10, 10), 1_000_000_000)
    assert images.picture_for_box(path, (40, 20), "cover", (0.5, 0.5)).getpixel((5, 5)) == (
        200,
        10,
        10,
        255,
    )
    write_picture(path, (10, 10, 200), 2_000_000_000)
    assert images.picture_for_box(path, (40, 20), "cover", (0.5, 0.5)).getpixel((5, 5)) == (
        10,
        10,
        200,
        255,
    )


def test_pictures_kept_stay_within_the_budget(tmp_path: Path) -> None:
    cache = images.PictureCache(budget=2000, largest=900)
    path = tmp_path / "logo.png"
    write_picture(path, (200, 10, 10), 1_000_000_000)

    def picture(side: int) -> Image.Image:
        return images.picture_for_box(path, (side, side), "cover", (0.5, 0.5), cache=cache)

    large = picture(40)  # 1600 pixels
    assert picture(40) is not large
    for side in range(20, 30):  # 400 to 841 pixels each
        picture(side)
        assert cache.pixels <= 2000
        assert cache.pixels == sum(p.width * p.height for p in cache.kept.values())
    newest = picture(29)
    assert picture(29) is newest


def test_a_logo_card_draws_the_same_with_its_picture_kept(project: Project) -> None:
    built = card(project, QUOTES[0], "minimal", "linkedin")
    first = draw_scene(built)
    again = draw_scene(built)
    images.PICTURES.clear()
    fresh = draw_scene(built)
    assert first.tobytes() == again.tobytes() == fresh.tobytes()


def test_a_logo_is_reused_only_while_its_file_is_unchanged(
    project: Project, tmp_path: Path
) -> None:
    from cardgen.errors import InputError

    kit = project.brand("happy-as-a-mother")
    assert kit.logo is not None
    logo = tmp_path / "logo.svg"
    logo.write_bytes(Path(kit.logo).read_bytes())
    os.utime(logo, ns=(1_000_000_000, 1_000_000_000))
    branded = Brand.model_validate({**kit.model_dump(), "logo": str(logo)})

    def shape() -> scene.ImageShape:
        built = card(project, QUOTES[0], "minimal", "linkedin", brand=branded)
        (found,) = (d for d in built.drawables if isinstance(d, scene.ImageShape))
        return found

    first = shape()
    assert first.path == str(logo) and shape() is first
    logo.unlink()
    with pytest.raises(InputError, match="image not found"):
        shape()
    logo.write_text("<svg this is not")
    with pytest.raises(InputError):
        shape()
    logo.write_bytes(Path(kit.logo).read_bytes())
    assert shape() == first


# --- gradients --------------------------------------------------------------------


@pytest.mark.parametrize(
    "fill",
    [
        scene.GradientFill("linear", 160.0, ((62, 44, 65, 255), (42, 30, 44, 255))),
        scene.GradientFill("linear", 35.0, ((255, 0, 0, 255), (0, 255, 0, 255), (0, 0, 255, 255))),
        scene.GradientFill("radial", 0.0, ((250, 240, 230, 255), (20, 10, 0, 255))),
    ],
)
def test_a_gradient_background_is_its_ramp_through_each_channels_table(
    fill: scene.GradientFill,
) -> None:
    """The ramp's shape is kept per size; colouring it through one palette gives the
    pixels a lookup table per channel gives."""
    from cardgen.drawing import raster

    for size in ((1200, 630), (300, 500), (3, 2)):
        ramp = raster.gradient_ramp(*size, fill)
        tables = [raster.channel_table(tuple(stop[c] for stop in fill.stops)) for c in range(3)]
        expected = Image.merge("RGB", [ramp.point(table) for table in tables])
        for _ in range(2):  # the second time from the kept ramp
            assert raster.background_image(*size, fill).tobytes() == expected.tobytes()


def test_a_picture_path_reads_the_same_however_it_is_spelled(tmp_path: Path) -> None:
    """The file check is a plain `os.stat`; a spelling only `Path` accepts (a trailing `/`
    or `/.` on a file) still finds the file, and a missing file is still the same error."""
    path = tmp_path / "logo.png"
    write_picture(path, (200, 10, 10), 1_000_000_000)
    version = images.file_version(path)
    assert images.file_version(str(path)) == version
    assert images.file_version(f"{path}/") == version
    assert images.file_version(f"{path}/.") == version
    assert images.picture_for_box(f"{path}/", (40, 20), "cover", (0.5, 0.5)).getpixel((5, 5)) == (
        200,
        10,
        10,
        255,
    )
    with pytest.raises(InputError, match="image not found"):
        images.file_version(str(tmp_path / "gone.png"))
    with pytest.raises(InputError, match="image not found"):
        images.picture_for_box(tmp_path / "gone.png", (40, 20), "cover", (0.5, 0.5))


@pytest.mark.parametrize(
    ("template", "content", "empty"),
    [
        ("{handle}", CardText(quote="q"), True),
        ("{handle}", CardText(quote="q", handle="@h"), False),
        ("{title} / {url}", CardText(quote="q", url="u"), False),
        ("{title} / {url}", CardText(quote="q"), True),
        ("plain words", CardText(quote="q"), False),  # names no field: always shown
    ],
)
def test_a_template_is_empty_when_every_field_it_names_is(
    template: str, content: CardText, empty: bool
) -> None:
    assert content.is_empty(template) is empty
    assert content.is_empty(template) is empty  # its field names remembered: same answer


def test_shapes_drawn_after_pasted_layers_land_on_the_card(project: Project) -> None:
    """Opaque paints share one drawing context: it must still draw on the card after a
    translucent layer and a picture were pasted into it."""
    made = card(project, QUOTES[0], "minimal", "linkedin")
    logo = next(d for d in made.drawables if isinstance(d, ImageShape))
    veil = RectShape((0, 0, 40, 40), (255, 0, 0, 128))
    over_logo = RectShape(logo.box, (0, 200, 0, 255))
    line = LineShape((50, 5), (50, 30), (0, 0, 255, 255), 3)
    drawables = (*made.drawables, veil, logo, over_logo, line)
    image = draw_scene(replace(made, drawables=drawables))
    background = made.background
    assert isinstance(background, SolidFill)
    blended = [
        (v * 128 + c * 127) / 255 for v, c in zip((255, 0, 0), background.colour, strict=False)
    ]
    assert all(abs(a - b) <= 1 for a, b in zip(image.getpixel((5, 5)), blended, strict=True))
    assert image.getpixel(((logo.box[0] + logo.box[2]) // 2, (logo.box[1] + logo.box[3]) // 2)) == (
        0,
        200,
        0,
    )
    assert image.getpixel((50, 20)) == (0, 0, 255)
