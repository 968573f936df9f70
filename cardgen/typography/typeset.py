"""Line breaking, fitting and typographic clean-up: pure geometry through a `Measurer`.

`fit_text` finds the largest font size in a range for which the text fits a
box, breaking lines where Unicode allows (spaces, between CJK characters, with
kinsoku), then balances the lines so the last one is not a ragged stub.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Sequence
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
    starts: tuple[int, ...] = ()  # index in the set text where each line begins
    hang: float = 0.0  # width of an opening quote mark hung outside the text's left edge

    @property
    def height(self) -> float:
        """From the first line's ascent to the last line's descent."""
        return (len(self.lines) - 1) * self.line_pitch + self.ascent + self.descent

    @property
    def width(self) -> float:
        return max(self.widths, default=0.0)


# --- typographic clean-up -----------------------------------------------------

HANGING_OPENERS = "\u201c\u2018\u00ab\u201e\u201a"  # “ ‘ « „ ‚
_OPEN_CONTEXT = " \t\n([{<\u2014\u2013\u00a0/"
_EMPHASIS = re.compile(r"\*(?=\S)([^*]*?\S)\*")


def smarten(text: str) -> str:
    """Straight quotes and apostrophes to curly ones, `--` to an em dash."""
    text = re.sub(r"-{2,3}", "\u2014", text)
    if '"' not in text and "'" not in text:
        return text
    out: list[str] = []
    for index, char in enumerate(text):
        before = text[index - 1] if index else " "
        after = text[index + 1] if index + 1 < len(text) else " "
        if char == '"':
            out.append("\u201c" if before in _OPEN_CONTEXT else "\u201d")
        elif char == "'":
            # 'tis and '90s elide letters: an apostrophe even at a word's start.
            opening = before in _OPEN_CONTEXT and not after.isdigit()
            out.append("\u2018" if opening else "\u2019")
        else:
            out.append(char)
    return "".join(out)


def emphasis_spans(text: str) -> tuple[str, tuple[bool, ...]]:
    """`*word*` marks emphasis: the text without the asterisks, and a flag per character."""
    plain: list[str] = []
    flags: list[bool] = []
    last = 0
    for match in _EMPHASIS.finditer(text):
        plain.append(text[last : match.start()])
        flags.extend([False] * (match.start() - last))
        plain.append(match.group(1))
        flags.extend([True] * len(match.group(1)))
        last = match.end()
    plain.append(text[last:])
    flags.extend([False] * (len(text) - last))
    return "".join(plain), tuple(flags)


# --- line break opportunities (a practical subset of UAX #14) -----------------

# Kinsoku shori: characters that may not start a line (closing brackets, stops,
# small kana, prolonged sound mark) and ones that may not end it (opening brackets).
NO_LINE_START = frozenset(
    "、。，．,.:;!?！？：；)]}）］｝〕〉》」』】〙〗〟’”»›・ーヽヾゝゞ々〻‐゠–〜～‥…‼⁇⁈⁉"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ%‰℃"
)
NO_LINE_END = frozenset("([{（［｛〔〈《「『【〘〖〝‘“«‹")
_GLUE = frozenset("\u200d\u2060\u00a0\u202f\u2007\ufeff")  # ZWJ, word joiner, no-break spaces


def _is_mark(char: str) -> bool:
    """Characters that belong to the one before them: combining marks, selectors, modifiers."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0000 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF
        or code == 0x200D
    )


def is_ideographic(char: str) -> bool:
    """CJK ideographs, kana and emoji: a line may break before or after each one."""
    code = ord(char)
    return (
        0x2E80 <= code <= 0x30FF  # radicals, CJK symbols and punctuation, kana
        or 0x3100 <= code <= 0x31FF
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x20000 <= code <= 0x3FFFF
        or 0x1F000 <= code <= 0x1FAFF
        or 0x2600 <= code <= 0x27BF
    )


def _break_before(text: str, i: int) -> bool:
    prev, cur = text[i - 1], text[i]
    if cur == " " or _is_mark(cur) or cur in _GLUE or prev in _GLUE:
        return False
    if cur in NO_LINE_START:
        return False
    if prev == " ":
        # `« mot »`: no break after an opening bracket even across a space.
        j = i - 1
        while j >= 0 and text[j] == " ":
            j -= 1
        return j < 0 or text[j] not in NO_LINE_END
    if prev in NO_LINE_END:
        return False
    if is_ideographic(prev) or is_ideographic(cur):
        return True
    # After a dash or hyphen between words (`well-being`, `this—that`).
    return prev in "-\u2010\u2013\u2014" and cur.isalnum() and i >= 2 and text[i - 2].isalnum()


def segments(text: str) -> list[str]:
    """Unbreakable pieces of `text`, each keeping its trailing spaces; they join back to it."""
    return list(_segments(text))


