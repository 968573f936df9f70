"""Carousels of a batch: plan them with the cards, draw them after the cards, record them.

`plan_carousels` checks everything a selection's `carousels:` can get wrong before a
file is written (an unknown platform, one that takes no carousel, more slides than it
takes: exit 2 with file:line). `render_carousel` fits every slide, gives the quote
slides one font size where it fits, splits a passage that cannot fit across slides at
sentence boundaries, draws the slides and writes one output per platform:

- images (Instagram, Threads): `01-cover.png`, `02-<quote>.png`, ... and `caption.txt`;
- pdf (LinkedIn): `<carousel>.pdf`, one page a slide, its document title set, and
  `caption.txt`;
- thread (X, Bluesky, Mastodon): one image a slide and `thread.txt`, one post a slide,
  numbered, each counted the platform's way, the first carrying the link.

under `OUT/<selection>/carousels/<carousel>/<platform>/`. The manifest lists each
carousel with its slides in order (`carousels`); captions.csv gets one row a post.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cardgen.batch.captions import (
    CaptionParts,
    alt_text,
    as_on_card,
    count,
    fitted_caption,
)
from cardgen.design.cardtext import CardText
from cardgen.design.carousel import (
    CAROUSEL_KINDS,
    DOCUMENT_DPI,
    LINKEDIN_DOCUMENT_LIMIT,
    CarouselKind,
    SlideText,
    document_platform,
    sentence_count,
    slide_number,
    split_passage,
    with_quote_size,
    with_slide_number,
    without_quote_marks,
)
from cardgen.design.layouts import Layout, layout_variants, resolve_layout
from cardgen.design.platforms import Platform
from cardgen.drawing.encoders import default_format, extension
from cardgen.errors import CardgenError, ContentError, InputError
from cardgen.source.carousels import CLOSING, COVER, CarouselSpec
from cardgen.source.quotes import LoadedSelection, Quote
from cardgen.yamlio import display_path

if TYPE_CHECKING:
    from cardgen.batch.output import WriteLog
    from cardgen.batch.plan import Project
    from cardgen.batch.records import CaptionRow, CarouselEvent

CAROUSELS_DIR = "carousels"
# A quote slide whose best size is under this share of the series' typical size is
# split across slides (at sentence boundaries) rather than set much smaller.
SPLIT_BELOW = 0.72
MAX_PARTS = 4
PDF_QUALITY = 90  # JPEG pages, no chroma subsampling: crisp text (benchmarks/README)
_SLIDE_FILE = re.compile(r"^\d{2,3}-[a-z0-9-]+\.(?:png|jpg|webp)$")


@dataclass(frozen=True)
class CarouselJob:
    """One carousel on one platform."""

    selection: LoadedSelection
    spec: CarouselSpec
    target: Platform  # the preset it is posted to: counting, file limit
    canvas: Platform  # what slides are drawn on (a LinkedIn document's portrait page)
    kind: CarouselKind
    layout: str
    brand: str | None
    fmt: str
    folder: str  # relative to OUT


@dataclass(frozen=True)
class Slide:
    text: SlideText
    quote: Quote | None


def plan_carousels(
    selections: Iterable[LoadedSelection],
    project: Project,
    *,
    platforms: Sequence[str] | None = None,
    layout: str | None = None,
    brand: str | None = None,
    default_layout: str,
) -> list[CarouselJob]:
    """Every carousel of the batch on each of its platforms; input errors raised now.
    `default_layout`: the batch's (`plan.DEFAULT_LAYOUT`), for carousels that name none."""
    jobs = []
    for selection in selections:
        for spec in selection.spec.carousels:
            jobs += _plan_one(selection, spec, project, platforms, layout, brand, default_layout)
    return jobs


