"""Line breaking, fitting and typographic clean-up: pure geometry through a `Measurer`.

`fit_text` finds the largest font size in a range for which the text fits a
box, breaking lines where `segment` allows (spaces, between phrases of Japanese
and Chinese, between words of Thai, with kinsoku), then sets it with the best
breaks of the whole paragraph (`linebreak`: even lines, no lone last word, no
short word ending a line where that can be helped).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from cardgen.source.language import detect, primary
from cardgen.typography.linebreak import (
    BALANCE,
    FIRST_ALONE,
    LineWidths,
    best_breaks,
    greedy,
)
from cardgen.typography.segment import SHORT_WORD, WIDOW, Breaks, Pieces, breaks, segments


class Measurer(Protocol):
    def width(self, text: str, size: int) -> float: ...

    def metrics(self, size: int) -> tuple[int, int]: ...


@dataclass(frozen=True)
class FittedText:
    """Text set at one size: its lines, and the geometry needed to place them."""

    size: int
    lines: tuple[str, ...]
    line_pitch: float  # baseline to baseline, px
    ascent: int
    descent: int
    widths: tuple[float, ...]
    starts: tuple[int, ...] = ()  # index in the set text where each line begins
    hang: float = 0.0  # width of an opening quote mark hung outside the text's left edge

    @property
    def height(self) -> float:
        """From the first line's ascent to the last line's descent."""
        return (len(self.lines) - 1) * self.line_pitch + self.ascent + self.descent

    @property
    def width(self) -> float:
        return max(self.widths, default=0.0)


# --- typographic clean-up -----------------------------------------------------

HANGING_OPENERS = "\u201c\u2018\u00ab\u201e\u201a"  # “ ‘ « „ ‚
_OPEN_CONTEXT = " \t\n([{<\u2014\u2013\u00a0\u202f/"
# `*word*`, `_word_`, `**word**`, `__word__`: not inside a word (snake_case) nor around spaces.
_EMPHASIS = re.compile(r"(?<![\w*])(\*\*|__|\*|_)(?=[^\s*_])(.+?)(?<=[^\s*_])\1(?![\w*])")
_ROCK_N_ROLL = re.compile(r"(?<!\w)['\u2018\u2019]n['\u2018\u2019](?!\w)")  # 'n' elides a and d
_RANGE = re.compile(r"(?<![\d\-])(\d+(?:[.,]\d+)*)-(\d+(?:[.,]\d+)*)(?![\d\-])")  # not 2026-11-25
# Spaces that are only typography: a no-break space keeps its place and kind.
_COLLAPSIBLE = re.compile(r"[^\S\u00a0\u202f\u2007]+")
# What collapsing would change: a space other than " ", or two in a row.
_UNCOLLAPSED = re.compile(r"[^\S \u00a0\u202f\u2007]|[^\S\u00a0\u202f\u2007]{2}")
_CJK_PUNCTUATION = "\u3000-\u303f\u30fb\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
_SPACE_BY_CJK_PUNCTUATION = re.compile(
    rf"[ \u00a0]+(?=[{_CJK_PUNCTUATION}])|(?<=[{_CJK_PUNCTUATION}])[ \u00a0]+"
)
_CJK_PUNCTUATION_ANYWHERE = re.compile("[\u3000-\u303f\uff01-\uff65]")
_FRENCH_SPACE_BEFORE = re.compile(r"[ \u00a0\u202f]+(?=[?!;:\u00bb\u203a])")
_FRENCH_SPACE_AFTER = re.compile(r"(?<=[\u00ab\u2039])[ \u00a0\u202f]+")
NARROW_NO_BREAK_SPACE = "\u202f"
# Web addresses and handles are shown as written: no dashes or emphasis inside them.
_ADDRESS = re.compile(r"\S*(?:://|www\.|@|/)\S*|\S+\.(?:com|org|net|io|co|fr|de|jp|uk)\b\S*")


def _unless_address(match: re.Match[str], replacement: str) -> str:
    """`replacement`, unless the match lies in a web address or handle."""
    text, start = match.string, match.start()
    word_start = text.rfind(" ", 0, start) + 1
    word_end = text.find(" ", match.end())
    word = text[word_start : None if word_end < 0 else word_end]
    return match[0] if _ADDRESS.fullmatch(word) else replacement


def smarten(text: str) -> str:
    """Straight quotes and apostrophes to curly ones, `--` to an em dash, `'n'` to ’n’,
    a hyphen between two numbers (`10-20`) to an en dash."""
    text = re.sub(r"-{2,3}", "\u2014", text)
    if "-" in text:
        text = _RANGE.sub(lambda m: _unless_address(m, f"{m[1]}\u2013{m[2]}"), text)
    if "n" in text:
        text = _ROCK_N_ROLL.sub("\u2019n\u2019", text)
    if '"' not in text and "'" not in text:
        return text
    out: list[str] = []
    for index, char in enumerate(text):
        before = text[index - 1] if index else " "
        after = text[index + 1] if index + 1 < len(text) else " "
        if char == '"':
            out.append("\u201c" if before in _OPEN_CONTEXT else "\u201d")
        elif char == "'":
            # 'tis and '90s elide letters: an apostrophe even at a word's start.
            opening = before in _OPEN_CONTEXT and not after.isdigit()
            out.append("\u2018" if opening else "\u2019")
        else:
            out.append(char)
    return "".join(out)


def local_spacing(text: str, language: str) -> str:
    """Spaces as the language sets them (only spaces change, never other characters):
    none beside Japanese and Chinese punctuation (`。`, `「`: they carry their own
    space), and in French a narrow no-break space inside `« »` and before `? ! ; :`
    (a full word space looks gappy at display sizes)."""
    if _CJK_PUNCTUATION_ANYWHERE.search(text):
        text = _SPACE_BY_CJK_PUNCTUATION.sub("", text)
    if primary(language) == "fr":
        text = _FRENCH_SPACE_BEFORE.sub(NARROW_NO_BREAK_SPACE, text)
        text = _FRENCH_SPACE_AFTER.sub(NARROW_NO_BREAK_SPACE, text)
    return text


def emphasis_spans(text: str) -> tuple[str, tuple[bool, ...]]:
    """`*word*` or `_word_` (or doubled) marks emphasis: the text without the marks, and
    a flag per character."""
    plain: list[str] = []
    flags: list[bool] = []
    last = 0
    addresses = [m.span() for m in _ADDRESS.finditer(text)] if "_" in text else []
    for match in _EMPHASIS.finditer(text):
        if any(a < match.end() and match.start() < b for a, b in addresses):
            continue  # `@_name_` or `site.com/_x_`: an address, not emphasis
        plain.append(text[last : match.start()])
        flags.extend([False] * (match.start() - last))
        plain.append(match.group(2))
        flags.extend([True] * len(match.group(2)))
        last = match.end()
    plain.append(text[last:])
    flags.extend([False] * (len(text) - last))
    return "".join(plain), tuple(flags)


@functools.lru_cache(maxsize=1024)
def prepare(raw: str, language: str | None = None) -> tuple[str, tuple[bool, ...]]:
    """Text as the card sets it, with its emphasis flags: curly quotes and dashes,
    spaces collapsed and set for `language` (guessed when None), emphasis marks out.

    Kept per text: a batch sets each quote on every platform, and every attribution
    and title on many cards."""
    text = normalise_space(smarten(raw))
    return emphasis_spans(local_spacing(text, language or detect(text)))


# --- measuring pieces ---------------------------------------------------------


def _widths(pieces: tuple[str, ...], size: int, measure: Measurer) -> LineWidths:
    """Piece widths at one size (with and without trailing spaces), each word measured once."""
    words, spaces, distinct, index = _split_spaces(pieces)
    # Each size tried measures the same pieces: each distinct word once (a measurer that
    # can measure a list of texts at once, `ChainMeasurer.widths`, scales remembered widths).
    many = getattr(measure, "widths", None)
    if many is not None:
        known = many(distinct, size)
    else:
        known = [measure.width(word, size) for word in distinct]
    space = measure.width(" ", size) if words else 0.0
    known.append(0.0)  # an empty piece's (index -1)
    bare = [known[i] for i in index]
    full = [b + space * n if n else b for b, n in zip(bare, spaces, strict=True)]
    return LineWidths(bare, full)


@functools.lru_cache(maxsize=512)
def _split_spaces(
    pieces: tuple[str, ...],
) -> tuple[tuple[str, ...], tuple[int, ...], tuple[str, ...], tuple[int, ...]]:
    """Each piece without its trailing spaces, how many there were, the distinct words,
    and each piece's word as an index into them (-1: empty)."""
    words = tuple(piece.rstrip(" ") for piece in pieces)
    spaces = tuple(len(piece) - len(word) for piece, word in zip(pieces, words, strict=True))
    distinct = tuple(dict.fromkeys(word for word in words if word))
    at = {word: i for i, word in enumerate(distinct)}
    return words, spaces, distinct, tuple(at[word] if word else -1 for word in words)


