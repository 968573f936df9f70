"""Line breaks on real articles: lone words, short words at line ends, light first lines.

    python -m benchmarks.bench_linebreak [CORPUS_FOLDER ...] [--texts FILE ...]
        [--quotes 8] [--layouts a,b] [--platforms a,b] [--json FILE]

Takes every article (.txt, .md, .html) under each CORPUS_FOLDER and picks its best
passages with `cardgen suggest`, and takes every line of each `--texts` file as a
quote (`benchmarks/data/linebreak-texts.txt`: development texts written for this,
in seven languages); fits each on every bundled layout and a few platforms
(geometry only: `build_scene`, nothing drawn), and counts, per language, in the
quote's lines:

- lone last lines: a multi-line quote whose last line is one word or one emoji
  (Japanese and Chinese: at most three characters);
- line ends after a short word (`a`, `the`, `of`, `de`, `la`..., the lists of
  `cardgen.typography.shortwords`), as a share of every line end but the last;
- short lines: lines but the last under two thirds of the longest (in characters),
  as a share of every line but the last;
- lines starting with a spaced dash;
- light first lines: quotes of three or more lines whose first line is under 80% of
  the width of the longest (the card opens on a stub), and how many of those end a
  clause (`Small steps,`: a short first line that reads as a phrase of its own);
- one-word lines other than the last (`become` alone in the middle of a block);
- line ends at a clause's end (after `. , ; : ! ?`, `、。，`, `،`..., or a spaced dash),
  as a share of every line end but the last;
- Japanese and Chinese line ends inside a phrase (as BudouX finds phrases), and how
  many of those are inside a phrase longer than the card's longest line (forced);
- the time `build_scene` takes per card (median and 90th percentile).

The articles are read, never copied. The numbers in benchmarks/README.md come
from this script, run on this code and on the code before each change; where a
change alters the rules counted by (the short-word lists), `--lines` writes every
card's lines and `--recount` counts such a file, written by any version of the
code, by this one's rules.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
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
LIGHT_FIRST_LINE = 0.8  # a first line under this share of the longest line's width
# The bench's own idea of a clause's end (independent of `segment`'s, which it judges):
# clause punctuation, then closing quote marks or brackets; or a spaced dash.
CLAUSE_END = re.compile(
    "(?:[.,;:!?\u2026\u3001\u3002\uff0c\uff1a\uff1b\uff01\uff1f\u060c\u061b\u061f\u06d4]"
    "[\"'\u2019\u201d\u00bb)\\]\u300d\u300f\uff09\u202f]*| [\u2014\u2013])$"
)
ABBREVIATION = re.compile(r"(?:^|\s)(?:\w\.)+$|(?:^|\s)(?:mr|mrs|ms|dr|st|m|mme)\.$", re.I)


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


def ends_clause(line: str) -> bool:
    """Whether a line ends where a clause or sentence does (not after `Dr.` or `e.g.`)."""
    line = line.rstrip()
    return bool(CLAUSE_END.search(line)) and not ABBREVIATION.search(line)


def words_in(line: str) -> int:
    """Words of a line, punctuation aside (`essentiel ?` is one word)."""
    return len([w for w in line.split() if any(c.isalnum() for c in w)])


def one_word_lines(lines: tuple[str, ...], language: str) -> int:
    """Lines but the last holding a single word (Latin, Arabic...: not counted for
    Japanese and Chinese, whose lines have no spaces)."""
    if primary(language) in CJK or len(lines) < 2:
        return 0
    return sum(words_in(line) <= 1 for line in lines[:-1])


def light_first_line(widths: tuple[float, ...]) -> bool:
    """A quote of three or more lines opening on a line under 80% of the longest."""
    if len(widths) < 3:
        return False
    return widths[0] < LIGHT_FIRST_LINE * max(widths)


def ends_after_short_word(line: str, language: str) -> bool:
    if primary(language) in CJK:
        return False  # no spaces: no short words to strand
    word = line.rstrip().rsplit(" ", 1)[-1].lower()
    return word in short_words(language) or (len(word) == 1 and word.isalpha())


def passages(corpora: list[Path], texts: list[Path], quotes: int) -> list[tuple[str, str]]:
    """(quote, attribution) pairs: suggested passages of each article, then every line
    of each texts file but comments."""
    found: list[tuple[str, str]] = []
    for corpus in corpora:
        articles = sorted(
            p
            for p in (corpus.rglob("*") if corpus.is_dir() else [corpus])
            if p.suffix.lower() in ARTICLE_SUFFIXES and not p.name.upper().startswith("README")
        )
        for path in articles:
            try:
                article = load_article(path)
            except CardgenError:
                continue
            found += [(s.text, article.author or "") for s in suggest(article, quotes)]
    for path in texts:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                found.append((line.strip(), "A. Writer"))
    return found


def measure(
    corpora: list[Path],
    quotes: int,
    texts: Sequence[Path] = (),
    layouts: list[str] | None = None,
    platforms: tuple[str, ...] = PLATFORMS,
    lines_to: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    project = Project.open(ROOT)
    registry, memo = project.font_registry(), project.scene_memo()
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    times: dict[str, list[float]] = defaultdict(list)
    for text, author in passages(corpora, list(texts), quotes):
        language = detect(text)
        group = primary(language)
        for layout_name in layouts or project.layouts.layout_names():
            for platform_id in platforms:
                platform = project.platform(platform_id)
                layout = project.layout(layout_name, platform)
                content = CardText(quote=text, attribution=author)
                start = time.perf_counter()
                try:
                    scene = build_scene(
                        content, layout, project.brand(layout.brand), platform, registry, memo=memo
                    )
                except CardgenError:
                    totals[group]["failed"] += 1
                    continue
                times[group].append((time.perf_counter() - start) * 1000)
                block = next(
                    d for d in scene.drawables if isinstance(d, TextBlock) and d.role == "quote"
                )
                lines = tuple(line.text for line in block.lines)
                widths = tuple(sum(run.width for run in line.runs) for line in block.lines)
                count(totals[group], lines, widths, language)
                if lines_to is not None:
                    lines_to.append(
                        {
                            "layout": layout_name,
                            "platform": platform_id,
                            "language": language,
                            "size": block.size,
                            "lines": list(lines),
                            "widths": list(widths),
                        }
                    )
    return summary(totals, times)


def recount(cards: list[dict[str, Any]]) -> dict[str, Any]:
    """The counts of a `--lines` file, by this code's rules (its short-word lists): the
    same cards counted alike before and after a change of the rules themselves."""
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for card in cards:
        language = card["language"]
        count(totals[primary(language)], tuple(card["lines"]), tuple(card["widths"]), language)
    return summary(totals, {})


def summary(
    totals: dict[str, dict[str, float]], times: dict[str, list[float]]
) -> dict[str, Any]:
    result = {}
    for group, row in sorted(totals.items()):
        samples = sorted(times.get(group, ())) or [0.0]
        result[group] = {
            **{k: int(v) for k, v in row.items()},
            "lone_last_share": row["lone_last"] / max(1, row["multi_line"]),
            "short_end_share": row["short_ends"] / max(1, row["line_ends"]),
            "short_line_share": row["short_lines"] / max(1, row["line_ends"]),
            "light_first_share": row["light_first"] / max(1, row["three_plus"]),
            "one_word_share": row["one_word_lines"] / max(1, row["line_ends"]),
            "clause_end_share": row["clause_ends"] / max(1, row["line_ends"]),
            "scene_ms_median": statistics.median(samples),
            "scene_ms_p90": samples[int(len(samples) * 0.9)],
        }
    return result


def count(
    row: dict[str, float], lines: tuple[str, ...], widths: tuple[float, ...], language: str
) -> None:
    """Add one card's quote lines (and their widths) to its language's counts."""
    row["cards"] += 1
    row["multi_line"] += len(lines) > 1
    row["three_plus"] += len(lines) >= 3
    row["lone_last"] += lone_last_line(lines, language)
    row["line_ends"] += len(lines) - 1
    row["short_ends"] += sum(ends_after_short_word(x, language) for x in lines[:-1])
    row["dash_starts"] += sum(x.startswith(DASHES) for x in lines[1:])
    row["short_lines"] += short_lines(lines)
    row["one_word_lines"] += one_word_lines(lines, language)
    row["clause_ends"] += sum(ends_clause(x) for x in lines[:-1])
    if light_first_line(widths):
        row["light_first"] += 1
        row["light_first_at_clause"] += ends_clause(lines[0])
    inside, forced = breaks_inside_phrases(lines, language)
    row["inside_phrase"] += inside
    row["inside_long_phrase"] += forced


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path, nargs="*", help="folders (or files) of articles")
    parser.add_argument("--texts", type=Path, action="append", default=[], help="a quote a line")
    parser.add_argument("--quotes", type=int, default=8, help="passages per article")
    parser.add_argument("--layouts", help="comma-separated (default: every bundled layout)")
    parser.add_argument("--platforms", default=",".join(PLATFORMS), help="comma-separated")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument("--lines", type=Path, help="write every card's lines here (JSON)")
    parser.add_argument(
        "--recount", type=Path, help="count a --lines file (of any version) by these rules"
    )
    args = parser.parse_args(argv)
    if args.recount:
        result = recount(json.loads(args.recount.read_text(encoding="utf-8")))
    elif not args.corpus and not args.texts:
        parser.error("give a corpus folder or --texts FILE")
    else:
        result = measure(
            args.corpus,
            args.quotes,
            args.texts,
            args.layouts.split(",") if args.layouts else None,
            tuple(args.platforms.split(",")),
            cards := [] if args.lines else None,
        )
        if args.lines:
            args.lines.write_text(json.dumps(cards, ensure_ascii=False, indent=0))
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
    print(
        f"\n{'language':<9}{'3+ lines':>9}{'light first (at a clause)':>30}"
        f"{'one-word lines but last':>25}{'line ends at a clause':>24}"
    )
    for group, row in result.items():
        light = f"{row.get('light_first', 0)} ({row['light_first_share']:.1%}; "
        light += f"{row.get('light_first_at_clause', 0)})"
        one_word = f"{row.get('one_word_lines', 0)} ({row['one_word_share']:.1%})"
        clause = f"{row.get('clause_ends', 0)} ({row['clause_end_share']:.1%})"
        print(f"{group:<9}{row['three_plus']:>9}{light:>30}{one_word:>25}{clause:>24}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    sys.exit(main())
