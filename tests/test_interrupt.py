"""Stopping a batch: SIGTERM and Ctrl-C exit 130 cleanly; SIGKILL loses nothing finished;
a worker that dies has its card drawn again; no signal ever leaves a run hanging.

Real subprocesses (`python -m cardgen render --jobs 2`) on a generated project; the
helpers are shared with `benchmarks/bench_signals.py` (`tests/killkit.py`).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from cardgen.batch.folder import is_temp_name
from cardgen.batch.output import write_inside
from cardgen.batch.signals import Terminated
from tests.batchkit import ROOT, make_project
from tests.killkit import (
    ENDINGS,
    assert_decodes,
    assert_folder_true,
    cardgen_traceback,
    group_gone,
    journal_lines,
    journal_paths,
    python,
    python_did_not_start,
    reap,
    rerun,
    running_with_workers,
    signal_at_random,
    start,
    wait_for_a_card,
    worker_pids,
)

PLATFORMS = ("bluesky", "x", "linkedin", "og")
QUOTES = 3  # 12 cards: a few seconds of work on 2 cores


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
    cards = assert_folder_true(out, exact=True)
    assert 0 < len(cards) < QUOTES * len(PLATFORMS)
    for card in cards:
        assert_decodes(out / card["path"])
    assert not list(out.rglob("*.tmp"))
    assert not (out / ".cardgen" / "journal.jsonl").exists()  # the manifest holds it all

    again = rerun(project)
    assert again.returncode == 0, again.stderr
    done = json.loads(again.stdout.splitlines()[-1])
    assert done["cached"] == len(cards)
    assert done["rendered"] == QUOTES * len(PLATFORMS) - len(cards)


def test_sigkill_at_random_points_never_leaves_a_lying_manifest(project: Path) -> None:
    """Power cut, simulated: SIGKILL anywhere, over first renders and re-renders. After every
    kill the manifest lists only cards on disk with their sha256, every card file is in it or
    in the journal, and a rerun recovers everything with exit 0."""
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
            assert group_gone(proc), "worker processes outlived their killed main process"
        reap(proc)
        assert_folder_true(out, exact=False)
        for name in {c["path"] for c in assert_folder_true(out, exact=False)}:
            assert_decodes(out / name)

    # What earlier runs finished (in the manifest or the journal) must survive as is.
    finished = {c["path"] for c in assert_folder_true(out, exact=False)} | journal_paths(out)
    assert finished, "no run got far enough to write a card"
    final = rerun(project)
    assert final.returncode == 0, final.stderr
    events = [json.loads(line) for line in final.stdout.splitlines()]
    statuses = {e["path"]: e["status"] for e in events if e["event"] == "card"}
    assert all(statuses[path] == "cached" for path in finished if path in statuses)
    cards = assert_folder_true(out, exact=True)
    assert len(cards) == QUOTES * len(PLATFORMS)
    for card in cards:
        assert_decodes(out / card["path"])
    assert not list(out.rglob("*.tmp"))
    assert not (out / ".cardgen" / "journal.jsonl").exists()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_killed_workers_card_is_drawn_again_and_the_run_succeeds(project: Path) -> None:
    out = project / "output"
    with running_with_workers(project) as (proc, workers):
        os.kill(workers[0], signal.SIGKILL)
        _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert len(assert_folder_true(out, exact=True)) == QUOTES * len(PLATFORMS)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_cards_whose_workers_keep_dying_fail_with_exit_1_and_a_true_manifest(
    project: Path,
) -> None:
    """Every worker killed as soon as it appears: each card is tried twice, then the run
    ends (no hang) with exit 1, one error line, and a manifest of what is on disk."""
    out = project / "output"
    proc = start(project)
    stop = threading.Event()

    def kill_workers() -> None:
        while not stop.is_set():
            for pid in worker_pids(proc.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.005)

    try:
        assert wait_for_a_card(out, proc, timeout=90) or proc.poll() is not None
        killer = threading.Thread(target=kill_workers, daemon=True)
        killer.start()
        _, stderr = proc.communicate(timeout=120)
    finally:
        stop.set()
        reap(proc)
    assert proc.returncode == 1, stderr
    assert stderr.startswith("error: ") and stderr.count("\n") == 1, stderr
    assert "not drawn: the worker process drawing it stopped twice" in stderr
    assert_folder_true(out, exact=True)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_the_lock_goes_with_a_killed_main_process_not_its_workers(project: Path) -> None:
    """Forked workers share the lock's open file: they must not keep it after a SIGKILL."""
    import fcntl

    out = project / "output"
    with running_with_workers(project) as (proc, workers):
        proc.kill()  # the main process only: its workers notice within half a second
        proc.wait(timeout=30)
        alive = [pid for pid in workers if Path(f"/proc/{pid}").exists()]
        fd = os.open(out / ".cardgen" / "lock", os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError: still held
        finally:
            os.close(fd)
        assert alive, "the workers were gone before the lock was tried: nothing was shown"


SIGNAL_RUNS = 6  # benchmarks/bench_signals.py runs 200 for the README's number


def test_signals_at_random_moments_never_hang(project: Path) -> None:
    """SIGTERM and SIGINT to the whole process group (what `timeout`, systemd and a
    terminal send) at random moments: every run ends within the bound, exit 0 or 130,
    with a true manifest and the lock free for the next run."""
    rng = random.Random(181)
    out = project / "output"
    for run in range(SIGNAL_RUNS):
        signum = (signal.SIGTERM, signal.SIGINT)[run % 2]
        code, _ = signal_at_random(project, rng, signum)
        assert code in ENDINGS, code
        assert_folder_true(out, exact=True)
    assert rerun(project).returncode == 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_waits_until_the_card_and_its_record_are_both_written(signum: int) -> None:
    """A card renamed into place and then interrupted before its record would be on disk
    but not in the manifest: the signal is held until both are done, then stops the run."""
    from cardgen.batch.signals import SignalGuard

    guard = SignalGuard()  # one run's
    done = []
    with pytest.raises(KeyboardInterrupt), guard.installed():
        with guard.together():
            os.kill(os.getpid(), signum)
            time.sleep(0.05)  # the handler runs here, between two steps
            done.append("record")
        done.append("next card")  # never reached: the held signal stops the run
    assert done == ["record"]
    with pytest.raises(KeyboardInterrupt), guard.installed():
        os.kill(os.getpid(), signum)  # outside a card's writing it stops at once
        time.sleep(1)
        done.append("late")
    assert done == ["record"]


@pytest.mark.parametrize("stop", [KeyboardInterrupt, Terminated])
def test_a_signal_as_a_temporary_file_is_made_leaves_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stop: type[KeyboardInterrupt]
) -> None:
    """Ctrl-C or SIGTERM raised the moment `os.open` has made a file's temporary (before
    its descriptor is even kept): the write stops and leaves no temporary behind."""
    made: list[str] = []
    real_open = os.open

    def open_then_stop(path: str, flags: int, *args: object, **kwargs: object) -> int:
        fd = real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]
        if is_temp_name(str(path)):
            made.append(str(path))
            raise stop
        return fd

    monkeypatch.setattr(os, "open", open_then_stop)
    with pytest.raises(stop):
        write_inside(tmp_path, ".cardgen/thumbs/" + "ab" * 32 + ".webp", b"a thumbnail")
    monkeypatch.undo()
    assert made and not [p.name for p in tmp_path.rglob("*") if p.is_file()]


