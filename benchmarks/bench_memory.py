"""Peak memory of `cardgen render` as the plan grows: 1,000, 10,000 and 100,000 cards.

Each size is a fresh `cardgen render --jobs 1` process (no workers: one process holds
everything) in a generated project: ten selections of our own synthetic sentences, each
quote on ten small platforms (160 px squares, so 100,000 cards draw in minutes; what is
measured is what a run holds per card, which does not depend on the card's pixels: a
drawn card is written and let go). Peak memory is the process's maximum resident set
size, read by a small launcher (see `bench_scaling`).

    python -m benchmarks.bench_memory                 # 1,000, 10,000 and 100,000 cards
    python -m benchmarks.bench_memory --cards 1000 10000
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.bench_scaling import render, sentence
from benchmarks.harness import Settings
from cardgen.batch.output import manifest_cards

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


def run(settings: Settings, sizes: tuple[int, ...] | None = None) -> dict[str, Any]:
    sizes = sizes or ((100, 1000) if settings.quick else (1000, 10_000, 100_000))
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(Path(tmp), cards) for cards in sizes]
    first, last = rows[0], rows[-1]
    slope = (last["peak_rss_mb"] - first["peak_rss_mb"]) / max(1, last["cards"] - first["cards"])
    return {"rows": rows, "kb_per_card": slope * 1000}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, nargs="+", default=None)
    args = parser.parse_args()
    sizes = tuple(args.cards) if args.cards else None
    print(json.dumps(run(Settings.from_env(), sizes), indent=2))