@functools.lru_cache(maxsize=512)
def _segments(text: str) -> tuple[str, ...]:
    # Every size tried while fitting breaks the same text: find its pieces once.
    pieces: list[str] = []
    start = 0
    for i in range(1, len(text)):
        if _break_before(text, i):
            pieces.append(text[start:i])
            start = i
    if text:
        pieces.append(text[start:])
    return tuple(pieces)


# --- wrapping -----------------------------------------------------------------


class _Widths:
    """Segment widths at one size (with and without trailing spaces), measured once."""

    def __init__(self, pieces: Sequence[str], size: int, measure: Measurer) -> None:
        words, spaces, distinct = _split_spaces(tuple(pieces))
        # Each size tried measures the same pieces: each distinct word once.
        widths = {word: measure.width(word, size) for word in distinct}
        space = measure.width(" ", size) if words else 0.0
        self.bare: list[float] = [widths[word] if word else 0.0 for word in words]
        self.full: list[float] = [b + space * n for b, n in zip(self.bare, spaces, strict=True)]

    def line(self, start: int, end: int) -> float:
        return sum(self.full[start : end - 1]) + self.bare[end - 1]


@functools.lru_cache(maxsize=512)
def _split_spaces(
    pieces: tuple[str, ...],
) -> tuple[tuple[str, ...], tuple[int, ...], tuple[str, ...]]:
    """Each piece without its trailing spaces, how many there were, and the distinct words."""
    words = tuple(piece.rstrip(" ") for piece in pieces)
    spaces = tuple(len(piece) - len(word) for piece, word in zip(pieces, words, strict=True))
    return words, spaces, tuple(dict.fromkeys(word for word in words if word))


def _greedy(widths: _Widths, max_width: float, credit: float = 0.0) -> list[tuple[int, int]] | None:
    """Lines as (first, past-last) segment indices; None when a segment is too wide.

    `credit` is width the first line may use beyond `max_width` (a hung quote mark).
    """
    lines: list[tuple[int, int]] = []
    start, used = 0, 0.0
    bare, full = widths.bare, widths.full
    count = len(bare)
    room = max_width + credit  # the first line's
    for i in range(count):
        if i > start and used + bare[i] > room:
            lines.append((start, i))
            start, used = i, 0.0
            room = max_width
        if i == start and bare[i] > room:
            return None
        used += full[i]
    if count:
        lines.append((start, count))
    return lines