def test_a_killed_runs_temporaries_are_swept_from_thumbnails_and_carousels(
    tmp_path: Path,
) -> None:
    """What a SIGKILL leaves mid-write (a thumbnail's or a carousel slide's temporary) is
    removed by the next run, under its lock; others' files stay."""
    from tests.test_carousels import CAROUSEL
    from tests.test_carousels import make_project as carousel_project

    root = carousel_project(tmp_path / "proj", CAROUSEL)
    assert rerun(root).returncode == 0
    out = root / "output"
    ours = [
        out / ".cardgen" / "thumbs" / f".{'ab' * 32}.webp.cardgen-0123abcd.tmp",
        out / "garden" / "carousels" / "letters" / "x" / ".01-cover.png.cardgen-89abcdef.tmp",
    ]
    foreign = out / ".cardgen" / "thumbs" / ".notes.tmp"
    for path in [*ours, foreign]:
        path.write_bytes(b"half a file")
    assert rerun(root).returncode == 0
    assert not any(path.exists() for path in ours)
    assert foreign.read_bytes() == b"half a file"


def _traceback(*frames: tuple[str, str], last: str = "KeyboardInterrupt") -> str:
    body = "".join(
        f'  File "{path}", line 7, in {function}\n    code\n' for path, function in frames
    )
    return f"Traceback (most recent call last):\n{body}{last}\n"


