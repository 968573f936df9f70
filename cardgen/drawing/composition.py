"""Composition: `build_scene` lays out one card; its elements are sized and placed and
groups flow like CSS flex boxes.

Texts get their sizes here (the legibility floor, short quotes growing, small print
never larger than the quote), groups stack their children by content, and a
right-to-left quote gets the layout mirrored. Pure geometry: fonts are measured.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from typing import TypeVar

from cardgen.design.cardtext import CardText
from cardgen.design.layouts import (
    PHONE_WIDTH,
    Box,
    Brand,
    Element,
    GroupElement,
    ImageElement,
    Layout,
    LineElement,
    QuoteMarkElement,
    RectElement,
    TextElement,
    flatten,
    locate,
    resolve_length,
)
from cardgen.design.platforms import Platform
from cardgen.drawing.scene import (
    BoxPx,
    Drawable,
    ElementInfo,
    ImageShape,
    LineShape,
    Part,
    PlacedLine,
    PreparedText,
    RectShape,
    Resolver,
    ReuseGroup,
    Scene,
    SceneMemo,
    TextBlock,
    TextSetup,
    background_fill,
    base_level,
    contrast_warning,
    image_shape,
    inside_safe_area,
    intersect,
    line_shape,
    mark_char,
    prepare_text,
    quote_mark_block,
    rect_shape,
    reuse_key,
    set_text,
    shadow_of,
)
from cardgen.errors import InputError
from cardgen.limits import MAX_FONT_PX
from cardgen.source.language import detect, is_cjk
from cardgen.typography.fonts import FontMeasurer, FontRegistry
from cardgen.typography.leading import min_line_height
from cardgen.typography.typeset import largest_size

GROW_WORDS = 4  # a quote this short may take its layout's `size.grow`
GROW_UNTIL_WORDS = 20  # from here on, `size.max`
LONG_QUOTE_WORDS = 40  # `check` warns: such a quote is set small on most platforms

Shape = RectShape | LineShape | TextBlock | ImageShape
Laid = list[tuple[Element, Part]]
# A part and the offset it still has to move by: blocks nest, and moving each part once
# (when the top group is placed) is much cheaper than at every level.
Placed = tuple[Element, Part, int, int]


@dataclass(frozen=True)
class _Block:
    """Elements laid out from (0, 0): what they draw and the box their slots cover."""

    parts: list[Placed]
    extent: BoxPx


def build_scene(
    content: CardText,
    layout: Layout,
    brand: Brand,
    platform: Platform,
    registry: FontRegistry,
    *,
    label: str = "",
    memo: SceneMemo | None = None,
) -> Scene:
    """Lay out one card. `label` names the card in errors (`selection/quote on platform`);
    `memo` is what the cards built before this one left to reuse (none: a fresh one)."""
    w, h = platform.width, platform.height
    lang = content.lang or detect(content.quote)
    mirror = layout.mirror_rtl and base_level(content.quote) == 1
    memo = memo or SceneMemo()
    if mirror:
        layout = mirrored(layout, platform, memo.mirrored)
    resolver = Resolver(brand, registry, layout)
    group = memo.group(layout, brand, registry, platform)
    marks = (
        _mark(group, e, lang) for e in flatten(layout.elements) if isinstance(e, QuoteMarkElement)
    )
    if any(marks):
        # The layout's own mark opens the quote: its outer quote marks would say it twice.
        content = replace(content, quote=strip_outer_quotes(content.quote))
    card = Card(content, layout, resolver, platform, label, group, mirrored=mirror, lang=lang)
    drawables, warnings, infos = card.lay_out()
    warnings.extend(card.length_warnings())
    background = background_fill(layout, resolver, w, h)
    texts = tuple(d for d in drawables if isinstance(d, TextBlock) and d.role != "quote_mark")
    return Scene(
        w,
        h,
        background,
        tuple(drawables),
        platform.safe_box,
        texts,
        tuple(warnings),
        tuple(infos),
    )


class Card:
    """One card being composed."""

    def __init__(
        self,
        content: CardText,
        layout: Layout,
        resolver: Resolver,
        platform: Platform,
        label: str,
        reuse: ReuseGroup,
        *,
        mirrored: bool = False,
        lang: str = "",
    ) -> None:
        self.content, self.layout, self.resolver = content, layout, resolver
        self.platform, self.label, self.reuse = platform, label, reuse
        self.lang, self.mirrored = lang, mirrored
        self.quote_size: int | None = None
        self.quote_words = 0
        self.inks: dict[str, BoxPx] = {}  # by element id: what a rule may follow

    # --- the whole card ---------------------------------------------------------

    def lay_out(self) -> tuple[list[Drawable], list[str], list[ElementInfo]]:
        ordered = sorted(self._shown(self.layout.elements), key=lambda e: e.z)
        laid: dict[int, Laid] = {}
        # The quote first (small print is capped at its size), rules that follow a text last.
        for element in sorted(ordered, key=self._priority):
            laid[id(element)] = self._top(element)
            for child, part in laid[id(element)]:
                if child.id:
                    self.inks[child.id] = part.ink
        drawables: list[Drawable] = []
        warnings: list[str] = []
        infos: list[ElementInfo] = []
        counts: dict[str, int] = {}
        for element in ordered:
            for child, part in laid[id(element)]:
                infos.append(_info(child, part, counts))
                if part.drawable is None:
                    continue
                if isinstance(child, TextElement) and isinstance(part.drawable, TextBlock):
                    warning = contrast_warning(
                        child,
                        part.drawable,
                        self.layout,
                        drawables,
                        self.resolver,
                        self.platform.width,
                    )
                    if warning and warning not in warnings:
                        warnings.append(warning)
                if part.shadow is not None:
                    drawables.append(part.shadow)
                drawables.append(part.drawable)
        return drawables, warnings, infos

    def length_warnings(self) -> list[str]:
        if self.quote_words < LONG_QUOTE_WORDS:
            return []
        who = self.label.split(" on ")[0] or "the quote"
        return [
            f"{who}: the quote has {self.quote_words} words; from about {LONG_QUOTE_WORDS} words "
            "it is set small on wide cards: consider cutting part of it with an elision ([…])"
        ]

    def _priority(self, element: Element) -> int:
        if self._quoting(element):
            return 0
        return 2 if isinstance(element, LineElement) and element.follow else 1

    def _top(self, element: Element) -> Laid:
        """A top-level element: placed by its own box."""
        if isinstance(element, GroupElement):
            return self._group(element)
        if isinstance(element, LineElement) and element.follow:
            return [(element, self._following_line(element, self.inks, element.box))]
        if isinstance(element, TextElement):
            return [(element, self._top_text(element))]
        if isinstance(element, QuoteMarkElement):
            return [(element, self._top_mark(element))]
        key = reuse_key(element, self.content, self.resolver.brand)
        part = self.reuse.parts.get(key) if key is not None else None
        if part is None:
            part = self._top_shape(element)
            if key is not None:
                self.reuse.remember(key, part)
        return [(element, part)]

    def _top_shape(self, element: Element) -> Part:
        w, h = self.platform.width, self.platform.height
        drawable: Shape | None = None
        ink: BoxPx | None = None
        if isinstance(element, RectElement):
            drawable = rect_shape(element, self.resolver, w, h)
        elif isinstance(element, LineElement):
            drawable = line_shape(element, self.resolver, w, h)
        elif isinstance(element, ImageElement):
            image = image_shape(element, self.resolver.brand, w, h)
            if image is not None and not element.bleed:
                image = inside_safe_area(image, self.platform, self.layout.name)
            drawable = image
        if drawable is None:
            return Part(None)
        ink = _ink_of(drawable)
        return Part(
            drawable, shadow_of(element, drawable, self.resolver, w, h), _box_of(drawable), ink
        )

    def _top_text(self, element: TextElement) -> Part:
        setup = self._setup(element, clip=True)
        cap = None if self._quoting(element) else self.quote_size
        key = (id(element), (self.content.fill(element.text), cap))
        known = self._known_text(element, key)
        if known is not None:
            return known
        prepared = prepare_text(
            element, self.content, self.resolver, self.platform, self.label, setup.chain
        )
        if prepared is None:
            return Part(None)
        safe = self.platform.safe_box
        box = setup.box
        room = (box[0] - safe[0], safe[2] - box[2])
        block, _ = set_text(
            self._spaced(element, prepared),
            prepared,
            box,
            self._sizes(element, setup, prepared, box),
            self._align(element, prepared),
            element.valign,
            room,
            self._floor_note(element, setup),
        )
        w, h = self.platform.width, self.platform.height
        part = Part(block, shadow_of(element, block, self.resolver, w, h), box, block.ink_box)
        self._laid_text(element, key, part, _words(prepared.text))
        return part

    def _known_text(self, element: TextElement, key: tuple[int, object]) -> Part | None:
        """The part of a text laid out before with the same text and room, if remembered."""
        if not self._quoting(element):
            return self.reuse.parts.get(key)
        known = self.reuse.quotes.get(self._quote_key(key))
        if known is None:
            return None
        part, words = known
        self._note_quote(part, words)
        return part

    def _laid_text(
        self, element: TextElement, key: tuple[int, object], part: Part, words: int
    ) -> None:
        """Remember a text's part for the cards after; the quote's sets the card's size cap."""
        if not self._quoting(element):
            self.reuse.remember(key, part)
            return
        self._note_quote(part, words)
        self.reuse.remember_quote(self._quote_key(key), part, words)

    def _quote_key(self, key: tuple[int, object]) -> tuple[int, object]:
        """A quote's key names its language too: the card's (the article's, or guessed)."""
        return key[0], (key[1], self.lang)

    # --- sizes ------------------------------------------------------------------

    def _setup(self, element: TextElement, clip: bool) -> TextSetup:
        """Box, fonts and px sizes of a text; the floor raises its minimum size."""
        setup = self.reuse.setups.get(id(element))
        if setup is not None:
            return setup
        w, h = self.platform.width, self.platform.height
        box = element.box.pixels(w, h)
        if clip:
            box = intersect(box, self.platform.safe_box)
            if box[2] <= box[0] or box[3] <= box[1]:
                raise InputError(
                    f"layout '{self.layout.name}' element '{element.id or element.role}' has "
                    f"no room inside the safe area of {self.platform.id}",
                    hint="move its box or add an override for this platform",
                )
        low = max(1, math.floor(resolve_length(element.size.min, "s", w, h)))
        high = max(low, math.floor(resolve_length(element.size.max, "s", w, h)))
        grow = element.size.grow
        grown = math.floor(resolve_length(grow, "s", w, h)) if grow is not None else None
        floor = self._floor(element)
        largest = max(high, grown or 0)
        if floor and largest < floor and self._below_floor_everywhere(element):
            raise self._contradiction(element, largest, floor)
        # Legibility wins over a size range written for other platforms: at least the floor.
        low = max(low, floor)
        setup = TextSetup(
            box,
            self.resolver.chain(element.font),
            min(low, MAX_FONT_PX),
            min(max(high, low), MAX_FONT_PX),  # never under the floor
            min(grown, MAX_FONT_PX) if grown else None,
        )
        self.reuse.setups[id(element)] = setup
        return setup

    def _floor(self, element: TextElement, width: int | None = None) -> int:
        """The legibility floor of a text on this card (or one `width` px wide), in px."""
        legibility = self.layout.legibility
        phone = legibility.quote if self._quoting(element) else legibility.small
        # Up to a whole pixel (a hair's tolerance for `3.6%w`-style sizes written to it).
        return math.ceil(phone * (width or self.platform.width) / PHONE_WIDTH - 1e-3)

    def _below_floor_everywhere(self, element: TextElement) -> bool:
        """True when the element's largest size is under the floor on every built-in
        platform: the size range contradicts the floor (on only some, the floor wins)."""
        from cardgen.design.platforms import BUILTIN

        value = element.size.grow if element.size.grow is not None else element.size.max
        for platform in BUILTIN:
            largest = math.floor(resolve_length(value, "s", platform.width, platform.height))
            if largest >= self._floor(element, platform.width):
                return False
        return True

    def _contradiction(self, element: TextElement, largest: int, floor: int) -> InputError:
        kind = "quote" if self._quoting(element) else "small"
        phone = largest * PHONE_WIDTH / self.platform.width
        floor_phone = getattr(self.layout.legibility, kind)
        value = element.size.grow if element.size.grow is not None else element.size.max
        shown = value if isinstance(value, str) else f"{value}px"
        message = (
            f"layout '{self.layout.name}' element '{element.id or element.role}': size up to "
            f"{shown} is {largest}px on {self.platform.id}, {phone:.1f} px on a "
            f"{PHONE_WIDTH}-px phone, below the legibility floor of {floor_phone:g} px "
            f"(legibility.{kind}), and so on every platform: the size range contradicts the floor"
        )
        hint = (
            f"raise size.max to at least {floor / self.platform.width * 100:.1f}%w "
            f"(the floor on every platform), or lower legibility.{kind}"
        )
        where = locate(self.layout, value) if isinstance(value, str) else None
        if where is None:
            return InputError(message, hint=hint)
        return InputError(message, file=where[0], line=where[1], key=where[2], hint=hint)

    def _floor_note(self, element: TextElement, setup: TextSetup) -> str:
        if not self._quoting(element) or setup.min_size > self._floor(element):
            return ""
        floor = self.layout.legibility.quote
        return (
            f"at the legibility floor ({floor:g} px on a {PHONE_WIDTH}-px phone, "
            f"{setup.min_size}px on this card) the quote is too long for {self.platform.id}: "
            "cut part of it with an elision ([…]) or use a taller platform "
            "(instagram-portrait, instagram-story, pinterest)"
        )

    def _sizes(
        self, element: TextElement, setup: TextSetup, prepared: PreparedText, box: BoxPx
    ) -> tuple[int, int]:
        low, high = setup.min_size, setup.max_size
        if self._quoting(element):
            if setup.grow_size is not None and setup.grow_size > high:
                if element.size.fill is not None:
                    high = self._filling(element, prepared, box, high, setup.grow_size)
                else:
                    words = _words(prepared.text)
                    share = (words - GROW_WORDS) / (GROW_UNTIL_WORDS - GROW_WORDS)
                    share = min(1.0, max(0.0, share))
                    high = round(setup.grow_size - (setup.grow_size - high) * share)
        elif self.quote_size is not None:
            high = max(low, min(high, self.quote_size))
        return low, max(low, high)

    def _filling(
        self, element: TextElement, prepared: PreparedText, box: BoxPx, high: int, grow: int
    ) -> int:
        """`size.fill`: the largest size up to `grow` at which the quote's lines take at
        most `fill` of the box's height (`high`, the layout's max, when none does).

        Only the size: the fit that sets the quote gives way from it for better breaks,
        once (giving here as well compounded the two, to about 72% of it)."""
        assert element.size.fill is not None
        size = largest_size(
            prepared.text,
            box[2] - box[0],
            math.floor((box[3] - box[1]) * element.size.fill),
            high,
            grow,
            self._spaced(element, prepared).line_height,
            prepared.measure,
            max_lines=element.size.lines,
        )
        return high if size is None else max(high, size)

    def _note_quote(self, part: Part, words: int) -> None:
        assert isinstance(part.drawable, TextBlock)
        self.quote_size = part.drawable.size
        self.quote_words = max(self.quote_words, words)

    def _spaced(self, element: TextElement, prepared: PreparedText) -> TextElement:
        """Chinese, Japanese, Arabic, Thai... need more leading than Latin (`leading`)."""
        least = min_line_height(prepared.text)
        if element.line_height >= least:
            return element
        return element.model_copy(update={"line_height": least})

    def _align(self, element: TextElement, prepared: PreparedText) -> str:
        align = element.align
        if not self.mirrored and prepared.rtl and align != "center":
            # Unmirrored, left and right mean start and end in right-to-left text.
            align = "right" if align == "left" else "left"
        return align

    # --- groups -----------------------------------------------------------------

    def _group(self, group: GroupElement) -> Laid:
        w, h = self.platform.width, self.platform.height
        safe = self.platform.safe_box
        area = intersect(self._pixels(group), safe)
        if area[2] <= area[0] or area[3] <= area[1]:
            raise InputError(
                f"layout '{self.layout.name}' group '{group.id or 'group'}' has no room inside "
                f"the safe area of {self.platform.id}",
                hint="move its box or add an override for this platform",
            )
        backdrop = group.backdrop
        pad = round(resolve_length(backdrop.padding, "s", w, h)) if backdrop else 0
        inner = (area[0] + pad, area[1] + pad, area[2] - pad, area[3] - pad)
        room = (inner[0] - safe[0], safe[2] - inner[2])
        block = self._stack(group, inner[2] - inner[0], inner[3] - inner[1], room, top=True)
        x0, y0 = _towards_box_centre(group, block.extent, group.box.pixels(w, h), inner)
        parts = [(e, _moved(p, dx + x0, dy + y0)) for e, p, dx, dy in block.parts]
        extent = _shift(block.extent, x0, y0)
        inks = [p.ink for _, p in parts if p.drawable is not None]
        ink = _union(inks) if inks else extent
        shape: RectShape | None = None
        shadow = None
        if backdrop is not None:
            panel = (extent[0] - pad, extent[1] - pad, extent[2] + pad, extent[3] + pad)
            colour = self.resolver.colour(backdrop.fill, backdrop.opacity)
            radius = round(resolve_length(backdrop.radius, "s", w, h))
            shape = RectShape(panel, colour, radius, fill_name=backdrop.fill)
            if backdrop.shadow is not None:
                shadow = shadow_of(backdrop, shape, self.resolver, w, h)
            ink = _union([ink, panel])
        return [(group, Part(shape, shadow, area, ink)), *parts]

    def _stack(
        self, group: GroupElement, max_w: int, max_h: int, room: tuple[int, int], top: bool
    ) -> _Block:
        """The group's visible children one after another from (0, 0), within max_w x max_h."""
        w, h = self.platform.width, self.platform.height
        column = group.direction == "column"
        main_max = max_h if column else max_w
        cross_max = max_w if column else max_h
        gap = round(resolve_length(group.gap, "s", w, h))
        children = sorted(self._shown(group.children), key=lambda c: c.z)
        if not children:
            return _Block([], (0, 0, 0, 0))
        gaps = gap * (len(children) - 1)
        followers = [c for c in children if isinstance(c, LineElement) and c.follow]
        flexible = [c for c in children if self._quoting(c)]
        blocks: dict[int, _Block] = {}
        used = sum(self._thickness(c) for c in followers)
        # Fixed-size children first (shapes, then small print), then the quote takes the rest.
        # (By identity: comparing pydantic models compares every field.)
        placed_later = {id(c) for c in followers} | {id(c) for c in flexible}
        fixed = [c for c in children if id(c) not in placed_later]
        fixed.sort(key=lambda c: isinstance(c, TextElement | GroupElement))
        for child in [*fixed, *flexible]:
            remaining = max(0, main_max - used - gaps)
            blocks[id(child)] = self._child(child, column, remaining, cross_max, room)
            used += _main(blocks[id(child)].extent, column)
        if flexible and self.quote_size is not None:
            # Small print laid out before the quote may have come out larger: never.
            for child in fixed:
                # ...and a mark sized by the quote's size takes it now, in the room it kept.
                if (
                    isinstance(child, TextElement | GroupElement)
                    and _largest_text(blocks[id(child)].parts) > self.quote_size
                ) or (isinstance(child, QuoteMarkElement) and child.scale is not None):
                    before = _main(blocks[id(child)].extent, column)
                    blocks[id(child)] = self._child(child, column, before, cross_max, room)
                    used += _main(blocks[id(child)].extent, column) - before
        for child in followers:
            thickness = self._thickness(child)
            blocks[id(child)] = _Block(
                [], (0, 0, thickness, 0) if not column else (0, 0, 0, thickness)
            )
        total = used + gaps
        free = max(0, main_max - total)
        start, extra = 0.0, 0.0
        if group.justify == "center":
            start = free / 2
        elif group.justify == "end":
            start = free
        elif group.justify == "space-between" and len(children) > 1:
            extra = free / (len(children) - 1)
        parts: list[Placed] = []
        slots: dict[int, BoxPx] = {}
        at = start
        for child in children:
            block = blocks[id(child)]
            size_main = _main(block.extent, column)
            size_cross = _cross(block.extent, column)
            offset = 0
            if group.align == "center":
                offset = (cross_max - size_cross) // 2
            elif group.align == "end":
                offset = cross_max - size_cross
            x, y = (offset, round(at)) if column else (round(at), offset)
            dx, dy = x - block.extent[0], y - block.extent[1]
            parts.extend((e, p, pdx + dx, pdy + dy) for e, p, pdx, pdy in block.parts)
            slots[id(child)] = (
                x,
                y,
                x + (block.extent[2] - block.extent[0]),
                y + (block.extent[3] - block.extent[1]),
            )
            at += size_main + gap + extra
        if not column:
            parts = self._marks_to_first_line(parts)
        inks = _placed_inks(parts) if followers else {}
        for child in followers:
            assert isinstance(child, LineElement)
            slot = slots[id(child)]
            part = self._following_line(child, inks, None, slot, group.align)
            parts.append((child, part, 0, 0))
        extent = _union(list(slots.values()))
        return _Block(parts, extent)

    def _child(
        self, child: Element, column: bool, main: int, cross: int, room: tuple[int, int]
    ) -> _Block:
        """One child laid out at (0, 0), at most `main` long and `cross` wide."""
        w, h = self.platform.width, self.platform.height
        box = self._pixels(child)
        want_w, want_h = box[2] - box[0], box[3] - box[1]
        max_w = min(want_w, cross if column else main)
        max_h = min(want_h, main if column else cross)
        if isinstance(child, GroupElement):
            return self._stack(child, max_w, max_h, room, top=False)
        if isinstance(child, TextElement):
            return self._child_text(child, max_w, max_h, room, column)
        drawable: Shape | None
        if isinstance(child, QuoteMarkElement):
            part = self._mark_part(child, (0, 0, max_w, max_h), fitted=True)
            return _Block([(child, part, 0, 0)], part.box)
        elif isinstance(child, LineElement):
            thickness = self._thickness(child)
            if child.orientation == "horizontal":
                drawable = with_changes(
                    line_shape(child, self.resolver, w, h),
                    start=(0, thickness // 2),
                    end=(max_w, thickness // 2),
                )
                box = (0, 0, max_w, thickness)
            else:
                drawable = with_changes(
                    line_shape(child, self.resolver, w, h),
                    start=(thickness // 2, 0),
                    end=(thickness // 2, max_h),
                )
                box = (0, 0, thickness, max_h)
            return _Block([(child, Part(drawable, None, box, box), 0, 0)], box)
        elif isinstance(child, RectElement):
            drawable = with_changes(
                rect_shape(child, self.resolver, w, h), box=(0, 0, max_w, max_h)
            )
        else:
            assert isinstance(child, ImageElement)
            # Checking a picture's file costs a decode: once per file version and size.
            known = reuse_key(child, self.content, self.resolver.brand)
            key = (known[0], (known[1], max_w, max_h)) if known is not None else None
            if key is not None and key in self.reuse.parts:
                part = self.reuse.parts[key]
                return _Block([(child, part, 0, 0)], part.box)
            image = image_shape(child, self.resolver.brand, w, h)
            if image is None:
                return _Block([], (0, 0, 0, 0))
            drawable = _fitted_image(with_changes(image, box=(0, 0, max_w, max_h)))
            shadow = shadow_of(child, drawable, self.resolver, w, h)
            part = Part(drawable, shadow, drawable.box, _ink_of(drawable))
            if key is not None:
                self.reuse.remember(key, part)
            return _Block([(child, part, 0, 0)], part.box)
        shadow = shadow_of(child, drawable, self.resolver, w, h)
        extent = _box_of(drawable)
        part = Part(drawable, shadow, extent, _ink_of(drawable))
        return _Block([(child, part, 0, 0)], extent)

    def _child_text(
        self, child: TextElement, max_w: int, max_h: int, room: tuple[int, int], column: bool
    ) -> _Block:
        # Small print (attribution, title, handle) is the same on every card of a batch:
        # laid out once for its text, room and size cap, like a fixed element. (The quote's
        # cap is None: it is laid out first.)
        cap = None if self._quoting(child) else self.quote_size
        facts = (self.content.fill(child.text), max_w, max_h, room, column, cap)
        key = (id(child), ("text", self.mirrored, facts))
        known = self._known_text(child, key)
        if known is not None:
            return _Block([(child, known, 0, 0)], known.box)
        setup = self._setup(child, clip=False)
        prepared = prepare_text(
            child, self.content, self.resolver, self.platform, self.label, setup.chain
        )
        if prepared is None:
            return _Block([], (0, 0, 0, 0))
        block, height = set_text(
            self._spaced(child, prepared),
            prepared,
            (0, 0, max_w, max_h),
            self._sizes(child, setup, prepared, (0, 0, max_w, max_h)),
            self._align(child, prepared),
            "top",
            room,
            self._floor_note(child, setup),
        )
        top, tall = _line_box(block, height)
        wide = max_w
        if not column and not self._quoting(child):
            wide = min(max_w, max(0, block.ink_box[2]) + 1)  # small print in a row: its width
        box = (0, top, wide, tall)
        block = with_changes(block, box=box)
        w, h = self.platform.width, self.platform.height
        part = Part(block, shadow_of(child, block, self.resolver, w, h), box, block.ink_box)
        self._laid_text(child, key, part, _words(prepared.text))
        return _Block([(child, part, 0, 0)], box)

    def _top_mark(self, mark: QuoteMarkElement) -> Part:
        """A mark placed by its own box (the quote is laid out before it)."""
        box = intersect(self._pixels(mark), self.platform.safe_box)
        return self._mark_part(mark, box, fitted=False)

    def _mark_part(self, mark: QuoteMarkElement, box: BoxPx, fitted: bool) -> Part:
        """The mark drawn in `box`, its ink's top-left corner on the box's: as large as the
        box allows, or at its `scale` of the quote's size once the quote has one. `fitted`:
        its box is its ink (a group's child takes the room it draws)."""
        char = _mark(self.reuse, mark, self.lang)
        size = self._mark_size(mark)
        key = (id(mark), ("mark", char, box, size))
        part = self.reuse.parts.get(key)
        if part is None:
            drawable = quote_mark_block(mark, self.resolver, box, char, size)
            if fitted:
                drawable = with_changes(drawable, box=drawable.ink_box)
            w, h = self.platform.width, self.platform.height
            shadow = shadow_of(mark, drawable, self.resolver, w, h)
            part = Part(drawable, shadow, drawable.box, drawable.ink_box)
            self.reuse.remember(key, part)
        return part

    def _mark_size(self, mark: QuoteMarkElement) -> int:
        """The mark's font size by its `scale` of the quote's fitted size (0: fill its box,
        as a mark without `scale` does, and any before the quote is fitted)."""
        if mark.scale is None or self.quote_size is None:
            return 0
        return max(1, round(mark.scale * self.quote_size))

    def _marks_to_first_line(self, parts: list[Placed]) -> list[Placed]:
        """In a row, a quote mark sits level with the top of the quote's first line."""
        tops = [p.ink[1] + dy for e, p, _, dy in parts if self._quoting(e)]
        if not tops:
            return parts
        return [
            (e, p, dx, tops[0] - p.ink[1] if isinstance(e, QuoteMarkElement) else dy)
            for e, p, dx, dy in parts
        ]

    def _thickness(self, line: Element) -> int:
        if not isinstance(line, LineElement):
            return 0
        w, h = self.platform.width, self.platform.height
        return max(1, round(resolve_length(line.thickness, "s", w, h)))

    def _following_line(
        self,
        line: LineElement,
        inks: dict[str, BoxPx],
        box: Box | None,
        slot: BoxPx | None = None,
        align: str = "start",
    ) -> Part:
        """A rule as long as the ink of the text it follows (never longer than its box)."""
        target = inks.get(line.follow or "")
        if target is None:
            where = locate(self.layout, line.follow or "")
            message = (
                f"layout '{self.layout.name}' line '{line.id or 'line'}' follows "
                f"'{line.follow}', which is not drawn before it in the same group"
            )
            hint = "name the id of a text in the same group (or at the top level)"
            if where is None:
                return _raise(InputError(message, hint=hint))
            raise InputError(message, file=where[0], line=where[1], key=where[2], hint=hint)
        w, h = self.platform.width, self.platform.height
        limit = line.box.pixels(w, h)
        thickness = self._thickness(line)
        shape = line_shape(line, self.resolver, w, h)
        if line.orientation == "horizontal":
            length = min(target[2] - target[0], limit[2] - limit[0])
            if slot is None:  # at the top level: from the box's left edge
                x0, y = limit[0], limit[1]
            else:
                x0 = _aligned(target[0], target[2], length, align)
                y = slot[1] + thickness // 2
            start, end = (x0, y), (x0 + length, y)
            ink = (x0, y - thickness // 2, x0 + length, y - thickness // 2 + thickness)
        else:
            length = min(target[3] - target[1], limit[3] - limit[1])
            x = limit[0] if slot is None else slot[0] + thickness // 2
            y0 = target[1]
            start, end = (x, y0), (x, y0 + length)
            ink = (x - thickness // 2, y0, x - thickness // 2 + thickness, y0 + length)
        drawn = with_changes(shape, start=start, end=end)
        return Part(drawn, None, ink, ink)

    def _shown(self, elements: list[Element]) -> list[Element]:
        """The elements drawn: not empty texts, nor a rule written just before one (no
        rule stands over nothing), nor a mark the quote's language does without."""
        gone = set()
        for index, element in enumerate(elements):
            if not self._visible(element):
                gone.add(id(element))
                if (
                    isinstance(element, TextElement)
                    and index
                    and isinstance(elements[index - 1], LineElement)
                ):
                    gone.add(id(elements[index - 1]))
        return [e for e in elements if id(e) not in gone]

    def _pixels(self, element: Element) -> BoxPx:
        """The element's box in pixels on this platform, kept per element."""
        known = self.reuse.boxes.get(id(element))
        if known is None:
            w, h = self.platform.width, self.platform.height
            known = self.reuse.boxes[id(element)] = element.box.pixels(w, h)
        return known

    def _quoting(self, element: Element) -> bool:
        """`_shows_quote`, kept per element (asked some 30 times a card)."""
        known = self.reuse.quoting.get(id(element))
        if known is None:
            known = self.reuse.quoting[id(element)] = _shows_quote(element)
        return known

    def _visible(self, element: Element) -> bool:
        if isinstance(element, TextElement):
            return not (element.hide_if_empty and self.content.is_empty(element.text))
        if isinstance(element, QuoteMarkElement):
            return bool(_mark(self.reuse, element, self.lang))
        if isinstance(element, ImageElement):
            return not (element.src == "brand.logo" and self.resolver.brand.logo is None)
        return True


def _raise(error: Exception) -> Part:
    raise error


def _mark(reuse: ReuseGroup, element: QuoteMarkElement, lang: str) -> str:
    """`mark_char`, kept per element and language in the card's reuse group."""
    key = (id(element), lang)
    known = reuse.marks.get(key)
    if known is None:
        known = reuse.marks[key] = mark_char(element, lang)
    return known


def _shows_quote(element: Element) -> bool:
    if isinstance(element, TextElement):
        return "{quote}" in element.text
    if isinstance(element, GroupElement):
        return any(_shows_quote(c) for c in element.children)
    return False


# Chinese and Japanese characters (kana, ideographs, full-width forms): counted as
# half a word each, and what makes a text want open leading.


@functools.lru_cache(maxsize=256)
def _cjk_count(text: str) -> int:
    return sum(map(is_cjk, text))


@functools.lru_cache(maxsize=256)
def _words(text: str) -> int:
    """Words of a text; Chinese and Japanese count a word for every two characters."""
    ideographs = _cjk_count(text)
    if ideographs:
        text = "".join(" " if is_cjk(char) else char for char in text)
    spaced = len(text.split())
    return spaced + math.ceil(ideographs / 2)


def _line_box(block: TextBlock, height: float) -> tuple[int, int]:
    """Top and bottom of a text's lines in a group: from the first baseline up by its own
    font's ascent, from the last one down by its descent, and any ink beyond (a tail or
    an accent past the metrics), as fitting reserves it (`ChainMeasurer.metrics`). The
    fallback fonts' taller metrics would put air around Arabic or Japanese text that
    Latin text does not get: Noto Sans Arabic's line is 1.7 times Inter's, and an Arabic
    name stood apart from its rule and source, a Japanese quote further from its mark."""
    if not block.lines:
        return min(0, block.ink_box[1]), max(math.ceil(height), block.ink_box[3])
    ascent, descent = FontMeasurer(block.face).metrics(block.size)
    top = min(math.floor(block.lines[0].baseline - ascent), block.ink_box[1])
    bottom = max(math.ceil(block.lines[-1].baseline + descent), block.ink_box[3])
    return top, bottom


def _placed_inks(parts: list[Placed]) -> dict[str, BoxPx]:
    """Where each named part's ink lands once moved: what a following rule measures."""
    return {e.id: _shift(p.ink, pdx, pdy) for e, p, pdx, pdy in parts if e.id}


def _main(extent: BoxPx, column: bool) -> int:
    return extent[3] - extent[1] if column else extent[2] - extent[0]


def _cross(extent: BoxPx, column: bool) -> int:
    return extent[2] - extent[0] if column else extent[3] - extent[1]


def _aligned(low: int, high: int, length: int, align: str) -> int:
    if align == "center":
        return (low + high - length) // 2
    if align == "end":
        return high - length
    return low


def _largest_text(parts: list[Placed]) -> int:
    sizes = [p.drawable.size for _, p, _, _ in parts if isinstance(p.drawable, TextBlock)]
    return max(sizes, default=0)


def _towards_box_centre(
    group: GroupElement, extent: BoxPx, box: BoxPx, inner: BoxPx
) -> tuple[int, int]:
    """Where a top-level group's block, laid out from (0, 0) in `inner` (its box within the
    safe area), goes. Centred along an axis, it centres on its own box, not on the part
    inside the safe area, as far as the safe area lets it: a story's safe area is taller
    at the bottom, and a block centred in it sits visibly high on the card."""
    column = group.direction == "column"
    centred = (
        group.justify == "center" if column else group.align == "center",  # vertically
        group.align == "center" if column else group.justify == "center",  # horizontally
    )
    x0, y0 = inner[0], inner[1]
    if centred[1]:
        x0 = _centred_within(extent[0], extent[2], box[0], box[2], inner[0], inner[2])
    if centred[0]:
        y0 = _centred_within(extent[1], extent[3], box[1], box[3], inner[1], inner[3])
    return x0, y0


def _centred_within(start: int, end: int, low: int, high: int, lowest: int, highest: int) -> int:
    """The offset that puts [start, end] at the middle of [low, high], kept in
    [lowest, highest] (never further in than laying it out from `lowest` put it)."""
    offset = round((low + high) / 2 - (start + end) / 2)
    return max(lowest - start, min(offset, highest - end))


def _union(boxes: list[BoxPx]) -> BoxPx:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _shift(box: BoxPx, dx: int, dy: int) -> BoxPx:
    return box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy


def _moved_shape(shape: Shape, dx: int, dy: int) -> Shape:
    if isinstance(shape, RectShape | ImageShape):
        return with_changes(shape, box=_shift(shape.box, dx, dy))
    if isinstance(shape, LineShape):
        return with_changes(
            shape,
            start=(shape.start[0] + dx, shape.start[1] + dy),
            end=(shape.end[0] + dx, shape.end[1] + dy),
        )
    lines = tuple(
        PlacedLine(line.text, line.x + dx, line.baseline + dy, line.runs) for line in shape.lines
    )
    return with_changes(
        shape, lines=lines, box=_shift(shape.box, dx, dy), ink_box=_shift(shape.ink_box, dx, dy)
    )


def _moved(part: Part, dx: int, dy: int) -> Part:
    if not dx and not dy:
        return part
    drawable = _moved_shape(part.drawable, dx, dy) if part.drawable is not None else None
    shadow = part.shadow
    if shadow is not None:
        shadow = with_changes(shadow, of=_moved_shape(shadow.of, dx, dy))
    return Part(drawable, shadow, _shift(part.box, dx, dy), _shift(part.ink, dx, dy))


Frozen = TypeVar("Frozen")


def with_changes(shape: Frozen, **changes: object) -> Frozen:
    """`dataclasses.replace` for the scene's frozen dataclasses (no `__post_init__`, no
    slots), without its look at every field on each call: a card moves a dozen shapes,
    and `replace` was ~5% of laying one out."""
    new = object.__new__(type(shape))
    new.__dict__.update(shape.__dict__)
    new.__dict__.update(changes)
    return new


def _box_of(shape: Shape) -> BoxPx:
    if isinstance(shape, LineShape):
        return _ink_of(shape)
    return shape.box


def _ink_of(shape: Shape) -> BoxPx:
    if isinstance(shape, TextBlock):
        return shape.ink_box
    if isinstance(shape, LineShape):
        half = shape.thickness // 2
        (x0, y0), (x1, y1) = shape.start, shape.end
        if y0 == y1:
            return x0, y0 - half, x1, y0 - half + shape.thickness
        return x0 - half, y0, x0 - half + shape.thickness, y1
    if isinstance(shape, ImageShape):
        return _contained(shape)
    return shape.box


def _contained(shape: ImageShape) -> BoxPx:
    """Where a contained picture lands inside its box (by align and valign)."""
    if shape.fit != "contain":
        return shape.box
    from cardgen.design.images import aspect

    left, top, right, bottom = shape.box
    box_w, box_h = right - left, bottom - top
    ratio = aspect(shape.path)
    pic_w, pic_h = (
        (box_w, round(box_w / ratio))
        if ratio >= box_w / max(1, box_h)
        else (
            round(box_h * ratio),
            box_h,
        )
    )
    x = {"left": left, "right": right - pic_w}.get(shape.align, left + (box_w - pic_w) // 2)
    y = {"top": top, "bottom": bottom - pic_h}.get(shape.valign, top + (box_h - pic_h) // 2)
    return x, y, x + pic_w, y + pic_h


def _fitted_image(shape: ImageShape) -> ImageShape:
    """In a group, a contained picture takes only the room it fills."""
    ink = _contained(with_changes(shape, align="left", valign="top"))
    return with_changes(shape, box=ink)


def _info(element: Element, part: Part, counts: dict[str, int]) -> ElementInfo:
    kind = element.type
    counts[kind] = counts.get(kind, 0) + 1
    name = element.id or f"{kind}-{counts[kind]}"
    role = element.role if isinstance(element, TextElement) else kind
    lines = (
        tuple(line.text for line in part.drawable.lines)
        if isinstance(part.drawable, TextBlock) and isinstance(element, TextElement)
        else ()
    )
    return ElementInfo(name, kind, role, part.box, part.ink, lines)


# --- quotes and mirroring -----------------------------------------------------------

_PAIRS = {
    "\u201c": "\u201d",
    "\u2018": "\u2019",
    "\u00ab": "\u00bb",
    "\u00bb": "\u00ab",
    "\u201e": "\u201c",
    "\u201a": "\u2018",
    "\u2039": "\u203a",
    "\u300c": "\u300d",
    "\u300e": "\u300f",
    '"': '"',
}


def strip_outer_quotes(text: str) -> str:
    """`“Words.”` -> `Words.`: a quote wholly inside one pair of quote marks loses them
    (the layout's decorative mark already opens it). `“A” and “B”` keeps its marks."""
    body = text.strip()
    if len(body) < 3 or body[0] not in _PAIRS:
        return text
    opener, closer = body[0], _PAIRS[body[0]]
    if body[-1] not in (closer, '"' if opener in "\u201c\u201e" else closer):
        return text
    inner = body[1:-1]
    if opener != closer:
        depth = 0
        for char in inner:
            if char == opener:
                depth += 1
            elif char == closer:
                depth -= 1
                if depth < 0:
                    return text  # the first mark closes inside: not one outer pair
    elif opener in inner:
        return text
    return inner.strip() or text


def mirrored(
    layout: Layout, platform: Platform, kept: dict[tuple[int, int, int], tuple[Layout, Layout]]
) -> Layout:
    """The layout seen in a mirror, for right-to-left quotes: boxes, alignments, rows
    and gradients flipped left to right (the text itself is not mirrored). `kept` holds
    the layouts mirrored before (a `SceneMemo`'s), each with the layout it mirrors."""
    key = (id(layout), platform.width, platform.height)
    held = kept.get(key)
    if held is not None and held[0] is layout:
        return held[1]
    elements = [_mirror(e, platform, top=True) for e in layout.elements]
    background = layout.background
    if background.gradient is not None and background.gradient.kind == "linear":
        gradient = background.gradient.model_copy(
            update={"angle": (360 - background.gradient.angle) % 360}
        )
        background = background.model_copy(update={"gradient": gradient})
    flipped = layout.model_copy(update={"elements": elements, "background": background})
    if len(kept) > 64:
        kept.clear()
    kept[key] = (layout, flipped)
    return flipped


_FLIP = {"left": "right", "right": "left", "start": "end", "end": "start"}


def _mirror(element: Element, platform: Platform, top: bool) -> Element:
    update: dict[str, object] = {}
    if top:
        _, _, right, _ = element.box.pixels(platform.width, platform.height)
        update["box"] = element.box.model_copy(update={"x": platform.width - right})
    if isinstance(element, TextElement | ImageElement):
        update["align"] = _FLIP.get(element.align, element.align)
    if isinstance(element, GroupElement):
        children = [_mirror(c, platform, top=False) for c in element.children]
        if element.direction == "row":
            children.reverse()
            update["justify"] = _FLIP.get(element.justify, element.justify)
        else:
            update["align"] = _FLIP.get(element.align, element.align)
        update["children"] = children
    return element.model_copy(update=update)