def _lines_of(pieces: Sequence[str], spans: list[tuple[int, int]]) -> list[tuple[int, str]]:
    offsets = list(itertools.accumulate(map(len, pieces), initial=0))
    return [(offsets[a], "".join(pieces[a:b]).rstrip(" ")) for a, b in spans]


def wrap(words: list[str], max_width: float, size: int, measure: Measurer) -> list[str] | None:
    """Greedy line filling of space-separated words; None when a word is wider than the box."""
    pieces = tuple(w + " " for w in words[:-1]) + tuple(words[-1:])
    spans = greedy(_widths(pieces, size, measure), max_width)
    if spans is None:
        return None
    return [line for _, line in _lines_of(pieces, spans)]


def normalise_space(text: str) -> str:
    """Runs of white space to one space; no-break spaces stay (they glue, and French
    sets them narrow)."""
    if _UNCOLLAPSED.search(text) is None:  # already single-spaced (fitting, every size)
        return text.strip()
    return _COLLAPSIBLE.sub(" ", text).strip()


def hang_width(text: str, size: int, measure: Measurer) -> float:
    """How far an opening quote mark at the start of `text` hangs into the margin."""
    if len(text) > 1 and text[0] in HANGING_OPENERS:
        return measure.width(text[0], size)
    return 0.0


