"""Where a line may break, and how much each break costs: pure text, no fonts.

Breaks come from a practical subset of UAX #14 (spaces, after hyphens and dashes
between words, between CJK characters with kinsoku), refined per script:
Japanese and Chinese break between phrases (BudouX), Thai, Lao, Khmer and
Burmese between dictionary words (ICU's line breaker, through icu4py), Korean at
spaces. Each break gets a penalty (a short word left at a line's end, a dash
starting the next line, a break inside a phrase) that `linebreak` weighs against
ragged lines. Both libraries are imported only for text that needs them.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from cardgen.source.language import detect, is_cjk, primary
from cardgen.typography.shortwords import short_words

# Kinsoku shori: characters that may not start a line (closing brackets, stops,
# small kana, prolonged sound mark) and ones that may not end it (opening brackets).
NO_LINE_START = frozenset(
    "、。，．,.:;!?！？：；)]}）］｝〕〉》」』】〙〗〟’”»›・ーヽヾゝゞ々〻‐゠–〜～‥…‼⁇⁈⁉"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ%‰℃"
)
NO_LINE_END = frozenset("([{（［｛〔〈《「『【〘〖〝‘“«‹")
_GLUE = frozenset("\u200d\u2060\u00a0\u202f\u2007\ufeff")  # ZWJ, word joiner, no-break spaces
_DASHES = "-\u2010\u2013\u2014\u2015"

# Penalties, in the units of `linebreak`'s raggedness (a line left wholly empty costs 1).
WIDOW = 1.0  # one word, emoji or a 1-3 character phrase alone on the last line
SHORT_WORD = 0.2  # a line ending in `a`, `the`, `de`, `la`...
DASH_START = 0.6  # a spaced dash starting a line (`word — word`)
# A line that ends one or two words into a new sentence (`selfish. It just` / `means`),
# or the next that starts on a sentence's last word and goes on (`mean we are` /
# `selfish. It just means`): those words are stranded away from the rest of their
# sentence; half what a stranded short word costs (a matter of rhythm, not grammar).
SENTENCE_START = 0.1
HYPHEN = 0.05  # a line ending inside a hyphenated word (`well-` / `being`)
NUMBER = 0.1  # a number parted from the word after it (`10` / `km`)
EMOJI_ATTACHED = 0.3  # an emoji parted from the word it was written against
INSIDE_PHRASE = 0.5  # a break inside a Japanese or Chinese phrase (only when one is too wide)
# ...where the script changes (`ちょっとだけ` / `システム`) or after `・`: likelier a word's edge.
INSIDE_PHRASE_AT_EDGE = 0.3
_PHRASE_SHORT = 3  # a phrase of at most this many characters is a widow on the last line
# A bonus, not a cost: a line ending where a clause or sentence ends (after `.`, `,`,
# `;`, `、`, `。`, `،`...) reads as a phrase of its own, so a line may be a little shorter
# there; and only there may the first line be short (`linebreak.FIRST_LINE`).
CLAUSE_END = 0.06
# ...and more where a sentence ends (after `.`, `!`, `?`, `…`, `。`, `؟`...): a line that
# holds the end of one sentence and the start of the next (`selfish. It just means`)
# reads as neither.
SENTENCE_END = 0.12

# What ends a clause: Latin, CJK (full-width), Arabic and Persian, Devanagari, Ethiopic
# and Armenian stops, commas, colons and semicolons, the ellipsis; closing quote marks
# and brackets after them still end it (`said,”`).
_CLAUSE_PUNCTUATION = frozenset(
    ".,;:!?\u2026\u3001\u3002\uff0c\uff0e\uff1a\uff1b\uff01\uff1f\uff61\uff64"
    "\u060c\u061b\u061f\u06d4\u0964\u0965\u1361\u1362\u1363\u1364\u0589\u055d"
)
# ...of which these end a sentence.
_SENTENCE_PUNCTUATION = frozenset(
    ".!?\u2026\u3002\uff0e\uff01\uff1f\uff61\u061f\u06d4\u0964\u0965\u1362\u0589"
)
_SPACES_AND_CLOSERS = (
    " \u00a0\u202f\"'\u2019\u201d\u00bb\u203a)]}\uff09\uff3d\u300d\u300f\u3011\u3009\u300b"
)
# `e.g.`, `U.S.`, `J.`: a full stop that ends an abbreviation or an initial, not a clause.
_ABBREVIATION = re.compile(r"(?:\w\.){2,}|\w\.", re.UNICODE)

# Scripts written without spaces between words, broken by a dictionary (ICU).
_DICTIONARY_SCRIPTS = ((0x0E00, 0x0EFF), (0x1780, 0x17FF), (0x1000, 0x109F), (0x19E0, 0x19FF))


def _is_mark(char: str) -> bool:
    """Characters that belong to the one before them: combining marks, selectors, modifiers."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0000 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF
        or code == 0x200D
    )


