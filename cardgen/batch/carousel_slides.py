"""A carousel's slides: their texts in order, the scene of each with the carousel's layouts
and brand, a long passage split across slides at sentence boundaries, and the quote slides
set at one size."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from cardgen.batch.carousels import CarouselJob
from cardgen.design.cardtext import CardText
from cardgen.design.carousel import (
    SlideText,
    sentence_count,
    slide_number,
    split_passage,
    with_quote_size,
    with_slide_number,
    without_quote_marks,
)
from cardgen.design.layouts import Layout, layout_variants, resolve_layout
from cardgen.errors import CardgenError, ContentError, InputError
from cardgen.source.carousels import CLOSING, COVER
from cardgen.source.quotes import Quote
from cardgen.yamlio import display_path

if TYPE_CHECKING:
    from cardgen.batch.plan import Project
    from cardgen.drawing.scene import Scene

# A quote slide whose best size is under this share of the series' typical size is
# split across slides (at sentence boundaries) rather than set much smaller.
SPLIT_BELOW = 0.72
MAX_PARTS = 4


@dataclass(frozen=True)
class Slide:
    text: SlideText
    quote: Quote | None


def slide_texts(job: CarouselJob, brand_handle: str, brand_website: str) -> list[Slide]:
    """The carousel's slides in order, before any long passage is split."""
    selection, spec = job.selection, job.spec
    shown = display_path(selection.path)
    quotes = {q.id: q for q in selection.quotes}
    url = selection.url or brand_website
    slides = []
    for name in spec.slides:
        if name == COVER:
            title = spec.title or selection.title
            if not title:
                raise InputError(
                    f"carousel '{spec.id}': the cover needs a title",
                    file=shown,
                    line=selection.carousel_lines.get(spec.id),
                    hint="add article.title, or `title:` to the carousel",
                )
            byline = selection.author or selection.publisher or ""
            slides.append(Slide(SlideText("cover", COVER, title, byline), None))
        elif name == CLOSING:
            where = _bare(url) or brand_handle
            slides.append(Slide(SlideText("closing", CLOSING, spec.call_to_action, where), None))
        else:
            quote = quotes[name]
            text = SlideText("quote", name, quote.text, quote.attribution or "", quote_id=name)
            slides.append(Slide(text, quote))
    return slides


def _bare(url: str | None) -> str:
    """A URL as a slide shows it: without the scheme and a trailing slash."""
    return re.sub(r"^https?://", "", url or "").rstrip("/")


class SlideMaker:
    """Builds the scenes of one carousel's slides with its layouts, fonts and brand."""

    def __init__(self, job: CarouselJob, project: Project) -> None:
        self.job = job
        self.project = project
        self.brand = project.brand(job.brand)
        self.registry = project.font_registry()
        self.layouts = slide_layouts(job, project)

    def content(self, text: SlideText, number: str) -> CardText:
        selection = self.job.selection
        lang = selection.spec.article.lang or ""
        common = {
            "handle": self.brand.handle or "",
            "url": _bare(selection.url or self.brand.website),
            "author": selection.author or "",
            "publisher": selection.publisher or "",
            "slide": number,
            "lang": lang,
        }
        if text.role == "quote":
            byline = text.byline if text.part == text.parts else ""
            return CardText(
                quote=text.headline, attribution=byline, title=selection.title or "", **common
            )
        # A cover or closing slide: the headline in the quote's place, the byline under it,
        # the article's title (the cover: its publisher) where a card names its source.
        source = selection.publisher if text.role == "cover" else selection.title
        if source == text.byline:
            source = ""  # a post with no author: the publisher is the byline already
        return CardText(quote=text.headline, attribution=text.byline, title=source or "", **common)

    def scene(self, text: SlideText, number: str, size: int | None = None) -> Scene:
        from cardgen.drawing.composition import build_scene

        layout = self.layouts[text.role]
        if size is not None:
            layout = with_quote_size(layout, size)
        label = f"{self.job.selection.name}/{self.job.spec.id}/{text.name}"
        try:
            return build_scene(
                self.content(text, number),
                layout,
                self.brand,
                self.job.canvas,
                self.registry,
                label=label,
                memo=self.project.scene_memo(),
            )
        except CardgenError as exc:
            exc.file = exc.file or display_path(self.job.selection.path)
            exc.line = exc.line or self.job.selection.carousel_lines.get(self.job.spec.id)
            raise


