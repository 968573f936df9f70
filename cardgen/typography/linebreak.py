"""Total-fit line breaking: the best breaks for the whole paragraph at once.

In the spirit of Knuth and Plass (and CSS `text-wrap: pretty`): every way of
breaking a paragraph into a given number of lines is scored by its raggedness
(the squared room left on each line) plus the penalties of its breaks (a short
word ending a line, a dash starting one, `segment`'s costs), of a lone word on
any line, and of a first line shorter than the paragraph's lines, less a small
bonus for each line that ends a clause; the cheapest wins. `balance` counts the
last line's room too, so lines come out even (`text-wrap: balance`); `pretty`
leaves the last line ragged unless it is very short. A first line may be short
only where it ends a clause (`Small steps,` / `taken daily, become...`): a card
opening on a stub of a line looks unfinished.

Pure arithmetic on widths: no text, no fonts. The number of lines is fixed by the
caller (greedy filling gives the fewest), and each break can only lie between where
greedy filling from the start and from the end put it, so the search stays small.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

BALANCE = "balance"
PRETTY = "pretty"
PRETTY_LAST_LINE = 0.4  # with `pretty`, a last line shorter than this share of the box costs
# A first line shorter than this share of the paragraph's mean line costs FIRST_LINE
# times the square of the shortfall (as a share of the box), unless it ends a clause.
FIRST_LINE_SHARE = 0.9
FIRST_LINE = 1.0
# What a light first line (under LIGHT_FIRST_SHARE of the longest, not at a clause's end)
# adds to the penalties paid, so a slightly smaller size that breaks without it is taken
# (`typeset.fit_text`); half a stranded short word's: never traded for one.
LIGHT_FIRST_SHARE = 0.8
LIGHT_FIRST = 0.1
# Under this share it is a stub (`A quiet` / `mind hears` / `the answer first.`) and
# pays LIGHT_FIRST twice: as much as a stranded short word, never a fix for one.
STUB_FIRST_SHARE = 0.6
# A word alone on the first line (`Small` / `steps, taken`) costs this share of a word
# alone on any other line, unless it ends a clause (`Why?` / ...): a hole all the same,
# but a little less of one than a lone last word (the cheaper of the two when nothing
# else fits), and enough to send `typeset.fit_text` looking for a size without it.
FIRST_ALONE = 0.8
_EPSILON = 1e-6


@dataclass(frozen=True)
class LineWidths:
    """Widths of the pieces of a paragraph: with their trailing spaces (`full`), and
    without (`bare`, as when a piece ends a line)."""

    bare: Sequence[float]
    full: Sequence[float]

    def line(self, start: int, end: int) -> float:
        """Width of pieces[start:end] set as one line (its trailing spaces dropped)."""
        return sum(self.full[start : end - 1]) + self.bare[end - 1]


def greedy(
    widths: LineWidths, max_width: float, credit: float = 0.0
) -> list[tuple[int, int]] | None:
    """Lines as (first, past-last) piece indices, each filled as far as it goes: the
    fewest lines. None when a piece is wider than the box.

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


def _from_the_end(widths: LineWidths, max_width: float, credit: float, count: int) -> list[int]:
    """The earliest piece each line can start at when every line after it is filled
    as far back as it goes: starts[k] for line k (0-based) of `count` lines."""
    pieces = len(widths.bare)
    starts = [0] * count
    end = pieces
    for k in range(count - 1, 0, -1):
        # A line is no narrower for starting earlier (its sum takes in more widths), so
        # the earliest start that fits is found by bisection in [k, end - 1].
        low, high = k, end - 1
        while low < high:
            middle = (low + high) // 2
            if widths.line(middle, end) <= max_width:
                high = middle
            else:
                low = middle + 1
        starts[k] = low
        end = low
    return starts


