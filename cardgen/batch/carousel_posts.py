"""What a carousel says besides its slides: each slide's alt text, the one caption of an
image carousel or document post, and the numbered posts of a thread, each within the
platform's limit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cardgen.batch.captions import (
    CaptionParts,
    alt_text,
    as_on_card,
    count,
    fitted_caption,
)
from cardgen.batch.carousel_slides import Slide, SlideMaker
from cardgen.batch.carousels import CarouselJob
from cardgen.design.platforms import Platform

if TYPE_CHECKING:
    from cardgen.drawing.scene import Scene


def slide_alt(
    job: CarouselJob, maker: SlideMaker, slide: Slide, index: int, total: int, description: str
) -> str:
    """Alt text of one slide: which slide it is, then what it says."""
    head = f"Slide {index} of {total}. "
    text = slide.text
    selection = job.selection
    if text.role == "quote":
        parts = CaptionParts(
            quote=text.headline,
            attribution=text.byline if text.part == text.parts else None,
            title=None,
            url=None,
            hashtags=(),
        )
        said = alt_text(parts, description, job.target)
        more = f" (part {text.part} of {text.parts})" if text.continued else ""
        return _fit_alt(head + said + more, job.target)
    if text.role == "cover":
        by = f" by {text.byline}" if text.byline else ""
        said = f"Cover: {as_on_card(text.headline)}{by}"
    else:
        said = f"{as_on_card(text.headline)}: {text.byline}" if text.byline else text.headline
    return _fit_alt(
        head + said + (f". {selection.publisher}" if selection.publisher else ""), job.target
    )


def _fit_alt(text: str, platform: Platform) -> str:
    from cardgen.batch.captions import count_alt

    limit = platform.alt_limit
    while limit is not None and count_alt(text, platform) > limit:
        text = text[: max(1, len(text) - max(1, len(text) // 20))].rstrip() + "\u2026"
    return text


def carousel_caption(
    job: CarouselJob, maker: SlideMaker, slides: Sequence[tuple[Slide, Scene]]
) -> str:
    """The one caption of an Instagram/Threads carousel or a LinkedIn document post: the
    first quote, then the article and link and hashtags, within the platform's limit."""
    first = next((s.quote for s, _ in slides if s.quote is not None), None)
    selection = job.selection
    parts = CaptionParts(
        quote=first.text if first else (job.spec.title or selection.title or ""),
        attribution=first.attribution if first else selection.author,
        title=selection.title,
        url=selection.url or maker.brand.website,
        hashtags=tuple(
            job.spec.hashtags or selection.spec.defaults.hashtags or maker.brand.hashtags
        ),
        handle=maker.brand.handle,
    )
    return fitted_caption(parts, job.target)[0]


def thread_posts(job: CarouselJob, maker: SlideMaker, slides: Sequence[Slide]) -> list[str]:
    """One post a slide, "k/n" first, each within the platform's limit (its counting); the
    first carries the article's link, the last the call to action."""
    selection = job.selection
    total = len(slides)
    url = selection.url or maker.brand.website or ""
    tags = job.spec.hashtags or selection.spec.defaults.hashtags or maker.brand.hashtags
    hashtags = " ".join(f"#{t.lstrip('#')}" for t in tags[:2])
    posts = []
    for i, slide in enumerate(slides, 1):
        text = slide.text
        mark = f"{i}/{total}"
        if text.role == "cover":
            by = f" by {selection.author}" if selection.author else ""
            tries = [
                f"{mark} {as_on_card(text.headline)}{by}: a thread.\n\n{url}\n\n{hashtags}",
                f"{mark} {as_on_card(text.headline)}{by}: a thread.\n\n{url}",
                f"{mark} {url}",
            ]
        elif text.role == "closing":
            tries = [f"{mark} {text.headline}: {url}", f"{mark} {url}"]
        else:
            said = as_on_card(text.headline) or ""
            by = (
                f" \u2014 {as_on_card(text.byline)}"
                if text.byline and text.part == text.parts
                else ""
            )
            tries = [f"{mark} \u201c{said}\u201d{by}", f"{mark}{by}".strip()]
        if i == 1 and url and all(url not in t for t in tries):
            tries = [f"{t}\n\n{url}" for t in tries]
        posts.append(_first_within(tries, job.target))
    return posts


def _first_within(tries: Sequence[str], platform: Platform) -> str:
    limit = platform.caption_limit
    for text in tries:
        text = text.strip()
        if limit is None or count(text, platform) <= limit:
            return text
    return tries[-1].strip()
