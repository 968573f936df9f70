"""Pictures and logos for cards: safe loading, SVG rasterising, contain and cover fitting.

Bitmaps are decoded with Pillow under a pixel cap (a decompression bomb is an
error, not a warning); SVG is rasterised by resvg without touching the
network or any file the SVG names.
"""

from __future__ import annotations

import functools
import io
import os
import re
import threading
import warnings
from collections import OrderedDict
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, UnidentifiedImageError

from cardgen.errors import InputError
from cardgen.inputs import read_input
from cardgen.limits import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, MAX_SVG_BYTES, MAX_SVG_RATIO
from cardgen.yamlio import display_path

# Shrink big photos by whole factors first, then Lanczos: several times faster, same look.
REDUCING_GAP = 3.0
_SVG_ROOT = re.compile(r"<svg\b[^>]*>", re.IGNORECASE)
_VIEWBOX = re.compile(r"""viewBox\s*=\s*["']([^"']*)["']""")
_SVG_WIDTH = re.compile(r"""\swidth\s*=\s*["']\s*([0-9.]+)\s*(?:px)?\s*["']""")
_SVG_HEIGHT = re.compile(r"""\sheight\s*=\s*["']\s*([0-9.]+)\s*(?:px)?\s*["']""")
# Any href that is not a fragment (#id) or inline data would make resvg read another file.
_EXTERNAL_REF = re.compile(r"""(?:xlink:)?href\s*=\s*["'](?!\s*#|\s*data:)""", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*["']?(?!\s*#|\s*data:)""", re.IGNORECASE)


def load_image(path: str | Path, size: tuple[int, int] | None = None) -> Image.Image:
    """The image at `path` as RGBA; SVGs are rendered at `size` (else at 512px wide)."""
    path = Path(path)
    stat = _stat(path)
    if path.suffix.lower() == ".svg":
        return _svg(path, stat, size or _svg_size(path, 512)).copy()
    return _bitmap(path, stat).copy()


def probe(path: str | Path, box_size: tuple[int, int] | None = None, fit: str = "contain") -> None:
    """Decode the image once (cached) so a bad file fails before any card is written.

    With `box_size`, an SVG's render size for that box is checked too.
    """
    path = Path(path)
    if path.suffix.lower() != ".svg":
        bitmap = _bitmap(path, _stat(path))
        if box_size is not None:
            _check_render_size(path, _fitted_size(bitmap.size, box_size, fit), "drawn")
        return
    load_image(path, _svg_size(path, 256))
    if box_size is not None:
        _check_render_size(path, _svg_target(path, box_size, fit))


def fit_image(
    image: Image.Image,
    box_size: tuple[int, int],
    fit: str,
    focal: tuple[float, float] = (0.5, 0.5),
) -> Image.Image:
    """Scale to fit inside `box_size` (contain) or to fill it, cropped at `focal` (cover)."""
    box_w, box_h = max(1, box_size[0]), max(1, box_size[1])
    new = _fitted_size(image.size, box_size, fit)
    if fit == "cover":
        scaled = image.resize(new, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
        # Put the focal point at the box centre, without leaving the image.
        left = min(max(0, round(new[0] * focal[0] - box_w / 2)), new[0] - box_w)
        top = min(max(0, round(new[1] * focal[1] - box_h / 2)), new[1] - box_h)
        return scaled.crop((left, top, left + box_w, top + box_h))
    return image.resize(new, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)


def _fitted_size(size: tuple[int, int], box_size: tuple[int, int], fit: str) -> tuple[int, int]:
    """The size an image of `size` is scaled to, to be contained in or to cover the box."""
    box_w, box_h = max(1, box_size[0]), max(1, box_size[1])
    scale_w, scale_h = box_w / size[0], box_h / size[1]
    if fit == "cover":
        scale = max(scale_w, scale_h)
        return max(box_w, round(size[0] * scale)), max(box_h, round(size[1] * scale))
    scale = min(scale_w, scale_h)
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def image_for_box(
    path: str | Path, box_size: tuple[int, int], fit: str, focal: tuple[float, float]
) -> Image.Image:
    """Load and fit in one step; SVGs are rendered straight at the size they need."""
    path = Path(path)
    if path.suffix.lower() == ".svg":
        target = _svg_target(path, box_size, fit)
        return fit_image(load_image(path, target), box_size, fit, focal)
    return fit_image(load_image(path), box_size, fit, focal)


PICTURE_CACHE_PIXELS = 4_000_000
PICTURE_KEEP_PIXELS = 250_000  # larger pictures (a 500x500 logo is the most) are not kept
_PictureKey = tuple[
    str | Path, tuple[int, int], tuple[int, int], str, tuple[float, float], int, float
]


class PictureCache:
    """Pictures fitted to a box and rounded, by file version (path, time, size) and box.

    Logos recur on every card of a batch, at one size per platform: fitted once while
    the file is unchanged. Only small pictures are kept, within a pixel budget, so a
    batch of large photos does not grow the process. Keyed by what the file holds, not
    by project, so one cache per drawing process serves every project (workers draw
    scenes, not projects); thread-safe."""

    def __init__(
        self, budget: int = PICTURE_CACHE_PIXELS, largest: int = PICTURE_KEEP_PIXELS
    ) -> None:
        self.budget, self.largest = budget, largest
        self.kept: OrderedDict[_PictureKey, Image.Image] = OrderedDict()
        self.pixels = 0  # of every picture kept
        self.lock = threading.Lock()

    def clear(self) -> None:
        with self.lock:
            self.kept.clear()
            self.pixels = 0

    def get(self, key: _PictureKey) -> Image.Image | None:
        with self.lock:
            found = self.kept.get(key)
            if found is not None:
                self.kept.move_to_end(key)
            return found

    def put(self, key: _PictureKey, picture: Image.Image) -> None:
        pixels = picture.width * picture.height
        if pixels > self.largest:
            return
        with self.lock:
            if key in self.kept:
                return
            self.kept[key] = picture
            self.pixels += pixels
            while self.pixels > self.budget:
                _, dropped = self.kept.popitem(last=False)
                self.pixels -= dropped.width * dropped.height


PICTURES = PictureCache()  # this process's


def picture_for_box(
    path: str | Path,
    box_size: tuple[int, int],
    fit: str,
    focal: tuple[float, float],
    radius: int = 0,
    opacity: float = 1.0,
    *,
    cache: PictureCache = PICTURES,
) -> Image.Image:
    """`image_for_box`, then `rounded`: RGBA, ready to paste. Small results are shared
    between calls through `cache`, so callers must not modify the image they get."""
    # Keyed by the path as given (a Path is made only to fit a picture not kept yet).
    key = (path, _stat(path), box_size, fit, focal, radius, opacity)
    picture = cache.get(key)
    if picture is None:
        picture = rounded(image_for_box(Path(path), box_size, fit, focal), radius, opacity)
        cache.put(key, picture)
    return picture


def _svg_target(path: Path, box_size: tuple[int, int], fit: str) -> tuple[int, int]:
    """The size to render an SVG at so that it contains in, or covers, `box_size`."""
    _, ratio = _svg_source(path, _stat(path))
    box_w, box_h = max(1, box_size[0]), max(1, box_size[1])
    wide = ratio >= box_w / box_h
    if (fit == "contain") == wide:
        return box_w, max(1, round(box_w / ratio))
    return max(1, round(box_h * ratio)), box_h


def _check_render_size(path: Path, size: tuple[int, int], done: str = "rendered") -> None:
    if size[0] * size[1] > MAX_IMAGE_PIXELS:
        what = "SVG" if path.suffix.lower() == ".svg" else "image"
        raise InputError(
            f"{what} would be {done} at {size[0]}x{size[1]}, more than {MAX_IMAGE_PIXELS:,} pixels",
            file=display_path(path),
            hint="make the layout's box smaller, use fit: contain, or an image closer to its shape",
        )


def rounded(image: Image.Image, radius: int, opacity: float = 1.0) -> Image.Image:
    """`image` with its corners rounded and its alpha scaled by `opacity`."""
    image = image.convert("RGBA")
    if radius <= 0 and opacity >= 1.0:
        return image
    alpha = image.getchannel("A")
    if radius > 0:
        mask = Image.new("L", image.size, 0)
        ImageDraw.Draw(mask).rounded_rectangle(
            (0, 0, image.width - 1, image.height - 1), radius=radius, fill=255
        )
        alpha = Image.composite(alpha, mask, mask)
    if opacity < 1.0:
        alpha = alpha.point(lambda v: round(v * opacity))
    image.putalpha(alpha)
    return image


def blurred(image: Image.Image, radius: int) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius)) if radius > 0 else image


