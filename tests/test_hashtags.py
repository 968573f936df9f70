"""Hashtags: one word of letters (any script), digits and underscores, nothing else."""

from __future__ import annotations

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from cardgen.fields import Hashtag

HASHTAG = TypeAdapter(Hashtag)


@pytest.mark.parametrize(
    "tag",
    [
        "workingmoms",
        "#ambition",
        "working_moms",
        "2026",
        "café",
        "Müttern",
        "日本語",
        "مرحبا",
        "हिन्दी",
        "  padded  ",
    ],
)
def test_hashtags_that_platforms_link_whole(tag: str) -> None:
    assert HASHTAG.validate_python(tag) == tag.strip()


@pytest.mark.parametrize(
    ("tag", "why"),
    [
        ("<b>moms</b>", "'<' cannot be in one"),
        ("moms&dads", "'&' cannot be in one"),
        ("working-moms", "'-' cannot be in one"),
        ("moms.", "'.' cannot be in one"),
        ('"quoted"', "'\"' cannot be in one"),
        ("x#y", "'#' cannot be in one"),
        ("##double", "'#' cannot be in one"),
        ("moms\U0001f600", "cannot be in one"),
        ("two words", "is not a hashtag (one word"),
        ("#", "is not a hashtag (one word"),
        ("", "is not a hashtag (one word"),
        ("moms\u202e", "remove it"),  # bidi override: the one-line check speaks first
        ("moms\x1b[31m", "remove it"),
    ],
)
def test_anything_else_is_refused_with_the_reason(tag: str, why: str) -> None:
    with pytest.raises(ValidationError) as caught:
        HASHTAG.validate_python(tag)
    assert why in str(caught.value)


@given(st.text(max_size=30))
def test_what_passes_is_one_linkable_word(text: str) -> None:
    try:
        tag = HASHTAG.validate_python(text)
    except ValidationError:
        return
    word = tag.removeprefix("#")
    assert word == word.strip() and word
    # No space, markup, punctuation or symbol (as the Unicode of `regex` classifies them).
    assert not regex.search(r"[\s\p{P}\p{S}\p{C}]", word.replace("_", "")), word
