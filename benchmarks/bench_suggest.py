"""Key-quote suggestion against the quotes people share: the quotes-dev set and its scorer.

python -m benchmarks.bench_suggest [--data DIR] [--readme]

The development set (public-domain works, the passages people widely share from each, and
`score.py` with its baselines) lives outside the repository: DIR, else $CARDGEN_QUOTES_DEV,
else `../shared/quotes-dev` beside the repository. Its scorer is loaded where it lies and
runs cardgen and the baselines (first N sentences, random, TextRank, LexRank) in one go.
Without the set the benchmark is skipped with a note.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks.harness import ROOT, Settings

# Works the ranking weights were tuned on. Every other work of the set is kept out of tuning
# and shows whether what was learned carries over (decided before tuning began).
TUNING = ("allen-as-a-man-thinketh", "emerson-compensation", "wilde-soul-of-man-under-socialism")
NS = (10, 20)
TARGET_RECALL = 0.35
START, END = "<!-- suggest:start -->", "<!-- suggest:end -->"


def data_folder(given: Path | None = None) -> Path:
    if given is not None:
        return given
    env = os.environ.get("CARDGEN_QUOTES_DEV")
    return Path(env) if env else ROOT.parent / "shared" / "quotes-dev"


def load_scorer(folder: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("quotes_dev_score", folder / "score.py")
    if spec is None or spec.loader is None:
        msg = f"cannot load {folder / 'score.py'}"
        raise ImportError(msg)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(settings: Settings, folder: Path | None = None) -> dict[str, Any]:
    folder = data_folder(folder)
    if not (folder / "score.py").is_file():
        return {"status": "skipped", "why": f"no development set at {folder.name}/ (score.py)"}
    try:
        scorer = load_scorer(folder)
        works = scorer.load_works(folder)
    except (ImportError, SystemExit, OSError) as exc:
        return {"status": "skipped", "why": f"the scorer does not load: {exc}"}
    if settings.quick:
        works = works[:1]
    rankings, seconds = _cardgen_rankings(works)
    methods: dict[str, dict[str, list[str]] | None] = {"cardgen": rankings}
    methods["lead"] = {w["slug"]: scorer.lead(w, max(NS)) for w in works}
    notes = []
    if not settings.quick:
        for name in ("textrank", "lexrank"):
            ranked = {w["slug"]: scorer.sumy_ranking(w, name) for w in works}
            if any(r is None for r in ranked.values()):
                notes.append(f"{name}: sumy or numpy not installed (pip install -e '.[bench]')")
                continue
            methods[f"{name} (sumy)"] = ranked  # type: ignore[assignment]
    rows = [_row(name, ranking, works, scorer) for name, ranking in methods.items() if ranking]
    rows.insert(1, _random_row(works, scorer))
    return {
        "status": "measured",
        "rows": rows,
        "tuning": [w["slug"] for w in works if w["slug"] in TUNING],
        "held_out": [w["slug"] for w in works if w["slug"] not in TUNING],
        "truth": {w["slug"]: len(w["truth"]) for w in works},
        "seconds": seconds,
        "cli_seconds": _cli_seconds(works, settings),
        "load": round(os.getloadavg()[0], 1),
        "notes": notes,
    }


def _cardgen_rankings(works: list[dict[str, Any]]) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """cardgen's top passages per work, and the time per article (load + rank, in process)."""
    from cardgen.source.articles import load_article
    from cardgen.source.suggest import suggest

    rankings: dict[str, list[str]] = {}
    times: dict[str, float] = {}
    cpu: dict[str, float] = {}  # the process's own CPU time: what the shared machine's load hides
    for work in works:
        samples, cpu_samples = [], []
        for _ in range(3):
            start, start_cpu = time.perf_counter(), time.process_time()
            found = suggest(load_article(work["path"]), max(NS))
            samples.append(time.perf_counter() - start)
            cpu_samples.append(time.process_time() - start_cpu)
        rankings[work["slug"]] = [s.text for s in found]
        times[work["slug"]] = statistics.median(samples)
        cpu[work["slug"]] = statistics.median(cpu_samples)
    words = {w["slug"]: len(w["text"].split()) for w in works}
    return rankings, {"per_work": times, "cpu": cpu, "words": words}


