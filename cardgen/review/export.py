"""`cardgen export`: the approved cards as a scheduler's bulk-upload file.

Approved means approved in `OUT/review.json` for the card's current content
(its sha256): a card re-rendered since is not approved any more. Captions
edited in the review page replace the rendered ones. `--slots` spreads the
posts over the coming week(s): one slot per quote, every approved platform
card of a quote at that quote's slot. The formats, their limits and their
sources are on the Scheduler constants below and in the README ("Exporting to
a scheduler").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote as url_quote
from urllib.parse import urlsplit

from cardgen.errors import InputError
from cardgen.plaindata import JsonObject
from cardgen.review import decisions
from cardgen.review.decisions import read_manifest_bytes

FORMATS = ("buffer", "hootsuite", "later", "csv")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SLOT = re.compile(r"^\s*([A-Za-z]+)\s+(\d{1,2}):(\d{2})\s*$")
MAX_WEEKS = 520  # slots for ten years of posts: anything more is a mistake


@dataclass(frozen=True)
class Slot:
    """A weekly posting time: weekday (0 = Monday) and time of day."""

    weekday: int
    time: dt.time


@dataclass(frozen=True)
class Post:
    """One approved card to post: its record, the caption to use, when, and the image."""

    record: JsonObject  # the card's record in the manifest, as read back
    caption: str
    image: str  # a URL with --base-url, else the card's path relative to OUT
    when: dt.datetime | None


@dataclass(frozen=True)
class ExportReport:
    paths: list[Path]  # the files (or, for Later, the folder) written
    posts: int
    quotes: int
    gone: int  # decisions for cards no longer in the manifest (left in review.json)
    first: dt.datetime | None
    last: dt.datetime | None

    @property
    def path(self) -> Path:
        return self.paths[0]


@dataclass(frozen=True)
class Scheduler:
    """What one scheduler's bulk upload takes (sources in the README's "Exporting to a
    scheduler" table): its header row (None: none), the most rows one upload accepts,
    and whether one file serves one social account only (the account is picked in the
    upload dialog, so an X card and an Instagram card cannot share a file)."""

    header: tuple[str, ...] | None
    max_rows: int | None
    per_account: bool


# Buffer: "How to upload posts in bulk to Buffer" (support.buffer.com, article 926): a
# case-sensitive template per channel, Text or Image URL required, Tags optional (tags
# must exist in Buffer already), Posting Time `YYYY-MM-DD HH:mm` in the channel's own
# time zone; up to 100 posts per channel per upload on paid plans (10 on the free plan).
BUFFER = Scheduler(("Text", "Image URL", "Tags", "Posting Time"), 100, per_account=True)
# Hootsuite's bulk composer: no header, three columns (date and time, message, optional
# link), the date order picked in the upload dialog (month first by default), 24-hour
# times on minutes ending in 0 or 5 and at least 10 minutes ahead, up to 350 posts per
# upload, every row going to the social accounts picked in the dialog. It takes no
# image column: media are attached in Hootsuite's review step after the upload.
HOOTSUITE = Scheduler(None, 350, per_account=True)
CARDGEN_CSV = Scheduler(
    (
        "scheduled_at",
        "platform",
        "image",
        "caption",
        "alt_text",
        "quote_id",
        "selection",
        "sha256",
    ),
    None,
    per_account=False,
)
# Later has no CSV import (its help centre documents bulk upload of media into the Media
# Library, whose notes become a post's caption when the media is scheduled): cardgen
# writes a folder of the images in posting order, a caption file beside each, and this
# checklist of what goes where and when.
LATER_CHECKLIST = (
    "order",
    "file",
    "date",
    "time",
    "platform",
    "caption",
    "alt_text",
    "quote_id",
)
HOOTSUITE_LEAD = dt.timedelta(minutes=10)


def parse_slots(text: str) -> list[Slot]:
    """`"Mon 09:00, Wed 12:00, Fri 17:00"` -> slots sorted through the week (exit 2 on
    anything else: an unknown day, a time out of range, a repeat)."""
    slots: list[Slot] = []
    for part in text.split(","):
        match = _SLOT.match(part)
        if not match:
            raise InputError(
                f"--slots: {part.strip()!r} is not a day and a time",
                hint='write e.g. "Mon 09:00, Wed 12:00, Fri 17:00" (24-hour clock)',
            )
        name, hour, minute = match.group(1).lower(), int(match.group(2)), int(match.group(3))
        day = next((i for i, d in enumerate(DAYS) if name[:3] == d and _is_day(name, d)), None)
        if day is None:
            raise InputError(
                f"--slots: {match.group(1)!r} is not a day of the week",
                hint="use Mon, Tue, Wed, Thu, Fri, Sat or Sun",
            )
        if hour > 23 or minute > 59:
            raise InputError(f"--slots: {hour:02d}:{minute:02d} is not a time of day")
        slot = Slot(day, dt.time(hour, minute))
        if slot in slots:
            raise InputError(f"--slots: {part.strip()!r} is given twice")
        slots.append(slot)
    return sorted(slots, key=lambda s: (s.weekday, s.time))


def _is_day(name: str, short: str) -> bool:
    full = {
        "mon": "monday",
        "tue": "tuesday",
        "wed": "wednesday",
        "thu": "thursday",
        "fri": "friday",
        "sat": "saturday",
        "sun": "sunday",
    }[short]
    return name in (short, full) or (full.startswith(name) and len(name) >= 3)


def timezone(name: str | None) -> dt.tzinfo:
    """A zoneinfo time zone by IANA name (the machine's own zone when None)."""
    if name is None:
        local = dt.datetime.now().astimezone().tzinfo
        return local if local is not None else dt.UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"--timezone {name!r} is not a time zone", hint="use an IANA name like Europe/Paris"
        ) from None


