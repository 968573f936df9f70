"""Card records kept on disk while a run works, not in memory: a batch of 100,000 cards
is ~300 MB of records as JSON and ~1 GB as Python objects. Memory holds only where each
record is (a card id and an offset); the manifest, captions.csv and the review page are
written by reading the records back one at a time, in the order each file wants."""

from __future__ import annotations

import json
import os
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeVar, cast

from cardgen.batch.records import CardRecord, Status
from cardgen.errors import InputError
from cardgen.lazyseq import LazySequence
from cardgen.plaindata import JsonValue

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison

CardId = tuple[str, str, str]  # (selection file, quote id, platform)
# Card records as a writer takes them: a list, or a mapping by card id (a spool).
CardRecords = Mapping[CardId, CardRecord] | Iterable[CardRecord]
# A record of a card, or a row that sorts among them (captions.csv's carousel rows).
R = TypeVar("R", bound=Mapping[str, object])
T = TypeVar("T")
U = TypeVar("U")


def record_id(record: Mapping[str, object]) -> CardId:
    """Which card a manifest or journal record is of."""
    return (str(record["selection"]), str(record["quote_id"]), str(record["platform"]))


def manifest_order(card: CardId) -> CardId:
    """The manifest's and captions.csv's order: by selection, quote id, platform."""
    return card


class SpoolFile:
    """An unnamed temporary file of JSON lines (gone with the process, even when killed),
    shared by the spools of one run. Closed by `close`, else once nothing uses it (a run's
    report reads its cards from it) or at exit: never left open for the garbage collector,
    which warns of every file it finds open (`ResourceWarning`)."""

    def __init__(self, folder: Path | None = None) -> None:
        try:
            self._file: IO[bytes] = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115
        except OSError as exc:
            raise _cannot_spool(exc) from None
        self._closer = weakref.finalize(self, self._file.close)
        self._end = 0
        self._names: dict[str, str] = {}  # one str for each selection, quote id and platform

    def append(self, value: object) -> int:
        """Where `value`, written as one JSON line, starts."""
        return self.put((json.dumps(value, ensure_ascii=False) + "\n").encode("utf-8"))

    def put(self, data: bytes) -> int:
        """Where `data` (any bytes) starts; read back with `get`."""
        where = self._end
        try:
            view = memoryview(data)
            while view:
                view = view[os.pwrite(self._file.fileno(), view, where + len(data) - len(view)) :]
        except OSError as exc:
            raise _cannot_spool(exc) from None
        self._end += len(data)
        return where

    def get(self, where: int, size: int) -> bytes:
        return os.pread(self._file.fileno(), size, where)

    def read(self, where: int) -> JsonValue:
        self._file.seek(where)
        value: JsonValue = json.loads(self._file.readline())
        return value

    def name(self, text: str) -> str:
        """`text` shared: a batch repeats each selection and platform on every card."""
        return self._names.setdefault(text, text)

    def card(self, card: CardId) -> CardId:
        """`card` with its names shared (`card` itself when they are): a run keeps each
        card's id in several places, best as one tuple."""
        shared = (self.name(card[0]), self.name(card[1]), self.name(card[2]))
        return card if all(a is b for a, b in zip(shared, card, strict=True)) else shared

    def close(self) -> None:
        self._closer()

    def __enter__(self) -> SpoolFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _cannot_spool(exc: OSError) -> InputError:
    return InputError(
        f"cannot write the run's records to a temporary file in {tempfile.gettempdir()}: "
        f"{exc.strerror}",
        hint="free some space there, or set TMPDIR to a folder with room",
    )


class RecordSpool(MutableMapping[CardId, CardRecord]):
    """Card records by card id, on disk in a `SpoolFile`: reading one parses it afresh (a
    change to it is kept by storing it again); iterating gives the ids in the order stored."""

    def __init__(self, file: SpoolFile) -> None:
        self.file = file
        self._where: dict[CardId, int] = {}

    def __getitem__(self, card: CardId) -> CardRecord:
        return cast(CardRecord, self.file.read(self._where[card]))

    def __setitem__(self, card: CardId, record: CardRecord) -> None:
        self._where[self.file.card(card)] = self.file.append(record)

    def __delitem__(self, card: CardId) -> None:
        del self._where[card]

    def __contains__(self, card: object) -> bool:
        return card in self._where

    def __iter__(self) -> Iterator[CardId]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def share(self, card: CardId, other: RecordSpool) -> None:
        """Hold `other`'s record of `card` (of the same file) without writing it again."""
        self._where[card] = other._where[card]

    @classmethod
    def of(cls, records: Mapping[CardId, CardRecord], folder: Path | None = None) -> RecordSpool:
        spool = cls(SpoolFile(folder))
        spool.update(records)
        return spool


