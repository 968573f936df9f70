"""A 10-slide carousel on Instagram, LinkedIn and X: time per slide against a card, and the
size of the LinkedIn PDF at two page sizes.

`python -m benchmarks.bench_carousel [--runs N] [--json]`. The cards are the same eight
quotes on the same three platforms, rendered in this process (`--jobs 1`, `--force`) as
the carousel's slides are; the per-card time includes its share of the manifest and the
review page. Exit 1 when a slide takes longer than a card or the PDF is over LinkedIn's
100 MB. Not part of `make bench` (it renders ~150 images a run).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cardgen.batch.carousel_files import render_carousel
from cardgen.batch.carousels import plan_carousels
from cardgen.batch.plan import Project
from cardgen.batch.runner import render
from cardgen.design import carousel as design
from cardgen.source.quotes import load_selection
from tests.batchkit import make_project

PLATFORMS = ("instagram-portrait", "linkedin", "x")
QUOTES = 8
CAROUSEL = (
    "carousels:\n  - id: week\n    slides: [cover, "
    + ", ".join(f"q{i:03d}" for i in range(QUOTES))
    + ", closing]\n    platforms: ["
    + ", ".join(PLATFORMS)
    + "]\n"
)


def project_in(folder: Path, with_carousel: bool) -> Project:
    make_project(folder, QUOTES, PLATFORMS)
    if with_carousel:
        selection = folder / "quotes" / "weekly.yaml"
        selection.write_text(selection.read_text(encoding="utf-8") + CAROUSEL, encoding="utf-8")
    return Project.open(folder)


def time_cards(folder: Path) -> float:
    """Seconds per card: the 24 cards rendered in this process, from scratch."""
    project = project_in(folder, with_carousel=False)
    start = time.perf_counter()
    report = render(None, out=folder / "out", project=project, jobs=1, force=True)
    return (time.perf_counter() - start) / len(report.cards)


def time_slides(folder: Path) -> tuple[float, dict[str, Any]]:
    """Seconds per slide over the three carousels, and their records."""
    project = project_in(folder, with_carousel=True)
    selection = load_selection(folder / "quotes" / "weekly.yaml", project_root=folder)
    jobs = plan_carousels([selection], project, default_layout="classic")
    out = folder / "out"
    start = time.perf_counter()
    records = {job.target.id: render_carousel(out, job, project) for job in jobs}
    elapsed = time.perf_counter() - start
    return elapsed / sum(len(r["slides"]) for r in records.values()), records


def pdf_size(folder: Path, page: tuple[int, int]) -> tuple[int, float]:
    """(bytes, seconds) of the LinkedIn document with pages of `page` pixels."""
    saved = design.DOCUMENT_PAGE
    design.DOCUMENT_PAGE = page
    try:
        project = project_in(folder, with_carousel=True)
        selection = load_selection(folder / "quotes" / "weekly.yaml", project_root=folder)
        (job,) = plan_carousels(
            [selection], project, platforms=["linkedin"], default_layout="classic"
        )
        start = time.perf_counter()
        record = render_carousel(folder / "out", job, project)
        return int(record["bytes"]), time.perf_counter() - start
    finally:
        design.DOCUMENT_PAGE = saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    cards, slides = [], []
    records: dict[str, Any] = {}
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            # Alternate which goes first: a warm font cache favours the second.
            if run % 2:
                slide_time, records = time_slides(Path(b))
                card_time = time_cards(Path(a))
            else:
                card_time = time_cards(Path(a))
                slide_time, records = time_slides(Path(b))
        cards.append(card_time)
        slides.append(slide_time)
    sizes = {}
    for page in ((1080, 1350), (1440, 1800)):
        with tempfile.TemporaryDirectory() as c:
            sizes[f"{page[0]}x{page[1]}"] = pdf_size(Path(c), page)
    result = {
        "card_ms": round(statistics.median(cards) * 1000, 1),
        "slide_ms": round(statistics.median(slides) * 1000, 1),
        "slides": {pid: len(r["slides"]) for pid, r in records.items()},
        "pdf": {k: {"bytes": v[0], "seconds": round(v[1], 2)} for k, v in sizes.items()},
        "runs": args.runs,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"per card  {result['card_ms']} ms (median of {args.runs})")
        print(f"per slide {result['slide_ms']} ms over {sum(result['slides'].values())} slides")
        for key, value in result["pdf"].items():
            pages = f"LinkedIn PDF, 10 pages of {key}"
            print(f"{pages}: {value['bytes']:,} bytes, {value['seconds']} s")
    over = any(v["bytes"] > design.LINKEDIN_DOCUMENT_LIMIT for v in result["pdf"].values())
    return 1 if result["slide_ms"] > result["card_ms"] or over else 0


if __name__ == "__main__":
    sys.exit(main())
