"""Past one machine, measured side by side in one run (issue 17).

On one generated batch: `--jobs 2` against `--executor dask-local --workers 2` (overhead
per card: target at most 15%), two shards rendered apart and merged against one run (and
their bytes compared), the shared cache's hit time per card, and the peak RSS of planning
1,000 / 10,000 / 100,000 cards (`--dry-run`: the plan, the cache keys, no drawing).

    .venv/bin/python benchmarks/bench_dist.py [--cards 10000] [--plan 1000,10000,100000]

Prints a JSON summary (and writes it with --json-out). Each render is a subprocess, as a
scheduled job runs it.
"""

from __future__ import annotations

import argparse
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


def side_by_side(root: Path, cards: int) -> dict[str, Any]:
    project = project_of(root, cards)
    n = (cards // len(PLATFORMS)) * len(PLATFORMS)
    jobs = cardgen(project, "render", "--json", "--jobs", "2", "-o", "jobs2")
    dask = cardgen(
        project, "render", "--json", "--executor", "dask-local", "--workers", "2", "-o", "dask"
    )
    one = cardgen(project, "render", "--json", "--jobs", "1", "-o", "one")
    shards = [
        cardgen(project, "render", "--json", "--jobs", "1", "--shard", f"{k}/2", "-o", f"s{k}")
        for k in (1, 2)
    ]
    merge = cardgen(project, "merge", "s1", "s2", "--out", "merged")
    cache_fill = cardgen(project, "render", "--json", "--jobs", "1", "--cache", "cache", "-o", "c1")
    cache_hit = cardgen(project, "render", "--json", "--jobs", "1", "--cache", "cache", "-o", "c2")
    empty = cardgen(project, "render", "--json", "--jobs", "1", "--dry-run", "-o", "c3")
    same = card_sums(project / "merged") == card_sums(project / "one")
    same_dask = card_sums(project / "dask") == card_sums(project / "jobs2")
    per = {name: run["seconds"] / n * 1000 for name, run in (("jobs2", jobs), ("dask", dask))}
    return {
        "cards": n,
        "jobs2": jobs,
        "dask_local_2": dask,
        "dask_overhead_per_card_pct": 100 * (per["dask"] - per["jobs2"]) / per["jobs2"],
        "ms_per_card": per,
        "one_run_jobs1": one,
        "shards_jobs1": shards,
        "merge": merge,
        "two_machines_wall": max(s["seconds"] for s in shards) + merge["seconds"],
        "merged_equals_one_run": same,
        "dask_equals_jobs2": same_dask,
        "cache_fill": cache_fill,
        "cache_hit": cache_hit,
        "cache_hit_ms_per_card": (cache_hit["seconds"] - empty["seconds"]) / n * 1000,
        "dry_run_same_plan": empty,
    }


def scheduler_overhead(tasks: int = 2000) -> dict[str, float]:
    """Seconds per task of Dask's own bookkeeping: trivial tasks through a 2-worker
    LocalCluster (submit, schedule, run, gather), with and without a 2.5 kB argument
    (a pickled scene's size)."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        client.gather(client.map(_same, range(50)))  # warm
        found = {}
        for name, args in (("empty", list(range(tasks))), ("scene_sized", _payloads(tasks))):
            start = time.perf_counter()
            client.gather(client.map(_same, args, pure=False))
            found[f"ms_per_task_{name}"] = (time.perf_counter() - start) / tasks * 1000
        return found


def _same(value: Any) -> Any:
    return value if isinstance(value, int) else len(value)


def _payloads(count: int) -> list[bytes]:
    return [os.urandom(2500) for _ in range(count)]


def plan_memory(root: Path, sizes: list[int]) -> dict[int, dict[str, Any]]:
    found = {}
    for cards in sizes:
        project = project_of(root, cards)
        found[cards] = cardgen(project, "render", "--json", "--dry-run", "-o", "out")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--plan", default="1000,10000,100000", help="planned cards to measure")
    parser.add_argument("--json-out", type=Path, default=None)
    parser.add_argument("--scheduler", action="store_true", help="Dask overhead per task")
    args = parser.parse_args()
    start = time.time()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        results: dict[str, Any] = {
            "cpus": len(os.sched_getaffinity(0)),
            "load_before": os.getloadavg(),
            "side_by_side": side_by_side(root, args.cards) if args.cards else None,
            "scheduler": scheduler_overhead() if args.scheduler else None,
            "plan_memory": plan_memory(root, [int(n) for n in args.plan.split(",") if n]),
            "load_after": os.getloadavg(),
        }
    results["seconds"] = time.time() - start
    text = json.dumps(results, indent=2)
    print(text)
    if args.json_out:
        args.json_out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
