"""Drawing a carousel and writing its files: its slides (images, or one PDF document), its
caption or thread text, a zip of them for the review page; slides of an earlier, longer
version removed. `render_all`: every carousel of a run, after its cards."""

from __future__ import annotations

import hashlib
import io
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

from cardgen import __version__
from cardgen.batch.captions import count
from cardgen.batch.carousel_posts import carousel_caption, slide_alt, thread_posts
from cardgen.batch.carousel_records import CarouselRecord, SlideRecord, file_names, relative
from cardgen.batch.carousel_slides import (
    Slide,
    SlideMaker,
    quote_size,
    series,
    slide_layouts,
    slide_texts,
)
from cardgen.batch.carousels import CarouselJob
from cardgen.batch.folder import card_file
from cardgen.design.carousel import DOCUMENT_DPI, LINKEDIN_DOCUMENT_LIMIT
from cardgen.drawing.encoders import extension
from cardgen.errors import CardgenError, ContentError
from cardgen.yamlio import display_path

if TYPE_CHECKING:
    from cardgen.batch.output import WriteLog
    from cardgen.batch.plan import Project
    from cardgen.batch.records import CarouselEvent
    from cardgen.drawing.scene import Scene

PDF_QUALITY = 90  # JPEG pages, no chroma subsampling: crisp text (benchmarks/README)
_SLIDE_FILE = re.compile(r"^\d{2,3}-[a-z0-9-]+\.(?:png|jpg|webp)$")


