"""Rank an article's quotable passages and write them as a selection YAML."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from cardgen.errors import InputError
from cardgen.source.articles import Article, is_cjk, load_article
from cardgen.source.attribution import attributions
from cardgen.source.matching import ArticleIndex

# Card-friendly lengths, in Latin-character widths (a CJK character counts two): the
# shorter end of the ideal range reads at a glance, longer passages need a small font.
MIN_CHARS, IDEAL_LOW, IDEAL_HIGH, LONG, MAX_CHARS = 25, 35, 110, 160, 240
MAX_SENTENCES = 3

# Openers that lean on what came before: a card has no "before".
_DANGLING = frozenset(
    """
    this that these those it its they them their he she his her him which such there
    here but and so or nor yet also then however therefore still plus instead besides
    because voilà que qu'il qu'elle qu'on qu'ils parce porque
    ce cet cette ces cela ça il elle ils elles mais et donc alors puis pourtant ensuite
    esto eso esta este estos estas ello él ella ellos ellas pero y entonces también
    sin luego además
    """.split()  # noqa: SIM905
)
_DANGLING_PREFIXES = ("その", "この", "それ", "これ", "しかし", "でも", "だから", "そして", "また")
_DANGLING_PREFIXES_RTL = ("لكن", "هذا", "هذه", "ذلك", "تلك", "لذلك")
# Words of general statements: the voice of a quote rather than of a report.
_STRONG = frozenset(
    """
    we us our you your everyone nobody nothing never always every must should can
    is are means mean matters matter don't doesn't isn't aren't can't won't
    nous vous notre nos jamais toujours chaque faut est sont c'est n'est
    nosotros nuestro nuestra siempre nunca cada es son
    """.split()  # noqa: SIM905
)
# Reporting verbs mark dialogue and anecdote, which need their scene around them.
_REPORTING = frozenset(
    """
    said says told tells asked asks replied explained explains recalled recalls noted notes
    added pointed shared shares according dit répond explique raconte dijo explica cuenta
    """.split()  # noqa: SIM905
)
_CLOSING = "\"')]}\u2019\u201d\u00bb\u300d\u300f\uff09"
_TERMINAL = ".!?\u2026\u3002\uff01\uff1f\u061f"
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")


@dataclass(frozen=True)
class Suggestion:
    """A quotable passage: the article's own characters, where it is, and how good it is."""

    text: str
    paragraph: int  # 1-based
    score: float
    start: int  # offsets in Article.text
    end: int


def suggest(article: Article, n: int = 10) -> list[Suggestion]:
    """The `n` best self-contained passages of `article`, best first, none overlapping."""
    index = ArticleIndex(article)
    candidates: list[Suggestion] = []
    for number in range(1, len(article.paragraphs) + 1):
        spans = index.sentence_spans(number)
        for first in range(len(spans)):
            for last in range(first, min(first + MAX_SENTENCES, len(spans))):
                start, end = _unquoted(article.text, spans[first][0], spans[last][1])
                text = article.text[start:end]
                score = score_passage(text, sentences=last - first + 1)
                if score > 0:
                    candidates.append(Suggestion(text, number, score, start, end))
    candidates.sort(key=lambda s: (-s.score, s.start))
    chosen: list[Suggestion] = []
    for candidate in candidates:
        if len(chosen) >= n:
            break
        if all(candidate.end <= c.start or candidate.start >= c.end for c in chosen):
            chosen.append(candidate)
    return chosen


# Quotation marks that may enclose a whole passage; the card adds its own.
_ENCLOSING = {
    "\u201c": "\u201d",
    "\u00ab": "\u00bb",
    '"': '"',
    "\u300c": "\u300d",
    "\u2018": "\u2019",
}


