"""Layouts and brand kits: the YAML designers write, validated and resolved.

A layout adapts to every platform: lengths are relative (percent of the
canvas width, height or shorter side), `overrides:` by aspect class or
platform id are merged over the base, and `extends:` inherits another layout.
Colours and fonts may name brand values (`brand.accent`, `brand.fonts.serif`).
"""

from __future__ import annotations

import copy
import functools
import math
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    model_validator,
)

from cardgen.design.cardtext import TEMPLATE_FIELDS
from cardgen.design.platforms import Platform
from cardgen.errors import InputError, clipped, did_you_mean
from cardgen.fields import Hashtag, OneLine, Website
from cardgen.inputs import IMAGE_SUFFIXES, bundled_dir, file_kind
from cardgen.limits import MAX_FONT_PX, MAX_LENGTH_PERCENT, MAX_LENGTH_PX
from cardgen.plaindata import JsonObject, YamlMapping, YamlValue
from cardgen.templates import template_fields
from cardgen.yamlio import YamlDocument, display_path, dotted, read_yaml, validate

_LENGTH = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(px|%|%w|%h|%s)?\s*$")
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_NAMED = {
    "white": "#ffffff",
    "black": "#000000",
    "transparent": "#00000000",
}


# --- values -----------------------------------------------------------------

Axis = Literal["x", "y", "s"]


def parse_length(value: str | float | int) -> tuple[float, str]:
    """`"12%"` -> (12, "%"), `"4%s"` -> (4, "%s"), `40` -> (40, "px")."""
    if isinstance(value, bool):
        msg = f"{value!r} is not a length"
        raise ValueError(msg)
    if isinstance(value, int | float):
        number, unit = float(value), "px"
    else:
        match = _LENGTH.match(value)
        if not match:
            msg = (
                f"{clipped(value)} is not a length (use 40, '40px', '10%', '10%w', '10%h' or '5%s')"
            )
            raise ValueError(msg)
        number, unit = float(match.group(1)), match.group(2) or "px"
    bound = MAX_LENGTH_PX if unit == "px" else MAX_LENGTH_PERCENT
    if not abs(number) <= bound:  # also refuses nan and inf ("1e999", or 400 digits)
        msg = f"{clipped(value)} is out of range: lengths are within ±{bound:,}{unit}"
        raise ValueError(msg)
    return number, unit


# Every card resolves its layout's lengths again: the same few values on the same sizes.
# (`typed`: True is not the length 1; it is refused, never remembered.)
@functools.lru_cache(maxsize=4096, typed=True)
def resolve_length(value: str | float | int, axis: Axis, width: int, height: int) -> float:
    """A length in pixels on a canvas; bare `%` is of the axis' own side."""
    number, unit = parse_length(value)
    if unit == "px":
        return number
    if unit == "%w" or (unit == "%" and axis == "x"):
        return width * number / 100
    if unit == "%h" or (unit == "%" and axis == "y"):
        return height * number / 100
    return min(width, height) * number / 100


def _finite(value: object) -> object:
    """Before a length is read as text or a number: `.nan` and `.inf` are YAML floats."""
    if isinstance(value, float) and not math.isfinite(value):
        msg = f"{value!r} is not a length: numbers must be finite"
        raise ValueError(msg)
    return value


def _check_length(value: str | float | int) -> str | float | int:
    parse_length(value)
    return value


def _check_focal(value: tuple[float, float]) -> tuple[float, float]:
    if not all(0.0 <= v <= 1.0 for v in value):
        msg = f"{list(value)!r} is not a focal point (use [x, y] with 0..1, e.g. [0.5, 0.3])"
        raise ValueError(msg)
    return value


def _check_colour(value: str) -> str:
    if not isinstance(value, str):
        msg = f"{value!r} is not a colour"
        raise ValueError(msg)
    if value.startswith("brand."):
        return value
    if value.lower() in _NAMED or _HEX.match(value):
        return value
    msg = f"{value!r} is not a colour (use '#rrggbb', '#rrggbbaa' or 'brand.NAME')"
    raise ValueError(msg)


@functools.lru_cache(maxsize=1024)
def parse_colour(value: str) -> tuple[int, int, int, int]:
    """'#rgb', '#rrggbb', '#rrggbbaa' or a named colour -> RGBA."""
    value = _NAMED.get(value.lower(), value)
    digits = value[1:]
    if len(digits) in (3, 4):
        digits = "".join(c * 2 for c in digits)
    if len(digits) == 6:
        digits += "ff"
    r, g, b, a = (int(digits[i : i + 2], 16) for i in range(0, 8, 2))
    return r, g, b, a


def _check_extent(value: str | float | int) -> str | float | int:
    """A width, height or thickness: a length that is not negative."""
    number, _ = parse_length(value)
    if number < 0:
        msg = f"{clipped(value)} is negative; sizes must be zero or more"
        raise ValueError(msg)
    return value