_PACKAGE = Path(__file__).resolve().parent.parent / "cardgen"
_STDLIB = Path(sysconfig.get_paths()["stdlib"])
_RUNPY = ("<frozen runpy>", "_run_module_as_main")
_IMPORTING = ("<frozen importlib._bootstrap>", "_find_and_load")


@pytest.mark.parametrize(
    ("stderr", "from_cardgen"),
    [
        ("interrupted\n", False),
        (_traceback(_RUNPY, _IMPORTING), False),
        # Ctrl-C while Python imports the package (`typing`, `re`) or the entry module:
        (
            _traceback(
                _RUNPY,
                (f"{_PACKAGE}/__init__.py", "<module>"),
                (f"{_STDLIB}/re/__init__.py", "<module>"),
            ),
            False,
        ),
        (
            _traceback(
                _RUNPY, (f"{_PACKAGE}/__main__.py", "<module>"), (f"{_STDLIB}/enum.py", "_convert_")
            ),
            False,
        ),
        # ... but never once cardgen's entry point runs, nor in its other modules or a library:
        (
            _traceback(
                _RUNPY, (f"{_PACKAGE}/__main__.py", "<module>"), (f"{_PACKAGE}/__main__.py", "main")
            ),
            True,
        ),
        (_traceback(_RUNPY, (f"{_PACKAGE}/cli.py", "<module>")), True),
        (_traceback(_RUNPY, (f"{_PACKAGE}/batch/uptodate.py", "answer")), True),
        (_traceback(_RUNPY, (f"{_STDLIB}/site-packages/pydantic/main.py", "<module>")), True),
        # Python's import machinery dropping a Ctrl-C that hit one of its callbacks:
        (
            "Exception ignored in: <function _get_module_lock.<locals>.cb at 0x7f>\n"
            + _traceback(("<frozen importlib._bootstrap>", "cb"), last="KeyboardInterrupt: "),
            False,
        ),
        (
            "Exception ignored in: <function _Recorder.close at 0x7f>\n"
            + _traceback((f"{_PACKAGE}/batch/uptodate.py", "close"), last="KeyboardInterrupt: "),
            True,
        ),
        (_traceback(_RUNPY, _IMPORTING, last="ValueError: boom"), True),
        ("Traceback (most recent call last):\nKeyboardInterrupt\n", True),
    ],
)
def test_only_a_signal_before_cardgen_starts_may_print_a_traceback(
    stderr: str, from_cardgen: bool
) -> None:
    """What the kill tests count as cardgen's traceback, and what as Python's own while it is
    still starting (which no code of cardgen's could catch)."""
    assert cardgen_traceback(stderr) is from_cardgen


def test_python_failing_to_start_is_told_apart_from_cardgen_failing() -> None:
    started = "Could not import runpy module\n" + _traceback(_IMPORTING)
    assert python_did_not_start(1, started)
    assert python_did_not_start(
        1, "Fatal Python error: init_sys_streams\n" + _traceback(_IMPORTING)
    )
    assert not python_did_not_start(1, "error: garden.yaml:3: no such quote\n")
    assert not python_did_not_start(130, started)
    site = _traceback(("<frozen site>", "addpackage"), ("/venv/site-packages/_hack.py", "<module>"))
    assert python_did_not_start(1, "Fatal Python error: init_import_site\n" + site)
    cli = _traceback(_RUNPY, (f"{_PACKAGE}/cli.py", "main"))
    assert not python_did_not_start(1, "Could not import runpy module\n" + cli)


