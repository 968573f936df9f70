"""Fitting and drawing on a Dask cluster: `--executor dask --scheduler tcp://HOST:8786`, or
`--executor dask-local --workers N` (a LocalCluster on 127.0.0.1, for trying it).

The main process plans and writes, as with local workers; the cluster fits (line
breaking, sizes: ~2 ms a card) and draws and encodes (~15 ms a card). A worker needs no
shared disk: it gets the run's `fitkit.FitKit` (resolved layouts, brands and platforms,
and the project's fonts and pictures by sha256) and each card's text, so its card is
byte-identical to a local one. A worker that dies has its tasks rescheduled by Dask; a
card whose workers die again and again is `CardNotDrawn`, like with local workers.
"""

from __future__ import annotations

import importlib
import re
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from cardgen import __version__
from cardgen.errors import CardgenError, InputError

if TYPE_CHECKING:
    from cardgen.batch.fitkit import FitKit, WorkerCard
    from cardgen.batch.pool import CardNotDrawn
    from cardgen.batch.workers import DrawnCard, FittedGroup

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

EXECUTORS = ("local", "dask", "dask-local")
GROUP = 16  # cards per Dask task: Dask's own cost per task (~1 ms) shared by them
_ADDRESS = re.compile(r"(?:(tcp|tls)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})")
_INSTALL = "install the Dask extra: pip install 'cardgen[dask]'"

# Dask's housekeeping, run every so often whatever the cards, read by each scheduler, nanny
# and worker as it starts: sampling the running task's stack every 10 ms for the
# dashboard's profile, the event loop's health every 20 ms, memory every 100 ms, the
# system every 500 ms. Measured idle, ~2% of a core for each process of a LocalCluster:
# on a loaded machine, where a run lasts long, most of Dask's CPU overhead. Nobody looks
# at them here (no dashboard), so they run seldom; memory is still watched every second.
QUIET: dict[str, object] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}

# `--executor dask-local`'s LocalCluster: worker processes of one thread (each draws on
# one core, as a local worker), on 127.0.0.1, no dashboard; the scheduler's own web
# server (health checks) on a free port, not on 8787 ("Port 8787 is already in use").
LOCAL_CLUSTER: dict[str, object] = {
    "threads_per_worker": 1,
    "processes": True,
    "host": "127.0.0.1",
    "dashboard_address": None,
    "scheduler_kwargs": {"dashboard_address": "127.0.0.1:0"},
}


@dataclass(frozen=True)
class ExecutorChoice:
    """`--executor` and what goes with it, checked before anything is written."""

    kind: str = "local"
    scheduler: str | None = None
    workers: int | None = None

    @property
    def uses_dask(self) -> bool:
        return self.kind != "local"


def choose_executor(kind: str, scheduler: str | None, workers: int | None) -> ExecutorChoice:
    if kind not in EXECUTORS:
        raise InputError(f"--executor {kind!r}: use {', '.join(EXECUTORS)}")
    if kind == "dask" and not scheduler:
        raise InputError(
            "--executor dask needs --scheduler tcp://HOST:8786",
            hint="or --executor dask-local --workers N for a cluster on this machine",
        )
    if scheduler and _ADDRESS.fullmatch(scheduler) is None:
        raise InputError(
            f"--scheduler {scheduler!r} is not a scheduler address",
            hint="write tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786",
        )
    if kind != "dask" and scheduler:
        raise InputError("--scheduler goes with --executor dask")
    if kind != "dask-local" and workers is not None:
        raise InputError(
            "--workers goes with --executor dask-local", hint="--jobs sets local workers"
        )
    if workers is not None and workers < 1:
        raise InputError(f"--workers {workers}: at least 1")
    if kind != "local":
        try:
            import dask  # noqa: F401
            import distributed  # noqa: F401
        except ImportError:
            raise InputError(f"--executor {kind} needs Dask", hint=_INSTALL) from None
    return ExecutorChoice(kind, scheduler, workers)


class DaskFuture(Protocol[T_co]):
    """What cardgen uses of a `distributed.Future` (whose methods are untyped)."""

    def result(self) -> T_co: ...
    def cancel(self) -> object: ...
    def release(self) -> object: ...


