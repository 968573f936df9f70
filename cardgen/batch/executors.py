"""Drawing on a Dask cluster: `--executor dask --scheduler tcp://HOST:8786`, or
`--executor dask-local --workers N` (a LocalCluster on 127.0.0.1, for trying it).

The main process plans, fits (~2 ms a card) and writes, as with local workers; the cluster
draws and encodes (~15 ms a card). A worker needs no shared disk: each task carries the
pickled scene, and the font and image files the scene names travel by content hash
(scattered once per run, stored on the worker under their sha256, the scene's paths
pointed there), so a worker's card is byte-identical to a local one. A worker that dies
has its tasks rescheduled by Dask; a card whose workers die again and again is
`CardNotDrawn`, like with local workers.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import socket
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from cardgen import __version__
from cardgen.errors import InputError

EXECUTORS = ("local", "dask", "dask-local")
GROUP = 8  # cards per Dask task
_ADDRESS = re.compile(r"(?:(tcp|tls)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})")
_INSTALL = "install the Dask extra: pip install 'cardgen[dask]'"


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


class DaskPool:
    """The interface of `pool.DrawPool` (submit, poll, result, close) over a Dask client.

    Cards go in groups of GROUP, one task each; at most `window` cards are on the cluster
    or drawn and not yet collected, so a long batch's drawn cards do not pile up in the
    workers' memory while it is still fitting.
    """

    def __init__(
        self,
        choice: ExecutorChoice,
        connect_seconds: float,
        draw: Callable[[bytes, str, int], Any],
    ) -> None:
        """`draw(packed scene, format, file limit)`: what a worker runs for a card (the
        local workers' own function, sent by name: the workers import it)."""
        self.draw = draw
        import importlib

        dist: Any = importlib.import_module("distributed")  # typed loosely: Any
        self.cluster: Any = None
        try:
            if choice.kind == "dask-local":
                self.cluster = dist.LocalCluster(
                    n_workers=choice.workers or 2,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                )
                self.client: Any = dist.Client(self.cluster, timeout=connect_seconds)
            else:
                assert choice.scheduler is not None
                _reach(choice.scheduler, connect_seconds)
                self.client = dist.Client(
                    choice.scheduler, timeout=connect_seconds, set_as_default=False
                )
        except (OSError, TimeoutError, ValueError) as exc:
            self._close_cluster()
            where = choice.scheduler or "a local cluster"
            raise InputError(
                f"cannot reach the Dask scheduler at {where} within {connect_seconds:g} s ({exc})",
                hint="is the scheduler running, and is its address tcp://HOST:PORT?",
            ) from None
        threads = sum(self.client.nthreads().values()) or 1
        # Cards travel in groups of GROUP, one task each: Dask's own cost per task (~1 ms
        # of the scheduler's and the client's time) is shared by the group's cards.
        self.window = 2 * GROUP * threads  # cards on the cluster or drawn, not collected
        self.pending: deque[tuple[Any, tuple[Any, ...]]] = deque()
        self.running: dict[Any, _Group] = {}  # card key -> the group drawing it
        self.args: dict[Any, tuple[Any, ...]] = {}  # key -> its arguments, until collected
        self.tries: dict[Any, int] = {}
        self.assets: dict[str, tuple[str, str, Any]] = {}  # path -> (sha256, suffix, future)
        _same_version_everywhere(self.client, self.close)

    def submit(self, key: Any, packed: bytes, fmt: str, limit: int) -> None:
        self.pending.append((key, (packed, fmt, limit)))
        self.args[key] = (packed, fmt, limit)
        self._top_up()

    def poll(self) -> None:
        self._top_up()

    def result(self, key: Any) -> Any:
        from concurrent.futures import CancelledError

        from distributed import KilledWorker

        while True:
            if key not in self.running:
                self._send_group(urgent=key)
            group = self.running[key]
            try:
                value = group.result(key)
                break
            except KilledWorker:  # Dask rescheduled it and its workers died every time
                value = _not_drawn()
                break
            except CancelledError:  # forgotten by a scheduler that lost a worker: again
                self.tries[key] = self.tries.get(key, 0) + 1
                if self.tries[key] > 2:
                    value = _not_drawn()
                    break
                for lost in group.forget():
                    del self.running[lost]
                    self.pending.appendleft((lost, self.args[lost]))
        del self.running[key], self.args[key]
        self._top_up()
        return value

    def close(self, *, graceful: bool = True) -> None:
        """Cancel what is still running and disconnect (again: nothing happens)."""
        for group in set(self.running.values()):
            group.future.cancel()
        self.running.clear()
        self.pending.clear()
        self.args.clear()
        for future in [a[2] for a in self.assets.values()]:
            future.release()
        self.assets.clear()
        if self.client.status not in ("closed", "closing"):
            self.client.close()
        self._close_cluster()

    def _close_cluster(self) -> None:
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def _top_up(self) -> None:
        # Whole groups only, while fitting goes on; a card asked for goes at once.
        while len(self.pending) >= GROUP and len(self.running) + GROUP <= self.window:
            self._send_group()

    def _send_group(self, urgent: Any = None) -> None:
        keys = []
        if urgent is not None:
            item = next(i for i in self.pending if i[0] == urgent)
            self.pending.remove(item)
            keys.append(urgent)
        while self.pending and len(keys) < GROUP:
            keys.append(self.pending.popleft()[0])
        cards = [self.args[key] for key in keys]
        files = {}
        for packed, _, _ in cards:
            for path in scene_files(pickle.loads(packed)):
                files[path] = self._asset(path)
        future = self.client.submit(draw_group_on_worker, self.draw, cards, files, pure=False)
        group = _Group(future, keys)
        for key in keys:
            self.running[key] = group

    def _asset(self, path: str) -> tuple[str, str, Any]:
        """A file the scene names, sent to the cluster once a run as a task named by its
        sha256 that holds its bytes: not scattered data, which a dying worker takes with
        it, but a task the scheduler runs again on another worker if need be."""
        if path not in self.assets:
            data = Path(path).read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            future = self.client.submit(_file_bytes, data, key=f"cardgen-file-{sha}", pure=True)
            self.assets[path] = (sha, Path(path).suffix.lower(), future)
        return self.assets[path]


class _Group:
    """Cards drawn by one Dask task; its results kept until each card is collected."""

    def __init__(self, future: Any, keys: list[Any]) -> None:
        self.future = future
        self.keys = keys
        self.left = set(keys)
        self.results: list[Any] | None = None

    def result(self, key: Any) -> Any:
        if self.results is None:
            self.results = list(self.future.result())
        self.left.discard(key)
        value = self.results[self.keys.index(key)]
        if not self.left:
            self.future.release()
            self.results = None
        return value

    def forget(self) -> list[Any]:
        """The cards not collected yet, given up (to be sent again)."""
        self.future.release()
        lost, self.left = sorted(self.left, key=self.keys.index), set()
        return lost


def draw_group_on_worker(
    draw: Callable[[bytes, str, int], Any],
    cards: list[tuple[bytes, str, int]],
    files: dict[str, tuple[str, str, bytes]],
) -> list[Any]:
    """Run on a Dask worker: `draw_on_worker` for each card of a group."""
    return [draw_on_worker(draw, packed, fmt, limit, files) for packed, fmt, limit in cards]


def worker_version() -> str:
    """The cardgen version a worker runs: sent to each worker once on connecting, by
    name, so a test may stand in for a worker of another version."""
    return __version__


def _same_version_everywhere(client: Any, close: Callable[[], None]) -> None:
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


def _file_bytes(data: bytes) -> bytes:
    return data


def _not_drawn() -> Exception:
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


def scene_files(scene: Any) -> set[str]:
    """Every font and image file a scene names (its `path` fields, at any depth)."""
    found: set[str] = set()
    _walk(scene, lambda value: found.add(str(value)))
    return found


def _walk(value: Any, seen: Callable[[Any], None]) -> None:
    if is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            child = getattr(value, item.name)
            if item.name == "path" and isinstance(child, str | Path):
                seen(child)
            else:
                _walk(child, seen)
    elif isinstance(value, tuple | list):
        for child in value:
            _walk(child, seen)


def repath(value: Any, names: dict[str, str]) -> Any:
    """`value` (a scene, or any part of one) with every `path` field renamed by `names`
    (frozen dataclasses: rebuilt): a worker's scene points at the files it was sent."""
    if is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for item in fields(value):
            child = getattr(value, item.name)
            if item.name == "path" and isinstance(child, str | Path):
                new = names.get(str(child), str(child))
                changes[item.name] = Path(new) if isinstance(child, Path) else new
            elif is_dataclass(child) or isinstance(child, tuple | list):
                changes[item.name] = repath(child, names)
        return replace(value, **changes) if changes else value
    if isinstance(value, tuple):
        return tuple(repath(child, names) for child in value)
    if isinstance(value, list):
        return [repath(child, names) for child in value]
    return value


def draw_on_worker(
    draw: Callable[[bytes, str, int], Any],
    packed: bytes,
    fmt: str,
    limit: int,
    files: dict[str, tuple[str, str, bytes]],
) -> Any:
    """Run on a Dask worker: store the scene's files by content hash, point the scene at
    them, draw and encode as a local worker would (`draw`)."""
    names = {path: str(_stored(sha, suffix, data)) for path, (sha, suffix, data) in files.items()}
    scene = repath(pickle.loads(packed), names)
    return draw(pickle.dumps(scene, pickle.HIGHEST_PROTOCOL), fmt, limit)


def _stored(sha: str, suffix: str, data: bytes) -> Path:
    """The worker's copy of a file: `TMP/cardgen-files-UID/SHA256.suffix`, written once."""
    folder = Path(tempfile.gettempdir()) / f"cardgen-files-{os.getuid()}"
    path = folder / f"{sha}{suffix}"
    if path.is_file() and path.stat().st_size == len(data):
        return path
    if hashlib.sha256(data).hexdigest() != sha:
        raise ValueError(f"a file sent as {sha} arrived damaged")
    folder.mkdir(mode=0o700, exist_ok=True)
    tmp = folder / f".{sha}.{os.getpid()}-{os.urandom(4).hex()}.tmp"
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
