"""Past one machine, measured side by side in one run (issue 17).

On generated batches: `--jobs 2` against `--executor dask-local --workers 2` (overhead
per card: target at most 15%; `--pairs N` turns of the two, A B B A ...), two shards
rendered apart and merged against one run (bytes compared), the shared cache's hit time
per card, what a worker spends on a card, Dask's own cost per task (`--scheduler`), where
each side's CPU goes by process (`--breakdown N`) and the model made of them; with
`--plan`, the peak RSS of planning that many cards (`--dry-run`).

    .venv/bin/python benchmarks/bench_dist.py [--cards 10000] [--pairs 1] [--others 1000]
        [--scheduler] [--breakdown 1000] [--plan 1000,10000,100000] [--json-out FILE]

Prints a JSON summary (and writes it with --json-out). Each render is a subprocess, as a
scheduled job runs it.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.batchkit import make_project  # noqa: E402

PLATFORMS = (
    *("instagram-square", "instagram-portrait", "x", "linkedin", "facebook"),
    *("bluesky", "mastodon", "threads", "og", "pinterest"),
)


def cardgen(project: Path, *args: str) -> dict[str, Any]:
    """One `cardgen ARGS` in a subprocess: seconds, CPU seconds, peak RSS (MB) of the
    largest process it ran, and its last JSON event."""
    command = [sys.executable, "-m", "cardgen", *args]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    script = (
        "import resource, subprocess, sys, time, json\n"
        "start = time.perf_counter()\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps({'seconds': time.perf_counter() - start, 'code': done.returncode,\n"
        "  'cpu': usage.ru_utime + usage.ru_stime, 'rss_mb': usage.ru_maxrss / 1024,\n"
        "  'stdout': done.stdout[-4000:], 'stderr': done.stderr[-2000:]}))\n"
    )
    # A fresh interpreter per measure: RUSAGE_CHILDREN's peak is then this run's alone.
    raw = subprocess.run(
        [sys.executable, "-c", script, *command],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(raw.stdout)
    if result["code"] != 0:
        raise SystemExit(f"cardgen {' '.join(args)} failed: {result['stderr']}")
    lines = [line for line in result.pop("stdout").splitlines() if line.startswith("{")]
    result["last"] = json.loads(lines[-1]) if lines else None
    del result["stderr"]
    return result


def card_sums(out: Path) -> dict[str, str]:
    return {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.suffix in (".png", ".jpg", ".webp", ".txt")
    }


def project_of(root: Path, cards: int) -> Path:
    quotes = max(1, cards // len(PLATFORMS))
    return make_project(root / f"p{cards}", quotes, PLATFORMS)


def side_by_side(root: Path, cards: int, pairs: int) -> dict[str, Any]:
    """`--jobs 2` against a 2-worker LocalCluster on the same cards, in turns (A B B A ...:
    a machine whose load drifts weighs on both alike); bytes compared."""
    project = project_of(root, cards)
    n = (cards // len(PLATFORMS)) * len(PLATFORMS)
    args = {
        "jobs2": ("--jobs", "2"),
        "dask_local_2": ("--executor", "dask-local", "--workers", "2"),
    }
    order = [name for turn in range(pairs) for name in (list(args), list(args)[::-1])[turn % 2]]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in args}
    for name in order:
        run = cardgen(project, "render", "--json", "--force", *args[name], "-o", name)
        run["load"] = os.getloadavg()[0]
        runs[name].append(run)
    same = card_sums(project / "dask_local_2") == card_sums(project / "jobs2")
    wall = {name: sum(r["seconds"] for r in found) for name, found in runs.items()}
    cpu = {name: sum(r["cpu"] for r in found) for name, found in runs.items()}
    return {
        "cards": n,
        "runs": runs,
        "order": order,
        "ms_per_card": {name: wall[name] / len(runs[name]) / n * 1000 for name in runs},
        "cpu_ms_per_card": {name: cpu[name] / len(runs[name]) / n * 1000 for name in runs},
        "dask_overhead_pct": 100 * (wall["dask_local_2"] - wall["jobs2"]) / wall["jobs2"],
        "dask_cpu_overhead_pct": 100 * (cpu["dask_local_2"] - cpu["jobs2"]) / cpu["jobs2"],
        "dask_equals_jobs2": same,
    }


def shards_and_cache(root: Path, cards: int) -> dict[str, Any]:
    """One run against two shards and their merge (bytes compared); the shared cache
    filled by one run and hit by a second (against a dry run of the same plan)."""
    project = project_of(root, cards)
    n = (cards // len(PLATFORMS)) * len(PLATFORMS)
    one = cardgen(project, "render", "--json", "--jobs", "1", "-o", "one")
    shards = [
        cardgen(project, "render", "--json", "--jobs", "1", "--shard", f"{k}/2", "-o", f"s{k}")
        for k in (1, 2)
    ]
    merge = cardgen(project, "merge", "s1", "s2", "--out", "merged")
    cache_fill = cardgen(project, "render", "--json", "--jobs", "1", "--cache", "cache", "-o", "c1")
    cache_hit = cardgen(project, "render", "--json", "--jobs", "1", "--cache", "cache", "-o", "c2")
    empty = cardgen(project, "render", "--json", "--jobs", "1", "--dry-run", "-o", "c3")
    return {
        "cards": n,
        "one_run_jobs1": one,
        "shards_jobs1": shards,
        "merge": merge,
        "two_machines_wall": max(s["seconds"] for s in shards) + merge["seconds"],
        "merged_equals_one_run": card_sums(project / "merged") == card_sums(project / "one"),
        "cache_fill": cache_fill,
        "cache_hit": cache_hit,
        "cache_hit_ms_per_card": (cache_hit["seconds"] - empty["seconds"]) / n * 1000,
        "cache_hit_cpu_ms_per_card": (cache_hit["cpu"] - empty["cpu"]) / n * 1000,
        "dry_run_same_plan": empty,
    }


def per_card_cpu(root: Path, cards: int = 320) -> dict[str, float]:
    """What one worker spends on a card, in one process (CPU ms): fitting it from the kit,
    drawing and encoding it (with its review thumbnail), as a Dask worker does."""
    from cardgen.batch.fitkit import fit_kit, worker_card
    from cardgen.batch.plan import Project, load_selections, plan
    from cardgen.batch.workers import draw_on_worker, fit_on_worker

    project = Project.open(project_of(root, 1000))
    jobs = plan(load_selections(None, project), project)[:cards]
    sent = [worker_card(job, project) for job in jobs]
    kit = fit_kit(project, jobs)
    fit_on_worker(kit, sent[:16])  # warm: fonts loaded, words shaped as a long run has them
    start = time.process_time()
    groups = [(fit_on_worker(kit, sent[i : i + 16]), sent[i : i + 16]) for i in range(0, cards, 16)]
    fitted = time.process_time()
    for group, part in groups:
        draw_on_worker(kit, group, part)
    drawn = time.process_time()
    return {
        "fit_ms": (fitted - start) / cards * 1000,
        "draw_ms": (drawn - fitted) / cards * 1000,
    }


def scheduler_overhead(tasks: int = 2000) -> dict[str, float]:
    """Dask's own cost per task: trivial tasks through a 2-worker LocalCluster set up as
    `--executor dask-local` sets it up (submit, schedule, run, gather), with and without
    a 2.5 kB argument (a pickled scene's size); wall ms, and CPU ms of this process (the
    client, the scheduler and the nannies) and the workers together."""
    import dask
    from distributed import Client, LocalCluster

    from cardgen.batch.executors import LOCAL_CLUSTER, QUIET, let_dask_threads_go

    found = {}
    with (
        dask.config.set(QUIET),
        LocalCluster(n_workers=2, **LOCAL_CLUSTER) as cluster,
        Client(cluster) as client,
    ):
        client.gather(client.map(_same, range(50)))  # warm

        def cpu() -> float:
            workers: dict[str, float] = client.run(time.process_time)
            return time.process_time() + sum(workers.values())

        for name, args in (("empty", list(range(tasks))), ("scene_sized", _payloads(tasks))):
            start, used = time.perf_counter(), cpu()
            client.gather(client.map(_same, args, pure=False))
            found[f"ms_per_task_{name}"] = (time.perf_counter() - start) / tasks * 1000
            found[f"cpu_ms_per_task_{name}"] = (cpu() - used) / tasks * 1000
    let_dask_threads_go()
    return found


def _same(value: Any) -> Any:
    return value if isinstance(value, int) else len(value)


def _payloads(count: int) -> list[bytes]:
    return [os.urandom(2500) for _ in range(count)]


def model(per_card: dict[str, float], scheduler: dict[str, float] | None) -> dict[str, float]:
    """Cards a second per worker (one core) and the core-hours of 300,000 cards a week,
    from the per-card costs and Dask's cost per task (groups of 16 cards, two tasks)."""
    from cardgen.batch.executors import GROUP

    task_ms = scheduler["ms_per_task_scene_sized"] if scheduler else 1.0
    card_ms = per_card["fit_ms"] + per_card["draw_ms"] + 2 * task_ms / GROUP
    return {
        "card_ms_on_a_worker": card_ms,
        "cards_per_second_per_worker": 1000 / card_ms,
        "core_hours_for_300000": 300_000 * card_ms / 1000 / 3600,
    }