# A text may be set this much smaller than the largest size that fits, when that
# spares it a penalised break (a stranded `the`, a spaced dash starting a line): a
# typesetter's trade; and a little smaller still to spare it a word alone on a line
# (`become` in the middle of a big short quote, a lone last word), which costs WIDOW.
# A short quote (4 to 12 words) set big, three words a line or fewer (`Small` /
# `steps, taken` / ...), only loses a lone word or a stranded one when the size drops
# by about a word a line: with n words a line, down to n / (n + 1) of the largest
# size, but never below FEW_WORDS_GIVE.
SIZE_GIVE = 0.9
LONE_SIZE_GIVE = 0.85
FEW_WORDS_GIVE = 0.6
_SIZE_STEP = 0.02
_FEW_PIECES = 4  # texts of fewer pieces than this keep the usual give
_FEW_A_LINE = 3  # ...and so do lines of more words than this
_SHORT_QUOTE = 12  # ...and texts of more pieces (words) than this


def set_at(
    text: str,
    size: int,
    box_w: float,
    line_height: float,
    measure: Measurer,
    *,
    hang: bool = False,
    language: str | None = None,
    wrap: str = BALANCE,
) -> FittedText | None:
    """Break `text` (single-spaced) at `size` into `box_w`; None if a piece is too wide.

    Phrases are kept whole where they fit (Japanese, Chinese), else broken finer.
    With `hang`, an opening quote mark sits outside the left edge of the other
    lines, inside the box: every line is indented by its width but the first.
    """
    text = normalise_space(text)
    for level in _levels(text, breaks(text, language), size, box_w, measure, hang):
        broken = _Broken.of(text, level, size, box_w, measure, hang)
        if broken is not None:
            return broken.best(line_height, measure, wrap)[0]
    return None


def _levels(
    text: str, found: Breaks, size: int, box_w: float, measure: Measurer, hang: bool
) -> Iterator[Pieces]:
    """The pieces to try, in turn: whole phrases (Japanese, Chinese); then only the
    phrases wider than a line at `size` cut between characters, every other phrase
    whole; then, for a text that fits no other way, every break between characters."""
    yield found.coarse
    if found.fine is None:
        return
    bare = _widths(found.coarse.pieces, size, measure).bare
    indent = hang_width(text, size, measure) if hang else 0.0
    wide = frozenset(i for i, w in enumerate(bare) if w > box_w - (indent if i else 0.0))
    if wide:
        yield found.splitting(wide)
    yield found.fine