def best_breaks(
    widths: LineWidths,
    max_width: float,
    penalties: Sequence[float],
    lone: Sequence[float],
    fewest: list[tuple[int, int]],
    *,
    credit: float = 0.0,
    wrap: str = BALANCE,
    bonus: Sequence[float] = (),
    middle: Sequence[float] = (),
) -> tuple[list[tuple[int, int]], float]:
    """The cheapest way to set the pieces in as many lines as `fewest` (a greedy break),
    and what its breaks cost in penalties (raggedness, a short first line and
    bonuses aside).

    `penalties[i]` is the cost of a break after piece i, `bonus[i]` what it earns
    (a clause's end; none when empty), `lone[i]` the cost of piece i alone on a line;
    room is measured as a share of `max_width`.
    """
    count = len(fewest)
    pieces = len(widths.bare)
    if count < 2:
        return fewest, 0.0
    latest = [end for _, end in fewest]  # greedy from the start: the furthest each line ends
    earliest = _from_the_end(widths, max_width, credit, count)  # each line's earliest start
    prefix = list(itertools.accumulate(widths.full, initial=0.0))
    bare = widths.bare
    # The first line is judged against the paragraph's mean line: known before the search.
    first_target = FIRST_LINE_SHARE * (prefix[pieces] / count)

    inverse = 1.0 / max_width  # room as a share of the box
    # For each end, the best first k lines ending before piece `end`: (cost, penalties).
    costs: dict[int, tuple[float, float]] = {0: (0.0, 0.0)}
    choices: list[dict[int, int]] = []
    for k in range(count):
        room = max_width + (credit if k == 0 else 0.0)
        last = k == count - 1
        ragged = last and wrap == PRETTY  # only the last line's shortness costs
        alone = lone if last or not middle else middle  # `middle`: alone on a line but the last
        ends = [pieces] if last else range(earliest[k + 1], latest[k] + 1)
        starts = sorted(costs, reverse=True)
        step: dict[int, tuple[float, float]] = {}
        chosen: dict[int, int] = {}
        for end in ends:
            reach, tail = prefix[end - 1], bare[end - 1]
            between = 0.0 if last else penalties[end - 1]
            gain = bonus[end - 1] if bonus and not last else 0.0
            opening = k == 0 and gain == 0.0  # a first line not ending a clause
            best_cost = math.inf
            best_paid = 0.0
            best_start = -1
            # Latest start first: each earlier one makes the line wider, so the first line
            # too wide ends the search; on a tie the earliest start wins (`<=`).
            for start in starts:
                if start >= end:
                    continue
                used = reach - prefix[start] + tail
                if used > room + _EPSILON:
                    break
                if used > room - _EPSILON and widths.line(start, end) > room:
                    continue
                # One word alone on a line (`become`) is a hole in the block; on the
                # first line a little less of one, and none where it ends a clause.
                penalty = between
                if end - start == 1:
                    if k:
                        penalty += alone[start]
                    elif opening:
                        penalty += FIRST_ALONE * alone[start]
                if ragged:
                    short = PRETTY_LAST_LINE - used / room
                    line_cost = short * short if short > 0 else 0.0
                else:
                    share = (room - used) * inverse
                    line_cost = share * share
                if opening and used < first_target:
                    short = (first_target - used) * inverse
                    line_cost += FIRST_LINE * short * short
                before, paid = costs[start]
                cost = before + penalty + line_cost - gain
                if cost <= best_cost:
                    best_cost, best_paid, best_start = cost, paid + penalty, start
            if best_start >= 0:
                step[end], chosen[end] = (best_cost, best_paid), best_start
        if not step:
            return fewest, 0.0  # rounding left no way through: keep the greedy break
        costs = step
        choices.append(chosen)
    lines: list[tuple[int, int]] = []
    end = pieces
    for chosen in reversed(choices):
        start = chosen[end]
        lines.append((start, end))
        end = start
    lines.reverse()
    paid = costs[pieces][1]
    first = lines[0][1]
    # (A word alone on the first line has paid for it above.)
    if first > 1 and not (bonus and bonus[first - 1] > 0.0):
        longest = max(widths.line(a, b) for a, b in lines[1:])
        first_width = widths.line(0, first)
        if first_width < LIGHT_FIRST_SHARE * longest:
            paid += LIGHT_FIRST
        if first_width < STUB_FIRST_SHARE * longest:
            paid += LIGHT_FIRST
    return lines, paid
