"""Encode a card within its platform's file-size limit: PNG optimisation, then a quality search.

Pixel side (imports Pillow). Deterministic: the same image and limit give the same bytes.
"""

from __future__ import annotations

import io

from PIL import Image

from cardgen.drawing.raster import FlatCard, encode
from cardgen.errors import ContentError

LOWEST_QUALITY = 40  # below this, text edges smear visibly: an error is better than a bad card
HIGHEST_QUALITY = 95


def encode_within(
    image: Image.Image, fmt: str, limit: int, flat: FlatCard | None = None
) -> tuple[bytes, str]:
    """(bytes, format) of `image` no larger than `limit` bytes, trying `fmt` first.

    A PNG that is too large is optimised, then reduced to 256 colours (flat
    cards barely change, and shrink by half or more), then becomes a JPEG; a
    JPEG or WebP keeps its format and gets the highest quality that fits. `flat`:
    what the card's scene says of its pixels (`raster.flat_card`).
    """
    data = encode(image, fmt, flat)
    if len(data) <= limit:
        return data, fmt
    if fmt == "png":
        data = _save(image, format="PNG", optimize=True)
        if len(data) <= limit:
            return data, "png"
        palette = image.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE)
        data = _save(palette, format="PNG", optimize=True)
        if len(data) <= limit:
            return data, "png"
    lossy = fmt if fmt in ("jpeg", "webp") else "jpeg"
    best: bytes | None = None
    low, high = LOWEST_QUALITY, HIGHEST_QUALITY
    while low <= high:  # the highest quality that fits, by bisection
        quality = (low + high) // 2
        candidate = _lossy(image, lossy, quality)
        if len(candidate) <= limit:
            best, low = candidate, quality + 1
        else:
            high = quality - 1
    if best is None:
        smallest = len(_lossy(image, lossy, LOWEST_QUALITY))
        raise ContentError(
            f"the card is {smallest:,} bytes even as {lossy.upper()} at quality "
            f"{LOWEST_QUALITY}, over the platform's limit of {limit:,} bytes",
            hint="use a simpler background or raise file_limit in layouts/platforms.yaml",
        )
    return best, lossy


def _lossy(image: Image.Image, fmt: str, quality: int) -> bytes:
    image = image.convert("RGB")
    if fmt == "webp":
        return _save(image, format="WEBP", quality=quality, method=4)
    return _save(image, format="JPEG", quality=quality, subsampling=0, optimize=True)


def _save(image: Image.Image, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, **options)  # type: ignore[arg-type]
    return buffer.getvalue()
