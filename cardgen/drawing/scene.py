"""The Scene: a card (quote x layout x brand x platform) as positioned drawables, and
the pieces `composition` builds one from (shapes, text set in boxes, brand colours).

Pure geometry: fonts are measured, never drawn. `raster` paints the Scene.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace

from cardgen.design.cardtext import CardText
from cardgen.design.images import file_version, probe
from cardgen.design.layouts import (
    Backdrop,
    Brand,
    Element,
    FontSpec,
    Gradient,
    GroupElement,
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
from cardgen.design.platforms import Platform
from cardgen.errors import InputError, MissingGlyph, TextDoesNotFit
from cardgen.limits import MAX_FONT_PX
from cardgen.typography.fonts import (
    ChainMeasurer,
    FontChain,
    FontFace,
    FontMeasurer,
    FontRegistry,
    describe_char,
)
from cardgen.typography.typeset import FittedText, fit_text, overflow, prepare

RGBA = tuple[int, int, int, int]
BoxPx = tuple[int, int, int, int]


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
    fill_name: str = ""  # the layout's value (`brand.accent`), for contrast warnings


@dataclass(frozen=True)
class LineShape:
    start: tuple[int, int]
    end: tuple[int, int]
    colour: RGBA
    thickness: int


@dataclass(frozen=True)
class PlacedRun:
    """Part of a line in one face and direction; `x` is from the line's left end."""

    text: str
    face: FontFace
    x: float
    width: float
    rtl: bool = False
    emphasis: bool = False
    spacing: float = 0.0  # letter-spacing in px after each letter


@dataclass(frozen=True)
class PlacedLine:
    text: str
    x: float  # left end of the line
    baseline: float
    runs: tuple[PlacedRun, ...] = ()  # empty: the whole line in the block's face


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
    emphasis_colour: RGBA | None = None
    faces: tuple[FontFace, ...] = ()  # every face the runs use, primary first


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
    warnings: tuple[str, ...] = field(default=())  # e.g. low contrast; never fatal
    elements: tuple[ElementInfo, ...] = field(default=())  # every element drawn, for the manifest


@dataclass(frozen=True)
class ElementInfo:
    """What the manifest records of an element: the box it was given and the ink it drew."""

    id: str
    type: str
    role: str
    box: BoxPx
    ink_box: BoxPx
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Part:
    """What one element adds to a card: its drawable and shadow, the box it was given
    and the box of the ink it draws."""

    drawable: RectShape | LineShape | TextBlock | ImageShape | None
    shadow: ShadowShape | None = None
    box: BoxPx = (0, 0, 0, 0)
    ink: BoxPx = (0, 0, 0, 0)


# Every card of a (layout, brand, platform) shares its quote mark, rules, shapes, logo
# and its attribution and title lines (for one article): they are laid out once per
# SceneMemo and reused; an image only while its file is unchanged (size and time), so a
# logo replaced on disk is checked again. Text that shows the quote is fitted from its
# box, font chain and size range, which are kept; the last few fitted quotes are kept
# apart (a batch's quotes are all different: among the shared parts they would only
# push those out), so a card built again (a preview redrawn, `check` then `render` in
# one process) is not fitted again. Layouts, brands and registries are frozen and kept
# alive by the table, so their identities are safe keys.
REUSE_GROUPS = 64  # (layout, brand, registry, platform) groups remembered
REUSE_PARTS = 256  # parts remembered per group
REUSE_QUOTES = 8  # fitted quotes remembered per group
_ReuseKey = tuple[int, object]


@dataclass(frozen=True)
class TextSetup:
    """What laying out a text element takes from its group alone: its box (clipped to
    the safe area), fonts, and sizes in px (the floor already applied to `min_size`)."""

    box: BoxPx
    chain: FontChain
    min_size: int
    max_size: int
    grow_size: int | None  # short quotes may grow up to this size


