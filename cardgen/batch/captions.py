"""Post text (caption) and alt text for a card, counted the way each platform counts.

A caption comes from a template per platform; when it is too long it sheds
hashtags (last first), then the title, then the link. The quote itself is
never cut: a quote that does not fit is an error.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import regex
import textwrap3

from cardgen.design.platforms import CAPTION_FIELDS, Platform, check_caption_template
from cardgen.errors import ContentError

DEFAULT_TEMPLATE = "\u201c{quote}\u201d{by}\n\n{title} {url}\n\n{hashtags}"
TEMPLATE_FIELDS = CAPTION_FIELDS

# twitter-text v3 configuration (twitter-text/config/v3.json): weights are in
# hundredths; these code point ranges weigh 100 (one character), everything
# else 200. An emoji sequence weighs 200 whatever its length; a URL, 23.
_X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
X_URL_LENGTH = 23
_URL = regex.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,:;!?)\]}'\u201d\u2019]")
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
    """Length as X counts it: CJK and emoji 2, most Latin 1, every URL 23."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    position = 0
    for match in _URL.finditer(text):
        total += _x_plain(text[position : match.start()]) + X_URL_LENGTH * 100
        position = match.end()
    total += _x_plain(text[position:])
    return (total + 99) // 100  # X rounds a partial weight up


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


def caption(parts: CaptionParts, platform: Platform) -> str:
    """The post text within the platform's limit: sheds hashtags, then the title, then the link."""
    template = platform.caption_template or DEFAULT_TEMPLATE
    problem = check_template(template)
    if problem:
        raise ContentError(problem, hint="fix caption_template in layouts/platforms.yaml")
    tags = tuple(dict.fromkeys(t.lstrip("#") for t in parts.hashtags if t.lstrip("#")))
    if platform.max_hashtags is not None:
        tags = tags[: platform.max_hashtags]
    limit = platform.caption_limit

    def fits(text: str) -> bool:
        return limit is None or count(text, platform) <= limit

    for kept in range(len(tags), -1, -1):
        text = fill_template(template, parts, tags[:kept])
        if fits(text):
            return text
    for shorter in (
        CaptionParts(parts.quote, parts.attribution, None, parts.url, (), parts.handle),
        CaptionParts(parts.quote, parts.attribution, None, None, (), parts.handle),
    ):
        text = fill_template(template, shorter, ())
        if fits(text):
            return text
    bare = fill_template(template, CaptionParts(parts.quote, parts.attribution, None, None, ()), ())
    raise ContentError(
        f"the caption is {count(bare, platform)} {_unit(platform)} even without hashtags, "
        f"title and link, over the {limit} {platform.name} allows",
        hint="choose a shorter quote for this platform; cardgen never cuts a quote",
    )


def alt_text(parts: CaptionParts, description: str, platform: Platform) -> str:
    """What a screen reader says: the quote, who said it, then what the card looks like."""
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
