"""Worker processes that draw cards: a pool that survives a worker's death and never hangs.

Each worker has pipes of its own: one it reads tasks from and one only it writes results
to, so a worker killed in the middle of a message harms no other worker and is seen at
once (its pipe ends, its process sentinel fires). The main process reads a result only
when it has arrived whole and never waits without a deadline: a worker that dies, or hangs
past `CARD_DRAW_SECONDS`, is replaced and its card drawn once more by the new worker;
a card whose worker dies twice is reported as not drawn (`CardNotDrawn`, exit 1).
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import time
from collections import deque
from collections.abc import Callable, Hashable
from contextlib import suppress
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkContext, ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from typing import Generic, TypeVar

from cardgen.errors import ContentError
from cardgen.limits import CARD_DRAW_SECONDS

_HEADER = struct.Struct("!Q")
R = TypeVar("R")  # what the pool's function returns for a task
Key = Hashable  # names a task: the runner's index of a card
Args = tuple[object, ...]  # a task's arguments, pickled to the worker
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class CardNotDrawn(ContentError):
    """A card whose worker process stopped (killed, out of memory) on both tries."""


@dataclass
class _Worker:
    process: BaseProcess
    tasks: Connection  # this process writes tasks into it
    results: Connection  # only the worker writes into it
    buffer: bytearray = field(default_factory=bytearray)
    key: Key | None = None  # the task it is drawing, if any
    args: Args = ()
    since: float = 0.0


@dataclass
class WorkerStart:
    """How to start a worker: a multiprocessing context, the function run for each task,
    and an initializer run once (with its arguments) in the new process."""

    context: ForkContext | ForkServerContext | SpawnContext
    initializer: Callable[..., None]
    initargs: Args = ()


class DrawPool(Generic[R]):
    """Tasks in, results out, keyed; at most `window` tasks in flight or waiting to be
    collected, and (but for the result asked for) at most `held_limit` bytes collected."""

    def __init__(
        self,
        fn: Callable[..., R],
        workers: int,
        start: Callable[[], WorkerStart],
        *,
        window: int,
        held_limit: int,
        timeout: float = CARD_DRAW_SECONDS,
    ) -> None:
        self.fn = fn
        self.size = workers
        self.start = start
        self.window = max(window, workers)
        self.held_limit = held_limit
        self.timeout = timeout
        self.workers: list[_Worker] = []
        self.pending: deque[tuple[Key, Args]] = deque()
        # key -> (result, bytes); an exception is a bug in the worker, raised by `result`
        self.done: dict[Key, tuple[R | CardNotDrawn | BaseException, int]] = {}
        self.deaths: dict[Key, int] = {}
        self.held = 0
        self.restarts = 2 * workers + 2  # workers that die idle, again and again, stop here
        for _ in range(workers):
            self._spawn()

    # --- the interface the runner uses ----------------------------------------------

    def submit(self, key: Key, *args: object) -> None:
        self.pending.append((key, args))
        self._dispatch()

    def poll(self) -> None:
        """Collect what has arrived and hand out work, without waiting."""
        self._pump(0)

    def result(self, key: Key) -> R | CardNotDrawn:
        """The result of `key`, waiting for it; a worker death twice is `CardNotDrawn`."""
        while key not in self.done:
            self._dispatch(urgent=key)
            self._pump(1.0)
        value, size = self.done.pop(key)
        self.held -= size
        if isinstance(value, BaseException) and not isinstance(value, CardNotDrawn):
            raise value  # a bug in the worker: an internal error, as if drawn here
        return value

    def close(self, *, graceful: bool = True) -> None:
        """Stop every worker within a few seconds, whatever state it is in."""
        for worker in self.workers:
            worker.tasks.close()  # a waiting worker reads the end and exits
            if not graceful:
                _signal(worker, signal.SIGTERM)
        deadline = time.monotonic() + (5.0 if graceful else 2.0)
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                _signal(worker, signal.SIGKILL)
                worker.process.join(5.0)
            worker.results.close()
        self.workers = []
        self.pending.clear()

    # --- inside ----------------------------------------------------------------------

    def _spawn(self) -> None:
        start = self.start()
        tasks_in, tasks_out = start.context.Pipe(duplex=False)
        results_in, results_out = start.context.Pipe(duplex=False)
        process = start.context.Process(
            target=_worker_main,
            args=(self.fn, tasks_in, results_out, start.initializer, start.initargs),
            daemon=True,
        )
        # A stop signal between the fork and the worker's own handlers would run this
        # process's handler in the worker: held until the worker has set its own.
        # And one arriving here is handled once the worker is on the list `close` stops.
        old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            process.start()
            tasks_in.close()
            results_out.close()
            os.set_blocking(results_in.fileno(), False)
            self.workers.append(_Worker(process, tasks_out, results_in))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def _dispatch(self, urgent: Key | None = None) -> None:
        if urgent is not None and any(key == urgent for key, _ in self.pending):
            item = next(i for i in self.pending if i[0] == urgent)
            self.pending.remove(item)
            self.pending.appendleft(item)
        for worker in self.workers:
            if not self.pending:
                return
            if worker.key is not None:
                continue
            key, args = self.pending[0]
            busy = sum(w.key is not None for w in self.workers) + len(self.done)
            if key != urgent and (busy >= self.window or self.held >= self.held_limit):
                return
            self.pending.popleft()
            try:
                worker.tasks.send_bytes(pickle.dumps((key, args), pickle.HIGHEST_PROTOCOL))
            except OSError:  # it died: seen by _pump, which retries
                self.pending.appendleft((key, args))
                return
            worker.key, worker.args, worker.since = key, args, time.monotonic()

    def _pump(self, timeout: float) -> None:
        if not self.workers:
            self._give_up()
            return
        ready = set(
            wait(
                [w.results for w in self.workers] + [w.process.sentinel for w in self.workers],
                timeout,
            )
        )
        now = time.monotonic()
        for worker in list(self.workers):
            ended = worker.process.sentinel in ready
            if worker.results in ready or ended:
                ended = self._read(worker) or ended
            if not ended and worker.key is not None and now - worker.since > self.timeout:
                _signal(worker, signal.SIGKILL)  # hung: treated as a death
                ended = True
            if ended:
                self._bury(worker)
        self._dispatch()

    def _read(self, worker: _Worker) -> bool:
        """Take in what the worker wrote; True when its pipe has ended (it is gone)."""
        while True:
            try:
                chunk = os.read(worker.results.fileno(), 1 << 20)
            except BlockingIOError:
                break
            except OSError:
                return True
            if not chunk:
                return True
            worker.buffer += chunk
        while len(worker.buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(worker.buffer)
            if len(worker.buffer) < _HEADER.size + size:
                break
            key, result = pickle.loads(worker.buffer[_HEADER.size : _HEADER.size + size])
            del worker.buffer[: _HEADER.size + size]
            self.done[key] = (result, size)
            self.held += size
            worker.key, worker.args = None, ()
        return False

    def _bury(self, worker: _Worker) -> None:
        """A worker ended: its card goes to a new worker once, then is reported."""
        worker.process.join(5.0)
        worker.tasks.close()
        worker.results.close()
        self.workers.remove(worker)
        if worker.key is not None:
            key = worker.key
            self.deaths[key] = self.deaths.get(key, 0) + 1
            if self.deaths[key] >= 2:
                self.done[key] = (_not_drawn(), 0)
            else:
                self.pending.appendleft((key, worker.args))
        else:
            self.restarts -= 1
        if (self.pending or any(w.key is not None for w in self.workers)) and self.restarts > 0:
            self._spawn()

    def _give_up(self) -> None:
        """No worker left and none may start: every card still to draw is not drawn."""
        while self.pending:
            key, _ = self.pending.popleft()
            self.done[key] = (_not_drawn(), 0)


def _not_drawn() -> CardNotDrawn:
    return CardNotDrawn(
        "not drawn: the worker process drawing it stopped twice (killed, or out of memory?)",
        hint="finished cards are kept; run again, or with --jobs 1 to see the cause",
    )


def _signal(worker: _Worker, signum: int) -> None:
    if worker.process.pid is not None:
        with suppress(ProcessLookupError, PermissionError):
            os.kill(worker.process.pid, signum)


def _worker_main(
    fn: Callable[..., object],
    tasks: Connection,
    results: Connection,
    initializer: Callable[..., None],
    initargs: tuple[object, ...],
) -> None:
    initializer(*initargs)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    fd = results.fileno()
    while True:
        try:
            key, args = pickle.loads(tasks.recv_bytes())
        except (EOFError, OSError):
            return
        try:
            outcome = fn(*args)
        except Exception as exc:  # a bug: carried back whole, raised in the main process
            outcome = exc
        try:
            payload = pickle.dumps((key, outcome), pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            payload = pickle.dumps((key, RuntimeError(f"{type(outcome).__name__}: {exc}")))
        view = memoryview(_HEADER.pack(len(payload)) + payload)
        while view:
            view = view[os.write(fd, view) :]


class InlinePool(Generic[R]):
    """The same interface, drawing in this process when a result is asked for: for `--jobs
    1` and batches too small to pay for workers; lazy so cards are written one by one."""

    def __init__(self, fn: Callable[..., R]) -> None:
        self.fn = fn
        self.pending: dict[Key, Args] = {}

    def submit(self, key: Key, *args: object) -> None:
        self.pending[key] = args

    def poll(self) -> None:
        pass

    def result(self, key: Key) -> R | CardNotDrawn:
        return self.fn(*self.pending.pop(key))

    def close(self, *, graceful: bool = True) -> None:
        self.pending.clear()
