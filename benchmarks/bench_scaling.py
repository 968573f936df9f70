"""Batches through the CLI: time per card and peak memory as the batch grows, the
parallel speed-up of `--jobs 2`, and an incremental rerun of an unchanged batch.

Each run is a fresh `cardgen render` process in a generated project (our own
synthetic article, one quote per card, flat `classic` cards on
instagram-square). Batch sizes run with `--jobs 1`; the full render of the
incremental test with the default jobs (one per CPU). Time per card is the
marginal cost, (T(N) - T(1)) / (N - 1), so process start-up does not make
small batches look slow; wall time / N is reported beside it. Peak memory is
the process's maximum resident set size.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_cold import cardgen_command
from benchmarks.harness import Settings

NOT_AVAILABLE = "not available in this build"
SUBJECTS = ("Small steps", "Quiet work", "Daily practice", "Patient effort", "Honest craft")
ENDINGS = (
    "add up to a life we are proud of",
    "teach our children what ambition looks like",
    "matter more than any single grand gesture",
    "turn an ordinary week into real progress",
)


def sentence(index: int) -> str:
    """A distinct, deterministic sentence for quote `index`."""
    subject = SUBJECTS[index % len(SUBJECTS)]
    ending = ENDINGS[(index // len(SUBJECTS)) % len(ENDINGS)]
    return f"{subject} number {index} {ending}."


def make_project(folder: Path, cards: int) -> Path:
    """A project with one selection of `cards` quotes, each rendered once."""
    articles = folder / "quotes" / "articles"
    articles.mkdir(parents=True, exist_ok=True)
    text = "\n\n".join(" ".join(sentence(i) for i in range(s, s + 5)) for s in range(0, cards, 5))
    (articles / "bench.txt").write_text(f"A benchmark article\n\n{text}\n", encoding="utf-8")
    lines = [
        "article:",
        "  source: articles/bench.txt",
        "  title: A benchmark article",
        "  author: Bench Mark",
        "defaults:",
        "  layout: classic",
        "  platforms: [instagram-square]",
        "quotes:",
    ]
    for i in range(cards):
        lines += [f"  - id: q{i}", f'    text: "{sentence(i)}"']
    selection = folder / "quotes" / "bench.yaml"
    selection.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return selection


# A small launcher starts cardgen and reports its children's peak RSS. Started straight
# from this (large) process, the child's peak would count this process's pages: Linux
# keeps the pre-exec high-water mark of a vfork'd child in ru_maxrss.
_LAUNCHER = (
    "import resource, subprocess, sys; "
    "code = subprocess.call(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL); "
    "sys.stderr.write(f'\\nmaxrss={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\\n'); "
    "sys.exit(code)"
)


def render(folder: Path, out: Path, *extra: str, rss: bool = False) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB or 0 without `rss`) of one `cardgen render` process.

    With `rss` the launcher's start-up (~20 ms) is in the time: batch sizes subtract it.
    """
    args = [*cardgen_command(), "render", "--out", str(out), *extra]
    if rss:
        args = [sys.executable, "-c", _LAUNCHER, *args]
    start = time.perf_counter()
    process = subprocess.Popen(
        args,
        cwd=folder,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, _ = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise RuntimeError(f"cardgen render {' '.join(extra)} failed: {stderr.strip()}")
    if not rss:
        return seconds, 0.0
    maxrss = int(stderr.rsplit("maxrss=", 1)[1].split()[0])
    return seconds, maxrss / 1024  # Linux reports kilobytes


def render_options() -> str:
    result = subprocess.run(
        [*cardgen_command(), "render", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    return result.stdout


def scaling(settings: Settings, root: Path, options: str) -> dict[str, Any]:
    sizes = (2, 3) if settings.quick else (10, 100, 1000)
    # Small batches are short and noisy: run them more often. The marginal cost of 10 cards
    # is a difference of two ~0.5 s medians, ~0.13 s apart: each needs many runs.
    repeats = {2: 1, 3: 1, 10: 15, 100: 5, 1000: 1}
    rows = []
    base_folder = root / "scale-1"
    make_project(base_folder, 1)
    # One process, no workers: the per-card cost itself (--jobs 2 is measured apart).
    single = ("--jobs", "1") if "--jobs" in options else ()
    bases = []
    for n in sizes:
        folder = root / f"scale-{n}"
        make_project(folder, n)
        base, runs = [], []
        for r in range(repeats.get(n, 1)):
            # The one-card run in turns with the batch, so drift hits both alike; each into
            # a fresh folder: a rerun into the same one is answered by the up-to-date check.
            base.append(render(base_folder, root / f"out-1-{n}-{r}", *single, rss=True)[0])
            runs.append(render(folder, root / f"out-{n}-{r}", *single, rss=True))
        t1 = statistics.median(base)
        bases += base
        wall = statistics.median(r[0] for r in runs)
        rows.append(
            {
                "cards": n,
                "runs": len(runs),
                "wall_s": wall,
                "wall_per_card_ms": wall / n * 1000,
                "per_card_ms": (wall - t1) / (n - 1) * 1000,
                "peak_rss_mb": max(r[1] for r in runs),
            }
        )
    per_card = [r["per_card_ms"] for r in rows]
    spread = (max(per_card) - min(per_card)) / min(per_card)
    return {
        "one_card_s": statistics.median(bases),
        "rows": rows,
        "per_card_spread": spread,
        "flat_within_10pct": spread <= 0.10,
        "max_rss_mb": max(r["peak_rss_mb"] for r in rows),
    }


def parallel(settings: Settings, root: Path, options: str) -> dict[str, Any]:
    """`--jobs 1` against `--jobs 2`, in turns, on a 200-card and a 1000-card batch: the
    serial start (interpreter, imports, planning, the first card's fit: ~0.25 s) is a
    tenth of a 200-card render on two cores and a fiftieth of a 1000-card one."""
    if "--jobs" not in options:
        return {"status": NOT_AVAILABLE, "why": "`cardgen render` has no --jobs option"}
    rounds = {10: 1} if settings.quick else {200: 3, 1000: 2}
    force = ("--force",) if "--force" in options else ()
    batches = []
    for cards, repeat in rounds.items():
        folder = root / f"parallel-{cards}"
        make_project(folder, cards)
        runs: dict[int, list[float]] = {1: [], 2: []}
        for r in range(repeat):
            for jobs in (1, 2):  # in turns, so load from other processes hits both alike
                out = root / f"par-{cards}-{jobs}-{r}"
                runs[jobs].append(render(folder, out, "--jobs", str(jobs), *force)[0])
        times = {jobs: statistics.median(values) for jobs, values in runs.items()}
        batches.append(
            {
                "cards": cards,
                "jobs1_s": times[1],
                "jobs2_s": times[2],
                "speedup": times[1] / times[2],
            }
        )
    return {
        "status": "measured",
        **batches[0],  # the smallest batch, as earlier results had it
        "batches": batches,
        "target": 1.8,
        "cores": os.cpu_count(),
    }


def incremental(settings: Settings, root: Path, options: str) -> dict[str, Any]:
    """A full render, the first rerun after it, then the median of unchanged reruns."""
    if "--force" not in options:
        return {"status": NOT_AVAILABLE, "why": "`cardgen render` has no cache (no --force option)"}
    cards = 10 if settings.quick else 300
    folder = root / "incremental"
    make_project(folder, cards)
    out = root / "inc-out"
    full, _ = render(folder, out)
    # The render leaves the up-to-date stamp: the first rerun after it is answered from it
    # (turning the manifest's statuses from "rendered" to "cached"), as are those after it.
    first, _ = render(folder, out)
    again = statistics.median(render(folder, out)[0] for _ in range(1 if settings.quick else 5))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    cached = sum(card.get("status") == "cached" for card in manifest["cards"])
    if cached != cards:
        return {
            "status": NOT_AVAILABLE,
            "why": f"the unchanged rerun reported {cached} of {cards} cards cached",
        }
    return {
        "status": "measured",
        "cards": cards,
        "full_s": full,
        "first_rerun_s": first,
        "rerun_s": again,
        "share": max(first, again) / full,  # the first rerun and the later ones alike
        "target": 0.05,
    }


def run(settings: Settings) -> dict[str, Any]:
    options = render_options()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        return {
            "scaling": scaling(settings, root, options),
            "parallel": parallel(settings, root, options),
            "incremental": incremental(settings, root, options),
        }


if __name__ == "__main__":
    print(json.dumps(run(Settings.from_env()), indent=2))
