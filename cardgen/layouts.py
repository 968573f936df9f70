"""Layouts and brand kits: the YAML designers write, validated and resolved.

A layout adapts to every platform: lengths are relative (percent of the
canvas width, height or shorter side), `overrides:` by aspect class or
platform id are merged over the base, and `extends:` inherits another layout.
Colours and fonts may name brand values (`brand.accent`, `brand.fonts.serif`).
"""

from __future__ import annotations

import copy
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from cardgen.errors import InputError
from cardgen.limits import MAX_FONT_PX
from cardgen.platforms import Platform
from cardgen.yamlio import YamlDocument, display_path, read_yaml, validate

PACKAGE_DIR = Path(__file__).resolve().parent
_LENGTH = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(px|%|%w|%h|%s)?\s*$")
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")
_NAMED = {
    "white": "#ffffff",
    "black": "#000000",
    "transparent": "#00000000",
}


def bundled_dir(name: str) -> Path:
    """`layouts` or `fonts` shipped with cardgen (in the wheel, or the source tree)."""
    inside = PACKAGE_DIR / "data" / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


# --- values -----------------------------------------------------------------

Axis = Literal["x", "y", "s"]


def parse_length(value: str | float | int) -> tuple[float, str]:
    """`"12%"` -> (12, "%"), `"4%s"` -> (4, "%s"), `40` -> (40, "px")."""
    if isinstance(value, bool):
        msg = f"{value!r} is not a length"
        raise ValueError(msg)
    if isinstance(value, int | float):
        return float(value), "px"
    match = _LENGTH.match(value)
    if not match:
        msg = f"{value!r} is not a length (use 40, '40px', '10%', '10%w', '10%h' or '5%s')"
        raise ValueError(msg)
    return float(match.group(1)), match.group(2) or "px"


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


def _check_length(value: Any) -> Any:
    parse_length(value)
    return value


def _check_colour(value: Any) -> Any:
    if not isinstance(value, str):
        msg = f"{value!r} is not a colour"
        raise ValueError(msg)
    if value.startswith("brand."):
        return value
    if value.lower() in _NAMED or _HEX.match(value):
        return value
    msg = f"{value!r} is not a colour (use '#rrggbb', '#rrggbbaa' or 'brand.NAME')"
    raise ValueError(msg)


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


def _check_extent(value: Any) -> Any:
    """A width, height or thickness: a length that is not negative."""
    number, _ = parse_length(value)
    if number < 0:
        msg = f"{value!r} is negative; sizes must be zero or more"
        raise ValueError(msg)
    return value


def _check_size(value: Any) -> Any:
    """A font size: a length greater than zero."""
    number, unit = parse_length(value)
    if number <= 0:
        msg = f"{value!r}: a font size must be greater than zero"
        raise ValueError(msg)
    if unit == "px" and number > MAX_FONT_PX:
        msg = f"{value!r}: a font size may be at most {MAX_FONT_PX:,} pixels"
        raise ValueError(msg)
    return value


Length = Annotated[str | float | int, AfterValidator(_check_length)]
Extent = Annotated[str | float | int, AfterValidator(_check_extent)]
FontSize = Annotated[str | float | int, AfterValidator(_check_size)]
Colour = Annotated[str, AfterValidator(_check_colour)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class SizeRange(_Strict):
    """Font size bounds; the engine picks the largest size in range that fits."""

    min: FontSize = "2.5%s"
    max: FontSize = "8%s"

    @model_validator(mode="after")
    def _ordered(self) -> SizeRange:
        low, high = parse_length(self.min), parse_length(self.max)
        if low[1] == high[1] and low[0] > high[0]:
            msg = f"min {self.min!r} is larger than max {self.max!r}"
            raise ValueError(msg)
        return self


# The names a text template may use; scene.CardText fills them (a test keeps both equal).
TEMPLATE_NAMES = ("quote", "attribution", "title", "publisher", "handle", "url", "author")


def _check_template(value: str) -> str:
    """`{quote} — {title}`: only known names, no format specs, balanced braces."""
    try:
        parts = list(string.Formatter().parse(value))
    except ValueError as exc:
        msg = f"{value!r}: {exc} (write a literal brace as '{{{{' or '}}}}')"
        raise ValueError(msg) from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name in TEMPLATE_NAMES and (spec or conversion):
            msg = f"{value!r}: formats like '!r' or ':>10' are not supported in templates"
            raise ValueError(msg)
        if name not in TEMPLATE_NAMES:
            msg = (
                f"{value!r}: unknown template field '{{{name}}}' "
                f"(use {', '.join('{' + n + '}' for n in TEMPLATE_NAMES)})"
            )
            raise ValueError(msg)
    return value


class TextElement(_Strict):
    type: Literal["text"]
    id: str | None = None
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


class QuoteMarkElement(_Strict):
    """A large decorative opening quote mark."""

    type: Literal["quote_mark"]
    id: str | None = None
    box: Box
    char: str = Field(default="\u201c", min_length=1, max_length=2)
    font: FontSpec = FontSpec()
    color: Colour = "brand.accent"


class RectElement(_Strict):
    type: Literal["rect"]
    id: str | None = None
    box: Box
    fill: Colour = "brand.accent"
    radius: Extent = 0
    opacity: float = Field(default=1.0, ge=0.0, le=1.0)


class LineElement(_Strict):
    """A straight rule along the box's top edge (horizontal) or left edge."""

    type: Literal["line"]
    id: str | None = None
    box: Box
    color: Colour = "brand.accent"
    thickness: Extent = "0.4%s"
    orientation: Literal["horizontal", "vertical"] = "horizontal"


Element = Annotated[
    TextElement | QuoteMarkElement | RectElement | LineElement, Field(discriminator="type")
]


class Gradient(_Strict):
    kind: Literal["linear", "radial"] = "linear"
    angle: float = 180.0  # degrees, CSS-like: 180 runs top to bottom
    stops: list[Colour] = Field(min_length=2, max_length=8)


class Background(_Strict):
    color: Colour = "brand.background"
    gradient: Gradient | None = None


class Layout(_Strict):
    """A designer's layout after `extends:` and `overrides:` are applied."""

    name: str = ""
    description: str = ""
    brand: str | None = None
    background: Background = Background()
    elements: list[Element] = Field(default_factory=list)


class LayoutFile(Layout):
    """What `layouts/NAME.yaml` may contain: a layout plus inheritance and overrides."""

    extends: str | None = None
    overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)


