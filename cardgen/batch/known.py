"""Cards on disk from earlier runs: the manifest, then the journal of a killed run, each
record trusted only when its file is there as it says."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from cardgen.batch.folder import STATE_DIR, Digests, card_file, hash_inside
from cardgen.batch.output import Journal, read_manifest
from cardgen.batch.plan import CardJob, Project, shown_path
from cardgen.batch.records import Event, as_record
from cardgen.batch.spool import CardId as CardId
from cardgen.batch.spool import RecordSpool, SpoolFile
from cardgen.batch.spool import record_id as record_id


def card_id(job: CardJob, project: Project) -> CardId:
    """Which card a job makes: the same id as the record of the card it made."""
    return (shown_path(job.selection.path, project.root), job.quote.id, job.platform.id)


class Known(NamedTuple):
    """What an output folder holds from earlier runs, as far as it can be trusted."""

    records: RecordSpool  # on disk as recorded: the manifest, then the journal
    listed: RecordSpool  # those of the manifest alone
    manifest_paths: Digests  # every card path the manifest on disk names, true or not


def known_records(out: Path, warn: Callable[[str], None], spool: SpoolFile | None = None) -> Known:
    """Cards on disk from earlier runs: the manifest, then the journal of a killed run,
    each read one record at a time into a spool (a temporary file), never all in memory.

    A record counts only if its path is a plain path inside OUT and its file is there, a
    regular file reached through real folders, with the size and hash it names.
    """
    spool = spool or SpoolFile()
    known = Known(RecordSpool(spool), RecordSpool(spool), Digests())
    manifest = read_manifest(out, warn)
    journal = Journal(out).read()
    for origin, records in (("manifest.json", manifest), (f"{STATE_DIR}/journal.jsonl", journal)):
        for line in records:
            if origin == "manifest.json":
                known.manifest_paths.add(str(line.get("path")))
            path = line.get("path")
            if card_file(path) is None:
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
                known.listed.share(found, known.records)
    return known


def warner(emit: Callable[[Event], None]) -> Callable[[str], None]:
    """A warning as the run's event."""
    return lambda message: emit({"event": "warning", "message": message})
