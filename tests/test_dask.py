"""`--executor dask` and `dask-local`: a cluster draws, the cards are the same bytes.

Every cluster here is a LocalCluster on 127.0.0.1: nothing leaves the machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cardgen.batch import fitkit, scheduling
from cardgen.batch.executors import LOCAL_CLUSTER, let_dask_threads_go
from cardgen.batch.fitkit import fit_kit, worker_card
from cardgen.batch.plan import Project, fit_card, load_selections, plan
from cardgen.batch.workers import draw_in_worker, draw_on_worker, fit_on_worker
from tests.batchkit import ROOT, make_project
from tests.helpers import run_cli

distributed = pytest.importorskip("distributed")


@pytest.fixture(autouse=True)
def no_thread_left_behind() -> Iterator[None]:
    """Each test here leaves no thread behind in this process (Dask's client, cluster and
    the pool it serializes in), as a render does: the tests after it, and a process that
    renders again, fork local workers only while one thread runs."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5  # a closed loop's thread may take a moment to end
    while time.monotonic() < deadline:
        left = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
        if not left:
            return
        time.sleep(0.05)
    raise AssertionError(f"threads left behind: {left}")


def sums(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.suffix in (".png", ".jpg", ".webp", ".txt")
    }


def with_own_files(root: Path) -> Path:
    """The project keeps fonts of its own, and its quotes use a photo and a logo too."""
    shutil.copytree(ROOT / "fonts" / "noto-serif", root / "fonts" / "serif")
    selection = root / "quotes" / "weekly.yaml"
    text = selection.read_text(encoding="utf-8")
    text = text.replace("  - id: q001\n", "  - id: q001\n    layout: photo\n")
    text = text.replace(
        "  - id: q002\n", "  - id: q002\n    layout: card\n    brand: happy-as-a-mother\n"
    )
    selection.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = with_own_files(make_project(tmp_path / "proj", 3, ("bluesky", "instagram-story")))
    monkeypatch.chdir(root)
    return root


def test_dask_local_draws_the_same_bytes_as_a_local_run(project: Path) -> None:
    assert run_cli("render", "--jobs", "1", "-o", "local")[0] == 0
    code, _, err = run_cli("render", "--executor", "dask-local", "--workers", "2", "-o", "dask")
    assert code == 0, err
    assert sums(project / "dask") == sums(project / "local")
    for name in ("manifest.json", "captions.csv"):
        assert (project / "dask" / name).read_bytes() == (project / "local" / name).read_bytes()
    assert scheduling.can_fork() or not sys.platform.startswith("linux")  # no thread left


