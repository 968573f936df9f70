"""Run a batch (`cardgen.render`): what is cached, fitting here and drawing in workers,
atomic writes, the manifest last.

The main process plans, decides what is cached, writes every file and keeps
the journal; worker processes only fit and draw. So what is on disk is always
known: a run stopped by Ctrl-C, SIGTERM or SIGKILL loses no finished card.
"""

from __future__ import annotations

import itertools
import json
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from cardgen import __version__
from cardgen.batch import scheduling
from cardgen.batch.cache import CachedCard, SharedCache, open_cache
from cardgen.batch.cachekeys import Memo, cache_key, files_read, fonts_digest
from cardgen.batch.carousels import (
    CarouselJob,
    caption_rows,
    old_carousels,
    plan_carousels,
    relative,
    render_all,
)
from cardgen.batch.executors import DaskPool, ExecutorChoice, choose_executor
from cardgen.batch.fitkit import fit_kit, worker_card
from cardgen.batch.folder import (
    STATE_DIR,
    caption_path,
    check_own_files,
    check_selection_names,
    claim,
    hash_inside,
    open_inside,
    refuse_dangerous,
)
from cardgen.batch.known import CardId, card_id, known_records, record_id, warner
from cardgen.batch.options import DEFAULT_OUT, RenderOptions, one_of
from cardgen.batch.output import (
    Journal,
    OutputLock,
    WriteLog,
    expand_out,
    mark,
    remove_inside,
    remove_temporaries,
    snippet_text,
    sync_file_system,
    write_captions_csv,
    write_inside,
    write_manifest,
)
from cardgen.batch.plan import (
    DEFAULT_LAYOUT,
    CardJob,
    Failure,
    Project,
    RenderReport,
    card_record,
    card_snippets,
    fit_card,
    load_selections,
    plan,
    scene_facts,
    shown_path,
)
from cardgen.batch.pool import CardNotDrawn, InlinePool
from cardgen.batch.records import (
    CardEvent,
    CardRecord,
    CarouselEvent,
    DoneEvent,
    Event,
    PlannedCard,
    SceneFacts,
    StartEvent,
    Status,
)
from cardgen.batch.rotation import History, history_folder, pick, read_history, remember
from cardgen.batch.scheduling import Drawn, Pool
from cardgen.batch.shards import Shard, parse_shard, take_shard
from cardgen.batch.signals import SignalGuard
from cardgen.batch.spool import RecordSpool, Restated, SpoolFile, StoredCards
from cardgen.batch.workers import PackedError, draw_in_worker, draw_on_worker, fit_on_worker
from cardgen.drawing.encoders import extension
from cardgen.drawing.memory import keep_freed_memory
from cardgen.errors import CardgenError, ContentError, InputError
from cardgen.review.thumbs import store_thumbnail
from cardgen.source.quotes import LoadedSelection
from cardgen.yamlio import display_path

if TYPE_CHECKING:
    from cardgen.drawing.scene import Scene


def render(
    selections: Sequence[Path] | None = None,
    *,
    out: Path = DEFAULT_OUT,
    platforms: Sequence[str] | None = None,
    layout: str | None = None,
    brand: str | None = None,
    fmt: str | None = None,
    project: Project | None = None,
    jobs: int | None = None,
    force: bool = False,
    keep_going: bool = False,
    dry_run: bool = False,
    pick: int | None = None,
    wait: bool = False,
    today: date | None = None,
    on_event: Callable[[Event], None] | None = None,
    adopt: bool = False,
    shard: str | None = None,
    cache: str | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    options: RenderOptions | None = None,
) -> RenderReport:
    """Render every card of the given selections; the library behind `cardgen render`.

    Incremental (unchanged cards are `cached`), parallel over `jobs`
    processes, atomic per file, manifest last. `keep_going` turns content
    errors into `failures` of the report instead of raising. `adopt` renders into an
    existing folder that is not yet cardgen's (see `cardgen.batch.folder.claim`).
    The choices come as keywords or as one `options` value (`RenderOptions`), not both.
    `shard` ("K/N"): only part K of N of the plan (`cardgen.batch.shards`). `cache`: a
    folder or fsspec URL of cards drawn before, shared by machines (`cardgen.batch.cache`).
    `executor`: "local" (worker processes), "dask" (the cluster at `scheduler`) or
    "dask-local" (a LocalCluster of `workers` processes): `cardgen.batch.executors`.
    """
    # The keywords by their names, which are RenderOptions' fields: one list of the options.
    keywords = RenderOptions.from_values(locals())
    return run_batch(
        selections, project or Project.open(), one_of(options, keywords), on_event=on_event
    )


