"""`cardgen suggest ARTICLE --carousel N`: a selection whose carousel holds the article's
N best passages in reading order, between a cover and a closing slide."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from cardgen.errors import InputError
from cardgen.source.suggest import selection_yaml, suggest_from_file

# Cover and closing slides around the quotes: Instagram's 20 images hold 18 quotes.
MAX_CAROUSEL_QUOTES = 18
CAROUSEL_PLATFORMS = ("instagram-portrait", "linkedin", "x")


def suggest_carousel(article_path: Path, n: int, save_in: Path | None = None) -> str:
    """A selection YAML: the `n` best passages (in the order the article has them) as
    quotes, and one carousel of them with a cover and a closing slide."""
    if not 1 <= n <= MAX_CAROUSEL_QUOTES:
        raise InputError(
            f"--carousel {n}: a carousel holds 1 to {MAX_CAROUSEL_QUOTES} quotes",
            hint="with its cover and closing slide that is Instagram's 20 images",
        )
    article, source, found = suggest_from_file(article_path, n, save_in)
    in_order = sorted(found, key=lambda s: s.start)  # a carousel reads as the article does
    text = selection_yaml(article, in_order, source)
    ids = [str(q["id"]) for q in yaml.safe_load(text)["quotes"]]
    lines = [
        f"# Suggested by `cardgen suggest --carousel {n}`: the article's {len(ids)} most "
        "quotable passages, in reading order, as one carousel.",
        *text.splitlines()[1:],
        "carousels:",
        f"  - id: {_carousel_id(article.title, article_path)}",
        "    slides: [" + ", ".join(["cover", *ids, "closing"]) + "]",
        "    platforms: [" + ", ".join(CAROUSEL_PLATFORMS) + "]",
    ]
    if not article.title:
        title = _title_from_name(article_path)
        lines.append(f"    title: {yaml.safe_dump(title, allow_unicode=True).splitlines()[0]}")
        lines.append("    # the article names no title: the cover uses this one; edit it")
    if not article.url:
        lines.append("    # the article names no URL: add `url:` under `article:` so the closing")
        lines.append("    # slide and the first post of a thread link to it")
    return "\n".join(lines) + "\n"


def _carousel_id(title: str | None, path: Path) -> str:
    words = re.findall(r"[a-z0-9]+", (title or path.stem).lower())[:5]
    return "-".join(words) or "carousel"


def _title_from_name(path: Path) -> str:
    words = re.split(r"[-_\s]+", path.stem)
    text = " ".join(w for w in words if w)
    return text[:1].upper() + text[1:] if text else "Carousel"
