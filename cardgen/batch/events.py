"""The `--json` events a render says of its start, its cards and its end (typed in
`cardgen.batch.records`), made in one place for the run and for the rerun the stamp answers."""

from __future__ import annotations

from pathlib import Path

from cardgen.batch.plan import Failure
from cardgen.batch.records import CardEvent, CardRecord, DoneEvent, StartEvent, Status


def start_event(out: Path, cards: int, to_render: int) -> StartEvent:
    return {
        "event": "start",
        "out": str(out),
        "cards": cards,
        "to_render": to_render,
        "cached": cards - to_render,
    }


def done_event(counts: dict[str, int], manifest: Path) -> DoneEvent:
    return {
        "event": "done",
        "cards": counts["rendered"] + counts["cached"],
        "rendered": counts["rendered"],
        "cached": counts["cached"],
        "failed": counts["failed"],
        "kept": counts["kept"],
        "manifest": str(manifest),
    }


def card_event(record: CardRecord, status: Status | None = None) -> CardEvent:
    """A card written or kept from the cache (`status`: as the record says, unless given)."""
    return {
        "event": "card",
        "selection": record["selection"],
        "quote_id": record["quote_id"],
        "platform": record["platform"],
        "path": record["path"],
        "status": status or record["status"],
        "width": record["width"],
        "height": record["height"],
        "bytes": record["bytes"],
    }


def failure_event(failure: Failure, path: str | None) -> CardEvent:
    return {
        "event": "card",
        "selection": failure.selection,
        "quote_id": failure.quote_id,
        "platform": failure.platform,
        "status": "failed",
        "error": failure.message,
        "path": path,
    }
