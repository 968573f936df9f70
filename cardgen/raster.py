"""Paint a Scene with Pillow and encode it; the only module that draws pixels."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageDraw, ImageFont

from cardgen.fonts import load_font, run_direction, run_font
from cardgen.scene import RGBA, GradientFill, LineShape, RectShape, Scene, SolidFill, TextBlock

ENCODE_OPTIONS: dict[str, dict[str, object]] = {
    "png": {"format": "PNG", "compress_level": 6},
    "jpeg": {"format": "JPEG", "quality": 90, "subsampling": 0},
    "webp": {"format": "WEBP", "quality": 90, "method": 4},
}


def draw_scene(scene: Scene) -> Image.Image:
    """The card as an RGB image."""
    image = _background(scene.width, scene.height, scene.background)
    for drawable in scene.drawables:
        if isinstance(drawable, RectShape):
            _with_alpha(image, drawable.colour, lambda d, c, s=drawable: _rect(d, s, c))
        elif isinstance(drawable, LineShape):
            _with_alpha(
                image,
                drawable.colour,
                lambda d, c, s=drawable: d.line([s.start, s.end], fill=c, width=s.thickness),
            )
        elif isinstance(drawable, TextBlock) and any(line.runs for line in drawable.lines):
            _text_runs(image, drawable)
        elif isinstance(drawable, TextBlock):
            _with_alpha(image, drawable.colour, lambda d, c, s=drawable: _text(d, s, c))
    return image


def encode(image: Image.Image, fmt: str) -> bytes:
    """Encode deterministically: same pixels and settings give the same bytes."""
    buffer = io.BytesIO()
    image.save(buffer, **ENCODE_OPTIONS[fmt])  # type: ignore[arg-type]
    return buffer.getvalue()


def _rect(draw: ImageDraw.ImageDraw, shape: RectShape, colour: RGBA) -> None:
    if shape.radius > 0:
        draw.rounded_rectangle(shape.box, radius=shape.radius, fill=colour)
    else:
        draw.rectangle(shape.box, fill=colour)


def _text(draw: ImageDraw.ImageDraw, block: TextBlock, colour: RGBA) -> None:
    font = load_font(block.face.path, block.size, block.face.index)
    for line in block.lines:
        draw.text((line.x, line.baseline), line.text, font=font, fill=colour, anchor="ls")


def _text_runs(image: Image.Image, block: TextBlock) -> None:
    """Draw a block run by run: each in its own face, direction and colour."""
    colours = [block.colour] + ([block.emphasis_colour] if block.emphasis_colour else [])
    translucent = any(c[3] < 255 for c in colours)
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0)) if translucent else None
    target = layer if layer is not None else image
    draw = ImageDraw.Draw(target)
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
            draw.text(
                (x, line.baseline),
                run.text,
                font=font,
                fill=colour if layer is not None else colour[:3],
                anchor="ls",
                direction=run_direction(run),  # type: ignore[arg-type]
                embedded_color=True,
            )
    if layer is not None:
        image.paste(layer, (0, 0), layer)


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


def _with_alpha(image: Image.Image, colour: RGBA, paint: object) -> None:
    """Paint opaque colours straight onto the image, translucent ones through a layer."""
    assert callable(paint)
    if colour[3] == 255:
        paint(ImageDraw.Draw(image), colour[:3])
        return
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    paint(ImageDraw.Draw(layer), colour)
    image.paste(layer, (0, 0), layer)


def _background(width: int, height: int, fill: SolidFill | GradientFill) -> Image.Image:
    if isinstance(fill, SolidFill):
        return Image.new("RGB", (width, height), fill.colour[:3])
    ramp = _ramp(width, height, fill)
    channels = []
    for channel in range(3):
        lut = _lut([stop[channel] for stop in fill.stops])
        channels.append(ramp.point(lut))
    return Image.merge("RGB", channels)


def _ramp(width: int, height: int, fill: GradientFill) -> Image.Image:
    """A greyscale 0..255 ramp over the canvas in the gradient's shape."""
    if fill.kind == "radial":
        # Pillow's radial gradient is 0 in the centre and 255 at radius 128 of 256.
        radial = Image.radial_gradient("L")
        side = math.ceil(math.hypot(width, height))
        big = radial.resize((side, side), Image.Resampling.BILINEAR)
        left, top = (side - width) // 2, (side - height) // 2
        return big.crop((left, top, left + width, top + height))
    # CSS semantics: the gradient line spans |w sin a| + |h cos a| through the centre.
    angle = math.radians(fill.angle)
    span = max(2, round(abs(width * math.sin(angle)) + abs(height * math.cos(angle))))
    side = math.ceil(math.hypot(width, height)) + 2
    column = Image.linear_gradient("L").resize((1, span), Image.Resampling.BILINEAR)
    square = Image.new("L", (1, side), 0)
    top = (side - span) // 2
    square.paste(column, (0, top))
    square.paste(255, (0, top + span, 1, side))
    square = square.resize((side, side), Image.Resampling.NEAREST)
    rotated = square.rotate(180 - fill.angle, resample=Image.Resampling.BILINEAR, fillcolor=0)
    left, top = (side - width) // 2, (side - height) // 2
    return rotated.crop((left, top, left + width, top + height))


def _lut(values: list[int]) -> list[int]:
    """256 entries stepping evenly through the stop values."""
    segments = len(values) - 1
    out = []
    for i in range(256):
        position = i / 255 * segments
        index = min(int(position), segments - 1)
        frac = position - index
        out.append(round(values[index] + (values[index + 1] - values[index]) * frac))
    return out
