"""The text values of a card, without Pillow: cache keys are made of them, and a fully
cached run should not pay for importing the drawing side."""

from __future__ import annotations

import functools
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cardgen.design.layouts import Brand
    from cardgen.source.quotes import LoadedSelection

# `slide`: "3/7" on a carousel's slides, empty on a single card (hiding its element).
TEMPLATE_FIELDS = (
    "quote",
    "attribution",
    "title",
    "publisher",
    "handle",
    "url",
    "author",
    "slide",
)


@dataclass(frozen=True)
class CardText:
    """The values a layout's text templates may use."""

    quote: str
    attribution: str = ""
    title: str = ""
    publisher: str = ""
    handle: str = ""
    url: str = ""
    author: str = ""
    slide: str = ""
    lang: str = ""  # the quote's language code when known; else guessed from its text

    def fill(self, template: str) -> str:
        values = {name: getattr(self, name) for name in TEMPLATE_FIELDS}
        return template.format_map(values).strip()

    def is_empty(self, template: str) -> bool:
        """True when every field the template names is empty (hide the element)."""
        names = _field_names(template)
        return bool(names) and all(not getattr(self, n) for n in names)


def card_text(
    quote: str,
    brand: Brand,
    *,
    attribution: str | None = None,
    article: LoadedSelection | None = None,
) -> CardText:
    """A card's text values: the quote and who said it, its article's title, publisher,
    address, author and language, and the brand's handle (and website, without an address)."""
    return CardText(
        quote=quote,
        attribution=attribution or "",
        title=(article and article.title) or "",
        publisher=(article and article.publisher) or "",
        handle=brand.handle or "",
        url=(article and article.url) or brand.website or "",
        author=(article and article.author) or "",
        lang=(article and article.spec.article.lang) or "",
    )


@functools.lru_cache(maxsize=256)
def _field_names(template: str) -> tuple[str, ...]:
    # A layout's few templates are asked about on every card: parsed once each.
    return tuple(f for _, f, _, _ in string.Formatter().parse(template) if f)