def slot_times(slots: Sequence[Slot], count: int, after: dt.datetime) -> list[dt.datetime]:
    """The next `count` slot times strictly after `after` (aware), week after week."""
    if not slots:
        raise InputError("--slots names no slot")
    if count > len(slots) * MAX_WEEKS:
        raise InputError(f"{count} posts need more than {MAX_WEEKS} weeks of these slots")
    zone = after.tzinfo
    times: list[dt.datetime] = []
    monday = after.date() - dt.timedelta(days=after.weekday())
    week = 0
    while len(times) < count:
        for slot in slots:
            day = monday + dt.timedelta(days=7 * week + slot.weekday)
            when = dt.datetime.combine(day, slot.time, tzinfo=zone)
            if when > after and len(times) < count:
                times.append(when)
        week += 1
    return times


def approved_posts(
    out: Path, *, base_url: str | None = None
) -> tuple[list[tuple[tuple[str, str], JsonObject, str, str]], int]:
    """[((selection, quote id), record, caption, image)] of the approved cards, quotes in
    their selections' order and platforms in each quote's order; and the count of
    decisions for cards that are gone."""
    from cardgen.review.gallery import selection_order

    manifest = out / "manifest.json"
    try:
        records: list[JsonObject] = json.loads(read_manifest_bytes(manifest))["cards"]
        by_hash = {str(r["sha256"]): r for r in records}
    except FileNotFoundError:
        raise InputError(f"no manifest in {out}", hint="run `cardgen render` first") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{manifest} is not a cardgen manifest ({exc})") from None
    held = decisions.load(out)
    gone = sum(1 for sha in held if sha not in by_hash)
    order = selection_order(out, (str(r["selection"]) for r in records))
    chosen = [
        r for sha, r in by_hash.items() if held.get(sha, decisions.Decision()).status == "approved"
    ]
    chosen.sort(
        key=lambda r: (
            str(r["selection"]),
            order.get((str(r["selection"]), str(r["quote_id"])), len(order)),
            str(r["quote_id"]),
            str(r["platform"]),
        )
    )
    posts = []
    for record in chosen:
        decision = held[str(record["sha256"])]
        caption = decision.caption if decision.caption is not None else str(record["caption"])
        image = _image(str(record["path"]), base_url)
        posts.append(((str(record["selection"]), str(record["quote_id"])), record, caption, image))
    return posts, gone


