"""Right-to-left text: bidi embedding levels per character and the visual order of runs.

Pure functions over strings (the Unicode Bidirectional Algorithm from python-bidi);
fonts and pixels stay in `fonts`/`raster`.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence

# Formatting characters stood in for by a neutral: those rule X9 drops, and the
# isolates (RLI, LRI, FSI, PDI), which python-bidi's algorithm does not implement (it
# asserts on them): treated like the embeddings, as neutrals.
_REMOVED = frozenset(("BN", "RLE", "LRE", "RLO", "LRO", "PDF", "RLI", "LRI", "FSI", "PDI"))


_RTL_CLASSES = ("R", "AL", "RLE", "RLO", "RLI")
_NOT_RTL: set[str] = set()  # characters seen that are not right to left
_NOT_RTL_LIMIT = 20_000


@functools.lru_cache(maxsize=4096)
def has_rtl(text: str) -> bool:
    # Called for every text and line laid out (a card's quote three times): kept per text,
    # and only characters not seen before are looked up.
    unseen = set(text) - _NOT_RTL
    if any(unicodedata.bidirectional(c) in _RTL_CLASSES for c in unseen):
        return True
    if len(_NOT_RTL) > _NOT_RTL_LIMIT:
        _NOT_RTL.clear()
    _NOT_RTL.update(unseen)
    return False


def levels(text: str, base: int | None = None) -> list[int]:
    """The resolved embedding level of each character of one line (odd = right to left).

    `base` is the paragraph's direction (0 or 1) when the line is part of a longer
    text: a line of an Arabic paragraph that starts with a Latin word stays right to left.
    """
    if not has_rtl(text) and not base:
        return [0] * len(text)
    from bidi import algorithm

    # Rule X9 drops formatting characters (ZWJ in emoji, embeddings; isolates too, here);
    # keep the string's length by standing a neutral in for each, so levels stay aligned.
    text = "".join("\u00b7" if unicodedata.bidirectional(c) in _REMOVED else c for c in text)
    storage = algorithm.get_empty_storage()
    if base is None:
        base = int(algorithm.get_base_level(text))
    storage["base_level"] = base
    storage["base_dir"] = ("L", "R")[base]
    algorithm.get_embedding_levels(text, storage)
    algorithm.explicit_embed_and_overrides(storage)
    algorithm.resolve_weak_types(storage, False)
    algorithm.resolve_neutral_types(storage, False)
    algorithm.resolve_implicit_levels(storage, False)
    resolved = [int(ch["level"]) for ch in storage["chars"]]
    if len(resolved) != len(text):  # a character the algorithm still dropped: stay safe
        return [base] * len(text)
    # Rule L1: trailing white space takes the paragraph level.
    for i in range(len(text) - 1, -1, -1):
        if not text[i].isspace():
            break
        resolved[i] = base
    return resolved


def base_level(text: str) -> int:
    """0 when the first strong character is left to right (or there is none), else 1."""
    if not has_rtl(text):
        return 0
    from bidi import algorithm

    return int(algorithm.get_base_level(text))


def visual_order(run_levels: Sequence[int]) -> list[int]:
    """Indices of runs (in logical order, one level each) in left-to-right display order.

    Rule L2: from the highest level down to the lowest odd one, reverse every
    maximal sequence of runs at that level or higher.
    """
    order = list(range(len(run_levels)))
    if not run_levels:
        return order
    highest = max(run_levels)
    lowest_odd = min((lv for lv in run_levels if lv % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if run_levels[order[i]] >= level:
                j = i
                while j < len(order) and run_levels[order[j]] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return order