class BrandFonts(_Strict):
    serif: str = "Noto Serif"
    sans: str = "Inter"
    display: str | None = None


class Brand(_Strict):
    """A brand kit: colours, fonts by role, logo, handle, website, hashtags."""

    name: str = ""
    colors: dict[str, str] = Field(default_factory=dict)
    fonts: BrandFonts = BrandFonts()
    logo: str | None = None
    handle: str | None = None
    website: str | None = None
    hashtags: list[str] = Field(default_factory=list)

    @field_validator("colors")
    @classmethod
    def _colours(cls, value: dict[str, Any]) -> dict[str, Any]:
        for colour in value.values():
            if isinstance(colour, str) and colour.startswith("brand."):
                msg = f"{colour!r}: brand colours must be '#rrggbb' values"
                raise ValueError(msg)
            _check_colour(colour)
        return value

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


DEFAULT_BRAND = Brand(
    name="default",
    colors={"background": "#faf7f2", "text": "#1d1b19", "accent": "#b5523b", "muted": "#6b635b"},
)


# --- loading ----------------------------------------------------------------


@dataclass(frozen=True)
class LayoutSource:
    """Where layouts and brands are looked up: the project's folder, then cardgen's."""

    folders: tuple[Path, ...]

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

    def find(self, name: str, kind: Literal["layout", "brand"]) -> Path:
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise InputError(f"{kind} name {name!r} must be a plain name like 'classic'")
        for folder in self.folders:
            path = (folder / "brands" if kind == "brand" else folder) / f"{name}.yaml"
            if path.is_file():
                return path
        known = self.layout_names() if kind == "layout" else self.brand_names()
        import difflib

        close = difflib.get_close_matches(name, known, n=1)
        hint = (
            f"did you mean '{close[0]}'?" if close else f"available: {', '.join(known) or 'none'}"
        )
        raise InputError(f"unknown {kind} '{name}'", hint=hint)


def load_layout_file(path: Path) -> tuple[LayoutFile, YamlDocument]:
    doc = read_yaml(path)
    return validate(doc, LayoutFile), doc


def load_brand(source: LayoutSource, name: str | None) -> Brand:
    if name is None:
        return DEFAULT_BRAND
    path = source.find(name, "brand")
    brand = validate(read_yaml(path), Brand)
    if not brand.name:
        brand = brand.model_copy(update={"name": name})
    return brand


def resolve_layout(source: LayoutSource, name: str, platform: Platform) -> Layout:
    """The layout `name` with its parents and the overrides for `platform` merged in."""
    data, overrides, shown = _merged_data(source, name, ())
    for key in (platform.aspect_class, platform.id):
        for override in overrides:
            if key in override:
                try:
                    data = merge(data, override[key])
                except InputError as exc:
                    exc.file = exc.file or shown
                    raise
    data.setdefault("name", name)
    data.pop("extends", None)
    data.pop("overrides", None)
    try:
        return Layout.model_validate(data)
    except ValidationError as exc:  # an override produced an invalid layout
        first = exc.errors()[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
        raise InputError(
            f"overrides for '{platform.aspect_class}'/'{platform.id}' give an invalid layout: "
            f"{where.lstrip('.')}: {str(first['msg']).removeprefix('Value error, ')}",
            file=shown,
        ) from None


def _merged_data(
    source: LayoutSource, name: str, chain: tuple[str, ...]
) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    if name in chain:
        cycle = " -> ".join([*chain, name])
        raise InputError(f"circular 'extends': {cycle}", hint="remove one of the extends")
    path = source.find(name, "layout")
    layout, doc = load_layout_file(path)
    data = copy.deepcopy(doc.data)
    shown = display_path(path)
    if layout.extends:
        parent, parent_overrides, _ = _merged_data(source, layout.extends, (*chain, name))
        own_overrides = data.pop("overrides", {}) or {}
        try:
            data = merge(parent, data)
        except InputError as exc:
            exc.file = exc.file or shown
            raise
        return data, [*parent_overrides, own_overrides], shown
    return data, [data.pop("overrides", {}) or {}], shown


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `over` onto `base`.

    `elements` given as a mapping patches the base's elements by `id`
    (`{quote: {box: ...}}`); given as a list it replaces them.
    """
    out = copy.deepcopy(base)
    for key, value in over.items():
        if key == "elements" and isinstance(value, dict):
            elements = out.get("elements", [])
            ids = [e.get("id") for e in elements]
            for element_id, patch in value.items():
                if element_id not in ids:
                    raise InputError(
                        f"override names element '{element_id}', which the layout does not have",
                        hint=f"element ids: {', '.join(str(i) for i in ids if i) or 'none'}",
                    )
                at = ids.index(element_id)
                elements[at] = merge(elements[at], patch) if isinstance(patch, dict) else patch
            out["elements"] = elements
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out