def _check_size(value: str | float | int) -> str | float | int:
    """A font size: a length greater than zero."""
    number, unit = parse_length(value)
    if number <= 0:
        msg = f"{clipped(value)}: a font size must be greater than zero"
        raise ValueError(msg)
    if unit == "px" and number > MAX_FONT_PX:
        msg = f"{clipped(value)}: a font size may be at most {MAX_FONT_PX:,} pixels"
        raise ValueError(msg)
    if unit != "px" and number > 100:
        msg = f"{clipped(value)}: a font size may be at most 100{unit} (the whole side)"
        raise ValueError(msg)
    return value


Length = Annotated[str | float | int, BeforeValidator(_finite), AfterValidator(_check_length)]
Layer = Annotated[int, Field(ge=-1000, le=1000)]  # `z`: the order elements are drawn in
Extent = Annotated[str | float | int, BeforeValidator(_finite), AfterValidator(_check_extent)]
FontSize = Annotated[str | float | int, BeforeValidator(_finite), AfterValidator(_check_size)]
Colour = Annotated[str, AfterValidator(_check_colour)]


class _Strict(BaseModel):
    # allow_inf_nan: `.nan` and `.inf` are YAML floats; no number in a layout may be one.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Box(_Strict):
    """A rectangle: x, y from the canvas' top-left, then width and height."""

    x: Length
    y: Length
    w: Extent
    h: Extent

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        left = resolve_length(self.x, "x", width, height)
        top = resolve_length(self.y, "y", width, height)
        right = left + resolve_length(self.w, "x", width, height)
        bottom = top + resolve_length(self.h, "y", width, height)
        return round(left), round(top), round(right), round(bottom)


class FontSpec(_Strict):
    family: str = "brand.fonts.serif"
    weight: Literal["regular", "medium", "semibold", "bold", "extrabold"] = "regular"
    style: Literal["normal", "italic"] = "normal"
    # Families tried, in order, for characters the family lacks (before cardgen's defaults).
    fallback: list[str] = Field(default_factory=list)


def _check_share(value: float) -> float:
    if not 0 < value <= 1:
        msg = f"{value:g} is not a share of the box: a number over 0 and at most 1 (0.7 for 70%)"
        raise ValueError(msg)
    return value


