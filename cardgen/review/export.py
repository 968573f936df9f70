"""`cardgen export`: the approved cards as a scheduler's bulk-upload file.

Approved means approved in `OUT/review.json` for the card's current content
(its sha256): a card re-rendered since is not approved any more. Captions
edited in the review page replace the rendered ones. `--slots` spreads the
posts over the coming week(s): one slot per quote, every approved platform
card of a quote at that quote's slot. The column formats and their sources
are in the README ("Exporting to a scheduler").
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
from typing import Any
from urllib.parse import quote as url_quote
from urllib.parse import urlsplit

from cardgen.errors import InputError
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

    record: Mapping[str, Any]
    caption: str
    image: str  # a URL with --base-url, else the card's path relative to OUT
    when: dt.datetime | None


@dataclass(frozen=True)
class ExportReport:
    path: Path
    posts: int
    quotes: int
    gone: int  # decisions for cards no longer in the manifest (left in review.json)
    first: dt.datetime | None
    last: dt.datetime | None


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
) -> tuple[list[tuple[tuple[str, str], Mapping[str, Any], str, str]], int]:
    """[((selection, quote id), record, caption, image)] of the approved cards, quotes in
    their selections' order and platforms in each quote's order; and the count of
    decisions for cards that are gone."""
    from cardgen.review.gallery import selection_order

    manifest = out / "manifest.json"
    try:
        records = json.loads(read_manifest_bytes(manifest))["cards"]
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
) -> ExportReport:
    """Write the approved cards of OUT as `fmt`'s bulk-upload file at `dest` (atomically)."""
    from cardgen.batch.output import write_atomic

    if fmt not in FORMATS:
        raise InputError(f"--to {fmt!r} is not a format", hint=f"use {', '.join(FORMATS)}")
    check_base_url(base_url)
    tz = timezone(zone)
    parsed = parse_slots(slots) if slots is not None else None
    if fmt == "hootsuite":
        if parsed is None:
            raise InputError("--to hootsuite needs --slots: Hootsuite's bulk file has a date")
        odd = [s for s in parsed if s.time.minute % 5]
        if odd:
            raise InputError(
                f"--slots: Hootsuite schedules on minutes ending in 0 or 5, not {odd[0].time:%H:%M}"
            )
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
        start = (now or dt.datetime.now(tz)).astimezone(tz)
        when = dict(zip(quotes, slot_times(parsed, len(quotes), start), strict=True))
    posts = [Post(record, caption, image, when[key]) for key, record, caption, image in rows]
    data = WRITERS[fmt](posts)
    if dest.is_dir():
        raise InputError(f"--out {dest} is a folder", hint="name the file to write")
    write_atomic(dest, data)
    times = [p.when for p in posts if p.when is not None]
    return ExportReport(
        dest, len(posts), len(quotes), gone, min(times, default=None), max(times, default=None)
    )


def _csv(header: Sequence[str] | None, rows: Sequence[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def buffer_csv(posts: Sequence[Post]) -> bytes:
    """Buffer's bulk upload: Text, Image URL, Tags, Posting Time (YYYY-MM-DD HH:mm)."""
    return _csv(
        ("Text", "Image URL", "Tags", "Posting Time"),
        [(p.caption, p.image, "", _format(p.when, "%Y-%m-%d %H:%M")) for p in posts],
    )


def hootsuite_csv(posts: Sequence[Post]) -> bytes:
    """Hootsuite's bulk composer: no header; date and time (DD/MM/YYYY HH:mm, 24-hour),
    the post text, then a link (the card's URL)."""
    return _csv(None, [(_format(p.when, "%d/%m/%Y %H:%M"), p.caption, p.image) for p in posts])


def later_csv(posts: Sequence[Post]) -> bytes:
    """Later: date, time, caption, media URL, alt text and the card's platform."""
    return _csv(
        ("Date", "Time", "Caption", "Media URL", "Alt Text", "Platform"),
        [
            (
                _format(p.when, "%Y-%m-%d"),
                _format(p.when, "%H:%M"),
                p.caption,
                p.image,
                str(p.record.get("alt_text") or ""),
                str(p.record["platform"]),
            )
            for p in posts
        ],
    )


def plain_csv(posts: Sequence[Post]) -> bytes:
    """cardgen's own: every fact a scheduler or a script may want, times in ISO 8601."""
    return _csv(
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
        [
            (
                _format(p.when, None),
                str(p.record["platform"]),
                p.image,
                p.caption,
                str(p.record.get("alt_text") or ""),
                str(p.record["quote_id"]),
                str(p.record["selection"]),
                str(p.record["sha256"]),
            )
            for p in posts
        ],
    )


def _format(when: dt.datetime | None, pattern: str | None) -> str:
    if when is None:
        return ""
    return when.isoformat() if pattern is None else when.strftime(pattern)


WRITERS = {"buffer": buffer_csv, "hootsuite": hootsuite_csv, "later": later_csv, "csv": plain_csv}