@dataclass
class _Broken:
    """Text greedily broken at one size: enough to know its line count, not yet the
    best breaks."""

    text: str
    size: int
    found: Pieces
    widths: LineWidths
    indent: float
    avail: float
    spans: list[tuple[int, int]]

    @classmethod
    def of(
        cls, text: str, found: Pieces, size: int, box_w: float, measure: Measurer, hang: bool
    ) -> _Broken | None:
        if not text:
            return None
        widths = _widths(found.pieces, size, measure)
        indent = hang_width(text, size, measure) if hang else 0.0
        avail = box_w - indent
        spans = greedy(widths, avail, indent)
        if spans is None:
            return None
        return cls(text, size, found, widths, indent, avail, spans)

    def height(self, line_height: float, measure: Measurer) -> float:
        ascent, descent = _reach(measure, self.size, self.found.pieces, self.spans[0])
        return (len(self.spans) - 1) * (self.size * line_height) + ascent + descent  # as FittedText

    def best(self, line_height: float, measure: Measurer, wrap: str) -> tuple[FittedText, float]:
        """The text set with its best breaks, and what their penalties cost."""
        spans, penalty = self.breaks(wrap)
        return self.set(spans, line_height, measure), penalty

    def breaks(self, wrap: str) -> tuple[list[tuple[int, int]], float]:
        """The best breaks (as spans of pieces), and what their penalties cost."""
        found = self.found
        return best_breaks(
            self.widths,
            self.avail,
            found.penalties,
            found.lone,
            self.spans,
            credit=self.indent,
            wrap=wrap,
            bonus=found.bonus,
            middle=found.middle,
        )

    def set(
        self, spans: list[tuple[int, int]], line_height: float, measure: Measurer
    ) -> FittedText:
        """The text set in lines `spans`."""
        found = self.found
        lines = _lines_of(found.pieces, spans)
        ascent, descent = _reach(measure, self.size, found.pieces, spans[0])
        fitted = FittedText(
            size=self.size,
            lines=tuple(line for _, line in lines),
            line_pitch=self.size * line_height,
            ascent=ascent,
            descent=descent,
            widths=tuple(self.widths.line(a, b) for a, b in spans),
            starts=tuple(start for start, _ in lines),
            hang=self.indent,
        )
        return fitted


def _reach(
    measure: Measurer, size: int, pieces: Sequence[str], first: tuple[int, int]
) -> tuple[int, int]:
    """The room a text needs above its first baseline and below its last at `size`. Text
    set in several fonts (`ChainMeasurer.mixed`) gets above its first line only what the
    fonts drawn there need: an emoji further down takes no room from a Latin first line.
    (Judged on greedy lines, whose first line holds the best breaks' first line.)"""
    ascent, descent = measure.metrics(size)
    line_ascent = getattr(measure, "line_ascent", None) if getattr(measure, "mixed", 0) else None
    if line_ascent is not None:
        ascent = line_ascent("".join(pieces[first[0] : first[1]]), size)
    return ascent, descent


@dataclass(frozen=True)
class _Search:
    """What every size tried is judged against: the text, its pieces and the box."""

    text: str
    found: Pieces
    box_w: float
    box_h: float
    line_height: float
    measure: Measurer
    hang: bool
    max_lines: int | None

    def at(self, size: int) -> _Broken | None:
        """The text greedily broken at `size`, or None when it does not fit there."""
        broken = _Broken.of(self.text, self.found, size, self.box_w, self.measure, self.hang)
        if broken is None or broken.height(self.line_height, self.measure) > self.box_h:
            return None
        if self.max_lines is not None and len(broken.spans) > self.max_lines:
            return None
        return broken

    def between(self, above: _Broken, below: _Broken) -> list[_Broken]:
        """The sizes between two tried, largest first, where the line count drops
        between them: the roomiest breaks of the count above lie just over the drop
        (`mean we are selfish.` at 80 px, between 81 and 79); else none."""
        if len(below.spans) >= len(above.spans):
            return []
        found = (self.at(size) for size in range(above.size - 1, below.size, -1))
        return [broken for broken in found if broken is not None]

    def largest(self, min_size: int, max_size: int) -> _Broken | None:
        lo, hi = max(1, min_size), max(max_size, min_size)
        if lo < hi:
            # A text that fits at the largest size (most short quotes) needs no search:
            # fitting is monotonic in size, so it is the size the search would find.
            top = self.at(hi)
            if top is not None:
                return top
            hi -= 1
        best = self.at(lo)
        if best is None:
            return None
        while lo < hi:
            mid = math.ceil((lo + hi) / 2)
            broken = self.at(mid)
            if broken is not None:
                best, lo = broken, mid
            else:
                hi = mid - 1
        return best