class DaskClient(Protocol):
    """What cardgen uses of a `distributed.Client`."""

    @property
    def status(self) -> str: ...
    def submit(
        self,
        fn: Callable[..., T],
        /,
        *args: object,
        key: str | None = None,
        pure: bool = True,
        priority: int = 0,
    ) -> DaskFuture[T]: ...
    def run(self, fn: Callable[[], T], /) -> dict[str, T]: ...
    def nthreads(self) -> dict[str, int]: ...
    def close(self) -> object: ...


class _Closable(Protocol):
    def close(self) -> object: ...


Fit = Callable[["FitKit", list["WorkerCard"]], "FittedGroup"]
Draw = Callable[["FitKit", "FittedGroup", list["WorkerCard"]], list["DrawnCard | None"]]


class DaskPool:
    """Fits and draws a run's cards on a Dask cluster, collected in plan order.

    `fit_all` sends every card at once in groups of GROUP, one fitting task a group (run
    first: no card is written until every card is fitted); `fitted(key)` is a card's
    manifest facts or the error that stopped it. Each group's drawing is a second task
    that needs the first's result: a worker draws scenes it gets from the cluster (from
    the worker that fitted them), never sent out by the main process, which neither fits
    nor draws. (The fitting's result it reads the facts from carries the pickled scenes,
    ~2.5 kB a card: cheaper than a third task a group to leave them out.) `result(key)`
    is the drawn card. At most `window` cards are being drawn or
    drawn and not yet collected, so drawn cards do not pile up in the workers' memory.
    """

    def __init__(
        self, choice: ExecutorChoice, connect_seconds: float, fit: Fit, draw: Draw
    ) -> None:
        """`fit(kit, cards)` and `draw(kit, fitted, cards)`: what a worker runs for a group
        (`workers.fit_on_worker`, `workers.draw_on_worker`: sent by name, the workers
        import them)."""
        self.fit, self.draw = fit, draw
        self.cluster: _Closable | None = None
        try:
            with importlib.import_module("dask.config").set(QUIET):
                self.client = self._connect(choice, connect_seconds)
        except (OSError, TimeoutError, ValueError) as exc:
            self._close_cluster()
            let_dask_threads_go()
            where = choice.scheduler or "a local cluster"
            raise InputError(
                f"cannot reach the Dask scheduler at {where} within {connect_seconds:g} s ({exc})",
                hint="is the scheduler running, and is its address tcp://HOST:PORT?",
            ) from None
        threads = sum(self.client.nthreads().values()) or 1
        self.window = 2 * GROUP * threads  # cards being drawn or drawn, not collected
        self.kit: DaskFuture[FitKit] | None = None
        self.groups: list[_Group] = []
        self.group_of: dict[int, _Group] = {}
        self.next_draw = 0  # the first group whose drawing is not asked for yet
        self.in_draw: deque[_Group] = deque()  # groups being drawn or drawn, not collected
        _same_version_everywhere(self.client, self.close)
        self.warnings = _other_fonts(self.client)  # for the run to say

    def _connect(self, choice: ExecutorChoice, connect_seconds: float) -> DaskClient:
        dist = importlib.import_module("distributed")
        if choice.kind == "dask-local":
            self.cluster = dist.LocalCluster(n_workers=choice.workers or 2, **LOCAL_CLUSTER)
            client: DaskClient = dist.Client(self.cluster, timeout=connect_seconds)
            return client
        assert choice.scheduler is not None
        _reach(choice.scheduler, connect_seconds)
        client = dist.Client(choice.scheduler, timeout=connect_seconds, set_as_default=False)
        return client

    def fit_all(self, cards: list[tuple[int, WorkerCard]], kit: FitKit) -> None:
        """Send `cards` ((key, card)) to be fitted, with their `FitKit`.

        The kit is a task named by its digest that returns it (files and all): not
        scattered data, which a dying worker takes with it, but a task the scheduler runs
        again on another worker if need be. Each worker fetches it once."""
        self.kit = self.client.submit(_same, kit, key=f"cardgen-kit-{kit.digest}", pure=True)
        for start in range(0, len(cards), GROUP):
            part = cards[start : start + GROUP]
            group = _Group([key for key, _ in part], [card for _, card in part])
            self._send_fit(group)
            self.groups.append(group)
            for key in group.keys:
                self.group_of[key] = group
        self._top_up()

    def fitted(self, key: int) -> bytes | CardgenError:
        """The card's manifest facts (JSON), or why it could not be fitted."""
        group = self.group_of[key]
        if group.fitted is None:
            group.fitted = self._fitted(group)
            if not group.left:
                self._release(group)
        return group.fitted[group.keys.index(key)]

    def result(self, key: int) -> DrawnCard | CardNotDrawn:
        """The card drawn (as `workers.draw_card` returns it), or `CardNotDrawn`."""
        group = self.group_of.pop(key)
        while group.drawn is None:
            self._send_draws(until=group)
            group.drawn = self._drawn(group)
        index = group.keys.index(key)
        value, group.drawn[index] = group.drawn[index], None  # let go once written
        assert value is not None, "a card that could not be fitted is never asked for"
        group.left.discard(key)
        if not group.left:
            self._release(group)
            group.fitted = group.cards = None  # all collected: the facts are the runner's
        self._top_up()
        return value

    def poll(self) -> None:
        self._top_up()

    def close(self, *, graceful: bool = True) -> None:
        """Cancel what is still running and disconnect (again: nothing happens)."""
        for group in self.groups:
            for future in (group.fit, group.draw):
                if future is not None:
                    future.cancel()
        self.groups.clear()
        self.group_of.clear()
        if self.kit is not None:
            self.kit.release()
            self.kit = None
        if self.client.status not in ("closed", "closing"):
            self.client.close()
        self._close_cluster()
        let_dask_threads_go()

    def _close_cluster(self) -> None:
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def _send_fit(self, group: _Group) -> None:
        # Fitting first: every card must be fitted before the first is written.
        group.fit = self.client.submit(self.fit, self.kit, group.cards, pure=False, priority=1)
        group.draw = None

    def _fitted(self, group: _Group) -> list[bytes | CardgenError]:
        from concurrent.futures import CancelledError

        from distributed import KilledWorker

        while True:
            assert group.fit is not None
            try:
                done = group.fit.result()
                break
            except KilledWorker:  # Dask rescheduled it and its workers died every time
                group.left.clear()
                return [_not_drawn() for _ in group.keys]
            except CancelledError:  # forgotten by a scheduler that lost a worker: again
                if not group.again():
                    group.left.clear()
                    return [_not_drawn() for _ in group.keys]
                self._send_fit(group)
        outcomes: list[bytes | CardgenError] = []
        for key, card in zip(group.keys, done.cards, strict=True):
            if isinstance(card, tuple):
                outcomes.append(card[0])  # drawn from the cluster's copy of the result
            else:
                outcomes.append(card.error())
                group.left.discard(key)
        return outcomes

    def _drawn(self, group: _Group) -> list[DrawnCard | CardNotDrawn | None] | None:
        """The group's cards drawn, or None when it must be sent again."""
        from concurrent.futures import CancelledError

        from distributed import KilledWorker

        assert group.draw is not None
        try:
            return list(group.draw.result())
        except KilledWorker:
            return [_not_drawn() for _ in group.keys]
        except CancelledError:
            if not group.again():
                return [_not_drawn() for _ in group.keys]
            self._send_fit(group)  # its scenes may be gone with the fitting's result
            return None

    def _top_up(self) -> None:
        while self.in_draw and not self.in_draw[0].left:
            self.in_draw.popleft()
        drawing = sum(len(group.left) for group in self.in_draw)
        while self.next_draw < len(self.groups):
            group = self.groups[self.next_draw]
            if drawing and drawing + len(group.left) > self.window:
                return
            self._send_draw(group)
            drawing += len(group.left)

    def _send_draws(self, until: _Group) -> None:
        """Drawing asked for up to `until` (a card of it is wanted now), past the window."""
        while until.draw is None and self.next_draw < len(self.groups):
            self._send_draw(self.groups[self.next_draw])
        if until.draw is None:  # sent before, then its task was forgotten: again
            self._send_draw(until, again=True)

    def _send_draw(self, group: _Group, *, again: bool = False) -> None:
        if not again:
            self.next_draw += 1
            self.in_draw.append(group)
        if group.left:
            group.draw = self.client.submit(
                self.draw, self.kit, group.fit, group.cards, pure=False, priority=0
            )

    def _release(self, group: _Group) -> None:
        for future in (group.fit, group.draw):
            if future is not None:
                future.release()
        group.fit = group.draw = None


