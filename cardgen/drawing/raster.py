"""Paint a Scene with Pillow and encode it; the only module that draws pixels."""

from __future__ import annotations

import functools
import hashlib
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from PIL import Image, ImageChops, ImageDraw, ImageFont

from cardgen.drawing.encoders import ENCODE_OPTIONS
from cardgen.drawing.scene import (
    RGBA,
    BoxPx,
    GradientFill,
    ImageFill,
    ImageShape,
    LineShape,
    PlacedRun,
    RectShape,
    Scene,
    ShadowShape,
    SolidFill,
    TextBlock,
)
from cardgen.typography.fonts import (
    FEATURES,
    FontFace,
    damaged_font,
    font_info,
    load_font,
    run_direction,
    run_font,
)
from cardgen.typography.shaping import cluster_offsets

RGB = tuple[int, int, int]

# Flat cards (solid colours plus anti-aliased edges) are written as 256-colour
# palette PNGs: about a third of the bytes of full-colour PNG level 6, in less
# time. Gradients and photos stay full colour: a palette would band them.
# Every setting here was chosen by `make bench` (see benchmarks/README.md).
PALETTE_PNG_OPTIONS: dict[str, object] = {"format": "PNG", "compress_level": 3}
# Photo-like cards (grain, thousands of colours) barely compress: zlib level 6
# takes about 6x the time of level 1 for some 16% fewer bytes, so level 1.
PHOTO_PNG_OPTIONS: dict[str, object] = {"format": "PNG", "compress_level": 1}
PHOTO_SAMPLE_COLOURS = 4096  # more distinct colours than this in the sample: a photo
PALETTE_COLOURS = 256
PALETTE_SAMPLE_STEP = 4  # flatness is judged on every 4th pixel of every 4th row
PALETTE_MAX_SAMPLE_COLOURS = 1024  # more distinct colours than this: not a flat card
KEY_COLOUR_SHARE = 0.01  # a colour on at least 1% of the card must come out exact
PALETTE_MAX_KEY_COLOURS = 16  # more large areas of distinct colour: a gradient, not flat
# A palette that moves more than 0.5% of a card's smooth areas by 3+ levels bands
# visibly (the `card` layout's soft shadow: 2-4%; flat cards: at most 0.06%).
BANDING_STEP = 8
BANDING_MAX_SHARE = 0.005
MOVED_LEVELS = 3  # a pixel moved this far by the palette can show a step
SMOOTH_LEVELS = 6  # neighbours within this many levels: a smooth area
# A scene that proves its card flat (below) names its colours; more than this many and
# their anti-aliased edges could outnumber a palette: the pixels are judged instead.
FLAT_MAX_PAINTS = 5


def draw_scene(scene: Scene) -> Image.Image:
    """The card as an RGB image."""
    try:
        return _draw_scene(scene)
    except OSError as exc:
        # FreeType can fail drawing glyphs that measured well (a damaged font's hinting or
        # outlines): name the font file, as for any other bad input.
        culprit = _undrawable_face(scene)
        if culprit is None:
            raise
        raise damaged_font(culprit, exc) from None


def _undrawable_face(scene: Scene) -> Path | None:
    """The font file of the first piece of the scene's text that FreeType cannot draw."""
    for block in scene.drawables:
        if not isinstance(block, TextBlock):
            continue
        for line in block.lines:
            pieces = [(run.face, run.text) for run in line.runs] or [(block.face, line.text)]
            for face, text in pieces:
                try:
                    run_font(face, block.size)[0].getmask(text)
                except OSError:
                    return face.path
    return None


def _draw_scene(scene: Scene) -> Image.Image:
    image = background_image(scene.width, scene.height, scene.background)
    # One drawing context for every opaque paint (each costs ~30 us to make); pastes
    # change the image in place, so it stays valid.
    draw = ImageDraw.Draw(image)
    for drawable in scene.drawables:
        _PAINTERS[type(drawable)].paint(image, draw, drawable)
    return image