def is_ideographic(char: str) -> bool:
    """CJK ideographs, kana and emoji: a line may break before or after each one."""
    return is_cjk(char) or is_emoji(char)


def is_emoji(char: str) -> bool:
    code = ord(char)
    return 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF


def _in_dictionary_script(char: str) -> bool:
    code = ord(char)
    return any(first <= code <= last for first, last in _DICTIONARY_SCRIPTS)


def _break_before(text: str, i: int) -> bool:
    prev, cur = text[i - 1], text[i]
    if cur == " " or _is_mark(cur) or cur in _GLUE or prev in _GLUE:
        return False
    if cur in NO_LINE_START:
        return False
    if prev == " ":
        # `« mot »`: no break after an opening bracket even across a space.
        j = i - 1
        while j >= 0 and text[j] == " ":
            j -= 1
        return j < 0 or text[j] not in NO_LINE_END
    if prev in NO_LINE_END:
        return False
    if is_ideographic(prev) or is_ideographic(cur):
        return True
    # After a dash or hyphen between words (`well-being`, `this—that`).
    return prev in _DASHES and cur.isalnum() and i >= 2 and text[i - 2].isalnum()


def segments(text: str) -> list[str]:
    """Unbreakable pieces of `text`, each keeping its trailing spaces; they join back to it.

    The finest pieces: every place a line may break, whatever it costs."""
    return list(breaks(text).finest.pieces)


@dataclass(frozen=True)
class Pieces:
    """`text` cut where lines may break, with what each break and each lone piece costs."""

    pieces: tuple[str, ...]  # each keeps its trailing spaces; they join back to the text
    penalties: tuple[float, ...]  # of a line break after pieces[i] (one fewer than pieces)
    lone: tuple[float, ...]  # of pieces[i] alone on a line
    bonus: tuple[float, ...] = ()  # of a line break after pieces[i] (a clause's end); () none
    # of pieces[i] alone on a line but the last (a Japanese or Chinese phrase may stand
    # alone there: phrases are what those lines are made of); () as `lone`
    middle: tuple[float, ...] = ()


@dataclass(frozen=True)
class Breaks:
    """The pieces to break a text into: phrases first, and finer ones for when a phrase
    is wider than the box (`fine`, or None when there is nothing finer)."""

    language: str
    coarse: Pieces
    fine: Pieces | None

    @property
    def finest(self) -> Pieces:
        return self.fine or self.coarse

    def levels(self) -> tuple[Pieces, ...]:
        return (self.coarse,) if self.fine is None else (self.coarse, self.fine)

    def splitting(self, wide: frozenset[int]) -> Pieces:
        """The phrases, with only those at indices `wide` (each wider than a line) cut
        where `fine` may break them: every other phrase stays whole."""
        return _splitting(self, wide)


@functools.lru_cache(maxsize=256)
def _splitting(found: Breaks, wide: frozenset[int]) -> Pieces:
    if found.fine is None or not wide:
        return found.coarse
    coarse, fine = found.coarse, found.fine
    ends = list(itertools.accumulate(len(p) for p in coarse.pieces))
    inside = [(ends[i] - len(coarse.pieces[i]), ends[i]) for i in sorted(wide)]
    fine_ends = list(itertools.accumulate(len(p) for p in fine.pieces))[:-1]
    cost = dict(zip(fine_ends, fine.penalties, strict=True))
    coarse_ends = set(ends[:-1])
    offsets = [at for at in fine_ends if at in coarse_ends or any(a < at < b for a, b in inside)]
    return _pieces("".join(coarse.pieces), offsets, cost)


