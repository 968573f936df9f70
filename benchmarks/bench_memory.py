"""Peak memory of `cardgen render` as the plan grows: 1,000, 10,000 and 100,000 cards.

Each size is a fresh `cardgen render --jobs 1` process (no workers: one process holds
everything) in a generated project: ten selections of our own synthetic sentences, each
quote on ten small platforms (160 px squares, so 100,000 cards draw in minutes; what is
measured is what a run holds per card, which does not depend on the card's pixels: a
drawn card is written and let go). Peak memory is the process's maximum resident set
size, read by a small launcher (see `bench_scaling`).

    python -m benchmarks.bench_memory                 # 1,000, 10,000 and 100,000 cards
    python -m benchmarks.bench_memory --cards 1000 10000 --writing 1000 --plan 100000

`--plan` measures, with tracemalloc in this process, what the plan holds a card: as a render
keeps it (`CardPlan`: six numbers a card, selections pickled on disk) and as the list of
`CardJob`s it was before.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any, cast

from benchmarks.bench_scaling import render, sentence
from benchmarks.harness import Settings
from cardgen.batch.output import manifest_cards
from cardgen.batch.plan import Project, load_selections, plan
from cardgen.batch.records import CardRecord

SELECTIONS = 10
PLATFORMS = 10
SIDE = 160  # px


def make_project(folder: Path, cards: int) -> None:
    """A project of `cards` cards: SELECTIONS selections x quotes x PLATFORMS platforms."""
    quotes = max(1, cards // (SELECTIONS * PLATFORMS))
    layouts = folder / "layouts"
    layouts.mkdir(parents=True, exist_ok=True)
    ids = [f"tiny-{n}" for n in range(PLATFORMS)]
    presets = "\n".join(
        f"  {pid}: {{width: {SIDE}, height: {SIDE + n}}}" for n, pid in enumerate(ids)
    )
    (layouts / "platforms.yaml").write_text(f"platforms:\n{presets}\n", encoding="utf-8")
    articles = folder / "quotes" / "articles"
    articles.mkdir(parents=True, exist_ok=True)
    for s in range(SELECTIONS):
        first = s * quotes
        numbers = range(first, first + quotes)
        text = "\n\n".join(
            " ".join(sentence(i) for i in numbers[p : p + 5]) for p in range(0, quotes, 5)
        )
        (articles / f"part{s}.txt").write_text(f"Part {s}\n\n{text}\n", encoding="utf-8")
        lines = [
            "article:",
            f"  source: articles/part{s}.txt",
            f"  title: Part {s}",
            "  author: Bench Mark",
            "defaults:",
            "  layout: classic",
            f"  platforms: [{', '.join(ids)}]",
            "quotes:",
        ]
        for i in numbers:
            lines += [f"  - id: q{i}", f'    text: "{sentence(i)}"']
        (folder / "quotes" / f"part{s}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def measure(root: Path, cards: int) -> dict[str, Any]:
    folder = root / f"memory-{cards}"
    make_project(folder, cards)
    out = root / f"memory-out-{cards}"
    seconds, peak_mb = render(folder, out, "--jobs", "1", rss=True)
    planned = SELECTIONS * PLATFORMS * max(1, cards // (SELECTIONS * PLATFORMS))
    manifest = out / "manifest.json"
    listed = sum(1 for _ in manifest_cards(manifest))
    return {
        "cards": planned,
        "listed": listed,
        "wall_s": seconds,
        "peak_rss_mb": peak_mb,
        "manifest_mb": manifest.stat().st_size / 1e6,
        "page_mb": (out / "index.html").stat().st_size / 1e6,
    }


def measure_plan(root: Path, cards: int) -> dict[str, Any]:
    """Bytes a card of the plan (tracemalloc): the selections loaded and the cards planned,
    as a render keeps them, then the same cards as a list of `CardJob`s (how it was kept
    before), each job with its selection as loaded."""
    folder = root / f"plan-{cards}"
    make_project(folder, cards)
    project = Project.open(folder)
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        jobs = plan(load_selections(None, project), project)
        compact = tracemalloc.get_traced_memory()[0] - start
        as_jobs = list(jobs)
        listed = tracemalloc.get_traced_memory()[0] - start - compact
    finally:
        tracemalloc.stop()
    return {
        "cards": len(as_jobs),
        "plan_bytes_per_card": compact / len(jobs),
        "job_list_bytes_per_card": listed / len(jobs),
    }


def synthetic_record(index: int) -> CardRecord:
    """A card record the size of a real one (~2.4 kB of JSON: three texts, six elements),
    four platforms a quote, three selections."""
    platform = ("instagram-square", "x", "linkedin", "bluesky")[index % 4]
    quote = f"q{index // 4}"
    lines = [f"Small steps number {index}", "add up to a life", "we are proud of."]
    box = [16, 51, 144, 101]
    text = {
        "role": "quote",
        "font": "EB Garamond",
        "font_size": 44,
        "lines": 3,
        "line_texts": lines,
        "box": box,
        "ink_box": box,
        "fonts": ["EB Garamond"],
    }
    element = {
        "id": "quote",
        "type": "text",
        "role": "quote",
        "box": box,
        "ink_box": box,
        "lines": lines,
    }
    record: dict[str, Any] = {
        "selection": f"quotes/s{index % 3}.yaml", "quote_id": quote, "platform": platform,
        "layout": "classic", "brand": "default", "path": f"s/{quote}/{platform}.png",
        "width": 1080, "height": 1080, "format": "png", "bytes": 81234,
        "sha256": f"{index:064x}", "text": " ".join(lines), "attribution": "Bench Mark",
        "source": {"title": "A benchmark article", "author": "Bench Mark", "url": None},
        "caption": f"“{' '.join(lines)}” — Bench Mark\n\nA benchmark article",
        "alt_text": "Quote card with dark serif text on cream paper. " * 3,
        "status": "rendered", "texts": [text] * 3, "elements": [element] * 6,
        "warnings": [], "cache_key": f"{index:064x}", "caption_file": f"s/{quote}/{platform}.txt",
    }  # fmt: skip
    return cast(CardRecord, record)


def write_files(out: Path, records: Any) -> None:
    """What a run writes last, from its records: captions.csv, the review page, the manifest."""
    from cardgen.batch.output import write_captions_csv, write_manifest
    from cardgen.design.platforms import BUILTIN
    from cardgen.review.gallery import write_gallery

    write_captions_csv(out, records)
    write_gallery(out, records, {p.id: p for p in BUILTIN})
    write_manifest(out, "cardgen bench", records, durable=False)


def _write_path(cards: int, folder: Path) -> None:
    """In a process of its own: `cards` synthetic records into a spool, then the three files
    written from it; prints the process's peak RSS (MB) and the seconds writing took."""
    import resource
    import time

    from cardgen.batch.spool import RecordSpool, SpoolFile, record_id

    records = RecordSpool(SpoolFile(folder))
    for index in range(cards):
        card = synthetic_record(index)
        records[record_id(card)] = card
    start = time.perf_counter()
    write_files(folder, records)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_rss_mb": peak, "write_s": seconds}))