def file_version(path: str | Path) -> tuple[int, int]:
    """(modification time in ns, size) of an image file: it changes when the file does."""
    return _stat(path)


def _stat(path: str | Path) -> tuple[int, int]:
    try:
        # A plain stat, checked on every card for the logo: making a Path costs more.
        stat = os.stat(path)  # noqa: PTH116
    except OSError:
        try:  # as a Path (a trailing `/` or `/.` dropped), as it always was
            stat = Path(path).stat()
        except OSError:
            raise InputError(
                "image not found", file=display_path(Path(path)), hint="check the layout's src"
            ) from None
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=32)
def _bitmap(path: Path, stat: tuple[int, int]) -> Image.Image:
    shown = display_path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            data = read_input(path, what="image", shown=shown, limit=MAX_IMAGE_BYTES)
            with Image.open(io.BytesIO(data)) as opened:
                pixels = opened.width * opened.height
                if pixels > MAX_IMAGE_PIXELS:
                    raise InputError(
                        f"image is {opened.width}x{opened.height} pixels, more than the "
                        f"{MAX_IMAGE_PIXELS:,} allowed",
                        file=shown,
                        hint="resize it before using it on a card",
                    )
                opened.load()
                return opened.convert("RGBA")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(
            "image is too large to decode safely", file=shown, hint="resize it"
        ) from None
    except UnidentifiedImageError:
        raise InputError(
            "not an image Pillow can read (corrupt, or not PNG/JPEG/WebP)",
            file=shown,
            hint="re-export it as PNG or JPEG",
        ) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(
            f"damaged or truncated image ({exc})", file=shown, hint="re-export it"
        ) from None


