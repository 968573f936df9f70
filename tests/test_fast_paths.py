"""The shortcuts that keep a card's scene cheap give exactly what the plain ways give:
widths of many words at once, the capitals test, a shape copied with a change, the
right-to-left check of a line, and metrics remembered across cards."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardgen.batch.plan import Project
from cardgen.drawing.composition import with_changes
from cardgen.drawing.scene import (
    ImageShape,
    LineShape,
    PlacedLine,
    PlacedRun,
    RectShape,
    ShadowShape,
    TextBlock,
)
from cardgen.typography.fonts import ChainMeasurer, FontChain, FontFace, chain_for
from cardgen.typography.tracking import is_capitals

ROOT = Path(__file__).resolve().parent.parent
WORDS = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéß’“”—-.,!? 0123456789",
    min_size=1,
    max_size=12,
)


@pytest.fixture(scope="module")
def chains() -> list[FontChain]:
    registry = Project.open(ROOT).font_registry()
    faces = [
        registry.find("Inter", 800, False),  # heavy: tightened at display sizes
        registry.find("EB Garamond", 400, False),
    ]
    return [chain_for(registry, face) for face in faces]


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(WORDS, min_size=1, max_size=20, unique=True),
    capitals=st.booleans(),
    sizes=st.lists(st.integers(min_value=6, max_value=400), min_size=1, max_size=6),
)
def test_widths_of_many_words_are_each_words_width(
    chains: list[FontChain], words: list[str], capitals: bool, sizes: list[int]
) -> None:
    texts = tuple(w.upper() if capitals else w for w in words)
    for chain in chains:
        measure = ChainMeasurer(chain, " ".join(texts))
        for size in sizes:  # the same words at several sizes, as fitting asks
            assert measure.widths(texts, size) == [measure.width(t, size) for t in texts]


def _is_capitals_as_written(text: str) -> bool:
    cased = [c for c in text if c.isalpha() and (c.isupper() or c.islower())]
    return len(cased) >= 2 and all(c.isupper() for c in cased)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30) | st.text(alphabet="ABǅǈªⓐⒶß1 .aΣς", max_size=12))
def test_capitals_test_stops_early_with_the_same_answer(text: str) -> None:
    assert is_capitals(text) == _is_capitals_as_written(text)


def _face() -> FontFace:
    return FontFace(Path("x.ttf"), "X", "Regular", 400, False)


SHAPES = [
    RectShape((1, 2, 3, 4), (1, 2, 3, 255), 5, (9, 9, 9, 9), 2, "brand.accent"),
    LineShape((1, 2), (3, 4), (0, 0, 0, 255), 3),
    ImageShape("a.png", (0, 0, 10, 10), "contain", (0.5, 0.5), "left", "top", 0.5, 3),
    TextBlock(
        "quote",
        _face(),
        40,
        (0, 0, 0, 255),
        (PlacedLine("Hi", 1.0, 2.0, (PlacedRun("Hi", _face(), 0.0, 9.0),)),),
        (0, 0, 5, 5),
        (1, 1, 4, 4),
        (9, 9, 9, 255),
        (_face(),),
    ),
]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: type(s).__name__)
def test_a_shape_copied_with_a_change_is_what_replace_makes(
    shape: RectShape | LineShape | ImageShape | TextBlock,
) -> None:
    field = "start" if isinstance(shape, LineShape) else "box"
    value = (7, 7) if isinstance(shape, LineShape) else (7, 7, 8, 8)
    copied = with_changes(shape, **{field: value})
    assert copied == dataclasses.replace(shape, **{field: value})
    assert type(copied) is type(shape) and copied is not shape
    assert getattr(shape, field) != value  # the original is untouched
    assert hash(copied) == hash(dataclasses.replace(shape, **{field: value}))
    shadow = ShadowShape(shape, (0, 0, 0, 80), (2, 2), 4)
    assert with_changes(shadow, of=copied) == dataclasses.replace(shadow, of=copied)


def test_lines_of_a_mixed_text_are_still_split_by_direction(chains: list[FontChain]) -> None:
    """A left-to-right text is checked once for right-to-left characters; a line that is
    not part of it (or a text that has some) is checked itself."""
    chain = chains[0]
    latin = ChainMeasurer(chain, "plain words only")
    assert [r.rtl for r in latin.layout_line("plain words", 40)] == [False]
    mixed_line = "word \u05e9\u05dc\u05d5\u05dd"  # Hebrew after a Latin word
    assert any(r.rtl for r in latin.layout_line(mixed_line, 40))  # not from its text
    mixed = ChainMeasurer(chain, mixed_line)
    assert any(r.rtl for r in mixed.layout_line(mixed_line, 40))


def test_metrics_remembered_for_the_next_card_are_the_same(chains: list[FontChain]) -> None:
    chain = chains[1]
    first = ChainMeasurer(chain, "Rest is part of the work.")
    sizes = [12, 40, 97]
    before = [first.metrics(size) for size in sizes]
    chain.metrics.clear()
    again = ChainMeasurer(chain, "Another card, another quote.")
    assert [again.metrics(size) for size in sizes] == before  # measured afresh
    assert [ChainMeasurer(chain, "A third.").metrics(s) for s in sizes] == before  # kept