def _balanced(
    widths: _Widths, max_width: float, credit: float, greedy: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The narrowest wrap with as few lines as greedy: even lines, no stub at the end."""
    count = len(greedy)
    if count < 2:
        return greedy
    lo, hi = max(widths.bare) - credit, max_width
    best = greedy
    for _ in range(14):
        if hi - lo < 0.5:
            break
        mid = (lo + hi) / 2
        lines = _greedy(widths, mid, credit)
        if lines is not None and len(lines) <= count:
            best, hi = lines, mid
        else:
            lo = mid
    return _no_widow(widths, max_width, best)


def _no_widow(
    widths: _Widths, max_width: float, lines: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Pull a segment down when the last line holds one word and the one above can spare it."""
    if len(lines) < 2:
        return lines
    (a0, a1), (b0, b1) = lines[-2], lines[-1]
    if b1 - b0 == 1 and a1 - a0 >= 3 and widths.line(a1 - 1, b1) <= max_width:
        return [*lines[:-2], (a0, a1 - 1), (a1 - 1, b1)]
    return lines


def _lines_of(text: str, pieces: list[str], spans: list[tuple[int, int]]) -> list[tuple[int, str]]:
    offsets = [0]
    for piece in pieces:
        offsets.append(offsets[-1] + len(piece))
    return [(offsets[a], "".join(pieces[a:b]).rstrip(" ")) for a, b in spans]


def wrap(words: list[str], max_width: float, size: int, measure: Measurer) -> list[str] | None:
    """Greedy line filling of space-separated words; None when a word is wider than the box."""
    pieces = [w + " " for w in words[:-1]] + words[-1:]
    spans = _greedy(_Widths(pieces, size, measure), max_width)
    if spans is None:
        return None
    return [line for _, line in _lines_of(" ".join(words), pieces, spans)]


def balance(
    words: list[str], max_width: float, size: int, measure: Measurer, count: int
) -> list[str]:
    """The narrowest wrap of `words` that still takes `count` lines."""
    pieces = [w + " " for w in words[:-1]] + words[-1:]
    widths = _Widths(pieces, size, measure)
    greedy = _greedy(widths, max_width) or [(0, len(pieces))]
    spans = _balanced(widths, max_width, 0.0, greedy) if len(greedy) == count else greedy
    return [line for _, line in _lines_of(" ".join(words), pieces, spans)]


def normalise_space(text: str) -> str:
    return " ".join(text.split())


def hang_width(text: str, size: int, measure: Measurer) -> float:
    """How far an opening quote mark at the start of `text` hangs into the margin."""
    if len(text) > 1 and text[0] in HANGING_OPENERS:
        return measure.width(text[0], size)
    return 0.0


def set_at(
    text: str,
    size: int,
    box_w: float,
    line_height: float,
    measure: Measurer,
    *,
    hang: bool = False,
) -> FittedText | None:
    """Break `text` (single-spaced) at `size` into `box_w`; None if a piece is too wide.

    With `hang`, an opening quote mark sits outside the left edge of the other
    lines, inside the box: every line is indented by its width but the first.
    """
    broken = _Broken.of(text, size, box_w, measure, hang)
    return broken.balanced(line_height, measure) if broken is not None else None


@dataclass
class _Broken:
    """Text greedily broken at one size: enough to know its line count, not yet balanced."""

    text: str
    size: int
    pieces: tuple[str, ...]
    widths: _Widths
    indent: float
    avail: float
    spans: list[tuple[int, int]]

    @classmethod
    def of(
        cls, text: str, size: int, box_w: float, measure: Measurer, hang: bool
    ) -> _Broken | None:
        text = normalise_space(text)
        if not text:
            return None
        pieces = _segments(text)
        widths = _Widths(pieces, size, measure)
        indent = hang_width(text, size, measure) if hang else 0.0
        avail = box_w - indent
        spans = _greedy(widths, avail, indent)
        if spans is None:
            return None
        return cls(text, size, pieces, widths, indent, avail, spans)

    def height(self, line_height: float, measure: Measurer) -> float:
        ascent, descent = measure.metrics(self.size)
        return (len(self.spans) - 1) * (self.size * line_height) + ascent + descent  # as FittedText

    def balanced(self, line_height: float, measure: Measurer) -> FittedText:
        spans = _balanced(self.widths, self.avail, self.indent, self.spans)
        lines = _lines_of(self.text, list(self.pieces), spans)
        ascent, descent = measure.metrics(self.size)
        return FittedText(
            size=self.size,
            lines=tuple(line for _, line in lines),
            line_pitch=self.size * line_height,
            ascent=ascent,
            descent=descent,
            widths=tuple(self.widths.line(a, b) for a, b in spans),
            starts=tuple(start for start, _ in lines),
            hang=self.indent,
        )


def fit_text(
    text: str,
    box_w: float,
    box_h: float,
    min_size: int,
    max_size: int,
    line_height: float,
    measure: Measurer,
    *,
    hang: bool = False,
    max_lines: int | None = None,
) -> FittedText | None:
    """The largest size in [min_size, max_size] whose broken lines fit the box
    (in at most `max_lines` lines when given).

    Binary search over sizes: fitting is monotonic in practice, and the
    caller checks the final ink against the box anyway. Balancing keeps the
    greedy line count, so sizes are judged on the greedy break and only the
    chosen one is balanced.
    """

    def fits(size: int) -> _Broken | None:
        broken = _Broken.of(text, size, box_w, measure, hang)
        if broken is None or broken.height(line_height, measure) > box_h:
            return None
        if max_lines is not None and len(broken.spans) > max_lines:
            return None
        return broken

    lo, hi = max(1, min_size), max(max_size, min_size)
    best = fits(lo)
    if best is None:
        return None
    while lo < hi:
        mid = math.ceil((lo + hi) / 2)
        broken = fits(mid)
        if broken is not None:
            best, lo = broken, mid
        else:
            hi = mid - 1
    return best.balanced(line_height, measure)


def overflow(
    text: str,
    box_w: float,
    box_h: float,
    size: int,
    line_height: float,
    measure: Measurer,
    max_lines: int | None = None,
) -> str:
    """Say by how much `text` misses its box at `size`, for the error message."""
    text = normalise_space(text)
    pieces = [p.rstrip(" ") for p in segments(text)]
    widest = max(pieces, key=lambda p: measure.width(p, size), default="")
    if widest and measure.width(widest, size) > box_w:
        excess = measure.width(widest, size) - box_w
        shown = widest if len(widest) <= 40 else widest[:39] + "\u2026"
        return f"the word '{shown}' is {excess:.0f}px wider than the {box_w:.0f}px box"
    fitted = set_at(text, size, box_w, line_height, measure)
    if fitted is None:
        return "it does not fit"
    if max_lines is not None and len(fitted.lines) > max_lines and fitted.height <= box_h:
        extra = len(fitted.lines) - max_lines
        return f"it needs {len(fitted.lines)} lines, {extra} more than the {max_lines} allowed"
    excess = fitted.height - box_h
    return (
        f"{len(fitted.lines)} lines need {fitted.height:.0f}px, "
        f"{excess:.0f}px more than the {box_h:.0f}px box"
    )
