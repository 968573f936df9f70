"""Resolve a card (quote x layout x brand x platform) into positioned drawables.

Pure geometry: fonts are measured, never drawn. `raster` paints the Scene.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass, field
from pathlib import Path

from cardgen.errors import InputError, TextDoesNotFit
from cardgen.fonts import FontFace, FontMeasurer, FontRegistry
from cardgen.layouts import (
    Brand,
    FontSpec,
    Gradient,
    Layout,
    LineElement,
    QuoteMarkElement,
    RectElement,
    TextElement,
    parse_colour,
    resolve_length,
)
from cardgen.limits import MAX_FONT_PX
from cardgen.platforms import Platform
from cardgen.typeset import fit_text, overflow

RGBA = tuple[int, int, int, int]
BoxPx = tuple[int, int, int, int]
TEMPLATE_FIELDS = ("quote", "attribution", "title", "publisher", "handle", "url", "author")


@dataclass(frozen=True)
class CardText:
    """The values a layout's text templates may use."""

    quote: str
    attribution: str = ""
    title: str = ""
    publisher: str = ""
    handle: str = ""
    url: str = ""
    author: str = ""

    def fill(self, template: str) -> str:
        values = {name: getattr(self, name) for name in TEMPLATE_FIELDS}
        return template.format_map(values).strip()

    def is_empty(self, template: str) -> bool:
        """True when every field the template names is empty (hide the element)."""
        names = [f for _, f, _, _ in string.Formatter().parse(template) if f]
        return bool(names) and all(not getattr(self, n) for n in names)


@dataclass(frozen=True)
class SolidFill:
    colour: RGBA


@dataclass(frozen=True)
class GradientFill:
    kind: str
    angle: float
    stops: tuple[RGBA, ...]


@dataclass(frozen=True)
class RectShape:
    box: BoxPx
    colour: RGBA
    radius: int = 0


@dataclass(frozen=True)
class LineShape:
    start: tuple[int, int]
    end: tuple[int, int]
    colour: RGBA
    thickness: int


@dataclass(frozen=True)
class PlacedLine:
    text: str
    x: float  # left end of the line
    baseline: float


@dataclass(frozen=True)
class TextBlock:
    """Text set in one face and size, each line positioned by its baseline."""

    role: str
    face: FontFace
    size: int
    colour: RGBA
    lines: tuple[PlacedLine, ...]
    box: BoxPx
    ink_box: BoxPx


Drawable = RectShape | LineShape | TextBlock


@dataclass(frozen=True)
class Scene:
    width: int
    height: int
    background: SolidFill | GradientFill
    drawables: tuple[Drawable, ...]
    safe_box: BoxPx
    texts: tuple[TextBlock, ...] = field(default=())


def build_scene(
    content: CardText,
    layout: Layout,
    brand: Brand,
    platform: Platform,
    registry: FontRegistry,
    *,
    label: str = "",
) -> Scene:
    """Lay out one card. `label` names the card in errors (`selection/quote on platform`)."""
    w, h = platform.width, platform.height
    resolver = _Resolver(brand, registry, layout.name)
    drawables: list[Drawable] = []
    for element in layout.elements:
        if isinstance(element, RectElement):
            colour = resolver.colour(element.fill, opacity=element.opacity)
            radius = round(resolve_length(element.radius, "s", w, h))
            drawables.append(RectShape(element.box.pixels(w, h), colour, radius))
        elif isinstance(element, LineElement):
            drawables.append(_line(element, resolver, w, h))
        elif isinstance(element, QuoteMarkElement):
            drawables.append(_quote_mark(element, resolver, platform))
        elif isinstance(element, TextElement):
            if element.hide_if_empty and content.is_empty(element.text):
                continue
            block = _text(element, content, resolver, platform, label)
            if block is not None:
                drawables.append(block)
    background = _background(layout, resolver)
    texts = tuple(d for d in drawables if isinstance(d, TextBlock) and d.role != "quote_mark")
    return Scene(w, h, background, tuple(drawables), platform.safe_box, texts)


class _Resolver:
    """Brand names to concrete colours and font faces, with layout-named errors."""

    def __init__(self, brand: Brand, registry: FontRegistry, layout: str) -> None:
        self.brand, self.registry, self.layout = brand, registry, layout

    def colour(self, value: str, opacity: float = 1.0) -> RGBA:
        try:
            r, g, b, a = parse_colour(self.brand.colour(value))
        except KeyError as exc:
            raise InputError(str(exc.args[0]), hint=f"used by layout '{self.layout}'") from None
        return r, g, b, round(a * opacity)

    def face(self, spec: FontSpec) -> FontFace:
        try:
            family = self.brand.family(spec.family)
        except KeyError as exc:
            raise InputError(str(exc.args[0]), hint=f"used by layout '{self.layout}'") from None
        try:
            return self.registry.find(family, spec.weight, spec.style == "italic")
        except InputError as exc:
            exc.message = f"layout '{self.layout}': {exc.message}"
            raise


