"""Advance widths from HarfBuzz directly, for the text fitting measures most.

Pillow shapes through raqm, which builds a new HarfBuzz font for every call: a
fixed ~90 us for Inter (big GSUB/GPOS tables) whatever the text, so fitting a new
quote was mostly that overhead. uharfbuzz keeps one HarfBuzz font per file, so a
word costs ~10 us, with the same advances as raqm (within 1/16 px; the same
shaper and the same unhinted outlines).

Only text raqm would shape as one left-to-right run goes this way: characters of
at most one of Latin, Greek or Cyrillic, plus digits, punctuation, spaces and
combining marks. Anything else (right-to-left, Indic, CJK, emoji, mixed scripts,
bidi controls) returns None and is measured by Pillow, which itemises it.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

# OpenType features on for every text (`fonts.FEATURES` gives them to Pillow too).
FEATURES = ("lnum",)
_HB_FEATURES = dict.fromkeys(FEATURES, True)
# Unicode blocks of the scripts measured here (start, end inclusive, script).
_SCRIPT_BLOCKS = (
    (0x0041, 0x024F, "latin"),
    (0x1E00, 0x1EFF, "latin"),
    (0x2C60, 0x2C7F, "latin"),
    (0xA720, 0xA7FF, "latin"),
    (0xFB00, 0xFB06, "latin"),  # ligature presentation forms
    (0x0370, 0x03FF, "greek"),
    (0x1F00, 0x1FFF, "greek"),
    (0x0400, 0x052F, "cyrillic"),
)
# Neutral characters that shape the same in any of those scripts.
_COMMON_CATEGORIES = frozenset({"Zs", "Nd", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc"})
_BIDI_CONTROLS = frozenset(range(0x200B, 0x2010)) | frozenset(range(0x202A, 0x202F))
_BIDI_CONTROLS |= frozenset(range(0x2060, 0x2070)) | {0xFEFF}


@functools.lru_cache(maxsize=4096)
def _script(char: str) -> str | None:
    """'latin', 'greek', 'cyrillic', '' for a neutral character, None for anything else."""
    code = ord(char)
    if code in _BIDI_CONTROLS:
        return None
    if unicodedata.category(char) == "Mn" and 0x0300 <= code <= 0x036F:
        return ""  # combining diacritics: they follow the letter's script
    if code < 0x0080 and unicodedata.category(char) != "Cc":
        return "latin" if char.isalpha() else ""
    for start, end, script in _SCRIPT_BLOCKS:
        if start <= code <= end:
            return script if unicodedata.category(char).startswith("L") else ""
    if unicodedata.category(char) in _COMMON_CATEGORIES and unicodedata.bidirectional(char) in {
        "ON",
        "ES",
        "ET",
        "CS",
        "WS",
        "EN",
    }:
        return ""
    return None


def simple(text: str) -> bool:
    """True when `text` is one left-to-right run in one simple script."""
    seen = ""
    for char in text:
        script = _script(char)
        if script is None:
            return False
        if script:
            if seen and script != seen:
                return False
            seen = script
    return True


class HbTable(Protocol):
    data: bytes


class HbFace(Protocol):
    """What cardgen reads of a `uharfbuzz.Face` (uharfbuzz has no type hints)."""

    glyph_count: int
    table_tags: list[str]
    unicodes: Iterable[int]  # a HarfBuzz set

    def reference_table(self, tag: str) -> HbTable: ...


@functools.lru_cache(maxsize=256)
def face(path: Path, index: int = 0) -> HbFace | None:
    """The file's HarfBuzz face, read once per process (character maps come from it too:
    `fonts.font_info`), or None when HarfBuzz cannot read it."""
    import uharfbuzz as hb

    try:
        read: HbFace = hb.Face(hb.Blob.from_file_path(str(path)), index)
    except Exception:  # unreadable: Pillow will measure it, and say why if it can't
        return None
    return read


@functools.lru_cache(maxsize=64)
def _hb_font(path: Path, index: int) -> Any:
    """A HarfBuzz font for the file, or None when HarfBuzz finds no glyphs in it."""
    import uharfbuzz as hb

    found = face(path, index)
    if found is None or found.glyph_count == 0:  # an empty face would measure text as 0
        return None
    return hb.Font(found)


def _shaped(path: Path, index: int, text: str, size: int) -> Any | None:
    """`text` shaped by HarfBuzz at `size` (a uharfbuzz Buffer), or None when Pillow must."""
    if not simple(text):
        return None
    font = _hb_font(path, index)
    if font is None:
        return None
    return _shape(font, text, size)


def _shape(font: Any, text: str, size: int, direction: str | None = None) -> Any:
    """`text` shaped with `font` at `size` (a uharfbuzz Buffer); `direction` ("ltr",
    "rtl") overrides the one HarfBuzz guesses."""
    import uharfbuzz as hb

    font.scale = (size * 64, size * 64)
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    if direction is not None:
        buffer.direction = direction
    hb.shape(font, buffer, _HB_FEATURES)
    return buffer


def advance(path: Path, index: int, text: str, size: int) -> float | None:
    """Advance width of `text` in pixels at `size`, or None when Pillow must measure it."""
    buffer = _shaped(path, index, text, size)
    if buffer is None:
        return None
    advance_26_6: int = sum(position.x_advance for position in buffer.glyph_positions)
    return advance_26_6 / 64


def cluster_offsets(path: Path, index: int, text: str, size: int) -> dict[int, float] | None:
    """Where each character that starts a glyph cluster of `text` sits from the run's
    left end, in pixels at `size` (letter-spaced runs are drawn letter by letter there),
    or None when Pillow must shape the text."""
    buffer = _shaped(path, index, text, size)
    if buffer is None:
        return None
    offsets: dict[int, float] = {}
    x = 0
    for info, position in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True):
        offsets.setdefault(info.cluster, x / 64)
        x += position.x_advance
    return offsets


def ink(
    path: Path, index: int, text: str, size: int, rtl: bool = False
) -> tuple[float, ...] | None:
    """The ink of `text` shaped as one run (left to right, or right to left) at `size`:
    (left, top, right, bottom) in pixels from the run's left end on the baseline, y down,
    taken from the glyphs' outlines without drawing them (Pillow's text box reaches the
    baseline and the pen's start and end: a line of dashes or marks measured taller and
    wider than drawn). () when nothing is inked; None when HarfBuzz cannot read the font."""
    font = _hb_font(path, index)
    if font is None:
        return None
    buffer = _shape(font, text, size, "rtl" if rtl else "ltr")
    left = top = math.inf
    right = bottom = -math.inf
    x = 0
    extents_of = font.get_glyph_extents
    for info, position in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True):
        extents = extents_of(info.codepoint)
        if extents is not None and extents.width and extents.height:
            x0 = x + position.x_offset + extents.x_bearing
            y0 = position.y_offset + extents.y_bearing  # the glyph's top, y up
            left, right = min(left, x0, x0 + extents.width), max(right, x0, x0 + extents.width)
            top = min(top, -y0, -(y0 + extents.height))
            bottom = max(bottom, -y0, -(y0 + extents.height))
        x += position.x_advance
    if left > right:
        return ()
    return left / 64, top / 64, right / 64, bottom / 64


def forget() -> None:
    """Drop the HarfBuzz faces and fonts (font files were replaced)."""
    _hb_font.cache_clear()
    face.cache_clear()
