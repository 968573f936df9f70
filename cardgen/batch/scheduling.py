"""How a batch's cards are scheduled: how many workers the machine can run, how they
start (forked, or from a forkserver), and the pool that draws with them."""

from __future__ import annotations

import functools
import os
import sys
import threading
from pathlib import Path

from cardgen.batch.pool import DrawPool, InlinePool, WorkerStart
from cardgen.batch.workers import DrawnCard, draw_in_worker, worker_init
from cardgen.limits import WORKER_MEMORY_BYTES

# Imported once by the forkserver, so every worker forked from it starts with them;
# `__main__` too, or each worker of the console script would import the CLI again.
_PRELOAD = [
    "__main__",
    "cardgen.batch.workers",
    "cardgen.drawing.raster",
    "cardgen.drawing.sizefit",
]

Pool = DrawPool[DrawnCard] | InlinePool[DrawnCard]

# Cards drawn while others are still being fitted wait in memory until every card has fitted:
# at most this many bytes of them, with a few draws queued ahead of the workers.
EARLY_BYTES = 32 * 1024 * 1024
EARLY_QUEUED = 8


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


def worker_start(root: Path) -> WorkerStart:
    """How the next worker starts: forked from this process when that is safe, else from a
    forkserver (or spawned), opening the project at `root` itself."""
    import multiprocessing

    if can_fork():
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
        server = multiprocessing.get_context("forkserver")
        server.set_forkserver_preload(_PRELOAD)
        return WorkerStart(server, worker_init, (root,))
    return WorkerStart(multiprocessing.get_context("spawn"), worker_init, (root,))


def can_fork() -> bool:
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


def start_pool(root: Path, jobs: int, tasks: int) -> DrawPool[DrawnCard]:
    """Up to `jobs` workers for `tasks` cards of the project at `root`; drawn cards wait
    (within `EARLY_BYTES`, `EARLY_QUEUED` ahead) until the run writes them."""
    return DrawPool(
        draw_in_worker,
        min(jobs, tasks),
        functools.partial(worker_start, root),
        window=EARLY_QUEUED,
        held_limit=EARLY_BYTES,
    )
