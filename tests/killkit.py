"""Shared helpers of the tests (and the signal benchmark) that stop `cardgen render` runs:
start one as a cron job would, signal or kill it, and check that the folder tells the truth."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.batchkit import ROOT

CARD_SUFFIXES = (".png", ".jpg", ".webp")


def start(root: Path, *args: str, jobs: int = 2) -> subprocess.Popen[str]:
    """`python -m cardgen render --jobs N ARGS` in `root`, in its own process group."""
    return subprocess.Popen(
        [sys.executable, "-m", "cardgen", "render", "--jobs", str(jobs), *args],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a cron job
    )


def rerun(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A plain `render --jobs 2 --json` to the end (what next week's job does)."""
    return python(root, "-m", "cardgen", "render", "--jobs", "2", "--json", *args)


def python(root: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """`python ARGS` in `root`, with this checkout's cardgen, to the end."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )


def reap(proc: subprocess.Popen[str]) -> None:
    """Make sure no process of a stopped run outlives the test."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)


def group_gone(proc: subprocess.Popen[str], timeout: float = 10) -> bool:
    """True once the run and every process of its group have ended."""
    proc.wait(timeout=timeout)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def journal_lines(out: Path) -> int:
    try:
        return (out / ".cardgen" / "journal.jsonl").read_bytes().count(b"\n")
    except OSError:
        return 0


def wait_for_a_card(
    out: Path, proc: subprocess.Popen[str], before: int = 0, timeout: float = 90
) -> bool:
    """True once the run has written a card (the journal grew); False if it ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if journal_lines(out) > before:
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.01)
    raise AssertionError("no card was written in time")


def images(out: Path) -> set[str]:
    # Cards only: not temporaries, nor the review page's thumbnails in OUT/.cardgen/.
    return {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.suffix in CARD_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(out).parts)
    }


def assert_decodes(path: Path) -> None:
    from PIL import Image

    with Image.open(path) as image:
        image.load()  # raises on a truncated or corrupt file


def manifest_cards(out: Path) -> list[dict[str, Any]]:
    if not (out / "manifest.json").exists():
        return []
    cards: list[dict[str, Any]] = json.loads((out / "manifest.json").read_text())["cards"]
    return cards


def journal_paths(out: Path) -> set[str]:
    found = set()
    journal = out / ".cardgen" / "journal.jsonl"
    if journal.exists():
        for line in journal.read_text().splitlines():
            with contextlib.suppress(ValueError):  # a line torn by the kill
                found.add(json.loads(line)["path"])
    return found


def assert_folder_true(out: Path, *, exact: bool) -> list[dict[str, Any]]:
    """The manifest never lies: every card it lists is on disk with its size and sha256.
    Every card file on disk is listed by it or, after a kill, by the journal the next run
    reads back; with `exact` (a run that ended, however) by the manifest alone."""
    cards = manifest_cards(out)
    for card in cards:
        data = (out / card["path"]).read_bytes()
        assert len(data) == card["bytes"], card["path"]
        assert hashlib.sha256(data).hexdigest() == card["sha256"], card["path"]
    listed = {c["path"] for c in cards}
    on_disk = images(out)
    if exact:
        assert on_disk == listed, on_disk ^ listed
    else:
        assert on_disk <= listed | journal_paths(out), on_disk - listed
    return cards


def worker_pids(parent: int) -> list[int]:
    """The workers of `parent`, from /proc: forked by it, spawned by it, or forked by its
    forkserver (a forked worker has its parent's command line)."""
    children: dict[int, list[tuple[int, bytes]]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
            children.setdefault(int(fields[1]), []).append((int(stat.parent.name), cmdline))
    try:
        own = (Path("/proc") / str(parent) / "cmdline").read_bytes()
    except OSError:
        return []
    pids = [
        pid
        for pid, cmdline in children.get(parent, [])
        if b"spawn_main" in cmdline or cmdline == own
    ]
    for server, cmdline in children.get(parent, []):
        if b"forkserver" in cmdline:
            pids += [pid for pid, _ in children.get(server, [])]
    return pids


# How a run may end after a stop signal: done before it came, interrupted (130), or, when
# the signal came while Python itself was starting, before any handler, ended by it.
ENDINGS = (0, 130, -signal.SIGINT, -signal.SIGTERM)


def signal_at_random(root: Path, rng: Any, signum: int, *, bound: float = 30) -> tuple[int, float]:
    """Start a run, send `signum` to its whole process group at a random moment (start-up,
    fitting, drawing or writing), and wait at most `bound` seconds for every process of
    the group to end. Returns (exit code, seconds it took to end); raises on a hang or a
    traceback."""
    proc = start(root, *(["--force"] if rng.random() < 0.5 else []))
    try:
        time.sleep(rng.uniform(0.05, 2.5))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signum)
        sent = time.monotonic()
        try:
            _, stderr = proc.communicate(timeout=bound)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"hung: still running {bound} s after the signal") from None
        ended = time.monotonic() - sent
        assert group_gone(proc, timeout=bound), "a worker outlived its run"
        if python_did_not_start(proc.returncode, stderr):
            return -signum, ended  # ended by the signal before cardgen existed
        assert not cardgen_traceback(stderr), stderr
        return proc.returncode, ended
    finally:
        reap(proc)


def cardgen_traceback(stderr: str) -> bool:
    """A traceback from cardgen: any but one Python prints when the signal comes while it is
    still starting, before cardgen's entry point (`cardgen.__main__.main`) runs and can
    catch it. That one ends in a bare KeyboardInterrupt, and its frames are Python's own
    (frozen, or the standard library's: runpy, site, importlib and what they import) or
    the bodies of `cardgen/__init__.py` and `cardgen/__main__.py` being imported (a few
    assignments and definitions: the package imports nothing); never a frame of a
    function of cardgen's or of any other module of cardgen. One more is Python's own: a
    Ctrl-C that lands in a callback of its import machinery (`Exception ignored in:
    <function _get_module_lock.<locals>.cb ...>`, only frozen frames), which Python
    reports and drops, wherever it comes: no code of cardgen's can catch it."""
    if "Traceback" not in stderr:
        return False
    lines = stderr.rstrip().splitlines()
    frames = [_FRAME.match(line) for line in lines if line.strip().startswith("File ")]
    if not frames or lines[-1].removesuffix(":") != "KeyboardInterrupt" or None in frames:
        return True
    for frame in frames:
        assert frame is not None
        path, function = frame["path"], frame["function"]
        if path.startswith("<frozen ") or path == "<string>":
            continue  # the interpreter's own start-up (site's .pth lines run as "<string>")
        inside = Path(path).resolve()
        if inside.is_relative_to(PACKAGE):
            entry = inside.parent == PACKAGE and inside.name in ("__init__.py", "__main__.py")
            if entry and function == "<module>":
                continue  # the package and its entry module, still being imported
            return True
        if not inside.is_relative_to(STDLIB) or "site-packages" in inside.parts:
            return True  # a library's code running: cardgen called it
    return False


_FRAME = re.compile(r'\s*File "(?P<path>[^"]+)", line -?\d+, in (?P<function>\S+)$')
PACKAGE = (ROOT / "cardgen").resolve()
STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()
# Python itself failing to start (the signal came while it imported runpy or site), before
# any code of cardgen's: exit 1 with one of these lines, then the traceback above.
PYTHON_START_FAILED = ("Could not import runpy module", "Fatal Python error: ")


def python_did_not_start(code: int, stderr: str) -> bool:
    """Python's own start-up failed (site's `.pth` files run code of installed packages,
    `_distutils_hack`): no frame of it is cardgen's."""
    frames = [
        _FRAME.match(line) for line in stderr.splitlines() if line.strip().startswith("File ")
    ]
    cardgen = any(
        frame is None or Path(frame["path"]).resolve().is_relative_to(PACKAGE) for frame in frames
    )
    return code == 1 and stderr.startswith(PYTHON_START_FAILED) and not cardgen


@contextlib.contextmanager
def running_with_workers(root: Path) -> Iterator[tuple[subprocess.Popen[str], list[int]]]:
    """A render started in `root` once it has written a card, with the pids of its worker
    processes; nothing of it outlives the block."""
    proc = start(root)
    try:
        assert wait_for_a_card(root / "output", proc)
        workers = worker_pids(proc.pid)
        assert workers
        yield proc, workers
    finally:
        reap(proc)
