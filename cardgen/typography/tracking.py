"""Letter-spacing (tracking): looser for capitals, tighter for large heavy type.

Text set in capitals reads better spaced out a little (their shapes are made to sit
beside lower case); large bold type looks loose at display sizes, where designers
tighten it (Inter's own recommendation is about -2% of the size past 60 px). Pure
numbers: `fonts.ChainMeasurer` adds the spacing to widths and run positions, and
`raster` draws spaced runs glyph by glyph. Only scripts whose letters stand apart
(Latin, Greek, Cyrillic) are spaced: spacing would break Arabic's joins.
"""

from __future__ import annotations

UPPERCASE_EM = 0.06  # capitals: 6% of the size between letters
HEAVY_EM = -0.02  # heavy type at display sizes: 2% tighter
HEAVY_WEIGHT = 700
HEAVY_FROM_PX, HEAVY_FULL_PX = 40, 80  # tightening grows from nothing to HEAVY_EM here


def is_capitals(text: str) -> bool:
    """True for text of at least two letters, every cased letter upper case."""
    capitals = 0
    for c in text:  # stops at the first lower-case letter: most text is not capitals
        if c.isalpha():
            if c.islower():
                return False
            capitals += c.isupper()
    return capitals >= 2


def tracking_em(capitals: bool, weight: int, size: int) -> float:
    """Letter-spacing for text (in `capitals` or not) in a face of `weight` at `size`
    px, in ems.

    The heavy tightening ramps in with size, and stays small beside the letters' own
    widths, so a larger size never sets narrower than a smaller one would (fitting
    searches sizes assuming that)."""
    spacing = UPPERCASE_EM if capitals else 0.0
    if weight >= HEAVY_WEIGHT and size > HEAVY_FROM_PX:
        ramp = min(1.0, (size - HEAVY_FROM_PX) / (HEAVY_FULL_PX - HEAVY_FROM_PX))
        spacing += HEAVY_EM * ramp
    return spacing


def spaced_letters(text: str) -> int:
    """How many letter spaces a run of `text` carries: one after each character that
    is not a combining mark (the last one's is trimmed by the caller where it matters)."""
    import unicodedata

    return sum(1 for c in text if unicodedata.category(c) not in ("Mn", "Me", "Cf"))
