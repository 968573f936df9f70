"""One render into OUT, once planned: which cards are cached, fitting them here (or on a
Dask cluster), drawing them in workers, then writing them in plan order (`writing`), the
carousels after the cards, the manifest last.

The main process plans, decides what is cached, writes every file and keeps the journal;
worker processes only fit and draw. So what is on disk is always known: a run stopped by
Ctrl-C, SIGTERM or SIGKILL loses no finished card.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable, MutableMapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from cardgen.batch import scheduling
from cardgen.batch.cache import SharedCache
from cardgen.batch.cachehits import CacheHits
from cardgen.batch.cachekeys import Memo, cache_key, fonts_digest
from cardgen.batch.cardplan import CardsToDo, Triples
from cardgen.batch.carousel_files import render_all
from cardgen.batch.carousel_records import CarouselRecord
from cardgen.batch.carousels import CarouselJob
from cardgen.batch.events import card_event, done_event, failure_event, start_event
from cardgen.batch.executors import DaskPool
from cardgen.batch.fitkit import fit_kit, worker_card
from cardgen.batch.fitting import Feed, Fitted, Todo, fit_here
from cardgen.batch.output import WriteLog
from cardgen.batch.plan import (
    CardJob,
    Failure,
    Project,
    RenderReport,
    card_snippets,
    scene_facts,
    shown_path,
)
from cardgen.batch.pool import CardNotDrawn, InlinePool
from cardgen.batch.records import CarouselEvent, Event, SceneFacts, ShardHeader
from cardgen.batch.scheduling import Pool
from cardgen.batch.signals import SignalGuard
from cardgen.batch.spool import Joined, Mapped, StoredCards
from cardgen.batch.workers import DrawnCard, PackedError, draw_in_worker
from cardgen.batch.writing import CardWriter
from cardgen.drawing.memory import keep_freed_memory
from cardgen.errors import CardgenError
from cardgen.review.thumbs import store_thumbnail
from cardgen.yamlio import display_path

if TYPE_CHECKING:
    from cardgen.drawing.scene import Scene


class Run:
    """One render into OUT: what is on disk, what this run wrote, its signals; the run's
    state lives here, handed down, never in module globals."""

    def __init__(
        self,
        project: Project,
        out: Path,
        *,
        force: bool,
        keep_going: bool,
        emit: Callable[[Event], None],
        cache: SharedCache | None = None,
        cluster: DaskPool | None = None,
        shard: ShardHeader | None = None,
    ) -> None:
        self.project = project
        self.out = out
        self.force = force
        self.keep_going = keep_going
        self.emit = emit
        self.signals = SignalGuard()  # Ctrl-C and SIGTERM wait while a card is written
        self.log = WriteLog()  # every file written, for the up-to-date stamp
        self.failures: list[Failure] = []
        self.writer = CardWriter(project, out, emit=emit, signals=self.signals, log=self.log)
        self.writer.shard = shard  # the manifest's "shard" of a --shard run
        self.writing = False
        self.carousels: tuple[list[CarouselJob], list[str]] = ([], [])  # jobs, selections read
        self.carousel_records: list[CarouselRecord] | None = None  # drawn after the cards
        self.carousel_events: list[CarouselEvent] = []  # what drawing them said (a rerun: cached)
        self.cache = CacheHits(cache, force=force, emit=emit)  # cards drawn before, anywhere
        self.from_cache: set[int] = set()  # indexes into todo of the cards it holds
        self.scenes = Triples(Fitted)  # fitted cards not yet written, by todo index
        self.cluster = cluster  # --executor dask: it draws, not local workers

    def execute(self, card_jobs: Sequence[CardJob], jobs: int) -> RenderReport:
        self.writer.read_known(card_jobs, [job.folder for job in self.carousels[0]])
        # Workers of a forkserver take ~0.3 s to start (imports, fonts); when cards will surely
        # render, start them now, before the cache keys and captions worked out below.
        # (Forked workers start at once, after the first card is fitted: see _execute.)
        state = self.writer.state
        unknown = (
            len(card_jobs)
            if self.force
            else sum(self.writer.card_id(job) not in state for job in card_jobs)
        )
        if unknown:
            keep_freed_memory()  # before any card is drawn, so forked workers inherit it
        early = jobs > 1 and unknown > 1 and not scheduling.can_fork() and self.cluster is None
        started: Pool | DaskPool | None = self.cluster
        if early:
            started = scheduling.start_pool(self.project.root, jobs, unknown)
        try:
            return self._execute(card_jobs, jobs, started)
        finally:
            if started is not None and started is not self.cluster:
                started.close(graceful=False)  # closed already unless the run failed

    def _execute(
        self, card_jobs: Sequence[CardJob], jobs: int, started: Pool | DaskPool | None
    ) -> RenderReport:
        fonts = fonts_digest(self.project)
        memo: Memo = {}
        # Numbers into the plan, keys and where the texts wait: ~50 bytes a card.
        todo, cached = CardsToDo(card_jobs), CardsToDo(card_jobs)
        writer = self.writer
        for number, job in enumerate(card_jobs):
            snippets: int | CardgenError
            try:  # the texts wait in the spool: ~700 bytes a card until it is written
                snippets = writer.spool.append(card_snippets(job, self.project))
            except CardgenError as exc:
                snippets = exc  # reported after fitting: a card that cannot fit is the worse news
            key = cache_key(job, self.project, fonts, memo)
            old = writer.state.get(writer.card_id(job))
            fresh = old is not None and old.get("cache_key") == key and not self.force
            if old is not None and fresh and not isinstance(snippets, CardgenError):
                cached.append(number, key, snippets)
            else:
                todo.append(number, key, snippets)
        prefit = None
        if started is None and jobs > 1 and len(todo) > 1 and scheduling.can_fork():
            # Forked once the first card is fitted, each worker starts with the fonts it needs
            # loaded (~0.1 s of a core otherwise); and before a progress bar starts a thread.
            prefit = fit_here(todo[0][0], self.project)
            started = scheduling.start_pool(self.project.root, jobs, len(todo))
        self.emit(start_event(self.out, len(card_jobs), len(todo)))
        for failure in self.failures:  # whole selections that failed to load
            self.emit(failure_event(failure, None))
        pool: Pool | DaskPool = started or InlinePool(draw_in_worker)
        try:
            feed = Feed(pool, todo, self.scenes, self.from_cache, writer.spool)
            scenes = self._fit_all(feed, todo, prefit)
            writer.unlist_what_changes((todo[index][0] for index in scenes), cached)
            self.writing = True
            for job, _, where in cached:
                assert not isinstance(where, CardgenError)  # such cards are not cached
                writer.keep_cached(job, writer.recaptioned(job, where))
            self._draw_all(pool, feed, todo, scenes)
            pool.close()
            self.carousel_records = render_all(
                self.out,
                *self.carousels,
                self.project,
                self.writer.carousels,
                self._carousel_said,
                fonts=fonts,
                force=self.force,
                log=self.log,
            )
        except BaseException:
            pool.close(graceful=False)
            # Interrupted or failed once writing began: the manifest still lists what is on disk.
            if self.writing:
                self._finish()
            raise
        manifest = self._finish()
        counts = {
            "rendered": sum(status == "rendered" for status in writer.fresh.values()),
            "cached": sum(status == "cached" for status in writer.fresh.values()),
            "failed": len(self.failures),
            "kept": len(writer.state) - len(writer.fresh),
        }
        self.emit(done_event(counts, manifest))
        cards = StoredCards(writer.state, sorted(writer.fresh))
        return RenderReport(
            out=self.out,
            cards=cards,
            manifest=manifest,
            failures=self.failures,
            counts=counts,
            rerun_events=self._rerun_events(card_jobs, manifest, counts["kept"]),
            carousels_drawn=sum(r["status"] == "rendered" for r in self.carousel_records or ()),
        )

    def _finish(self) -> Path:
        carousels = self.carousel_records
        if carousels is None:  # interrupted or failed first: listed as they were
            carousels = self.writer.carousels
        return self.writer.finish(carousels)

    def _rerun_events(
        self, card_jobs: Sequence[CardJob], manifest: Path, kept: int
    ) -> Sequence[Event]:
        """The events of this render run again with nothing changed: every card cached, in
        plan order. None when a card failed (such a run is never answered by the stamp).
        Made as they are read, from the plan and the run's records: never all held."""
        writer = self.writer
        found = Mapped(card_jobs, writer.card_id)
        if self.failures or any(card not in writer.fresh for card in found):
            return []
        cards = Mapped(found, lambda card: cast(Event, card_event(writer.state[card], "cached")))
        counts = {"rendered": 0, "cached": len(cards), "failed": 0, "kept": kept}
        first: list[Event] = [start_event(self.out, len(cards), 0)]
        last: list[Event] = [*map(_as_cached, self.carousel_events), done_event(counts, manifest)]
        return Joined(first, cards, last)

    def _carousel_said(self, event: CarouselEvent) -> None:
        self.carousel_events.append(event)
        self.emit(event)

    def _fit_all(
        self,
        feed: Feed,
        todo: Sequence[Todo],
        first: Scene | PackedError | None = None,
    ) -> MutableMapping[int, Fitted]:
        """Fit every card before writing any: a card that cannot fit stops the run unwritten.

        Fitting is done here (~2 ms a card once words are shaped) while the workers start,
        so each card makes one round trip, to be drawn; fitted cards are handed to the
        workers as they fit (drawn, but written only after every card fits; the pool
        bounds how many wait drawn). `first`: the first card's result when fitted already.
        With `--executor dask` the cluster's workers fit them (`_fit_on_cluster`).
        """
        scenes = self.scenes
        elsewhere: list[int] = []  # --executor dask: fitted on the cluster
        for index, (job, key, snippets) in enumerate(todo):  # plan order: first problem reported
            if not isinstance(snippets, CardgenError) and self.cache.has(key):
                scenes[index] = Fitted(0, 0, 0)  # drawn before, by any machine: copied
                self.from_cache.add(index)
                feed.add(index)
                continue
            if isinstance(feed.pool, DaskPool):
                elsewhere.append(index)
                continue
            result = first if index == 0 and first is not None else fit_here(job, self.project)
            if isinstance(result, PackedError):
                self._fail(job, result.error())
            elif isinstance(snippets, CardgenError):
                self._fail(job, snippets)
            else:
                # Kept pickled, on disk, until drawn: a long batch's memory does not grow
                # while every card is fitted first.
                packed = pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
                facts = json.dumps(scene_facts(result)).encode()
                where = self.writer.spool.put(packed + facts)
                scenes[index] = Fitted(where, len(packed), len(facts))
                feed.add(index)
            feed.pool.poll()
        if isinstance(feed.pool, DaskPool) and elsewhere:
            cards = [(index, todo[index]) for index in elsewhere]
            self._fit_on_cluster(feed.pool, cards, scenes, feed)
        return scenes

    def _fit_on_cluster(
        self,
        pool: DaskPool,
        todo: list[tuple[int, Todo]],
        scenes: MutableMapping[int, Fitted],
        feed: Feed,
    ) -> None:
        """Fitting on the cluster's workers: the scenes stay there, to be drawn."""
        jobs = [job for _, (job, _, _) in todo]
        cards = [(index, worker_card(job, self.project)) for index, (job, _, _) in todo]
        pool.fit_all(cards, fit_kit(self.project, jobs))
        for index, (job, _, snippets) in todo:
            facts = pool.fitted(index)
            if isinstance(facts, CardgenError):
                facts.file = facts.file or display_path(job.selection.path)
                self._fail(job, facts)
            elif isinstance(snippets, CardgenError):
                self._fail(job, snippets)
            else:  # drawn there too: only the facts wait here, in the spool
                scenes[index] = Fitted(self.writer.spool.put(facts), 0, len(facts))
                feed.add(index)

    def _draw_all(
        self,
        pool: Pool | DaskPool,
        feed: Feed,
        todo: Sequence[Todo],
        scenes: MutableMapping[int, Fitted],
    ) -> None:
        if scenes and not isinstance(pool, InlinePool):
            from cardgen.review.gallery import prepare

            prepare()  # while the workers draw, not after them: the review page is written last
        # In plan order: workers run ahead, events and errors come out the same every run.
        # Each result is let go once written, so a long batch does not keep every card's bytes.
        for index in list(scenes):
            job, key, where = todo[index]
            assert not isinstance(where, CardgenError)  # such cards have no scene
            snippets = self.writer.snippets(where)
            facts: SceneFacts
            result: DrawnCard | CardNotDrawn
            fitted = scenes.pop(index)
            feed.take()
            if index in self.from_cache:
                facts, result, copied = self.cache.copy_or_draw(job, key, self.project)
            else:
                result, copied = pool.result(index), False
                raw = self.writer.spool.get(fitted.where + fitted.packed, fitted.facts)
                facts = json.loads(raw)
            if isinstance(result, PackedError | CardNotDrawn):
                error = result.error() if isinstance(result, PackedError) else result
                error.file = error.file or display_path(job.selection.path)
                error.message = f"{job.selection.name}/{job.quote.id} on {job.platform.id}: " + (
                    error.message
                )
                self._fail(job, error)
                continue
            data, final_fmt, thumbnail = result  # a worker's draw carries its thumbnail too
            sha256 = self.writer.write_card(
                job, key, facts, data, final_fmt, snippets, copied=copied
            )
            store_thumbnail(self.out, sha256, thumbnail, log=self.log)
            if not copied:
                self.cache.add(key, data, final_fmt, facts)

    def _fail(self, job: CardJob, exc: CardgenError) -> None:
        if not self.keep_going:
            raise exc
        failure = Failure(
            shown_path(job.selection.path, self.project.root),
            job.quote.id,
            job.platform.id,
            exc.one_line(),
        )
        self.failures.append(failure)
        self.emit(failure_event(failure, job.path))


def _as_cached(event: CarouselEvent) -> CarouselEvent:
    """A carousel's event as an unchanged rerun says it: kept as drawn."""
    return {**event, "status": "cached"}
