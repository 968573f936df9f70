"""Post text (caption) and alt text for a card, counted the way each platform counts.

A caption comes from a template per platform, with the quote in the card's own
typography (curly quotes, em dashes). When it is over the platform's limit it
is shortened by one documented rule (`fitted_caption`): leave out the quote text
(the card shows it), then hashtags (last first), then the title, then the link,
with a warning saying what went: it never refuses the card.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import re
import sys
import types
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypedDict, cast

import regex
import textwrap3

from cardgen.design.platforms import Platform, check_caption_template
from cardgen.errors import ContentError

DEFAULT_TEMPLATE = "\u201c{quote}\u201d{by}\n\n{title} {url}\n\n{hashtags}"

# twitter-text v3 configuration (twitter-text/config/v3.json): weights are in
# hundredths; these code point ranges weigh 100 (one character), everything
# else 200. An emoji sequence weighs 200 whatever its length; a URL, 23. URLs
# are found by twitter-text's own extractor (bare domains such as example.co.uk
# included); its emoji extractor is ~6 ms a caption, so emoji are found here.
_X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
X_URL_LENGTH = 23
MASTODON_URL_LENGTH = 23
# Mastodon shortens only links with a scheme (its composer's counter, `urlRegex`).
_SCHEME_URL = regex.compile(r"(?i)(?<![\w/])https?://[^\s<>\"]+[^\s<>\".,:;!?)\]}'\u201d\u2019]")
_EMPTY_QUOTES = re.compile(r"[\u201c\"\u00ab\u201e\u300c]\s*[\u201d\"\u00bb\u201c\u300d]")
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3")
_GRAPHEME = regex.compile(r"\X")


@dataclass(frozen=True)
class CaptionParts:
    quote: str
    attribution: str | None
    title: str | None
    url: str | None
    hashtags: tuple[str, ...]
    handle: str | None = None


def graphemes(text: str) -> int:
    """User-perceived characters (extended grapheme clusters, UAX #29)."""
    return len(_GRAPHEME.findall(text))


def x_weighted(text: str) -> int:
    """Length as X counts it (twitter-text): CJK and emoji 2, most Latin 1, every URL 23,
    bare domains (`example.co.uk`) included."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    position = 0
    for url in _twitter_urls()(text):
        start, end = url["indices"]
        total += _x_plain(text[position:start]) + X_URL_LENGTH * 100
        position = end
    total += _x_plain(text[position:])
    return (total + 99) // 100  # X rounds a partial weight up


class _FoundUrl(TypedDict):
    """A URL as twitter-text's extractor gives it (it has no type hints)."""

    url: str
    indices: list[int]  # [start, end] in the text


@functools.cache
def _twitter_urls() -> Callable[[str], list[_FoundUrl]]:
    """twitter-text's URL extractor, without needing setuptools.

    The package's `__init__` also loads an emoji table through `pkg_resources`, which a
    Python 3.12+ venv does not have (no setuptools) and setuptools 81+ warns about on
    stderr; the URL modules need neither, so they are loaded without that `__init__`.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from twitter_text.extract_urls import extract_urls_with_indices
    except ImportError:
        found = importlib.util.find_spec("twitter_text")
        if found is None or not found.submodule_search_locations:
            raise
        package = types.ModuleType("twitter_text")
        package.__path__ = list(found.submodule_search_locations)
        sys.modules["twitter_text"] = package
        urls = importlib.import_module("twitter_text.extract_urls")
        extract_urls_with_indices = urls.extract_urls_with_indices
    return cast(Callable[[str], list[_FoundUrl]], extract_urls_with_indices)


def mastodon_length(text: str) -> int:
    """Length as Mastodon counts it: characters (code points), every http(s) link 23."""
    return len(_SCHEME_URL.sub("x" * MASTODON_URL_LENGTH, text))


def _x_plain(text: str) -> int:
    weight = 0
    for cluster in _GRAPHEME.findall(text):
        if _EMOJI.search(cluster):
            weight += 200
            continue
        for char in cluster:
            point = ord(char)
            light = any(lo <= point <= hi for lo, hi in _X_LIGHT_RANGES)
            weight += 100 if light else 200
    return weight


def count(text: str, platform: Platform) -> int:
    """Length of `text` as `platform` counts it against its caption limit."""
    if platform.caption_counting == "x-weighted":
        return x_weighted(text)
    if platform.caption_counting == "graphemes":
        return graphemes(text)
    if platform.caption_counting == "mastodon":
        return mastodon_length(text)
    return len(text)


def count_alt(text: str, platform: Platform) -> int:
    """Length of alt text as `platform` counts it (Bluesky in graphemes, others in characters)."""
    return graphemes(text) if platform.caption_counting == "graphemes" else len(text)


def _unit(platform: Platform) -> str:
    return {"x-weighted": "weighted characters", "graphemes": "graphemes"}.get(
        platform.caption_counting, "characters"
    )


def fill_template(template: str, parts: CaptionParts, hashtags: tuple[str, ...]) -> str:
    """The template with the parts filled in; empty fields leave no stray spaces or blank lines."""
    values = {
        "quote": parts.quote,
        "attribution": parts.attribution or "",
        "by": f" \u2014 {parts.attribution}" if parts.attribution else "",
        "title": parts.title or "",
        "url": parts.url or "",
        "hashtags": " ".join(f"#{tag.lstrip('#')}" for tag in hashtags),
        "handle": parts.handle or "",
    }
    text = template.format_map(values)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    # Blank lines separate paragraphs; several in a row (from empty fields) become one.
    paragraphs = "\n".join(lines).split("\n\n")
    return "\n\n".join(p.strip("\n") for p in paragraphs if p.strip()).strip()


def check_template(template: str) -> str | None:
    """An error message when `template` is not plain `{field}` text with {quote}, else None.

    (`layouts/platforms.yaml` checks templates as it loads; this guards the library.)"""
    try:
        check_caption_template(template)
    except ValueError as exc:
        return str(exc)
    return None


def as_on_card(text: str | None) -> str | None:
    """The text as the card shows it: curly quotes, em dashes, no `*emphasis*` marks."""
    from cardgen.typography.typeset import emphasis_spans, normalise_space, smarten

    if not text:
        return text
    return emphasis_spans(normalise_space(smarten(text)))[0]


def typeset_parts(parts: CaptionParts) -> CaptionParts:
    """The parts with the card's typography: what the post says matches the card."""
    return replace(
        parts,
        quote=as_on_card(parts.quote) or "",
        attribution=as_on_card(parts.attribution),
        title=as_on_card(parts.title),
    )


def caption(parts: CaptionParts, platform: Platform) -> str:
    """The post text within the platform's limit (see `fitted_caption`)."""
    return fitted_caption(parts, platform)[0]


def fitted_caption(parts: CaptionParts, platform: Platform) -> tuple[str, str | None]:
    """The post text within the platform's limit, and a warning when it had to be shortened.

    The rule, in order, each step only while the caption is still over the limit: leave out
    the quote text (the card shows it; the attribution stays), then the hashtags (last
    first), then the title, then the link; text over even then (a very low custom limit) is
    cut at a word boundary with `…`. Any shortening comes with a warning saying what went.
    """
    template = platform.caption_template or DEFAULT_TEMPLATE
    problem = check_template(template)
    if problem:
        raise ContentError(problem, hint="fix caption_template in layouts/platforms.yaml")
    parts = typeset_parts(parts)
    tags = tuple(dict.fromkeys(t.lstrip("#") for t in parts.hashtags if t.lstrip("#")))
    if platform.max_hashtags is not None:
        tags = tags[: platform.max_hashtags]
    limit = platform.caption_limit
    full = fill_template(template, parts, tags)
    if limit is None or count(full, platform) <= limit:
        return full, None
    unquoted = replace(parts, quote="")
    tries = [(unquoted, tags[:number]) for number in range(len(tags), -1, -1)]
    tries += [(replace(unquoted, title=None), ()), (replace(unquoted, title=None, url=None), ())]
    left_out = ["the quote text"]
    for shorter, kept in tries:
        text = _EMPTY_QUOTES.sub("", fill_template(template, shorter, kept)).strip()
        text = "\n".join(line.strip() for line in text.split("\n"))
        if count(text, platform) <= limit:
            break
    else:
        text = _cut(text, limit, platform)
        left_out.append("the rest cut at a word")
    if len(kept) < len(tags):
        left_out.append(f"{len(tags) - len(kept)} of {len(tags)} hashtags")
    if shorter.title is None and parts.title:
        left_out.append("the title")
    if shorter.url is None and parts.url:
        left_out.append("the link")
    note = (
        f"caption for {platform.id} is {count(full, platform)} {_unit(platform)}, over its "
        f"{limit}: shortened by leaving out {', '.join(left_out)} (the card shows the quote)"
    )
    return text, note


def _cut(text: str, limit: int, platform: Platform) -> str:
    width = limit
    while width > 1:
        shorter = str(textwrap3.shorten(text, width=width, placeholder=" \u2026"))
        if count(shorter, platform) <= limit:
            return shorter
        width -= max(1, width // 20)
    return "\u2026"


def alt_text(parts: CaptionParts, description: str, platform: Platform) -> str:
    """What a screen reader says: the quote, who said it, then what the card looks like."""
    parts = typeset_parts(parts)
    said = f"\u201c{parts.quote}\u201d"
    if parts.attribution:
        said += f" \u2014 {parts.attribution}"
    limit = platform.alt_limit
    description = description.strip().rstrip(".")
    for text in (f"{said}. {description}.", said):
        if limit is None or count_alt(text, platform) <= limit:
            return text
    # Alt text may be shortened (the image still shows the whole quote); cut
    # at a word boundary rather than in the middle of a word.
    assert limit is not None
    width = limit
    while width > 0:
        text = str(textwrap3.shorten(said, width=width, placeholder=" \u2026"))
        if text.strip(" \u2026"):
            if count_alt(text, platform) <= limit:
                return text
        else:
            # No space to break at (CJK, or one giant word): cut between graphemes.
            clusters = _GRAPHEME.findall(said)[: max(0, width - 1)]
            text = "".join(clusters).rstrip() + "\u2026"
            if count_alt(text, platform) <= limit:
                return text
        width -= max(1, width // 20)
    raise ContentError(f"alt text cannot fit in {limit} characters on {platform.name}")