def fit_text(
    text: str,
    box_w: float,
    box_h: float,
    min_size: int,
    max_size: int,
    line_height: float,
    measure: Measurer,
    *,
    hang: bool = False,
    max_lines: int | None = None,
    language: str | None = None,
    wrap: str = BALANCE,
) -> FittedText | None:
    """Close to the largest size in [min_size, max_size] whose lines fit the box (in
    at most `max_lines` lines when given), set with the best breaks.

    Binary search over sizes: fitting is monotonic in practice, and the caller
    checks the final ink against the box anyway. Greedy filling gives the fewest
    lines, so sizes are judged on it and only the chosen one gets its best breaks
    (`linebreak`), in as many lines. When those breaks still pay a penalty (a short
    word ending a line), a few sizes down to `SIZE_GIVE` of it are tried, and the
    largest that breaks with fewer penalties wins; down to `LONE_SIZE_GIVE` while
    they still leave a word alone on a line (further for lines of a few words:
    `FEW_WORDS_GIVE`). `language` (guessed
    from the text when None) picks the break rules; `wrap` is `balance` (even lines)
    or `pretty`. Japanese and Chinese phrases are kept whole: a phrase wider than the
    box at the smallest size is cut between characters, and only that phrase.
    """
    text = normalise_space(text)
    for level in _levels(text, breaks(text, language), min_size, box_w, measure, hang):
        search = _Search(text, level, box_w, box_h, line_height, measure, hang, max_lines)
        largest = search.largest(min_size, max_size)
        if largest is None:
            continue
        chosen, spans = _Giving(search, largest, wrap).way(min_size)
        return chosen.set(spans, line_height, measure)
    return None


@dataclass
class _Giving:
    """The search below the largest size for better breaks (`fit_text`)."""

    search: _Search
    largest: _Broken
    wrap: str

    def __post_init__(self) -> None:
        self.chosen = self.largest
        self.spans, self.penalty = self.largest.breaks(self.wrap)
        self.usual = self.largest.size * SIZE_GIVE
        self.few = _give(self.largest, SIZE_GIVE)

    def way(self, min_size: int) -> tuple[_Broken, list[tuple[int, int]]]:
        """The size and breaks chosen: the largest that breaks with fewer penalties.

        Sizes are sampled in steps and grouped in runs of one line count; only the
        roomiest size of a run is broken first (it can break every way a larger one of
        the same count can), and the larger ones only when it breaks better."""
        run = [self.largest]  # sampled sizes of one line count, largest first
        for size in _gentler_sizes(self.largest, min_size):
            if self.penalty <= 0.0 or self._stop(size):
                break
            broken = self.search.at(size)
            if broken is None:
                continue
            if run and len(broken.spans) < len(run[0].spans):
                # The line count drops: the run's roomiest size lies just over `broken`.
                over = self.search.between(run[-1], broken)
                run += [b for b in over if len(b.spans) == len(run[0].spans)]
                following = [b for b in over if len(b.spans) < len(run[0].spans)]
                self._judge(run)
                run = following
            run.append(broken)
        if run != [self.largest] and self.penalty > 0.0:
            self._judge(run)
        return self.chosen, self.spans

    def _stop(self, size: int) -> bool:
        # Past the usual give, a stranded short word (or a stub of a first line) is
        # worth more size only for a clean break, and only in lines of few words
        # (counted from the size that spared a lone word, if one did: `become a` /
        # `whole new life.`).
        return self._clean_only(size) and (
            self.penalty < _CLEAN or size < self.chosen.size * self.few
        )

    def _clean_only(self, size: int) -> bool:
        return self.penalty < _LONE - 1e-9 and size < self.usual

    def _judge(self, run: list[_Broken]) -> None:
        """Take the largest size of `run` that breaks with fewer penalties, if its
        roomiest does."""
        roomiest = run[-1]
        spans, cost = roomiest.breaks(self.wrap)
        if not self._better(cost, roomiest.size):
            return
        for broken in run[:-1]:
            larger_spans, larger_cost = broken.breaks(self.wrap)
            if larger_cost <= cost + 1e-9 and self._better(larger_cost, broken.size):
                roomiest, spans, cost = broken, larger_spans, larger_cost
                break
        self.chosen, self.spans, self.penalty = roomiest, spans, cost

    def _better(self, cost: float, size: int) -> bool:
        return cost < self.penalty - 1e-9 and (cost < _CLEAN or not self._clean_only(size))