@functools.lru_cache(maxsize=512)
def breaks(text: str, language: str | None = None) -> Breaks:
    """Every size tried while fitting breaks the same text: find its breaks once."""
    language = language or detect(text)
    if not text:
        empty = Pieces((), (), (), (), ())
        return Breaks(language, empty, None)
    offsets = [i for i in range(1, len(text)) if _break_before(text, i)]
    if any(_in_dictionary_script(c) for c in text):
        offsets = sorted(set(offsets) | _dictionary_breaks(text, language))
    phrase_ends = _phrase_ends(text, language) if any(is_cjk(c) for c in text) else None
    costs = {i: _penalty(text, i, language, phrase_ends) for i in offsets}
    fine = _pieces(text, offsets, costs)
    coarse_offsets = [i for i in offsets if not _inside_phrase(text, i, phrase_ends)]
    if len(coarse_offsets) == len(offsets):
        return Breaks(language, fine, None)
    return Breaks(language, _pieces(text, coarse_offsets, costs), fine)


def _pieces(text: str, offsets: list[int], costs: dict[int, float]) -> Pieces:
    bounds = [0, *offsets, len(text)]
    pieces = tuple(text[a:b] for a, b in itertools.pairwise(bounds))
    return Pieces(
        pieces,
        tuple(costs[i] for i in offsets),
        tuple(_lone(p) for p in pieces),
        tuple(_clause_bonus(text, i) for i in offsets),
        tuple(0.0 if any(is_cjk(c) for c in p) else _lone(p) for p in pieces),
    )


def ends_clause(text: str, i: int) -> bool:
    """Whether a line break before text[i] falls where a clause or sentence ends."""
    return _clause_bonus(text, i) > 0.0


def _clause_bonus(text: str, i: int) -> float:
    """What a line break before text[i] earns: `SENTENCE_END` where a sentence ends,
    `CLAUSE_END` where a clause does, else nothing."""
    end = i
    while end > 0 and text[end - 1] in _SPACES_AND_CLOSERS:
        end -= 1
    if end == 0:
        return 0.0
    mark = text[end - 1]
    if mark in _DASHES and end < i:  # a spaced dash: `waiting \u2014` / `it is`
        return CLAUSE_END if end >= 2 and text[end - 2] == " " else 0.0
    if mark not in _CLAUSE_PUNCTUATION:
        return 0.0
    if mark == ".":
        word = text[:end].rsplit(" ", 1)[-1]
        if _ABBREVIATION.fullmatch(word) or word.lower() in _ABBREVIATIONS:
            return 0.0
    return SENTENCE_END if mark in _SENTENCE_PUNCTUATION else CLAUSE_END


# Titles and Latin abbreviations a full stop does not end a sentence after.
_ABBREVIATIONS = frozenset(("mr.", "mrs.", "ms.", "dr.", "st.", "prof.", "vs.", "cf.", "mme."))


def _lone(piece: str) -> float:
    visible = [c for c in piece if not c.isspace() and unicodedata.category(c)[0] != "P"]
    if visible and all(is_cjk(c) for c in visible) and len(visible) > _PHRASE_SHORT:
        return 0.0  # a Japanese or Chinese phrase long enough to end a paragraph
    return WIDOW


_NUMBER = re.compile(r"[0-9][0-9.,:/]*")