def _image(path: str, base_url: str | None) -> str:
    if base_url is None:
        return path
    return base_url.rstrip("/") + "/" + url_quote(path)


def check_base_url(base_url: str | None) -> None:
    if base_url is None:
        return
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(
            f"--base-url {base_url!r} is not an http(s) URL",
            hint="the address where OUT is published, e.g. https://cdn.example.com/cards",
        )


def export(
    out: Path,
    fmt: str,
    dest: Path,
    *,
    base_url: str | None = None,
    slots: str | None = None,
    zone: str | None = None,
    now: dt.datetime | None = None,
    day_first: bool = False,
) -> ExportReport:
    """Write the approved cards of OUT as `fmt`'s bulk upload at `dest`, atomically.

    Buffer and Hootsuite take one social account per upload: approved cards of several
    platforms give one file per platform (`DEST-STEM-<platform>.csv`), and more rows than
    one upload takes are split into numbered parts. Later: `dest` is a new folder."""
    if fmt not in FORMATS:
        raise InputError(f"--to {fmt!r} is not a format", hint=f"use {', '.join(FORMATS)}")
    check_base_url(base_url)
    if fmt == "buffer" and base_url is None:
        raise InputError(
            "--to buffer needs --base-url: Buffer fetches each image from a public URL",
            hint="publish OUT (e.g. to a CDN) and pass its address",
        )
    if day_first and fmt != "hootsuite":
        raise InputError("--day-first is for --to hootsuite only (its upload dialog's order)")
    tz = timezone(zone)
    parsed = parse_slots(slots) if slots is not None else None
    start = (now or dt.datetime.now(tz)).astimezone(tz)
    if fmt == "hootsuite":
        if parsed is None:
            raise InputError("--to hootsuite needs --slots: Hootsuite's bulk file has a date")
        odd = [s for s in parsed if s.time.minute % 5]
        if odd:
            raise InputError(
                f"--slots: Hootsuite schedules on minutes ending in 0 or 5, not {odd[0].time:%H:%M}"
            )
        start += HOOTSUITE_LEAD  # it refuses posts less than 10 minutes ahead of the upload
    if dest.is_dir() and fmt != "later":
        raise InputError(f"--out {dest} is a folder", hint="name the file to write")
    rows, gone = approved_posts(out, base_url=base_url)
    if not rows:
        note = f" ({gone} decisions are for cards no longer in the manifest)" if gone else ""
        raise InputError(
            f"no approved cards in {out}{note}",
            hint="approve cards in `cardgen serve` first; nothing was written",
        )
    quotes = list(dict.fromkeys(key for key, *_ in rows))
    when: dict[tuple[str, str], dt.datetime | None] = dict.fromkeys(quotes)
    if parsed is not None:
        when = dict(zip(quotes, slot_times(parsed, len(quotes), start), strict=True))
    posts = [Post(record, caption, image, when[key]) for key, record, caption, image in rows]
    if fmt == "later":
        paths = [write_later_folder(out, posts, dest)]
    else:
        files = bulk_files(fmt, posts, dest, day_first=day_first)
        _write_all(files)
        paths = [path for path, _ in files]
    times = [p.when for p in posts if p.when is not None]
    return ExportReport(
        paths, len(posts), len(quotes), gone, min(times, default=None), max(times, default=None)
    )


def bulk_files(
    fmt: str, posts: Sequence[Post], dest: Path, *, day_first: bool = False
) -> list[tuple[Path, bytes]]:
    """[(path, CSV bytes)] of `fmt`'s upload: one file, or one per account and part."""
    scheduler = {"buffer": BUFFER, "hootsuite": HOOTSUITE, "csv": CARDGEN_CSV}[fmt]
    groups: dict[str, list[Post]] = {}
    for post in posts:
        account = str(post.record["platform"]) if scheduler.per_account else ""
        groups.setdefault(account, []).append(post)
    parts: list[tuple[str, int, list[Post]]] = []
    for account, group in groups.items():
        size = scheduler.max_rows or len(group)
        chunks = [group[i : i + size] for i in range(0, len(group), size)]
        parts += [(account, n + 1 if len(chunks) > 1 else 0, c) for n, c in enumerate(chunks)]
    files = []
    for account, number, chunk in parts:
        path = dest
        if len(parts) > 1:
            named = account if len(groups) > 1 else ""
            tail = "".join(f"-{bit}" for bit in (named, number or "") if bit)
            path = dest.with_name(f"{dest.stem}{tail}{dest.suffix}")
        if fmt == "buffer":
            data = _csv(scheduler.header, [_buffer_row(p) for p in chunk])
        elif fmt == "hootsuite":
            data = _csv(None, [_hootsuite_row(p, day_first) for p in chunk])
        else:
            data = _csv(scheduler.header, [_cardgen_row(p) for p in chunk])
        files.append((path, data))
    return files


