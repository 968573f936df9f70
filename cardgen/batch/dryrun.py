"""`render --dry-run`: which cards a render would draw and which it would keep, from the
cache keys and the records on disk; nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cardgen.batch.cachekeys import cache_key, fonts_digest
from cardgen.batch.known import card_id, known_records, warner
from cardgen.batch.plan import CardJob, Failure, Project, RenderReport, shown_path
from cardgen.batch.records import Event, PlannedCard


def dry_run(
    card_jobs: list[CardJob],
    project: Project,
    out: Path,
    force: bool,
    emit: Callable[[Event], None],
    failures: list[Failure],
) -> RenderReport:
    """What a render would do (`--dry-run`): each card to render or cached, nothing written."""
    known = known_records(out, warner(emit)).records
    fonts = fonts_digest(project)
    cards: list[PlannedCard] = []
    for job in card_jobs:
        key = cache_key(job, project, fonts)
        old = known.get(card_id(job, project))
        cached = old is not None and old["cache_key"] == key and not force
        card: PlannedCard = {
            "selection": shown_path(job.selection.path, project.root),
            "quote_id": job.quote.id,
            "platform": job.platform.id,
            "path": old["path"] if cached and old else job.path,
            "status": "cached" if cached else "render",
        }
        cards.append(card)
        emit(
            {
                "event": "card",
                "selection": card["selection"],
                "quote_id": card["quote_id"],
                "platform": card["platform"],
                "path": card["path"],
                "status": card["status"],
            }
        )
    counts = {
        "render": sum(c["status"] == "render" for c in cards),
        "cached": sum(c["status"] == "cached" for c in cards),
        "failed": len(failures),
    }
    emit(
        {
            "event": "done",
            "dry_run": True,
            "cards": len(cards),
            "render": counts["render"],
            "cached": counts["cached"],
            "failed": counts["failed"],
        }
    )
    return RenderReport(
        out=out,
        cards=[],
        manifest=None,
        failures=failures,
        counts=counts,
        dry_run=True,
        planned=cards,
    )