def render_carousel(
    out: Path, job: CarouselJob, project: Project, *, log: WriteLog | None = None
) -> CarouselRecord:
    """Draw one carousel on one platform, write its files, return its manifest record."""
    from cardgen.batch.output import write_if_changed

    maker = SlideMaker(job, project)
    slides = series(maker, slide_texts(job, maker.brand.handle or "", maker.brand.website or ""))
    written: set[str] = set()
    records, pages = _draw_slides(out, job, maker, slides, written, log)
    result: CarouselRecord = {
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
            (r["font_size"] for r in records if r["role"] == "quote" and r["font_size"]),
            default=None,
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
        result["path"], result["format"] = f"{job.folder}/{name}", "pdf"
        result["bytes"], result["sha256"] = len(data), hashlib.sha256(data).hexdigest()
    else:
        result["path"] = job.folder
        result["bytes"] = sum(r.get("bytes", 0) for r in records)
    if job.kind.kind == "thread":
        result["caption"] = None
    else:
        result["caption"] = carousel_caption(job, maker, slides)
    text_name = "thread.txt" if job.kind.kind == "thread" else "caption.txt"
    result["caption_file"] = f"{job.folder}/{text_name}"
    if job.kind.kind != "pdf":  # one download for the review page: the slides and the text
        result["zip"] = f"{job.folder}/{job.spec.id}-{job.target.id}.zip"
    result["slides"] = records
    written.update(write_texts(out, result, log))
    _remove_stale(out, job.folder, written)
    return result


def write_texts(out: Path, record: CarouselRecord, log: WriteLog | None) -> list[str]:
    """A carousel's text file (its caption, or a thread's posts) and the zip of its slides
    and that text, each written only when it differs; their names."""
    from cardgen.batch.output import write_if_changed

    slides = record.get("slides", [])
    if record["kind"] == "thread":
        total = len(slides)
        body = "\n\n".join(
            f"[{s['index']}/{total}] {s.get('post_count')} of {s.get('post_limit')}\n"
            f"{s.get('post')}"
            for s in slides
        )
    else:
        body = str(record.get("caption"))
    text_file = record["caption_file"]
    write_if_changed(out / text_file, (body + "\n").encode("utf-8"), log=log)
    names = [text_file]
    archive = record.get("zip")
    if archive:
        members = [str(s["path"]) for s in slides if s["path"]] + [text_file]
        write_if_changed(out / archive, _zip(out, members), log=log)
        names.append(archive)
    return [name.rsplit("/", 1)[-1] for name in names]


def _draw_slides(
    out: Path,
    job: CarouselJob,
    maker: SlideMaker,
    slides: Sequence[tuple[Slide, Scene]],
    written: set[str],
    log: WriteLog | None,
) -> tuple[list[SlideRecord], list[Page]]:
    """Draw every slide: its file written (`written` gets its name) or, for a PDF document,
    its page kept; its thumbnail stored; its record (with a thread's post)."""
    from cardgen.batch.output import write_if_changed
    from cardgen.drawing.raster import draw_scene, flat_card
    from cardgen.drawing.sizefit import encode_within
    from cardgen.review.thumbs import store_thumbnail, thumbnail_of

    total = len(slides)
    description = maker.layouts["quote"].description or f"slide in the {job.layout} layout"
    texts = [
        slide_alt(job, maker, slide, i + 1, total, description)
        for i, (slide, _) in enumerate(slides)
    ]
    posts = thread_posts(job, maker, [s for s, _ in slides]) if job.kind.kind == "thread" else []
    records: list[SlideRecord] = []
    pages: list[Page] = []
    for i, (slide, scene) in enumerate(slides):
        image = draw_scene(scene)
        stem = f"{i + 1:02d}-{slide.text.name}"
        record: SlideRecord = {
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
            "path": None,  # a page of the PDF document
        }
        if job.kind.kind == "pdf":
            pages.append(image.convert("RGB"))
        else:
            data, fmt = encode_within(image, job.fmt, job.target.file_limit, flat_card(scene))
            name = f"{stem}.{extension(fmt)}"
            write_if_changed(out / job.folder / name, data, log=log)
            written.add(name)
            sha = hashlib.sha256(data).hexdigest()
            record["path"], record["format"] = f"{job.folder}/{name}", fmt
            record["bytes"], record["sha256"] = len(data), sha
        if posts:
            record["post"], record["post_count"] = posts[i], count(posts[i], job.target)
            record["post_limit"] = job.target.caption_limit
        record["thumb"] = _thumb_hash(record, job, i)
        store_thumbnail(out, record["thumb"], thumbnail_of(image), log=log)
        records.append(record)
    return records, pages


def _thumb_hash(record: SlideRecord, job: CarouselJob, index: int) -> str:
    """A thumbnail's name: the slide file's sha256, or for a PDF page a hash of the page."""
    if record.get("sha256"):
        return record["sha256"]
    seed = f"{job.folder}:{index}:{record['text']}:{record['width']}x{record['height']}"
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


class Page(Protocol):
    """A drawn slide as the PDF writer takes it: a Pillow image (only the pixel side imports
    Pillow, so it is named here by what it does)."""

    def save(self, fp: IO[bytes], format: str | None = None, **params: object) -> None: ...


def document_pdf(pages: Sequence[Page], *, title: str, author: str | None) -> bytes:
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


def render_all(
    out: Path,
    jobs: Sequence[CarouselJob],
    selections: Iterable[str],
    project: Project,
    old: Sequence[CarouselRecord],
    emit: Callable[[CarouselEvent], None] | None = None,
    *,
    fonts: str,
    force: bool = False,
    log: WriteLog | None = None,
) -> list[CarouselRecord]:
    """This run's carousels, then those of earlier runs' selections this run left alone
    (`kept`); files of carousels gone from a selection this run read are removed.

    A carousel whose cache key (`carousel_key`; `fonts`: the run's `fonts_digest`) is its
    record's on disk, with every file as that record says, is not drawn again (`cached`):
    an unchanged rerun writes nothing. `force` draws every one."""
    from cardgen.batch.output import remove_inside

    before = {(r["selection"], r["carousel_id"], r["platform"]): r for r in old}
    records = []
    for job in jobs:
        key = carousel_key(job, project, fonts)
        found = before.get((relative(job.selection.path, project.root), job.spec.id, job.target.id))
        if not force and found is not None and _still_on_disk(out, job, found, key, log):
            record: CarouselRecord = {**found, "status": "cached"}
        else:
            record = render_carousel(out, job, project, log=log)
            record["cache_key"] = key
        records.append(record)
        if emit is not None:
            emit(
                {
                    "event": "carousel",
                    "carousel_id": job.spec.id,
                    "platform": job.target.id,
                    "status": "cached" if record["status"] == "cached" else "rendered",
                    "slides": len(record["slides"]),
                    "path": record["path"],
                }
            )
    made = {(r["selection"], r["carousel_id"], r["platform"]) for r in records}
    read = set(selections)
    for record in old:
        if (record["selection"], record["carousel_id"], record["platform"]) in made:
            continue
        if record["selection"] in read:
            for rel in _files_of(record):
                remove_inside(out, rel)
            continue
        kept: CarouselRecord = {**record, "status": "kept"}
        records.append(kept)
    return sorted(records, key=lambda r: (r["selection"], r["carousel_id"], r["platform"]))


def carousel_key(job: CarouselJob, project: Project, fonts: str) -> str:
    """What decides a carousel's files, hashed: its entry, the texts of its slides, the
    article's facts its slides and posts show, its layouts and brand (with their
    pictures), the platform and canvas, the fonts, the encoders and cardgen's version."""
    from cardgen.batch.cachekeys import design_parts, dumps, keyed
    from cardgen.drawing.encoders import ENCODE_OPTIONS

    brand = project.brand(job.brand)
    layouts = {
        role: found.model_dump(mode="json") for role, found in slide_layouts(job, project).items()
    }
    selection = job.selection
    texts = slide_texts(job, brand.handle or "", brand.website or "")
    facts = {
        "title": selection.title,
        "author": selection.author,
        "publisher": selection.publisher,
        "url": selection.url,
        "lang": selection.spec.article.lang,
        "hashtags": list(selection.spec.defaults.hashtags or ()),
    }
    return keyed(
        {
            **design_parts(project.root, layouts, brand.model_dump(mode="json")),
            "cardgen": dumps(__version__),
            "carousel": dumps(job.spec.model_dump(mode="json")),
            "slides": dumps([asdict(slide.text) for slide in texts]),
            "article": dumps(facts),
            "platform": dumps([asdict(job.target), asdict(job.canvas), asdict(job.kind)]),
            "layout": dumps(job.layout),
            "format": dumps([job.fmt, job.folder]),
            "encoder": dumps([ENCODE_OPTIONS, PDF_QUALITY]),
            "fonts": dumps(fonts),
        }
    )


def _still_on_disk(
    out: Path, job: CarouselJob, record: CarouselRecord, key: str, log: WriteLog | None
) -> bool:
    """The carousel an earlier run drew with this cache key is in OUT as its record says:
    its slides (or PDF) with their sizes and hashes, and their thumbnails. Its text file
    and zip, made from those, are written again if they differ (a hand-edited caption)."""
    from cardgen.batch.folder import hash_inside
    from cardgen.review.thumbs import thumb_path

    if record.get("cache_key") != key or record.get("kind") != job.kind.kind:
        return False
    slides = record.get("slides", [])
    files = [(s.get("path"), s.get("bytes"), s.get("sha256")) for s in slides]
    if record.get("kind") == "pdf":
        files = [(record.get("path"), record.get("bytes"), record.get("sha256"))]
    named = [path for path, _, _ in files] + [record.get("caption_file"), record.get("zip")]
    if not all(_in_folder(job.folder, path) for path in named if path is not None):
        return False  # a record read back names only files of this carousel's folder
    for path, size, sha in files:
        if not isinstance(path, str) or hash_inside(out, path) != (size, sha):
            return False
    if not all((out / thumb_path(str(s.get("thumb")))).is_file() for s in slides):
        return False
    try:
        write_texts(out, record, log)
    except (CardgenError, OSError, KeyError, TypeError):
        return False  # a record not as this cardgen writes it: drawn again
    return True


def _in_folder(folder: str, path: object) -> bool:
    return isinstance(path, str) and path.rsplit("/", 1)[0] == folder and ".." not in path


def _files_of(record: CarouselRecord) -> list[str]:
    """The files an earlier run wrote for a carousel, as far as its record (read back from
    disk: checked value by value) names them."""
    return [rel for rel in file_names(record) if card_file(rel) is not None]
