"""Small WebP thumbnails for the review page, kept in `OUT/.cardgen/thumbs/` by card hash.

A 1,000-card batch is ~100 MB of full-size cards; the page shows thumbnails
of a few kB each instead and links to the card. A thumbnail is named by the
card's sha256, so an unchanged card keeps its thumbnail across renders and
a browser may cache it for good.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Container, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, TypeGuard

if TYPE_CHECKING:
    from PIL import Image

    from cardgen.batch.output import WriteLog
    from cardgen.batch.records import CardRecord

THUMBS_DIR = ".cardgen/thumbs"
# Fits the page's 280 px tall, ~300 px wide frame at full sharpness on a 1x screen.
LONGEST_SIDE = 360
QUALITY = 72
# What cardgen names a thumbnail; nothing else in the folder is ever deleted.
_NAME = re.compile(r"^[0-9a-f]{64}\.webp$")


def thumb_path(sha256: str) -> str:
    """`.cardgen/thumbs/<sha256>.webp`, relative to OUT."""
    return f"{THUMBS_DIR}/{sha256}.webp"


def is_card_hash(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _NAME.match(f"{value}.webp") is not None


def make_thumbnail(data: bytes) -> bytes:
    """A WebP of the card file shrunk to LONGEST_SIDE on its longer side (never enlarged)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as opened:
        opened.draft("RGB", (LONGEST_SIDE, LONGEST_SIDE))  # JPEG: decode at a reduced scale
        return thumbnail_of(opened)


def thumbnail_of(image: Image.Image) -> bytes:
    """The thumbnail of a drawn card: what a render's workers make, beside the card itself,
    so the main process only writes it (no decoding, no resizing there)."""
    from PIL import Image

    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    scale = LONGEST_SIDE / max(image.size)
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        # reduce() by whole factors first, then bilinear: as sharp as Lanczos at this
        # size for about half the time (a 1,000-card batch makes 1,000 of these).
        image = image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=QUALITY, method=2)
    return buffer.getvalue()


def store_thumbnail(
    out: Path, sha256: str, data: bytes | None, *, log: WriteLog | None = None
) -> None:
    """Write a card's thumbnail made while it was drawn (None: none was made; the page
    makes it later from the card file). Never fails a render."""
    from cardgen.batch.output import write_if_changed

    if data is None or not is_card_hash(sha256):
        return
    with contextlib.suppress(Exception):  # a full disk here costs a thumbnail, not the card
        # One already there as made now is left as it is: a rerun changes no file's time.
        write_if_changed(out / THUMBS_DIR / f"{sha256}.webp", data, log=log)


class Thumbnails(Mapping[str, str]):
    """{card sha256: its thumbnail's path relative to OUT} of the cards that have one,
    held as 32-byte digests: ~100 bytes a card, not the paths (a batch may be 100,000)."""

    def __init__(self, digests: Iterable[bytes] = ()) -> None:
        self.digests = set(digests)

    def __getitem__(self, sha: str) -> str:
        if is_card_hash(sha) and bytes.fromhex(sha) in self.digests:
            return thumb_path(sha)
        raise KeyError(sha)

    def __contains__(self, sha: object) -> bool:
        return is_card_hash(sha) and bytes.fromhex(sha) in self.digests

    def __iter__(self) -> Iterator[str]:
        return (digest.hex() for digest in self.digests)

    def __len__(self) -> int:
        return len(self.digests)


def present_thumbnails(out: Path) -> Thumbnails:
    """The thumbnails in `OUT/.cardgen/thumbs/` now."""
    try:
        with os.scandir(out / THUMBS_DIR) as entries:
            return Thumbnails(bytes.fromhex(e.name[:64]) for e in entries if _NAME.match(e.name))
    except OSError:
        return Thumbnails()


def ensure_thumbnails(
    out: Path, records: Iterable[CardRecord], *, log: WriteLog | None = None
) -> Thumbnails:
    """Make the missing thumbnails of these cards (read one at a time); those of every
    card that has one. A card that cannot be read gets none (the page shows the card)."""
    from cardgen.batch.output import write_atomic
    from cardgen.inputs import read_input
    from cardgen.limits import MAX_IMAGE_BYTES

    root = out.resolve()
    folder = out / THUMBS_DIR
    present = present_thumbnails(out)
    found = Thumbnails()

    def build(item: tuple[str, str]) -> str | None:
        sha, path = item
        try:
            card = (out / path).resolve()
            if not card.is_relative_to(root):  # a hand-edited manifest: never read outside OUT
                return None
            data = read_input(card, what="card", shown=path, limit=MAX_IMAGE_BYTES)
            write_atomic(folder / f"{sha}.webp", make_thumbnail(data), log=log)
        except Exception:  # an unreadable or foreign file: no thumbnail, never a failed render
            return None
        return sha

    def missing() -> Iterator[tuple[str, str]]:
        for record in records:
            sha, path = record.get("sha256"), record.get("path")
            if not isinstance(sha, str) or not is_card_hash(sha) or not isinstance(path, str):
                continue
            if sha in present:
                found.digests.add(bytes.fromhex(sha))
            elif sha not in found:
                found.digests.add(bytes.fromhex(sha))  # once, even when two cards share it
                yield sha, path

    # Decoding, resizing and encoding release the GIL: two threads use two cores. Taken
    # in small batches, so the cards waiting for a thread are few, not the whole list.
    with ThreadPoolExecutor(max_workers=2) as pool:
        for batch in _batches(missing(), 64):
            for (sha, _), made in zip(batch, pool.map(build, batch), strict=True):
                if made is None:
                    found.digests.discard(bytes.fromhex(sha))
    return found


def _batches(items: Iterable[tuple[str, str]], size: int) -> Iterator[list[tuple[str, str]]]:
    batch: list[tuple[str, str]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def prune_thumbnails(out: Path, keep: Container[str]) -> int:
    """Delete thumbnails of cards no longer in the manifest: only files cardgen names
    (`<sha256>.webp`) inside `OUT/.cardgen/thumbs/`; how many were deleted."""
    removed = 0
    try:
        with os.scandir(out / THUMBS_DIR) as entries:
            for entry in entries:
                if not _NAME.match(entry.name) or entry.name[:64] in keep:
                    continue
                if entry.is_file(follow_symlinks=False):
                    with contextlib.suppress(OSError):
                        Path(entry.path).unlink()
                        removed += 1
    except OSError:
        return removed
    return removed
