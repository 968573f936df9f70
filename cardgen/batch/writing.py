"""What a run keeps on disk in OUT, and in which order: each card with its caption and
journal line, held together against signals; the manifest rewritten without the cards about
to change; captions.csv, the review page and the manifest last; the roll-back when those
cannot be written."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import cast

from cardgen.batch.cardplan import Todo
from cardgen.batch.carousel_records import CarouselRecord
from cardgen.batch.events import card_event
from cardgen.batch.finish import finish_folder
from cardgen.batch.folder import STATE_DIR, Digests, caption_path, hash_inside, open_inside
from cardgen.batch.known import CardId, known_records, record_id, warner
from cardgen.batch.output import (
    Journal,
    WriteLog,
    let_go,
    old_carousels,
    remove_inside,
    remove_temporaries,
    snippet_text,
    write_caption,
    write_inside,
)
from cardgen.batch.plan import CardJob, Project, card_record, shown_path
from cardgen.batch.records import CardRecord, Event, SceneFacts, ShardHeader, Status
from cardgen.batch.signals import SignalGuard
from cardgen.batch.spool import RecordSpool, Restated, SpoolFile
from cardgen.drawing.encoders import extension
from cardgen.errors import CardgenError
from cardgen.review.thumbs import THUMBS_DIR


class CardWriter:
    """The cards of OUT, on disk and in this run: the records of the earlier runs' cards and
    of ours (in a spool on disk: 100,000 records would take ~1 GB of memory), and every
    file a card adds, replaces or removes."""

    def __init__(
        self,
        project: Project,
        out: Path,
        *,
        emit: Callable[[Event], None],
        signals: SignalGuard,
        log: WriteLog,
    ) -> None:
        self.project = project
        self.out = out
        self.emit = emit
        self.signals = signals
        self.log = log
        self.journal = Journal(out)
        spool = SpoolFile()
        self.state = RecordSpool(spool)  # every card on disk: the earlier runs', then ours
        self.fresh: dict[CardId, Status] = {}  # this run's rendered and cached cards
        self.listed = RecordSpool(spool)  # the manifest's true records
        self.manifest_paths = Digests()  # what the manifest on disk names now
        self.wrote = False  # a card or caption file was written: sync before the manifest
        self.written = RecordSpool(spool)  # records of the cards this run wrote
        self.shard: ShardHeader | None = None  # the manifest's "shard" of a --shard run
        self._relative: dict[Path, str] = {}  # selection paths, relative to the project
        # The carousels the manifest on disk lists: listed as they are until drawn again.
        self.carousels: list[CarouselRecord] = []

    @property
    def spool(self) -> SpoolFile:
        """The run's temporary file: records, captions and fitted cards wait in it."""
        return self.state.file

    def read_known(
        self, card_jobs: Sequence[CardJob], carousel_folders: Iterable[str] = ()
    ) -> None:
        """The cards and carousels earlier runs left in OUT, and no temporary file of a
        killed run: in the folders cardgen writes (its own, the thumbnails', the cards' and
        the carousels' of this run and the earlier ones)."""
        self.carousels = old_carousels(self.out)
        known = known_records(self.out, warner(self.emit), self.state.file)
        self.state, self.listed, self.manifest_paths = known
        folders = {".", STATE_DIR, THUMBS_DIR, *carousel_folders}
        paths = itertools.chain(
            (r["path"] for r in self.state.values()), (j.path for j in card_jobs)
        )
        for path in paths:  # one at a time
            folders.add(path.rsplit("/", 1)[0])
        for record in self.carousels:  # read back from disk: only plain paths inside OUT
            folder = str(record.get("caption_file", "")).rpartition("/")[0]
            if all(part not in ("", ".", "..") for part in folder.split("/")):
                folders.add(folder)
        remove_temporaries(self.out, folders)

    def card_id(self, job: CardJob) -> CardId:
        # Every card of a selection shares its path: resolve it once a run, not per card.
        path = job.selection.path
        if path not in self._relative:
            self._relative[path] = shown_path(path, self.project.root)
        return (self._relative[path], job.quote.id, job.platform.id)

    def unlist_what_changes(self, changing_jobs: Iterable[CardJob], cached: Sequence[Todo]) -> None:
        """Before any file the manifest on disk describes is replaced, that manifest is
        rewritten without those cards (and durably), their records moved to the journal: a
        run stopped at any point, even by a power cut, leaves a manifest whose every card
        is on disk as it says, and a journal with the rest."""
        changing = Digests()  # 8 bytes a path: every card may change
        for job in changing_jobs:
            changing.update((job.path, caption_path(job.path)))
            old = self.state.get(self.card_id(job))
            if old is not None:
                changing.update((old["path"], caption_path(old["path"])))
        for job, _, where in cached:
            assert not isinstance(where, CardgenError)  # such cards are not cached
            record = self.recaptioned(job, where)
            if self._caption_changes(record):
                changing.add(caption_path(record["path"]))
        keep = RecordSpool(self.listed.file)
        paths = Digests()
        for listed_id, record in self.listed.items():  # read one at a time
            if record["path"] not in changing and caption_path(record["path"]) not in changing:
                keep.share(listed_id, self.listed)
                paths.add(record["path"])
        if paths == self.manifest_paths:
            return
        # A run killed before redrawing those cards leaves them known by the journal, and
        # the next run finds them whole or redraws them.
        leaving = (record for card, record in self.listed.items() if card not in keep)
        let_go(
            self.out,
            self.journal,
            leaving,
            keep,
            log=self.log,
            shard=self.shard,
            carousels=self.carousels,
        )
        self.listed = keep
        self.manifest_paths = paths

    def recaptioned(self, job: CardJob, where: int) -> CardRecord:
        """A cached card's record as on disk, with the caption and alt text of now."""
        record = self.state[self.card_id(job)]
        record["caption"], record["alt_text"] = self.snippets(where)
        return record

    def snippets(self, where: int) -> tuple[str, str]:
        """A card's caption and alt text, back from the spool."""
        caption, alt = cast("list[str]", self.state.file.read(where))  # the pair put there
        return str(caption), str(alt)

    def _caption_changes(self, record: CardRecord) -> bool:
        text = snippet_text(record["caption"], record["alt_text"]).encode("utf-8")
        fd = open_inside(self.out, caption_path(record["path"]))
        if fd is None:
            return True
        try:
            return os.read(fd, len(text) + 1) != text
        finally:
            os.close(fd)

    def write_card(
        self,
        job: CardJob,
        key: str,
        facts: SceneFacts,
        data: bytes,
        final_fmt: str,
        snippets: tuple[str, str],
        *,
        copied: bool = False,
    ) -> str:
        """Write a card, its caption and its journal line; its sha256."""
        if final_fmt != job.fmt:  # re-encoded to fit the file limit
            stem = job.path.rsplit(".", 1)[0]
            job = replace(job, fmt=final_fmt, path=f"{stem}.{extension(final_fmt)}")
        record = card_record(job, facts, data, snippets, self.project, key)
        if copied:  # from the shared cache: not drawn by this run
            record["status"] = "cached"
        found = self.spool.card(record_id(record))  # one tuple, wherever kept
        with self.signals.together():
            self.wrote = True
            self.written[found] = record  # known before the file: a roll-back finds it
            # Journaled before the file too: a run killed in between leaves no card file
            # that neither the manifest nor the journal names (a record whose file is not
            # as it says is ignored by the next run, which draws that card again).
            self.journal.append(record)
            write_inside(self.out, job.path, data, log=self.log)
            self._write_caption(record)
            self._forget_old_files(self.state.get(found), record)
            self.state.share(found, self.written)
            self.fresh[found] = record["status"]
        self.emit(card_event(record))
        return record["sha256"]

    def _write_caption(self, record: CardRecord) -> None:
        if self._caption_changes(record):
            self.wrote = True
            write_caption(self.out, record, log=self.log)

    def keep_cached(self, job: CardJob, record: CardRecord) -> None:
        record["status"] = "cached"
        record["caption_file"] = caption_path(record["path"])
        self._write_caption(record)
        found = self.spool.card(record_id(record))  # one tuple, wherever kept
        self.state[found] = record
        self.fresh[found] = "cached"
        self.emit(card_event(record))

    def _forget_old_files(self, old: CardRecord | None, new: CardRecord) -> None:
        """A card re-encoded to another format leaves no stale file under its old name."""
        if old is not None and old["path"] != new["path"]:
            self._remove_if_ours(old, keep={new["caption_file"]})

    def _remove_if_ours(
        self, record: CardRecord, keep: set[str] | frozenset[str] = frozenset()
    ) -> None:
        """Delete a card file and its caption, but only as cardgen wrote them: the card with
        the size and hash of its record, the caption with the text of its record."""
        path = record["path"]
        if hash_inside(self.out, path) == (record["bytes"], record["sha256"]):
            remove_inside(self.out, path)
        if caption_path(path) not in keep and not self._caption_changes(record):
            remove_inside(self.out, caption_path(path))

    def finish(self, carousels: list[CarouselRecord]) -> Path:
        """captions.csv and the review page, then the manifest (last); then the journal goes.

        If they cannot be written (a full disk), the folder is taken back to what the
        manifest on disk says: the cards it does not list, which this run or a killed one
        wrote, are removed with the journal, so no card is left that no manifest lists."""
        # Read back from the spool one card at a time, in each file's own order.
        records = Restated(self.state, lambda card: None if card in self.fresh else "kept")
        try:
            manifest = finish_folder(
                self.out,
                records,
                self.project.platforms,
                carousels=carousels,
                shard=self.shard,
                log=self.log,
                sync=self.wrote or bool(carousels),  # else nothing new to flush
            )
        except (CardgenError, OSError):
            self._roll_back()
            raise
        self.journal.clear()
        return manifest

    def _roll_back(self) -> None:
        self.journal.close()
        for record in itertools.chain(self.state.values(), self.written.values()):
            if record["path"] not in self.manifest_paths:
                self._remove_if_ours(record)
        self.journal.clear()