def measure_writing(root: Path, cards: int) -> dict[str, Any]:
    """Peak RSS of a process that writes the manifest, captions.csv and the review page of
    `cards` records (synthetic, no card files: no thumbnails are made)."""
    folder = root / f"write-{cards}"
    folder.mkdir()
    args = [sys.executable, "-m", "benchmarks.bench_memory", "--write-path", str(cards)]
    done = subprocess.run(
        [*args, str(folder)], capture_output=True, text=True, check=True, cwd=Path.cwd()
    )
    result = json.loads(done.stdout)
    return {
        "cards": cards,
        **result,
        "manifest_mb": (folder / "manifest.json").stat().st_size / 1e6,
        "page_mb": (folder / "index.html").stat().st_size / 1e6,
    }


def run(
    settings: Settings,
    sizes: tuple[int, ...] | None = None,
    writing: tuple[int, ...] | None = None,
    plans: tuple[int, ...] | None = None,
) -> dict[str, Any]:
    default = (100, 1000) if settings.quick else (1000, 10_000, 100_000)
    sizes = default if sizes is None else sizes
    writing = default if writing is None else writing
    plans = default if plans is None else plans
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(Path(tmp), cards) for cards in sizes]
        written = [measure_writing(Path(tmp), cards) for cards in writing]
        # Last: a child process started after this one grew would report this one's size
        # as its own peak (Linux keeps the peak across fork and exec).
        planned = [measure_plan(Path(tmp), cards) for cards in plans]
    result: dict[str, Any] = {"plan": planned, "render": rows, "writing": written}
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        growth = last["peak_rss_mb"] - first["peak_rss_mb"]
        result["render_kb_per_card"] = growth / (last["cards"] - first["cards"]) * 1000
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, nargs="*", default=None, help="render these sizes")
    parser.add_argument("--writing", type=int, nargs="*", default=None, help="write these sizes")
    parser.add_argument("--plan", type=int, nargs="*", default=None, help="plan these sizes")
    parser.add_argument(
        "--write-path", nargs=2, metavar=("CARDS", "FOLDER"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.write_path:
        _write_path(int(args.write_path[0]), Path(args.write_path[1]))
    else:
        sizes = tuple(args.cards) if args.cards is not None else None
        writing = tuple(args.writing) if args.writing is not None else None
        plans = tuple(args.plan) if args.plan is not None else None
        print(json.dumps(run(Settings.from_env(), sizes, writing, plans), indent=2))