def _plan_one(
    selection: LoadedSelection,
    spec: CarouselSpec,
    project: Project,
    only: Sequence[str] | None,
    layout: str | None,
    brand: str | None,
    default_layout: str,
) -> list[CarouselJob]:
    shown = display_path(selection.path)
    lines = selection.carousel_lines
    verified = {q.id for q in selection.quotes}
    for name in spec.slides:
        if name not in (COVER, CLOSING) and name not in verified:
            raise ContentError(
                f"carousel '{spec.id}': quote '{name}' could not be verified",
                file=shown,
                line=lines.get(f"{spec.id}.slides"),
            )
    own = spec.platforms is not None
    names = spec.platforms or list(selection.spec.defaults.platforms or ())
    if not names:
        raise InputError(
            f"carousel '{spec.id}' names no platforms",
            file=shown,
            line=lines.get(spec.id),
            hint="add `platforms:` to it (or defaults.platforms), e.g. "
            + ", ".join(CAROUSEL_KINDS),
        )
    layout_name = layout or spec.layout or selection.spec.defaults.layout or default_layout
    jobs = []
    for j, pid in enumerate(names):
        line = lines.get(f"{spec.id}.platforms.{j}", lines.get(spec.id))
        if only is not None and pid not in only:
            continue
        try:
            target = project.platform(pid)
        except InputError as exc:
            raise InputError(
                f"carousel '{spec.id}': {exc.message}", file=shown, line=line, hint=exc.hint
            ) from None
        kind = CAROUSEL_KINDS.get(pid)
        if kind is None:
            if not own:
                continue  # defaults list every platform the quotes go to: take those that can
            raise InputError(
                f"carousel '{spec.id}': {target.name} ({pid}) takes no carousel",
                file=shown,
                line=line,
                hint="use " + ", ".join(CAROUSEL_KINDS),
            )
        if kind.max_slides is not None and len(spec.slides) > kind.max_slides:
            raise InputError(
                f"carousel '{spec.id}' has {len(spec.slides)} slides; {kind.source}",
                file=shown,
                line=lines.get(f"{spec.id}.slides", line),
                hint=f"keep it to {kind.max_slides} slides for {pid}",
            )
        canvas = document_platform(target) if kind.kind == "pdf" else target
        try:
            # Not project.layout: its cache is keyed by platform id, and a LinkedIn document's
            # canvas is not the LinkedIn card's.
            resolved = resolve_layout(project.layouts, layout_name, canvas)
        except CardgenError as exc:
            if exc.file is None:
                exc.file, exc.line = shown, lines.get(f"{spec.id}.layout", lines.get(spec.id))
                exc.message = f"carousel '{spec.id}': {exc.message}"
            raise
        chosen = brand or spec.brand or selection.spec.defaults.brand
        chosen = chosen or project.layout_brand(layout_name, resolved)
        fmt = default_format(target.format, resolved.background.image is not None)
        jobs.append(
            CarouselJob(
                selection=selection,
                spec=spec,
                target=target,
                canvas=canvas,
                kind=kind,
                layout=layout_name,
                brand=chosen,
                fmt="jpeg" if kind.kind == "pdf" else fmt,
                folder=f"{selection.name}/{CAROUSELS_DIR}/{spec.id}/{pid}",
            )
        )
    if not jobs and only is None:
        raise InputError(
            f"carousel '{spec.id}': none of defaults.platforms takes a carousel",
            file=shown,
            line=lines.get(spec.id),
            hint="give it `platforms:` of its own: " + ", ".join(CAROUSEL_KINDS),
        )
    return jobs  # with --platform, a carousel on none of them is left out of this run


# --- slides -----------------------------------------------------------------------------


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
        variants = layout_variants(project.layouts, job.layout)
        self.layouts: dict[str, Layout] = {}
        for role, variant in (("cover", "cover"), ("quote", "slide"), ("closing", "closing")):
            layout = resolve_layout(project.layouts, job.layout, job.canvas, variant)
            if role != "quote" and variant not in variants:
                layout = without_quote_marks(layout)
            if job.spec.numbers:
                layout = with_slide_number(layout, job.canvas)
            self.layouts[role] = layout

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

    def scene(self, text: SlideText, number: str, size: int | None = None) -> Any:
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


def quote_size(scene: Any) -> int:
    return max((b.size for b in scene.texts if b.role == "quote"), default=0)


def series(maker: SlideMaker, slides: list[Slide]) -> list[tuple[Slide, Any]]:
    """Every slide with its final scene: long passages split, quote slides at one size.

    A quote that cannot fit, or fits only far smaller than the others, is split at
    sentence boundaries into 2 to MAX_PARTS consecutive slides. Quote slides then share
    the smallest size among them (each fitted slide fits at a smaller size; one that
    does not, after all, gets what fits: the fitter goes lower for it alone)."""
    total = len(slides)
    first: dict[int, Any] = {}
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
    scenes: list[Any] = []
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


# --- drawing and writing ------------------------------------------------------------------


