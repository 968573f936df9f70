"""Legibility on real articles: the smallest quote and the smallest small print each
layout sets on each platform, in px as seen on a 390-px-wide phone feed, checked
against the floor.

    python -m benchmarks.bench_legibility CORPUS_DIR [--root CHECKOUT] [--json FILE]
        [--save-quotes FILE | --quotes FILE] [--before FILE]

Quotes: each article's five best suggestions (`cardgen suggest`) and its longest
paragraph (up to 1,000 characters), set on every layout of the checkout and every
built-in platform. Uses only `build_scene` and `Scene.texts`, so the same script
measures an older checkout and its layouts: `PYTHONPATH=OLD python
benchmarks/bench_legibility.py CORPUS --root OLD --quotes Q.json --json before.json`,
with the quotes this checkout picked (`--save-quotes Q.json`: an older `suggest`
picks others). `--before` adds that run's numbers beside this one's.

A card that cannot be made is counted, not measured: refused at the legibility
floor (the message says so), or for another reason. Every card made is checked:
no quote under the floor (14 px on the phone), no other text under 10 px, and no
attribution, source or handle set larger than the quote. Exit 1 when a card breaks
one of these or is refused for another reason than the floor.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

PHONE = 390
QUOTE_FLOOR, SMALL_FLOOR = 14.0, 10.0
SUFFIXES = (".md", ".txt", ".html")
FLOOR_MESSAGE = "legibility floor"


@dataclass
class Cell:
    """One layout on one platform, over every quote."""

    layout: str
    platform: str
    made: int = 0
    quote_min: float = math.inf
    small_min: float = math.inf
    refused: int = 0  # at the floor, with its message
    failed: int = 0  # for any other reason
    under_floor: int = 0  # cards made with a text under its floor
    small_over_quote: int = 0  # cards made with small print larger than the quote

    @property
    def faults(self) -> int:
        return self.failed + self.under_floor + self.small_over_quote


def quotes_of(corpus: Path) -> list[str]:
    from cardgen.source.articles import load_article
    from cardgen.source.suggest import suggest

    quotes: list[str] = []
    articles = (p for p in corpus.iterdir() if p.suffix in SUFFIXES)
    for path in sorted(p for p in articles if not p.name.upper().startswith("README")):
        article = load_article(path)
        quotes += [s.text for s in suggest(article, n=5)]
        longest = max(article.paragraphs, key=len)
        quotes.append(longest[:1000])
    return quotes


def measure(quotes: list[str], root: Path) -> list[Cell]:
    from cardgen.batch.plan import Project
    from cardgen.design.cardtext import CardText
    from cardgen.design.platforms import BUILTIN
    from cardgen.drawing.composition import build_scene
    from cardgen.errors import CardgenError

    project = Project.open(root)
    registry = project.font_registry()
    # An older checkout's build_scene takes no memo.
    extra = {}
    if "memo" in inspect.signature(build_scene).parameters:
        extra["memo"] = project.scene_memo()
    cells = []
    for name in project.layouts.layout_names():
        for platform_id in (p.id for p in BUILTIN):
            platform = project.platform(platform_id)
            layout = project.layout(name, platform)
            brand = project.brand(layout.brand)
            cell = Cell(name, platform_id)
            for quote in quotes:
                content = CardText(
                    quote=quote,
                    attribution="A. Writer",
                    title="An Article Title",
                    handle=brand.handle or "",
                )
                try:
                    scene = build_scene(content, layout, brand, platform, registry, **extra)
                except CardgenError as error:
                    said = f"{error} {getattr(error, 'hint', '')}"
                    if FLOOR_MESSAGE in said:
                        cell.refused += 1
                    else:
                        cell.failed += 1
                    continue
                _judge(cell, scene.texts, platform.width)
            cells.append(cell)
    return cells


def _judge(cell: Cell, texts: Any, width: int) -> None:
    """Count one card made: its smallest sizes on the phone, and what breaks the floor."""
    cell.made += 1
    quote = [t.size for t in texts if t.role == "quote"]
    small = [t.size for t in texts if t.role != "quote"]
    if quote:
        cell.quote_min = min(cell.quote_min, min(quote) * PHONE / width)
    if small:
        cell.small_min = min(cell.small_min, min(small) * PHONE / width)
    under = any(s * PHONE / width < QUOTE_FLOOR - 1e-6 for s in quote) or any(
        s * PHONE / width < SMALL_FLOOR - 1e-6 for s in small
    )
    cell.under_floor += under
    cell.small_over_quote += bool(quote and small and max(small) > min(quote))


def _number(value: float) -> str:
    return "-" if value == math.inf else f"{value:.1f}"


def table(cells: list[Cell], before: dict[tuple[str, str], dict[str, Any]]) -> str:
    """The README's table: this run beside `before` (by layout and platform)."""
    rows = [
        "| layout | platform | quote before | quote after | small print before "
        "| small print after | not made before | not made after | made after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for cell in cells:
        old = before.get((cell.layout, cell.platform))
        was = (
            (
                _number(old["quote_min"]),
                _number(old["small_min"]),
                str(old["refused"] + old["failed"]),
            )
            if old
            else ("-", "-", "-")
        )
        rows.append(
            f"| {cell.layout} | {cell.platform} | {was[0]} | {_number(cell.quote_min)} "
            f"| {was[1]} | {_number(cell.small_min)} | {was[2]} | {cell.refused + cell.failed} "
            f"| {cell.made} |"
        )
    return "\n".join(rows) + "\n"


def _load_before(path: Path | None) -> dict[tuple[str, str], dict[str, Any]]:
    if path is None:
        return {}
    rows = json.loads(path.read_text())["cells"]
    for row in rows:  # JSON has no infinity: a cell with no card made holds null
        for key in ("quote_min", "small_min"):
            row[key] = math.inf if row[key] is None else row[key]
    return {(row["layout"], row["platform"]): row for row in rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--json", type=Path, help="write the numbers here")
    parser.add_argument("--save-quotes", type=Path, help="write the quotes used here")
    parser.add_argument("--quotes", type=Path, help="use these quotes (from --save-quotes)")
    parser.add_argument("--before", type=Path, help="a --json of an older checkout")
    args = parser.parse_args(argv)
    if args.quotes:
        quotes = json.loads(args.quotes.read_text())
    else:
        quotes = quotes_of(args.corpus)
    if args.save_quotes:
        args.save_quotes.write_text(json.dumps(quotes, ensure_ascii=False))
    cells = measure(quotes, args.root.resolve())
    if args.json:
        rows = [
            {k: (None if v == math.inf else v) for k, v in asdict(cell).items()} for cell in cells
        ]
        args.json.write_text(json.dumps({"quotes": len(quotes), "cells": rows}, indent=1))
    sys.stdout.write(table(cells, _load_before(args.before)))
    faults = [cell for cell in cells if cell.faults]
    for cell in faults:
        sys.stdout.write(
            f"FAULT {cell.layout} on {cell.platform}: {cell.under_floor} under the floor, "
            f"{cell.small_over_quote} with small print larger than the quote, "
            f"{cell.failed} refused for another reason than the floor\n"
        )
    made = sum(cell.made for cell in cells)
    refused = sum(cell.refused for cell in cells)
    sys.stdout.write(
        f"{len(quotes)} quotes, {len(cells)} layout x platform cells: {made} cards made, "
        f"{refused} refused at the floor, {len(faults)} cells with faults\n"
    )
    return 1 if faults else 0


if __name__ == "__main__":
    raise SystemExit(main())
