"""The review gallery: `OUT/index.html`, one static page showing every card of a run.

Records (the manifest's card dicts) become plain view data, which a Jinja2
template with autoescaping turns into HTML; the page needs only the images.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import functools
import hashlib
import json
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING
from urllib.parse import quote as url_quote

from cardgen import __version__
from cardgen.batch.captions import count
from cardgen.batch.spool import CardId, CardRecords, RecordSpool, in_order, keyed, utf8_pieces
from cardgen.design.platforms import Platform
from cardgen.errors import InputError
from cardgen.lazyseq import LazySequence

if TYPE_CHECKING:
    import jinja2

    from cardgen.batch.output import WriteLog
    from cardgen.batch.records import CardRecord
    from cardgen.plaindata import JsonObject
    from cardgen.review.thumbs import Thumbnails

# A count at or above this share of its limit is flagged so it can be trimmed in time.
NEAR_LIMIT = 0.9


@dataclass(frozen=True)
class Counted:
    """A caption or alt text with its length against its platform's limit."""

    text: str
    count: int
    limit: int | None

    @property
    def state(self) -> str:
        """`ok`, `near` (within 10% of the limit) or `over`."""
        if self.limit is None or self.count < NEAR_LIMIT * self.limit:
            return "ok"
        return "over" if self.count > self.limit else "near"


@dataclass(frozen=True)
class CardView:
    """One card as the page shows it."""

    key: str  # unique in the page, used for element ids
    path: str  # URL relative to index.html
    thumb: str  # the small WebP's URL (the card itself when it has none)
    sha256: str
    quote_id: str
    platform_id: str
    platform_name: str
    layout: str
    brand: str
    width: int
    height: int
    format: str
    bytes: int | None
    caption: Counted
    alt_text: Counted
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class QuoteView:
    """A quote with its cards, one per platform, in the platforms' order."""

    key: str
    selection: str  # as shown: relative, never a machine's absolute path
    quote_id: str
    text: str
    attribution: str | None
    title: str | None
    url: str | None
    cards: tuple[CardView, ...]
    search: str  # what the search box matches: text, attribution, ids, lowercased


@dataclass(frozen=True)
class GalleryView:
    """Everything the template needs, computed in Python so the template stays dumb."""

    generator: str
    quotes: Sequence[QuoteView]  # made as the page is written, one quote at a time
    platforms: tuple[tuple[str, str], ...]  # (id, name) of the platforms on the page
    layouts: tuple[str, ...]
    card_count: int


def gallery_view(
    records: CardRecords,
    platforms: Mapping[str, Platform],
    *,
    thumbs: Mapping[str, str] | None = None,
    order: Mapping[tuple[str, str], int] | None = None,
) -> GalleryView:
    """Group the run's cards by quote (in the selections' order), then platform.

    `records`: `CardRecord`s, or a mapping of them by card id (a run's spool: each quote's
    cards are read when the page reaches it, so the page never holds every card).
    `thumbs` maps a card's sha256 to its thumbnail (relative to OUT); `order` gives each
    (selection, quote id) its place in its selection file (see `selection_order`).
    """
    by_id = keyed(records)
    by_platform = {pid: i for i, pid in enumerate(platforms)}
    groups: dict[tuple[str, str], list[CardId]] = {}
    for card in by_id:
        groups.setdefault((card[0], card[1]), []).append(card)
    places = order or {}

    def place(key: tuple[str, str]) -> tuple[str, int, str]:
        # Selections by name, quotes by their place in the file; unknown ones after, by id
        # (not as met: records come in no fixed order, and equal runs give equal pages).
        return (key[0], places.get(key, len(places)), key[1])

    def by_rank(pid: str) -> tuple[int, str]:
        return (by_platform.get(pid, len(by_platform)), pid)

    plan = [
        sorted(groups[key], key=lambda card: by_rank(card[2])) for key in sorted(groups, key=place)
    ]
    del groups
    on_page = {card[2] for card in by_id}
    return GalleryView(
        generator=f"cardgen {__version__}",
        quotes=_Quotes(plan, by_id, platforms, thumbs or {}),
        platforms=tuple(
            (pid, _platform_name(pid, platforms)) for pid in sorted(on_page, key=by_rank)
        ),
        layouts=tuple(sorted({str(by_id[card]["layout"]) for card in by_id})),
        card_count=len(by_id),
    )


class _Quotes(LazySequence[QuoteView]):
    """The page's quotes, each made from its cards' records when the page reaches it."""

    def __init__(
        self,
        plan: list[list[CardId]],
        records: Mapping[CardId, CardRecord],
        platforms: Mapping[str, Platform],
        thumbs: Mapping[str, str],
    ) -> None:
        self.plan = plan  # each quote's card ids, in the page's order
        self.records = records
        self.platforms = platforms
        self.thumbs = thumbs

    def __len__(self) -> int:
        return len(self.plan)

    def item(self, index: int) -> QuoteView:
        cards = [self.records[card] for card in self.plan[index]]
        return _quote(index, cards, self.platforms, self.thumbs)