@dataclass
class ReuseGroup:
    held: tuple[Layout, Brand, FontRegistry]  # keeps the ids in the key valid
    parts: dict[_ReuseKey, Part] = field(default_factory=dict)
    setups: dict[int, TextSetup] = field(default_factory=dict)  # by id(element)
    # A fitted quote's part and its word count, by its text and the room it was given.
    quotes: dict[_ReuseKey, tuple[Part, int]] = field(default_factory=dict)
    # What composing asks of an element again and again (by id(element)): whether it
    # shows the quote, its box in pixels, and its quote mark in a language.
    quoting: dict[int, bool] = field(default_factory=dict)
    boxes: dict[int, BoxPx] = field(default_factory=dict)  # on the group's platform
    marks: dict[tuple[int, str], str] = field(default_factory=dict)

    def remember(self, key: _ReuseKey, part: Part) -> None:
        if len(self.parts) >= REUSE_PARTS:
            self.parts.clear()
        self.parts[key] = part

    def remember_quote(self, key: _ReuseKey, part: Part, words: int) -> None:
        if len(self.quotes) >= REUSE_QUOTES:
            del self.quotes[next(iter(self.quotes))]  # the oldest
        self.quotes[key] = (part, words)


class SceneMemo:
    """What building scenes remembers from card to card: the parts each (layout, brand,
    font registry, platform) shares, and layouts mirrored for right-to-left quotes.

    One belongs to whoever builds a run of cards (a `Project` keeps one) and is handed
    to `build_scene`; two projects never share one."""

    def __init__(self) -> None:
        self.groups: dict[tuple[int, int, int, Platform], ReuseGroup] = {}
        self.mirrored: dict[tuple[int, int, int], tuple[Layout, Layout]] = {}

    def group(
        self, layout: Layout, brand: Brand, registry: FontRegistry, platform: Platform
    ) -> ReuseGroup:
        key = (id(layout), id(brand), id(registry), platform)
        group = self.groups.get(key)
        if group is None:
            if len(self.groups) >= REUSE_GROUPS:
                self.groups.clear()
            group = self.groups[key] = ReuseGroup((layout, brand, registry))
        return group

    def forget_quotes(self) -> None:
        """Fit every quote anew from now on (as a batch's new quotes are: `bench_fit`)."""
        for group in self.groups.values():
            group.quotes.clear()


def reuse_key(element: Element, content: CardText, brand: Brand) -> _ReuseKey | None:
    """What the element's part depends on besides its group; None: not reused."""
    if isinstance(element, ImageElement):
        path = element.src
        if path == "brand.logo":
            if brand.logo is None:
                return id(element), None  # no logo: nothing drawn
            path = brand.logo
        elif path.startswith("brand."):
            return None  # an error, which `_image` raises
        return id(element), file_version(path)  # a missing file: the error `_image` gives
    if isinstance(element, TextElement):
        if "{quote}" in element.text:
            return None
        return id(element), content.fill(element.text)
    return id(element), ""


class Resolver:
    """Brand names to concrete colours and font faces, with layout-named errors."""

    def __init__(self, brand: Brand, registry: FontRegistry, layout: Layout) -> None:
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
            return InputError(message, hint=f"used by layout '{self.layout.name}'")
        file, line, key = where
        return InputError(message, file=file, line=line, key=key)

    def chain(self, spec: FontSpec) -> FontChain:
        """The spec's face, its `fallback` families, then cardgen's default fallbacks."""
        primary = self.face(spec)
        fallbacks = tuple(self.brand.family(f) for f in spec.fallback)
        named = f"{spec.family} {primary.family}".lower()
        serif = "serif" in named.replace("sans-serif", "sans") and "sans" not in named
        return self.registry.chain(primary, fallbacks, serif)


