"""Split paragraphs into sentences: abbreviations, decimals, closing quotes, CJK and Arabic."""

from __future__ import annotations

import re

# Words whose full stop never ends a sentence (compared in lower case): titles and "e.g.".
ABBREVIATIONS = frozenset(
    """
    mr mrs ms mx dr prof sr jr st mt rev gen col capt lt sgt hon gov sen rep pres
    e.g i.e vs cf approx ca mme mmes mlle mlles mm sra srta dra dña
    """.split()  # noqa: SIM905
)
# Words whose full stop does not end a sentence when a number follows ("No. 5", "Jan. 3").
BEFORE_NUMBER = frozenset(
    """
    no nos p pp vol ch sec fig figs art n nr pág jan feb mar apr jun jul aug sep
    sept oct nov dec
    """.split()  # noqa: SIM905
)

_TERMINALS = ".!?\u2026\u203c\u2047\u2048\u2049"
_CJK_TERMINALS = "\u3002\uff01\uff1f\uff61"
_ARABIC_TERMINALS = "\u061f\u06d4"
# Closing quotes and brackets that belong to the sentence they follow.
_CLOSERS = "\"')]}\u2019\u201d\u00bb\u203a\u300d\u300f\u3011\uff09\uff63\u3009\u300b"
_END = re.compile(
    rf"(?:[{re.escape(_TERMINALS)}]+|[{_CJK_TERMINALS}{_ARABIC_TERMINALS}]+)"
    # French sets a space before the closing guillemet: « ... habitude. »
    rf"(?:[{re.escape(_CLOSERS)}]|[ \u00a0\u202f][\u00bb\u203a])*"
)
_WORD_BEFORE = re.compile(r"([^\W\d_](?:[\w.]*[^\W_])?)\.$")
_LONGEST_WORD = 64
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+$")


def split_sentences(paragraph: str) -> list[tuple[int, int]]:
    """Spans `(start, end)` of the sentences of `paragraph`, white space trimmed."""
    spans: list[tuple[int, int]] = []
    start = _skip_space(paragraph, 0)
    for match in _END.finditer(paragraph):
        end = match.end()
        if end <= start or not _ends_here(paragraph, match.start(), end):
            continue
        spans.append((start, end))
        start = _skip_space(paragraph, end)
    if start < len(paragraph):
        end = len(paragraph)
        while end > start and paragraph[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def sentences(paragraph: str) -> list[str]:
    """The sentences of `paragraph` as strings."""
    return [paragraph[a:b] for a, b in split_sentences(paragraph)]


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def _ends_here(text: str, mark: int, end: int) -> bool:
    """Whether the terminal punctuation at text[mark:end] closes a sentence."""
    marks = text[mark:end]
    if marks[0] in _CJK_TERMINALS or marks[0] in _ARABIC_TERMINALS:
        # These end a sentence with no space after, except in 「…。」と言った: a quotation
        # closed and continued by a kana particle stays one sentence.
        closed = marks[-1] in _CLOSERS
        return not (closed and end < len(text) and "\u3040" <= text[end] <= "\u309f")
    if end < len(text) and not text[end].isspace():
        return False  # "3.5", "U.S.A", "e.g.," and "wait...what" run on
    following = _skip_space(text, end)
    if following >= len(text):
        return True
    nxt = _first_letter(text, following)
    if nxt is not None and nxt.islower():
        return False  # "e.g. the", "“Why?” she asked", "simple… it takes"
    if marks.rstrip(_CLOSERS + " \u00a0\u202f") == ".":
        return not _is_abbreviation(text[: mark + 1], nxt)
    return True


def _first_letter(text: str, at: int) -> str | None:
    """The first letter or digit from `at`, skipping opening quotes and brackets."""
    for char in text[at : at + 4]:
        if char.isalnum():
            return char
        if char.isspace():
            return None
    return None


def _is_abbreviation(before: str, nxt: str | None) -> bool:
    """Whether the word ending in the full stop at the end of `before` is an abbreviation."""
    # Only the last word matters: searching the whole paragraph before every full stop
    # made long paragraphs quadratic.
    before = before[-_LONGEST_WORD:]
    match = _WORD_BEFORE.search(before)
    if match is None:
        return False
    word = match.group(1)
    if word.lower() in ABBREVIATIONS:
        return True
    if word.lower() in BEFORE_NUMBER and (nxt or "").isdigit():
        return True
    tail = before[match.start() :]
    if _INITIALS.search(tail) and len(word) <= 6 and "." in word:
        return True  # "U.S.", "J.R.R."
    # A single capital with a full stop is an initial ("J. Smith"), unless a digit follows.
    return len(word) == 1 and word.isupper() and not (nxt or "").isdigit()