def _quote(
    index: int,
    cards: list[CardRecord],
    platforms: Mapping[str, Platform],
    thumbs: Mapping[str, str],
) -> QuoteView:
    first = cards[0]
    quote_id = str(first["quote_id"])
    source = first.get("source") or {}
    attribution = first.get("attribution")
    shown = display_selection(str(first["selection"]))
    return QuoteView(
        key=f"q{index}",
        selection=shown,
        quote_id=quote_id,
        text=first["text"],
        attribution=attribution,
        title=source.get("title"),
        url=_safe_url(source.get("url")),
        cards=tuple(
            _card(f"q{index}-{n}", r, platforms.get(r["platform"]), thumbs)
            for n, r in enumerate(cards)
        ),
        search=" ".join(
            str(part) for part in (first["text"], attribution or "", quote_id, shown)
        ).lower(),
    )


def display_selection(selection: str) -> str:
    """A selection path as the page shows it: relative paths as they are, an absolute one
    (a selection outside the project) by its file name only, since the page is shared."""
    if selection.startswith("/") or PureWindowsPath(selection).is_absolute():
        return PurePosixPath(selection.replace("\\", "/")).name
    return selection


def selection_order(out: Path, selections: Iterable[str]) -> dict[tuple[str, str], int]:
    """Each quote's place in its selection file, read from the file (found as given, or
    relative to the working folder or OUT's parent); a file that cannot be read adds none."""
    import yaml

    from cardgen.inputs import read_input
    from cardgen.limits import MAX_YAML_BYTES

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    places: dict[tuple[str, str], int] = {}
    for selection in set(selections):
        given = Path(selection)
        candidates = [given] if given.is_absolute() else [Path.cwd() / given, out.parent / given]
        for candidate in candidates:
            try:
                raw = read_input(candidate, what="selection", shown=selection, limit=MAX_YAML_BYTES)
                data = yaml.load(raw.decode("utf-8"), Loader=loader)
                quotes = data["quotes"]
                ids = [q["id"] for q in quotes if isinstance(q, dict) and "id" in q]
            except (InputError, ValueError, yaml.YAMLError, KeyError, TypeError):
                continue
            for n, quote_id in enumerate(ids):
                places.setdefault((selection, str(quote_id)), n)
            break
    return places


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("cardgen.review", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def prepare() -> jinja2.Template:
    """Jinja and the page's template, loaded (once a process; a template edited on disk is
    read again): a batch does it while its workers draw, not after the last card."""
    return _environment().get_template("gallery.html.j2")


def render_gallery(
    records: CardRecords,
    platforms: Mapping[str, Platform],
    *,
    out: Path | None = None,
) -> str:
    """The page's HTML; every value from articles or YAML is escaped by the template.
    With `out`, quotes follow their selection files and existing thumbnails are used."""
    by_id = keyed(records)
    thumbs = _existing_thumbs(out, by_id) if out is not None else None
    order = selection_order(out, {card[0] for card in by_id}) if out is not None else None
    return gallery_page(by_id, platforms, thumbs=thumbs, order=order).decode("utf-8")


def gallery_page(
    records: CardRecords,
    platforms: Mapping[str, Platform],
    *,
    thumbs: Mapping[str, str] | None = None,
    order: Mapping[tuple[str, str], int] | None = None,
    carousels: Sequence[Mapping[str, object]] = (),
    carousel_thumbs: set[str] | None = None,
) -> bytes:
    """The page as UTF-8 (`gallery_pieces`, joined)."""
    pieces = gallery_pieces(
        records,
        platforms,
        thumbs=thumbs,
        order=order,
        carousels=carousels,
        carousel_thumbs=carousel_thumbs,
    )
    return b"".join(pieces)


def gallery_pieces(
    records: CardRecords,
    platforms: Mapping[str, Platform],
    *,
    thumbs: Mapping[str, str] | None = None,
    order: Mapping[tuple[str, str], int] | None = None,
    carousels: Sequence[Mapping[str, object]] = (),
    carousel_thumbs: set[str] | None = None,
) -> Iterator[bytes]:
    """The page as UTF-8, in pieces of about 64 kB as the template makes it (never whole
    in memory: ~3 kB a card). `carousels`: the manifest's carousel records, shown as strips
    (`carousel_thumbs`: those on disk)."""
    from markupsafe import Markup

    from cardgen.review.carousel_view import carousel_views

    script = asset("gallery.js")
    # Our own static assets, not user data: they go in verbatim.
    view = gallery_view(records, platforms, thumbs=thumbs, order=order)
    return utf8_pieces(
        prepare().generate(
            view=view,
            carousels=carousel_views(
                carousels, platforms, carousel_thumbs or set(), display_selection
            ),
            style=Markup(asset("gallery.css")),
            script=Markup(script),
            script_hash=_csp_hash(script),
        )
    )


def write_gallery(
    out: Path,
    records: CardRecords,
    platforms: Mapping[str, Platform],
    *,
    carousels: Sequence[Mapping[str, object]] = (),
    log: WriteLog | None = None,
) -> Path:
    """Make missing thumbnails, then write `OUT/index.html` atomically; returns its path.
    `records`: `CardRecord`s, or a mapping of them by card id (a run's spool, read back
    one card at a time).

    Rendering means importing Jinja and its template (~0.1-0.2 s), so a digest of
    everything the page is made of is kept beside it (`OUT/.cardgen/gallery.sha256`,
    with the page's own hash) and an unchanged page is left as it is.
    """
    from cardgen.batch.output import STATE_DIR, write_atomic
    from cardgen.review.carousel_view import carousel_thumbs
    from cardgen.review.thumbs import Thumbnails, ensure_thumbnails, prune_thumbnails

    by_id = keyed(records)
    thumbs = ensure_thumbnails(out, (by_id[card] for card in by_id), log=log)
    slides = {sha for sha in carousel_thumbs(carousels) if _has_thumb(out, sha)}
    prune_thumbnails(out, Thumbnails([*thumbs.digests, *map(bytes.fromhex, slides)]))
    order = selection_order(out, {card[0] for card in by_id})
    path = out / "index.html"
    stamp = out / STATE_DIR / GALLERY_STAMP
    # Carousels as cards, without their status (rendered, cached, kept): not on the page.
    shown = [{k: v for k, v in c.items() if k != "status"} for c in carousels]
    extra = [sorted(order.items()), shown, sorted(slides)]
    inputs = _inputs_digest(by_id, platforms, thumbs, extra)
    try:
        held_inputs, held_page = stamp.read_text(encoding="ascii").split()
        if held_inputs == inputs and _file_sha256(path) == held_page:
            return path
    except (OSError, ValueError):
        pass  # no stamp, a torn one or no page: render
    page = hashlib.sha256()

    def hashed(pieces: Iterable[bytes]) -> Iterator[bytes]:
        for piece in pieces:
            page.update(piece)
            yield piece

    pieces = gallery_pieces(
        by_id, platforms, thumbs=thumbs, order=order, carousels=carousels, carousel_thumbs=slides
    )
    write_atomic(path, hashed(pieces), log=log)
    # Only a shortcut: if it cannot be written, the next run renders the page again.
    with contextlib.suppress(InputError):
        digests = f"{inputs} {page.hexdigest()}\n"
        write_atomic(stamp, digests.encode("ascii"), log=log)
    return path


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _has_thumb(out: Path, sha: str) -> bool:
    from cardgen.review.thumbs import is_card_hash, thumb_path

    return is_card_hash(sha) and (out / thumb_path(sha)).is_file()


GALLERY_STAMP = "gallery.sha256"
PAGE_ASSETS = ("gallery.html.j2", "gallery.css", "gallery.js")


def _inputs_digest(
    records: Mapping[CardId, CardRecord],
    platforms: Mapping[str, Platform],
    thumbs: Container[str],
    extra: list[object],
) -> str:
    """What the page is made of: cardgen's version and this module, the templates,
    the records (with whether each has a thumbnail), the platforms (their order and
    limits), quote order and carousels."""
    digest = hashlib.sha256()

    def parts() -> Iterator[object]:
        yield __version__
        # Record by record, as read: one JSON text of a whole batch would be megabytes.
        for card in in_order(records):
            # Not a card's status (rendered, cached, kept): the page does not show it, so
            # a rerun that only changes statuses leaves the page as it is.
            yield {k: v for k, v in card.items() if k != "status"}
            yield card.get("sha256") in thumbs
        yield [[pid, dataclasses.asdict(p)] for pid, p in platforms.items()]
        yield from extra

    for part in parts():
        digest.update(json.dumps(part, sort_keys=True, default=str, ensure_ascii=False).encode())
        digest.update(b"\n")  # JSON text holds no raw newline: parts cannot run together
    digest.update(Path(__file__).read_bytes())
    for name in PAGE_ASSETS:
        digest.update(asset(name).encode("utf-8"))
    return digest.hexdigest()


def write_gallery_from_manifest(out: Path, platforms: Mapping[str, Platform]) -> Path:
    """Rebuild `OUT/index.html` (and missing thumbnails) from `OUT/manifest.json`
    (e.g. after editing a template): its cards are read into a spool on disk one at a
    time, never the whole manifest in memory."""
    from cardgen.batch.output import spooled_manifest, write_atomic
    from cardgen.review.carousel_view import carousel_thumbs
    from cardgen.review.thumbs import ensure_thumbnails

    manifest = out / "manifest.json"
    if not manifest.exists() and not manifest.is_symlink():
        raise InputError(f"no manifest in {out}", hint="run `cardgen render` first, or pass --out")
    spool: RecordSpool | None = None
    try:
        # A FIFO or device in its place is refused, never waited on or read without end.
        carousels: list[JsonObject] = []
        spool = spooled_manifest(manifest, carousels)
        thumbs = ensure_thumbnails(out, (spool[card] for card in spool))
        order = selection_order(out, {card[0] for card in spool})
        slides = {sha for sha in carousel_thumbs(carousels) if _has_thumb(out, sha)}
        pieces = gallery_pieces(
            spool,
            platforms,
            thumbs=thumbs,
            order=order,
            carousels=carousels,
            carousel_thumbs=slides,
        )
        path = out / "index.html"
        write_atomic(path, pieces)
    except FileNotFoundError:
        raise InputError(
            f"no manifest in {out}", hint="run `cardgen render` first, or pass --out"
        ) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(
            f"{manifest} is not a cardgen manifest ({type(exc).__name__}: {exc})",
            hint="render again to rewrite it",
        ) from None
    finally:
        if spool is not None:
            spool.file.close()
    return path


def _existing_thumbs(out: Path, records: Mapping[CardId, CardRecord]) -> Thumbnails:
    """Thumbnails already on disk for these cards (the server builds no new ones)."""
    from cardgen.review.thumbs import present_thumbnails

    return present_thumbnails(out)


def _card(
    key: str, record: CardRecord, platform: Platform | None, thumbs: Mapping[str, str]
) -> CardView:
    caption_text = record.get("caption") or ""
    alt = record.get("alt_text") or ""
    caption = Counted(
        caption_text,
        count(caption_text, platform) if platform else len(caption_text),
        platform.caption_limit if platform else None,
    )
    alt_text = Counted(alt, len(alt), platform.alt_limit if platform else None)
    warnings = [_warning_text(w) for w in record.get("warnings") or ()]
    for label, counted in (("caption", caption), ("alt text", alt_text)):
        if counted.state == "near":
            warnings.append(f"{label} is near the limit: {counted.count:,} of {counted.limit:,}")
        elif counted.state == "over":
            warnings.append(f"{label} is over the limit: {counted.count:,} of {counted.limit:,}")
    size = record.get("bytes")
    if platform and isinstance(size, int):
        file_size = Counted("", size, platform.file_limit)
        if file_size.state != "ok":
            where = "near" if file_size.state == "near" else "over"
            warnings.append(
                f"file is {where} the {platform.name} limit: "
                f"{size / 1e6:.2f} MB of {platform.file_limit / 1e6:g} MB"
            )
    path = url_quote(str(record["path"]))
    sha = str(record.get("sha256") or "")
    return CardView(
        key=key,
        path=path,
        thumb=url_quote(thumbs[sha]) if sha in thumbs else path,
        sha256=sha,
        quote_id=str(record["quote_id"]),
        platform_id=record["platform"],
        platform_name=platform.name if platform else record["platform"],
        layout=record["layout"],
        brand=record.get("brand") or "",
        width=int(record["width"]),
        height=int(record["height"]),
        format=record.get("format") or "",
        bytes=record.get("bytes"),
        caption=caption,
        alt_text=alt_text,
        warnings=tuple(warnings),
    )


def _warning_text(warning: object) -> str:
    """Warnings may be plain strings or dicts with a `message` (and maybe a `kind`)."""
    if isinstance(warning, Mapping):
        message = str(warning.get("message") or json.dumps(warning, sort_keys=True))
        kind = warning.get("kind") or warning.get("type")
        return f"{kind}: {message}" if kind else message
    return str(warning)


def _safe_url(url: object) -> str | None:
    """Only http(s) links become links; anything else (javascript:, data:) is not one."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return url
    return None


def _platform_name(pid: str, platforms: Mapping[str, Platform]) -> str:
    return platforms[pid].name if pid in platforms else pid


def asset(name: str) -> str:
    """One of the page's own static files in `templates/` (not user data)."""
    return (resources.files("cardgen.review") / "templates" / name).read_text(encoding="utf-8")


def script_csp_source() -> str:
    """The CSP source allowing the page's inline script (for the server's CSP header)."""
    return _csp_hash(asset("gallery.js"))


def _csp_hash(script: str) -> str:
    """The Content-Security-Policy source that allows exactly this inline script."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")