def background_fill(
    layout: Layout, resolver: Resolver, w: int = 1000, h: int = 1000
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


def _gradient(gradient: Gradient, resolver: Resolver) -> GradientFill:
    stops = tuple(resolver.colour(c) for c in gradient.stops)
    return GradientFill(gradient.kind, gradient.angle, stops)


def rect_shape(element: RectElement, resolver: Resolver, w: int, h: int) -> RectShape:
    colour = resolver.colour(element.fill, opacity=element.opacity)
    radius = round(resolve_length(element.radius, "s", w, h))
    stroke = resolver.colour(element.stroke, opacity=element.opacity) if element.stroke else None
    stroke_width = max(1, round(resolve_length(element.stroke_width, "s", w, h))) if stroke else 0
    return RectShape(
        element.box.pixels(w, h), colour, radius, stroke, stroke_width, fill_name=element.fill
    )


def image_shape(element: ImageElement, brand: Brand, w: int, h: int) -> ImageShape | None:
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


def inside_safe_area(shape: ImageShape, platform: Platform, layout: str) -> ImageShape:
    """A logo is content: app controls must not cover it, so its box is clipped like text."""
    box = intersect(shape.box, platform.safe_box)
    if box[2] - box[0] <= 0 or box[3] - box[1] <= 0:
        raise InputError(
            f"layout '{layout}' has an image with no room inside the safe area of {platform.id}",
            hint="move its box, add an override for this platform, or set bleed: true",
        )
    return replace(shape, box=box)


def shadow_of(
    element: Element | Backdrop,
    drawable: RectShape | LineShape | TextBlock | ImageShape,
    resolver: Resolver,
    w: int,
    h: int,
) -> ShadowShape | None:
    spec = element.shadow if not isinstance(element, LineElement | GroupElement) else None
    if spec is None:
        return None
    offset = (
        round(resolve_length(spec.dx, "s", w, h)),
        round(resolve_length(spec.dy, "s", w, h)),
    )
    blur = max(0, round(resolve_length(spec.blur, "s", w, h)))
    return ShadowShape(drawable, resolver.colour(spec.color), offset, blur)


def line_shape(element: LineElement, resolver: Resolver, w: int, h: int) -> LineShape:
    left, top, right, bottom = element.box.pixels(w, h)
    thickness = max(1, round(resolve_length(element.thickness, "s", w, h)))
    if element.orientation == "horizontal":
        start, end = (left, top), (right, top)
    else:
        start, end = (left, top), (left, bottom)
    return LineShape(start, end, resolver.colour(element.color, element.opacity), thickness)


def intersect(a: BoxPx, b: BoxPx) -> BoxPx:
    return max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])


def quote_mark_block(
    element: QuoteMarkElement, resolver: Resolver, box: BoxPx, char: str, size: int = 0
) -> TextBlock:
    """A decorative mark scaled so its ink fills the box height (or width), its ink's
    top-left corner on the box's; at most `size` px (its `scale` of the quote's) if given."""
    face = resolver.face(element.font)
    if char and not resolver.chain(element.font).missing(char):
        # A mark the display face lacks (「 in a Latin serif) comes from the fallbacks.
        face = resolver.chain(element.font).face_for(char[0]) or face
    measure = FontMeasurer(face)
    probe = 200
    x0, y0, x1, y1 = measure.ink_box(char, probe)
    ink_w, ink_h = max(1, x1 - x0), max(1, y1 - y0)
    scale = min((box[3] - box[1]) / ink_h, (box[2] - box[0]) / ink_w)
    largest = min(MAX_FONT_PX, max(1, math.floor(probe * scale)))
    size = min(largest, size) if size > 0 else largest
    x0, y0, x1, y1 = measure.ink_box(char, size)
    x, baseline = box[0] - x0, box[1] - y0
    ink = (box[0], box[1], box[0] + x1 - x0, box[1] + y1 - y0)
    line = PlacedLine(char, x, baseline)
    return TextBlock("quote_mark", face, size, resolver.colour(element.color), (line,), box, ink)


def mark_char(element: QuoteMarkElement, lang: str) -> str:
    """The mark drawn for a quote in `lang`: the layout's `chars`, its own `char` when
    written, the language's usual mark, or “ ("" draws none)."""
    from cardgen.design.layouts import DEFAULT_MARKS
    from cardgen.source.language import primary

    base = primary(lang) if lang else ""
    for key in (lang, base):
        if key in element.chars:
            return element.chars[key]
    if "char" in element.model_fields_set:
        return element.char
    return DEFAULT_MARKS.get(base, element.char)


