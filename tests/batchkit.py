"""Generated projects for batch tests and benchmarks: N quotes from a made-up article."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = [
    *("morning", "light", "kettle", "garden", "river", "letter", "window", "lantern"),
    *("harbour", "orchard", "meadow", "violin", "candle", "pocket", "ladder", "compass"),
    *("thunder", "velvet", "pebble", "marble"),
]


def sentence(index: int) -> str:
    """A distinct sentence of ordinary length for quote `index`."""
    picks = [WORDS[(index * 7 + k * 3) % len(WORDS)] for k in range(6)]
    return (
        f"Note {index}: the {picks[0]} and the {picks[1]} taught us patience, "
        f"so we kept the {picks[2]} near the {picks[3]} every single day."
    )


def make_project(
    root: Path,
    quotes: int,
    platforms: tuple[str, ...],
    *,
    name: str = "weekly",
    hashtags: tuple[str, ...] = ("notes", "weekly"),
) -> Path:
    """A project folder with one selection of `quotes` quotes on `platforms`; returns root."""
    (root / "quotes" / "articles").mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "layouts", root / "layouts", dirs_exist_ok=True)
    article = "\n\n".join(sentence(i) for i in range(quotes))
    (root / "quotes" / "articles" / f"{name}.txt").write_text(
        f"A Week of Notes\n\n{article}\n", encoding="utf-8"
    )
    lines = [
        "article:",
        f"  source: articles/{name}.txt",
        "  title: A Week of Notes",
        "  author: Test Author",
        "  url: https://example.com/notes",
        "defaults:",
        f"  platforms: [{', '.join(platforms)}]",
        f"  hashtags: [{', '.join(hashtags)}]",
        "quotes:",
    ]
    for i in range(quotes):
        lines += [f"  - id: q{i:03d}", f'    text: "{sentence(i)}"']
    (root / "quotes" / f"{name}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root
