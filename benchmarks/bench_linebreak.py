"""Line breaks on real articles: lone last words and short words at line ends.

    python -m benchmarks.bench_linebreak CORPUS_FOLDER [--quotes 8] [--json FILE]

Takes every article (.txt, .md, .html) under CORPUS_FOLDER, picks its best
passages with `cardgen suggest`, fits each on every bundled layout and a few
platforms (geometry only: `build_scene`, nothing drawn), and counts, per
language, in the quote's lines:

- lone last lines: a multi-line quote whose last line is one word or one emoji
  (Japanese and Chinese: at most three characters);
- line ends after a short word (`a`, `the`, `of`, `de`, `la`..., the lists of
  `cardgen.typography.shortwords`), as a share of every line end but the last;
- short lines: lines but the last under two thirds of the longest (in characters),
  as a share of every line but the last;
- lines starting with a spaced dash;
- Japanese and Chinese line ends inside a phrase (as BudouX finds phrases), and how
  many of those are inside a phrase longer than the card's longest line (forced);
- the time `build_scene` takes per card (median and 90th percentile).

The articles are read, never copied. The numbers in benchmarks/README.md come
from this script on the project's shared corpus, run on this code and on the
code before total-fit breaking.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from cardgen.batch.plan import Project
from cardgen.design.cardtext import CardText
from cardgen.drawing.composition import build_scene
from cardgen.drawing.scene import TextBlock
from cardgen.errors import CardgenError
from cardgen.source.articles import load_article
from cardgen.source.language import detect, primary
from cardgen.source.suggest import suggest
from cardgen.typography.shortwords import short_words

ROOT = Path(__file__).resolve().parent.parent
PLATFORMS = ("instagram-square", "instagram-story", "linkedin", "pinterest")
ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
CJK = ("ja", "zh")
DASHES = ("\u2014 ", "\u2013 ")


def lone_last_line(lines: tuple[str, ...], language: str) -> bool:
    if len(lines) < 2:
        return False
    last = lines[-1].strip()
    if primary(language) in CJK:
        return len([c for c in last if c.isalnum()]) <= 3
    # Words, not punctuation: `essentiel ?` (or with a no-break space) is one word.
    return len([w for w in last.split() if any(c.isalnum() for c in w)]) <= 1


def breaks_inside_phrases(lines: tuple[str, ...], language: str) -> tuple[int, int]:
    """Japanese and Chinese line ends that BudouX finds inside a phrase (`裁` / `量`),
    and how many of them are forced: inside a phrase of more characters than the
    card's longest line (a phrase too wide for a line must be cut somewhere).

    The text is put back together as it was set: a line break between two words of
    Latin script (`(early` / `bird)`) stood for a space, a break at a space is
    between words whatever phrase holds it, and is not counted."""
    if primary(language) not in CJK or len(lines) < 2:
        return 0, 0
    import budoux

    text, line_ends = lines[0], []
    for line in lines[1:]:
        spaced = text[-1:].isascii() and text[-1:].isalnum() and line[:1].isascii()
        line_ends.append((len(text), spaced))
        text += (" " if spaced else "") + line
    parser = (
        budoux.load_default_japanese_parser()
        if primary(language) == "ja"
        else budoux.load_default_simplified_chinese_parser()
    )
    spans, at = [], 0
    for phrase in parser.parse(text):
        spans.append((at, at + len(phrase)))
        at += len(phrase)
    longest = max(len(line) for line in lines)
    inside = forced = 0
    for end, spaced in line_ends:
        phrase = next((a, b) for a, b in spans if a < end <= b)
        if spaced or end == phrase[1]:
            continue
        inside += 1
        forced += phrase[1] - phrase[0] > longest
    return inside, forced


def short_lines(lines: tuple[str, ...]) -> int:
    """Lines but the last shorter than two thirds of the longest (in characters): a
    ragged block, `Nobody builds` / `a life alone. We` / `borrow courage` / `from
    the people beside`."""
    longest = max((len(line) for line in lines), default=0)
    return sum(len(line) < longest * 2 / 3 for line in lines[:-1])


def ends_after_short_word(line: str, language: str) -> bool:
    if primary(language) in CJK:
        return False  # no spaces: no short words to strand
    word = line.rstrip().rsplit(" ", 1)[-1].lower()
    return word in short_words(language) or (len(word) == 1 and word.isalpha())


def measure(corpus: Path, quotes: int) -> dict[str, Any]:
    project = Project.open(ROOT)
    registry, memo = project.font_registry(), project.scene_memo()
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    times: dict[str, list[float]] = defaultdict(list)
    articles = sorted(
        p
        for p in corpus.rglob("*")
        if p.suffix.lower() in ARTICLE_SUFFIXES and not p.name.upper().startswith("README")
    )
    for path in articles:
        try:
            article = load_article(path)
        except CardgenError:
            continue
        for suggestion in suggest(article, quotes):
            language = detect(suggestion.text)
            group = primary(language)
            for layout_name in project.layouts.layout_names():
                for platform_id in PLATFORMS:
                    platform = project.platform(platform_id)
                    layout = project.layout(layout_name, platform)
                    content = CardText(quote=suggestion.text, attribution=article.author or "")
                    start = time.perf_counter()
                    try:
                        scene = build_scene(
                            content,
                            layout,
                            project.brand(layout.brand),
                            platform,
                            registry,
                            memo=memo,
                        )
                    except CardgenError:
                        totals[group]["failed"] += 1
                        continue
                    times[group].append((time.perf_counter() - start) * 1000)
                    block = next(
                        d for d in scene.drawables if isinstance(d, TextBlock) and d.role == "quote"
                    )
                    lines = tuple(line.text for line in block.lines)
                    row = totals[group]
                    row["cards"] += 1
                    row["multi_line"] += len(lines) > 1
                    row["lone_last"] += lone_last_line(lines, language)
                    row["line_ends"] += len(lines) - 1
                    row["short_ends"] += sum(ends_after_short_word(x, language) for x in lines[:-1])
                    row["dash_starts"] += sum(x.startswith(DASHES) for x in lines[1:])
                    row["short_lines"] += short_lines(lines)
                    inside, forced = breaks_inside_phrases(lines, language)
                    row["inside_phrase"] += inside
                    row["inside_long_phrase"] += forced
    result = {}
    for group, row in sorted(totals.items()):
        samples = sorted(times[group]) or [0.0]
        result[group] = {
            **{k: int(v) for k, v in row.items()},
            "lone_last_share": row["lone_last"] / max(1, row["multi_line"]),
            "short_end_share": row["short_ends"] / max(1, row["line_ends"]),
            "short_line_share": row["short_lines"] / max(1, row["line_ends"]),
            "scene_ms_median": statistics.median(samples),
            "scene_ms_p90": samples[int(len(samples) * 0.9)],
        }
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--quotes", type=int, default=8, help="passages per article")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args(argv)
    result = measure(args.corpus, args.quotes)
    print(
        f"{'language':<9}{'cards':>7}{'multi-line':>11}{'lone last':>15}"
        f"{'short-word ends':>22}{'short lines':>16}{'dash starts':>12}"
        f"{'in phrase (long)':>17}"
        f"{'failed':>8}{'ms/card':>9}"
    )
    for group, row in result.items():
        print(
            f"{group:<9}{row['cards']:>7}{row['multi_line']:>11}"
            f"{row['lone_last']:>7} ({row['lone_last_share']:>5.1%})"
            f"{row['short_ends']:>7}/{row['line_ends']:<6} ({row['short_end_share']:>5.1%})"
            f"{row['short_lines']:>7} ({row['short_line_share']:>5.1%})"
            f"{row['dash_starts']:>12}{row['inside_phrase']:>9} ({row['inside_long_phrase']:>4})"
            f"{row.get('failed', 0):>8}"
            f"{row['scene_ms_median']:>9.2f}"
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    sys.exit(main())
