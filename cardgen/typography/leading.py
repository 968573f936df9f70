"""Line height by script: the least a text reads well at, whatever the layout asks.

A layout's line height is written for its Latin type (1.04 for a tight headline).
Other scripts need more room between lines: Chinese and Japanese set every character
in a full square and read best with open leading; Arabic has hamza and marks above
its tall letters and deep descenders below (`أ` over `ج`); Thai and Lao stack vowels
and tone marks above and below; Indic scripts hang vowel signs above the headline
and below the letters. At a Latin headline's leading their lines touch.
"""

from __future__ import annotations

import functools

from cardgen.source.language import is_cjk

CJK_LINE_HEIGHT = 1.6
ARABIC_LINE_HEIGHT = 1.35
THAI_LINE_HEIGHT = 1.45
INDIC_LINE_HEIGHT = 1.4

# (first, last) code points of each script, and the least line height it takes.
_SCRIPTS: tuple[tuple[float, tuple[tuple[int, int], ...]], ...] = (
    (
        ARABIC_LINE_HEIGHT,
        ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)),
    ),
    (THAI_LINE_HEIGHT, ((0x0E00, 0x0EFF),)),  # Thai and Lao
    (INDIC_LINE_HEIGHT, ((0x0900, 0x0DFF),)),  # Devanagari to Sinhala
)


@functools.lru_cache(maxsize=256)
def min_line_height(text: str) -> float:
    """The least line height for `text`: that of the script at least half of its letters
    are written in, or 0 when none needs more than a layout gives Latin."""
    letters = [c for c in text if c.isalpha() or is_cjk(c)]
    if not letters:
        return 0.0
    if sum(is_cjk(c) for c in letters) * 2 >= len(letters):
        return CJK_LINE_HEIGHT
    for height, blocks in _SCRIPTS:
        inside = sum(any(a <= ord(c) <= b for a, b in blocks) for c in letters)
        if inside * 2 >= len(letters):
            return height
    return 0.0
