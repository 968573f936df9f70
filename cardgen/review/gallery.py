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
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote as url_quote

from cardgen import __version__
from cardgen.batch.captions import count
from cardgen.design.platforms import Platform
from cardgen.errors import InputError

if TYPE_CHECKING:
    import jinja2

    from cardgen.batch.output import WriteLog

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
    quotes: tuple[QuoteView, ...]
    platforms: tuple[tuple[str, str], ...]  # (id, name) of the platforms on the page
    layouts: tuple[str, ...]
    card_count: int


def gallery_view(
    records: Sequence[Mapping[str, Any]],
    platforms: Mapping[str, Platform],
    *,
    thumbs: Mapping[str, str] | None = None,
    order: Mapping[tuple[str, str], int] | None = None,
) -> GalleryView:
    """Group the run's cards by quote (in the selections' order), then platform.

    `thumbs` maps a card's sha256 to its thumbnail (relative to OUT); `order` gives each
    (selection, quote id) its place in its selection file (see `selection_order`).
    """
    by_platform = {pid: i for i, pid in enumerate(platforms)}
    thumbs = thumbs or {}
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for record in records:
        groups.setdefault((record["selection"], record["quote_id"]), []).append(record)
    places = order or {}

    def place(key: tuple[str, str]) -> tuple[str, int, str]:
        # Selections by name, quotes by their place in the file; unknown ones after, by id
        # (not as met: records come in no fixed order, and equal runs give equal pages).
        return (key[0], places.get(key, len(places)), key[1])

    quotes = []
    for index, key in enumerate(sorted(groups, key=place)):
        selection, quote_id = key
        cards = sorted(
            groups[key],
            key=lambda r: (by_platform.get(r["platform"], len(by_platform)), r["platform"]),
        )
        first = cards[0]
        source = first.get("source") or {}
        attribution = first.get("attribution")
        shown = display_selection(selection)
        quotes.append(
            QuoteView(
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
        )
    on_page = {r["platform"] for r in records}
    page_platforms = sorted(on_page, key=lambda pid: (by_platform.get(pid, len(by_platform)), pid))
    return GalleryView(
        generator=f"cardgen {__version__}",
        quotes=tuple(quotes),
        platforms=tuple((pid, _platform_name(pid, platforms)) for pid in page_platforms),
        layouts=tuple(sorted({r["layout"] for r in records})),
        card_count=len(records),
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
    records: Sequence[Mapping[str, Any]],
    platforms: Mapping[str, Platform],
    *,
    out: Path | None = None,
) -> str:
    """The page's HTML; every value from articles or YAML is escaped by the template.
    With `out`, quotes follow their selection files and existing thumbnails are used."""
    thumbs = _existing_thumbs(out, records) if out is not None else None
    order = selection_order(out, (r["selection"] for r in records)) if out is not None else None
    return gallery_page(records, platforms, thumbs=thumbs, order=order).decode("utf-8")


def gallery_page(
    records: Sequence[Mapping[str, Any]],
    platforms: Mapping[str, Platform],
    *,
    thumbs: Mapping[str, str] | None = None,
    order: Mapping[tuple[str, str], int] | None = None,
    carousels: Sequence[Mapping[str, Any]] = (),
    carousel_thumbs: set[str] | None = None,
) -> bytes:
    """The page as UTF-8, encoded piece by piece as the template makes it. `carousels`:
    the manifest's carousel records, shown as strips (`carousel_thumbs`: those on disk)."""
    from markupsafe import Markup

    from cardgen.review.carousel_view import carousel_views

    script = asset("gallery.js")
    # Our own static assets, not user data: they go in verbatim.
    # Streamed: the whole page as one str (2-4 bytes a character) and a list of its pieces
    # were ~15 MB at once for a 1000-card batch.
    page = io.BytesIO()
    for piece in prepare().generate(
        view=gallery_view(records, platforms, thumbs=thumbs, order=order),
        carousels=carousel_views(carousels, platforms, carousel_thumbs or set(), display_selection),
        style=Markup(asset("gallery.css")),
        script=Markup(script),
        script_hash=_csp_hash(script),
    ):
        page.write(piece.encode("utf-8"))
    return page.getvalue()


def write_gallery(
    out: Path,
    records: Sequence[Mapping[str, Any]],
    platforms: Mapping[str, Platform],
    *,
    carousels: Sequence[Mapping[str, Any]] = (),
    log: WriteLog | None = None,
) -> Path:
    """Make missing thumbnails, then write `OUT/index.html` atomically; returns its path.

    Rendering means importing Jinja and its template (~0.1-0.2 s), so a digest of
    everything the page is made of is kept beside it (`OUT/.cardgen/gallery.sha256`,
    with the page's own hash) and an unchanged page is left as it is.
    """
    from cardgen.batch.output import STATE_DIR, write_atomic
    from cardgen.review.carousel_view import carousel_thumbs
    from cardgen.review.thumbs import ensure_thumbnails, prune_thumbnails

    thumbs = ensure_thumbnails(out, records, log=log)
    slides = {sha for sha in carousel_thumbs(carousels) if _has_thumb(out, sha)}
    prune_thumbnails(out, [*thumbs, *slides])
    order = selection_order(out, (r["selection"] for r in records))
    path = out / "index.html"
    stamp = out / STATE_DIR / GALLERY_STAMP
    extra = [sorted(thumbs.items()), sorted(order.items()), list(carousels), sorted(slides)]
    inputs = _inputs_digest(records, platforms, extra)
    try:
        held_inputs, held_page = stamp.read_text(encoding="ascii").split()
        if held_inputs == inputs and hashlib.sha256(path.read_bytes()).hexdigest() == held_page:
            return path
    except (OSError, ValueError):
        pass  # no stamp, a torn one or no page: render
    data = gallery_page(
        records, platforms, thumbs=thumbs, order=order, carousels=carousels, carousel_thumbs=slides
    )
    write_atomic(path, data, log=log)
    # Only a shortcut: if it cannot be written, the next run renders the page again.
    with contextlib.suppress(InputError):
        digests = f"{inputs} {hashlib.sha256(data).hexdigest()}\n"
        write_atomic(stamp, digests.encode("ascii"), log=log)
    return path


def _has_thumb(out: Path, sha: str) -> bool:
    from cardgen.review.thumbs import is_card_hash, thumb_path

    return is_card_hash(sha) and (out / thumb_path(sha)).is_file()


GALLERY_STAMP = "gallery.sha256"
PAGE_ASSETS = ("gallery.html.j2", "gallery.css", "gallery.js")


def _inputs_digest(
    records: Sequence[Mapping[str, Any]], platforms: Mapping[str, Platform], extra: list[Any]
) -> str:
    """What the page is made of: cardgen's version and this module, the templates,
    the records, the platforms (their order and limits), thumbnails and quote order."""
    digest = hashlib.sha256()
    # Record by record: one JSON text of a whole batch would be megabytes held at once.
    parts: list[Any] = [
        __version__,
        # Not a card's status (rendered, cached, kept): the page does not show it, so a
        # rerun that only changes statuses leaves the page as it is.
        *({k: v for k, v in r.items() if k != "status"} for r in records),
        [[pid, dataclasses.asdict(p)] for pid, p in platforms.items()],
        *extra,
    ]
    for part in parts:
        digest.update(json.dumps(part, sort_keys=True, default=str, ensure_ascii=False).encode())
        digest.update(b"\n")  # JSON text holds no raw newline: parts cannot run together
    digest.update(Path(__file__).read_bytes())
    for name in PAGE_ASSETS:
        digest.update(asset(name).encode("utf-8"))
    return digest.hexdigest()


def write_gallery_from_manifest(out: Path, platforms: Mapping[str, Platform]) -> Path:
    """Rebuild `OUT/index.html` (and missing thumbnails) from `OUT/manifest.json`
    (e.g. after editing a template)."""
    from cardgen.batch.output import write_atomic
    from cardgen.inputs import read_input
    from cardgen.limits import MAX_STATE_FILE_BYTES
    from cardgen.review.carousel_view import carousel_thumbs
    from cardgen.review.thumbs import ensure_thumbnails

    manifest = out / "manifest.json"
    if not manifest.exists() and not manifest.is_symlink():
        raise InputError(f"no manifest in {out}", hint="run `cardgen render` first, or pass --out")
    try:
        # A FIFO or device in its place is refused, never waited on or read without end.
        limit = MAX_STATE_FILE_BYTES
        data = read_input(manifest, what="manifest", shown=str(manifest), limit=limit)
        body = json.loads(data.decode("utf-8"))
        records = body["cards"]
        carousels = [c for c in body.get("carousels", []) if isinstance(c, dict)]
        thumbs = ensure_thumbnails(out, records)
        order = selection_order(out, (r["selection"] for r in records))
        slides = {sha for sha in carousel_thumbs(carousels) if _has_thumb(out, sha)}
        page = gallery_page(
            records,
            platforms,
            thumbs=thumbs,
            order=order,
            carousels=carousels,
            carousel_thumbs=slides,
        )
    except FileNotFoundError:
        raise InputError(
            f"no manifest in {out}", hint="run `cardgen render` first, or pass --out"
        ) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(
            f"{manifest} is not a cardgen manifest ({type(exc).__name__}: {exc})",
            hint="render again to rewrite it",
        ) from None
    path = out / "index.html"
    write_atomic(path, page)
    return path


def _existing_thumbs(out: Path, records: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Thumbnails already on disk for these cards (the server builds no new ones)."""
    from cardgen.review.thumbs import is_card_hash, thumb_path

    found = {}
    for record in records:
        sha = record.get("sha256")
        if is_card_hash(sha) and (out / thumb_path(str(sha))).is_file():
            found[str(sha)] = thumb_path(str(sha))
    return found


def _card(
    key: str, record: Mapping[str, Any], platform: Platform | None, thumbs: Mapping[str, str]
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


def _warning_text(warning: Any) -> str:
    """Warnings may be plain strings or dicts with a `message` (and maybe a `kind`)."""
    if isinstance(warning, Mapping):
        message = str(warning.get("message") or json.dumps(warning, sort_keys=True))
        kind = warning.get("kind") or warning.get("type")
        return f"{kind}: {message}" if kind else message
    return str(warning)


def _safe_url(url: Any) -> str | None:
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