# What a word alone on a line costs at least (on the first line): below `SIZE_GIVE`,
# sizes are tried only while the breaks pay that much.
_LONE = WIDOW * FIRST_ALONE
# Breaks that pay less than a stranded short word strand nothing and leave nothing alone
# (a light first line, a number parted from its unit may remain).
_CLEAN = SHORT_WORD - 1e-9


def _gentler_sizes(largest: _Broken, min_size: int) -> list[int]:
    """Sizes below the largest worth trying for better breaks: steps of about 2%, down
    to `LONE_SIZE_GIVE` of it, or further for lines of few words (never below
    `min_size`), and the floor; `_Search.between` fills in the steps where the line
    count drops."""
    size = largest.size
    step = max(1, round(size * _SIZE_STEP))
    floor = max(min_size, math.ceil(size * _give(largest, LONE_SIZE_GIVE)))
    sizes = list(range(size - step, floor - 1, -step))
    # ...and the floor itself: the roomiest size of the last line count tried.
    return [*sizes, floor] if sizes and sizes[-1] > floor else sizes


def _give(largest: _Broken, most: float) -> float:
    """How far the size may give for better breaks: `most` (`SIZE_GIVE`, or
    `LONE_SIZE_GIVE` for a word alone on a line), or further for lines of few words,
    where a word only moves to another line when the size drops by about a word a
    line: n / (n + 1) with n words a line, down to `FEW_WORDS_GIVE`."""
    pieces = len(largest.found.pieces)
    per_line = pieces / max(1, len(largest.spans))
    # (Two or three words: a word alone is the text's own shape. Lines of more words
    # keep the usual give, a step of a few percent moving a word; and so do quotes
    # longer than a short one, whose size is not a big type's to give.)
    if not _FEW_PIECES <= pieces <= _SHORT_QUOTE or per_line > _FEW_A_LINE:
        return most
    return min(most, max(FEW_WORDS_GIVE, per_line / (per_line + 1)))


def largest_size(
    text: str,
    box_w: float,
    box_h: float,
    min_size: int,
    max_size: int,
    line_height: float,
    measure: Measurer,
    *,
    hang: bool = False,
    max_lines: int | None = None,
    language: str | None = None,
) -> int | None:
    """The largest size in [min_size, max_size] at which `text` fits the box, with no
    give for better breaks (None when none fits): what a layout grows a short quote to
    (`size.fill`) before `fit_text`, which then gives way once."""
    text = normalise_space(text)
    for level in _levels(text, breaks(text, language), min_size, box_w, measure, hang):
        search = _Search(text, level, box_w, box_h, line_height, measure, hang, max_lines)
        largest = search.largest(min_size, max_size)
        if largest is not None:
            return largest.size
    return None


def overflow(
    text: str,
    box_w: float,
    box_h: float,
    size: int,
    line_height: float,
    measure: Measurer,
    max_lines: int | None = None,
) -> str:
    """Say by how much `text` misses its box at `size`, for the error message."""
    text = normalise_space(text)
    pieces = [p.rstrip(" ") for p in segments(text)]
    widest = max(pieces, key=lambda p: measure.width(p, size), default="")
    if widest and measure.width(widest, size) > box_w:
        excess = measure.width(widest, size) - box_w
        shown = widest if len(widest) <= 40 else widest[:39] + "\u2026"
        return f"the word '{shown}' is {excess:.0f}px wider than the {box_w:.0f}px box"
    fitted = set_at(text, size, box_w, line_height, measure)
    if fitted is None:
        return "it does not fit"
    if max_lines is not None and len(fitted.lines) > max_lines and fitted.height <= box_h:
        extra = len(fitted.lines) - max_lines
        return f"it needs {len(fitted.lines)} lines, {extra} more than the {max_lines} allowed"
    excess = fitted.height - box_h
    # Under a pixel short: say by how much, not "0px more than the 398px box".
    digits = 0 if excess >= 1 else 1
    return (
        f"{len(fitted.lines)} lines need {fitted.height:.{digits}f}px, "
        f"{excess:.{digits}f}px more than the {box_h:.{digits}f}px box"
    )