class SizeRange(_Strict):
    """Font size bounds; the engine picks the largest size in range that fits."""

    min: FontSize = "2.5%s"
    max: FontSize = "8%s"
    # At most this many lines (the mkdocs-style "lines" form); the size still comes from the search.
    lines: int | None = Field(default=None, ge=1, le=50)
    # Short quotes may grow past `max` up to this size (reached at `GROW_WORDS` words or
    # fewer, tapering to `max` at `GROW_UNTIL_WORDS`): big type for a few words. A grow
    # at or under `max` changes nothing.
    grow: FontSize | None = None
    # Instead of by word count, a quote grows past `max` (up to `grow`) while its lines take
    # at most this share of its box's height: whatever its length, it fills the width
    # and keeps air around it (0.7: at most 70%).
    fill: Annotated[float, AfterValidator(_check_share)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> SizeRange:
        low, high = parse_length(self.min), parse_length(self.max)
        if low[1] == high[1] and low[0] > high[0]:
            msg = f"min {self.min!r} is larger than max {self.max!r}"
            raise ValueError(msg)
        if self.fill is not None and self.grow is None:
            msg = f"fill {self.fill:g} needs grow: the largest size the quote may fill its box to"
            raise ValueError(msg)
        return self


class Shadow(_Strict):
    """A soft drop shadow under an element: offset, blur radius and colour."""

    color: Colour = "#00000059"
    dx: Length = "0.3%s"
    dy: Length = "0.6%s"
    blur: Length = "1.2%s"


Focal = Annotated[tuple[float, float], AfterValidator(_check_focal)]


def _check_template(value: str) -> str:
    """`{quote} — {title}`: only known names, no format specs, balanced braces."""
    # The names CardText fills (a test keeps both equal).
    template_fields(value, TEMPLATE_FIELDS, "text template")
    return value


def _check_mark_chars(value: dict[str, str]) -> dict[str, str]:
    from cardgen.source.language import check_code

    for code, char in value.items():
        check_code(code)
        if len(char) > 2:
            msg = f"{code}: {char!r} is not a quote mark (one or two characters, or '' for none)"
            raise ValueError(msg)
    return value


class TextElement(_Strict):
    type: Literal["text"]
    id: str | None = None
    z: Layer = 0
    shadow: Shadow | None = None
    role: str = "text"
    text: Annotated[str, AfterValidator(_check_template)]
    box: Box
    font: FontSpec = FontSpec()
    size: SizeRange = SizeRange()
    line_height: float = Field(default=1.2, ge=0.8, le=3.0)
    color: Colour = "brand.text"
    align: Literal["left", "center", "right"] = "left"
    valign: Literal["top", "middle", "bottom"] = "middle"
    uppercase: bool = False
    hide_if_empty: bool = True
    emphasis_color: Colour = "brand.accent"  # for `*words*` in the text
    wrap: Literal["balance", "pretty"] = "balance"  # even lines, or full lines but the last


def _check_mark_scale(value: float) -> float:
    if not MARK_SCALES[0] <= value <= MARK_SCALES[1]:
        low, high = MARK_SCALES
        msg = (
            f"{value:g} is not a mark scale: the mark's font size as a multiple of the "
            f"quote's, from {low:g} to {high:g} (2.5: two and a half times the quote's size)"
        )
        raise ValueError(msg)
    return value


def _number_only(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{value!r} is not a number (write 2.5 for two and a half times the quote's size)"
        raise ValueError(msg)
    return value


# `quote_mark.scale`: the least and the most a mark may be, as a multiple of the quote's size.
MARK_SCALES = (0.5, 6.0)
MarkScale = Annotated[float, BeforeValidator(_number_only), AfterValidator(_check_mark_scale)]


class QuoteMarkElement(_Strict):
    """A large decorative opening quote mark."""

    type: Literal["quote_mark"]
    id: str | None = None
    z: Layer = 0
    shadow: Shadow | None = None
    box: Box
    char: OneLine = Field(default="\u201c", min_length=1, max_length=2)
    # The mark by the quote's language (`fr: "«"`, `ja: ""` for none); see DEFAULT_MARKS.
    chars: Annotated[dict[str, str], AfterValidator(_check_mark_chars)] = Field(
        default_factory=dict
    )
    font: FontSpec = FontSpec()
    color: Colour = "brand.accent"
    # The mark's font size as a multiple of the quote's, as fitted on each card: a short
    # quote grown big gets a big mark, a long one shrunk a small one. The box stays the
    # largest it may be (and the room a group keeps for it). None: it fills its box.
    scale: MarkScale | None = None


# The decorative mark each language opens a quote with, drawn on its own (so the
# right-to-left ones show the glyph seen at the right-hand start of a quote).
DEFAULT_MARKS = {
    "fr": "\u00ab",
    "ru": "\u00ab",
    "uk": "\u00ab",
    "de": "\u201e",
    "pl": "\u201e",
    "cs": "\u201e",
    "ja": "\u300c",
    "ar": "\u00bb",
    "fa": "\u00bb",
    "he": "\u201d",
}


class RectElement(_Strict):
    """A rectangle, rounded when `radius` is set, with an optional outline."""

    type: Literal["rect"]
    id: str | None = None
    z: Layer = 0
    box: Box
    fill: Colour = "brand.accent"
    radius: Extent = 0
    opacity: float = Field(default=1.0, ge=0.0, le=1.0)
    stroke: Colour | None = None
    stroke_width: Length = "0.3%s"
    shadow: Shadow | None = None


class LineElement(_Strict):
    """A straight rule along the box's top edge (horizontal) or left edge."""

    type: Literal["line"]
    id: str | None = None
    z: Layer = 0
    box: Box
    color: Colour = "brand.accent"
    thickness: Extent = "0.4%s"
    orientation: Literal["horizontal", "vertical"] = "horizontal"
    opacity: float = Field(default=1.0, ge=0.0, le=1.0)
    # The id of a text whose ink the rule follows: its width (horizontal) or height.
    follow: str | None = None


class ImageElement(_Strict):
    """A picture or logo (PNG, JPEG, WebP or SVG) fitted into its box.

    `src` is a path relative to the layout file, or `brand.logo`. `contain`
    shows the whole image inside the box, `cover` fills the box and crops
    around the focal point (x, y from 0 to 1).
    """

    type: Literal["image"]
    id: str | None = None
    z: Layer = 0
    box: Box
    src: str = Field(min_length=1)
    fit: Literal["contain", "cover"] = "contain"
    focal: Focal = (0.5, 0.5)
    align: Literal["left", "center", "right"] = "center"
    valign: Literal["top", "middle", "bottom"] = "middle"
    opacity: float = Field(default=1.0, ge=0.0, le=1.0)
    radius: Length = 0
    shadow: Shadow | None = None
    bleed: bool = False  # false: kept inside the platform's safe area, like text (logos)


class Backdrop(_Strict):
    """A panel (a scrim) drawn behind a group's children, hugging them."""

    fill: Colour = "#00000080"
    padding: Extent = "3%s"
    radius: Extent = 0
    opacity: float = Field(default=1.0, ge=0.0, le=1.0)
    shadow: Shadow | None = None


class GroupElement(_Strict):
    """Children laid out one after another, like a CSS flex container.

    A column stacks them, a row puts them side by side; each child takes the
    size of its content (a text its lines, a mark or rule its own size), `gap`
    apart, and the whole block is placed in the group's box by `justify` (along
    the direction) and `align` (across it). The child showing `{quote}` takes
    the room the others leave. A child's `box` gives only its largest size.
    """

    type: Literal["group"]
    id: str | None = None
    z: int = 0
    box: Box
    direction: Literal["column", "row"] = "column"
    gap: Extent = "2%s"
    justify: Literal["start", "center", "end", "space-between"] = "center"
    align: Literal["start", "center", "end"] = "start"
    backdrop: Backdrop | None = None
    children: list[Element] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _child_boxes(cls, data: object) -> object:
        """Children are placed by the group: a box gives only `w` and `h` (default: the
        group's); `x` and `y` would be ignored, so they are refused."""
        if not isinstance(data, dict):
            return data
        children = data.get("children")
        if isinstance(children, list) and not children:
            msg = "a group needs at least one child element"
            raise ValueError(msg)
        if not isinstance(children, list):
            return data
        filled = []
        for child in children:
            if isinstance(child, dict):
                box = child.get("box", {})
                if isinstance(box, dict):
                    if "x" in box or "y" in box:
                        msg = (
                            f"child {child.get('id') or child.get('type')!r}: a group places its "
                            "children, give only w and h in their box (no x or y)"
                        )
                        raise ValueError(msg)
                    box = {"x": 0, "y": 0, "w": "100%", "h": "100%", **box}
                child = {**child, "box": box}
            filled.append(child)
        return {**data, "children": filled}


Element = Annotated[
    TextElement | QuoteMarkElement | RectElement | LineElement | ImageElement | GroupElement,
    Field(discriminator="type"),
]
GroupElement.model_rebuild()


def flatten(elements: list[Element]) -> list[Element]:
    """Every element, groups' children after their group (depth first)."""
    out: list[Element] = []
    for element in elements:
        out.append(element)
        if isinstance(element, GroupElement):
            out.extend(flatten(element.children))
    return out


class Gradient(_Strict):
    kind: Literal["linear", "radial"] = "linear"
    angle: float = Field(default=180.0, ge=-3600, le=3600)  # degrees, CSS: 180 runs downwards
    stops: list[Colour] = Field(min_length=2, max_length=8)


class BackgroundImage(_Strict):
    """A photo that covers the canvas, cropped around its focal point."""

    src: str = Field(min_length=1)
    focal: Focal = (0.5, 0.5)
    blur: Length = 0
    overlay: Colour | None = None
    overlay_gradient: Gradient | None = None


class Background(_Strict):
    color: Colour = "brand.background"
    gradient: Gradient | None = None
    image: BackgroundImage | None = None


# Smallest sizes as people see them: a card on a phone feed is about 390 px wide, so
# a size on the card counts as size x 390 / card width.
PHONE_WIDTH = 390
# Every card shows 390 px wide on a phone, whatever its platform: a floor above this
# leaves fewer than about a dozen characters a line, which no card can hold.
MAX_FLOOR = 60


def _meetable_floor(value: float) -> float:
    if value > MAX_FLOOR:
        msg = (
            f"floor {value:g} px cannot be met on any platform: every card is seen "
            f"{PHONE_WIDTH} px wide on a phone, where text above {MAX_FLOOR} px leaves room "
            "for a word or two a line (typical floors: quote 14, small 10)"
        )
        raise ValueError(msg)
    return value


Floor = Annotated[float, Field(ge=0), AfterValidator(_meetable_floor)]


class Legibility(_Strict):
    """The legibility floor, in px on a 390-px-wide phone feed."""

    quote: Floor = 14
    small: Floor = 10  # attribution, source, handle: every other text


class _LayoutHead(_Strict):
    name: str = ""
    description: OneLine = ""  # used in alt text
    brand: str | None = None
    background: Background = Background()
    legibility: Legibility = Legibility()
    mirror_rtl: bool = True  # right-to-left quotes mirror the layout (mark, rules, logo, align)


class Layout(_LayoutHead):
    """A designer's layout after `extends:` and `overrides:` are applied."""

    elements: list[Element] = Field(default_factory=list)
    # The files it came from (itself first, then what it extends), so that an error
    # found later, while building a card, can point at the line to fix (`locate`).
    _sources: tuple[YamlDocument, ...] = PrivateAttr(default=())


class LayoutFile(Layout):
    """What `layouts/NAME.yaml` may contain: a layout plus inheritance and overrides."""

    extends: str | None = None
    # Checked key by key by `_check_patches`, then merged as plain data by `merge`.
    overrides: dict[str, dict[str, object]] = Field(default_factory=dict)


class LayoutPatchFile(_LayoutHead):
    """A layout that extends another and patches its elements by id (adding those with a type)."""

    extends: str
    elements: dict[str, dict[str, object]] = Field(default_factory=dict)
    overrides: dict[str, dict[str, object]] = Field(default_factory=dict)


ELEMENT_MODELS: dict[str, type[BaseModel]] = {
    "text": TextElement,
    "quote_mark": QuoteMarkElement,
    "rect": RectElement,
    "line": LineElement,
    "image": ImageElement,
    "group": GroupElement,
}


def _check_brand_colour(value: str) -> str:
    if isinstance(value, str) and value.startswith("brand."):
        msg = f"{value!r}: brand colours must be '#rrggbb' values"
        raise ValueError(msg)
    return _check_colour(value)


BrandColour = Annotated[str, AfterValidator(_check_brand_colour)]


class BrandFonts(_Strict):
    serif: str = "Noto Serif"
    sans: str = "Inter"
    display: str | None = None


class Brand(_Strict):
    """A brand kit: colours, fonts by role, logo, handle, website, hashtags."""

    name: str = ""
    colors: dict[str, BrandColour] = Field(default_factory=dict)
    fonts: BrandFonts = BrandFonts()
    logo: str | None = None
    handle: OneLine | None = None
    website: Website | None = None  # a URL or a bare domain: {url} when the article has none
    hashtags: list[Hashtag] = Field(default_factory=list)

    def colour(self, value: str) -> str:
        """Resolve `brand.NAME` to the brand's colour; other values pass through."""
        if not value.startswith("brand."):
            return value
        name = value.removeprefix("brand.")
        if name not in self.colors:
            known = ", ".join(sorted(self.colors)) or "none"
            msg = f"brand '{self.name}' has no colour '{name}' (it has: {known})"
            raise KeyError(msg)
        return self.colors[name]

    def family(self, value: str) -> str:
        """Resolve `brand.fonts.ROLE` to a family name; other values pass through."""
        if not value.startswith("brand.fonts."):
            return value
        role = value.removeprefix("brand.fonts.")
        family = getattr(self.fonts, role, None)
        if not family:
            msg = f"brand '{self.name}' has no font for role '{role}'"
            raise KeyError(msg)
        return str(family)


# The neutral kit of a project that names no brand of its own: every colour and font
# role the bundled layouts use, in quiet greys and slate; no logo, handle or hashtags.
DEFAULT_BRAND = Brand(
    name="default",
    colors={
        "background": "#f6f5f2",
        "text": "#1f1f1f",
        "accent": "#3d5a80",
        "muted": "#5c5c5c",
        "deep": "#243040",
        "deep-2": "#151c26",
        "light": "#f6f5f2",
        "blush": "#c9d3df",
    },
    fonts=BrandFonts(serif="EB Garamond", sans="Inter", display="Noto Serif"),
)


# --- loading ----------------------------------------------------------------


@dataclass(frozen=True)
class LayoutSource:
    """Where layouts and brands are looked up: the project's folder, then cardgen's.

    It remembers the layout files it parsed (by path, time and size): a preview
    resolves one layout for a dozen platforms and parses it once per version."""

    folders: tuple[Path, ...]
    _parsed: dict[tuple[Path, int, int], tuple[LayoutFile | LayoutPatchFile, YamlDocument]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def for_project(cls, project_dir: Path | None) -> LayoutSource:
        folders = []
        if project_dir is not None and (project_dir / "layouts").is_dir():
            folders.append(project_dir / "layouts")
        bundled = bundled_dir("layouts")
        if bundled.is_dir() and all(bundled.resolve() != f.resolve() for f in folders):
            folders.append(bundled)
        return cls(tuple(folders))

    def layout_names(self) -> list[str]:
        names: dict[str, None] = {}
        for folder in self.folders:
            for path in sorted(folder.glob("*.yaml")):
                if path.stem != "platforms":
                    names.setdefault(path.stem, None)
        return list(names)

    def brand_names(self) -> list[str]:
        names: dict[str, None] = {}
        for folder in self.folders:
            for path in sorted((folder / "brands").glob("*.yaml")):
                names.setdefault(path.stem, None)
        return list(names)

    def origin(self, name: str) -> str:
        """'project' or 'bundled': where the layout `name` is found."""
        path = self.find(name, "layout")
        bundled = bundled_dir("layouts").resolve()
        return "bundled" if path.resolve().parent == bundled else "project"

    def find(self, name: str, kind: Literal["layout", "brand"]) -> Path:
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise InputError(f"{kind} name {name!r} must be a plain name like 'classic'")
        for folder in self.folders:
            path = (folder / "brands" if kind == "brand" else folder) / f"{name}.yaml"
            if path.exists():  # read_yaml refuses anything but a regular file
                return path
        known = self.layout_names() if kind == "layout" else self.brand_names()
        hint = did_you_mean(name, known, f"available: {', '.join(known) or 'none'}")
        raise InputError(f"unknown {kind} '{name}'", hint=hint)


ASPECT_CLASSES = ("square", "portrait", "tall", "landscape")
# Overrides a carousel applies last, to its cover, its quote slides and its closing slide.
CAROUSEL_VARIANTS = ("cover", "slide", "closing")


def load_layout_file(
    path: Path, source: LayoutSource | None = None
) -> tuple[LayoutFile | LayoutPatchFile, YamlDocument]:
    """Read and validate one layout file; image paths become absolute (checked to exist).
    With `source`, a file unchanged since that source parsed it is not parsed again."""
    parsed = source._parsed if source is not None else {}
    try:
        stat = path.stat()
        key: tuple[Path, int, int] | None = (path.resolve(), stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = None
    cached = parsed.get(key) if key else None
    if cached is None:
        doc = read_yaml(path)
        layout: LayoutFile | LayoutPatchFile
        if isinstance(doc.data, dict) and isinstance(doc.data.get("elements"), dict):
            layout = validate(doc, LayoutPatchFile)
        else:
            layout = validate(doc, LayoutFile)
        _check_override_keys(layout, doc)
        _check_patches(doc)
        _anchor_sources(doc.data, (), doc)
        cached = (layout, doc)
        if key:
            if len(parsed) > 64:
                parsed.clear()
            parsed[key] = cached
    layout, doc = cached
    return layout, YamlDocument(doc.path, copy.deepcopy(doc.data), doc.lines)


def _check_override_keys(layout: LayoutFile | LayoutPatchFile, doc: YamlDocument) -> None:
    """An override for a misspelt aspect class or platform would silently never apply."""
    from cardgen.design.platforms import load_platforms

    project = doc.path.resolve().parent.parent
    known = [*ASPECT_CLASSES, *CAROUSEL_VARIANTS, *load_platforms(project)]
    for key in layout.overrides:
        if key not in known:
            raise InputError(
                f"unknown override '{key}': not an aspect class or platform id",
                file=display_path(doc.path),
                line=doc.line_of(("overrides", key)),
                key=f"overrides.{key}",
                hint=did_you_mean(key, known, "use " + ", ".join(ASPECT_CLASSES)),
            )


def _check_patches(doc: YamlDocument) -> None:
    """Element patches (`elements:` as a mapping, in a file or an override) checked key by key.

    They are merged into the parent's elements later; checking them here lets an
    error name the exact line, as for any other key.
    """
    data = _mapping(doc.data)
    places: list[tuple[tuple[str | int, ...], YamlValue]] = [(("elements",), data.get("elements"))]
    for name, override in _mapping(data.get("overrides")).items():
        if isinstance(override, dict):
            places.append((("overrides", name, "elements"), override.get("elements")))
            _check_keys(override, ("overrides", name), Layout.model_fields, doc)
    element_keys = {key: None for m in ELEMENT_MODELS.values() for key in m.model_fields}
    for at, patches in places:
        if not isinstance(patches, dict):
            continue
        for element_id, patch in patches.items():
            where = (*at, element_id)
            if not isinstance(patch, dict):
                raise InputError(
                    "an element patch must be a mapping of keys",
                    file=display_path(doc.path),
                    line=doc.line_of(where),
                    key=dotted(where),
                )
            if "type" in patch:
                _check_new_element(patch, where, doc)
            else:
                _check_keys(patch, where, element_keys, doc)


def _check_keys(
    data: YamlMapping, at: tuple[str | int, ...], allowed: Collection[str], doc: YamlDocument
) -> None:
    for key in data:
        if key not in allowed:
            raise InputError(
                f"unknown key '{key}'",
                file=display_path(doc.path),
                line=doc.line_of((*at, key)),
                key=dotted((*at, key)),
                hint=did_you_mean(key, allowed),
            )


def _check_new_element(patch: YamlMapping, at: tuple[str | int, ...], doc: YamlDocument) -> None:
    """A patch with a `type` adds a whole element: validate it as one."""
    model = ELEMENT_MODELS.get(str(patch["type"]))
    if model is None:
        raise InputError(
            f"unknown element type {patch['type']!r}",
            file=display_path(doc.path),
            line=doc.line_of((*at, "type")),
            key=dotted((*at, "type")),
            hint=f"use one of {', '.join(ELEMENT_MODELS)}",
        )
    depth = len(at)
    lines = {key[depth:]: line for key, line in doc.lines.items() if key[:depth] == at}
    try:
        validate(YamlDocument(doc.path, patch, lines), model)
    except InputError as exc:
        exc.key = dotted(at) + (
            f".{exc.key}" if exc.key and not exc.key.startswith("[") else exc.key or ""
        )
        raise


def _anchor_sources(data: YamlValue, at: tuple[str | int, ...], doc: YamlDocument) -> None:
    """Make every `src:` relative to the file it is written in, and check the file exists."""
    if isinstance(data, list):
        for index, item in enumerate(data):
            _anchor_sources(item, (*at, index), doc)
        return
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if key == "src" and isinstance(value, str) and not value.startswith("brand."):
            data[key] = str(image_path(value, doc, (*at, key)))
        else:
            _anchor_sources(value, (*at, key), doc)


def image_path(value: str, doc: YamlDocument, key: tuple[str | int, ...]) -> Path:
    """The image file `value` names, relative to the YAML file `doc`; it must exist."""
    shown, line, where = display_path(doc.path), doc.line_of(key), dotted(key)
    if "://" in value:
        raise InputError(
            f"{value!r}: images must be local files (cardgen never downloads)",
            hint="save the image next to the layout and give its relative path",
            file=shown,
            line=line,
            key=where,
        )
    path = Path(value)
    path = path if path.is_absolute() else doc.path.resolve().parent / path
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise InputError(
            f"{value!r} is not a supported image (use .png, .jpg, .webp or .svg)",
            file=shown,
            line=line,
            key=where,
        )
    try:
        kind = file_kind(path.stat().st_mode)
    except OSError:
        kind = "missing"
    if kind not in (None, "missing"):
        raise InputError(
            f"image {value!r} is {kind}, not a regular file",
            file=shown,
            line=line,
            key=where,
        )
    if kind == "missing":
        raise InputError(
            f"image {value!r} not found",
            hint=f"paths are relative to {display_path(doc.path.parent) or '.'}/",
            file=shown,
            line=line,
            key=where,
        )
    return path


def load_brand(source: LayoutSource, name: str | None) -> Brand:
    if name is None:
        return DEFAULT_BRAND
    path = source.find(name, "brand")
    doc = read_yaml(path)
    brand = validate(doc, Brand)
    if not brand.name:
        brand = brand.model_copy(update={"name": name})
    if brand.logo is not None:
        logo = image_path(brand.logo, doc, ("logo",))
        brand = brand.model_copy(update={"logo": str(logo)})
    return brand


def resolve_layout(
    source: LayoutSource, name: str, platform: Platform, variant: str | None = None
) -> Layout:
    """The layout `name` with its parents and the overrides for `platform` merged in, then
    those of a carousel `variant` (CAROUSEL_VARIANTS) when one is asked for."""
    docs: list[YamlDocument] = []
    data, overrides, shown = _merged_data(source, name, (), docs)
    for key in (platform.aspect_class, platform.id, *([variant] if variant else [])):
        for override in overrides:
            if key in override:
                try:
                    data = merge(data, _mapping(override[key]))
                except InputError as exc:
                    exc.file = exc.file or shown
                    raise
    data.setdefault("name", name)
    data.pop("extends", None)
    data.pop("overrides", None)
    try:
        layout = validate(YamlDocument(Path(shown), data, {}), Layout)
    except InputError as exc:  # an override produced an invalid layout
        where = f"{exc.key}: " if exc.key else ""
        raise InputError(
            f"layout '{name}' with its extends and overrides for "
            f"'{platform.aspect_class}'/'{platform.id}' is invalid: {where}{exc.message}",
            file=shown,
            hint=exc.hint,
        ) from None
    layout._sources = tuple(docs)
    return layout


def layout_variants(source: LayoutSource, name: str) -> set[str]:
    """The carousel variants (CAROUSEL_VARIANTS) that layout `name` or a parent overrides."""
    _, overrides, _ = _merged_data(source, name, (), [])
    return {key for override in overrides for key in override if key in CAROUSEL_VARIANTS}


def _merged_data(
    source: LayoutSource, name: str, chain: tuple[str, ...], docs: list[YamlDocument]
) -> tuple[YamlMapping, list[YamlMapping], str]:
    """The layout `name` merged over what it extends, the overrides of each (parents
    first) and its file as shown; `docs` gets each file read, the child's first."""
    if name in chain:
        cycle = " -> ".join([*chain, name])
        raise InputError(f"circular 'extends': {cycle}", hint="remove one of the extends")
    path = source.find(name, "layout")
    layout, doc = load_layout_file(path, source)
    docs.append(doc)
    data = _mapping(copy.deepcopy(doc.data))  # validated: a mapping
    shown = display_path(path)
    if layout.extends:
        parent, parent_overrides, _ = _merged_data(source, layout.extends, (*chain, name), docs)
        own_overrides = _mapping(data.pop("overrides", None))
        parent.pop("name", None)  # a child is known by its own name, not its parent's
        try:
            data = merge(parent, data)
        except InputError as exc:
            exc.file = exc.file or shown
            raise
        return data, [*parent_overrides, own_overrides], shown
    return data, [_mapping(data.pop("overrides", None))], shown


def locate(layout: Layout, value: str) -> tuple[str, int | None, str] | None:
    """(file, line, key) where `layout` (or a layout it extends) writes the string `value`."""
    for doc in layout._sources:
        found = _find_value(doc.data, value, ())
        if found is not None:
            return display_path(doc.path), doc.line_of(found), dotted(found)
    return None


def _find_value(
    data: YamlValue, value: str, at: tuple[str | int, ...]
) -> tuple[str | int, ...] | None:
    items: list[tuple[str | int, YamlValue]] = []
    if isinstance(data, dict):
        items = list(data.items())
    elif isinstance(data, list):
        items = list(enumerate(data))
    elif data == value:
        return at
    for key, item in items:
        found = _find_value(item, value, (*at, key))
        if found is not None:
            return found
    return None


def _mapping(value: YamlValue) -> YamlMapping:
    """A mapping of a validated document as a mapping (absent: empty)."""
    return value if isinstance(value, dict) else {}


def merge(base: YamlMapping, over: YamlMapping) -> YamlMapping:
    """Deep-merge `over` onto `base`.

    `elements` given as a mapping patches the base's elements by `id`
    (`{quote: {box: ...}}`) and adds those with a `type` the base lacks; given
    as a list it replaces them.
    """
    out = copy.deepcopy(base)
    for key, value in over.items():
        if key == "elements" and isinstance(value, dict):
            elements = out.get("elements", [])
            if not isinstance(elements, list):  # a base's elements are a list, validated
                elements = []
            ids = [e.get("id") if isinstance(e, dict) else None for e in elements]
            for element_id, patch in value.items():
                if element_id not in ids and isinstance(patch, dict) and "type" in patch:
                    # A new element (it has a type): added, placed by its `z`.
                    elements.append({"id": element_id, **patch})
                    ids.append(element_id)
                    continue
                if element_id not in ids:
                    if isinstance(patch, dict) and _patch_child(elements, element_id, patch):
                        continue
                    known = _element_ids(elements)
                    raise InputError(
                        f"override names element '{element_id}', which the layout does not have",
                        hint=f"element ids: {', '.join(known) or 'none'}",
                    )
                at = ids.index(element_id)
                current = elements[at]  # a mapping: it has an id
                if isinstance(patch, dict) and isinstance(current, dict):
                    elements[at] = merge(current, patch)
                else:
                    elements[at] = patch
            out["elements"] = elements
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(_mapping(out[key]), value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _patch_child(elements: list[YamlValue], element_id: str, patch: YamlMapping) -> bool:
    """Patch the element `element_id` inside a group's children (at any depth)."""
    for element in elements:
        children = element.get("children") if isinstance(element, dict) else None
        if not isinstance(children, list):
            continue
        for at, child in enumerate(children):
            if isinstance(child, dict) and child.get("id") == element_id:
                children[at] = merge(child, patch)
                return True
        if _patch_child(children, element_id, patch):
            return True
    return False


def _element_ids(elements: list[YamlValue]) -> list[str]:
    out: list[str] = []
    for element in elements:
        if isinstance(element, dict):
            if element.get("id"):
                out.append(str(element["id"]))
            children = element.get("children")
            if isinstance(children, list):
                out.extend(_element_ids(children))
    return out


def _children_boxes_optional(schema: JsonObject) -> None:
    """A group's children need no `box` (nor `x`, `y`, `w` or `h` in it): the model fills
    them in; the schema, which cannot say "only inside a group", accepts both."""
    definitions = schema.get("$defs")
    if not isinstance(definitions, dict):
        return
    for name, definition in definitions.items():
        required = definition.get("required") if isinstance(definition, dict) else None
        if not isinstance(definition, dict) or not isinstance(required, list):
            continue
        if name == "Box":
            definition["required"] = []
        elif name.endswith("Element"):
            definition["required"] = [k for k in required if k != "box"]


SCHEMA_KINDS = ("layout", "brand", "selection")


def json_schema(kind: str) -> JsonObject:
    """The JSON Schema of a layout, brand or selection file, for editor completion."""
    if kind not in SCHEMA_KINDS:
        hint = did_you_mean(kind, SCHEMA_KINDS, "use layout, brand or selection")
        raise InputError(f"no schema named {kind!r}", hint=hint)
    if kind == "layout":
        # A layout file is either complete (elements as a list) or a child that
        # patches its parent's elements by id (elements as a mapping).
        from pydantic.json_schema import models_json_schema

        refs, top = models_json_schema(
            [(LayoutFile, "validation"), (LayoutPatchFile, "validation")]
        )
        schema: JsonObject = {"anyOf": list(refs.values()), **top}
        _children_boxes_optional(schema)
    elif kind == "selection":
        from cardgen.source.quotes import Selection

        schema = Selection.model_json_schema()
    else:
        schema = Brand.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema.setdefault("title", f"cardgen {kind}")
    return schema
