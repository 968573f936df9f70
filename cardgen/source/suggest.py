"""Rank an article's quotable passages and write them as a selection YAML.

Candidates are runs of one to three sentences of one paragraph (a long one is offered as an
elision, "A […] C."); each is described by the features of `quotability`, scored by a fixed
weighted sum (weights tuned on a development set of essays, see benchmarks/README.md), and the
best are picked greedily, spread over the article's paragraphs.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cardgen.errors import InputError
from cardgen.source.article_text import Article
from cardgen.source.articles import load_article
from cardgen.source.attribution import Speaker, attributions
from cardgen.source.lexicon import Lexicon, guess_language, load_lexicon
from cardgen.source.matching import ArticleIndex, Located
from cardgen.source.quotability import (
    Document,
    back_reference,
    chatter,
    document,
    features,
    label_line,
    tokens,
    worst,
)
from cardgen.source.sentences import split_sentences

# Card-friendly lengths, in Latin-character widths (a CJK character counts two): the ideal
# range reads at a glance; past MAX_CHARS a passage is only offered cut down to an elision.
MIN_CHARS, IDEAL_LOW, IDEAL_HIGH, MAX_CHARS = 25, 40, 200, 240
MAX_SENTENCES = 3
# Each elision fragment keeps at least this many characters, so the cut reads as one thought.
MIN_FRAGMENT = 30
MAX_ELIDED = 600
ELISION_MARK = " [\u2026] "

# How much each feature counts (features are about 0..1). Fitted by a logistic regression on
# the candidates of the development set's tuning works (benchmarks/README.md), rounded; set by
# hand: length and elided (what a card can carry), speech and specific (the set has no
# journalism, where names and figures tie a sentence to its story), and
# back-reference and chatter made stronger than fitted, so that no passage that needs the
# sentence before it, and no small talk, reaches the top. The second round (issue 14) added
# early and parallel clauses, raised key terms and dropped the penalty on
# advice (counsel such as "Cherish your visions" is shared as often as any other line): each
# measured on the tuning works, kept only where it helped them.
WEIGHTS: dict[str, float] = {
    "general": 1.8,
    "rare words": 1.5,
    "balance": 0.8,
    "early": 1.0,
    "parallel clauses": 0.6,
    "key terms": 0.5,
    "definition": 0.4,
    "length": 0.4,
    "speech": 0.3,
    "completes": 0.2,
    "sentences": 0.15,
    "paragraph edge": 0.1,
    "story": 0.1,
    "elided": -0.2,
    "specific": -0.5,
    "back-reference": -1.0,
    "chatter": -1.5,
}
# "early" falls from 1 at the start to 0 this far into the text (about 3,500 words): the
# opening pages of a long work are read, and quoted, most. A short post is all "early", so
# position does not decide between its paragraphs.
EARLY_READING = 20_000
# Taken off a candidate for every passage already chosen from its paragraph beyond the
# first FREE_PER_PARAGRAPH: a long essay paragraph often holds two or three lines worth
# quoting, but not ten.
SAME_PARAGRAPH = 0.5
FREE_PER_PARAGRAPH = 2
# A passage sharing more than this share of its words with one already chosen says the
# same thing again (Jaccard similarity of the word sets): REPEAT_PENALTY for each such one.
REPEATS = 0.5
REPEAT_PENALTY = 1.0

_CLOSING = "\"')]}\u2019\u201d\u00bb\u300d\u300f\uff09"
_TERMINAL = ".!?\u2026\u3002\uff01\uff1f\u061f"


@dataclass(frozen=True)
class Suggestion:
    """A quotable passage: the article's own characters, where it is, and how good it is.

    `start`/`end` bound the passage in `Article.text` (for an elision, the whole stretch it
    cuts from); `spans` are the pieces the card shows. Later stages (attribution) work from
    these offsets and `paragraph`.
    """

    text: str
    paragraph: int  # 1-based
    score: float
    start: int  # offsets in Article.text
    end: int
    spans: tuple[tuple[int, int], ...] = ()
    contributions: tuple[tuple[str, float], ...] = ()  # (feature, weight x value), for --explain
    attribution: str | None = None

    @property
    def elided(self) -> bool:
        return len(self.spans) > 1


@dataclass
class Candidate:
    """A passage being considered: where it is and its feature values."""

    text: str
    paragraph: int
    spans: tuple[tuple[int, int], ...]
    values: dict[str, float] = field(default_factory=dict)

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]


def suggest(article: Article, n: int = 10) -> list[Suggestion]:
    """The `n` best self-contained passages of `article`, best first, none overlapping."""
    lexicon = load_lexicon(guess_language(article.text))
    found = candidates(article, lexicon)
    index: ArticleIndex | None = None
    while True:
        chosen = rank(found, n)
        # Elisions are built from the article's own characters; check them as `check` will.
        if not any(s.elided for s in chosen):
            return chosen
        index = index or ArticleIndex(article)
        failed = {(s.start, s.end) for s in chosen if s.elided and not verifies(index, s)}
        if not failed:
            return chosen
        found = [c for c in found if (c.start, c.end) not in failed or len(c.spans) == 1]


def candidates(article: Article, lexicon: Lexicon) -> list[Candidate]:
    """Every passage a card could carry, with its features."""
    text = article.text
    spans: list[list[tuple[int, int]]] = []
    at = 0
    for paragraph in article.paragraphs:  # offsets in Article.text, as ArticleIndex has them
        spans.append([(at + a, at + b) for a, b in split_sentences(paragraph)])
        at += len(paragraph) + 2
    doc = document([text[a:b] for para in spans for a, b in para], lexicon)
    found: list[Candidate] = []
    read = 0  # Latin-character widths before this paragraph
    for number, sentences in enumerate(spans, start=1):
        early = max(0.0, 1.0 - read / EARLY_READING)
        read += width(article.paragraphs[number - 1])
        facts = [features(text[a:b], doc) for a, b in sentences]
        for first in range(len(sentences)):
            for last in range(first, min(first + MAX_SENTENCES, len(sentences))):
                start, end = _unquoted(text, sentences[first][0], sentences[last][1])
                window = sentences[first : last + 1]
                candidate = _candidate(
                    text, number, (start, end), window, doc, facts[first : last + 1]
                )
                if candidate is None:
                    continue
                inner = [f["back-reference"] for f in facts[first + 1 : last + 1]]
                candidate.values["completes"] = max(inner, default=0.0)
                candidate.values["sentences"] = float(last - first)
                candidate.values["paragraph edge"] = float(first == 0 or last == len(sentences) - 1)
                candidate.values["early"] = early
                found.append(candidate)
    return found


def _candidate(
    text: str,
    paragraph: int,
    span: tuple[int, int],
    window: Sequence[tuple[int, int]],
    doc: Document,
    facts: Sequence[dict[str, float]],
) -> Candidate | None:
    """The passage at `span` (cut to an elision when too long), or None if no card can carry it.

    A cut drops whole sentences from a run of sentences, or clauses from a single sentence,
    so what is left still reads as the author's own sentences.
    """
    passage = text[span[0] : span[1]]
    if not _card_shaped(passage):
        return None
    spans: tuple[tuple[int, int], ...] = (span,)
    if width(passage) > MAX_CHARS:
        if len(window) > 1:
            cuts = [(a[1], b[0]) for a, b in itertools.pairwise(window)]
        else:
            cuts = [(span[0] + m.start(), span[0] + m.end()) for m in _CLAUSE_END.finditer(passage)]
        elision = elide(text, paragraph, span, cuts, doc.lexicon)
        if elision is None:
            return None
        passage, spans = elision.text, elision.spans
    if width(passage) < MIN_CHARS:
        return None
    # Words read together (antithesis across sentences, key terms); flaws of any one sentence.
    values = features(passage, doc) if len(window) > 1 or len(spans) > 1 else dict(facts[0])
    values.update(worst(facts))
    values["length"] = length_fit(width(passage))
    values["elided"] = float(len(spans) > 1)
    return Candidate(passage, paragraph, spans, values)


def rank(
    found: Sequence[Candidate], n: int, weights: dict[str, float] | None = None
) -> list[Suggestion]:
    """Score candidates and pick the best `n`: no overlaps, paragraphs and ideas spread out."""
    weights = weights or WEIGHTS
    scored = sorted(
        ((_contributions(c, weights), c) for c in found),
        key=lambda pair: (-sum(v for _, v in pair[0]), pair[1].start, pair[1].end),
    )
    chosen: list[Suggestion] = []
    taken: dict[int, int] = {}  # paragraph -> passages chosen from it
    said: list[frozenset[str]] = []  # the words of each chosen passage
    remaining = [(sum(v for _, v in parts), parts, c) for parts, c in scored]
    while remaining and len(chosen) < n:
        best: tuple[float, int, tuple[tuple[str, float], ...]] | None = None
        for at, (score, _, c) in enumerate(remaining):
            if best is not None and score <= best[0]:
                break  # sorted by raw score, and penalties only lower it: nothing later wins
            penalties = _spread(c, taken, said)
            adjusted = score + sum(v for _, v in penalties)
            if best is None or adjusted > best[0]:
                best = (adjusted, at, penalties)
        assert best is not None
        adjusted, at, penalties = best
        _, parts, c = remaining[at]
        chosen.append(
            Suggestion(
                c.text, c.paragraph, round(adjusted, 4), c.start, c.end, c.spans, parts + penalties
            )
        )
        taken[c.paragraph] = taken.get(c.paragraph, 0) + 1
        said.append(_word_set(c.text))
        remaining = [
            r
            for r in remaining
            if (r[2].end <= c.start or r[2].start >= c.end) and r[2].text != c.text
        ]
    return chosen


def _spread(
    c: Candidate, taken: dict[int, int], said: Sequence[frozenset[str]]
) -> tuple[tuple[str, float], ...]:
    """What keeps the list varied: a paragraph already drawn on, words already shown."""
    out: list[tuple[str, float]] = []
    extra = taken.get(c.paragraph, 0) - FREE_PER_PARAGRAPH
    if extra > 0:
        out.append(("same paragraph", -SAME_PARAGRAPH * extra))
    words = _word_set(c.text)
    repeats = sum(1 for seen in said if len(words & seen) > REPEATS * len(words | seen))
    if repeats:  # the same idea a third time is worse than a second
        out.append(("repeats a passage above", -REPEAT_PENALTY * repeats))
    return tuple(out)


def _word_set(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", text.lower()))


def _contributions(c: Candidate, weights: dict[str, float]) -> tuple[tuple[str, float], ...]:
    parts = [(name, round(weights[name] * c.values.get(name, 0.0), 4)) for name in weights]
    return tuple(sorted((p for p in parts if p[1]), key=lambda p: -abs(p[1])))


def score_passage(text: str, *, sentences: int = 1) -> float:
    """The score of `text` alone, as if it were a one-paragraph article (0 if no card fits)."""
    if not _card_shaped(text) or not MIN_CHARS <= width(text) <= MAX_CHARS:
        return 0.0
    lexicon = load_lexicon(guess_language(text))
    doc = document([text], lexicon)
    values = features(text, doc)
    values["length"] = length_fit(width(text))
    values["sentences"] = float(sentences - 1)
    values["early"] = 1.0  # the start of its one-paragraph article
    values["chatter"] = max(chatter(tokens(text, lexicon)), label_line(text))
    return round(sum(WEIGHTS[k] * values.get(k, 0.0) for k in WEIGHTS), 4)


_WIDE = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0002ffff]")


def width(text: str) -> int:
    """Length in Latin-character widths: a CJK character counts two."""
    return len(text) + len(_WIDE.findall(text))


def length_fit(chars: int) -> float:
    """1 in the ideal range, less for passages a card shows too small or too big."""
    if chars < IDEAL_LOW:
        return max(0.0, 0.5 + 0.5 * (chars - MIN_CHARS) / (IDEAL_LOW - MIN_CHARS))
    if chars <= IDEAL_HIGH:
        return 1.0
    return max(0.0, 1.0 - 0.7 * (chars - IDEAL_HIGH) / (MAX_CHARS - IDEAL_HIGH))


def _card_shaped(text: str) -> bool:
    """A whole statement: ends a sentence, starts with a capital, no links."""
    stripped = text.rstrip(_CLOSING + " \u00a0")
    if not stripped or stripped[-1] not in _TERMINAL or stripped.endswith(("...", "\u2026")):
        return False
    first = next((c for c in text if c.isalnum()), "")
    if not first or first.islower() or first.isdigit() or _unbalanced_quotes(text):
        return False
    return not ("http" in text or "://" in text or "@" in text or "www." in text)


_CLAUSE_END = re.compile(r"[,;:\u2014\u3001\u060c]|--")


def elide(
    text: str,
    paragraph: int,
    span: tuple[int, int],
    cuts: Sequence[tuple[int, int]],
    lexicon: Lexicon,
) -> Located | None:
    """A too-long passage cut to "head […] tail", or None when no cut fits a card.

    `cuts` are (end of head, start of tail) article offsets where the passage may be cut. Of
    the cuts that fit MAX_CHARS the one that keeps most wins. Passages over MAX_ELIDED are not
    cut: too little of them would remain.
    """
    if width(text[span[0] : span[1]]) > MAX_ELIDED:
        return None
    mark = width(ELISION_MARK)
    best: tuple[int, int, int] | None = None  # (width shown, head end, tail start)
    for head_end, _ in cuts:
        head = text[span[0] : head_end].rstrip()
        if width(head) < MIN_FRAGMENT:
            continue
        for _, tail_start in cuts:
            if tail_start <= head_end:
                continue
            tail = text[tail_start : span[1]].lstrip()
            kept = width(head) + mark + width(tail)
            if width(tail) < MIN_FRAGMENT or not tail[:1].isalnum() or kept > MAX_CHARS:
                continue
            if back_reference(tail, tokens(tail, lexicon)) > 0:
                continue  # "A. […] But C." or "A, […] which C": the tail needs what was cut
            if best is None or kept > best[0]:
                best = (kept, span[0] + len(head), span[1] - len(tail))
    if best is None:
        return None
    _, head_end, tail_start = best
    return Located(
        text[span[0] : head_end] + ELISION_MARK + text[tail_start : span[1]],
        ((span[0], head_end), (tail_start, span[1])),
        paragraph,
    )


def verifies(index: ArticleIndex, suggestion: Suggestion) -> bool:
    """Whether `text:` with this suggestion's text selects exactly its own spans."""
    located = index.select_text(suggestion.text)
    return isinstance(located, Located) and located.spans == suggestion.spans


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