def _unquoted(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without quotation marks that enclose all of it (and only it)."""
    opening, closing = text[start], text[end - 1]
    inner = text[start + 1 : end - 1]
    if _ENCLOSING.get(opening) == closing and opening not in inner and closing not in inner:
        start, end = start + 1, end - 1
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
    return start, end


def score_passage(text: str, *, sentences: int = 1) -> float:
    """0 for passages a card cannot stand on; otherwise higher is more quotable (about 0..2)."""
    stripped = text.rstrip(_CLOSING + " \u00a0")
    if not stripped or stripped[-1] not in _TERMINAL:
        return 0.0  # a heading, a list fragment, or a sentence cut short
    first = next((c for c in text if c.isalnum()), "")
    if not first or first.islower() or first.isdigit():
        return 0.0  # starts mid-sentence or with a number
    if "http" in text or "@" in text or "://" in text:
        return 0.0
    width = sum(2 if is_cjk(c) else 1 for c in text)
    if width < MIN_CHARS or width > MAX_CHARS:
        return 0.0
    if IDEAL_LOW <= width <= IDEAL_HIGH:
        score = 1.0
    elif width < IDEAL_LOW:
        score = 0.7 + 0.3 * (width - MIN_CHARS) / (IDEAL_LOW - MIN_CHARS)
    elif width <= LONG:
        score = 1.0 - 0.2 * (width - IDEAL_HIGH) / (LONG - IDEAL_HIGH)
    else:
        score = 0.8 - 0.5 * (width - LONG) / (MAX_CHARS - LONG)
    words = [w.lower().replace("\u2019", "'") for w in _WORD.findall(text)]
    if words and (
        words[0] in _DANGLING
        or text.lstrip("\"'\u201c\u00ab ").startswith(_DANGLING_PREFIXES + _DANGLING_PREFIXES_RTL)
    ):
        score -= 0.7
    if words:
        # Dense in general words ("we", "never", "means"): a statement, not a report.
        strong = sum(1 for w in words if w in _STRONG)
        score += 0.8 * min(1.0, 4 * strong / len(words))
        if any(w in _REPORTING for w in words):
            score -= 0.4
        if sum(len(w) for w in words) / len(words) > 7:
            score -= 0.2  # long words read as jargon on a card
    if any(c.isdigit() for c in text):
        score -= 0.3  # figures and dates tie a passage to its story
    if "?" in text or "\uff1f" in text or "\u061f" in text:
        score -= 0.2
    if any(c in text for c in "();:[]"):
        score -= 0.15
    if stripped.endswith(("\u2026", "...")):
        score -= 0.5  # trails off: not a complete thought
    if _unbalanced_quotes(text):
        score -= 0.5
    score -= 0.15 * (sentences - 1)
    return round(max(score, 0.0), 4)


def _unbalanced_quotes(text: str) -> bool:
    pairs = (("\u201c", "\u201d"), ("\u00ab", "\u00bb"), ("\u300c", "\u300d"), ("(", ")"))
    if any(text.count(a) != text.count(b) for a, b in pairs):
        return True
    return text.count('"') % 2 == 1


def slug_for(text: str, taken: set[str], fallback: str) -> str:
    """A short ASCII id from the first words of `text`, unique among `taken`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower().replace("'", ""))
    slug = "-".join(words[:5])[:40].strip("-") or fallback
    candidate, number = slug, 2
    while candidate in taken:
        candidate, number = f"{slug}-{number}", number + 1
    taken.add(candidate)
    return candidate


def selection_yaml(article: Article, suggestions: list[Suggestion], source: str) -> str:
    """A selection file (quotes/NAME.yaml) naming `source` and quoting every suggestion."""
    import yaml

    def dump(data: object) -> str:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)

    ref: dict[str, str] = {"source": source}
    for key in ("title", "author", "url", "publisher"):
        value = getattr(article, key)
        if value:
            ref[key] = value
    lines = [
        f"# Suggested by `cardgen suggest`: the {len(suggestions)} most quotable passages, best "
        "first.",
        "# article.source is relative to the folder this file is saved in; delete what you "
        "don't want.",
        dump({"article": ref}).rstrip("\n"),
        "quotes:",
    ]
    taken: set[str] = set()
    speakers = attributions(
        article.paragraphs,
        [(s.start, s.end) for s in suggestions],
        author=article.author,
        publisher=article.publisher,
    )
    for rank, (suggestion, speaker) in enumerate(zip(suggestions, speakers, strict=True), 1):
        quote_id = slug_for(suggestion.text, taken, f"quote-{rank}")
        lines.append(f"  # {rank}. paragraph {suggestion.paragraph}, score {suggestion.score:.2f}")
        if speaker.name is None and speaker.kind == "quoted":
            lines.append("  # a quoted speaker the article does not name: add `attribution:`")
        elif speaker.name is None:
            lines.append("  # the article names no author: add `author:` under `article:`")
        entry = {"id": quote_id, "text": suggestion.text, "attribution": speaker.name}
        item = dump([{k: v for k, v in entry.items() if v is not None}]).rstrip("\n")
        lines.extend("  " + line for line in item.split("\n"))
    return "\n".join(lines) + "\n"


def source_for(article_path: Path, save_in: Path | None) -> tuple[str, Path]:
    """`article.source` for a selection saved in `save_in`, and that folder.

    By default the selection goes in `quotes/` when the article lies under it
    (the usual `quotes/articles/NAME.txt`), else next to the article: a
    selection may only name an article inside its own folder.
    """
    article_path = article_path.resolve()
    if save_in is None:
        quotes = (Path.cwd() / "quotes").resolve()
        save_in = quotes if article_path.is_relative_to(quotes) else article_path.parent
    folder = save_in.resolve()
    if not article_path.is_relative_to(folder):
        raise InputError(
            f"article {article_path.name!r} is not inside {str(save_in)!r}, where the selection "
            "would be saved",
            hint=f"move the article under {save_in}/articles/ or pass --save-in with a folder "
            "that holds it",
        )
    return article_path.relative_to(folder).as_posix(), folder


def suggest_selection(article_path: Path, n: int = 10, save_in: Path | None = None) -> str:
    """Load an article and return a selection YAML of its `n` best passages."""
    if n < 1:
        raise InputError(f"-n {n}: ask for at least one suggestion")
    article = load_article(article_path)
    source, _ = source_for(article_path, save_in)
    found = suggest(article, n)
    if not found:
        raise InputError(
            "found no passage that stands on its own as a quote",
            file=str(article_path),
            hint="complete sentences of 25 to 240 characters make good cards",
        )
    return selection_yaml(article, found, source)
