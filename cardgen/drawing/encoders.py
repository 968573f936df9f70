"""Encoder settings and the default format of a card, without Pillow: cache keys name
them, plans choose file names by them, and a fully cached run should not pay for
importing Pillow."""

from __future__ import annotations

ENCODE_OPTIONS: dict[str, dict[str, object]] = {
    "png": {"format": "PNG", "compress_level": 6},
    "jpeg": {"format": "JPEG", "quality": 90, "subsampling": 0},
    "webp": {"format": "WEBP", "quality": 90, "method": 4},
}
# A card over a photo is a photo: JPEG (quality 90, no chroma subsampling) is about a
# third of the bytes of PNG and some ten times faster to write; WebP is smaller still
# but slower than PNG and refused by Instagram's API (benchmarks/README.md).
PHOTO_FORMAT = "jpeg"


def default_format(platform_format: str, photo: bool) -> str:
    """The format of a card when the command line names none: the platform's, except
    that a card over a photo is a JPEG where the platform would take a PNG."""
    if photo and platform_format == "png":
        return PHOTO_FORMAT
    return platform_format


def extension(fmt: str) -> str:
    """The file name's extension for `fmt`."""
    return "jpg" if fmt == "jpeg" else fmt


def format_of(path_suffix: str) -> str | None:
    """The format a file name asks for (`.jpg` and `.jpeg` are both JPEG), None if none."""
    suffix = path_suffix.lower().lstrip(".")
    fmt = "jpeg" if suffix == "jpg" else suffix
    return fmt if fmt in ENCODE_OPTIONS else None
