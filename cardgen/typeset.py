"""Line breaking and fitting: pure geometry, measured through a `Measurer`, no pixels.

`fit_text` finds the largest font size in a range for which the text fits a
box, then balances the lines so the last one is not a ragged stub.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol


class Measurer(Protocol):
    def width(self, text: str, size: int) -> float: ...

    def metrics(self, size: int) -> tuple[int, int]: ...


@dataclass(frozen=True)
class FittedText:
    """Text set at one size: its lines, and the geometry needed to place them."""

    size: int
    lines: tuple[str, ...]
    line_pitch: float  # baseline to baseline, px
    ascent: int
    descent: int
    widths: tuple[float, ...]

    @property
    def height(self) -> float:
        """From the first line's ascent to the last line's descent."""
        return (len(self.lines) - 1) * self.line_pitch + self.ascent + self.descent

    @property
    def width(self) -> float:
        return max(self.widths, default=0.0)


def words_of(text: str) -> list[str]:
    return text.split()


def wrap(words: list[str], max_width: float, size: int, measure: Measurer) -> list[str] | None:
    """Greedy line filling; None when a single word is wider than `max_width`."""
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if measure.width(candidate, size) <= max_width:
            current = candidate
            continue
        if not current or measure.width(word, size) > max_width:
            return None
        lines.append(current)
        current = word
    if current:
        lines.append(current)
    return lines


def balance(
    words: list[str], max_width: float, size: int, measure: Measurer, count: int
) -> list[str]:
    """The narrowest wrap that still takes `count` lines: even lines, no stub at the end."""
    lo = max(measure.width(w, size) for w in words)
    hi = max_width
    best = wrap(words, hi, size, measure) or []
    for _ in range(12):
        if hi - lo < 1:
            break
        mid = (lo + hi) / 2
        lines = wrap(words, mid, size, measure)
        if lines is not None and len(lines) <= count:
            best, hi = lines, mid
        else:
            lo = mid
    return best


def set_at(
    text: str, size: int, box_w: float, line_height: float, measure: Measurer
) -> FittedText | None:
    """Wrap `text` at `size` into `box_w`; None if a word does not fit the width."""
    words = words_of(text)
    if not words:
        return None
    lines = wrap(words, box_w, size, measure)
    if lines is None:
        return None
    if len(lines) > 1:
        lines = balance(words, box_w, size, measure, len(lines))
    ascent, descent = measure.metrics(size)
    return FittedText(
        size=size,
        lines=tuple(lines),
        line_pitch=size * line_height,
        ascent=ascent,
        descent=descent,
        widths=tuple(measure.width(line, size) for line in lines),
    )


def fit_text(
    text: str,
    box_w: float,
    box_h: float,
    min_size: int,
    max_size: int,
    line_height: float,
    measure: Measurer,
) -> FittedText | None:
    """The largest size in [min_size, max_size] whose wrapped text fits the box.

    Binary search over sizes (fit is monotonic in practice), then a short
    linear check upward to absorb the rare non-monotonic step of hinting.
    """

    def fits(size: int) -> FittedText | None:
        fitted = set_at(text, size, box_w, line_height, measure)
        if fitted is None or fitted.height > box_h:
            return None
        return fitted

    lo, hi = max(1, min_size), max(max_size, min_size)
    best = fits(lo)
    if best is None:
        return None
    while lo < hi:
        mid = math.ceil((lo + hi) / 2)
        fitted = fits(mid)
        if fitted is not None:
            best, lo = fitted, mid
        else:
            hi = mid - 1
    return best


def overflow(
    text: str, box_w: float, box_h: float, size: int, line_height: float, measure: Measurer
) -> str:
    """Say by how much `text` misses its box at `size`, for the error message."""
    words = words_of(text)
    widest = max(words, key=lambda w: measure.width(w, size), default="")
    if widest and measure.width(widest, size) > box_w:
        excess = measure.width(widest, size) - box_w
        return f"the word '{widest}' is {excess:.0f}px wider than the {box_w:.0f}px box"
    fitted = set_at(text, size, box_w, line_height, measure)
    if fitted is None:
        return "it does not fit"
    excess = fitted.height - box_h
    return (
        f"{len(fitted.lines)} lines need {fitted.height:.0f}px, "
        f"{excess:.0f}px more than the {box_h:.0f}px box"
    )
