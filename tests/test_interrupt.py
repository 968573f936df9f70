"""Stopping a batch: SIGTERM and Ctrl-C exit 130 cleanly; SIGKILL loses nothing finished.

Real subprocesses (`python -m cardgen render --jobs 2`) on a generated project.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.batchkit import ROOT, make_project

PLATFORMS = ("bluesky", "x", "linkedin", "og")
QUOTES = 3  # 12 cards: a few seconds of work on 2 cores


def start(root: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "cardgen", "render", "--jobs", "2", *args],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a cron job
    )


def reap(proc: subprocess.Popen[str]) -> None:
    """Make sure no worker of a killed run outlives the test."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)


def workers_exit(proc: subprocess.Popen[str], timeout: float = 10) -> bool:
    """True once no process of the run's group is left."""
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
        if p.suffix in (".png", ".jpg", ".webp")
        and not any(part.startswith(".") for part in p.relative_to(out).parts)
    }


def assert_decodes(path: Path) -> None:
    with Image.open(path) as image:
        image.load()  # raises on a truncated or corrupt file


def assert_manifest_true(out: Path, *, exact: bool) -> list[dict[str, Any]]:
    """Every card the manifest lists is on disk as listed; with `exact`, nothing else is."""
    cards: list[dict[str, Any]] = json.loads((out / "manifest.json").read_text())["cards"]
    for card in cards:
        data = (out / card["path"]).read_bytes()
        assert len(data) == card["bytes"], card["path"]
        assert hashlib.sha256(data).hexdigest() == card["sha256"], card["path"]
    if exact:
        assert images(out) == {c["path"] for c in cards}
    return cards


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "proj", QUOTES, PLATFORMS)