def _penalty(text: str, i: int, language: str, phrase_ends: frozenset[int] | None) -> float:
    """What a line break before text[i] costs."""
    prev, cur = text[i - 1], text[i]
    if _inside_phrase(text, i, phrase_ends):
        edge = prev in "\u30fb\uff65" or _kana_kanji(prev) != _kana_kanji(cur)
        return INSIDE_PHRASE_AT_EDGE if edge else INSIDE_PHRASE
    cost = 0.0
    if prev == " ":
        word = text[:i].rstrip(" ").rsplit(" ", 1)[-1]
        lowered = word.lower()
        if lowered in short_words(language) or (len(word) == 1 and word.isalpha()):
            cost += SHORT_WORD
        elif _NUMBER.fullmatch(word) and cur.isalpha():
            cost += NUMBER
        elif _starts_sentence(text, i) or _ends_sentence(text, i):
            cost += SENTENCE_START
        if cur in _DASHES and (i + 1 == len(text) or text[i + 1] == " "):
            cost += DASH_START
    elif prev in _DASHES:
        cost += HYPHEN
    elif is_emoji(cur) and prev.isalnum():
        cost += EMOJI_ATTACHED
    return cost


def _starts_sentence(text: str, i: int) -> bool:
    """Whether a break before text[i] falls one or two words into a sentence that began
    on the same line (`selfish. It just` / `means`), not at a clause's end itself."""
    if _clause_bonus(text, i):
        return False
    start = i
    for _ in range(2):
        end = len(text[:start].rstrip(" "))
        start = text.rfind(" ", 0, end) + 1  # where the word before starts
        if start == 0:
            return False
        if _clause_bonus(text, start) == SENTENCE_END:
            return True
    return False


def _ends_sentence(text: str, i: int) -> bool:
    """Whether the word at text[i] ends a sentence that goes on before it, with more text
    after it (`mean we are` / `selfish. It just means`)."""
    end = text.find(" ", i)
    return end >= 0 and not _clause_bonus(text, i) and _clause_bonus(text, end) == SENTENCE_END


def _inside_phrase(text: str, i: int, phrase_ends: frozenset[int] | None) -> bool:
    """Whether a break before text[i] falls inside a Japanese or Chinese phrase."""
    prev, cur = text[i - 1], text[i]
    if phrase_ends is None or prev == " " or i in phrase_ends:
        return False
    return is_cjk(prev) or is_cjk(cur)


def _kana_kanji(char: str) -> str:
    """Which of hiragana, katakana, Han or anything else `char` is written in."""
    code = ord(char)
    if 0x3040 <= code <= 0x309F:
        return "hiragana"
    if 0x30A0 <= code <= 0x30FF or 0xFF66 <= code <= 0xFF9F:
        return "katakana"
    if 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or code == 0x3005:
        return "han"
    return "other"


def _phrase_ends(text: str, language: str) -> frozenset[int]:
    """Offsets where BudouX ends a phrase of Japanese or Chinese."""
    ends, at = set(), 0
    for phrase in _budoux_parser(_budoux_model(text, language)).parse(text):
        at += len(phrase)
        ends.add(at)
    return frozenset(ends)


def _budoux_model(text: str, language: str) -> str:
    if any(0x3040 <= ord(c) <= 0x30FF for c in text) or primary(language) == "ja":
        return "ja"
    return "zh-Hant" if language == "zh-Hant" else "zh-Hans"


@functools.cache
def _budoux_parser(model: str) -> Any:
    import budoux  # ~0.15 s: only for text with Japanese or Chinese

    if model == "ja":
        return budoux.load_default_japanese_parser()
    if model == "zh-Hant":
        return budoux.load_default_traditional_chinese_parser()
    return budoux.load_default_simplified_chinese_parser()


def _dictionary_breaks(text: str, language: str) -> set[int]:
    """Offsets between two words of Thai, Lao, Khmer or Burmese, as ICU finds them."""
    from icu4py.breakers import LineBreaker  # only for text in those scripts

    # ICU counts UTF-16 code units: an emoji or other astral character counts two.
    index_of, units = {}, 0
    for index, char in enumerate(text):
        index_of[units] = index
        units += 2 if ord(char) > 0xFFFF else 1
    found = set()
    for unit, _ in LineBreaker(text, _icu_locale(text, language)).segments():
        start = index_of.get(unit, 0)
        if 0 < start < len(text):
            before, after = text[start - 1], text[start]
            if _in_dictionary_script(before) and _in_dictionary_script(after):
                found.add(start)
    return found


def _icu_locale(text: str, language: str) -> str:
    if primary(language) in ("th", "lo", "km", "my"):
        return primary(language)
    return detect(text)
