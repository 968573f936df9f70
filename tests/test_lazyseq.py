"""LazySequence indexes as a list does: negative indexes, slices, IndexError past the end."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardgen.lazyseq import LazySequence


class Squares(LazySequence[int]):
    def __init__(self, count: int) -> None:
        self.count = count
        self.made: list[int] = []

    def __len__(self) -> int:
        return self.count

    def item(self, index: int) -> int:
        assert 0 <= index < self.count  # the base has turned every index into this range
        self.made.append(index)
        return index * index


@given(st.integers(0, 30), st.integers(-40, 40))
def test_an_index_reads_as_a_lists(count: int, index: int) -> None:
    squares, expected = Squares(count), [i * i for i in range(count)]
    if -count <= index < count:
        assert squares[index] == expected[index]
    else:
        with pytest.raises(IndexError):
            squares[index]


@given(
    st.integers(0, 30),
    st.none() | st.integers(-40, 40),
    st.none() | st.integers(-40, 40),
    st.none() | st.integers(-5, 5).filter(bool),
)
def test_a_slice_reads_as_a_lists(
    count: int, start: int | None, stop: int | None, step: int | None
) -> None:
    squares, expected = Squares(count), [i * i for i in range(count)]
    assert list(squares[start:stop:step]) == expected[start:stop:step]


def test_items_are_made_only_when_read() -> None:
    squares = Squares(1_000_000)
    assert squares[-1] == 999_999**2
    assert list(squares[3:6]) == [9, 16, 25]
    assert next(iter(squares)) == 0
    assert squares.made == [999_999, 3, 4, 5, 0]
    assert len(squares) == 1_000_000 and 4 in squares
