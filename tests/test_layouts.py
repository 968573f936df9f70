"""Layout values, inheritance and overrides, without pixels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cardgen.design.layouts import (
    LayoutSource,
    merge,
    parse_colour,
    parse_length,
    resolve_layout,
    resolve_length,
)
from cardgen.design.platforms import BUILTIN
from cardgen.errors import InputError

PLATFORMS = {p.id: p for p in BUILTIN}
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("value", "axis", "expected"),
    [
        (40, "x", 40),
        ("40px", "y", 40),
        ("10%", "x", 160),
        ("10%", "y", 90),
        ("10%w", "y", 160),
        ("10%h", "x", 90),
        ("10%s", "x", 90),
    ],
)
def test_lengths_on_a_1600x900_canvas(value: str | int, axis: str, expected: float) -> None:
    assert resolve_length(value, axis, 1600, 900) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["ten", "10em", "%", True])
def test_bad_lengths(bad: object) -> None:
    with pytest.raises(ValueError, match="not a length"):
        parse_length(bad)  # type: ignore[arg-type]


def test_colours() -> None:
    assert parse_colour("#fff") == (255, 255, 255, 255)
    assert parse_colour("#11223380") == (17, 34, 51, 128)


def test_merge_patches_elements_by_id() -> None:
    base = {"elements": [{"id": "q", "box": {"x": 1, "y": 2}}, {"id": "r"}]}
    merged = merge(base, {"elements": {"q": {"box": {"y": 5}}}})
    assert merged["elements"][0]["box"] == {"x": 1, "y": 5}
    assert base["elements"][0]["box"] == {"x": 1, "y": 2}
    with pytest.raises(InputError, match="element 'zz'"):
        merge(base, {"elements": {"zz": {}}})


def test_override_may_add_an_element_with_a_type() -> None:
    base = {"elements": [{"id": "q", "type": "text"}]}
    merged = merge(base, {"elements": {"logo": {"type": "image", "src": "a.svg", "z": -1}}})
    assert merged["elements"][1] == {"id": "logo", "type": "image", "src": "a.svg", "z": -1}


def test_overrides_apply_by_aspect_class() -> None:
    source = LayoutSource.for_project(ROOT)
    square = resolve_layout(source, "classic", PLATFORMS["instagram-square"])
    story = resolve_layout(source, "classic", PLATFORMS["instagram-story"])
    landscape = resolve_layout(source, "classic", PLATFORMS["linkedin"])
    block = {
        name: _by_id(layout.elements, "block")
        for name, layout in (("square", square), ("story", story), ("landscape", landscape))
    }
    assert block["square"].direction == block["story"].direction == "column"
    assert block["landscape"].direction == "row"  # the mark beside the first line
    quote = _by_id(landscape.elements, "quote")  # patched inside the group
    assert quote.size.max == "10%s"


def _by_id(elements: list[Any], wanted: str) -> Any:
    from cardgen.design.layouts import flatten

    return next(e for e in flatten(elements) if getattr(e, "id", None) == wanted)


def test_extends_and_cycles(tmp_path: Path) -> None:
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "child.yaml").write_text(
        "extends: classic\nbackground: {color: '#000000'}\n"
    )
    (tmp_path / "layouts" / "a.yaml").write_text("extends: b\n")
    (tmp_path / "layouts" / "b.yaml").write_text("extends: a\n")
    source = LayoutSource.for_project(tmp_path)
    child = resolve_layout(source, "child", PLATFORMS["x"])
    assert child.background.color == "#000000"
    assert [e.id for e in child.elements] == ["block"]
    with pytest.raises(InputError, match="circular 'extends': a -> b -> a"):
        resolve_layout(source, "a", PLATFORMS["x"])


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
@pytest.mark.parametrize("layout", LayoutSource.for_project(ROOT).layout_names())
def test_bundled_layouts_resolve_everywhere(layout: str, platform: str) -> None:
    resolved = resolve_layout(LayoutSource.for_project(ROOT), layout, PLATFORMS[platform])
    assert resolved.elements


@pytest.mark.parametrize("layout", LayoutSource.for_project(ROOT).layout_names())
def test_bundled_layouts_keep_content_in_every_safe_area(layout: str) -> None:
    """Each bundled layout fits the example quote on every platform, inside the safe area."""
    from cardgen.batch.plan import Project
    from cardgen.design.cardtext import CardText
    from cardgen.drawing.composition import build_scene
    from cardgen.drawing.scene import ImageShape

    project = Project.open(ROOT)
    content = CardText(
        quote="Ambition doesn\u2019t mean we are selfish. It just means that we strive "
        "for excellence, and we want to be recognized for it.",
        attribution="Lara Bazelon",
        title="Overcoming Working Mom Guilt: Why Moms Should Never Be Ashamed to Be Ambitious",
        handle="@happyasamother",
    )
    for platform in PLATFORMS.values():
        resolved = project.layout(layout, platform)
        brand = project.brand(resolved.brand)
        scene = build_scene(content, resolved, brand, platform, project.font_registry())
        left, top, right, bottom = platform.safe_box
        assert {t.role for t in scene.texts} >= {"quote", "attribution"}
        boxes = [t.ink_box for t in scene.texts]
        boxes += [d.box for d in scene.drawables if isinstance(d, ImageShape)]
        for x0, y0, x1, y1 in boxes:
            assert left <= x0 and top <= y0 and x1 <= right and y1 <= bottom, platform.id
        # No two texts (or a text and a logo) print over each other.
        for index, a in enumerate(boxes):
            for b in boxes[index + 1 :]:
                apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
                assert apart, f"{layout} on {platform.id}: {a} overlaps {b}"