def breakdown(root: Path, cards: int) -> dict[str, dict[str, float]]:
    """Where each side's CPU goes, on `cards` cards: the main process (with Dask, also the
    LocalCluster's scheduler and nannies and the client) and the worker processes, user
    and system CPU seconds, read every 0.2 s while it runs (psutil, a Dask dependency)."""
    import psutil

    project = project_of(root, cards)
    sides = {
        "jobs2": ("--jobs", "2"),
        "dask_local_2": ("--executor", "dask-local", "--workers", "2"),
    }
    found = {}
    for name, options in sides.items():
        command = [sys.executable, "-m", "cardgen", "render", "--force", *options, "-o", name]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.DEVNULL)
        main, last = psutil.Process(proc.pid), {}
        while proc.poll() is None:
            with contextlib.suppress(psutil.Error):
                for child in [main, *main.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        last[child.pid] = child.cpu_times()
            time.sleep(0.2)
        if proc.returncode != 0:
            raise SystemExit(f"cardgen render {' '.join(options)} failed")
        main_times = last.pop(proc.pid)
        found[name] = {
            "seconds": time.perf_counter() - start,
            "main_user": main_times.user,
            "main_system": main_times.system,
            "workers_user": sum(t.user for t in last.values()),
            "workers_system": sum(t.system for t in last.values()),
        }
    return found


def plan_memory(root: Path, sizes: list[int]) -> dict[int, dict[str, Any]]:
    found = {}
    for cards in sizes:
        project = project_of(root, cards)
        found[cards] = cardgen(project, "render", "--json", "--dry-run", "-o", "out")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000, help="--jobs 2 against Dask")
    parser.add_argument("--pairs", type=int, default=1, help="turns of the two")
    parser.add_argument("--others", type=int, default=1000, help="cards for shards and cache")
    parser.add_argument("--plan", default="", help="planned cards to measure peak RSS of")
    parser.add_argument("--json-out", type=Path, default=None)
    parser.add_argument("--scheduler", action="store_true", help="Dask overhead per task")
    parser.add_argument("--breakdown", type=int, default=0, help="cards: CPU by process")
    args = parser.parse_args()
    start = time.time()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        results: dict[str, Any] = {"cpus": len(os.sched_getaffinity(0))}
        results["load_before"] = os.getloadavg()
        results["per_card_cpu"] = per_card_cpu(root)
        results["scheduler"] = scheduler_overhead() if args.scheduler else None
        results["model"] = model(results["per_card_cpu"], results["scheduler"])
        if args.cards:
            results["side_by_side"] = side_by_side(root, args.cards, args.pairs)
        if args.breakdown:
            results["breakdown"] = breakdown(root, args.breakdown)
        if args.others:
            results["shards_and_cache"] = shards_and_cache(root, args.others)
        sizes = [int(n) for n in args.plan.split(",") if n]
        results["plan_memory"] = plan_memory(root, sizes) if sizes else None
        results["load_after"] = os.getloadavg()
    results["seconds"] = time.time() - start
    text = json.dumps(results, indent=2)
    print(text)
    if args.json_out:
        args.json_out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