def test_cardgen_catches_a_signal_from_its_entry_module_on(tmp_path: Path) -> None:
    """`python -m cardgen` started and stopped at once, again and again: every ending is a
    clean one (0, 130, or killed by the signal before cardgen's entry point ran), and no
    traceback comes from cardgen's code, whatever moment of start-up the signal hits."""
    rng = random.Random(7)
    for _ in range(STARTUP_RUNS):
        proc = subprocess.Popen(
            [sys.executable, "-m", "cardgen", "--help"],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(_PACKAGE.parent)},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            time.sleep(rng.uniform(0.0, 0.12))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGINT)
            _, stderr = proc.communicate(timeout=30)
        finally:
            reap(proc)
        if not python_did_not_start(proc.returncode, stderr):
            assert not cardgen_traceback(stderr), stderr
            assert proc.returncode in ENDINGS, stderr


STARTUP_RUNS = 25  # ~0.1 s each


def test_nothing_runs_before_the_entry_point_can_catch_a_signal() -> None:
    """The moments before `main`'s `try` are as short as they can be: importing the package
    and its entry module loads no other module (typing would take ~7 ms, signal's enum a
    few), so a Ctrl-C then is all but impossible."""
    script = (
        "import sys; before = set(sys.modules); import cardgen.__main__; "
        "print(' '.join(sorted(set(sys.modules) - before)))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": str(_PACKAGE.parent)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert set(loaded) <= {"cardgen", "cardgen.__main__", "__future__", "time"}, loaded


# --- signals at the right depth, and one ending for a Ctrl-C however it arrives -----------


def _raising(exc: BaseException) -> Any:
    def stop(*args: object, **kwargs: object) -> Any:
        raise exc

    return stop


def _wrapped(how: str) -> BaseException:
    """A Ctrl-C as a library may hand it on."""
    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as stop:
            if how == "cause":
                raise RuntimeError("Error calling __set_name__") from stop
            if how == "context":
                raise RuntimeError("cancelled")  # noqa: B904 (as some libraries do)
            if how == "group":
                raise BaseExceptionGroup("tasks", [ValueError("other"), stop])  # noqa: B904
            raise
    except BaseException as handed_on:
        return handed_on


CTRL_C_SHAPES = ["bare", "cause", "context", "group"]


@pytest.mark.parametrize("how", CTRL_C_SHAPES)
def test_is_interrupt_sees_a_ctrl_c_however_wrapped(how: str) -> None:
    from cardgen.errors import is_interrupt

    assert is_interrupt(_wrapped(how))


def test_is_interrupt_is_not_fooled() -> None:
    from cardgen.errors import is_interrupt

    looped = ValueError("a")
    looped.__context__ = TypeError("b")
    looped.__context__.__context__ = looped  # a chain that loops: no hang
    exit_after_ctrl_c = SystemExit(130)
    exit_after_ctrl_c.__context__ = KeyboardInterrupt()
    for exc in (ValueError("bug"), looped, exit_after_ctrl_c, ExceptionGroup("g", [OSError()])):
        assert not is_interrupt(exc), exc


@pytest.mark.parametrize("inside_run", [True, False], ids=["in-cli-run", "in-a-command"])
@pytest.mark.parametrize("how", CTRL_C_SHAPES)
def test_the_cli_ends_a_ctrl_c_however_wrapped_with_one_line_and_exit_130(
    monkeypatch: pytest.MonkeyPatch, how: str, inside_run: bool
) -> None:
    """A library called through `Invocation.run` (here, loading the platforms) or the
    command's own code after it (here, reading them) hands on the user's Ctrl-C, bare or
    wrapped: `interrupted`, exit 130, no `internal error` (70), no traceback."""
    from cardgen.design import platforms
    from tests.helpers import run_cli

    stop = _wrapped(how)
    if inside_run:
        monkeypatch.setattr(platforms, "load_platforms", _raising(stop))
    else:

        class Stopping(dict[str, object]):
            values = _raising(stop)

        monkeypatch.setattr(platforms, "load_platforms", lambda root: Stopping())
    code, stdout, stderr = run_cli("platforms")
    assert (code, stdout, stderr) == (130, "", "interrupted\n")


@pytest.mark.parametrize("how", CTRL_C_SHAPES)
def test_the_entry_point_ends_a_ctrl_c_however_wrapped_as_the_cli_does(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    """Before the CLI runs (the up-to-date check), the same ending: one line, exit 130."""
    from cardgen import __main__
    from cardgen.batch import uptodate

    monkeypatch.setattr(uptodate, "answer", _raising(_wrapped(how)))
    monkeypatch.setattr(sys, "argv", ["cardgen", "render"])
    with pytest.raises(SystemExit) as ended:
        __main__.main()
    assert ended.value.code == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_the_entry_point_lets_a_real_bug_through(monkeypatch: pytest.MonkeyPatch) -> None:
    from cardgen import __main__
    from cardgen.batch import uptodate

    monkeypatch.setattr(uptodate, "answer", _raising(ValueError("a bug")))
    monkeypatch.setattr(sys, "argv", ["cardgen", "render"])
    with pytest.raises(ValueError, match="a bug"):
        __main__.main()


def _own_handler(signum: int, frame: object) -> None:
    raise AssertionError("not called")


@pytest.mark.parametrize("handlers", ["python's", "the caller's own"])
@pytest.mark.parametrize(
    ("argv", "code"),
    [(["--version"], 0), (["platforms", "--bogus"], 2), (["render", "--stopped"], 130)],
    ids=["done", "usage-error", "ctrl-c"],
)
def test_main_in_process_leaves_the_signal_handlers_as_it_found_them(
    monkeypatch: pytest.MonkeyPatch, handlers: str, argv: list[str], code: int
) -> None:
    """`main` run by a caller in-process (a test, a benchmark) hands back SIGINT and SIGTERM
    as they were, however it ends: only the console entry point (`run`), in a process about
    to exit, ignores them once done."""
    from cardgen import __main__
    from cardgen.batch import uptodate

    if handlers != "python's":  # (conftest's fixture puts pytest's back after the test)
        signal.signal(signal.SIGINT, _own_handler)
        signal.signal(signal.SIGTERM, _own_handler)
    before = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM))
    if code == 130:
        monkeypatch.setattr(uptodate, "answer", _raising(KeyboardInterrupt()))
    monkeypatch.setattr(sys, "argv", ["cardgen", *argv])
    with pytest.raises(SystemExit) as ended:
        __main__.main()
    assert ended.value.code == code
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before


