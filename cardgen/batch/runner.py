"""Run a batch: cache keys, parallel fitting and drawing, atomic writes, manifest last.

The main process plans, decides what is cached, writes every file and keeps
the journal; worker processes only fit and draw. So what is on disk is always
known: a run stopped by Ctrl-C, SIGTERM or SIGKILL loses no finished card.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from types import FrameType
from typing import Any, NamedTuple

from cardgen import __version__
from cardgen.batch.cache import CachedCard, SharedCache, open_cache
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
    mark,
    open_inside,
    refuse_dangerous,
    safe_relative,
)
from cardgen.batch.options import RenderOptions
from cardgen.batch.output import (
    Journal,
    OutputLock,
    expand_out,
    history_folder,
    read_history,
    read_manifest,
    remove_inside,
    remove_temporaries,
    snippet_text,
    sync_file_system,
    write_captions_csv,
    write_history,
    write_inside,
    write_manifest,
)
from cardgen.batch.plan import (
    DEFAULT_LAYOUT,
    CardJob,
    Failure,
    Project,
    RenderReport,
    _content,
    _record,
    _relative,
    _scene,
    _snippets,
    load_selections,
    plan,
    scene_facts,
)
from cardgen.batch.pool import CardNotDrawn, DrawPool, InlinePool, WorkerStart
from cardgen.batch.shards import Shard, parse_shard, take_shard
from cardgen.batch.workers import (
    PackedError,
    draw_in_worker,
    draw_on_worker,
    fit_on_worker,
    worker_init,
)
from cardgen.drawing.encoders import extension
from cardgen.drawing.memory import keep_freed_memory
from cardgen.errors import CardgenError, ContentError, InputError
from cardgen.limits import WORKER_MEMORY_BYTES
from cardgen.review.thumbs import store_thumbnail
from cardgen.source.quotes import LoadedSelection
from cardgen.yamlio import display_path

Event = dict[str, Any]
CardId = tuple[str, str, str]  # (selection file, quote id, platform)


# Imported once by the forkserver, so every worker forked from it starts with them;
# `__main__` too, or each worker of the console script would import the CLI again.
_PRELOAD = [
    "__main__",
    "cardgen.batch.workers",
    "cardgen.drawing.raster",
    "cardgen.drawing.sizefit",
]

# Cards drawn while others are still being fitted wait in memory until every card has fitted:
# at most this many bytes of them, with a few draws queued ahead of the workers.
EARLY_BYTES = 32 * 1024 * 1024
EARLY_QUEUED = 8


def default_jobs() -> int:
    """Worker processes by default: the CPUs this process may use, within memory."""
    return usable_jobs(None)[0]


def usable_jobs(requested: int | None) -> tuple[int, str | None]:
    """`--jobs` within what the machine can run: no more workers than CPUs, nor than the
    available memory holds at `WORKER_MEMORY_BYTES` each. With a note when `requested` was
    more (`--jobs 1000` would otherwise start a thousand processes and run out of memory)."""
    try:
        cpus = max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        cpus = max(1, os.cpu_count() or 1)
    memory = _available_memory()
    by_memory = max(1, memory // WORKER_MEMORY_BYTES) if memory else cpus
    cap = min(cpus, by_memory)
    if requested is None or requested <= cap:
        return requested or cap, None
    room = f", {memory / 1e9:.1f} GB of memory available" if memory else ""
    return cap, (
        f"--jobs {requested} is more than this machine can use: {cap} worker"
        f"{'s' if cap > 1 else ''} ({cpus} CPU{'s' if cpus > 1 else ''}{room})"
    )


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


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
        loaded = _pick(loaded, options.pick, history)
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
    workers, note = usable_jobs(options.jobs)
    if note is not None:
        emit({"event": "warning", "message": note})
    if options.dry_run:
        report = _dry_run(card_jobs, project, out, options.force, emit, failures)
    else:
        cluster = _connect(executor)  # before the lock: a scheduler out of reach writes nothing
        for message in cluster.warnings if cluster is not None else ():
            emit({"event": "warning", "message": message})
        with _terminate_as_interrupt(), OutputLock(out, wait=options.wait), _closing(cluster):
            mark(out)
            run = _Run(project, out, force=options.force, keep_going=options.keep_going, emit=emit)
            run.shard, run.cache, run.cluster = header, cache, cluster
            run.failures.extend(failures)
            run.carousels = (carousel_jobs, [relative(s.path, project.root) for s in loaded])
            report = run.execute(card_jobs, workers)
            if history is not None:
                _remember(history_dir, history, report, card_jobs, project)
            report.inputs = _files_read(loaded, project)
    report.options = options
    return report


def _connect(executor: ExecutorChoice | None) -> DaskPool | None:
    if executor is None or not executor.uses_dask:
        return None
    from cardgen import limits
    from cardgen.batch.executors import DaskPool

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
    memo: dict[Any, dict[str, str]] = {}
    return take_shard(
        card_jobs,
        shard,
        lambda job: (job.selection.name, job.quote.id, job.platform.id),
        lambda job: cache_key(job, project, fonts, memo),
    )


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
            failures.append(Failure(_relative(path, project.root), "*", "*", exc.one_line()))
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


def _pick(loaded: list[LoadedSelection], count: int, history: dict[str, Any]) -> list[Any]:
    """Keep the `count` quotes least recently rendered (never rendered first, then oldest)."""
    used: dict[str, int] = history["quotes"]
    order = [(s.name, q.id) for s in loaded for q in s.quotes]
    ranked = sorted(
        range(len(order)), key=lambda i: (used.get(f"{order[i][0]}/{order[i][1]}", -1), i)
    )
    chosen = {order[i] for i in ranked[: max(0, count)]}
    return [
        replace(s, quotes=tuple(q for q in s.quotes if (s.name, q.id) in chosen)) for s in loaded
    ]


def _remember(
    folder: Path,
    history: dict[str, Any],
    report: RenderReport,
    card_jobs: list[CardJob],
    project: Project,
) -> None:
    """Mark the quotes whose every card is on disk as used by this run."""
    done = {(c["selection"], c["quote_id"]) for c in report.cards}
    failed = {(f.selection, f.quote_id) for f in report.failures}
    run_number = int(history.get("runs", 0)) + 1
    quotes = dict(history["quotes"])
    for job in card_jobs:
        key = (_relative(job.selection.path, project.root), job.quote.id)
        if key in done and key not in failed:
            quotes[f"{job.selection.name}/{job.quote.id}"] = run_number
    write_history(folder, {"runs": run_number, "quotes": quotes})


def _dry_run(
    card_jobs: list[CardJob],
    project: Project,
    out: Path,
    force: bool,
    emit: Callable[[Event], None],
    failures: list[Failure],
) -> RenderReport:
    known = _known_records(out, _warner(emit)).records
    fonts = fonts_digest(project)
    cards = []
    for job in card_jobs:
        key = cache_key(job, project, fonts)
        old = known.get(_card_id(job, project))
        status = "cached" if (old and old.get("cache_key") == key and not force) else "render"
        brief = {
            "selection": _relative(job.selection.path, project.root),
            "quote_id": job.quote.id,
            "platform": job.platform.id,
            "path": old["path"] if status == "cached" and old else job.path,
            "status": status,
        }
        cards.append(brief)
        emit({"event": "card", **brief})
    counts = {
        "render": sum(c["status"] == "render" for c in cards),
        "cached": sum(c["status"] == "cached" for c in cards),
        "failed": len(failures),
    }
    emit({"event": "done", "dry_run": True, "cards": len(cards), **counts})
    return RenderReport(
        out=out, cards=cards, manifest=None, failures=failures, counts=counts, dry_run=True
    )


# --- cache keys ---------------------------------------------------------------------------


def fonts_digest(project: Project) -> str:
    """One hash of every font file cardgen may pick from (names and contents)."""
    from cardgen.typography.fontfiles import FONT_SUFFIXES, font_folders

    digest = hashlib.sha256()
    for folder in font_folders(project.root):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in FONT_SUFFIXES and path.is_file():
                digest.update(path.relative_to(folder).as_posix().encode())
                digest.update(_file_hash(path).encode())
    return digest.hexdigest()


def _files_read(loaded: list[LoadedSelection], project: Project) -> list[Path]:
    """Selections, their articles, and the pictures and logos of the layouts and brands used."""
    files = [path for s in loaded for path in (s.path, s.article.path)]
    dumps = [item.model_dump(mode="json") for item in project.loaded()]
    files += [Path(p) for p in _image_paths(dumps)]
    return list(dict.fromkeys(files))


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _image_paths(value: Any) -> list[str]:
    """Every `src` (and brand `logo`) path named anywhere in a dumped layout or brand."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("src", "logo") and isinstance(item, str):
                found.append(item)
            else:
                found.extend(_image_paths(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_image_paths(item))
    return found


@functools.lru_cache(maxsize=256)
def _image_hash(path: str, mtime_ns: int, size: int) -> str:
    # Keyed by mtime and size so an edited picture is hashed again, an unchanged one once.
    return _file_hash(Path(path))


def images_digest(*dumps: Any) -> dict[str, str]:
    """Content hashes of the pictures and logos a card uses: editing one re-renders it."""
    hashes = {}
    for name in sorted(set(_image_paths(list(dumps)))):
        path = Path(name)
        if path.is_file():
            stat = path.stat()
            hashes[name] = _image_hash(str(path), stat.st_mtime_ns, stat.st_size)
    return hashes


def cache_key(
    job: CardJob, project: Project, fonts: str, memo: dict[Any, dict[str, str]] | None = None
) -> str:
    """What decides a card's bytes: text, resolved layout and brand, images, platform, fonts,
    version.

    `memo` (one per run) keeps the serialised layout, brand, images and platform of each
    (layout, platform, brand): the same for every card that shares them.
    """
    from cardgen.drawing.encoders import ENCODE_OPTIONS

    brand = project.brand(job.brand)
    shared_key = (job.layout, job.platform, job.brand)
    shared = memo.get(shared_key) if memo is not None else None
    if shared is None:
        layout = project.layout(job.layout, job.platform).model_dump(mode="json")
        brand_dump = brand.model_dump(mode="json")
        images = images_digest(layout, brand_dump)
        # Paths named by where they are in the project: a project checked out elsewhere
        # (another machine, a shard of a CI matrix) keeps its keys, so shared caches hit.
        where = _portable_paths(project.root, _image_paths([layout, brand_dump]))
        shared = {
            "layout": _dumps(_rename(layout, where)),
            "brand": _dumps(_rename(brand_dump, where)),
            "images": _dumps({where.get(k, k): v for k, v in images.items()}),
            "platform": _dumps(asdict(job.platform)),
        }
        if memo is not None:
            memo[shared_key] = shared
    parts = {
        **shared,
        "cardgen": _dumps(__version__),
        "content": _dumps(asdict(_content(job, brand))),
        "format": _dumps(job.fmt),
        "encoder": _dumps(ENCODE_OPTIONS),
        "fonts": _dumps(fonts),
    }
    # Exactly the text of dumping the whole payload with sort_keys: keys stay as they were.
    text = "{" + ", ".join(f"{json.dumps(k)}: {parts[k]}" for k in sorted(parts)) + "}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _portable_paths(root: Path, paths: Any) -> dict[str, str]:
    """Absolute image paths -> the same relative to the project (or to cardgen's own data)."""
    import cardgen

    bases = {"project": root.resolve(), "cardgen": Path(cardgen.__file__).resolve().parent}
    names = {}
    for name in paths:
        path = Path(name)
        for label, base in bases.items():
            if path.is_relative_to(base):
                names[name] = f"{label}:{path.relative_to(base).as_posix()}"
                break
    return names


def _rename(value: Any, names: dict[str, str]) -> Any:
    """`value` (a dumped layout or brand) with every string of `names` replaced."""
    if isinstance(value, dict):
        return {key: _rename(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_rename(item, names) for item in value]
    return names.get(value, value) if isinstance(value, str) else value


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)


# --- the run ------------------------------------------------------------------------------


def _card_id(job: CardJob, project: Project) -> CardId:
    return (_relative(job.selection.path, project.root), job.quote.id, job.platform.id)


def _record_id(record: dict[str, Any]) -> CardId:
    return (str(record["selection"]), str(record["quote_id"]), str(record["platform"]))


class _Known(NamedTuple):
    records: dict[CardId, dict[str, Any]]  # on disk as recorded: the manifest, then the journal
    listed: dict[CardId, dict[str, Any]]  # those of the manifest alone
    manifest_paths: set[str]  # every card path the manifest on disk names, true or not


def _known_records(out: Path, warn: Callable[[str], None]) -> _Known:
    """Cards on disk from earlier runs: the manifest, then the journal of a killed run.

    A record counts only if its path is a plain path inside OUT and its file is there, a
    regular file reached through real folders, with the size and hash it names.
    """
    manifest = read_manifest(out, warn)
    journal = Journal(out).read()
    known = _Known({}, {}, {str(r.get("path")) for r in manifest})
    for origin, records in (("manifest.json", manifest), (f"{STATE_DIR}/journal.jsonl", journal)):
        for record in records:
            path = record.get("path")
            if safe_relative(path) is None:
                warn(f"{out / origin}: card path {path!r} is not inside the output folder: ignored")
                continue
            try:
                card_id = _record_id(record)
                if hash_inside(out, str(path)) != (record["bytes"], record["sha256"]):
                    continue
            except (KeyError, TypeError):
                continue
            known.records[card_id] = record
            if origin == "manifest.json":
                known.listed[card_id] = record
    return known


def _warner(emit: Callable[[Event], None]) -> Callable[[str], None]:
    return lambda message: emit({"event": "warning", "message": message})


_Todo = tuple[CardJob, str, "tuple[str, str] | CardgenError"]  # (job, cache key, snippets)


class _Fitted(NamedTuple):
    """A fitted card until it is written: the scene pickled for drawing (also what a
    worker receives) and what its manifest record says of it."""

    packed: bytes
    facts: bytes  # JSON: ~1.7 kB a card where the dict of it takes ~5.4 kB


class _Run:
    def __init__(
        self,
        project: Project,
        out: Path,
        *,
        force: bool,
        keep_going: bool,
        emit: Callable[[Event], None],
    ) -> None:
        self.project = project
        self.out = out
        self.force = force
        self.keep_going = keep_going
        self.emit = emit
        self.failures: list[Failure] = []
        self.journal = Journal(out)
        self.state: dict[CardId, dict[str, Any]] = {}
        self.fresh: dict[CardId, dict[str, Any]] = {}  # this run's rendered and cached cards
        self.listed: dict[CardId, dict[str, Any]] = {}  # the manifest's true records
        self.manifest_paths: set[str] = set()  # what the manifest on disk names now
        self.writing = False
        self.wrote = False  # a card or caption file was written: sync before the manifest
        self.written: list[dict[str, Any]] = []  # records of the cards this run wrote
        self._relative: dict[Path, str] = {}  # selection paths, relative to the project
        self.carousels: tuple[list[CarouselJob], list[str]] = ([], [])  # jobs, selections read
        self.carousel_records: list[dict[str, Any]] | None = None  # drawn after the cards
        self.shard: dict[str, Any] | None = None  # the manifest's "shard" of a --shard run
        self.cache: SharedCache | None = None  # --cache: cards drawn before, by any machine
        self.from_cache: set[int] = set()  # indexes into todo of the cards it holds
        self.cluster: DaskPool | None = None  # --executor dask: it draws, not local workers

    def execute(self, card_jobs: list[CardJob], jobs: int) -> RenderReport:
        known = _known_records(self.out, _warner(self.emit))
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
        early = jobs > 1 and unknown > 1 and not _can_fork() and self.cluster is None
        started = self._start_pool(jobs, unknown) if early else self.cluster
        try:
            return self._execute(card_jobs, jobs, started)
        finally:
            if started is not None:
                started.close(graceful=False)  # closed already unless the run failed

    def _card_id(self, job: CardJob) -> CardId:
        # Every card of a selection shares its path: resolve it once a run, not per card.
        path = job.selection.path
        if path not in self._relative:
            self._relative[path] = _relative(path, self.project.root)
        return (self._relative[path], job.quote.id, job.platform.id)

    def _execute(
        self, card_jobs: list[CardJob], jobs: int, started: DrawPool | DaskPool | None
    ) -> RenderReport:
        fonts = fonts_digest(self.project)
        memo: dict[Any, dict[str, str]] = {}
        todo: list[_Todo] = []
        cached: list[tuple[CardJob, dict[str, Any]]] = []
        for job in card_jobs:
            snippets: tuple[str, str] | CardgenError
            try:
                snippets = _snippets(job, self.project)
            except CardgenError as exc:
                snippets = exc  # reported after fitting: a card that cannot fit is the worse news
            key = cache_key(job, self.project, fonts, memo)
            old = self.state.get(self._card_id(job))
            fresh = old is not None and old.get("cache_key") == key and not self.force
            if old is not None and fresh and not isinstance(snippets, CardgenError):
                cached.append((job, {**old, "caption": snippets[0], "alt_text": snippets[1]}))
            else:
                todo.append((job, key, snippets))
        prefit = None
        if started is None and jobs > 1 and len(todo) > 1 and _can_fork():
            # Forked once the first card is fitted, each worker starts with the fonts it needs
            # loaded (~0.1 s of a core otherwise); and before a progress bar starts a thread.
            prefit = self._fit_here(todo[0][0])
            started = self._start_pool(jobs, len(todo))
        self.emit(
            {
                "event": "start",
                "out": str(self.out),
                "cards": len(card_jobs),
                "to_render": len(todo),
                "cached": len(cached),
            }
        )
        for failure in self.failures:  # whole selections that failed to load
            self.emit({"event": "card", **_failure_event(failure), "path": None})
        pool: DrawPool | DaskPool | InlinePool = started or InlinePool(draw_in_worker)
        try:
            scenes = self._fit_all(pool, todo, prefit)
            self._unlist_what_changes(todo, scenes, cached)
            self.writing = True
            for job, record in cached:
                self._keep_cached(job, record)
            self._draw_all(pool, todo, scenes)
            pool.close()
            self.carousel_records = render_all(
                self.out, *self.carousels, self.project, old_carousels(self.out), self.emit
            )
        except BaseException:
            pool.close(graceful=False)
            # Interrupted or failed once writing began: the manifest still lists what is on disk.
            if self.writing:
                self._finish()
            raise
        manifest = self._finish()
        counts = {
            "rendered": sum(r["status"] == "rendered" for r in self.fresh.values()),
            "cached": sum(r["status"] == "cached" for r in self.fresh.values()),
            "failed": len(self.failures),
            "kept": len(self.state) - len(self.fresh),
        }
        self.emit(
            {
                "event": "done",
                "cards": counts["rendered"] + counts["cached"],
                **counts,
                "manifest": str(manifest),
            }
        )
        cards = sorted(self.fresh.values(), key=_record_id)
        return RenderReport(
            out=self.out, cards=cards, manifest=manifest, failures=self.failures, counts=counts
        )

    def _start_pool(self, jobs: int, tasks: int) -> DrawPool:
        return DrawPool(
            draw_in_worker,
            min(jobs, tasks),
            functools.partial(_worker_start, self.project.root),
            window=EARLY_QUEUED,
            held_limit=EARLY_BYTES,
        )

    def _fit_all(
        self, pool: DrawPool | DaskPool | InlinePool, todo: list[_Todo], first: Any = None
    ) -> dict[int, _Fitted]:
        """Fit every card before writing any: a card that cannot fit stops the run unwritten.

        Fitting is done here (~2 ms a card once words are shaped) while the workers start,
        so each card makes one round trip, to be drawn; fitted cards are handed to the
        workers as they fit (drawn, but written only after every card fits; the pool
        bounds how many wait drawn). `first`: the first card's result when fitted already.
        """
        scenes: dict[int, _Fitted] = {}
        elsewhere: list[int] = []  # --executor dask: fitted on the cluster
        for index, (job, key, snippets) in enumerate(todo):  # plan order: first problem reported
            if not isinstance(snippets, CardgenError) and self._in_shared_cache(key):
                scenes[index] = _Fitted(b"", b"")  # drawn before, by any machine: copied
                self.from_cache.add(index)
                continue
            if isinstance(pool, DaskPool):
                elsewhere.append(index)
                continue
            result = first if index == 0 and first is not None else self._fit_here(job)
            if isinstance(result, PackedError):
                self._fail(job, result.error())
            elif isinstance(snippets, CardgenError):
                self._fail(job, snippets)
            else:
                # Kept pickled until drawn: ~1.8 kB instead of ~7 kB of objects a card, so a
                # long batch's peak memory hardly grows while every card is fitted first.
                packed = pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
                scenes[index] = _Fitted(packed, json.dumps(scene_facts(result)).encode())
                pool.submit(index, packed, job.fmt, job.platform.file_limit)
            pool.poll()
        if isinstance(pool, DaskPool) and elsewhere:
            self._fit_on_cluster(pool, [(index, todo[index]) for index in elsewhere], scenes)
        return scenes

    def _fit_on_cluster(
        self, pool: DaskPool, todo: list[tuple[int, _Todo]], scenes: dict[int, _Fitted]
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
            else:
                scenes[index] = _Fitted(b"", facts)

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

    def _from_shared_cache(self, job: CardJob, key: str) -> tuple[dict[str, Any], Any, bool]:
        """(facts, draw result, copied) of a card the cache held when fitting began; drawn
        here (not copied) if its entry has gone or is damaged since."""
        try:
            hit = self.cache.get(key) if self.cache is not None else None
        except (OSError, ValueError) as exc:
            self._cache_trouble(exc)
            hit = None
        if hit is not None:
            return hit.facts, (hit.data, hit.fmt), True
        scene = self._fit_here(job)
        if isinstance(scene, PackedError):
            return {}, scene, False
        packed = pickle.dumps(scene, pickle.HIGHEST_PROTOCOL)
        drawn = draw_in_worker(packed, job.fmt, job.platform.file_limit)
        return scene_facts(scene), drawn, False

    def _fit_here(self, job: CardJob) -> Any:
        try:
            return _scene(job, self.project)
        except CardgenError as exc:
            return PackedError.of(exc)

    def _unlist_what_changes(
        self,
        todo: list[_Todo],
        scenes: dict[int, _Fitted],
        cached: list[tuple[CardJob, dict[str, Any]]],
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
        for _, record in cached:
            if self._caption_changes(record):
                changing.add(caption_path(record["path"]))
        keep = {
            card_id: record
            for card_id, record in self.listed.items()
            if not {record["path"], caption_path(record["path"])} & changing
        }
        if {r["path"] for r in keep.values()} == self.manifest_paths:
            return
        # The journal holds what the manifest lets go of: a run killed before redrawing
        # those cards leaves them known, and the next run finds them whole or redraws them.
        for card_id, record in self.listed.items():
            if card_id not in keep:
                self.journal.append(record)
        self.journal.sync()
        write_manifest(
            self.out, f"cardgen {__version__}", list(keep.values()), durable=True, shard=self.shard
        )
        self.listed = keep
        self.manifest_paths = {r["path"] for r in keep.values()}

    def _caption_changes(self, record: dict[str, Any]) -> bool:
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
        pool: DrawPool | DaskPool | InlinePool,
        todo: list[_Todo],
        scenes: dict[int, _Fitted],
    ) -> None:
        if scenes and not isinstance(pool, InlinePool):
            from cardgen.review.gallery import prepare

            prepare()  # while the workers draw, not after them: the review page is written last
        # In plan order: workers run ahead, events and errors come out the same every run.
        # Each result is let go once written, so a long batch does not keep every card's bytes.
        for index in list(scenes):
            job, key, snippets = todo[index]
            assert not isinstance(snippets, CardgenError)  # such cards have no scene
            if index in self.from_cache:
                facts, result, copied = self._from_shared_cache(job, key)
                scenes.pop(index)
            else:
                result, copied = pool.result(index), False
                facts = json.loads(scenes.pop(index).facts)
            if isinstance(result, PackedError | CardNotDrawn):
                error = result.error() if isinstance(result, PackedError) else result
                error.file = error.file or display_path(job.selection.path)
                error.message = f"{job.selection.name}/{job.quote.id} on {job.platform.id}: " + (
                    error.message
                )
                self._fail(job, error)
                continue
            data, final_fmt, *made = result  # a worker's draw carries its thumbnail too
            self._write_card(job, key, facts, data, final_fmt, snippets, copied=copied)
            store_thumbnail(self.out, self.written[-1]["sha256"], made[0] if made else None)
            if not copied and self.cache is not None:
                try:
                    self.cache.put(key, CachedCard(data, final_fmt, facts))
                except (OSError, ValueError, CardgenError) as exc:
                    self._cache_trouble(exc)

    def _write_card(
        self,
        job: CardJob,
        key: str,
        facts: dict[str, Any],
        data: bytes,
        final_fmt: str,
        snippets: tuple[str, str],
        *,
        copied: bool = False,
    ) -> None:
        if final_fmt != job.fmt:  # re-encoded to fit the file limit
            stem = job.path.rsplit(".", 1)[0]
            job = replace(job, fmt=final_fmt, path=f"{stem}.{extension(final_fmt)}")
        record = _record(job, facts, data, snippets, self.project)
        record["cache_key"] = key
        record["caption_file"] = caption_path(job.path)
        if copied:  # from the shared cache: not drawn by this run
            record["status"] = "cached"
        with _card_and_record_together():
            self.wrote = True
            self.written.append(record)  # known before the file: a roll-back finds it
            write_inside(self.out, job.path, data)
            self._write_caption(record)
            card_id = _record_id(record)
            self._forget_old_files(self.state.get(card_id), record)
            self.journal.append(record)
            self.state[card_id] = self.fresh[card_id] = record
        self.emit({"event": "card", **_brief(record)})

    def _write_caption(self, record: dict[str, Any]) -> None:
        if self._caption_changes(record):
            self.wrote = True
            text = snippet_text(record["caption"], record["alt_text"])
            write_inside(self.out, record["caption_file"], text.encode("utf-8"))

    def _keep_cached(self, job: CardJob, record: dict[str, Any]) -> None:
        record["status"] = "cached"
        record["caption_file"] = caption_path(record["path"])
        self._write_caption(record)
        card_id = _record_id(record)
        self.state[card_id] = self.fresh[card_id] = record
        self.emit({"event": "card", **_brief(record)})

    def _forget_old_files(self, old: dict[str, Any] | None, new: dict[str, Any]) -> None:
        """A card re-encoded to another format leaves no stale file under its old name."""
        if old is not None and old["path"] != new["path"]:
            self._remove_if_ours(old, keep={new["caption_file"]})

    def _remove_if_ours(
        self, record: dict[str, Any], keep: set[str] | frozenset[str] = frozenset()
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
            _relative(job.selection.path, self.project.root),
            job.quote.id,
            job.platform.id,
            exc.one_line(),
        )
        self.failures.append(failure)
        self.emit({"event": "card", **_failure_event(failure), "path": job.path})

    def _finish(self) -> Path:
        """captions.csv and the review page, then the manifest (last); then the journal goes.

        If they cannot be written (a full disk), the folder is taken back to what the
        manifest on disk says: the cards it does not list, which this run or a killed one
        wrote, are removed with the journal, so no card is left that no manifest lists."""
        records = []
        for card_id, record in self.state.items():
            if card_id not in self.fresh:
                record = {**record, "status": "kept"}
            records.append(record)
        carousels = self.carousel_records
        if carousels is None:  # interrupted or failed first: listed as they were
            carousels = old_carousels(self.out)
        try:
            write_captions_csv(self.out, [*records, *caption_rows(carousels)])
            from cardgen.review.gallery import write_gallery

            write_gallery(self.out, records, self.project.platforms, carousels=carousels)
            if self.wrote or carousels:
                sync_file_system(self.out)  # every card on disk before the manifest names it
            manifest = write_manifest(
                self.out,
                f"cardgen {__version__}",
                records,
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
        for record in [*self.state.values(), *self.written]:
            if record["path"] not in self.manifest_paths:
                self._remove_if_ours(record)
        self.journal.clear()


def _worker_start(root: Path) -> WorkerStart:
    """How the next worker starts: forked from this process when that is safe, else from a
    forkserver (or spawned), opening the project at `root` itself."""
    import multiprocessing

    if _can_fork():
        # fork (Linux, one thread): each worker is a copy of this process made in a
        # millisecond, with cardgen, Pillow and the project already loaded; a forkserver
        # would spend ~0.25 s of a core starting Python and importing them again.
        import cardgen.drawing.raster
        import cardgen.drawing.sizefit  # noqa: F401  (loaded once here, not in each worker)

        return WorkerStart(multiprocessing.get_context("fork"), worker_init, (None,))
    # forkserver (other POSIX, or threads running): one clean server process imports the
    # drawing side once and forks each worker from it, without the CLI as `__main__`;
    # no locks or threads inherited from this process. spawn elsewhere.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context: Any = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
    else:
        context = multiprocessing.get_context("spawn")
    return WorkerStart(context, worker_init, (root,))


def _can_fork() -> bool:
    """Whether workers may be forked from this process: Linux, and no other thread running.

    A fork copies only the calling thread, so a lock another thread held would stay held
    in the worker forever; with one thread there is none. (macOS's system libraries are
    not fork-safe, so it keeps the forkserver or spawn.)
    """
    import multiprocessing

    return (
        sys.platform.startswith("linux")
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.current_thread() is threading.main_thread()
        and threading.active_count() == 1
    )


def _brief(record: dict[str, Any]) -> dict[str, Any]:
    keys = ("selection", "quote_id", "platform", "path", "status", "width", "height", "bytes")
    return {k: record[k] for k in keys}


def _failure_event(failure: Failure) -> dict[str, Any]:
    return {
        "selection": failure.selection,
        "quote_id": failure.quote_id,
        "platform": failure.platform,
        "status": "failed",
        "error": failure.message,
    }


_HELD: list[int] = []  # signals held while a card and its record are written together
_holding = 0


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: stop, keep finished cards, write the manifest."""


def _stop_for(signum: int) -> KeyboardInterrupt:
    return _Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


@contextmanager
def _card_and_record_together() -> Iterator[None]:
    """A signal arriving between a card's file and its record waits until both are done:
    otherwise the card would be on disk but missing from the manifest."""
    global _holding
    _holding += 1
    try:
        yield
    finally:
        _holding -= 1
    if not _holding and _HELD:
        raise _stop_for(_HELD.pop())


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if _holding:
            _HELD.append(signum)
            return
        raise _stop_for(signum)

    _HELD.clear()
    previous = signal.signal(signal.SIGTERM, handler)
    previous_int = signal.getsignal(signal.SIGINT)
    if previous_int is signal.default_int_handler:  # leave a caller's own handler alone
        signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        if previous_int is signal.default_int_handler:
            signal.signal(signal.SIGINT, previous_int)
        sys.stderr.flush()
