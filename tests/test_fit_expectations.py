"""Fitting gives exactly what it gave before it was made faster: sizes, lines, widths
and hang for several hundred generated texts, boxes and measurers (two bundled fonts,
letter-spaced capitals, a fake proportional font), against expectations stored in
`tests/data/fit_expectations.json`.

The expectations were written by the fitting code as it stood before the speed work
of issue 13 (`python -m tests.test_fit_expectations --write`); rewrite them only for
an intended change of breaks or sizes, and then look at the golden images too.
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardgen.typography.fonts import ChainMeasurer, FontRegistry
from cardgen.typography.linebreak import BALANCE, PRETTY
from cardgen.typography.typeset import FittedText, Measurer, fit_text, normalise_space, set_at

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = Path(__file__).parent / "data" / "fit_expectations.json"
CASES = 400

# Generated words, not copied text: short words that should not end a line, long ones,
# numbers, hyphenated words, dashes, quote marks, emoji (capitals: see `cases`).
_WORDS = (
    "a an the of to in on at by for I we you it is was be not and but or so as "
    "ambition mean selfish strive excellence work love children see morning light river "
    "quietly extraordinary understanding responsibility well-being long-term 10 20 2026 "
    "— – … “quoted” (aside) don’t it’s ’90s « mot » ? ! ; : café naïve über ✨ 💪"
)
VOCABULARY = tuple(_WORDS.split())
FONTS = ("inter", "eb-garamond")


@dataclass(frozen=True)
class Case:
    text: str
    measurer: str
    box_w: float
    box_h: float
    min_size: int
    max_size: int
    line_height: float
    hang: bool
    max_lines: int | None
    wrap: str


def cases() -> Iterator[Case]:
    """The same cases on every machine and run (a seeded generator)."""
    pick = random.Random(1302)
    for _ in range(CASES):
        words = [pick.choice(VOCABULARY) for _ in range(pick.randint(1, 45))]
        text = " ".join(words)
        measurer = pick.choice(("proportional", *FONTS, "inter-capitals"))
        if measurer == "inter-capitals":
            text = text.upper()
        if pick.random() < 0.25:
            text = "\u201c" + text + "\u201d"
        low = pick.randint(8, 60)
        yield Case(
            text=text,
            measurer=measurer,
            box_w=float(pick.randint(120, 1400)),
            box_h=float(pick.randint(60, 1400)),
            min_size=low,
            max_size=low + pick.randint(0, 160),
            line_height=pick.choice((1.04, 1.15, 1.3, 1.6)),
            hang=pick.random() < 0.5,
            max_lines=pick.choice((None, None, 2, 3, 5)),
            wrap=pick.choice((BALANCE, PRETTY)),
        )


class Proportional:
    """Widths that differ per letter, like a real font."""

    def width(self, text: str, size: int) -> float:
        return sum((1 + ord(c) % 7) * 0.13 for c in text) * size

    def metrics(self, size: int) -> tuple[int, int]:
        return round(size * 0.8), round(size * 0.25)


def measurer_for(name: str, text: str, registry: FontRegistry) -> Measurer:
    if name == "proportional":
        return Proportional()
    family = "Inter" if name.startswith("inter") else "EB Garamond"
    return ChainMeasurer(registry.chain(registry.find(family)), text)


def outcome(case: Case, registry: FontRegistry) -> list[object] | None:
    """What fitting gives for `case` (and set_at at its smallest size), as plain data."""
    measure = measurer_for(case.measurer, case.text, registry)
    fitted = fit_text(
        case.text,
        case.box_w,
        case.box_h,
        case.min_size,
        case.max_size,
        case.line_height,
        measure,
        hang=case.hang,
        max_lines=case.max_lines,
        wrap=case.wrap,
    )
    at_min = set_at(
        case.text,
        case.min_size,
        case.box_w,
        case.line_height,
        measure,
        hang=case.hang,
        wrap=PRETTY if case.wrap == PRETTY else case.wrap,
    )
    return [_plain(fitted), _plain(at_min)]


def _plain(fitted: FittedText | None) -> list[object] | None:
    if fitted is None:
        return None
    return [
        fitted.size,
        list(fitted.lines),
        list(fitted.widths),
        list(fitted.starts),
        fitted.hang,
        fitted.line_pitch,
        fitted.ascent,
        fitted.descent,
    ]


def _registry() -> FontRegistry:
    return FontRegistry((ROOT / "fonts",), system=False)


@pytest.fixture(scope="module")
def expected() -> list[object]:
    loaded: list[object] = json.loads(EXPECTED.read_text(encoding="utf-8"))
    return loaded


def test_fitting_gives_exactly_the_stored_results(expected: list[object]) -> None:
    registry = _registry()
    generated = list(cases())
    assert len(expected) == len(generated) == CASES
    wrong = [
        (index, case)
        for index, (case, want) in enumerate(zip(generated, expected, strict=True))
        if outcome(case, registry) != want
    ]
    assert not wrong, f"{len(wrong)} cases differ, the first: {wrong[0]}"


def test_the_stored_results_cover_what_fitting_decides(expected: list[object]) -> None:
    """Not a set of trivial cases: many fit, some do not, many break into several lines
    and some take a smaller size than the largest that fits (for better breaks)."""
    fitted = [e[0] for e in expected if isinstance(e, list) and e[0] is not None]
    assert 150 < len(fitted) < CASES
    assert sum(len(f[1]) >= 3 for f in fitted) > 50
    assert sum(f[4] > 0 for f in fitted) > 30  # hung opening marks


def write() -> None:
    registry = _registry()
    results = [outcome(case, registry) for case in cases()]
    EXPECTED.parent.mkdir(exist_ok=True)
    EXPECTED.write_text(json.dumps(results, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(results)} expectations to {EXPECTED}")


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    write()


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=" \t\n\r\x0b\x0c\u00a0\u202f\u2007\u2003\u3000\u2028ab", max_size=12))
def test_single_spaced_text_is_left_as_it_is(text: str) -> None:
    # `normalise_space` skips collapsing text that is already single-spaced (fitting
    # normalises the same text for every size tried): the same result as collapsing.
    collapsed = re.sub(r"[^\S\u00a0\u202f\u2007]+", " ", text).strip()  # what it did before
    assert normalise_space(text) == collapsed