def run_batch(
    selections: Sequence[Path] | None,
    project: Project,
    options: RenderOptions,
    *,
    on_event: Callable[[Event], None] | None = None,
) -> RenderReport:
    """The render `options` ask for, of `selections` (None: the project's) in `project`."""
    # Unusable choices are refused before anything is read or written.
    shard = parse_shard(options.shard) if options.shard is not None else None
    cache = open_cache(options.cache) if options.cache is not None else None
    executor = choose_executor(options.executor, options.scheduler, options.workers)
    emit = on_event or (lambda event: None)
    out = expand_out(options.out, options.today)
    failures: list[Failure] = []
    loaded = _load(selections, project, options.keep_going, failures)
    check_selection_names((s.name, s.path) for s in loaded)
    refuse_dangerous(out, project.root, [p for s in loaded for p in (s.path, s.article.path)])
    claim(out, adopt=options.adopt)
    history_dir = history_folder(options.out)
    history = read_history(history_dir) if options.pick is not None else None
    if options.pick is not None and history is not None:
        loaded = pick(loaded, options.pick, history)
    card_jobs = plan(loaded, project, options=options)
    carousel_jobs = plan_carousels(
        loaded,
        project,
        platforms=options.platforms,
        layout=options.layout,
        brand=options.brand,
        default_layout=DEFAULT_LAYOUT,
    )
    header = None
    if shard is not None:
        card_jobs, header = _take_shard(card_jobs, shard, project)
    check_own_files(out, [job.path for job in card_jobs])
    workers, note = scheduling.usable_jobs(options.jobs)
    if note is not None:
        emit({"event": "warning", "message": note})
    if options.dry_run:
        report = _dry_run(card_jobs, project, out, options.force, emit, failures)
    else:
        cluster = _connect(executor)  # before the lock: a scheduler out of reach writes nothing
        for message in cluster.warnings if cluster is not None else ():
            emit({"event": "warning", "message": message})
        run = _Run(project, out, options, emit=emit)
        run.shard, run.cache, run.cluster = header, cache, cluster
        with run.signals.installed(), OutputLock(out, wait=options.wait), _closing(cluster):
            mark(out, log=run.log)
            run.failures.extend(failures)
            run.carousels = (carousel_jobs, [relative(s.path, project.root) for s in loaded])
            report = run.execute(card_jobs, workers)
            if history is not None:
                _remember(history_dir, history, report, card_jobs, project)
            report.inputs = files_read(loaded, project)
            report.written = run.log.files
            if report.rerun_events and note is not None:  # said again by every rerun
                report.rerun_events.insert(0, {"event": "warning", "message": note})
    report.options = options
    return report


def _connect(executor: ExecutorChoice | None) -> DaskPool | None:
    if executor is None or not executor.uses_dask:
        return None
    from cardgen import limits

    return DaskPool(executor, limits.DASK_CONNECT_SECONDS, fit_on_worker, draw_on_worker)


@contextmanager
def _closing(cluster: DaskPool | None) -> Iterator[None]:
    try:
        yield
    finally:
        if cluster is not None:
            cluster.close(graceful=False)