@dataclass(frozen=True)
class PreparedText:
    """A text element's words and fonts for one card, before a size is chosen."""

    text: str
    marks: tuple[bool, ...]
    chain: FontChain
    measure: ChainMeasurer
    rtl: bool
    colour: RGBA
    emphasis: RGBA | None
    where: str  # names the text in errors
    on: str


def prepare_text(
    element: TextElement,
    content: CardText,
    resolver: Resolver,
    platform: Platform,
    label: str,
    chain: FontChain,
) -> PreparedText | None:
    """The element's text filled in and cleaned up, checked to have a font for every
    character; None when it is empty."""
    raw = content.fill(element.text)
    if element.uppercase:
        raw = raw.upper()
    text, marks = prepare(raw)
    if not text:
        return None
    where = f"{element.role} text of {label or 'card'}"
    missing = chain.missing(text)
    if missing:
        shown = ", ".join(describe_char(c) for c in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise MissingGlyph(
            f"{where} on {platform.id}: no available font has {shown}{more} in {excerpt(text)}",
            hint="add a font that has it to fonts/ or to the layout's font.fallback, "
            "or remove the character",
        )
    colour = resolver.colour(element.color)
    emphasis = resolver.colour(element.emphasis_color) if any(marks) else None
    measure = ChainMeasurer(chain, text)
    rtl = base_level(text) == 1
    return PreparedText(
        text, marks, chain, measure, rtl, colour, emphasis, where, f"on {platform.id}"
    )


def set_text(
    element: TextElement,
    prepared: PreparedText,
    box: BoxPx,
    sizes: tuple[int, int],
    align: str,
    valign: str,
    room: tuple[int, int] = (0, 0),
    floor_note: str = "",
) -> tuple[TextBlock, float]:
    """Fit the text into `box` at the largest size in `sizes` and place its lines.

    Punctuation that opens a line hangs into the margin: up to `room` px (left, right)
    outside the box. Returns the block and the height of its lines (ascent to descent).
    """
    min_size, max_size = sizes
    text, measure = prepared.text, prepared.measure
    box_w, box_h = box[2] - box[0], box[3] - box[1]
    advice = floor_note or (
        "shorten the quote, or give this layout a larger box or smaller minimum size"
    )
    while True:
        fitted = fit_text(
            text,
            box_w,
            box_h,
            min_size,
            max_size,
            element.line_height,
            measure,
            max_lines=element.size.lines,
            wrap=element.wrap,
        )
        if fitted is None:
            why = overflow(
                text, box_w, box_h, min_size, element.line_height, measure, element.size.lines
            )
            raise TextDoesNotFit(
                f"{prepared.where} does not fit {prepared.on} at the minimum size "
                f"{min_size}px: {why}; text {excerpt(text)}",
                hint=advice,
            )
        lines, ink_box = _place(
            fitted, text, prepared.marks, box, align, valign, measure, 1 if prepared.rtl else 0
        )
        # Only hanging punctuation may leave the box, and only as far as `room` allows.
        hung = hung_box(lines, box)
        allowed = (max(hung[0], box[0] - room[0]), box[1], min(hung[2], box[2] + room[1]), box[3])
        lines, ink_box = _nudge(lines, ink_box, allowed)
        if _inside(ink_box, allowed):
            break
        # Shaped ink can reach past the font's nominal metrics (stacked marks, swashes).
        if fitted.size <= min_size:
            spill = max(
                allowed[0] - ink_box[0],
                allowed[1] - ink_box[1],
                ink_box[2] - allowed[2],
                ink_box[3] - allowed[3],
            )
            raise TextDoesNotFit(
                f"{prepared.where} does not fit {prepared.on} at the minimum size {min_size}px: "
                f"its ink reaches {spill}px outside the box; text {excerpt(text)}",
                hint=advice,
            )
        max_size = fitted.size - 1
    block = TextBlock(
        element.role,
        prepared.chain.primary,
        fitted.size,
        prepared.colour,
        lines,
        box,
        ink_box,
        prepared.emphasis,
        tuple(measure.faces),
    )
    return block, fitted.height


def base_level(text: str) -> int:
    from cardgen.typography.direction import base_level

    return base_level(text)


def excerpt(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "\u2026")


def _nudge(
    lines: tuple[PlacedLine, ...], ink: BoxPx, box: BoxPx
) -> tuple[tuple[PlacedLine, ...], BoxPx]:
    """Shift the lines so ink overhanging one side (a glyph's negative side bearing) is
    brought back into the box when the other side has room."""

    def shift(low: int, high: int, box_low: int, box_high: int) -> int:
        if low < box_low:
            return min(box_low - low, max(0, box_high - high))
        if high > box_high:
            return -min(high - box_high, max(0, low - box_low))
        return 0

    dx, dy = shift(ink[0], ink[2], box[0], box[2]), shift(ink[1], ink[3], box[1], box[3])
    if not dx and not dy:
        return lines, ink
    moved = tuple(
        PlacedLine(line.text, line.x + dx, line.baseline + dy, line.runs) for line in lines
    )
    return moved, (ink[0] + dx, ink[1] + dy, ink[2] + dx, ink[3] + dy)


def _inside(ink: BoxPx, box: BoxPx) -> bool:
    return ink[0] >= box[0] and ink[1] >= box[1] and ink[2] <= box[2] and ink[3] <= box[3]


# Punctuation that hangs into the margin when it opens a line, so the letters of every
# line align: opening quotes, brackets and dashes. (Not Japanese and Chinese brackets:
# their full-width glyphs keep their own space and stay in the text's grid.)
HANGING = frozenset("\u201c\u2018\u00ab\u00bb\u201e\u201a\u2039\u203a\"'([{\u2014\u2013")


def hanging_prefix(line: str) -> str:
    """The part of a line's start that hangs: an opening mark, or a dash and its space."""
    if len(line) < 2 or line[0] not in HANGING:
        return ""
    if line[0] in "\u2014\u2013":
        return line[:2] if line[1] == " " else line[0]
    return line[0]


def hung_box(lines: tuple[PlacedLine, ...], box: BoxPx) -> BoxPx:
    """`box` widened by the punctuation that hangs out of it (opening marks, dashes)."""
    left, right = box[0], box[2]
    for line in lines:
        if not hanging_prefix(line.text):
            continue
        left = min(left, math.floor(line.x))
        end = line.x + sum(run.width for run in line.runs)
        right = max(right, math.ceil(end)) if any(run.rtl for run in line.runs) else right
    return left, box[1], right, box[3]


def _place(
    fitted: FittedText,
    text: str,
    marks: tuple[bool, ...],
    box: BoxPx,
    align: str,
    valign: str,
    measure: ChainMeasurer,
    base: int,
) -> tuple[tuple[PlacedLine, ...], BoxPx]:
    """Lines positioned in the box, split into runs, and the ink box they cover."""
    box_w, box_h = box[2] - box[0], box[3] - box[1]
    top = float(box[1])
    if valign == "middle":
        top = box[1] + (box_h - fitted.height) / 2
    elif valign == "bottom":
        top = box[3] - fitted.height
    lines = []
    ink = [math.inf, math.inf, -math.inf, -math.inf]
    emphasised = any(marks)
    for index, (line, start) in enumerate(zip(fitted.lines, fitted.starts, strict=True)):
        baseline = top + fitted.ascent + index * fitted.line_pitch
        line_marks = marks[start : start + len(line)] if emphasised else ()
        runs = measure.layout_line(line, fitted.size, line_marks if any(line_marks) else (), base)
        line_w = sum(run.width for run in runs)
        if align == "center":
            x = box[0] + (box_w - line_w) / 2
        elif align == "right":
            x = box[2] - line_w
            if base == 1:  # a right-to-left line starts at the right: its opener hangs there
                hang = hanging_prefix(line)
                x += measure.width(hang, fitted.size) if hang else 0.0
        else:
            x = float(box[0])
            hang = hanging_prefix(line) if base == 0 else ""
            x -= measure.width(hang, fitted.size) if hang else 0.0
        placed = tuple(
            PlacedRun(
                r.text,
                r.face,
                r.x,
                r.width,
                r.rtl,
                emphasised and marks[start + r.start],
                r.spacing,
            )
            for r in runs
        )
        lines.append(PlacedLine(line, x, baseline, placed))
        lx0, ly0, lx1, ly1 = measure.ink_box(runs, fitted.size)
        if lx0 <= lx1:
            ink = [
                min(ink[0], x + lx0),
                min(ink[1], baseline + ly0),
                max(ink[2], x + lx1),
                max(ink[3], baseline + ly1),
            ]
    if ink[0] > ink[2]:  # nothing inked (only spaces)
        ink = [box[0], box[1], box[0], box[1]]
    ink_box = (math.floor(ink[0]), math.floor(ink[1]), math.ceil(ink[2]), math.ceil(ink[3]))
    return tuple(lines), ink_box


# --- contrast -------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _luminance(colour: RGBA) -> float:
    """WCAG 2 relative luminance."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _over(top: RGBA, bottom: RGBA) -> RGBA:
    """`top` composited over an opaque `bottom`."""
    a = top[3] / 255
    r, g, b = (round(t * a + u * (1 - a)) for t, u in zip(top[:3], bottom[:3], strict=True))
    return r, g, b, 255


def contrast_ratio(a: RGBA, b: RGBA) -> float:
    la, lb = _luminance(a), _luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


# A card is seen about 390 CSS px wide on a phone; WCAG's "large" is 24 CSS px
# (18.66 px when bold), so sizes are scaled from the card's width before comparing.
PHONE_WIDTH_CSS = 390


def contrast_warning(
    element: TextElement,
    block: TextBlock,
    layout: Layout,
    drawn: list[Drawable],
    resolver: Resolver,
    canvas_width: int,
) -> str | None:
    """A warning when the text fails WCAG AA against any background it sits on."""
    grounds: list[tuple[str, RGBA]] = []
    if layout.background.gradient is not None:
        grounds += [(c, resolver.colour(c)) for c in layout.background.gradient.stops]
    else:
        grounds.append((layout.background.color, resolver.colour(layout.background.color)))
    base = grounds[0][1]
    rects = [
        (element_fill, shape)
        for element_fill, shape in _rect_fills(drawn)
        if _overlaps(shape.box, block.ink_box)
    ]
    grounds += [(name, _over(shape.colour, base)) for name, shape in rects]
    css_size = block.size * PHONE_WIDTH_CSS / max(1, canvas_width)
    bold = block.face.weight >= 700
    large = css_size >= 24 or (bold and css_size >= 18.66)
    needed = 3.0 if large else 4.5
    worst: tuple[float, str, RGBA] | None = None
    for name, ground in grounds:
        ratio = _contrast_on(block.colour, ground)
        if worst is None or ratio < worst[0]:
            worst = (ratio, name, ground)
    if worst is None or worst[0] >= needed:
        return None
    ratio, name, ground = worst
    return (
        f"layout '{resolver.layout.name}' brand '{resolver.brand.name}': {block.role} text colour "
        f"{element.color} ({_hex(block.colour)}) on {name} ({_hex(ground)}) has contrast "
        f"{ratio:.2f}:1, below WCAG AA {needed:g}:1 for {'large' if large else 'normal'} text"
    )


@functools.lru_cache(maxsize=1024)
def _contrast_on(colour: RGBA, ground: RGBA) -> float:
    """Contrast of `colour` laid over an opaque `ground` (the same few pairs every card)."""
    return contrast_ratio(_over(colour, ground), ground)


def _rect_fills(drawn: list[Drawable]) -> list[tuple[str, RectShape]]:
    return [(d.fill_name, d) for d in drawn if isinstance(d, RectShape)]


def _overlaps(a: BoxPx, b: BoxPx) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _hex(colour: RGBA) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour[:3])
