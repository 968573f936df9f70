"""Fitting and line breaking, tested with a fake measurer: no fonts, no pixels."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardgen.typography.linebreak import STUB_FIRST_SHARE
from cardgen.typography.segment import SHORT_WORD, breaks
from cardgen.typography.typeset import (
    FEW_WORDS_GIVE,
    SIZE_GIVE,
    fit_text,
    overflow,
    set_at,
    wrap,
)


class Monospace:
    """Every character is 0.5 em wide; ascent 0.8 em, descent 0.2 em."""

    def width(self, text: str, size: int) -> float:
        return len(text) * size * 0.5

    def metrics(self, size: int) -> tuple[int, int]:
        return round(size * 0.8), round(size * 0.2)


M = Monospace()


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("a bb ccc", 100, ["a bb ccc"]),
        ("a bb ccc", 15, ["a bb", "ccc"]),
        ("aaaa bbbb cccc", 20, ["aaaa", "bbbb", "cccc"]),
        ("toolongword", 20, None),
    ],
)
def test_wrap(text: str, width: float, expected: list[str] | None) -> None:
    assert wrap(text.split(), width, 5, M) == expected


def test_balanced_lines_have_no_stub() -> None:
    text = "one two three four five six seven eight nine"
    fitted = set_at(text, 10, 200, 1.2, M)
    assert fitted is not None
    # Greedy gives a 39-character first line and a 'nine' stub; balancing evens them.
    assert wrap(text.split(), 200, 10, M) == ["one two three four five six seven eight", "nine"]
    assert [len(line) for line in fitted.lines] == [23, 20]


def test_fit_picks_the_largest_size_that_fits() -> None:
    # One line: 11 chars * s/2 <= 110 -> s <= 20. Two lines: height 2.2s <= 40 -> s <= 18.
    fitted = fit_text("hello world", 110, 40, 5, 50, 1.2, M)
    assert fitted is not None
    assert (fitted.size, fitted.lines) == (20, ("hello world",))
    # With room for two lines, "hello" alone is 5 * s/2 <= 110 -> s = 44 (height 96.8).
    taller = fit_text("hello world", 110, 100, 5, 50, 1.2, M)
    assert taller is not None and (taller.size, taller.lines) == (44, ("hello", "world"))


def test_fit_respects_the_maximum() -> None:
    fitted = fit_text("hi", 1000, 1000, 5, 30, 1.2, M)
    assert fitted is not None and fitted.size == 30


def test_cannot_fit_returns_none_and_overflow_says_why() -> None:
    assert fit_text("unbreakable", 20, 100, 10, 40, 1.2, M) is None
    assert "wider than" in overflow("unbreakable", 20, 100, 10, 1.2, M)
    many = " ".join(["word"] * 50)
    assert fit_text(many, 100, 30, 10, 40, 1.2, M) is None
    assert "more than the 30px box" in overflow(many, 100, 30, 10, 1.2, M)


words = st.lists(st.text(alphabet="abcdefghij", min_size=1, max_size=12), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(
    words=words,
    box_w=st.integers(20, 1200),
    box_h=st.integers(10, 1200),
    lo=st.integers(4, 40),
    span=st.integers(0, 80),
    line_height=st.floats(0.9, 2.0),
)
def test_fitted_text_always_fits_its_box(
    words: list[str], box_w: int, box_h: int, lo: int, span: int, line_height: float
) -> None:
    text = " ".join(words)
    fitted = fit_text(text, box_w, box_h, lo, lo + span, line_height, M)
    if fitted is None:
        assert set_at(text, lo, box_w, line_height, M) is None or (
            set_at(text, lo, box_w, line_height, M).height > box_h  # type: ignore[union-attr]
        )
        return
    assert lo <= fitted.size <= lo + span
    assert fitted.height <= box_h
    assert all(w <= box_w for w in fitted.widths)
    assert " ".join(fitted.lines).split() == words  # nothing lost, nothing reordered
    # Close to the largest size that fits: smaller only to break better, and by at most
    # FEW_WORDS_GIVE (sizes are judged on greedy lines, which set_at's best breaks keep).
    largest = fitted.size
    while largest < lo + span:
        bigger = set_at(text, largest + 1, box_w, line_height, M)
        if bigger is None or bigger.height > box_h:
            break
        largest += 1
    assert fitted.size >= max(lo, math.ceil(largest * FEW_WORDS_GIVE))


class Proportional:
    """Widths that differ per letter, so greedy and balanced breaks differ."""

    def width(self, text: str, size: int) -> float:
        return sum((1 + ord(c) % 7) * 0.13 for c in text) * size

    def metrics(self, size: int) -> tuple[int, int]:
        return round(size * 0.8), round(size * 0.25)


def _search_with_set_at(
    text: str, box_w: float, box_h: float, lines: int | None, hang: bool
) -> tuple[int, tuple[str, ...]] | None:
    """The binary search of sizes with every candidate balanced (fit_text before it judged
    sizes on the greedy break): fit_text must give the same size and lines."""

    def fits(size: int) -> tuple[int, tuple[str, ...]] | None:
        fitted = set_at(text, size, box_w, 1.15, Proportional(), hang=hang)
        if fitted is None or fitted.height > box_h:
            return None
        if lines is not None and len(fitted.lines) > lines:
            return None
        return fitted.size, fitted.lines

    lo, hi = 6, 60
    best = fits(lo)
    if best is None:
        return None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        found = fits(mid)
        if found is not None:
            best, lo = found, mid
        else:
            hi = mid - 1
    return best


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9), max_size=30),
    box_w=st.floats(40, 600),
    box_h=st.floats(20, 400),
    lines=st.none() | st.integers(1, 5),
    hang=st.booleans(),
)
def test_fit_judges_sizes_like_balanced_set_at(
    words: list[str], box_w: float, box_h: float, lines: int | None, hang: bool
) -> None:
    # Balancing keeps the greedy line count, so judging on the greedy break changes nothing:
    # the size is the one a search of best-broken sizes finds, or a little smaller (down
    # to FEW_WORDS_GIVE of it) where that breaks with fewer penalties.
    text = "\u201c" + " ".join(words) if hang else " ".join(words)
    fitted = fit_text(text, box_w, box_h, 6, 60, 1.15, Proportional(), hang=hang, max_lines=lines)
    expected = _search_with_set_at(text, box_w, box_h, lines, hang)
    assert (fitted is None) == (expected is None)
    if fitted is None or expected is None:
        return
    size, expected_lines = expected
    assert max(6, math.ceil(size * FEW_WORDS_GIVE)) <= fitted.size <= size
    if fitted.size < math.ceil(size * SIZE_GIVE):
        # Further only to spare a lone word, or a stranded short one or a stub of a first
        # line for a clean break.
        widths = [Proportional().width(line, 10) for line in expected_lines]
        stranding = (
            any(" " not in line for line in expected_lines)
            or any(_strands(line) for line in expected_lines[:-1])
            or widths[0] < STUB_FIRST_SHARE * max(widths[1:], default=0.0)
        )
        assert stranding, expected_lines
    if fitted.size == size:
        assert fitted.lines == expected_lines


def _strands(line: str) -> bool:
    """Whether a line break after `line` costs what a stranded short word does."""
    found = breaks(line + " x").finest
    return found.penalties[-1] >= SHORT_WORD
