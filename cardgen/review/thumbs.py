"""Small WebP thumbnails for the review page, kept in `OUT/.cardgen/thumbs/` by card hash.

A 1,000-card batch is ~100 MB of full-size cards; the page shows thumbnails
of a few kB each instead and links to the card. A thumbnail is named by the
card's sha256, so an unchanged card keeps its thumbnail across renders and
a browser may cache it for good.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image

    from cardgen.batch.output import WriteLog

THUMBS_DIR = ".cardgen/thumbs"
# Fits the page's 280 px tall, ~300 px wide frame at full sharpness on a 1x screen.
LONGEST_SIDE = 360
QUALITY = 72
# What cardgen names a thumbnail; nothing else in the folder is ever deleted.
_NAME = re.compile(r"^[0-9a-f]{64}\.webp$")


def thumb_path(sha256: str) -> str:
    """`.cardgen/thumbs/<sha256>.webp`, relative to OUT."""
    return f"{THUMBS_DIR}/{sha256}.webp"


def is_card_hash(value: Any) -> bool:
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
    from cardgen.batch.output import write_atomic

    if data is None or not is_card_hash(sha256):
        return
    with contextlib.suppress(Exception):  # a full disk here costs a thumbnail, not the card
        write_atomic(out / THUMBS_DIR / f"{sha256}.webp", data, log=log)


def ensure_thumbnails(
    out: Path, records: Iterable[Mapping[str, Any]], *, log: WriteLog | None = None
) -> dict[str, str]:
    """Make the missing thumbnails of these cards; {sha256: path relative to OUT} of every
    card that has one. A card that cannot be read gets none (the page shows the card)."""
    from cardgen.batch.output import write_atomic
    from cardgen.inputs import read_input
    from cardgen.limits import MAX_IMAGE_BYTES

    root = out.resolve()
    folder = out / THUMBS_DIR
    wanted: dict[str, str] = {}
    for record in records:
        sha = record.get("sha256")
        if is_card_hash(sha) and isinstance(record.get("path"), str):
            wanted.setdefault(str(sha), str(record["path"]))
    try:
        present = {p.name[:64] for p in folder.iterdir() if _NAME.match(p.name)}
    except OSError:
        present = set()
    missing = [(sha, path) for sha, path in wanted.items() if sha not in present]

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

    made: set[str] = set()
    if missing:
        # Decoding, resizing and encoding release the GIL: two threads use two cores.
        with ThreadPoolExecutor(max_workers=2) as pool:
            made = {sha for sha in pool.map(build, missing) if sha}
    return {sha: thumb_path(sha) for sha in wanted if sha in present or sha in made}


def prune_thumbnails(out: Path, keep: Iterable[str]) -> int:
    """Delete thumbnails of cards no longer in the manifest: only files cardgen names
    (`<sha256>.webp`) inside `OUT/.cardgen/thumbs/`; how many were deleted."""
    folder = out / THUMBS_DIR
    kept = set(keep)
    removed = 0
    try:
        names = [p for p in folder.iterdir() if _NAME.match(p.name) and p.is_file()]
    except OSError:
        return 0
    for path in names:
        if path.name[:64] not in kept and not path.is_symlink():
            try:
                path.unlink()
                removed += 1
            except OSError:
                pass
    return removed
