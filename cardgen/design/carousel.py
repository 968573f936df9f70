"""What a carousel is on each platform, and how its slides look: pure data, no pixels.

A carousel is posted three ways: as numbered images under one caption (Instagram,
Threads), as one PDF "document" whose pages swipe (LinkedIn), or as a thread, one
image and one post a slide (X, Bluesky, Mastodon). Slides are drawn with the
carousel's layout: quote slides as cards, the cover and the closing slide with the
layout's `cover`/`closing` overrides, or, when it has none, the same look without its
quote mark (a title is not a quote), the headline in the quote's place.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Literal

from cardgen.design.layouts import (
    Box,
    Element,
    FontSpec,
    GroupElement,
    Layout,
    QuoteMarkElement,
    SizeRange,
    TextElement,
    flatten,
)
from cardgen.design.platforms import Insets, Platform
from cardgen.source.sentences import split_sentences

Kind = Literal["images", "pdf", "thread"]


@dataclass(frozen=True)
class CarouselKind:
    """How a platform takes a carousel, and the most slides it takes (None: no limit)."""

    kind: Kind
    max_slides: int | None
    source: str  # where the limit comes from


# Instagram: a carousel post holds up to 20 photos or videos (raised from 10 in 2024).
# Threads: up to 20 images or videos a post. LinkedIn: a document post is a PDF (also
# PPT, PPTX, DOC, DOCX) of at most 100 MB and 300 pages. X: a thread is replies to
# one's own post; its composer takes up to 25 posts at once. Bluesky and Mastodon:
# threads of replies, with no documented limit.
CAROUSEL_KINDS: dict[str, CarouselKind] = {
    "instagram-square": CarouselKind("images", 20, "Instagram: up to 20 images a post"),
    "instagram-portrait": CarouselKind("images", 20, "Instagram: up to 20 images a post"),
    "instagram-grid": CarouselKind("images", 20, "Instagram: up to 20 images a post"),
    "threads": CarouselKind("images", 20, "Threads: up to 20 images a post"),
    "linkedin": CarouselKind("pdf", 300, "LinkedIn: documents of up to 300 pages"),
    "x": CarouselKind("thread", 25, "X: a thread of up to 25 posts in its composer"),
    "bluesky": CarouselKind("thread", None, "Bluesky: a thread of replies"),
    "mastodon": CarouselKind("thread", None, "Mastodon: a thread of replies"),
}
LINKEDIN_DOCUMENT_LIMIT = 100 * 1024 * 1024  # bytes of one document post
# LinkedIn shows a document's pages at the feed's width; 4:5 portrait pages fill the
# most of a phone's screen, as Instagram's do. 1080x1350 px pages: see benchmarks/README.
DOCUMENT_PAGE = (1080, 1350)
DOCUMENT_DPI = 144  # page size in the PDF: 7.5 x 9.375 in; viewers scale it anyway


def document_platform(linkedin: Platform) -> Platform:
    """LinkedIn's preset is its 1.91:1 link image; a document's pages are portrait."""
    width, height = DOCUMENT_PAGE
    margin = round(min(width, height) * 0.06)
    return replace(linkedin, width=width, height=height, safe=Insets(*(margin,) * 4))


@dataclass(frozen=True)
class SlideText:
    """One slide's words: `role` cover/quote/closing, the text in the quote's place and the
    byline under it; `part`/`parts` when a long quote is split across slides."""

    role: Literal["cover", "quote", "closing"]
    name: str  # the slide's file stem after its number: cover, the quote id, closing
    headline: str
    byline: str
    quote_id: str | None = None
    part: int = 1
    parts: int = 1

    @property
    def continued(self) -> bool:
        return self.parts > 1


def split_passage(text: str, parts: int) -> list[str]:
    """`text` in `parts` runs of whole sentences, as even in length as the sentences allow;
    fewer when it has fewer sentences. Each but the last ends with " …", each but the
    first starts with "… ": the reader sees the passage continue."""
    spans = split_sentences(text)
    if parts <= 1 or len(spans) <= 1:
        return [text]
    parts = min(parts, len(spans))
    total = spans[-1][1] - spans[0][0]
    cuts: list[int] = []
    for k in range(1, parts):
        goal = spans[0][0] + total * k / parts
        # The sentence end nearest the k-th even share, after the previous cut.
        ends = [i for i in range(len(spans) - 1) if not cuts or i > cuts[-1]]
        ends = ends[: len(ends) - (parts - 1 - k)] if parts - 1 - k else ends
        cuts.append(min(ends, key=lambda i: abs(spans[i][1] - goal)))
    runs, start = [], 0
    for cut in [*cuts, len(spans) - 1]:
        runs.append(text[spans[start][0] : spans[cut][1]])
        start = cut + 1
    marked = []
    for n, run in enumerate(runs):
        run = run.strip()
        if n:
            run = "\u2026 " + run
        if n < len(runs) - 1:
            run = run + " \u2026"
        marked.append(run)
    return marked


def sentence_count(text: str) -> int:
    return len(split_sentences(text))


def slide_number(index: int, total: int) -> str:
    return f"{index}/{total}"


def without_quote_marks(layout: Layout) -> Layout:
    """The layout without its decorative quote marks: for a cover or closing slide."""
    return layout.model_copy(update={"elements": _drop_marks(layout.elements)})


def _drop_marks(elements: list[Element]) -> list[Element]:
    kept: list[Element] = []
    for element in elements:
        if isinstance(element, QuoteMarkElement):
            continue
        if isinstance(element, GroupElement):
            children = _drop_marks(element.children)
            if not children:
                continue
            element = element.model_copy(update={"children": children})
        kept.append(element)
    return kept


def with_quote_size(layout: Layout, size_px: int) -> Layout:
    """The layout with its quote text at most `size_px` (the series' common size): the
    fitter still goes smaller where a slide's quote cannot fit at it."""
    return layout.model_copy(update={"elements": _cap_quote(layout.elements, size_px)})


def _cap_quote(elements: list[Element], size_px: int) -> list[Element]:
    out: list[Element] = []
    for element in elements:
        if isinstance(element, TextElement) and element.role == "quote":
            size = SizeRange(min=element.size.min, max=size_px, lines=element.size.lines)
            element = element.model_copy(update={"size": size})
        elif isinstance(element, GroupElement):
            element = element.model_copy(update={"children": _cap_quote(element.children, size_px)})
        out.append(element)
    return out


_SLIDE_FIELD = re.compile(r"\{slide\}")


def places_slide_number(layout: Layout) -> bool:
    """True when the layout shows `{slide}` itself (it then decides where)."""
    return any(
        isinstance(e, TextElement) and _SLIDE_FIELD.search(e.text) for e in flatten(layout.elements)
    )


def with_slide_number(layout: Layout, platform: Platform) -> Layout:
    """The layout with a small "3/7" in the bottom right corner of the safe area, unless it
    places `{slide}` itself."""
    if places_slide_number(layout):
        return layout
    # Readable on a phone, where the whole width is ~390 px: the legibility floor is 10 px.
    size = math.ceil(platform.width * 0.028)
    width, height = size * 4, round(size * 1.5)
    right = platform.width - platform.safe.right
    bottom = platform.height - platform.safe.bottom
    number = TextElement(
        type="text",
        id="slide-number",
        z=100,
        role="slide",
        text="{slide}",
        box=Box(x=right - width, y=bottom - height, w=width, h=height),
        font=layout_font(layout),
        size=SizeRange(min=size, max=size),
        color=layout_text_colour(layout),
        align="right",
        valign="bottom",
    )
    return layout.model_copy(update={"elements": [*layout.elements, number]})


def layout_font(layout: Layout) -> FontSpec:
    """The font of the layout's attribution (its small sans text), else the brand's sans."""
    for element in flatten(layout.elements):
        if isinstance(element, TextElement) and element.role == "attribution":
            return element.font.model_copy(update={"weight": "regular", "style": "normal"})
    return FontSpec(family="brand.fonts.sans")


def layout_text_colour(layout: Layout) -> str:
    """The colour of the layout's attribution, which reads on its background."""
    for element in flatten(layout.elements):
        if isinstance(element, TextElement) and element.role == "attribution":
            return element.color
    return "brand.text"
