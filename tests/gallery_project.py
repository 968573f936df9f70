"""A small project for the gallery tests: hostile text, two layouts, four platforms."""

from __future__ import annotations

from pathlib import Path

# Markup, quotes and ampersands that must show as text, never act as HTML.
HOSTILE_QUOTE = 'Tom & Jerry\'s "best" line was <script>window.__pwned = 1</script> & no more.'
HOSTILE_AUTHOR = "O'Brien & <b>Sons</b>"
HOSTILE_TITLE = '<img src=x onerror="window.__pwned = 2"> "Title" & more'
PLATFORMS = ("instagram-square", "instagram-story", "x", "linkedin")

ARTICLE = f"""A short article written for the gallery tests.

{HOSTILE_QUOTE}

Small steps every day add up to a long road walked.

A second paragraph says that a review page beats a folder of files.
"""

SELECTION = f"""article:
  source: articles/review.txt
  title: '{HOSTILE_TITLE}'
  author: "{HOSTILE_AUTHOR}"
  url: 'https://example.com/a?b=1&c="><script>window.__pwned=3</script>'
defaults:
  layout: classic
  brand: happy-as-a-mother
  platforms: [{", ".join(PLATFORMS)}]
  hashtags: [review]
quotes:
  - id: hostile
    text: '{HOSTILE_QUOTE.replace("'", "''")}'
  - id: small-steps
    text: "Small steps every day add up to a long road walked."
    layout: bold
  - id: review-page
    find: beats a folder
"""


def make_project(root: Path) -> Path:
    """Write the project under ROOT; returns the selection file."""
    (root / "quotes" / "articles").mkdir(parents=True, exist_ok=True)
    (root / "quotes" / "articles" / "review.txt").write_text(ARTICLE, encoding="utf-8")
    selection = root / "quotes" / "review.yaml"
    selection.write_text(SELECTION, encoding="utf-8")
    return selection
