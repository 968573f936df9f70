"""Encoder settings, without Pillow: cache keys name them, and a fully cached run
should not pay for importing Pillow."""

from __future__ import annotations

ENCODE_OPTIONS: dict[str, dict[str, object]] = {
    "png": {"format": "PNG", "compress_level": 6},
    "jpeg": {"format": "JPEG", "quality": 90, "subsampling": 0},
    "webp": {"format": "WEBP", "quality": 90, "method": 4},
}
