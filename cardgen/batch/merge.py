"""`cardgen merge`: join the output folders of shards (or of separate runs) into one.

Every card file is checked against the size and sha256 its manifest gives, before anything
is written and again as it is copied (each carousel file too: `merge_carousels`). Two
folders holding the same card (overlapping or conflicting shards), shards of different
inputs, a missing shard: refused, nothing written.
Written like a render: each file whole or not at all, the journal knowing every card
copied, captions.csv and the review page, then the manifest last.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypedDict, TypeGuard, cast

from cardgen.batch.carousel_records import CarouselRecord, hashed_files
from cardgen.batch.finish import finish_folder
from cardgen.batch.folder import (
    MANIFEST,
    STATE_DIR,
    caption_path,
    card_file,
    check_own_files,
    claim,
    hash_inside,
)
from cardgen.batch.merge_carousels import (
    SourceCarousel,
    copy_carousel,
    copy_thumbnail,
    join_carousels,
    read_carousels,
    read_checked,
    verify_carousel,
)
from cardgen.batch.output import (
    Journal,
    NotAManifest,
    OutputLock,
    check_manifest,
    let_go,
    manifest_cards,
    manifest_head,
    mark,
    read_manifest,
    remove_inside,
    remove_temporaries,
    write_caption,
    write_inside,
)
from cardgen.batch.records import CardRecord, ShardHeader, WarningEvent, as_record
from cardgen.batch.spool import RecordSpool, SpoolFile
from cardgen.errors import InputError

if TYPE_CHECKING:
    from cardgen.design.platforms import Platform

CardId = tuple[str, str, str]
_NEEDED = ("selection", "quote_id", "platform", "path", "bytes", "sha256", "caption", "alt_text")


class MergedCardEvent(TypedDict):
    """A card now in the merged folder (`status` as its shard's manifest gave it)."""

    event: Literal["card"]
    path: str
    status: str | None


class MergeDoneEvent(TypedDict):
    event: Literal["done"]
    cards: int
    copied: int
    manifest: str


MergeEvent = WarningEvent | MergedCardEvent | MergeDoneEvent


@dataclass
class _Source:
    folder: Path
    shard: ShardHeader | None
    records: RecordSpool  # on disk, one spool file for every source: never all in memory
    carousels: list[CarouselRecord]  # a few; each shard's own


@dataclass
class MergeReport:
    out: Path
    manifest: Path
    cards: int
    copied: int  # written now; the rest were in OUT already, byte for byte
    carousels: int
    removed: int  # cards of an earlier merge into OUT that none of the sources holds
    sources: int


def merge(
    sources: Sequence[Path],
    out: Path,
    *,
    platforms: Mapping[str, Platform],
    wait: bool = False,
    on_event: Callable[[MergeEvent], None] | None = None,
) -> MergeReport:
    """Join `sources` (output folders of `render --shard K/N`, or of runs of different
    selections) into `out`: one manifest, captions.csv and review page."""
    emit = on_event or (lambda event: None)
    if not sources:
        raise InputError(
            "nothing to merge", hint="name the output folders: cardgen merge A B --out C"
        )
    with SpoolFile() as spool:
        read = [_read_source(folder, spool) for folder in sources]
        _check_folders(read, out)
        _check_shards(read)
        cards, card_paths = _join(read)
        carousels = join_carousels([(s.folder, s.carousels) for s in read], card_paths)
        for source in read:
            for record in source.records.values():
                _verify(source.folder, record)
        for carousel in carousels:
            verify_carousel(carousel.folder, carousel.record)
        claim(out, adopt=False)
        with OutputLock(out, wait=wait):
            mark(out)
            return _write(read, cards, carousels, out, platforms, emit)


def _read_source(folder: Path, spool: SpoolFile) -> _Source:
    """A folder's manifest, checked, its cards read one at a time into `spool`."""
    path = folder / MANIFEST
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder", hint="pass the output folders of the shards")
    try:
        check_manifest(path)
        head = manifest_head(path)
        if not str(head.get("generator", "")).startswith("cardgen "):
            raise NotAManifest("not a cardgen manifest")
    except FileNotFoundError:
        raise InputError(
            f"{path}: no manifest", hint="pass output folders that a cardgen render finished"
        ) from None
    except ValueError as exc:
        raise InputError(f"{path} is not a cardgen manifest ({exc})") from None
    shard = head.get("shard")
    if shard is not None and not _is_shard_header(shard):
        raise InputError(f'{path}: its "shard" entry is not one cardgen wrote')
    source = _Source(folder, shard, RecordSpool(spool), read_carousels(path))
    for number, record in enumerate(manifest_cards(path)):
        if any(key not in record for key in _NEEDED):
            raise InputError(f"{path}: card {number + 1} lacks what cardgen writes in a record")
        if card_file(record["path"]) is None:
            raise InputError(
                f"{path}: card path {record['path']!r} is not inside the output folder"
            )
        card_id = _card_id(record)
        if card_id in source.records:
            raise InputError(f"{path}: card {number + 1} is listed twice")
        source.records[card_id] = cast(CardRecord, record)  # its keys checked just above
    return source


def _is_shard_header(value: object) -> TypeGuard[ShardHeader]:
    keys = ("index", "count", "plan", "planned", "cards")
    return isinstance(value, dict) and all(key in value for key in keys)


def _check_folders(sources: list[_Source], out: Path) -> None:
    seen: dict[Path, Path] = {}
    target = out.resolve()
    for source in sources:
        where = source.folder.resolve()
        if where in seen:
            raise InputError(f"{source.folder} is named twice", hint="name each folder once")
        seen[where] = source.folder
        if where == target or where in target.parents or target in where.parents:
            raise InputError(
                f"--out {out} overlaps {source.folder}, one of the folders to merge",
                hint="merge into a new folder beside them",
            )


def _check_shards(sources: list[_Source]) -> None:
    """Shards of one plan, each once, all of them; or no shards at all."""
    shards = [s for s in sources if s.shard is not None]
    if not shards:
        return
    if len(shards) != len(sources):
        plain = next(s for s in sources if s.shard is None)
        raise InputError(
            f"{shards[0].folder} is a shard's output and {plain.folder} is not",
            hint="merge the outputs of one `render --shard K/N` matrix",
        )
    first = shards[0]
    assert first.shard is not None
    by_index: dict[int, _Source] = {}
    for source in shards:
        header = source.shard
        assert header is not None
        if header["count"] != first.shard["count"] or header["plan"] != first.shard["plan"]:
            raise InputError(
                f"{first.folder} (shard {first.shard['index']}/{first.shard['count']}) and "
                f"{source.folder} (shard {header['index']}/{header['count']}) were rendered "
                "from different inputs (selections, layouts, brands, fonts or cardgen version)",
                hint="render every shard again from the same inputs, then merge",
            )
        if header["index"] in by_index:
            raise InputError(
                f"{by_index[header['index']].folder} and {source.folder} are both shard "
                f"{header['index']}/{header['count']}",
                hint="pass each shard's output once",
            )
        by_index[header["index"]] = source
    missing = [str(k) for k in range(1, first.shard["count"] + 1) if k not in by_index]
    if missing:
        raise InputError(
            f"shard{'s' if len(missing) > 1 else ''} {', '.join(missing)} of "
            f"{first.shard['count']} missing: the merged output would lack their cards",
            hint="pass the output of every shard",
        )


def _join(sources: list[_Source]) -> tuple[RecordSpool, dict[str, Path]]:
    """Every card once: the same card, or the same path, in two folders is refused. Its
    files, each with the folder that holds it."""
    cards = RecordSpool(sources[0].records.file)
    where: dict[CardId, Path] = {}
    paths: dict[str, Path] = {}
    for source in sources:
        for card_id, record in source.records.items():
            name = f"{record['selection']} {record['quote_id']} on {record['platform']}"
            if card_id in cards:
                same = cards[card_id]["sha256"] == record["sha256"]
                raise InputError(
                    f"{where[card_id]} and {source.folder} both hold the card {name}"
                    + ("" if same else ", with different bytes"),
                    hint="shards of one plan never share a card: render each shard into "
                    "a new folder",
                )
            for rel in (record["path"], caption_path(record["path"])):
                if rel in paths:
                    raise InputError(
                        f"{paths[rel]} and {source.folder} both have {rel}",
                        hint="two selections of one name? rename one",
                    )
                paths[rel] = source.folder
            cards.share(card_id, source.records)
            where[card_id] = source.folder
    return cards, paths


def _verify(folder: Path, record: CardRecord) -> None:
    if hash_inside(folder, record["path"]) != (record["bytes"], record["sha256"]):
        raise InputError(
            f"{folder / record['path']} is missing or not the file its manifest lists "
            "(size or sha256 differ)",
            hint="render that shard again",
        )


def _write(
    sources: list[_Source],
    cards: RecordSpool,
    carousels: list[SourceCarousel],
    out: Path,
    platforms: Mapping[str, Platform],
    emit: Callable[[MergeEvent], None],
) -> MergeReport:
    paths = [r["path"] for r in cards.values()]
    slides = [str(rel) for c in carousels for rel, _, _ in hashed_files(c.record)]
    check_own_files(out, [*paths, *slides])
    folders = (p.rsplit("/", 1)[0] for p in (*paths, *slides) if "/" in p)
    remove_temporaries(out, {".", STATE_DIR, *folders})
    del slides
    del paths
    listed = read_manifest(out, lambda message: emit({"event": "warning", "message": message}))
    old = RecordSpool(cards.file)  # the earlier merge's cards, read one at a time
    unchanged = RecordSpool(cards.file)
    for number, record in enumerate(filter(None, map(as_record, listed))):
        card_id = (*_card_id(record)[:2], f"{_card_id(record)[2]}#{number}")  # each, even twice
        old[card_id] = record
        if _card_id(record) in cards and _same_card(cards[_card_id(record)], record):
            unchanged.share(card_id, old)
    journal = Journal(out)
    if len(unchanged) != len(old):  # a merge stopped half way leaves a manifest that is true
        let_go(out, journal, old.values(), unchanged)
    copied = 0
    owner = {card_id: s.folder for s in sources for card_id in s.records}
    for card_id, record in cards.items():
        path, expected = record["path"], (record["bytes"], record["sha256"])
        if hash_inside(out, path) != expected:
            write_inside(out, path, read_checked(owner[card_id], path, *expected))
            copied += 1
        write_caption(out, record)
        copy_thumbnail(owner[card_id], out, record["sha256"])
        journal.append(record)
        emit({"event": "card", "path": record["path"], "status": record.get("status")})
    copied += sum(copy_carousel(carousel, out) for carousel in carousels)
    removed = _remove_old(out, old, cards)
    records = [carousel.record for carousel in carousels]
    manifest = finish_folder(out, cards, platforms, carousels=records)
    journal.clear()
    emit({"event": "done", "cards": len(cards), "copied": copied, "manifest": str(manifest)})
    report = MergeReport(out, manifest, len(cards), copied, len(records), removed, len(sources))
    return report


def _card_id(record: Mapping[str, object]) -> CardId:
    return (str(record["selection"]), str(record["quote_id"]), str(record["platform"]))


def _same_card(new: CardRecord, old: CardRecord) -> bool:
    return all(new.get(key) == old.get(key) for key in ("path", "bytes", "sha256"))


def _remove_old(out: Path, old: RecordSpool, cards: RecordSpool) -> int:
    """Cards an earlier merge left in OUT that this one does not hold: removed, but only
    files with the size and hash their record gives (never a file cardgen did not write)."""
    keep = {r["path"] for r in cards.values()}
    captions = {caption_path(path) for path in keep}
    removed = 0
    for record in old.values():
        path = record.get("path")
        if not isinstance(path, str) or card_file(path) is None or path in keep:
            continue
        if hash_inside(out, path) == (record.get("bytes"), record.get("sha256")):
            remove_inside(out, path)
            if caption_path(path) not in captions:  # a.png gone, a.jpg kept: a.txt is a.jpg's
                remove_inside(out, caption_path(path))
            removed += 1
    return removed
