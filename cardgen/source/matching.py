"""Find a quote in an article: normalised matching, selectors, elisions, closest passages."""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from cardgen.source.article_text import Article
from cardgen.source.language import is_cjk
from cardgen.source.sentences import split_sentences

# Characters that are the same for matching: typographic variants of one mark.
_EQUIVALENT = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "\u2014",
        "\u2012": "\u2014",
        "\u2015": "\u2014",
        "\u2212": "\u2014",
    }
)
# Fragments of an elision must lie within this many consecutive paragraphs.
ELISION_PARAGRAPHS = 3
_SPACE_LIKE = "\u200b\ufeff"
# An editor's cut inside a quote: `…`, `...`, `[…]` or `[...]`.
ELISION = re.compile(r"(\s*)(\[\s*(?:\u2026|\.\.\.)\s*\]|\u2026|\.\.\.)(\s*)")


def normalise(text: str) -> tuple[str, list[int]]:
    """Text for matching, and for each of its characters the index it came from.

    NFC, quote and dash variants folded, full-width ASCII forms read as
    ASCII, `--` and a spaced or numeric-range `-` read as a dash, `…` read
    as `...`, every run of white space
    one space (no-break spaces and line breaks included), and no space where
    only typography puts one: next to a double quote mark or a dash, before
    ? ! ; :, between CJK characters (a line break in Japanese or Chinese).
    """
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    origin: list[int] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace() or char in _SPACE_LIKE:
            j = i
            while j < len(text) and (text[j].isspace() or text[j] in _SPACE_LIKE):
                j += 1
            if out and out[-1] != " " and not _space_is_typographic(out[-1], _mark_at(text, j)):
                out.append(" ")
                origin.append(i)
            i = j
            continue
        if text.startswith("--", i):
            out.append("\u2014")
            origin.append(i)
            i += 2
            continue
        if char in "-\u2010\u2011":
            # A hyphen typed for a dash: alone between spaces ("work - life") or in a range
            # between digits ("7-8", set as 7–8); elsewhere it joins words and stays.
            before, after = text[i - 1 : i], text[i + 1 : i + 2]
            spaced = (not before or before.isspace()) and (not after or after.isspace())
            ranged = before.isdigit() and after.isdigit()
            out.append("\u2014" if spaced or ranged else "-")
            origin.append(i)
            i += 1
            continue
        if char == "\u2026":
            out.extend("...")
            origin.extend((i, i, i))
            i += 1
            continue
        if "\uff01" <= char <= "\uff5e":
            char = chr(ord(char) - 0xFEE0)  # full-width ASCII forms: ？ is ?, ！ is !
        out.append(char.translate(_EQUIVALENT))
        origin.append(i)
        i += 1
    if out and out[-1] == " ":
        out.pop()
        origin.pop()
    return "".join(out), origin


@dataclass(frozen=True)
class Located:
    """Where a quote stands: the text a card shows and the article spans it comes from."""

    text: str
    spans: tuple[tuple[int, int], ...]
    paragraph: int  # 1-based paragraph where the quote starts


@dataclass(frozen=True)
class Miss:
    """Why a quote was not found: the words looked for, or a reason on its own."""

    wanted: str | None = None  # the text (or elision fragment) that is not in the article
    fragment: tuple[int, int] | None = None  # (number, of how many) for an elision
    reason: str | None = None  # with `{article}` where the article's name goes


@dataclass(frozen=True)
class Closest:
    score: float
    paragraph: int
    passage: str  # the article's own characters


