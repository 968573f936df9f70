"""Cards on disk from earlier runs: the manifest, then the journal of a killed run, each
record trusted only when its file is there as it says."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from cardgen.batch.folder import STATE_DIR, hash_inside, safe_relative
from cardgen.batch.output import Journal, read_manifest
from cardgen.batch.plan import CardJob, Project, shown_path
from cardgen.batch.records import CardRecord, Event, as_record

CardId = tuple[str, str, str]  # (selection file, quote id, platform)


def card_id(job: CardJob, project: Project) -> CardId:
    """Which card a job makes: the same id as the record of the card it made."""
    return (shown_path(job.selection.path, project.root), job.quote.id, job.platform.id)


def record_id(record: CardRecord) -> CardId:
    """Which card a manifest or journal record is of."""
    return (str(record["selection"]), str(record["quote_id"]), str(record["platform"]))


class Known(NamedTuple):
    """What an output folder holds from earlier runs, as far as it can be trusted."""

    records: dict[CardId, CardRecord]  # on disk as recorded: the manifest, then the journal
    listed: dict[CardId, CardRecord]  # those of the manifest alone
    manifest_paths: set[str]  # every card path the manifest on disk names, true or not


def known_records(out: Path, warn: Callable[[str], None]) -> Known:
    """Cards on disk from earlier runs: the manifest, then the journal of a killed run.

    A record counts only if its path is a plain path inside OUT and its file is there, a
    regular file reached through real folders, with the size and hash it names.
    """
    manifest = read_manifest(out, warn)
    journal = Journal(out).read()
    known = Known({}, {}, {str(r.get("path")) for r in manifest})
    for origin, records in (("manifest.json", manifest), (f"{STATE_DIR}/journal.jsonl", journal)):
        for line in records:
            path = line.get("path")
            if safe_relative(path) is None:
                warn(f"{out / origin}: card path {path!r} is not inside the output folder: ignored")
                continue
            record = as_record(line)
            if record is None or hash_inside(out, record["path"]) != (
                record["bytes"],
                record["sha256"],
            ):
                continue
            found = record_id(record)
            known.records[found] = record
            if origin == "manifest.json":
                known.listed[found] = record
    return known


def warner(emit: Callable[[Event], None]) -> Callable[[str], None]:
    """A warning as the run's event."""
    return lambda message: emit({"event": "warning", "message": message})
