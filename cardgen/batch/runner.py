"""Run a batch (`cardgen.render`), top to bottom: the choices checked, the selections
loaded and planned (`--pick`, `--shard`), then a dry run (`dryrun`) or the run itself
(`run`: fitting, drawing and writing), under the output folder's lock and the signal guard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from cardgen.batch import scheduling
from cardgen.batch.cache import open_cache
from cardgen.batch.cachekeys import Memo, cache_key, files_read, fonts_digest
from cardgen.batch.cardplan import LoadedSelections
from cardgen.batch.carousel_records import relative
from cardgen.batch.carousels import plan_carousels
from cardgen.batch.dryrun import dry_run
from cardgen.batch.executors import DaskPool, ExecutorChoice, choose_executor
from cardgen.batch.folder import check_own_files, check_selection_names, claim, refuse_dangerous
from cardgen.batch.options import DEFAULT_OUT, RenderOptions, one_of
from cardgen.batch.output import OutputLock, expand_out, mark
from cardgen.batch.plan import (
    DEFAULT_LAYOUT,
    CardJob,
    Failure,
    Project,
    RenderReport,
    load_selections,
    plan,
    shown_path,
)
from cardgen.batch.records import Event, ShardHeader
from cardgen.batch.rotation import History, history_folder, pick, read_history, remember
from cardgen.batch.run import Run
from cardgen.batch.shards import Shard, parse_shard, take_shard
from cardgen.batch.spool import Joined
from cardgen.batch.workers import draw_on_worker, fit_on_worker
from cardgen.errors import ContentError, InputError
from cardgen.source.quotes import LoadedSelection


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
        # A carousel too is drawn by one shard only, by the same hash of what names it.
        carousel_jobs = [
            job
            for job in carousel_jobs
            if shard.holds(job.selection.name, job.spec.id, job.target.id)
        ]
    check_own_files(out, [job.path for job in card_jobs])
    workers, note = scheduling.usable_jobs(options.jobs)
    if note is not None:
        emit({"event": "warning", "message": note})
    if options.dry_run:
        report = dry_run(card_jobs, project, out, options.force, emit, failures)
    else:
        cluster = _connect(executor)  # before the lock: a scheduler out of reach writes nothing
        for message in cluster.warnings if cluster is not None else ():
            emit({"event": "warning", "message": message})
        run = Run(
            project,
            out,
            force=options.force,
            keep_going=options.keep_going,
            emit=emit,
            cache=cache,
            cluster=cluster,
            shard=header,
        )
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
                said: list[Event] = [{"event": "warning", "message": note}]
                report.rerun_events = Joined(said, report.rerun_events)
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
    card_jobs: Sequence[CardJob], shard: Shard, project: Project
) -> tuple[list[CardJob], ShardHeader]:
    fonts = fonts_digest(project)
    memo: Memo = {}
    return take_shard(
        card_jobs,
        shard,
        lambda job: (job.selection.name, job.quote.id, job.platform.id),
        lambda job: cache_key(job, project, fonts, memo),
    )


def _remember(
    folder: Path,
    history: History,
    report: RenderReport,
    card_jobs: Sequence[CardJob],
    project: Project,
) -> None:
    done = {(c["selection"], c["quote_id"]) for c in report.cards}
    remember(folder, history, done, report.failures, card_jobs, project)


def _load(
    selections: Sequence[Path] | None,
    project: Project,
    keep_going: bool,
    failures: list[Failure],
) -> Sequence[LoadedSelection]:
    if not keep_going:
        return load_selections(selections, project)
    files = list(selections) if selections else project.selection_files()
    if not files:
        return load_selections(files, project)  # raises the usual "no selections" error
    loaded = LoadedSelections()  # on disk, not in memory, as load_selections keeps them
    for path in files:
        try:
            for selection in load_selections([path], project, failures=failures):
                loaded.append(selection)
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
