"""Post text (caption) and alt text for a card, within its platform's limits."""

from __future__ import annotations

from dataclasses import dataclass

import textwrap3

from cardgen.errors import ContentError
from cardgen.platforms import Platform


@dataclass(frozen=True)
class CaptionParts:
    quote: str
    attribution: str | None
    title: str | None
    url: str | None
    hashtags: tuple[str, ...]


def count(text: str, platform: Platform) -> int:
    """Characters as the platform counts them (plain characters for now)."""
    return len(text)


def caption(parts: CaptionParts, platform: Platform) -> str:
    """The post text; hashtags go first, then the title, when it is too long."""
    quote_line = f"\u201c{parts.quote}\u201d"
    if parts.attribution:
        quote_line += f" \u2014 {parts.attribution}"
    tags = " ".join(
        f"#{tag.lstrip('#')}" for tag in parts.hashtags[: platform.max_hashtags or None]
    )
    source = " ".join(p for p in (parts.title, parts.url) if p)
    candidates = [
        [quote_line, source, tags],
        [quote_line, parts.url or "", tags],
        [quote_line, source],
        [quote_line, parts.url or ""],
        [quote_line],
    ]
    for blocks in candidates:
        text = "\n\n".join(b for b in blocks if b)
        if platform.caption_limit is None or count(text, platform) <= platform.caption_limit:
            return text
    raise ContentError(
        f"the quote alone is {count(quote_line, platform)} characters, over the "
        f"{platform.caption_limit} {platform.name} allows in a post",
        hint="choose a shorter quote for this platform",
    )


def alt_text(parts: CaptionParts, description: str, platform: Platform) -> str:
    """What a screen reader says: the quote, who said it, then what the card looks like."""
    said = f"\u201c{parts.quote}\u201d"
    if parts.attribution:
        said += f" \u2014 {parts.attribution}"
    for text in (f"{description}: {said}", said):
        if platform.alt_limit is None or len(text) <= platform.alt_limit:
            return text
    # Shorten at a word boundary rather than cutting a word in half.
    return str(textwrap3.shorten(said, width=platform.alt_limit or len(said), placeholder="\u2026"))
