"""Carousels as the manifest lists them (after the cards, `carousels`), typed: a carousel's
record and its slides', which selection names one, those of the manifest on disk, and
their rows of captions.csv."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NotRequired, TypeGuard

# pydantic makes the JSON Schema of a TypedDict only from typing_extensions' on Python 3.11
# (`cardgen schema manifest` describes these records).
from typing_extensions import TypedDict

if TYPE_CHECKING:
    from cardgen.batch.records import CaptionRow
    from cardgen.design.carousel import Kind


class SlideRecord(TypedDict):
    """One slide of a carousel record, in order. The keys after `path` are there when they
    apply (a slide file's, a thread's post); all but `thumb`, which is always written last."""

    index: int  # 1, 2, ...
    role: Literal["cover", "quote", "closing"]
    quote_id: str | None
    text: str
    part: int  # a long quote split across slides: this slide's part of `parts`
    parts: int
    width: int
    height: int
    font_size: int | None  # the quote's, on quote slides
    alt_text: str
    path: str | None  # the slide's file; None for a page of a PDF document
    format: NotRequired[str]
    bytes: NotRequired[int]
    sha256: NotRequired[str]
    post: NotRequired[str]  # a thread's post for this slide, counted the platform's way
    post_count: NotRequired[int]
    post_limit: NotRequired[int | None]
    thumb: NotRequired[str]  # the review page's thumbnail (written after the keys above)


class CarouselRecord(TypedDict):
    """One carousel on one platform in `OUT/manifest.json`. The keys after `status` are
    written as they apply (a PDF's `format` and `sha256`, a `zip` of the slides): readers
    take them with `.get`, as a manifest an older cardgen wrote may lack them."""

    selection: str  # the selection file, relative to the project
    carousel_id: str
    platform: str
    kind: Kind
    layout: str
    brand: str
    title: str | None
    numbers: bool
    call_to_action: str
    quote_font_size: int | None
    status: Literal["rendered", "cached", "kept"]
    path: NotRequired[str]  # the PDF, or the folder of the slides
    format: NotRequired[str]
    bytes: NotRequired[int]
    sha256: NotRequired[str]
    caption: NotRequired[str | None]  # one post's text (images, pdf); None for a thread
    caption_file: NotRequired[str]
    zip: NotRequired[str]
    slides: NotRequired[list[SlideRecord]]
    cache_key: NotRequired[str]  # what decides its files (`carousel_files.carousel_key`)


def relative(path: Path, root: Path) -> str:
    """A selection as the manifest names it (as its cards' records do)."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def hashed_files(record: CarouselRecord) -> list[tuple[object, object, object]]:
    """(path, bytes, sha256) of the files a carousel's record hashes: its PDF, or its
    slide files (a thread's or images' slides), as the record read back names them."""
    if record.get("kind") == "pdf":
        return [(record.get("path"), record.get("bytes"), record.get("sha256"))]
    return [
        (s.get("path"), s.get("bytes"), s.get("sha256"))
        for s in record.get("slides", [])
        if isinstance(s, dict) and s.get("path") is not None
    ]


def text_files(record: CarouselRecord) -> list[str]:
    """Its caption (or thread) text and zip: made again from the record and the slides."""
    return [str(name) for name in (record.get("caption_file"), record.get("zip")) if name]


def file_names(record: CarouselRecord) -> list[str]:
    """Every file a carousel's record names: hashed ones first, then its texts and zip."""
    return [str(rel) for rel, _, _ in hashed_files(record)] + text_files(record)


def is_carousel(value: object) -> TypeGuard[CarouselRecord]:
    """A carousel record read back: it has a selection, an id and a platform, as text (what
    says which carousel it is); the rest is read with care (`.get`, `str`)."""
    if not isinstance(value, dict):
        return False
    return all(isinstance(value.get(k), str) for k in ("selection", "carousel_id", "platform"))


def caption_rows(carousels: Sequence[CarouselRecord]) -> list[CaptionRow]:
    """captions.csv rows: one a post (a whole image carousel or document; each post of a
    thread), in the card rows' columns, `quote_id` naming the carousel."""
    rows: list[CaptionRow] = []
    for record in carousels:
        platform, selection = str(record["platform"]), str(record["selection"])
        if record.get("kind") == "thread":
            for slide in record.get("slides", []):
                rows.append(
                    {
                        "platform": platform,
                        "path": str(slide.get("path") or ""),
                        "caption": str(slide.get("post", "")),
                        "alt_text": str(slide.get("alt_text", "")),
                        "quote_id": f"{record['carousel_id']}#{int(slide.get('index', 0)):02d}",
                        "selection": selection,
                    }
                )
        else:
            alts = [str(s.get("alt_text", "")) for s in record.get("slides", [])]
            rows.append(
                {
                    "platform": platform,
                    "path": str(record.get("path") or ""),
                    "caption": str(record.get("caption") or ""),
                    "alt_text": " | ".join(alts),
                    "quote_id": str(record["carousel_id"]),
                    "selection": selection,
                }
            )
    return rows