class ArticleIndex:
    """An article's text normalised once, for locating many quotes in it."""

    def __init__(self, article: Article) -> None:
        self.article = article
        self.text = article.text
        self.norm, self.origin = normalise(self.text)
        self.starts: list[int] = []
        at = 0
        for paragraph in article.paragraphs:
            self.starts.append(at)
            at += len(paragraph) + 2
        self._sentences: dict[int, list[tuple[int, int]]] = {}

    # --- positions ---------------------------------------------------------------

    def paragraph_of(self, offset: int) -> int:
        """The 1-based paragraph holding the article offset `offset`."""
        return max(1, bisect.bisect_right(self.starts, offset))

    def sentence_spans(self, paragraph: int) -> list[tuple[int, int]]:
        """Article offsets of the sentences of the 1-based `paragraph`."""
        if paragraph not in self._sentences:
            base = self.starts[paragraph - 1]
            spans = split_sentences(self.article.paragraphs[paragraph - 1])
            self._sentences[paragraph] = [(base + a, base + b) for a, b in spans]
        return self._sentences[paragraph]

    def _span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span back to the article's own characters."""
        return self.origin[start], self.origin[end - 1] + 1

    # --- selectors ----------------------------------------------------------------

    def locate(self, wanted: str, *, find: bool) -> tuple[int, int] | None:
        """The article span of `wanted` (or, with `find`, of its whole sentence)."""
        located = self.select_find(wanted) if find else self._verbatim(wanted)
        return located.spans[0] if isinstance(located, Located) else None

    def select_text(self, wanted: str) -> Located | Miss:
        """`text:` the words as written, or an elision of fragments in order."""
        verbatim = self._verbatim(wanted)
        if verbatim is not None:
            return verbatim
        parts = ELISION.split(wanted)
        if len(parts) == 1:
            return Miss(wanted=wanted)
        return self._elision(parts) or Miss(wanted=wanted)

    def select_find(self, phrase: str) -> Located | Miss:
        """`find:` the whole sentence (or sentences) containing `phrase`."""
        needle, _ = normalise(phrase)
        at = next(self._matches(needle, 0), -1) if needle else -1
        if at < 0:
            return Miss(wanted=phrase)
        start, end = self._span(at, at + len(needle))
        first, last = self.paragraph_of(start), self.paragraph_of(end - 1)
        spans = [s for p in range(first, last + 1) for s in self.sentence_spans(p)]
        lo = max((a for a, b in spans if a <= start), default=start)
        hi = min((b for a, b in spans if b >= end), default=end)
        return Located(self.text[lo:hi], ((lo, hi),), first)

    def select_paragraph(self, paragraph: int, first: int, last: int) -> Located | Miss:
        """`paragraph:` (and `sentence:`) by number; last == 0 means the whole paragraph."""
        count = len(self.article.paragraphs)
        if paragraph > count:
            return Miss(reason=f"asks for paragraph {paragraph}, but {{article}} has {count}")
        if last == 0:
            lo = self.starts[paragraph - 1]
            hi = lo + len(self.article.paragraphs[paragraph - 1])
            return Located(self.text[lo:hi], ((lo, hi),), paragraph)
        spans = self.sentence_spans(paragraph)
        if last > len(spans):
            return Miss(
                reason=f"asks for sentence {last} of paragraph {paragraph}, "
                f"which has {len(spans)} sentence{'s' if len(spans) != 1 else ''} in {{article}}"
            )
        lo, hi = spans[first - 1][0], spans[last - 1][1]
        return Located(self.text[lo:hi], ((lo, hi),), paragraph)

    # --- matching -----------------------------------------------------------------

    def _verbatim(self, wanted: str) -> Located | None:
        needle, _ = normalise(wanted)
        at = next(self._matches(needle, 0), -1) if needle else -1
        if at < 0:
            return None
        start, end = self._span(at, at + len(needle))
        return Located(self.text[start:end], ((start, end),), self.paragraph_of(start))

    def _matches(self, needle: str, start: int) -> Iterator[int]:
        """Every match of `needle` from `start` that begins and ends on word boundaries."""
        haystack = self.norm
        while True:
            at = haystack.find(needle, start)
            if at < 0:
                return
            before = haystack[at - 1] if at else " "
            after_index = at + len(needle)
            after = haystack[after_index] if after_index < len(haystack) else " "
            if not (_is_word(before) and _is_word(needle[0])) and not (
                _is_word(after) and _is_word(needle[-1])
            ):
                yield at
            start = at + 1

    def _elision(self, parts: list[str]) -> Located | Miss | None:
        """Fragments in order within ELISION_PARAGRAPHS paragraphs, shown with the cut marks.

        `parts` alternates fragment, space before, mark, space after, fragment...
        """
        fragments = [parts[i] for i in range(0, len(parts), 4)]
        marks = [(parts[i], parts[i + 1], parts[i + 2]) for i in range(1, len(parts), 4)]
        needles = [normalise(f)[0] for f in fragments]
        real = [i for i, n in enumerate(needles) if n]
        if not real or any(not any(c.isalnum() for c in needles[i]) for i in real):
            return None
        for number, i in enumerate(real, start=1):
            if next(self._matches(needles[i], 0), -1) < 0:
                return Miss(wanted=fragments[i], fragment=(number, len(real)))
        best: list[tuple[int, int]] | None = None
        for first_at in self._matches(needles[real[0]], 0):
            spans = self._chain([needles[i] for i in real], first_at)
            if spans is None:
                break  # a later fragment never follows: no later start can help
            reach = self.paragraph_of(spans[-1][1] - 1) - self.paragraph_of(spans[0][0])
            if reach < ELISION_PARAGRAPHS:
                best = spans
                break
        if best is None:
            return Miss(
                reason="has fragments that are not in this order within "
                f"{ELISION_PARAGRAPHS} paragraphs of each other in {{article}} "
                "(an elision cuts words out of one passage)"
            )
        shown: list[str] = []
        pieces = iter(best)
        for i in range(len(fragments)):
            if needles[i]:
                lo, hi = next(pieces)
                shown.append(self.text[lo:hi])
            if i < len(marks):
                before, mark, after = marks[i]
                mark = "[\u2026]" if mark.startswith("[") else "\u2026"
                shown.append((" " if before else "") + mark + (" " if after else ""))
        text = "".join(shown).strip()
        return Located(text, tuple(best), self.paragraph_of(best[0][0]))

    def _chain(self, needles: list[str], first_at: int) -> list[tuple[int, int]] | None:
        """Spans of `needles` in order, the first at `first_at`, each as early as possible."""
        spans = [self._span(first_at, first_at + len(needles[0]))]
        at = first_at + len(needles[0])
        for needle in needles[1:]:
            found = next(self._matches(needle, at), -1)
            if found < 0:
                return None
            spans.append(self._span(found, found + len(needle)))
            at = found + len(needle)
        return spans

    def closest(self, wanted: str) -> Closest | None:
        """The passage most like `wanted`, by rapidfuzz's partial ratio, paragraph by paragraph."""
        from rapidfuzz import fuzz

        needle, _ = normalise(wanted)
        best: Closest | None = None
        for number, paragraph in enumerate(self.article.paragraphs, start=1):
            norm, origin = normalise(paragraph)
            alignment = fuzz.partial_ratio_alignment(needle, norm)
            if alignment is None or alignment.dest_end <= alignment.dest_start:
                continue
            if best is None or alignment.score > best.score:
                lo = origin[alignment.dest_start]
                hi = origin[alignment.dest_end - 1] + 1
                best = Closest(alignment.score, number, paragraph[lo:hi])
        return best


def _mark_at(text: str, at: int) -> str:
    """The character at `at` as normalise() will read it ("" past the end)."""
    if at >= len(text):
        return ""
    char = text[at]
    if text.startswith("--", at):
        return "\u2014"
    if char in "-\u2010\u2011":
        after = text[at + 1 : at + 2]
        return "\u2014" if not after or after.isspace() else "-"
    if "\uff01" <= char <= "\uff5e":
        char = chr(ord(char) - 0xFEE0)
    return char.translate(_EQUIVALENT)


def _space_is_typographic(before: str, after: str) -> bool:
    """Whether a space between two normalised characters is spacing, not a word break.

    Around a double quote mark (« » take spaces inside in French; a typed " may not)
    and a dash (spaced or closed by house style), before ? ! ; : (French sets a thin
    space there), and between CJK characters (a line break in Japanese or Chinese).
    """
    if not after:
        return False
    if before in '"\u2014' or after in '"\u2014?!;:':
        return True
    return is_cjk(before) and is_cjk(after)


def _is_word(char: str) -> bool:
    return char.isalnum() and not is_cjk(char)