def _take_shard(
    card_jobs: list[CardJob], shard: Shard, project: Project
) -> tuple[list[CardJob], dict[str, Any]]:
    fonts = fonts_digest(project)
    memo: Memo = {}
    return take_shard(
        card_jobs,
        shard,
        lambda job: (job.selection.name, job.quote.id, job.platform.id),
        lambda job: cache_key(job, project, fonts, memo),
    )


def _remember(
    folder: Path, history: History, report: RenderReport, card_jobs: list[CardJob], project: Project
) -> None:
    done = {(c["selection"], c["quote_id"]) for c in report.cards}
    remember(folder, history, done, report.failures, card_jobs, project)


def _load(
    selections: Sequence[Path] | None,
    project: Project,
    keep_going: bool,
    failures: list[Failure],
) -> list[LoadedSelection]:
    if not keep_going:
        return load_selections(selections, project)
    files = list(selections) if selections else project.selection_files()
    if not files:
        return load_selections(files, project)  # raises the usual "no selections" error
    loaded = []
    for path in files:
        try:
            loaded.extend(load_selections([path], project, failures=failures))
        except ContentError as exc:  # a misquote: the file's other selections still render
            failures.append(Failure(shown_path(path, project.root), "*", "*", exc.one_line()))
    names: dict[str, Path] = {}
    for selection in loaded:
        if selection.name in names:
            raise InputError(
                f"two selections are named '{selection.name}' "
                f"({names[selection.name]} and {selection.path})",
                hint="selection file names name output folders and must differ",
            )
        names[selection.name] = selection.path
    return loaded


def _dry_run(
    card_jobs: list[CardJob],
    project: Project,
    out: Path,
    force: bool,
    emit: Callable[[Event], None],
    failures: list[Failure],
) -> RenderReport:
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


# (job, cache key, where its caption and alt text wait in the spool, or why they cannot be)
_Todo = tuple[CardJob, str, "int | CardgenError"]


class _Fitted(NamedTuple):
    """A fitted card until it is written, in the run's spool: the scene pickled for drawing
    (also what a worker receives, ~1.8 kB), then what its manifest record says of it
    (SceneFacts as JSON, ~1.7 kB). A batch fits every card before writing any: in memory,
    100,000 cards would hold ~400 MB of them."""

    where: int
    packed: int  # bytes of the pickled scene
    facts: int  # bytes of the facts after it


# Fitted cards handed to the pool ahead of the one being written: enough to keep the workers
# busy (the pool holds at most ~32 MB drawn), few enough that their scenes take ~1 MB.
AHEAD = 512


class _Feed:
    """Fitted cards to the pool in plan order, at most AHEAD beyond the one taken last,
    each read back from the spool when it is sent."""

    def __init__(self, run: _Run, pool: Pool | DaskPool, todo: list[_Todo]) -> None:
        self.run = run
        self.pool = pool
        self.todo = todo
        self.order: list[int] = []  # indexes into todo of the fitted cards, in plan order
        self.sent = 0
        self.taken = 0

    def add(self, index: int) -> None:
        self.order.append(index)
        self.top_up()

    def take(self) -> None:
        self.taken += 1
        self.top_up()

    def top_up(self) -> None:
        while self.sent < len(self.order) and self.sent - self.taken < AHEAD:
            index = self.order[self.sent]
            self.sent += 1
            fitted, pool = self.run.scenes[index], self.pool
            if isinstance(pool, DaskPool) or index in self.run.from_cache or not fitted.packed:
                continue  # drawn where it was fitted (a cluster), or copied from the cache
            job = self.todo[index][0]
            packed = self.run.state.file.get(fitted.where, fitted.packed)
            pool.submit(index, packed, job.fmt, job.platform.file_limit)