def _unbalanced_quotes(text: str) -> bool:
    """A quotation mark or bracket opened or closed outside the passage."""
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


def selection_yaml(
    article: Article, suggestions: list[Suggestion], source: str, *, explain: bool = False
) -> str:
    """A selection file (quotes/NAME.yaml) naming `source` and quoting every suggestion.

    With `explain`, a comment under each rank lists what its score is made of.
    """
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
    for rank, (suggestion, quote_id, credited, speaker) in enumerate(
        _named(article, suggestions), 1
    ):
        lines.append(f"  # {rank}. paragraph {suggestion.paragraph}, score {suggestion.score:.2f}")
        if explain:
            lines.extend(f"  #    {line}" for line in explanation(suggestion))
        if credited is None and speaker.kind == "quoted":
            lines.append("  # a quoted speaker the article does not name: add `attribution:`")
        elif credited is None:
            lines.append("  # the article names no author: add `author:` under `article:`")
        item: dict[str, str] = {"id": quote_id, "text": suggestion.text}
        if credited:
            item["attribution"] = credited
        lines.extend("  " + line for line in dump([item]).rstrip("\n").split("\n"))
    return "\n".join(lines) + "\n"


def _named(
    article: Article, suggestions: list[Suggestion]
) -> list[tuple[Suggestion, str, str | None, Speaker]]:
    """Each suggestion with its quote id, whom it credits (None: nobody), and its speaker."""
    taken: set[str] = set()
    speakers = attributions(
        article.paragraphs,
        [(s.start, s.end) for s in suggestions],
        author=article.author,
        publisher=article.publisher,
    )
    return [
        (s, slug_for(s.text, taken, f"quote-{rank}"), s.attribution or speaker.name, speaker)
        for rank, (s, speaker) in enumerate(zip(suggestions, speakers, strict=True), 1)
    ]