class _Group:
    """Cards fitted by one Dask task and drawn by another."""

    def __init__(self, keys: list[int], cards: list[WorkerCard]) -> None:
        self.keys = keys
        self.cards: list[WorkerCard] | None = cards
        self.left = set(keys)  # fitted, not yet collected
        self.fit: DaskFuture[FittedGroup] | None = None
        self.draw: DaskFuture[list[DrawnCard | None]] | None = None
        self.fitted: list[bytes | CardgenError] | None = None
        self.drawn: list[DrawnCard | CardNotDrawn | None] | None = None
        self.tries = 0

    def again(self) -> bool:
        """One more try for a group whose task the scheduler forgot: at most two."""
        self.tries += 1
        return self.tries <= 2


def let_dask_threads_go() -> None:
    """End the thread Dask leaves in this process once its client and cluster are closed.

    Dask serializes big messages, and a LocalCluster's scheduler (which runs here) reads
    every graph, in a pool of one thread made on first use and kept for the process's
    life (`distributed.utils._offload_executor`). A process with a thread more cannot fork
    its local workers (`scheduling.can_fork`). A new pool takes its place (its thread made
    only if Dask is used again) and the old one is shut down, its work done first."""
    from concurrent.futures import ThreadPoolExecutor

    utils = importlib.import_module("distributed.utils")
    old = getattr(utils, "_offload_executor", None)
    if isinstance(old, ThreadPoolExecutor):
        new = ThreadPoolExecutor(1, thread_name_prefix="Dask-Offload")
        setattr(utils, "_offload_executor", new)  # noqa: B010 (a module typed as ModuleType)
        old.shutdown(wait=True)


