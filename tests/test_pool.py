"""The drawing pool: a worker killed at any point, even half-way through sending its
result, or hung, ends in a bounded time: its task is tried once more, then reported."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from cardgen.batch.pool import CardNotDrawn, DrawPool, InlinePool, WorkerStart

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="workers forked as on Linux"
)

BIG = 8 * 1024 * 1024  # far more than a pipe holds: the worker blocks half-way through sending


def _init() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _fork() -> WorkerStart:
    return WorkerStart(multiprocessing.get_context("fork"), _init)


def _payload(marker: str, size: int) -> tuple[int, bytes]:
    """A result `size` bytes long, and the worker's pid so the test can kill it."""
    Path(marker).write_text(str(os.getpid()))
    return os.getpid(), b"x" * size


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


def _fail() -> None:
    raise ValueError("a bug in drawing")


def _kill_when_blocked(marker: Path, pool: DrawPool) -> int:
    """Wait until a worker has started the task, then give it time to fill the pipe."""
    deadline = time.monotonic() + 20
    while not marker.exists() or not marker.read_text():
        assert time.monotonic() < deadline, "the task never started"
        pool.poll()  # sees a death and hands the task to a new worker; reads nothing whole
        time.sleep(0.01)
    time.sleep(0.3)  # the worker is now blocked half-way through writing its result
    pid = int(marker.read_text())
    os.kill(pid, signal.SIGKILL)
    marker.unlink()
    return pid


def test_a_worker_killed_while_sending_its_result_has_its_task_tried_again(
    tmp_path: Path,
) -> None:
    marker = tmp_path / "pid"
    pool = DrawPool(_payload, 1, _fork, window=4, held_limit=1 << 30)
    try:
        pool.submit("card", str(marker), BIG)
        killed = _kill_when_blocked(marker, pool)
        started = time.monotonic()
        pid, data = pool.result("card")  # read whole from the new worker
        assert pid != killed and data == b"x" * BIG
        assert time.monotonic() - started < 30
    finally:
        pool.close()


def test_a_task_whose_worker_dies_twice_is_reported_not_drawn(tmp_path: Path) -> None:
    marker = tmp_path / "pid"
    pool = DrawPool(_payload, 2, _fork, window=4, held_limit=1 << 30)
    try:
        pool.submit("card", str(marker), BIG)
        _kill_when_blocked(marker, pool)
        _kill_when_blocked(marker, pool)
        result = pool.result("card")
        assert isinstance(result, CardNotDrawn)
        assert "stopped twice" in result.one_line()
        pool.submit("next", str(marker), 10)  # the pool still works for the other cards
        assert pool.result("next")[1] == b"x" * 10
    finally:
        pool.close()


def test_a_hung_worker_is_stopped_after_the_time_limit() -> None:
    pool = DrawPool(_sleep, 1, _fork, window=4, held_limit=1 << 30, timeout=0.5)
    started = time.monotonic()
    try:
        pool.submit("card", 60)
        assert isinstance(pool.result("card"), CardNotDrawn)
        assert time.monotonic() - started < 15  # two tries of half a second, not a minute
    finally:
        pool.close()


def test_an_exception_in_a_worker_is_raised_here() -> None:
    pool = DrawPool(_fail, 1, _fork, window=4, held_limit=1 << 30)
    try:
        pool.submit("card")
        with pytest.raises(ValueError, match="a bug in drawing"):
            pool.result("card")
    finally:
        pool.close()


def test_close_stops_busy_workers_within_seconds() -> None:
    pool = DrawPool(_sleep, 2, _fork, window=4, held_limit=1 << 30)
    processes = [w.process for w in pool.workers]
    pool.submit("a", 60)
    pool.submit("b", 60)
    pool.poll()
    started = time.monotonic()
    pool.close(graceful=False)
    assert time.monotonic() - started < 10
    assert not any(p.is_alive() for p in processes)


def test_the_inline_pool_draws_when_asked() -> None:
    pool = InlinePool(_sleep)
    pool.submit("a", 0)
    assert pool.result("a") == "woke"