def suggestions_json(article: Article, suggestions: list[Suggestion], source: str) -> str:
    """`cardgen suggest --json`: the article and each passage, best first, as one document."""
    import json

    ref = {key: getattr(article, key) for key in ("title", "author", "url", "publisher")}
    records = [
        {
            "rank": rank,
            "id": quote_id,
            "text": suggestion.text,
            "attribution": credited,
            "paragraph": suggestion.paragraph,
            "score": round(suggestion.score, 4),
            "elided": suggestion.elided,
            "contributions": {name: round(value, 4) for name, value in suggestion.contributions},
        }
        for rank, (suggestion, quote_id, credited, _) in enumerate(_named(article, suggestions), 1)
    ]
    document = {"article": {"source": source, **ref}, "suggestions": records}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def explanation(suggestion: Suggestion) -> list[str]:
    """Why a suggestion scored what it did: each feature's share of the score, largest first."""
    parts = [f"{name} {value:+.2f}" for name, value in suggestion.contributions]
    lines, line = [], "why:"
    for part in parts:
        if len(line) + len(part) > 90:
            lines.append(line.rstrip(","))
            line = "    "
        line += f" {part},"
    lines.append(line.rstrip(","))
    if suggestion.elided:
        lines.append("cut to an elision: the card leaves out what […] stands for")
    return lines


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


def suggest_from_file(
    article_path: Path, n: int, save_in: Path | None
) -> tuple[Article, str, list[Suggestion]]:
    """The article at `article_path`, its source as a selection names it, and its `n` best
    passages; an `InputError` when none stands on its own."""
    article = load_article(article_path)
    source, _ = source_for(article_path, save_in)
    found = suggest(article, n)
    if not found:
        raise InputError(
            "found no passage that stands on its own as a quote",
            file=str(article_path),
            hint="complete sentences of 25 to 240 characters make good cards",
        )
    return article, source, found


def suggest_selection(
    article_path: Path,
    n: int = 10,
    save_in: Path | None = None,
    *,
    explain: bool = False,
    as_json: bool = False,
) -> str:
    """Load an article and return a selection YAML of its `n` best passages (or, `as_json`,
    the same passages as a JSON document)."""
    if n < 1:
        raise InputError(f"-n {n}: ask for at least one suggestion")
    article, source, found = suggest_from_file(article_path, n, save_in)
    if as_json:
        return suggestions_json(article, found, source)
    return selection_yaml(article, found, source, explain=explain)