def _write_all(files: Sequence[tuple[Path, bytes]]) -> None:
    from cardgen.batch.output import write_atomic

    for path, _ in files:
        if path.is_dir():
            raise InputError(f"--out {path} is a folder", hint="name the file to write")
    for path, data in files:
        write_atomic(path, data)


def _csv(header: Sequence[str] | None, rows: Sequence[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _buffer_row(p: Post) -> tuple[str, ...]:
    """Text, Image URL, Tags (left empty: Buffer's tags must exist already), Posting Time."""
    return (p.caption, p.image, "", _format(p.when, "%Y-%m-%d %H:%M"))


def _hootsuite_row(p: Post, day_first: bool) -> tuple[str, ...]:
    """Date and time, message, link: the article the quote is from, when it has a URL."""
    pattern = "%d/%m/%Y %H:%M" if day_first else "%m/%d/%Y %H:%M"
    source = p.record.get("source")
    link = str(source.get("url") or "") if isinstance(source, Mapping) else ""
    return (_format(p.when, pattern), p.caption, link)


def _cardgen_row(p: Post) -> tuple[str, ...]:
    """cardgen's own: every fact a scheduler or a script may want, times in ISO 8601."""
    return (
        _format(p.when, None),
        str(p.record["platform"]),
        p.image,
        p.caption,
        str(p.record.get("alt_text") or ""),
        str(p.record["quote_id"]),
        str(p.record["selection"]),
        str(p.record["sha256"]),
    )


def write_later_folder(out: Path, posts: Sequence[Post], dest: Path) -> Path:
    """Later: a new folder with the cards in posting order (`001-<quote>-<platform>.png`),
    each caption beside its image as `.txt`, and `posts.csv` (LATER_CHECKLIST). Built in a
    temporary folder beside `dest`, then renamed into place: whole or not at all."""
    import shutil
    import tempfile

    from cardgen.batch.output import write_inside
    from cardgen.inputs import read_input
    from cardgen.limits import MAX_IMAGE_BYTES

    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise InputError(
            f"--out {dest} already exists",
            hint="Later takes a folder of images: name a new (or empty) folder",
        )
    root = out.resolve()
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        rows = []
        for order, post in enumerate(posts, 1):
            rel = str(post.record["path"])
            card = (out / rel).resolve()
            if not card.is_relative_to(root):
                raise InputError(f"{rel} is outside {out}", file=str(out / "manifest.json"))
            data = read_input(card, what="card", shown=rel, limit=MAX_IMAGE_BYTES)
            stem = f"{order:03d}-{post.record['quote_id']}-{post.record['platform']}"
            name = f"{stem}{card.suffix}"
            write_inside(work, name, data)
            write_inside(work, f"{stem}.txt", (post.caption + "\n").encode("utf-8"))
            rows.append(
                (
                    str(order),
                    name,
                    _format(post.when, "%Y-%m-%d"),
                    _format(post.when, "%H:%M"),
                    str(post.record["platform"]),
                    post.caption,
                    str(post.record.get("alt_text") or ""),
                    str(post.record["quote_id"]),
                )
            )
        write_inside(work, "posts.csv", _csv(LATER_CHECKLIST, rows))
        work.replace(dest)  # an empty folder at dest is replaced, never a full one
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return dest


def _format(when: dt.datetime | None, pattern: str | None) -> str:
    if when is None:
        return ""
    return when.isoformat() if pattern is None else when.strftime(pattern)