def test_a_worker_fits_and_draws_from_files_sent_by_content_hash(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No shared disk: the worker gets the project's fonts, photo and logo in the kit,
    keyed by sha256, with the project gone from where it was; it fits and draws the
    cards a local run makes, and a worker that did not fit them draws them the same."""
    loaded = Project.open(project)
    jobs = plan(load_selections(None, loaded), loaded)
    local = [
        draw_in_worker(pickle.dumps(fit_card(job, loaded)), job.fmt, job.platform.file_limit)
        for job in jobs
    ]
    kit = fit_kit(loaded, jobs)
    cards = [worker_card(job, loaded) for job in jobs]
    suffixes = {suffix for suffix, _ in kit.files.values()}
    assert {".ttf", ".jpg", ".svg"} <= suffixes
    assert [name for name, _ in kit.fonts][:1] == ["serif/NotoSerif-Bold.ttf"]
    project.rename(tmp_path / "gone")  # nothing of the project is where the kit says
    monkeypatch.chdir(tmp_path)
    fitkit.forget_kits()
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "worker-a"))
    (tmp_path / "worker-a").mkdir()
    fitted = fit_on_worker(kit, cards)
    assert fitted.root.startswith(str(tmp_path / "worker-a"))
    assert draw_on_worker(kit, fitted, cards) == local
    fitkit.forget_kits()
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "worker-b"))
    (tmp_path / "worker-b").mkdir()
    assert draw_on_worker(kit, fitted, cards) == local


def test_workers_of_another_version_are_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cardgen.batch.executors.worker_version", lambda: "0.0.1")
    code, _, err = run_cli("render", "--executor", "dask-local", "--workers", "1", "-o", "out")
    assert code == 2
    assert "runs cardgen 0.0.1; this is cardgen" in err
    assert not (project / "out").exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_unreachable_scheduler_fails_within_the_timeout_writing_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cardgen.limits.DASK_CONNECT_SECONDS", 1.5)
    started = time.monotonic()
    address = f"tcp://127.0.0.1:{free_port()}"
    code, _, err = run_cli("render", "--executor", "dask", "--scheduler", address, "-o", "out")
    assert code == 2
    assert f"cannot reach the Dask scheduler at {address} within 1.5 s" in err
    assert time.monotonic() - started < 20
    assert not (project / "out").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--executor", "dask"], "--executor dask needs --scheduler"),
        (["--executor", "dusk"], "--executor 'dusk': use local, dask, dask-local"),
        (["--executor", "dask", "--scheduler", "not an address"], "is not a scheduler address"),
        (["--workers", "2"], "--workers goes with --executor dask-local"),
        (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler goes with --executor dask"),
        (["--executor", "dask-local", "--workers", "0"], "--workers 0: at least 1"),
    ],
)
def test_bad_executor_options_exit_2(project: Path, args: list[str], message: str) -> None:
    code, _, err = run_cli("render", *args, "-o", "out")
    assert code == 2 and message in err, err
    assert not (project / "out").exists()


def test_without_dask_the_flag_says_how_to_install(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed: ImportError
    code, _, err = run_cli("render", "--executor", "dask-local", "-o", "out")
    assert code == 2
    assert "pip install 'cardgen[dask]'" in err and "Traceback" not in err
    assert not (project / "out").exists()


@pytest.mark.parametrize("task", ["fit_on_worker", "draw_on_worker"])
def test_a_worker_killed_mid_batch_loses_nothing(tmp_path: Path, task: str) -> None:
    """A LocalCluster of 2 worker processes; one is killed (SIGKILL) while it fits, or
    while it draws (the scenes it fitted go with it): Dask runs its tasks again on the
    other, and the run ends with every card, as a local run's."""
    root = make_project(tmp_path / "proj", 30, ("bluesky", "x"))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    command = [sys.executable, "-m", "cardgen", "render", "--jobs", "1"]
    local = subprocess.run([*command, "-o", "local"], cwd=root, env=env, capture_output=True)
    assert local.returncode == 0, local.stderr
    cluster = distributed.LocalCluster(n_workers=2, **LOCAL_CLUSTER)
    client = distributed.Client(cluster)
    try:
        pids: dict[str, int] = client.run(os.getpid)
        proc = subprocess.Popen(
            [*command, "--executor", "dask", "--scheduler", cluster.scheduler_address, "-o", "out"],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        killed = None
        deadline = time.monotonic() + 240
        while killed is None and proc.poll() is None and time.monotonic() < deadline:
            processing = client.processing().items()
            busy = [w for w, tasks in processing if any(task in str(t) for t in tasks)]
            if busy:
                killed = busy[0]
                os.kill(pids[killed], signal.SIGKILL)
            time.sleep(0.005)
        _, stderr = proc.communicate(timeout=300)
    finally:
        client.close()
        cluster.close()
        let_dask_threads_go()
    assert killed is not None, "the batch ended before a worker could be killed"
    assert proc.returncode == 0, stderr.decode()
    assert sums(root / "out") == sums(root / "local")
    records = json.loads((root / "out" / "manifest.json").read_text())["cards"]
    assert len(records) == 60
    assert (root / "out" / "manifest.json").read_bytes() == (
        root / "local" / "manifest.json"
    ).read_bytes()


def test_workers_with_other_system_fonts_are_named_in_a_warning(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker's own system fonts decide the fallbacks its cards use: a worker whose
    fonts are not this machine's may draw other bytes, and the run says so (here this
    machine seems to have one font more than its workers)."""
    real = fitkit.system_fonts()
    extra = "Fancy Sans Regular (FancySans.ttf, 1234 bytes)"
    monkeypatch.setattr(fitkit, "system_fonts", lambda: sorted([*real, extra]))
    code, out, err = run_cli(
        "render", "--json", "--executor", "dask-local", "--workers", "1", "-o", "out"
    )
    assert code == 0, err
    warnings = [json.loads(line)["message"] for line in out.splitlines() if '"warning"' in line]
    assert len(warnings) == 1, warnings
    assert "has other system fonts than this machine (1 differ, e.g. Fancy Sans" in warnings[0]


def test_system_fonts_are_compared_by_name_file_and_size() -> None:
    from cardgen.batch.fitkit import system_fonts

    here = system_fonts()
    assert here == sorted(set(here))
    assert all(re.fullmatch(r".+ \(.+\.(ttf|otf|ttc), \d+ bytes\)", f, re.I) for f in here)
