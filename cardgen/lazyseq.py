"""Sequences whose items are made when they are read.

A run's long lists (its plan, its cards to do, the stored records, the review page's
quotes) are kept as small numbers or on disk and turned into values one at a time;
this base gives each the same indexing (negative indexes, slices, IndexError past the
end) so that a subclass says only how long it is and how to make one item.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Sequence
from typing import TypeVar, overload

T = TypeVar("T")


class LazySequence(Sequence[T]):
    """A read-only sequence made item by item: subclasses give `__len__` and `item`."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def item(self, index: int) -> T:
        """The item at `index`, 0 <= index < len(self)."""

    def sliced(self, indexes: range) -> Sequence[T]:
        """The items at `indexes` (a slice): a list, unless a subclass can do better."""
        return [self.item(index) for index in indexes]

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...

    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            return self.sliced(range(len(self))[index])
        return self.item(range(len(self))[index])  # negative indexes; IndexError past the end

    def __iter__(self) -> Iterator[T]:
        return (self.item(index) for index in range(len(self)))