def _cli_seconds(works: list[dict[str, Any]], settings: Settings) -> tuple[float, float] | None:
    """Wall and CPU time of `cardgen suggest` on the longest work, a fresh process (start-up
    included)."""
    if settings.quick:
        return None
    from benchmarks.bench_cold import cardgen_command

    longest = max(works, key=lambda w: len(w["text"]))
    args = [*cardgen_command(), "suggest", str(longest["path"]), "-n", "20"]
    args += ["--save-in", str(longest["path"].parent)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _groups(row_recall: dict[str, dict[int, float]], works: list[dict[str, Any]]) -> dict[str, Any]:
    """Micro-averaged recall (truth quotes hit / truth quotes) over tuning and held-out works."""
    out: dict[str, Any] = {}
    for group, keep in (("tuning", True), ("held_out", False)):
        chosen = [w for w in works if (w["slug"] in TUNING) == keep]
        total = sum(len(w["truth"]) for w in chosen)
        out[group] = {
            f"@{n}": (sum(row_recall[w["slug"]][f"@{n}"] * len(w["truth"]) for w in chosen) / total)
            if total
            else None
            for n in NS
        }
    return out


def _row(
    name: str, ranking: dict[str, list[str]], works: list[dict[str, Any]], scorer: ModuleType
) -> dict[str, Any]:
    recall = {
        w["slug"]: {f"@{n}": scorer.evaluate(ranking[w["slug"]][:n], w)["recall"] for n in NS}
        for w in works
    }
    return {"method": name, "per_work": recall, **_groups(recall, works)}


def _random_row(works: list[dict[str, Any]], scorer: ModuleType) -> dict[str, Any]:
    recall = {
        w["slug"]: {
            f"@{n}": statistics.mean(
                scorer.evaluate(p, w)["recall"] for p in scorer.random_runs(w, n)
            )
            for n in NS
        }
        for w in works
    }
    name = f"random (mean of {scorer.RANDOM_SEEDS})"
    return {"method": name, "per_work": recall, **_groups(recall, works)}


def report(result: dict[str, Any]) -> str:
    """The Markdown table for benchmarks/README.md."""
    if result.get("status") != "measured":
        return f"Suggestion benchmark skipped: {result.get('why', 'not run')}."
    truth = result["truth"]
    tuning, held = result["tuning"], result["held_out"]

    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    lines = [
        f"Tuned on {len(tuning)} works ({sum(truth[s] for s in tuning)} truth quotes): "
        + ", ".join(f"`{s}`" for s in tuning)
        + f". Kept out of tuning: {len(held)} works ({sum(truth[s] for s in held)} quotes): "
        + ", ".join(f"`{s}`" for s in held)
        + ". Recall = truth quotes hit / truth quotes, over the works of each group.",
        "",
        "| method | held out r@10 | held out r@20 | tuning r@10 | tuning r@20 |",
        "|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['method']} | {cell(row['held_out']['@10'])} "
            f"| {cell(row['held_out']['@20'])} | {cell(row['tuning']['@10'])} "
            f"| {cell(row['tuning']['@20'])} |"
        )
    ours = result["rows"][0]["held_out"]["@20"]
    best = max((r["held_out"]["@20"] or 0.0) for r in result["rows"][1:])
    if ours is not None:
        met = ours >= TARGET_RECALL and ours > 2 * best
        lines += [
            "",
            f"Target: held-out recall@20 at least {TARGET_RECALL} and more than twice the best "
            f"baseline ({best:.2f}): {ours:.2f}, **{'met' if met else 'not met'}**.",
        ]
    secs = result["seconds"]
    cpu = secs.get("cpu", {})
    per = ", ".join(
        f"{slug} ({secs['words'][slug]:,} words) {t * 1000:.0f} ms"
        + (f" ({cpu[slug] * 1000:.0f} ms CPU)" if slug in cpu else "")
        for slug, t in secs["per_work"].items()
    )
    lines += [
        "",
        f"Time per article (load + rank, in process, median of 3, wall and the process's CPU "
        f"time; load average {result.get('load', '?')} on the machine's 2 cores at the end): "
        f"{per}.",
    ]
    if result.get("cli_seconds") is not None:
        wall, cpu_time = result["cli_seconds"]
        lines.append(
            f"`cardgen suggest` on the longest, a fresh process: {wall:.2f} s "
            f"({cpu_time:.2f} s CPU)."
        )
    lines += [f"Note: {note}." for note in result.get("notes", [])]
    return "\n".join(lines)


def write_readme(result: dict[str, Any]) -> None:
    readme = Path(__file__).resolve().parent / "README.md"
    text = readme.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{report(result)}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=None, help="the quotes-dev folder")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args(argv)
    result = run(Settings.from_env(), args.data)
    print(report(result))
    if args.readme and result.get("status") == "measured":
        write_readme(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