def encode(image: Image.Image, fmt: str, flat: FlatCard | None = None) -> bytes:
    """Encode deterministically: same pixels and settings give the same bytes.

    PNG: a photo-like card is written at zlib level 1 (`PHOTO_PNG_OPTIONS`), a
    flat card as a palette image (`flat_palette`), anything else (gradients)
    in full colour with `ENCODE_OPTIONS`, as are JPEG and WebP. `flat`: what a
    scene that proves its card flat says of it (`flat_card`), which spares most of
    judging the pixels.
    """
    buffer = io.BytesIO()
    if fmt == "png" and image.mode == "RGB":
        # One sample of the pixels decides the path; it costs well under a millisecond.
        sample = palette_sample(image)
        quantised = None
        if flat is not None:
            # The quantised card is kept for judging the pixels if the scene's word fails.
            quantised = octree(image)
            painted = painted_palette(image, flat, sample, quantised)
            if painted is not None:
                painted.save(buffer, **PALETTE_PNG_OPTIONS)  # type: ignore[arg-type]
                return buffer.getvalue()
        colours = sample.getcolors(PHOTO_SAMPLE_COLOURS)
        if colours is None:
            image.save(buffer, **PHOTO_PNG_OPTIONS)  # type: ignore[arg-type]
            return buffer.getvalue()
        palette = _flat_palette(image, sample, colours, quantised)
        if palette is not None:
            palette.save(buffer, **PALETTE_PNG_OPTIONS)  # type: ignore[arg-type]
            return buffer.getvalue()
    image.save(buffer, **ENCODE_OPTIONS[fmt])  # type: ignore[arg-type]
    return buffer.getvalue()


@dataclass(frozen=True)
class FlatCard:
    """What a scene that proves its card flat says of the pixels (`flat_card`)."""

    paints: tuple[RGB, ...]  # every colour it paints: background, text, rules, panels
    pictures: tuple[BoxPx, ...]  # where its pictures (logos) are: judged by their pixels


def flat_card(scene: Scene) -> FlatCard | None:
    """The colours and pictures of a scene that proves its card flat, else None.

    Flat: a solid background and only opaque rectangles, lines and text in outline
    fonts (no shadow, gradient, translucency or colour glyph), and pictures. Outside
    its pictures such a card's pixels are its few colours and the anti-aliased edges
    between them, so the scene says what a sample of the pixels would.
    """
    if not isinstance(scene.background, SolidFill):
        return None
    paints = {scene.background.colour}
    pictures: list[BoxPx] = []
    for drawable in scene.drawables:
        if isinstance(drawable, TextBlock):
            # (`font_info` is what `forget_font_files` drops when a font file changes.)
            if any(font_info(f.path, f.index).coloured for f in _faces_of(drawable)):
                return None
            paints.add(drawable.colour)
            if drawable.emphasis_colour is not None:
                paints.add(drawable.emphasis_colour)
        elif isinstance(drawable, RectShape):
            paints.add(drawable.colour)
            if drawable.stroke is not None and drawable.stroke_width:
                paints.add(drawable.stroke)
        elif isinstance(drawable, LineShape):
            paints.add(drawable.colour)
        elif isinstance(drawable, ImageShape):
            pictures.append(drawable.box)
        else:
            return None
    if len(paints) > FLAT_MAX_PAINTS or any(colour[3] != 255 for colour in paints):
        return None
    return FlatCard(tuple(sorted(colour[:3] for colour in paints)), tuple(pictures))


def _faces_of(block: TextBlock) -> set[FontFace]:
    return {block.face, *block.faces, *(run.face for line in block.lines for run in line.runs)}


