"""A batch's plan, kept small: a run of 100,000 cards held ~1 kB of objects a card for its
plan (a `CardJob` each, and every selection with its article's text), the largest part of
its memory. Here each card is six small numbers, and each selection waits pickled in a
temporary file; a `CardJob` is made when a card is asked for, and let go after."""

from __future__ import annotations

import pickle
from array import array
from collections.abc import Callable, Hashable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from cardgen.batch.spool import SpoolFile
from cardgen.design.platforms import Platform
from cardgen.drawing.encoders import extension
from cardgen.errors import CardgenError
from cardgen.lazyseq import LazySequence
from cardgen.source.quotes import LoadedSelection, Quote

T = TypeVar("T", bound=tuple[int, int, int])
# A card a run fits and draws, or keeps cached: its job, its cache key, and where its caption
# and alt text wait in the run's spool (or why they cannot be made).
Todo = tuple["CardJob", str, "int | CardgenError"]


class Choices(NamedTuple):
    """A card's platform, layout, brand and format, as asked and resolved."""

    platform: Platform
    layout: str
    brand: str | None
    fmt: str


@dataclass(frozen=True)
class CardJob:
    """One card to make: a verified quote on one platform in one layout and brand."""

    selection: LoadedSelection
    quote: Quote
    platform: Platform
    layout: str
    brand: str | None
    fmt: str
    path: str  # relative to the output folder

    @classmethod
    def of(cls, selection: LoadedSelection, quote: Quote, choices: Choices) -> CardJob:
        """A quote's card as chosen, with the file it makes (relative to OUT)."""
        platform, layout, brand, fmt = choices
        path = f"{selection.name}/{quote.id}/{platform.id}." + extension(fmt)
        return cls(selection, quote, platform, layout, brand, fmt, path)


class LoadedSelections(LazySequence[LoadedSelection]):
    """Selections as they are loaded and verified, one at a time, each kept pickled in a
    temporary file rather than in memory (an archive of 100,000 articles would hold every
    article's text): reading one unpickles it, the one read last is kept (a plan goes
    selection by selection). Gone with the process, as the run's spool."""

    def __init__(self) -> None:
        self._file: SpoolFile | None = None  # made with the first selection
        self._where = array("q")  # where each selection starts in the file, and its size
        self._size = array("q")
        self._last: tuple[int, LoadedSelection] | None = None

    def append(self, selection: LoadedSelection) -> None:
        if self._file is None:
            self._file = SpoolFile()
        data = pickle.dumps(selection, pickle.HIGHEST_PROTOCOL)
        self._where.append(self._file.put(data))
        self._size.append(len(data))
        self._last = (len(self._where) - 1, selection)

    def __len__(self) -> int:
        return len(self._where)

    def item(self, index: int) -> LoadedSelection:
        if self._last is not None and self._last[0] == index:
            return self._last[1]
        assert self._file is not None
        data = self._file.get(self._where[index], self._size[index])
        selection: LoadedSelection = pickle.loads(data)  # our own file, written above
        self._last = (index, selection)
        return selection


_FIELDS = 6  # a card's numbers: selection, quote, platform, layout, brand, format


class CardPlan(LazySequence[CardJob]):
    """Every card of a batch in plan order, as the numbers of its selection (in
    `selections`), its quote (in the selection), and its platform, layout, brand and format
    (in a table of the few there are): 24 bytes a card. Indexing makes the card's
    `CardJob`; a slice is a list of them."""

    def __init__(self, selections: Sequence[LoadedSelection]) -> None:
        self.selections = selections
        self._cards = array("I")
        self._values: list[Hashable] = []  # platforms, layout and brand names, formats
        self._numbers: dict[Hashable, int] = {}

    def add(self, selection: int, quote: int, choices: Choices) -> None:
        """A card of the `quote`-th quote of the `selection`-th selection, at the end."""
        self._cards.extend((selection, quote, *(self._number(value) for value in choices)))

    def _number(self, value: Hashable) -> int:
        number = self._numbers.get(value)
        if number is None:
            number = self._numbers[value] = len(self._values)
            self._values.append(value)
        return number

    def __len__(self) -> int:
        return len(self._cards) // _FIELDS

    def item(self, index: int) -> CardJob:
        start = index * _FIELDS
        selection_at, quote_at, *numbers = self._cards[start : start + _FIELDS]
        platform, layout, brand, fmt = (self._values[n] for n in numbers)
        assert isinstance(platform, Platform) and isinstance(layout, str)
        assert isinstance(fmt, str) and (brand is None or isinstance(brand, str))
        selection = self.selections[selection_at]
        quote = selection.quotes[quote_at]
        return CardJob.of(selection, quote, Choices(platform, layout, brand, fmt))


class CardsToDo(LazySequence[Todo]):
    """Cards of a plan as a run sorts them (to draw, or cached): for each its number in the
    plan, its cache key (32 bytes) and where its texts wait, ~50 bytes a card where a tuple
    of its job and key took ~700; read back as `Todo`s."""

    def __init__(self, plan: Sequence[CardJob]) -> None:
        self.plan = plan
        self._cards = array("I")
        self._keys = bytearray()  # sha256 digests, 32 bytes a card
        self._where = array("q")  # -1: see _errors
        self._errors: dict[int, CardgenError] = {}

    def append(self, card: int, key: str, where: int | CardgenError) -> None:
        """The `card`-th card of the plan, its cache key (a sha256 in hex), its texts."""
        digest = bytes.fromhex(key)
        if len(digest) != 32:
            raise ValueError(f"not a sha256: {key!r}")
        if isinstance(where, CardgenError):
            self._errors[len(self._cards)] = where
            where = -1
        self._cards.append(card)
        self._keys += digest
        self._where.append(where)

    def __len__(self) -> int:
        return len(self._cards)

    def item(self, index: int) -> Todo:
        where = self._where[index]
        texts = self._errors[index] if where < 0 else where
        key = self._keys[index * 32 : index * 32 + 32].hex()
        return self.plan[self._cards[index]], key, texts


class Triples(MutableMapping[int, T]):
    """Three numbers (none negative) by a small index, as `make` makes them a value: 24
    bytes an index, where a dict of tuples takes ~200. In the order of the indexes."""

    def __init__(self, make: Callable[[int, int, int], T]) -> None:
        self.make = make
        self._numbers = array("q")  # three an index; -1: none at that index
        self._count = 0

    def __setitem__(self, index: int, value: T) -> None:
        numbers = tuple(value)
        if min(numbers) < 0 or index < 0:
            raise ValueError(f"{index}: {value!r} is not three numbers, none negative")
        missing = index * 3 + 3 - len(self._numbers)
        if missing > 0:
            self._numbers.extend([-1] * missing)
        if self._numbers[index * 3] < 0:
            self._count += 1
        self._numbers[index * 3 : index * 3 + 3] = array("q", numbers)

    def __getitem__(self, index: int) -> T:
        if not 0 <= index < len(self._numbers) // 3 or self._numbers[index * 3] < 0:
            raise KeyError(index)
        first, second, third = self._numbers[index * 3 : index * 3 + 3]
        return self.make(first, second, third)

    def __delitem__(self, index: int) -> None:
        self[index]  # KeyError when there is none
        self._numbers[index * 3] = -1
        self._count -= 1

    def __contains__(self, index: object) -> bool:
        return (
            isinstance(index, int)
            and 0 <= index < len(self._numbers) // 3
            and self._numbers[index * 3] >= 0
        )

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[int]:
        numbers = self._numbers
        return (i for i in range(len(numbers) // 3) if numbers[i * 3] >= 0)