def _svg_size(path: Path, width: int) -> tuple[int, int]:
    _, ratio = _svg_source(path, _stat(path))
    return width, max(1, round(width / ratio))


@functools.lru_cache(maxsize=32)
def _svg_source(path: Path, stat: tuple[int, int]) -> tuple[str, float]:
    """The SVG's text, checked to name no other file, and its width/height ratio."""
    shown = display_path(path)
    data = read_input(path, what="SVG", shown=shown, limit=MAX_SVG_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("cannot read the SVG as UTF-8 text", file=shown) from None
    if _EXTERNAL_REF.search(text) or _CSS_URL.search(text):
        raise InputError(
            "SVG refers to another file or URL, which cardgen does not load",
            file=shown,
            hint="embed images as data: URIs or convert text to paths",
        )
    ratio = _svg_ratio(text)
    if not 1 / MAX_SVG_RATIO <= ratio <= MAX_SVG_RATIO:
        raise InputError(
            f"SVG is {ratio:.3g} times as wide as it is tall; at most {MAX_SVG_RATIO} either way",
            file=shown,
            hint="check its viewBox, width and height",
        )
    return text, ratio


def _svg_ratio(text: str) -> float:
    """Width over height from the root element's viewBox (or width and height); else 1."""
    root = _SVG_ROOT.search(text)
    attributes = root.group(0) if root else ""
    box = _VIEWBOX.search(attributes)
    if box:
        numbers = [_number(n) for n in re.split(r"[\s,]+", box.group(1).strip()) if n]
        if len(numbers) == 4 and (numbers[2] or 0) > 0 and (numbers[3] or 0) > 0:
            return (numbers[2] or 1) / (numbers[3] or 1)
    width, height = _SVG_WIDTH.search(attributes), _SVG_HEIGHT.search(attributes)
    w = _number(width.group(1)) if width else None
    h = _number(height.group(1)) if height else None
    if w and h and w > 0 and h > 0:
        return w / h
    return 1.0  # resvg's own default size is square


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


@functools.lru_cache(maxsize=64)
def _svg(path: Path, stat: tuple[int, int], size: tuple[int, int]) -> Image.Image:
    import resvg_py

    shown = display_path(path)
    text, _ = _svg_source(path, stat)
    _check_render_size(path, size)
    try:
        png = resvg_py.svg_to_bytes(svg_string=text, width=size[0], skip_system_fonts=True)
    except (ValueError, RuntimeError) as exc:
        raise InputError(f"cannot render SVG: {exc}", file=shown) from None
    with Image.open(io.BytesIO(bytes(png))) as rendered:
        image = rendered.convert("RGBA")
    if image.size != size:
        image = image.resize(size, Image.Resampling.LANCZOS)
    return image


def aspect(path: str | Path) -> float:
    """Width over height of the image at `path` (decoded once, cached)."""
    path = Path(path)
    if path.suffix.lower() == ".svg":
        return _svg_source(path, _stat(path))[1]
    image = _bitmap(path, _stat(path))
    return image.width / max(1, image.height)
