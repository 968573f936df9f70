"""The carousels of `cardgen merge`: each shard draws its own carousels (`render --shard`
takes a carousel by the same hash as a card), so a merge carries every shard's carousel
records and copies their files, each checked against the size and sha256 its record gives.
The same carousel in two folders is refused, as the same card is."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cardgen.batch.carousel_records import (
    CarouselRecord,
    file_names,
    hashed_files,
    is_carousel,
)
from cardgen.batch.folder import card_file, hash_inside, open_inside
from cardgen.batch.output import manifest_carousels, write_inside
from cardgen.errors import InputError

_THUMB_BYTES = 1_000_000  # a thumbnail is ~5 kB; anything larger is not one cardgen made
CarouselId = tuple[str, str, str]


@dataclass
class SourceCarousel:
    folder: Path  # the shard's output folder that holds it
    record: CarouselRecord


def read_carousels(path: Path) -> list[CarouselRecord]:
    """A shard manifest's carousels, each naming only files of its own inside its folder
    (never one of cardgen's files: a record naming `review.json` would overwrite it)."""
    found = manifest_carousels(path)
    records: list[CarouselRecord] = []
    for number, record in enumerate(found, 1):
        if not is_carousel(record):
            raise InputError(f"{path}: carousel {number} lacks its selection, id or platform")
        if any(card_file(rel) is None for rel in file_names(record)):
            raise InputError(
                f"{path}: carousel {number} names a file outside its selection's folder"
            )
        records.append(record)
    return records


def carousel_id(record: CarouselRecord) -> CarouselId:
    return (str(record["selection"]), str(record["carousel_id"]), str(record["platform"]))


def join_carousels(
    sources: list[tuple[Path, list[CarouselRecord]]], card_paths: dict[str, Path]
) -> list[SourceCarousel]:
    """Every carousel once, sorted by what names it: the same carousel, or the same file,
    in two folders is refused (`card_paths`: the cards' files and the folder of each)."""
    held: dict[CarouselId, SourceCarousel] = {}
    paths = dict(card_paths)
    for folder, records in sources:
        for record in records:
            key = carousel_id(record)
            if key in held:
                same = held[key].record == record
                raise InputError(
                    f"{held[key].folder} and {folder} both hold the carousel {key[1]} of "
                    f"{key[0]} on {key[2]}" + ("" if same else ", different"),
                    hint="shards of one plan never share a carousel: render each shard into "
                    "a new folder",
                )
            for rel in file_names(record):
                if rel in paths:
                    raise InputError(
                        f"{paths[rel]} and {folder} both have {rel}",
                        hint="two selections of one name? rename one",
                    )
                paths[rel] = folder
            held[key] = SourceCarousel(folder, record)
    return [held[key] for key in sorted(held)]


def verify_carousel(folder: Path, record: CarouselRecord) -> None:
    """Every file its record hashes is in `folder` with that size and sha256."""
    for rel, size, sha in hashed_files(record):
        if hash_inside(folder, str(rel)) != (size, sha):
            raise _not_as_listed(folder, str(rel))


def read_checked(folder: Path, rel: str, size: object, sha: object) -> bytes:
    """A file's bytes, checked again as read: one changed since the first check is
    refused, not copied."""
    fd = open_inside(folder, rel)
    data = b""
    if fd is not None:
        try:
            data = b"".join(iter(lambda: os.read(fd, 1 << 20), b""))
        finally:
            os.close(fd)
    if (len(data), hashlib.sha256(data).hexdigest()) != (size, sha):
        raise _not_as_listed(folder, rel)
    return data


def _not_as_listed(folder: Path, rel: str) -> InputError:
    return InputError(
        f"{folder / rel} is missing or not the file its manifest lists (size or sha256 differ)",
        hint="render that shard again",
    )


def copy_carousel(source: SourceCarousel, out: Path) -> int:
    """The carousel's files in OUT (those already there byte for byte left as they are),
    its text file and zip made from them, its slides' thumbnails; how many were copied."""
    from cardgen.batch.carousel_files import write_texts

    copied = 0
    for rel, size, sha in hashed_files(source.record):
        if hash_inside(out, str(rel)) != (size, sha):
            write_inside(out, str(rel), read_checked(source.folder, str(rel), size, sha))
            copied += 1
    write_texts(out, source.record, None)
    for slide in source.record.get("slides", []):
        if isinstance(slide, dict) and isinstance(slide.get("thumb"), str):
            copy_thumbnail(source.folder, out, str(slide.get("thumb")))
    return copied


def copy_thumbnail(source: Path, out: Path, name: str) -> None:
    """A review page's thumbnail, taken from its shard when there (named by the card's or
    slide's sha256, which was checked): not made again (~10 ms each)."""
    from cardgen.review.thumbs import is_card_hash, thumb_path

    rel = thumb_path(name)
    if not is_card_hash(name) or hash_inside(out, rel) is not None:
        return
    fd = open_inside(source, rel)
    if fd is None:
        return
    try:
        data = os.read(fd, _THUMB_BYTES + 1)
    finally:
        os.close(fd)
    if 0 < len(data) <= _THUMB_BYTES:
        write_inside(out, rel, data)