def worker_version() -> str:
    """The cardgen version a worker runs: sent to each worker once on connecting, by
    name, so a test may stand in for a worker of another version."""
    return __version__


def _same_version_everywhere(client: DaskClient, close: Callable[[], None]) -> None:
    """Every worker runs this cardgen (another would draw other bytes): else exit 2."""
    versions = client.run(worker_version)
    other = {worker: v for worker, v in versions.items() if v != __version__}
    if other:
        close()
        worker, version = sorted(other.items())[0]
        raise InputError(
            f"the Dask worker {worker} runs cardgen {version}; this is cardgen {__version__}",
            hint="install the same cardgen on every worker: their cards would differ",
        )


def _other_fonts(client: DaskClient) -> list[str]:
    """A warning for each worker whose system fonts are not this machine's."""
    from cardgen.batch.fitkit import system_fonts

    here = set(system_fonts())
    warnings = []
    for worker, fonts in sorted(client.run(_worker_fonts).items()):
        differ = sorted(here.symmetric_difference(fonts))
        if differ:
            warnings.append(
                f"the Dask worker {worker} has other system fonts than this machine "
                f"({len(differ)} differ, e.g. {differ[0]}): cards that fall back to them "
                "may differ from a local run's; run the workers from the same image"
            )
    return warnings


def _worker_fonts() -> list[str]:
    from cardgen.batch.fitkit import system_fonts

    return system_fonts()


def _same(value: T) -> T:
    return value


def _not_drawn() -> CardNotDrawn:
    from cardgen.batch.pool import CardNotDrawn

    return CardNotDrawn(
        "not drawn: the Dask workers drawing it died again and again (killed, or out of memory?)",
        hint="finished cards are kept; run again, or with --executor local",
    )


def _reach(address: str, seconds: float) -> None:
    """Connect to the scheduler's port, again until `seconds` have passed (it may be
    starting): an address out of reach fails here, cleanly, before a Dask client exists."""
    match = _ADDRESS.fullmatch(address)
    assert match is not None
    host, port = match.group(2).strip("[]"), int(match.group(3))
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        try:
            with socket.create_connection((host, port), timeout=max(0.1, min(left, 2.0))):
                return
        except OSError as exc:
            if time.monotonic() + 0.25 >= deadline:
                raise TimeoutError(f"no answer: {exc.strerror or exc}") from None
        time.sleep(0.25)