_LATE_STOP = """
import atexit, importlib, os, runpy, signal, sys, time, tomllib

def late_stop():  # the last thing Python does before it exits: after every atexit of cardgen's
    os.kill(os.getpid(), signal.SIGINT)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(0.3)  # any Python handler runs here

atexit.register(late_stop)
entry, sys.argv = sys.argv[1], ["cardgen", *sys.argv[2:]]
if entry == "-m":
    runpy.run_module("cardgen", run_name="__main__", alter_sys=True)
else:  # the console script pip makes from pyproject.toml: sys.exit(ENTRY())
    with open(entry, "rb") as pyproject:
        target = tomllib.load(pyproject)["project"]["scripts"]["cardgen"]
    module, _, name = target.partition(":")
    sys.exit(getattr(importlib.import_module(module), name)())
"""


@pytest.mark.parametrize("entry", ["console-script", "python -m"])
@pytest.mark.parametrize("command", [["--version"], ["render", "--jobs", "2"]])
def test_a_ctrl_c_as_python_exits_prints_no_traceback(
    project: Path, entry: str, command: list[str]
) -> None:
    """Ctrl-C and SIGTERM arriving when cardgen is done, while Python shuts down (its
    atexit callbacks): nothing is left to stop, so nothing is printed and the exit code is
    the run's, for `cardgen` (pyproject.toml's entry point) and `python -m cardgen`."""
    where = str(ROOT / "pyproject.toml") if entry == "console-script" else "-m"
    done = python(project, "-c", _LATE_STOP, where, *command)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "KeyboardInterrupt" not in done.stderr
    assert done.stdout