@pytest.mark.parametrize("how", ["sigterm", "ctrl-c", "sigterm-group"])
def test_sigterm_and_ctrl_c_stop_cleanly_with_exit_130(project: Path, how: str) -> None:
    out = project / "output"
    proc = start(project)
    assert wait_for_a_card(out, proc)
    if how == "sigterm":
        proc.send_signal(signal.SIGTERM)
    elif how == "sigterm-group":  # a service manager stopping the job: every process
        os.killpg(proc.pid, signal.SIGTERM)
    else:  # a terminal sends SIGINT to the whole foreground process group
        os.killpg(proc.pid, signal.SIGINT)
    try:
        _stdout, stderr = proc.communicate(timeout=30)
    finally:
        reap(proc)
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    cards = assert_manifest_true(out, exact=True)
    assert 0 < len(cards) < QUOTES * len(PLATFORMS)
    for card in cards:
        assert_decodes(out / card["path"])
    assert not list(out.rglob("*.tmp"))
    assert not (out / ".cardgen" / "journal.jsonl").exists()  # the manifest holds it all

    again = subprocess.run(
        [sys.executable, "-m", "cardgen", "render", "--jobs", "2", "--json"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    done = json.loads(again.stdout.splitlines()[-1])
    assert done["cached"] == len(cards)
    assert done["rendered"] == QUOTES * len(PLATFORMS) - len(cards)


def test_sigkill_ten_times_then_rerun_loses_nothing(project: Path) -> None:
    out = project / "output"
    rng = random.Random(20261125)
    for attempt in range(10):
        before = journal_lines(out)
        # Every other run re-renders everything, so kills also land on overwrites.
        proc = start(project, *(["--force"] if attempt % 2 else []))
        if attempt % 3 == 0:
            time.sleep(rng.uniform(0.2, 2.0))  # anywhere: start-up, fitting or writing
        elif wait_for_a_card(out, proc, before):
            time.sleep(rng.uniform(0.0, 0.8))  # while cards are being written
        proc.kill()  # SIGKILL: no handler runs, no cleanup
        if attempt == 9:
            assert workers_exit(proc), "worker processes outlived their killed main process"
        reap(proc)
        for name in images(out):
            assert_decodes(out / name)
        if (out / "manifest.json").exists():
            assert_manifest_true(out, exact=False)

    # What earlier runs finished (in the manifest or the journal) must survive as is.
    finished: set[str] = set()
    if (out / "manifest.json").exists():
        finished |= {c["path"] for c in assert_manifest_true(out, exact=False)}
    journal = out / ".cardgen" / "journal.jsonl"
    if journal.exists():
        for line in journal.read_text().splitlines():
            with contextlib.suppress(ValueError):  # a line torn by the kill
                finished.add(json.loads(line)["path"])
    assert finished, "no run got far enough to write a card"

    final = subprocess.run(
        [sys.executable, "-m", "cardgen", "render", "--jobs", "2", "--json"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert final.returncode == 0, final.stderr
    events = [json.loads(line) for line in final.stdout.splitlines()]
    statuses = {e["path"]: e["status"] for e in events if e["event"] == "card"}
    assert all(statuses[path] == "cached" for path in finished)
    cards = assert_manifest_true(out, exact=True)
    assert len(cards) == QUOTES * len(PLATFORMS)
    for card in cards:
        assert_decodes(out / card["path"])
    assert not list(out.rglob("*.tmp"))
    assert not journal.exists()


def worker_pids(parent: int) -> list[int]:
    """The workers of `parent`, from /proc: forked by it, spawned by it, or forked by its
    forkserver (a forked worker has its parent's command line)."""
    children: dict[int, list[tuple[int, bytes]]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
            children.setdefault(int(fields[1]), []).append((int(stat.parent.name), cmdline))
    own = (Path("/proc") / str(parent) / "cmdline").read_bytes()
    pids = [
        pid
        for pid, cmdline in children.get(parent, [])
        if b"spawn_main" in cmdline or cmdline == own
    ]
    for server, cmdline in children.get(parent, []):
        if b"forkserver" in cmdline:
            pids += [pid for pid, _ in children.get(server, [])]
    return pids


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_killed_worker_is_one_clear_error_and_keeps_finished_cards(project: Path) -> None:
    out = project / "output"
    proc = start(project)
    try:
        assert wait_for_a_card(out, proc)
        workers = worker_pids(proc.pid)
        assert workers
        os.kill(workers[0], signal.SIGKILL)
        _, stderr = proc.communicate(timeout=60)
    finally:
        reap(proc)
    assert proc.returncode == 2, stderr
    assert stderr.startswith("error: a worker process stopped unexpectedly")
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    cards = assert_manifest_true(out, exact=True)
    assert cards


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_the_lock_goes_with_a_killed_main_process_not_its_workers(project: Path) -> None:
    """Forked workers share the lock's open file: they must not keep it after a SIGKILL."""
    import fcntl

    out = project / "output"
    proc = start(project)
    try:
        assert wait_for_a_card(out, proc)
        workers = worker_pids(proc.pid)
        assert workers
        proc.kill()  # the main process only: its workers notice within half a second
        proc.wait(timeout=30)
        alive = [pid for pid in workers if Path(f"/proc/{pid}").exists()]
        fd = os.open(out / ".cardgen" / "lock", os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError: still held
        finally:
            os.close(fd)
        assert alive, "the workers were gone before the lock was tried: nothing was shown"
    finally:
        reap(proc)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_waits_until_the_card_and_its_record_are_both_written(signum: int) -> None:
    """A card renamed into place and then interrupted before its record would be on disk
    but not in the manifest: the signal is held until both are done, then stops the run."""
    from cardgen.batch.runner import _card_and_record_together, _terminate_as_interrupt

    done = []
    with pytest.raises(KeyboardInterrupt), _terminate_as_interrupt():
        with _card_and_record_together():
            os.kill(os.getpid(), signum)
            time.sleep(0.05)  # the handler runs here, between two steps
            done.append("record")
        done.append("next card")  # never reached: the held signal stops the run
    assert done == ["record"]
    with pytest.raises(KeyboardInterrupt), _terminate_as_interrupt():
        os.kill(os.getpid(), signum)  # outside a card's writing it stops at once
        time.sleep(1)
        done.append("late")
    assert done == ["record"]