class _Run:
    """One render into OUT: what is on disk, what this run wrote, its signals; the run's
    state lives here, handed down, never in module globals."""

    def __init__(
        self, project: Project, out: Path, options: RenderOptions, *, emit: Callable[[Event], None]
    ) -> None:
        self.project = project
        self.out = out
        self.force = options.force
        self.keep_going = options.keep_going
        self.emit = emit
        self.signals = SignalGuard()  # Ctrl-C and SIGTERM wait while a card is written
        self.log = WriteLog()  # every file written, for the up-to-date stamp
        self.failures: list[Failure] = []
        self.journal = Journal(out)
        # The records themselves wait on disk, in a spool (a temporary file): a batch of
        # 100,000 cards would hold ~1 GB of them. In memory: where each is, and statuses.
        spool = SpoolFile()
        self.state = RecordSpool(spool)  # every card on disk: the earlier runs', then ours
        self.fresh: dict[CardId, Status] = {}  # this run's rendered and cached cards
        self.listed = RecordSpool(spool)  # the manifest's true records
        self.manifest_paths: set[str] = set()  # what the manifest on disk names now
        self.writing = False
        self.wrote = False  # a card or caption file was written: sync before the manifest
        self.written = RecordSpool(spool)  # records of the cards this run wrote
        self._relative: dict[Path, str] = {}  # selection paths, relative to the project
        self.carousels: tuple[list[CarouselJob], list[str]] = ([], [])  # jobs, selections read
        self.carousel_records: list[dict[str, Any]] | None = None  # drawn after the cards
        self.carousel_events: list[Event] = []  # what drawing them said, said again by a rerun
        self.shard: dict[str, Any] | None = None  # the manifest's "shard" of a --shard run
        self.cache: SharedCache | None = None  # --cache: cards drawn before, by any machine
        self.from_cache: set[int] = set()  # indexes into todo of the cards it holds
        self.scenes: dict[int, _Fitted] = {}  # fitted cards not yet written, by todo index
        self.cluster: DaskPool | None = None  # --executor dask: it draws, not local workers

    def execute(self, card_jobs: list[CardJob], jobs: int) -> RenderReport:
        known = known_records(self.out, warner(self.emit), self.state.file)
        self.state, self.listed, self.manifest_paths = known
        folders = {".", STATE_DIR}
        for path in [*(r["path"] for r in self.state.values()), *(j.path for j in card_jobs)]:
            folders.add(path.rsplit("/", 1)[0])
        remove_temporaries(self.out, folders)
        # Workers of a forkserver take ~0.3 s to start (imports, fonts); when cards will surely
        # render, start them now, before the cache keys and captions worked out below.
        # (Forked workers start at once, after the first card is fitted: see _execute.)
        unknown = (
            len(card_jobs)
            if self.force
            else sum(self._card_id(job) not in self.state for job in card_jobs)
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

    def _card_id(self, job: CardJob) -> CardId:
        # Every card of a selection shares its path: resolve it once a run, not per card.
        path = job.selection.path
        if path not in self._relative:
            self._relative[path] = shown_path(path, self.project.root)
        return (self._relative[path], job.quote.id, job.platform.id)

    def _execute(
        self, card_jobs: list[CardJob], jobs: int, started: Pool | DaskPool | None
    ) -> RenderReport:
        fonts = fonts_digest(self.project)
        memo: Memo = {}
        todo: list[_Todo] = []
        cached: list[tuple[CardJob, int]] = []  # with where their captions wait
        for job in card_jobs:
            snippets: int | CardgenError
            try:  # the texts wait in the spool: ~700 bytes a card until it is written
                snippets = self.state.file.append(card_snippets(job, self.project))
            except CardgenError as exc:
                snippets = exc  # reported after fitting: a card that cannot fit is the worse news
            key = cache_key(job, self.project, fonts, memo)
            old = self.state.get(self._card_id(job))
            fresh = old is not None and old.get("cache_key") == key and not self.force
            if old is not None and fresh and not isinstance(snippets, CardgenError):
                cached.append((job, snippets))
            else:
                todo.append((job, key, snippets))
        prefit = None
        if started is None and jobs > 1 and len(todo) > 1 and scheduling.can_fork():
            # Forked once the first card is fitted, each worker starts with the fonts it needs
            # loaded (~0.1 s of a core otherwise); and before a progress bar starts a thread.
            prefit = self._fit_here(todo[0][0])
            started = scheduling.start_pool(self.project.root, jobs, len(todo))
        self.emit(_start_event(self.out, len(card_jobs), len(todo)))
        for failure in self.failures:  # whole selections that failed to load
            self.emit(_failure_event(failure, None))
        pool: Pool | DaskPool = started or InlinePool(draw_in_worker)
        try:
            feed = _Feed(self, pool, todo)
            scenes = self._fit_all(feed, todo, prefit)
            self._unlist_what_changes(todo, scenes, cached)
            self.writing = True
            for job, where in cached:
                self._keep_cached(job, self._recaptioned(job, where))
            self._draw_all(pool, feed, todo, scenes)
            pool.close()
            self.carousel_records = render_all(
                self.out,
                *self.carousels,
                self.project,
                old_carousels(self.out),
                self._carousel_said,
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
            "rendered": sum(status == "rendered" for status in self.fresh.values()),
            "cached": sum(status == "cached" for status in self.fresh.values()),
            "failed": len(self.failures),
            "kept": len(self.state) - len(self.fresh),
        }
        self.emit(_done_event(counts, manifest))
        cards = StoredCards(self.state, sorted(self.fresh))
        return RenderReport(
            out=self.out,
            cards=cards,
            manifest=manifest,
            failures=self.failures,
            counts=counts,
            rerun_events=self._rerun_events(card_jobs, manifest, counts["kept"]),
        )

    def _rerun_events(self, card_jobs: list[CardJob], manifest: Path, kept: int) -> list[Event]:
        """The events of this render run again with nothing changed: every card cached, in
        plan order. None when a card failed (such a run is never answered by the stamp)."""
        found = [self._card_id(job) for job in card_jobs]
        if self.failures or any(card not in self.fresh for card in found):
            return []
        cards: list[Event] = [_card_event(self.state[card], "cached") for card in found]
        counts = {"rendered": 0, "cached": len(cards), "failed": 0, "kept": kept}
        return [
            _start_event(self.out, len(cards), 0),
            *cards,
            *self.carousel_events,
            _done_event(counts, manifest),
        ]

    def _carousel_said(self, event: CarouselEvent) -> None:
        self.carousel_events.append(event)
        self.emit(event)

    def _fit_all(
        self,
        feed: _Feed,
        todo: list[_Todo],
        first: Scene | PackedError | None = None,
    ) -> dict[int, _Fitted]:
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
            if not isinstance(snippets, CardgenError) and self._in_shared_cache(key):
                scenes[index] = _Fitted(0, 0, 0)  # drawn before, by any machine: copied
                self.from_cache.add(index)
                feed.add(index)
                continue
            if isinstance(feed.pool, DaskPool):
                elsewhere.append(index)
                continue
            result = first if index == 0 and first is not None else self._fit_here(job)
            if isinstance(result, PackedError):
                self._fail(job, result.error())
            elif isinstance(snippets, CardgenError):
                self._fail(job, snippets)
            else:
                # Kept pickled, on disk, until drawn: a long batch's memory does not grow
                # while every card is fitted first.
                packed = pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
                facts = json.dumps(scene_facts(result)).encode()
                where = self.state.file.put(packed + facts)
                scenes[index] = _Fitted(where, len(packed), len(facts))
                feed.add(index)
            feed.pool.poll()
        if isinstance(feed.pool, DaskPool) and elsewhere:
            cards = [(index, todo[index]) for index in elsewhere]
            self._fit_on_cluster(feed.pool, cards, scenes, feed)
        return scenes

    def _fit_on_cluster(
        self,
        pool: DaskPool,
        todo: list[tuple[int, _Todo]],
        scenes: dict[int, _Fitted],
        feed: _Feed,
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
                scenes[index] = _Fitted(self.state.file.put(facts), 0, len(facts))
                feed.add(index)

    def _in_shared_cache(self, key: str) -> bool:
        if self.cache is None or self.force:
            return False
        try:
            return self.cache.has(key)
        except (OSError, ValueError) as exc:
            self._cache_trouble(exc)
            return False

    def _cache_trouble(self, exc: Exception) -> None:
        """The shared cache is a shortcut: trouble with it is a warning (once), not a stop."""
        if self.cache is not None:
            self.emit({"event": "warning", "message": f"--cache {self.cache.where}: {exc}"})
            self.cache = None

    def _from_shared_cache(self, job: CardJob, key: str) -> tuple[SceneFacts, Drawn, bool]:
        """(facts, draw result, copied) of a card the cache held when fitting began; drawn
        here (not copied) if its entry has gone or is damaged since."""
        try:
            hit = self.cache.get(key) if self.cache is not None else None
        except (OSError, ValueError) as exc:
            self._cache_trouble(exc)
            hit = None
        if hit is not None:
            return cast(SceneFacts, hit.facts), (hit.data, hit.fmt, None), True
        scene = self._fit_here(job)
        if isinstance(scene, PackedError):
            return cast(SceneFacts, {}), scene, False
        packed = pickle.dumps(scene, pickle.HIGHEST_PROTOCOL)
        drawn = draw_in_worker(packed, job.fmt, job.platform.file_limit)
        return scene_facts(scene), drawn, False

    def _fit_here(self, job: CardJob) -> Scene | PackedError:
        try:
            return fit_card(job, self.project)
        except CardgenError as exc:
            return PackedError.of(exc)

    def _unlist_what_changes(
        self,
        todo: list[_Todo],
        scenes: dict[int, _Fitted],
        cached: list[tuple[CardJob, int]],
    ) -> None:
        """Before any file the manifest on disk describes is replaced, that manifest is
        rewritten without those cards (and durably), their records moved to the journal: a
        run stopped at any point, even by a power cut, leaves a manifest whose every card
        is on disk as it says, and a journal with the rest."""
        changing: set[str] = set()
        for index in scenes:
            job = todo[index][0]
            changing.update((job.path, caption_path(job.path)))
            old = self.state.get(self._card_id(job))
            if old is not None:
                changing.update((old["path"], caption_path(old["path"])))
        for job, where in cached:
            record = self._recaptioned(job, where)
            if self._caption_changes(record):
                changing.add(caption_path(record["path"]))
        keep = RecordSpool(self.listed.file)
        paths = set()
        for listed_id, record in self.listed.items():  # read one at a time
            if not {record["path"], caption_path(record["path"])} & changing:
                keep.share(listed_id, self.listed)
                paths.add(record["path"])
        if paths == self.manifest_paths:
            return
        # The journal holds what the manifest lets go of: a run killed before redrawing
        # those cards leaves them known, and the next run finds them whole or redraws them.
        for listed_id, record in self.listed.items():
            if listed_id not in keep:
                self.journal.append(record)
        self.journal.sync()
        write_manifest(
            self.out,
            f"cardgen {__version__}",
            keep,
            durable=True,
            log=self.log,
            shard=self.shard,
        )
        self.listed = keep
        self.manifest_paths = paths

    def _recaptioned(self, job: CardJob, where: int) -> CardRecord:
        """A cached card's record as on disk, with the caption and alt text of now."""
        record = self.state[self._card_id(job)]
        record["caption"], record["alt_text"] = self._snippets(where)
        return record

    def _snippets(self, where: int) -> tuple[str, str]:
        """A card's caption and alt text, back from the spool."""
        caption, alt = self.state.file.read(where)
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

    def _draw_all(
        self,
        pool: Pool | DaskPool,
        feed: _Feed,
        todo: list[_Todo],
        scenes: dict[int, _Fitted],
    ) -> None:
        if scenes and not isinstance(pool, InlinePool):
            from cardgen.review.gallery import prepare

            prepare()  # while the workers draw, not after them: the review page is written last
        # In plan order: workers run ahead, events and errors come out the same every run.
        # Each result is let go once written, so a long batch does not keep every card's bytes.
        for index in list(scenes):
            job, key, where = todo[index]
            assert not isinstance(where, CardgenError)  # such cards have no scene
            snippets = self._snippets(where)
            facts: SceneFacts
            result: Drawn | CardNotDrawn
            fitted = scenes.pop(index)
            feed.take()
            if index in self.from_cache:
                facts, result, copied = self._from_shared_cache(job, key)
            else:
                result, copied = pool.result(index), False
                raw = self.state.file.get(fitted.where + fitted.packed, fitted.facts)
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
            sha256 = self._write_card(job, key, facts, data, final_fmt, snippets, copied=copied)
            store_thumbnail(self.out, sha256, thumbnail, log=self.log)
            if not copied and self.cache is not None:
                try:
                    self.cache.put(key, CachedCard(data, final_fmt, dict(facts)))
                except (OSError, ValueError, CardgenError) as exc:
                    self._cache_trouble(exc)

    def _write_card(
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
        found = record_id(record)
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
        self.emit(_card_event(record))
        return record["sha256"]

    def _write_caption(self, record: CardRecord) -> None:
        if self._caption_changes(record):
            self.wrote = True
            text = snippet_text(record["caption"], record["alt_text"])
            write_inside(self.out, record["caption_file"], text.encode("utf-8"), log=self.log)

    def _keep_cached(self, job: CardJob, record: CardRecord) -> None:
        record["status"] = "cached"
        record["caption_file"] = caption_path(record["path"])
        self._write_caption(record)
        found = record_id(record)
        self.state[found] = record
        self.fresh[found] = "cached"
        self.emit(_card_event(record))

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
        self.emit(_failure_event(failure, job.path))

    def _finish(self) -> Path:
        """captions.csv and the review page, then the manifest (last); then the journal goes.

        If they cannot be written (a full disk), the folder is taken back to what the
        manifest on disk says: the cards it does not list, which this run or a killed one
        wrote, are removed with the journal, so no card is left that no manifest lists."""
        # Read back from the spool one card at a time, in each file's own order.
        records = Restated(self.state, lambda card: None if card in self.fresh else "kept")
        carousels = self.carousel_records
        if carousels is None:  # interrupted or failed first: listed as they were
            carousels = old_carousels(self.out)
        try:
            write_captions_csv(self.out, records, extra=caption_rows(carousels), log=self.log)
            from cardgen.review.gallery import write_gallery

            platforms = self.project.platforms
            write_gallery(self.out, records, platforms, carousels=carousels, log=self.log)
            if self.wrote or carousels:
                sync_file_system(self.out)  # every card on disk before the manifest names it
            manifest = write_manifest(
                self.out,
                f"cardgen {__version__}",
                records,
                log=self.log,
                shard=self.shard,
                carousels=carousels,
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


def _start_event(out: Path, cards: int, to_render: int) -> StartEvent:
    return {
        "event": "start",
        "out": str(out),
        "cards": cards,
        "to_render": to_render,
        "cached": cards - to_render,
    }


def _done_event(counts: dict[str, int], manifest: Path) -> DoneEvent:
    return {
        "event": "done",
        "cards": counts["rendered"] + counts["cached"],
        "rendered": counts["rendered"],
        "cached": counts["cached"],
        "failed": counts["failed"],
        "kept": counts["kept"],
        "manifest": str(manifest),
    }


def _card_event(record: CardRecord, status: Status | None = None) -> CardEvent:
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


def _failure_event(failure: Failure, path: str | None) -> CardEvent:
    return {
        "event": "card",
        "selection": failure.selection,
        "quote_id": failure.quote_id,
        "platform": failure.platform,
        "status": "failed",
        "error": failure.message,
        "path": path,
    }