def slide_layouts(job: CarouselJob, project: Project) -> dict[str, Layout]:
    """The layout of each slide role (cover, quote, closing) of a carousel, resolved."""
    variants = layout_variants(project.layouts, job.layout)
    layouts: dict[str, Layout] = {}
    for role, variant in (("cover", "cover"), ("quote", "slide"), ("closing", "closing")):
        layout = resolve_layout(project.layouts, job.layout, job.canvas, variant)
        if role != "quote" and variant not in variants:
            layout = without_quote_marks(layout)
        if job.spec.numbers:
            layout = with_slide_number(layout, job.canvas)
        layouts[role] = layout
    return layouts


def quote_size(scene: Scene) -> int:
    return max((b.size for b in scene.texts if b.role == "quote"), default=0)


def series(maker: SlideMaker, slides: list[Slide]) -> list[tuple[Slide, Scene]]:
    """Every slide with its final scene: long passages split, quote slides at one size.

    A quote that cannot fit, or fits only far smaller than the others, is split at
    sentence boundaries into 2 to MAX_PARTS consecutive slides. Quote slides then share
    the smallest size among them (each fitted slide fits at a smaller size; one that
    does not, after all, gets what fits: the fitter goes lower for it alone)."""
    total = len(slides)
    first: dict[int, Scene] = {}
    failed: dict[int, CardgenError] = {}
    for i, slide in enumerate(slides):
        if slide.text.role != "quote":
            continue
        try:
            first[i] = maker.scene(slide.text, slide_number(i + 1, total))
        except ContentError as exc:
            failed[i] = exc
    sizes = [quote_size(s) for s in first.values()]
    typical = statistics.median(sizes) if sizes else 0
    expanded: list[Slide] = []
    for i, slide in enumerate(slides):
        small = i in first and quote_size(first[i]) < SPLIT_BELOW * typical
        if (i in failed or small) and sentence_count(slide.text.headline) > 1:
            expanded += _split(maker, slide, failed.get(i), typical)
        elif i in failed:
            raise failed[i]
        else:
            expanded.append(slide)
    total = len(expanded)
    limit = maker.job.kind.max_slides
    if limit is not None and total > limit:
        raise ContentError(
            f"carousel '{maker.job.spec.id}' needs {total} slides once its long passages "
            f"are split; {maker.job.kind.source}",
            file=display_path(maker.job.selection.path),
            line=maker.job.selection.carousel_lines.get(f"{maker.job.spec.id}.slides"),
            hint="choose shorter passages or fewer slides",
        )
    unsplit = len(expanded) == len(slides)  # then the first fits carry the right numbers
    scenes: list[Scene] = []
    for i, slide in enumerate(expanded):
        if unsplit and i in first:
            scenes.append(first[i])
        else:
            scenes.append(maker.scene(slide.text, slide_number(i + 1, total)))
    quote_sizes = [quote_size(s) for sl, s in zip(expanded, scenes, strict=True) if _is_quote(sl)]
    typical = statistics.median(quote_sizes) if quote_sizes else 0
    # One size for the series: the smallest that is not an outlier; an outlier (a passage
    # that fits only far smaller even split) keeps its own size rather than shrink all.
    in_series = [size for size in quote_sizes if size >= SPLIT_BELOW * typical]
    common = min(in_series, default=0)
    final = []
    for i, (slide, scene) in enumerate(zip(expanded, scenes, strict=True)):
        if _is_quote(slide) and quote_size(scene) > common:
            scene = maker.scene(slide.text, slide_number(i + 1, total), size=common)
        final.append((slide, scene))
    return final


def _is_quote(slide: Slide) -> bool:
    return slide.text.role == "quote"


def _split(
    maker: SlideMaker, slide: Slide, error: CardgenError | None, typical: float
) -> list[Slide]:
    """The passage in the fewest parts that each fit on a slide at about the series' size
    (at least SPLIT_BELOW of `typical`); else in the parts that come closest."""
    best: tuple[int, list[SlideText]] | None = None
    for parts in range(2, MAX_PARTS + 1):
        runs = split_passage(slide.text.headline, parts)
        texts = [
            replace(
                slide.text, headline=run, name=f"{slide.text.name}-{n}", part=n, parts=len(runs)
            )
            for n, run in enumerate(runs, 1)
        ]
        try:
            smallest = min(quote_size(maker.scene(text, "")) for text in texts)
        except ContentError as exc:
            error = exc
            smallest = 0
        if smallest and (best is None or smallest > best[0]):
            best = (smallest, texts)
        if smallest >= SPLIT_BELOW * typical or len(runs) < parts:
            break
    if best is None:
        raise error or ContentError(f"quote '{slide.text.name}' cannot fit on a slide")
    return [Slide(text, slide.quote) for text in best[1]]
