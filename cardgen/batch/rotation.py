"""Weekly rotation (`--pick N`): the quotes least recently rendered, and the history of
which run last rendered each quote (`.cardgen/history.json`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TypedDict

from cardgen.batch.folder import STATE_DIR, read_regular
from cardgen.batch.output import write_inside
from cardgen.batch.plan import CardJob, Failure, Project, shown_path
from cardgen.errors import InputError
from cardgen.source.quotes import LoadedSelection

HISTORY = "history.json"


class History(TypedDict):
    """`.cardgen/history.json`: how many runs, and the run that last rendered each quote
    (by `selection/quote-id`)."""

    runs: int
    quotes: dict[str, int]


def pick(loaded: Sequence[LoadedSelection], count: int, history: History) -> list[LoadedSelection]:
    """Keep the `count` quotes least recently rendered (never rendered first, then oldest)."""
    used = history["quotes"]
    order = [(s.name, q.id) for s in loaded for q in s.quotes]
    ranked = sorted(
        range(len(order)), key=lambda i: (used.get(f"{order[i][0]}/{order[i][1]}", -1), i)
    )
    chosen = {order[i] for i in ranked[: max(0, count)]}
    return [
        replace(s, quotes=tuple(q for q in s.quotes if (s.name, q.id) in chosen)) for s in loaded
    ]


def remember(
    folder: Path,
    history: History,
    done: set[tuple[str, str]],
    failures: list[Failure],
    card_jobs: Sequence[CardJob],
    project: Project,
) -> None:
    """Mark the quotes whose every card is on disk (`done`: (selection, quote id) of the
    run's cards) as used by this run."""
    failed = {(f.selection, f.quote_id) for f in failures}
    run_number = int(history.get("runs", 0)) + 1
    quotes = dict(history["quotes"])
    for job in card_jobs:
        key = (shown_path(job.selection.path, project.root), job.quote.id)
        if key in done and key not in failed:
            quotes[f"{job.selection.name}/{job.quote.id}"] = run_number
    write_history(folder, {"runs": run_number, "quotes": quotes})


def history_folder(out: Path) -> Path:
    """Where `--pick` keeps its history: the part of `--out` before any placeholder."""
    parts = out.parts
    for index, part in enumerate(parts):
        if "{" in part:
            return Path(*parts[:index]) if index else Path()
    return out


def read_history(folder: Path) -> History:
    """`--pick`'s history; a file that is not one cardgen wrote is an error naming it."""
    path = folder / STATE_DIR / HISTORY
    data = read_regular(path, missing_ok=True)
    if data is None:
        return {"runs": 0, "quotes": {}}
    try:
        body = json.loads(data)
        runs, quotes = body["runs"], body["quotes"]
        valid = (
            type(runs) is int
            and runs >= 0
            and isinstance(quotes, dict)
            and all(type(n) is int for n in quotes.values())
        )
    except (ValueError, KeyError, TypeError, RecursionError):
        valid = False
    if not valid:
        raise InputError(
            f"{path} is not a render history cardgen wrote",
            hint="delete it to start the --pick rotation afresh",
        )
    return {"runs": runs, "quotes": quotes}


def write_history(folder: Path, history: History) -> None:
    """Durably: a power cut leaves the old history or the new one."""
    data = json.dumps(history, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    write_inside(folder, f"{STATE_DIR}/{HISTORY}", data.encode("utf-8"), durable=True)
