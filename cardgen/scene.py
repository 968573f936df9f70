"""Resolve a card (quote x layout x brand x platform) into positioned drawables.

Pure geometry: fonts are measured, never drawn. `raster` paints the Scene.
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass, field, replace
from pathlib import Path

from cardgen.errors import InputError, TextDoesNotFit
from cardgen.fonts import FontFace, FontMeasurer, FontRegistry
from cardgen.images import probe
from cardgen.layouts import (
    Brand,
    Element,
    FontSpec,
    Gradient,
    ImageElement,
    Layout,
    LineElement,
    QuoteMarkElement,
    RectElement,
    TextElement,
    locate,
    parse_colour,
    resolve_length,
)
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
class ImageFill:
    """A photo covering the canvas around its focal point, then an optional overlay."""

    path: str
    focal: tuple[float, float]
    base: RGBA
    blur: int = 0
    overlay: RGBA | None = None
    overlay_gradient: GradientFill | None = None


@dataclass(frozen=True)
class RectShape:
    box: BoxPx
    colour: RGBA
    radius: int = 0
    stroke: RGBA | None = None
    stroke_width: int = 0


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


@dataclass(frozen=True)
class ImageShape:
    """A picture or logo fitted into `box` (contain) or filling it (cover)."""

    path: str
    box: BoxPx
    fit: str
    focal: tuple[float, float]
    align: str
    valign: str
    opacity: float = 1.0
    radius: int = 0


@dataclass(frozen=True)
class ShadowShape:
    """The soft shadow of `of`, drawn just before it."""

    of: RectShape | LineShape | TextBlock | ImageShape
    colour: RGBA
    offset: tuple[int, int]
    blur: int


Drawable = RectShape | LineShape | TextBlock | ImageShape | ShadowShape


@dataclass(frozen=True)
class Scene:
    width: int
    height: int
    background: SolidFill | GradientFill | ImageFill
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
    # z-order: higher `z` is drawn later (on top); equal `z` keeps the file's order.
    for element in sorted(layout.elements, key=lambda e: e.z):
        drawable: RectShape | LineShape | TextBlock | ImageShape | None = None
        if isinstance(element, RectElement):
            drawable = _rect(element, resolver, w, h)
        elif isinstance(element, LineElement):
            drawable = _line(element, resolver, w, h)
        elif isinstance(element, ImageElement):
            drawable = _image(element, brand, w, h)
            if drawable is not None and not element.bleed:
                drawable = _inside_safe_area(drawable, platform, layout.name)
        elif isinstance(element, QuoteMarkElement):
            drawable = _quote_mark(element, resolver, platform)
        elif isinstance(element, TextElement):
            if element.hide_if_empty and content.is_empty(element.text):
                continue
            drawable = _text(element, content, resolver, platform, label)
        if drawable is None:
            continue
        shadow = _shadow(element, drawable, resolver, w, h)
        if shadow is not None:
            drawables.append(shadow)
        drawables.append(drawable)
    background = _background(layout, resolver, w, h)
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
            raise self._located(str(exc.args[0]), value) from None
        return r, g, b, round(a * opacity)

    def face(self, spec: FontSpec) -> FontFace:
        try:
            family = self.brand.family(spec.family)
        except KeyError as exc:
            raise self._located(str(exc.args[0]), spec.family) from None
        try:
            return self.registry.find(family, spec.weight, spec.style == "italic")
        except InputError as exc:
            located = self._located(exc.message, spec.family)
            located.hint = exc.hint
            raise located from None

    def _located(self, message: str, value: str) -> InputError:
        """An error at the layout line that wrote `value`, when it can be found."""
        where = locate(self.layout, value)
        if where is None:
            return InputError(message, hint=f"used by layout '{self.layout}'")
        file, line, key = where
        return InputError(message, file=file, line=line, key=key)


def _background(
    layout: Layout, resolver: _Resolver, w: int = 1000, h: int = 1000
) -> SolidFill | GradientFill | ImageFill:
    gradient: Gradient | None = layout.background.gradient
    photo = layout.background.image
    if photo is not None:
        overlay = resolver.colour(photo.overlay) if photo.overlay else None
        shade = _gradient(photo.overlay_gradient, resolver) if photo.overlay_gradient else None
        blur = round(resolve_length(photo.blur, "s", w, h))
        base = resolver.colour(layout.background.color)
        probe(photo.src)
        return ImageFill(photo.src, photo.focal, base, blur, overlay, shade)
    if gradient is not None:
        return _gradient(gradient, resolver)
    return SolidFill(resolver.colour(layout.background.color))


def _gradient(gradient: Gradient, resolver: _Resolver) -> GradientFill:
    stops = tuple(resolver.colour(c) for c in gradient.stops)
    return GradientFill(gradient.kind, gradient.angle, stops)


def _rect(element: RectElement, resolver: _Resolver, w: int, h: int) -> RectShape:
    colour = resolver.colour(element.fill, opacity=element.opacity)
    radius = round(resolve_length(element.radius, "s", w, h))
    stroke = resolver.colour(element.stroke, opacity=element.opacity) if element.stroke else None
    stroke_width = max(1, round(resolve_length(element.stroke_width, "s", w, h))) if stroke else 0
    return RectShape(element.box.pixels(w, h), colour, radius, stroke, stroke_width)


def _image(element: ImageElement, brand: Brand, w: int, h: int) -> ImageShape | None:
    path = element.src
    if path == "brand.logo":
        if brand.logo is None:
            return None  # a layout made for many brands shows a logo only when the brand has one
        path = brand.logo
    elif path.startswith("brand."):
        raise InputError(
            f"image src {path!r}: the only brand image is 'brand.logo'",
            hint="give a file path relative to the layout, or brand.logo",
        )
    box = element.box.pixels(w, h)
    probe(path, (box[2] - box[0], box[3] - box[1]), element.fit)
    radius = round(resolve_length(element.radius, "s", w, h))
    return ImageShape(
        path,
        box,
        element.fit,
        element.focal,
        element.align,
        element.valign,
        element.opacity,
        radius,
    )


def _inside_safe_area(shape: ImageShape, platform: Platform, layout: str) -> ImageShape:
    """A logo is content: app controls must not cover it, so its box is clipped like text."""
    box = _intersect(shape.box, platform.safe_box)
    if box[2] - box[0] <= 0 or box[3] - box[1] <= 0:
        raise InputError(
            f"layout '{layout}' has an image with no room inside the safe area of {platform.id}",
            hint="move its box, add an override for this platform, or set bleed: true",
        )
    return replace(shape, box=box)


def _shadow(
    element: Element,
    drawable: RectShape | LineShape | TextBlock | ImageShape,
    resolver: _Resolver,
    w: int,
    h: int,
) -> ShadowShape | None:
    spec = element.shadow if not isinstance(element, LineElement) else None
    if spec is None:
        return None
    offset = (
        round(resolve_length(spec.dx, "s", w, h)),
        round(resolve_length(spec.dy, "s", w, h)),
    )
    blur = max(0, round(resolve_length(spec.blur, "s", w, h)))
    return ShadowShape(drawable, resolver.colour(spec.color), offset, blur)


def _line(element: LineElement, resolver: _Resolver, w: int, h: int) -> LineShape:
    left, top, right, bottom = element.box.pixels(w, h)
    thickness = max(1, round(resolve_length(element.thickness, "s", w, h)))
    if element.orientation == "horizontal":
        start, end = (left, top), (right, top)
    else:
        start, end = (left, top), (left, bottom)
    return LineShape(start, end, resolver.colour(element.color, element.opacity), thickness)


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
    size = max(1, math.floor(probe * scale))
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
