"""Text fields of the YAML files: one visible line, web addresses, hashtags.

Titles, authors, publishers, attributions, handles, hashtags and URLs go on
cards, into post text and onto the review page. Like quotes, they may not hide
or reorder text (bidi controls, zero-width spaces), and as one-line values they
may not hold control characters or line breaks: a URL with a newline would put
whatever follows it into every post. Values are trimmed of surrounding spaces.
"""

from __future__ import annotations

from typing import Annotated

import regex
from pydantic import AfterValidator

from cardgen.errors import clipped
from cardgen.limits import MAX_FIELD_CHARS
from cardgen.source.invisible import find_unsafe, web_address_problem


def _one_line(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_FIELD_CHARS:
        msg = f"{clipped(value)} is longer than the {MAX_FIELD_CHARS:,} characters allowed"
        raise ValueError(msg)
    problem = find_unsafe(value)
    if problem:
        msg = f"{clipped(value)}: {problem}; remove it (it hides, reorders or breaks the text)"
        raise ValueError(msg)
    return value


# What platforms link as a hashtag: letters and their marks (any script), digits and
# underscores. Anything else ends the tag early in a post ("#a&b" links "#a") or is
# markup that a caption would carry into every post.
_HASHTAG_WORD = regex.compile(r"[\p{L}\p{M}\p{N}_]+")


def _hashtag(value: str) -> str:
    value = _one_line(value)
    word = value[1:] if value.startswith("#") else value
    if not word or any(char.isspace() for char in value):
        msg = f"{clipped(value)} is not a hashtag (one word, like 'workingmoms')"
        raise ValueError(msg)
    if not _HASHTAG_WORD.fullmatch(word):
        bad = next(c for c in word if not _HASHTAG_WORD.fullmatch(c))
        msg = (
            f"{clipped(value)} is not a hashtag: {bad!r} cannot be in one "
            "(letters, digits and _ only, like 'working_moms')"
        )
        raise ValueError(msg)
    return value


def _web_address(value: str) -> str:
    value = _one_line(value)
    problem = web_address_problem(value)
    if problem:
        msg = f"{clipped(value)} {problem}"
        raise ValueError(msg)
    return value


def _website(value: str) -> str:
    value = _one_line(value)
    problem = web_address_problem(value, bare_domain=True)
    if problem:
        msg = f"{clipped(value)} {problem}"
        raise ValueError(msg)
    return value


OneLine = Annotated[str, AfterValidator(_one_line)]
Hashtag = Annotated[str, AfterValidator(_hashtag)]
WebAddress = Annotated[str, AfterValidator(_web_address)]  # http:// or https:// only
Website = Annotated[str, AfterValidator(_website)]  # also a bare domain: example.com
