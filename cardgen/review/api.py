"""The review API that `cardgen serve` adds under `/__cardgen/`: decisions, counts, zips.

Plain functions from a request handler and its query to a reply; the server
(`cardgen.review.serve`) checks the Host, the origin and the body first.
Counting is done here, with the CLI's own `cardgen.batch.captions.count`, so
the page's live count is the CLI's count.
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Callable, Mapping
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING

from cardgen.batch.captions import count
from cardgen.design.platforms import Platform
from cardgen.errors import InputError
from cardgen.plaindata import JsonObject
from cardgen.review import decisions
from cardgen.review.decisions import read_manifest_bytes
from cardgen.review.replies import BadRequest, Reply, contained_file, json_reply, text_reply

if TYPE_CHECKING:
    from cardgen.review.serve import GalleryHandler

DECISIONS_PATH = "/__cardgen/decisions"
DECISION_PATH = "/__cardgen/decision"
COUNT_PATH = "/__cardgen/count"
ZIP_PATH = "/__cardgen/zip"


class ManifestCards:
    """The manifest's cards by sha256, read again only when the manifest changes: one
    per server, so two servers (two output folders) never share what they read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[Path, tuple[tuple[int, int], dict[str, JsonObject]]] = {}

    def by_hash(self, out: Path) -> dict[str, JsonObject]:
        """The cards of `out`'s manifest by sha256, as read (a card's record, unchecked)."""
        manifest = out / "manifest.json"
        try:
            stat = manifest.stat()
        except FileNotFoundError:
            return {}
        key = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            held = self._held.get(out)
        if held and held[0] == key:
            return held[1]
        try:
            records = json.loads(read_manifest_bytes(manifest))["cards"]
            by_hash = {
                str(r["sha256"]): r for r in records if isinstance(r, dict) and "sha256" in r
            }
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{manifest} is not a cardgen manifest ({exc})") from None
        with self._lock:
            self._held[out] = (key, by_hash)
        return by_hash


def cards_by_hash(handler: GalleryHandler) -> dict[str, JsonObject]:
    """The cards of the manifest the handler's server serves, by sha256."""
    return handler.gallery.cards.by_hash(handler.out)


def counted(
    text: str, record: Mapping[str, object], platforms: Mapping[str, Platform]
) -> JsonObject:
    """A caption's count against its card's platform limit, the CLI's way."""
    platform = platforms.get(str(record.get("platform")))
    if platform is None:
        return {"count": len(text), "limit": None, "state": "ok"}
    n = count(text, platform)
    limit = platform.caption_limit
    state = "ok"
    if limit is not None and n > limit:
        state = "over"
    elif limit is not None and n >= 0.9 * limit:
        state = "near"
    return {"count": n, "limit": limit, "state": state}


def _decision_view(
    decision: decisions.Decision, record: Mapping[str, object], platforms: Mapping[str, Platform]
) -> JsonObject:
    caption = decision.caption if decision.caption is not None else str(record.get("caption") or "")
    return {
        "status": decision.status,
        "caption": caption,
        "edited": decision.caption is not None,
        **counted(caption, record, platforms),
    }


def get_decisions(handler: GalleryHandler, query: dict[str, list[str]]) -> Reply:

    records = cards_by_hash(handler)
    held = decisions.load(handler.out)
    cards = {
        sha: _decision_view(d, records[sha], handler.platforms)
        for sha, d in held.items()
        if sha in records
    }
    return json_reply({"cards": cards, "summary": decisions.summary(held, records)})


def post_decision(handler: GalleryHandler, query: dict[str, list[str]]) -> Reply:

    body = handler.read_json_body()
    if not isinstance(body, dict) or not isinstance(sha := body.pop("sha256", None), str):
        raise BadRequest('the body must be {"sha256": ..., "status"/"caption": ...}')
    records = cards_by_hash(handler)
    decision = decisions.update(handler.out, sha, body, known=records)
    held = decisions.load(handler.out)
    return json_reply(
        {
            "sha256": sha,
            **_decision_view(decision, records[sha], handler.platforms),
            "summary": decisions.summary(held, records),
        }
    )


def post_count(handler: GalleryHandler, query: dict[str, list[str]]) -> Reply:

    body = handler.read_json_body()
    if not isinstance(body, dict) or not isinstance(text := body.get("text"), str):
        raise BadRequest('the body must be {"sha256": ..., "text": ...}')
    record = cards_by_hash(handler).get(str(body.get("sha256")))
    if record is None:
        return json_reply({"error": "no such card: reload the page"}, HTTPStatus.NOT_FOUND)
    return json_reply(counted(text, record, handler.platforms))


def get_zip(handler: GalleryHandler, query: dict[str, list[str]]) -> Reply:
    """One zip of the cards of a platform (`?platform=x`) or of the quote of a card
    (`?quote=SHA256` of any of its cards), each with its caption and alt text."""

    platform = (query.get("platform") or [""])[0]
    quote = (query.get("quote") or [""])[0]
    known = cards_by_hash(handler)
    if platform and not quote:
        chosen: Callable[[JsonObject], bool] = lambda r: r.get("platform") == platform  # noqa: E731
        name = f"cards-{platform}.zip"
    elif quote and not platform:
        if quote not in known:
            return text_reply("No such card: reload the page.\n", HTTPStatus.NOT_FOUND)
        key = (known[quote].get("selection"), known[quote].get("quote_id"))
        chosen = lambda r: (r.get("selection"), r.get("quote_id")) == key  # noqa: E731
        name = f"cards-{key[1]}.zip"
    else:
        raise BadRequest("ask for ?platform=ID or ?quote=SHA256")
    records = sorted((r for r in known.values() if chosen(r)), key=lambda r: str(r["path"]))
    if not records:
        return text_reply("No such cards.\n", HTTPStatus.NOT_FOUND)
    held = decisions.load(handler.out)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # cards are compressed
        for record in records:
            real = contained_file(handler.root, str(record["path"]).split("/"))
            if real is None:
                continue
            archive.write(real, str(record["path"]))
            decision = held.get(str(record["sha256"]), decisions.Decision())
            caption = decision.caption if decision.caption is not None else record.get("caption")
            text = f"{caption or ''}\n\nAlt text: {record.get('alt_text') or ''}\n"
            stem = str(record["path"]).rsplit(".", 1)[0]
            archive.writestr(f"{stem}.txt", text.encode("utf-8"))
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)
    return Reply(
        buffer.getvalue(),
        "application/zip",
        cache="no-store",
        extra=(("Content-Disposition", f'attachment; filename="{safe}"'),),
    )


Handler = Callable[["GalleryHandler", dict[str, list[str]]], "Reply"]
GET_ROUTES: dict[str, Handler] = {DECISIONS_PATH: get_decisions, ZIP_PATH: get_zip}
POST_ROUTES: dict[str, Handler] = {DECISION_PATH: post_decision, COUNT_PATH: post_count}