class Restated(Mapping[CardId, CardRecord]):
    """Records as read from `records`, each given the status `status(card)` says (None:
    as it is): the run's final list, where cards it did not touch are `kept`."""

    def __init__(
        self, records: Mapping[CardId, CardRecord], status: Callable[[CardId], str | None]
    ) -> None:
        self.records = records
        self.status = status

    def __getitem__(self, card: CardId) -> CardRecord:
        record = self.records[card]
        status = self.status(card)
        if status is not None:
            record["status"] = cast("Status", status)
        return record

    def __iter__(self) -> Iterator[CardId]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


def keyed(records: Mapping[CardId, R] | Iterable[R]) -> Mapping[CardId, R]:
    """Records as a mapping by card id: a list of records (from a test, a manifest read
    whole) is indexed; a mapping (a spool) is used as it is."""
    if isinstance(records, Mapping):
        return records
    return {record_id(record): record for record in records}


def in_order(
    records: Mapping[CardId, R], key: Callable[[CardId], SupportsRichComparison] = manifest_order
) -> Iterator[R]:
    """The records, one at a time, in the order `key` gives their ids."""
    for card in sorted(records, key=key):
        yield records[card]


class StoredCards(LazySequence[CardRecord]):
    """A run's cards as its report lists them, read from the run's spool as they are used
    (the spool's file stays while the report does); `status` restates each one's."""

    def __init__(
        self, records: Mapping[CardId, CardRecord], cards: list[CardId], status: str | None = None
    ) -> None:
        self.records = records
        self.cards = cards
        self.status = status

    def __len__(self) -> int:
        return len(self.cards)

    def item(self, index: int) -> CardRecord:
        record = self.records[self.cards[index]]
        if self.status is not None:
            record["status"] = cast("Status", self.status)
        return record

    def sliced(self, indexes: range) -> Sequence[CardRecord]:
        return StoredCards(self.records, [self.cards[i] for i in indexes], self.status)


def with_status(cards: Sequence[CardRecord], status: str) -> Sequence[CardRecord]:
    """`cards`, each with `status` (read lazily when they are stored)."""
    if isinstance(cards, StoredCards):
        return StoredCards(cards.records, cards.cards, status)
    return [cast(CardRecord, {**card, "status": status}) for card in cards]


def utf8_pieces(texts: Iterable[str]) -> Iterator[bytes]:
    """Texts as UTF-8 in pieces of about 64 kB: a long file written as it is made, never
    whole in memory (the manifest, the review page)."""
    pending: list[str] = []
    size = 0
    for text in texts:
        pending.append(text)
        size += len(text)
        if size >= 1 << 16:
            yield "".join(pending).encode("utf-8")
            pending, size = [], 0
    yield "".join(pending).encode("utf-8")


class Mapped(LazySequence[U]):
    """`function` of each of `items`, made as it is read: a run's long lists (the card ids
    of its plan, the events of a rerun) are never held whole."""

    def __init__(self, items: Sequence[T], function: Callable[[T], U]) -> None:
        self.items = items
        self.function = function

    def __len__(self) -> int:
        return len(self.items)

    def item(self, index: int) -> U:
        return self.function(self.items[index])

    def __iter__(self) -> Iterator[U]:
        return (self.function(item) for item in self.items)


class Joined(LazySequence[T]):
    """Sequences read one after another, as one."""

    def __init__(self, *parts: Sequence[T]) -> None:
        self.parts = parts

    def __len__(self) -> int:
        return sum(len(part) for part in self.parts)

    def item(self, index: int) -> T:
        for part in self.parts:
            if index < len(part):
                return part[index]
            index -= len(part)
        raise IndexError(index)  # not reached: the range above checked it

    def __iter__(self) -> Iterator[T]:
        for part in self.parts:
            yield from part