def painted_palette(
    image: Image.Image,
    flat: FlatCard,
    sample: Image.Image | None = None,
    quantised: Image.Image | None = None,
) -> Image.Image | None:
    """`image` as a palette image, judged from what its scene says (`flat_card`), or None
    to judge its pixels instead (two key colours in one cluster of the quantiser, a
    picture of many colours or whose smooth areas the palette would band).

    Every paint comes out exact, so no smooth area of paint moves (`banding` would find
    nothing); a paint the sample misses covers too little to need it (a hairline, an
    accent letter). A picture's own colours are keys as on any card (`KEY_COLOUR_SHARE`),
    and its smooth areas are checked for bands where it lies. `sample` and `quantised`:
    `palette_sample` and `octree` of `image` if already made (neither is changed unless
    the palette is returned)."""
    quantised = octree(image) if quantised is None else quantised
    sample = palette_sample(image) if sample is None else sample
    grid = sample.size
    pixels = sample.tobytes("raw", "RGBX")
    columns, rows = sampled_from(image.size, grid)
    keys: list[tuple[RGB, tuple[int, int]]] = []
    for colour in flat.paints:
        at = _pixel_index(pixels, bytes(colour), 4)
        if at is not None:
            keys.append((colour, (columns[at % grid[0]], rows[at // grid[0]])))
    exact_paints = frozenset(colour for colour, _ in keys)
    for box in flat.pictures:
        found = _picture_keys(image, quantised, box, exact_paints)
        if found is None:
            return None
        keys.extend(found)
    exact: dict[int, RGB] = {}
    for colour, where in keys:
        if image.getpixel(where) != colour:
            return None  # Pillow sampled elsewhere than `sampled_from` says
        index = cast(int, quantised.getpixel(where))
        if exact.get(index, colour) != colour:
            return None  # two key colours in one cluster: one would come out wrong
        exact[index] = colour
    return _with_exact(quantised, exact)


def _picture_keys(
    image: Image.Image, quantised: Image.Image, box: BoxPx, exact: frozenset[RGB]
) -> list[tuple[RGB, tuple[int, int]]] | None:
    """The key colours of a picture's area with one pixel of each, or None when the area
    has too many colours or would band. `exact`: the colours that come out exact.

    What the area's pixels say is kept for the cards after (a logo is the same pixels on
    every card of a size); only a possible band is measured again, against each card's
    palette."""
    left, top = max(0, box[0]), max(0, box[1])
    right, bottom = min(image.width, box[2]), min(image.height, box[3])
    if right <= left or bottom <= top:
        return []
    area = image.crop((left, top, right, bottom))
    digest = hashlib.blake2b(area.tobytes(), digest_size=16).digest()
    known = (digest, (left, top), image.size, exact)
    look = _PICTURE_LOOKS.get(known)
    if look is None:
        look = _look_at(area, (left, top), image.size, exact)
        if len(_PICTURE_LOOKS) >= PICTURE_LOOKS_KEPT:
            _PICTURE_LOOKS.clear()
        _PICTURE_LOOKS[known] = look
    if look.keys is None:
        return None
    if look.may_band:
        share = area.width * area.height / (image.width * image.height)
        if banding(area, quantised.crop((left, top, right, bottom))) * share > BANDING_MAX_SHARE:
            return None
    return list(look.keys)


@dataclass(frozen=True)
class PictureLook:
    """What a picture's area on a flat card says: its key colours with a pixel of each
    (None: too many colours), and whether its pixels of other colours are enough to band."""

    keys: tuple[tuple[RGB, tuple[int, int]], ...] | None
    may_band: bool


PICTURE_LOOKS_KEPT = 64
_PICTURE_LOOKS: dict[
    tuple[bytes, tuple[int, int], tuple[int, int], frozenset[RGB]], PictureLook
] = {}


def _look_at(
    area: Image.Image, at: tuple[int, int], size: tuple[int, int], exact: frozenset[RGB]
) -> PictureLook:
    colours = area.getcolors(PALETTE_MAX_SAMPLE_COLOURS)
    if colours is None:
        return PictureLook(None, False)
    least = size[0] * size[1] * KEY_COLOUR_SHARE
    keys = [cast(RGB, c) for count, c in colours if count >= least and c not in exact]
    found = []
    if keys:
        pixels = area.tobytes("raw", "RGBX")
        for colour in keys:
            index = pixel_with(pixels, bytes(colour), 4)
            found.append((colour, (at[0] + index % area.width, at[1] + index // area.width)))
    # `banding` judges the area on its grid of every 8th pixel, and a pixel of a colour
    # that comes out exact never moves: if the others could not reach the bound, no
    # palette can band the area.
    grid = (max(1, area.width // BANDING_STEP), max(1, area.height // BANDING_STEP))
    sampled = area.resize(grid, Image.Resampling.NEAREST).getcolors(grid[0] * grid[1]) or []
    kept = exact | set(keys)
    others = sum(count for count, colour in sampled if colour not in kept)
    share = area.width * area.height / (size[0] * size[1])
    return PictureLook(tuple(found), others / (grid[0] * grid[1]) * share > BANDING_MAX_SHARE)


def _with_exact(quantised: Image.Image, colours: dict[int, RGB]) -> Image.Image:
    """`quantised` with each palette entry of `colours` (index: colour) set exactly."""
    palette = quantised.getpalette()
    assert palette is not None
    for index, colour in colours.items():
        palette[3 * index : 3 * index + 3] = colour
    quantised.putpalette(palette)
    return quantised


def octree(image: Image.Image) -> Image.Image:
    """`image` in `PALETTE_COLOURS` colours by Pillow's fast octree, no dithering: the
    palette a flat card starts from (its key colours are then set exact)."""
    return image.quantize(
        PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
    )


def palette_sample(image: Image.Image) -> Image.Image:
    """Every `PALETTE_SAMPLE_STEP`th pixel of every such row: enough to judge the colours."""
    width, height = image.size
    grid = (max(1, width // PALETTE_SAMPLE_STEP), max(1, height // PALETTE_SAMPLE_STEP))
    return image.resize(grid, Image.Resampling.NEAREST)


def is_photo_like(image: Image.Image) -> bool:
    """True for photographic pixels (grain, thousands of colours) that barely compress."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    return palette_sample(rgb).getcolors(PHOTO_SAMPLE_COLOURS) is None


def flat_palette(image: Image.Image) -> Image.Image | None:
    """`image` as a palette image when that is visually lossless, else None.

    A card is flat when a sample of its pixels has few distinct colours. The
    fast octree quantiser averages each cluster, which would shift a brand
    colour by a level or two, so every colour covering `KEY_COLOUR_SHARE` of
    the sample gets its exact value back in the palette; when two such colours
    share a cluster (close shades, e.g. a gradient) the palette cannot keep
    them apart and the card stays full colour.
    """
    if image.mode != "RGB":
        return None
    sample = palette_sample(image)
    return _flat_palette(image, sample, sample.getcolors(PALETTE_MAX_SAMPLE_COLOURS))


def _flat_palette(
    image: Image.Image,
    sample: Image.Image,
    colours: list[tuple[int, tuple[int, ...]]] | list[tuple[int, float]] | None,
    quantised: Image.Image | None = None,
) -> Image.Image | None:
    """`colours`: the sample's colours with their counts (`getcolors`), None when too many;
    `quantised`: `octree(image)` if already made."""
    grid = sample.size
    if colours is None or len(colours) > PALETTE_MAX_SAMPLE_COLOURS:
        return None
    least = max(1, round(grid[0] * grid[1] * KEY_COLOUR_SHARE))
    keys = [cast(tuple[int, int, int], pixel) for count, pixel in colours if count >= least]
    if len(keys) > PALETTE_MAX_KEY_COLOURS:
        return None
    quantised = octree(image) if quantised is None else quantised
    # The octree maps a colour to its cluster by value alone, so one pixel of each key
    # colour tells its index: found in the sample's bytes (4 a pixel: a plain copy),
    # then read in the palette image where that sample was taken from.
    pixels = sample.tobytes("raw", "RGBX")
    columns, rows = sampled_from(image.size, grid)
    indices: bytes | None = None
    key: dict[int, tuple[int, int, int]] = {}
    for colour in keys:
        at = pixel_with(pixels, bytes(colour), 4)
        where = (columns[at % grid[0]], rows[at // grid[0]])
        if image.getpixel(where) == colour:
            index = cast(int, quantised.getpixel(where))
        else:  # Pillow sampled elsewhere than `sampled_from` says: sample the indices too
            if indices is None:
                indices = quantised.resize(grid, Image.Resampling.NEAREST).tobytes()
            index = indices[at]
        if index in key:
            return None  # two key colours in one cluster: one would come out wrong
        key[index] = colour
    _with_exact(quantised, key)
    return None if has_bands(image, quantised) else quantised


def banding(image: Image.Image, quantised: Image.Image) -> float:
    """Share of the card's smooth areas (soft shadows, gradients, where neighbouring
    pixels differ by at most a few levels) that the palette moves by 3 levels or more:
    there a palette shows steps (bands). Measured on every 8th pixel of every 8th row,
    per channel; anti-aliased text edges are not smooth, so they do not count."""
    grid = (max(1, image.width // BANDING_STEP), max(1, image.height // BANDING_STEP))
    original = image.resize(grid, Image.Resampling.NEAREST)
    palette = quantised.resize(grid, Image.Resampling.NEAREST).convert("RGB")
    # Thresholds by saturating subtraction (no lookup tables to build on each call):
    # above 0 where the palette moved a pixel by MOVED_LEVELS or more, and where its
    # neighbours to the right and below are within SMOOTH_LEVELS of it.
    moved = ImageChops.subtract(
        ImageChops.difference(original, palette), _level(grid, MOVED_LEVELS - 1)
    )
    rough = ImageChops.lighter(
        ImageChops.difference(original, ImageChops.offset(original, 1, 0)),
        ImageChops.difference(original, ImageChops.offset(original, 0, 1)),
    )
    banded = ImageChops.darker(moved, ImageChops.subtract(_level(grid, SMOOTH_LEVELS + 1), rough))
    if banded.getbbox() is None:
        return 0.0  # a flat card's usual answer, without counting
    counts = banded.histogram()
    pixels = grid[0] * grid[1]
    return max(pixels - counts[0], pixels - counts[256], pixels - counts[512]) / pixels


@functools.lru_cache(maxsize=16)
def _level(size: tuple[int, int], level: int) -> Image.Image:
    """A grey image of one level: the same two every card of a size (read, never changed)."""
    return Image.new("RGB", size, (level, level, level))


def has_bands(image: Image.Image, quantised: Image.Image) -> bool:
    return banding(image, quantised) > BANDING_MAX_SHARE


def pixel_with(pixels: bytes, colour: bytes, stride: int = 3) -> int:
    """Index of a pixel (`stride` bytes each) of `pixels` that starts with `colour`.

    Any one will do: searched from the middle, where a card's text usually is, then
    from the start.
    """
    at = _pixel_index(pixels, colour, stride)
    if at is None:
        msg = f"colour {tuple(colour)} is not in the sample"
        raise ValueError(msg)
    return at


def _pixel_index(pixels: bytes, colour: bytes, stride: int) -> int | None:
    middle = len(pixels) // stride // 2 * stride
    for start, end in ((middle, len(pixels)), (0, middle)):
        at = pixels.find(colour, start, end)
        while at >= 0 and at % stride:  # a match straddling two pixels
            at = pixels.find(colour, at + 1, end)
        if at >= 0:
            return at // stride
    return None


@functools.lru_cache(maxsize=64)
def sampled_from(size: tuple[int, int], grid: tuple[int, int]) -> tuple[list[int], list[int]]:
    """The source column and row of each sampled pixel, as Pillow's nearest-neighbour
    resize picks them: a step of size/grid from half a step in, accumulated."""

    def picks(length: int, count: int) -> list[int]:
        step, at, out = length / count, length / count * 0.5, []
        for _ in range(count):
            out.append(min(int(at), length - 1))
            at += step
        return out

    return picks(size[0], grid[0]), picks(size[1], grid[1])


def _rect(draw: ImageDraw.ImageDraw, shape: RectShape, colour: RGBA | tuple[int, ...]) -> None:
    outline = None
    if shape.stroke is not None:
        # On a mask (single channel) the outline is as opaque as the fill.
        outline = colour if len(colour) == 1 else _same_mode(shape.stroke, colour)
    width = shape.stroke_width if outline is not None else 0
    if shape.radius > 0:
        draw.rounded_rectangle(
            shape.box, radius=shape.radius, fill=colour, outline=outline, width=width
        )
    else:
        draw.rectangle(shape.box, fill=colour, outline=outline, width=width)


def _same_mode(stroke: RGBA, fill: tuple[int, ...]) -> tuple[int, ...]:
    return stroke[:3] if len(fill) == 3 else stroke


def _image(canvas: Image.Image, shape: ImageShape) -> None:
    from cardgen.design.images import picture_for_box

    left, top, right, bottom = shape.box
    size = (right - left, bottom - top)
    picture = picture_for_box(shape.path, size, shape.fit, shape.focal, shape.radius, shape.opacity)
    canvas.paste(picture, _placement(shape, picture.size), picture)


def _placement(shape: ImageShape, size: tuple[int, int]) -> tuple[int, int]:
    """Top-left corner of a fitted picture inside its box, by align and valign."""
    left, top, right, bottom = shape.box
    x = {"left": left, "right": right - size[0]}.get(shape.align, (left + right - size[0]) // 2)
    y = {"top": top, "bottom": bottom - size[1]}.get(shape.valign, (top + bottom - size[1]) // 2)
    return x, y


def _mask(
    size: tuple[int, int], drawable: RectShape | LineShape | TextBlock | ImageShape
) -> Image.Image:
    """Where `drawable` puts ink, as a greyscale mask (255 = fully covered)."""
    mask = Image.new("L", size, 0)
    _PAINTERS[type(drawable)].mask(mask, ImageDraw.Draw(mask), drawable)
    return mask


def _shadow(canvas: Image.Image, shadow: ShadowShape) -> None:
    from cardgen.design.images import blurred

    mask = _mask(canvas.size, shadow.of)
    mask = ImageChops.offset(mask, *shadow.offset)
    mask = blurred(mask, shadow.blur)
    mask = mask.point(lambda v: v * shadow.colour[3] // 255)
    canvas.paste(shadow.colour[:3], (0, 0, canvas.width, canvas.height), mask)


# How each kind of drawable is painted: on the card, and as the mask of its ink (what
# its shadow is cast from). A new kind of drawable is one more entry.


def _paint_rect(image: Image.Image, draw: ImageDraw.ImageDraw, shape: RectShape) -> None:
    _with_alpha(image, draw, shape.colour, lambda d, c: _rect(d, shape, c))


def _mask_rect(mask: Image.Image, draw: ImageDraw.ImageDraw, shape: RectShape) -> None:
    _rect(draw, shape, (round(shape.colour[3]),))


def _line(draw: ImageDraw.ImageDraw, shape: LineShape, fill: float | tuple[int, ...]) -> None:
    draw.line([shape.start, shape.end], fill=fill, width=shape.thickness)


def _paint_line(image: Image.Image, draw: ImageDraw.ImageDraw, shape: LineShape) -> None:
    _with_alpha(image, draw, shape.colour, lambda d, c: _line(d, shape, c))


def _mask_line(mask: Image.Image, draw: ImageDraw.ImageDraw, shape: LineShape) -> None:
    _line(draw, shape, shape.colour[3])


def _paint_text(image: Image.Image, draw: ImageDraw.ImageDraw, block: TextBlock) -> None:
    if any(line.runs for line in block.lines):
        draw_text_block(image, draw, block)
    else:
        _with_alpha(image, draw, block.colour, lambda d, c: _text(d, block, c))


def _mask_text(mask: Image.Image, draw: ImageDraw.ImageDraw, block: TextBlock) -> None:
    font = load_font(block.face.path, block.size, block.face.index)
    for line in block.lines:
        if not line.runs:
            at = (line.x, line.baseline)
            draw.text(at, line.text, font=font, fill=block.colour[3], anchor="ls")
        for run in line.runs:
            run_face, scale = run_font(run.face, block.size)
            if scale != 1.0:
                continue  # colour bitmap glyphs (emoji) cast no shadow
            draw_run(draw, run, run_face, (line.x + run.x, line.baseline), block.colour[3])


def _paint_image(image: Image.Image, draw: ImageDraw.ImageDraw, shape: ImageShape) -> None:
    _image(image, shape)


def _mask_image(mask: Image.Image, draw: ImageDraw.ImageDraw, shape: ImageShape) -> None:
    from cardgen.design.images import picture_for_box

    left, top, right, bottom = shape.box
    picture = picture_for_box(
        shape.path,
        (right - left, bottom - top),
        shape.fit,
        shape.focal,
        shape.radius,
        shape.opacity,
    )
    mask.paste(picture.getchannel("A"), _placement(shape, picture.size))


def _paint_shadow(image: Image.Image, draw: ImageDraw.ImageDraw, shadow: ShadowShape) -> None:
    _shadow(image, shadow)


def _no_mask(mask: Image.Image, draw: ImageDraw.ImageDraw, shadow: ShadowShape) -> None:
    raise AssertionError("a shadow casts no shadow")


@dataclass(frozen=True)
class _Painter:
    paint: Callable[[Image.Image, ImageDraw.ImageDraw, Any], None]
    mask: Callable[[Image.Image, ImageDraw.ImageDraw, Any], None]


_PAINTERS: dict[type, _Painter] = {
    RectShape: _Painter(_paint_rect, _mask_rect),
    LineShape: _Painter(_paint_line, _mask_line),
    TextBlock: _Painter(_paint_text, _mask_text),
    ImageShape: _Painter(_paint_image, _mask_image),
    ShadowShape: _Painter(_paint_shadow, _no_mask),
}


def _text(draw: ImageDraw.ImageDraw, block: TextBlock, colour: RGBA) -> None:
    font = load_font(block.face.path, block.size, block.face.index)
    for line in block.lines:
        draw.text((line.x, line.baseline), line.text, font=font, fill=colour, anchor="ls")


def draw_text_block(image: Image.Image, canvas: ImageDraw.ImageDraw, block: TextBlock) -> None:
    """Draw a block run by run: each in its own face, direction and colour.

    `canvas` draws on `image` (used when every colour is opaque)."""
    colours = [block.colour] + ([block.emphasis_colour] if block.emphasis_colour else [])
    translucent = any(c[3] < 255 for c in colours)
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0)) if translucent else None
    target = layer if layer is not None else image
    draw = ImageDraw.Draw(layer) if layer is not None else canvas
    for line in block.lines:
        for run in line.runs:
            colour = block.colour
            if run.emphasis and block.emphasis_colour is not None:
                colour = block.emphasis_colour
            font, scale = run_font(run.face, block.size)
            x = line.x + run.x
            if scale != 1.0:
                _bitmap_run(target, run.text, font, scale, x, line.baseline)
                continue
            fill = colour if layer is not None else colour[:3]
            draw_run(draw, run, font, (x, line.baseline), fill, embedded_color=True)
    if layer is not None:
        image.paste(layer, (0, 0), layer)


def draw_run(
    draw: ImageDraw.ImageDraw,
    run: PlacedRun,
    font: ImageFont.FreeTypeFont,
    at: tuple[float, float],
    fill: float | tuple[int, ...],
    embedded_color: bool = False,
) -> None:
    """One run with its left end on `at`; a letter-spaced run letter by letter, each
    where the font puts it after the letters before (kerning kept) plus the spacing."""
    x, baseline = at
    if not run.spacing:
        draw.text(
            (x, baseline),
            run.text,
            font=font,
            fill=fill,
            anchor="ls",
            direction=run_direction(run),  # type: ignore[arg-type]
            features=FEATURES,
            embedded_color=embedded_color,
        )
        return
    size = round(font.size)
    offsets = cluster_offsets(run.face.path, run.face.index, run.text, size) or {}
    for start, letter, before in _letters(run.text):
        advance = offsets.get(start)
        if advance is None:
            advance = font.getlength(run.text[:start], features=FEATURES) if start else 0.0
        draw.text(
            (x + advance + run.spacing * before, baseline),
            letter,
            font=font,
            fill=fill,
            anchor="ls",
            features=FEATURES,
            embedded_color=embedded_color,
        )


def _letters(text: str) -> list[tuple[int, str, int]]:
    """(offset, letter with its combining marks, letters before it) for each letter."""
    from cardgen.typography.tracking import spaced_letters

    found: list[tuple[int, str, int]] = []
    for index, char in enumerate(text):
        if found and not spaced_letters(char):
            offset, letter, before = found[-1]
            found[-1] = (offset, letter + char, before)
        else:
            found.append((index, char, len(found)))
    return found


def _bitmap_run(
    image: Image.Image, text: str, font: ImageFont.FreeTypeFont, scale: float, x: float, y: float
) -> None:
    """Colour emoji exist only at one bitmap size: draw them there, then scale into place."""
    x0, y0, x1, y1 = font.getbbox(text, anchor="ls")
    if x1 <= x0 or y1 <= y0:
        return
    tile = Image.new("RGBA", (math.ceil(x1 - x0), math.ceil(y1 - y0)), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((-x0, -y0), text, font=font, anchor="ls", embedded_color=True)
    size = (max(1, round(tile.width * scale)), max(1, round(tile.height * scale)))
    tile = tile.resize(size, Image.Resampling.LANCZOS)
    image.paste(tile, (round(x + x0 * scale), round(y + y0 * scale)), tile)


def _with_alpha(
    image: Image.Image, canvas: ImageDraw.ImageDraw, colour: RGBA, paint: object
) -> None:
    """Paint opaque colours straight onto the image (through `canvas`, which draws on
    it), translucent ones through a layer."""
    assert callable(paint)
    if colour[3] == 255:
        paint(canvas, colour[:3])
        return
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    paint(ImageDraw.Draw(layer), colour)
    image.paste(layer, (0, 0), layer)


def background_image(
    width: int, height: int, fill: SolidFill | GradientFill | ImageFill
) -> Image.Image:
    """The card's background alone: a colour, a gradient or a photo."""
    if isinstance(fill, SolidFill):
        return Image.new("RGB", (width, height), fill.colour[:3])
    if isinstance(fill, ImageFill):
        return _photo(width, height, fill)
    # The ramp's levels index a palette of the gradient's colours: one lookup for the
    # three channels (the same pixels as a `point` per channel, merged).
    ramp = gradient_ramp(width, height, fill)
    shades = Image.frombuffer("P", ramp.size, ramp.tobytes(), "raw", "P", 0, 1)
    channels = [channel_table(tuple(stop[channel] for stop in fill.stops)) for channel in range(3)]
    shades.putpalette([value for colour in zip(*channels, strict=True) for value in colour])
    return shades.convert("RGB")


GRADIENT_SCALE = 4  # gradients are smooth: compute at 1/4 size, then enlarge


def gradient_ramp(width: int, height: int, fill: GradientFill) -> Image.Image:
    """A greyscale 0..255 ramp over the canvas in the gradient's shape."""
    small = _ramp_full(
        max(2, width // GRADIENT_SCALE), max(2, height // GRADIENT_SCALE), fill.kind, fill.angle
    )
    return small.resize((width, height), Image.Resampling.BILINEAR)


# Every card of a size shares its gradient's shape (colours come after): made once. At a
# quarter of the card's size, 32 of them are a few MB at most. Callers must not modify it.
@functools.lru_cache(maxsize=32)
def _ramp_full(width: int, height: int, kind: str, angle: float) -> Image.Image:
    if kind == "radial":
        # Pillow's radial gradient is 0 in the centre and 255 at radius 128 of 256.
        radial = Image.radial_gradient("L")
        side = math.ceil(math.hypot(width, height))
        big = radial.resize((side, side), Image.Resampling.BILINEAR)
        left, top = (side - width) // 2, (side - height) // 2
        return big.crop((left, top, left + width, top + height))
    # CSS semantics: the gradient line spans |w sin a| + |h cos a| through the centre.
    radians = math.radians(angle)
    span = max(2, round(abs(width * math.sin(radians)) + abs(height * math.cos(radians))))
    side = math.ceil(math.hypot(width, height)) + 2
    column = Image.linear_gradient("L").resize((1, span), Image.Resampling.BILINEAR)
    square = Image.new("L", (1, side), 0)
    top = (side - span) // 2
    square.paste(column, (0, top))
    square.paste(255, (0, top + span, 1, side))
    square = square.resize((side, side), Image.Resampling.NEAREST)
    rotated = square.rotate(180 - angle, resample=Image.Resampling.BILINEAR, fillcolor=0)
    left, top = (side - width) // 2, (side - height) // 2
    return rotated.crop((left, top, left + width, top + height))


@functools.lru_cache(maxsize=256)
def channel_table(values: tuple[int, ...]) -> list[int]:
    """256 entries stepping evenly through the stop values (shared: do not modify)."""
    segments = len(values) - 1
    out = []
    for i in range(256):
        position = i / 255 * segments
        index = min(int(position), segments - 1)
        frac = position - index
        out.append(round(values[index] + (values[index + 1] - values[index]) * frac))
    return out


def _photo(width: int, height: int, fill: ImageFill) -> Image.Image:
    """The photo cover-cropped at its focal point, blurred, then darkened by its overlays."""
    from cardgen.design.images import blurred, image_for_box

    image = Image.new("RGB", (width, height), fill.base[:3])
    photo = blurred(image_for_box(fill.path, (width, height), "cover", fill.focal), fill.blur)
    image.paste(photo, (0, 0), photo)
    if fill.overlay_gradient is not None:
        shade = fill.overlay_gradient
        ramp = gradient_ramp(width, height, shade)
        tables = [channel_table(tuple(stop[i] for stop in shade.stops)) for i in range(4)]
        bands = [ramp.point(table) for table in tables]
        layer = Image.merge("RGBA", bands)
        image.paste(layer, (0, 0), layer)
    if fill.overlay is not None:
        layer = Image.new("RGBA", (width, height), fill.overlay)
        image.paste(layer, (0, 0), layer)
    return image