def render_carousel(
    out: Path, job: CarouselJob, project: Project, *, log: WriteLog | None = None
) -> dict[str, Any]:
    """Draw one carousel on one platform, write its files, return its manifest record."""
    from cardgen.batch.output import write_if_changed
    from cardgen.drawing.raster import draw_scene
    from cardgen.drawing.sizefit import encode_within
    from cardgen.review.thumbs import store_thumbnail, thumbnail_of

    maker = SlideMaker(job, project)
    slides = series(maker, slide_texts(job, maker.brand.handle or "", maker.brand.website or ""))
    total = len(slides)
    description = maker.layouts["quote"].description or f"slide in the {job.layout} layout"
    texts = [
        _alt(job, maker, slide, i + 1, total, description) for i, (slide, _) in enumerate(slides)
    ]
    posts = _thread_posts(job, maker, [s for s, _ in slides]) if job.kind.kind == "thread" else []
    records: list[dict[str, Any]] = []
    pages = []
    written: set[str] = set()
    for i, (slide, scene) in enumerate(slides):
        image = draw_scene(scene)
        stem = f"{i + 1:02d}-{slide.text.name}"
        record: dict[str, Any] = {
            "index": i + 1,
            "role": slide.text.role,
            "quote_id": slide.text.quote_id,
            "text": slide.text.headline,
            "part": slide.text.part,
            "parts": slide.text.parts,
            "width": scene.width,
            "height": scene.height,
            "font_size": quote_size(scene) or None,
            "alt_text": texts[i],
        }
        if job.kind.kind == "pdf":
            pages.append(image.convert("RGB"))
            record["path"] = None
        else:
            data, fmt = encode_within(image, job.fmt, job.target.file_limit)
            name = f"{stem}.{extension(fmt)}"
            write_if_changed(out / job.folder / name, data, log=log)
            written.add(name)
            sha = hashlib.sha256(data).hexdigest()
            record.update(path=f"{job.folder}/{name}", format=fmt, bytes=len(data), sha256=sha)
        if posts:
            record["post"], record["post_count"] = posts[i], count(posts[i], job.target)
            record["post_limit"] = job.target.caption_limit
        record["thumb"] = _thumb_hash(record, job, i)
        store_thumbnail(out, record["thumb"], thumbnail_of(image), log=log)
        records.append(record)
    result: dict[str, Any] = {
        "selection": relative(job.selection.path, project.root),
        "carousel_id": job.spec.id,
        "platform": job.target.id,
        "kind": job.kind.kind,
        "layout": job.layout,
        "brand": maker.brand.name,
        "title": job.spec.title or job.selection.title,
        "numbers": job.spec.numbers,
        "call_to_action": job.spec.call_to_action,
        "quote_font_size": min(
            (r["font_size"] for r in records if r["role"] == "quote"), default=None
        ),
        "status": "rendered",
    }
    if job.kind.kind == "pdf":
        name = f"{job.spec.id}.pdf"
        data = document_pdf(
            pages, title=str(result["title"] or job.spec.id), author=job.selection.author
        )
        if len(data) > LINKEDIN_DOCUMENT_LIMIT:
            raise ContentError(
                f"carousel '{job.spec.id}': its PDF is {len(data):,} bytes, over LinkedIn's "
                f"{LINKEDIN_DOCUMENT_LIMIT:,}",
                file=display_path(job.selection.path),
            )
        write_if_changed(out / job.folder / name, data, log=log)
        written.add(name)
        result.update(
            path=f"{job.folder}/{name}",
            format="pdf",
            bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
    else:
        result.update(path=job.folder, bytes=sum(r["bytes"] for r in records))
    if job.kind.kind == "thread":
        text_name = "thread.txt"
        body = "\n\n".join(
            f"[{r['index']}/{total}] {r['post_count']} of {r['post_limit']}\n{r['post']}"
            for r in records
        )
        result["caption"] = None
    else:
        text_name = "caption.txt"
        result["caption"] = _carousel_caption(job, maker, slides)
        body = result["caption"]
    write_if_changed(out / job.folder / text_name, (body + "\n").encode("utf-8"), log=log)
    written.add(text_name)
    result["caption_file"] = f"{job.folder}/{text_name}"
    if job.kind.kind != "pdf":  # one download for the review page: the slides and the text
        name = f"{job.spec.id}-{job.target.id}.zip"
        members = [r["path"] for r in records] + [result["caption_file"]]
        write_if_changed(out / job.folder / name, _zip(out, members), log=log)
        written.add(name)
        result["zip"] = f"{job.folder}/{name}"
    result["slides"] = records
    _remove_stale(out, job.folder, written)
    return result


def relative(path: Path, root: Path) -> str:
    """A selection as the manifest names it (as its cards' records do)."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _thumb_hash(record: dict[str, Any], job: CarouselJob, index: int) -> str:
    """A thumbnail's name: the slide file's sha256, or for a PDF page a hash of the page."""
    if record.get("sha256"):
        return str(record["sha256"])
    seed = f"{job.folder}:{index}:{record['text']}:{record['width']}x{record['height']}"
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def document_pdf(pages: Sequence[Any], *, title: str, author: str | None) -> bytes:
    """One PDF with a page a slide (JPEG inside, quality PDF_QUALITY, no subsampling), its
    document title set: LinkedIn shows it as the document's name."""
    buffer = io.BytesIO()
    first, *rest = pages
    first.save(
        buffer,
        "PDF",
        save_all=True,
        append_images=rest,
        resolution=DOCUMENT_DPI,
        title=title,
        author=author or "",
        creator="cardgen",
        producer="cardgen",
        quality=PDF_QUALITY,
        subsampling=0,
        # Fixed dates: same slides, same bytes.
        creationDate=_EPOCH,
        modDate=_EPOCH,
    )
    return buffer.getvalue()


_EPOCH = time.gmtime(946684800)  # 2000-01-01: a PDF's dates are a struct_time


def _zip(out: Path, members: Sequence[str]) -> bytes:
    """The files, stored by name in order, with a fixed date: same files, same bytes."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for rel in members:
            info = zipfile.ZipInfo(rel.rsplit("/", 1)[-1], date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, (out / rel).read_bytes())
    return buffer.getvalue()


def _remove_stale(out: Path, folder: str, written: set[str]) -> None:
    """Slides of an earlier, longer version of this carousel: only files cardgen names."""
    from cardgen.batch.output import remove_inside

    try:
        names = [p.name for p in (out / folder).iterdir()]
    except OSError:
        return
    for name in names:
        ours = _SLIDE_FILE.match(name) or name.endswith((".pdf", ".zip"))
        if ours and name not in written:
            remove_inside(out, f"{folder}/{name}")


def _alt(
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


def _carousel_caption(
    job: CarouselJob, maker: SlideMaker, slides: Sequence[tuple[Slide, Any]]
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


def _thread_posts(job: CarouselJob, maker: SlideMaker, slides: Sequence[Slide]) -> list[str]:
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


# --- the run --------------------------------------------------------------------------------


def render_all(
    out: Path,
    jobs: Sequence[CarouselJob],
    selections: Iterable[str],
    project: Project,
    old: Sequence[dict[str, Any]],
    emit: Callable[[CarouselEvent], None] | None = None,
    *,
    log: WriteLog | None = None,
) -> list[dict[str, Any]]:
    """This run's carousels, then those of earlier runs' selections this run left alone
    (`kept`); files of carousels gone from a selection this run read are removed."""
    from cardgen.batch.output import remove_inside

    records = []
    for job in jobs:
        record = render_carousel(out, job, project, log=log)
        records.append(record)
        if emit is not None:
            emit(
                {
                    "event": "carousel",
                    "carousel_id": job.spec.id,
                    "platform": job.target.id,
                    "slides": len(record["slides"]),
                    "path": record["path"],
                }
            )
    made = {(r["selection"], r["carousel_id"], r["platform"]) for r in records}
    read = set(selections)
    for record in old:
        key = (record.get("selection"), record.get("carousel_id"), record.get("platform"))
        if key in made:
            continue
        if record.get("selection") in read:
            for rel in _files_of(record):
                remove_inside(out, rel)
            continue
        records.append({**record, "status": "kept"})
    return sorted(records, key=lambda r: (r["selection"], r["carousel_id"], r["platform"]))


def _files_of(record: dict[str, Any]) -> list[str]:
    files = [
        str(s["path"]) for s in record.get("slides", []) if isinstance(s, dict) and s.get("path")
    ]
    for key in ("caption_file",):
        if isinstance(record.get(key), str):
            files.append(record[key])
    if record.get("kind") == "pdf" and isinstance(record.get("path"), str):
        files.append(record["path"])
    if isinstance(record.get("zip"), str):
        files.append(record["zip"])
    return [f for f in files if f and ".." not in f.split("/") and not f.startswith("/")]


def old_carousels(out: Path) -> list[dict[str, Any]]:
    """The `carousels` of the manifest on disk (none when it is missing or unreadable)."""
    from cardgen.batch.folder import MANIFEST, read_regular

    try:
        raw = read_regular(out / MANIFEST, missing_ok=True)
        body = json.loads(raw) if raw else {}
    except (CardgenError, OSError, ValueError, RecursionError):
        return []
    found = body.get("carousels") if isinstance(body, dict) else None
    return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []


def caption_rows(carousels: Sequence[dict[str, Any]]) -> list[CaptionRow]:
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
