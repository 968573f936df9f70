"""Legibility on real articles: the smallest quote and the smallest small print each
layout sets on each platform, in px as seen on a 390-px-wide phone feed.

    python -m benchmarks.bench_legibility CORPUS_DIR [--root CHECKOUT]

Quotes: each article's five best suggestions (`cardgen suggest`) and its longest
paragraph. Uses only `build_scene` and `Scene.texts`, so the same script measures
an older checkout and its layouts: `PYTHONPATH=OLD python benchmarks/bench_legibility.py
CORPUS --root OLD`.
A card that cannot be made (text that does not fit) is counted, not measured.
"""

from __future__ import annotations

import sys
from pathlib import Path

PHONE = 390
PLATFORMS = ("instagram-square", "instagram-story", "pinterest", "linkedin", "x")
SUFFIXES = (".md", ".txt", ".html")


def quotes_of(corpus: Path) -> list[str]:
    from cardgen.source.articles import load_article
    from cardgen.source.suggest import suggest

    quotes: list[str] = []
    for path in sorted(p for p in corpus.iterdir() if p.suffix in SUFFIXES):
        article = load_article(path)
        quotes += [s.text for s in suggest(article, n=5)]
        longest = max(article.paragraphs, key=len)
        quotes.append(longest[:1000])
    return quotes


def measure(corpus: Path, root: Path) -> list[tuple[str, str, float, float, int]]:
    from cardgen.batch.plan import Project
    from cardgen.design.cardtext import CardText
    from cardgen.drawing.composition import build_scene
    from cardgen.errors import CardgenError

    project = Project.open(root)
    quotes = quotes_of(corpus)
    rows = []
    for name in project.layouts.layout_names():
        for platform_id in PLATFORMS:
            platform = project.platform(platform_id)
            layout = project.layout(name, platform)
            brand = project.brand(layout.brand)
            quote_min, small_min, failed = float("inf"), float("inf"), 0
            for quote in quotes:
                content = CardText(
                    quote=quote,
                    attribution="A. Writer",
                    title="An Article Title",
                    handle=brand.handle or "",
                )
                try:
                    registry, memo = project.font_registry(), project.scene_memo()
                    scene = build_scene(content, layout, brand, platform, registry, memo=memo)
                except CardgenError:
                    failed += 1
                    continue
                for text in scene.texts:
                    phone = text.size * PHONE / platform.width
                    if text.role == "quote":
                        quote_min = min(quote_min, phone)
                    else:
                        small_min = min(small_min, phone)
            rows.append((name, platform_id, quote_min, small_min, failed))
    return rows


def main(argv: list[str]) -> int:
    corpus = Path(argv[0])
    root = Path(argv[2]) if len(argv) > 2 and argv[1] == "--root" else Path(__file__).parent.parent
    rows = measure(corpus, root.resolve())
    header = "| layout | platform | smallest quote | smallest small print | cards not made |"
    sys.stdout.write(header + "\n")
    sys.stdout.write("|---|---|---|---|---|\n")
    for name, platform_id, quote, small, failed in rows:
        sys.stdout.write(f"| {name} | {platform_id} | {quote:.1f} | {small:.1f} | {failed} |\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
