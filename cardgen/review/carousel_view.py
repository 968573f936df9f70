"""Carousels on the review page: each as a strip of its slides in order, with its post
text (or each post of a thread) and a download of its files (the PDF, or a zip)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote as url_quote

from cardgen.design.platforms import Platform


@dataclass(frozen=True)
class SlideView:
    index: int
    href: str | None  # the slide's file (None: a page of a PDF)
    thumb: str | None
    width: int
    height: int
    alt: str
    post: str | None  # a thread's post for this slide
    post_count: int | None
    post_limit: int | None


@dataclass(frozen=True)
class CarouselView:
    key: str
    selection: str
    carousel_id: str
    platform_id: str
    platform_name: str
    kind: str  # images, pdf, thread
    title: str | None
    caption: str | None
    download: str | None  # the PDF or the zip, relative to OUT
    download_label: str
    slides: tuple[SlideView, ...]
    font_size: int | None


def carousel_views(
    records: Sequence[Mapping[str, object]],
    platforms: Mapping[str, Platform],
    thumbs: set[str],
    shown: Callable[[str], str],
) -> tuple[CarouselView, ...]:
    """The page's view of the manifest's carousels; `thumbs`: hashes with a thumbnail;
    `shown`: a selection's path as the page shows it (`gallery.display_selection`)."""
    from cardgen.review.thumbs import is_card_hash, thumb_path

    views = []
    for n, record in enumerate(records):
        slides: list[SlideView] = []
        for slide in _slides(record):
            if not isinstance(slide, Mapping):
                msg = f"a slide of carousel {record.get('carousel_id')!r} is not an object"
                raise TypeError(msg)
            thumb = slide.get("thumb")
            path = slide.get("path")
            slides.append(
                SlideView(
                    index=_number(slide.get("index", len(slides) + 1)),
                    href=_href(path),
                    thumb=thumb_path(thumb) if is_card_hash(thumb) and thumb in thumbs else None,
                    width=_number(slide.get("width", 1080)),
                    height=_number(slide.get("height", 1350)),
                    alt=str(slide.get("alt_text", "")),
                    post=_text(slide.get("post")),
                    post_count=_whole(slide.get("post_count")),
                    post_limit=_whole(slide.get("post_limit")),
                )
            )
        kind = str(record.get("kind", "images"))
        download = record.get("path") if kind == "pdf" else record.get("zip")
        platform = platforms.get(str(record.get("platform")))
        views.append(
            CarouselView(
                key=f"c{n}",
                selection=shown(str(record.get("selection", ""))),
                carousel_id=str(record.get("carousel_id", "")),
                platform_id=str(record.get("platform", "")),
                platform_name=platform.name if platform else str(record.get("platform", "")),
                kind=kind,
                title=_text(record.get("title")),
                caption=_text(record.get("caption")),
                download=_href(download),
                download_label="Download the PDF" if kind == "pdf" else "Download the slides (zip)",
                slides=tuple(slides),
                font_size=_whole(record.get("quote_font_size")),
            )
        )
    return tuple(views)


def carousel_thumbs(records: Sequence[Mapping[str, object]]) -> set[str]:
    """The thumbnail names the carousels use (kept when old thumbnails are pruned)."""
    return {
        thumb
        for record in records
        for slide in _slides(record)
        if isinstance(slide, Mapping) and isinstance(thumb := slide.get("thumb"), str)
    }


# A carousel's record is read as the manifest holds it (a run's, or one read back and maybe
# edited by hand): each value is checked for what the page needs.


def _slides(record: Mapping[str, object]) -> list[object]:
    slides = record.get("slides", [])
    if not isinstance(slides, list):
        msg = f"the slides of carousel {record.get('carousel_id')!r} are not a list"
        raise TypeError(msg)
    return slides


def _number(value: object) -> int:
    """A count or size as written (a number, or digits in text)."""
    if isinstance(value, int | float | str):
        return int(value)
    msg = f"{value!r} is not a number"
    raise TypeError(msg)


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _href(path: object) -> str | None:
    if not isinstance(path, str) or not path or path.startswith("/") or ".." in path.split("/"):
        return None
    return url_quote(path)