def _background(layout: Layout, resolver: _Resolver) -> SolidFill | GradientFill:
    gradient: Gradient | None = layout.background.gradient
    if gradient is not None:
        stops = tuple(resolver.colour(c) for c in gradient.stops)
        return GradientFill(gradient.kind, gradient.angle, stops)
    return SolidFill(resolver.colour(layout.background.color))


def _line(element: LineElement, resolver: _Resolver, w: int, h: int) -> LineShape:
    left, top, right, bottom = element.box.pixels(w, h)
    thickness = max(1, round(resolve_length(element.thickness, "s", w, h)))
    if element.orientation == "horizontal":
        start, end = (left, top), (right, top)
    else:
        start, end = (left, top), (left, bottom)
    return LineShape(start, end, resolver.colour(element.color), thickness)


def _intersect(a: BoxPx, b: BoxPx) -> BoxPx:
    return max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])


def _quote_mark(element: QuoteMarkElement, resolver: _Resolver, platform: Platform) -> TextBlock:
    """A decorative mark scaled so its ink fills the box height (or width)."""
    box = _intersect(element.box.pixels(platform.width, platform.height), platform.safe_box)
    face = resolver.face(element.font)
    measure = FontMeasurer(face)
    probe = 200
    x0, y0, x1, y1 = measure.ink_box(element.char, probe)
    ink_w, ink_h = max(1, x1 - x0), max(1, y1 - y0)
    scale = min((box[3] - box[1]) / ink_h, (box[2] - box[0]) / ink_w)
    size = min(MAX_FONT_PX, max(1, math.floor(probe * scale)))
    x0, y0, x1, y1 = measure.ink_box(element.char, size)
    # Put the ink's top-left corner on the box's top-left corner.
    x, baseline = box[0] - x0, box[1] - y0
    ink = (box[0], box[1], box[0] + x1 - x0, box[1] + y1 - y0)
    line = PlacedLine(element.char, x, baseline)
    return TextBlock("quote_mark", face, size, resolver.colour(element.color), (line,), box, ink)


def _text(
    element: TextElement,
    content: CardText,
    resolver: _Resolver,
    platform: Platform,
    label: str,
) -> TextBlock | None:
    w, h = platform.width, platform.height
    text = content.fill(element.text)
    if element.uppercase:
        text = text.upper()
    if not text:
        return None
    box = _intersect(element.box.pixels(w, h), platform.safe_box)
    box_w, box_h = box[2] - box[0], box[3] - box[1]
    if box_w <= 0 or box_h <= 0:
        raise InputError(
            f"layout '{resolver.layout}' element '{element.id or element.role}' has no room "
            f"inside the safe area of {platform.id}",
            hint="move its box or add an override for this platform",
        )
    face = resolver.face(element.font)
    measure = FontMeasurer(face)
    min_size = max(1, math.floor(resolve_length(element.size.min, "s", w, h)))
    max_size = max(min_size, math.floor(resolve_length(element.size.max, "s", w, h)))
    # Relative sizes can ask for more than FreeType draws; no card needs that much.
    min_size, max_size = min(min_size, MAX_FONT_PX), min(max_size, MAX_FONT_PX)
    fitted = fit_text(text, box_w, box_h, min_size, max_size, element.line_height, measure)
    if fitted is None:
        why = overflow(text, box_w, box_h, min_size, element.line_height, measure)
        raise TextDoesNotFit(
            f"{element.role} text of {label or 'card'} does not fit on {platform.id} "
            f"at the minimum size {min_size}px: {why}",
            hint="shorten the quote, or give this layout a larger box or smaller minimum size",
        )
    top = float(box[1])
    if element.valign == "middle":
        top = box[1] + (box_h - fitted.height) / 2
    elif element.valign == "bottom":
        top = box[3] - fitted.height
    lines = []
    ink = [math.inf, math.inf, -math.inf, -math.inf]
    for index, (line, line_w) in enumerate(zip(fitted.lines, fitted.widths, strict=True)):
        baseline = top + fitted.ascent + index * fitted.line_pitch
        if element.align == "center":
            x = box[0] + (box_w - line_w) / 2
        elif element.align == "right":
            x = box[2] - line_w
        else:
            x = float(box[0])
        lines.append(PlacedLine(line, x, baseline))
        lx0, ly0, lx1, ly1 = measure.ink_box(line, fitted.size)
        ink = [
            min(ink[0], x + lx0),
            min(ink[1], baseline + ly0),
            max(ink[2], x + lx1),
            max(ink[3], baseline + ly1),
        ]
    ink_box = (math.floor(ink[0]), math.floor(ink[1]), math.ceil(ink[2]), math.ceil(ink[3]))
    return TextBlock(
        element.role, face, fitted.size, resolver.colour(element.color), tuple(lines), box, ink_box
    )


def font_label(face: FontFace) -> str:
    return face.full_name


def relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
