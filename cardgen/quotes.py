"""Selections (quotes/*.yaml) and the proof that each quote is in its article."""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from cardgen.articles import Article, load_article
from cardgen.errors import ContentError, InputError, QuoteNotFound
from cardgen.invisible import find_invisible
from cardgen.limits import MAX_QUOTE_CHARS
from cardgen.yamlio import display_path, read_yaml, validate

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]


def _no_invisible(value: str | None) -> str | None:
    problem = find_invisible(value) if value else None
    if problem:
        msg = f"{problem}: remove it, it hides or reorders what the card shows"
        raise ValueError(msg)
    return value


# Text that goes on a card as written: no hidden reordering characters.
Shown = Annotated[str, AfterValidator(_no_invisible)]


class ArticleRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=1)
    title: Shown | None = None
    author: Shown | None = None
    url: str | None = None
    publisher: Shown | None = None


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    layout: str | None = None
    brand: str | None = None
    platforms: list[str] | None = None
    hashtags: list[str] | None = None


class QuoteSpec(BaseModel):
    """One entry of `quotes:`: how to find the quote and how to show it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    text: str | None = Field(default=None, min_length=1, max_length=MAX_QUOTE_CHARS)
    find: str | None = Field(default=None, min_length=1, max_length=MAX_QUOTE_CHARS)
    attribution: Shown | None = None
    layout: str | None = None
    brand: str | None = None
    platforms: list[str] | None = None
    hashtags: list[str] | None = None

    @field_validator("text", "find")
    @classmethod
    def _visible(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not value.strip():
            msg = "the quote is blank"
            raise ValueError(msg)
        return _no_invisible(value)

    @model_validator(mode="after")
    def _one_selector(self) -> QuoteSpec:
        given = [name for name in ("text", "find") if getattr(self, name) is not None]
        if len(given) != 1:
            msg = "give exactly one of 'text' or 'find'"
            raise ValueError(msg)
        return self


class Selection(BaseModel):
    """The YAML file a user writes: an article and the quotes chosen from it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    article: ArticleRef
    defaults: Defaults = Defaults()
    quotes: list[QuoteSpec] = Field(min_length=1)


@dataclass(frozen=True)
class Quote:
    """A verified quote: the article's own characters, and where they stand."""

    id: str
    text: str
    attribution: str | None
    paragraph: int  # 1-based paragraph of the article where the quote starts
    layout: str | None
    brand: str | None
    platforms: tuple[str, ...] | None
    hashtags: tuple[str, ...]


@dataclass(frozen=True)
class LoadedSelection:
    """A selection file, its article and its verified quotes."""

    path: Path
    name: str  # the file's stem: names the output folder
    spec: Selection
    article: Article
    quotes: tuple[Quote, ...]
    title: str | None
    author: str | None
    url: str | None
    publisher: str | None


def load_selection(path: Path) -> LoadedSelection:
    """Read, validate and verify one selection; any problem raises a CardgenError."""
    doc = read_yaml(path)
    spec = validate(doc, Selection)
    shown = display_path(path)
    seen: dict[str, int] = {}
    for index, quote in enumerate(spec.quotes):
        if quote.id in seen:
            raise InputError(
                f"duplicate quote id '{quote.id}'",
                file=shown,
                line=doc.line_of(("quotes", index, "id")),
                key=f"quotes[{index}].id",
                hint="ids name output folders and must be unique in the file",
            )
        seen[quote.id] = index
    if "://" in spec.article.source:
        raise InputError(
            f"article source '{spec.article.source}' is a URL; cardgen does not use the network",
            file=shown,
            line=doc.line_of(("article", "source")),
            key="article.source",
            hint="save the article next to the selection and give its relative path",
        )
    source = Path(spec.article.source)
    if source.is_absolute() or ".." in source.parts:
        raise InputError(
            f"article source '{spec.article.source}' must be a relative path inside the project",
            file=shown,
            line=doc.line_of(("article", "source")),
            key="article.source",
        )
    article_path = path.parent / source
    article = load_article(article_path, shown=display_path(article_path))
    article_index = ArticleIndex(article)
    quotes = []
    for i, q in enumerate(spec.quotes):
        where = doc.line_of(("quotes", i, "text" if q.text else "find"))
        span = article_index.locate(q.text or q.find or "", find=q.text is None)
        if span is None:
            raise _not_found(
                q.text or q.find or "",
                article_index,
                shown,
                where,
                display_path(article_path),
                q.id,
            )
        start, end = span
        text = article.text[start:end]
        hidden = find_invisible(text)
        if hidden:
            # The article's own characters go on the card: an override there would reorder it.
            raise ContentError(
                f"quote '{q.id}' as found in {display_path(article_path)} holds an {hidden}",
                file=shown,
                line=where,
                hint="remove the character from the article",
            )
        quotes.append(
            Quote(
                id=q.id,
                text=text,
                attribution=q.attribution or spec.article.author or article.author,
                paragraph=article.text.count("\n\n", 0, start) + 1,
                layout=q.layout or spec.defaults.layout,
                brand=q.brand or spec.defaults.brand,
                platforms=tuple(q.platforms or spec.defaults.platforms or ()) or None,
                hashtags=tuple(q.hashtags or spec.defaults.hashtags or ()),
            )
        )
    return LoadedSelection(
        path=path,
        name=path.stem,
        spec=spec,
        article=article,
        quotes=tuple(quotes),
        title=spec.article.title or article.title,
        author=spec.article.author or article.author,
        url=spec.article.url or article.url,
        publisher=spec.article.publisher or article.publisher,
    )


# Characters that are the same for matching: typographic variants of one mark.
_EQUIVALENT = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "\u2014",
        "\u2012": "\u2014",
        "\u2015": "\u2014",
    }
)


def normalise(text: str) -> tuple[str, list[int]]:
    """Text for matching, and for each of its characters the index it came from.

    NFC, quote and dash variants folded, `--` read as a dash, every run of
    white space one space (no-break spaces and line breaks included).
    """
    text = unicodedata.normalize("NFC", text)
    out: list[str] = []
    origin: list[int] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace() or char in "\u200b\ufeff":
            j = i
            while j < len(text) and (text[j].isspace() or text[j] in "\u200b\ufeff"):
                j += 1
            if out and out[-1] != " ":
                out.append(" ")
                origin.append(i)
            i = j
            continue
        if text.startswith("--", i):
            out.append("\u2014")
            origin.append(i)
            i += 2
            continue
        out.append(char.translate(_EQUIVALENT))
        origin.append(i)
        i += 1
    if out and out[-1] == " ":
        out.pop()
        origin.pop()
    return "".join(out), origin


_SENTENCE_END = re.compile(
    r"[.!?\u2026\u3002\uff01\uff1f\u061f][\"')\]\u201d\u2019\u300d\u300f]*(?=\s|$)"
)


class ArticleIndex:
    """An article's text normalised once, for locating many quotes in it."""

    def __init__(self, article: Article) -> None:
        self.article = article
        self.norm, self.origin = normalise(article.text)

    def _span(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span back to the article's own characters."""
        return self.origin[start], self.origin[end - 1] + 1

    def locate(self, wanted: str, *, find: bool) -> tuple[int, int] | None:
        """The article span of `wanted` (or, with `find`, of its whole sentence)."""
        needle, _ = normalise(wanted)
        if not needle:
            return None
        at = _find_words(self.norm, needle)
        if at < 0:
            return None
        start, end = at, at + len(needle)
        if find:
            start, end = self._sentence_around(start, end)
        return self._span(start, end)

    def _sentence_around(self, start: int, end: int) -> tuple[int, int]:
        """Widen a normalised span to the sentence(s) it stands in, within its paragraph."""
        text, original = self.norm, self.article.text
        o_start = original.rfind("\n\n", 0, self.origin[start])
        o_end = original.find("\n\n", self.origin[end - 1])
        p_lo = bisect.bisect_left(self.origin, o_start + 2 if o_start >= 0 else 0)
        p_hi = bisect.bisect_left(self.origin, o_end if o_end >= 0 else len(original))
        lo = p_lo
        for before in _SENTENCE_END.finditer(text, p_lo, start):
            lo = before.end()
        while lo < start and text[lo] == " ":
            lo += 1
        after = _SENTENCE_END.search(text, max(end - 1, lo), p_hi)
        hi = after.end() if after else p_hi
        while hi > lo and text[hi - 1] == " ":
            hi -= 1
        return lo, hi


def _find_words(haystack: str, needle: str) -> int:
    """First match of `needle` that starts and ends on word boundaries."""
    start = 0
    while True:
        at = haystack.find(needle, start)
        if at < 0:
            return -1
        before = haystack[at - 1] if at else " "
        after_index = at + len(needle)
        after = haystack[after_index] if after_index < len(haystack) else " "
        if not (_is_word(before) and _is_word(needle[0])) and not (
            _is_word(after) and _is_word(needle[-1])
        ):
            return at
        start = at + 1


def _is_word(char: str) -> bool:
    return char.isalnum() and not (0x3000 <= ord(char) <= 0x9FFF)


def _not_found(
    wanted: str,
    index: ArticleIndex,
    shown: str,
    line: int | None,
    article_shown: str,
    quote_id: str,
) -> QuoteNotFound:
    from rapidfuzz import fuzz

    needle, _ = normalise(wanted)
    best = (0.0, 0, "")
    for number, paragraph in enumerate(index.article.paragraphs, start=1):
        norm, _ = normalise(paragraph)
        alignment = fuzz.partial_ratio_alignment(needle, norm)
        if alignment is not None and alignment.score > best[0]:
            passage = norm[alignment.dest_start : alignment.dest_end]
            best = (alignment.score, number, passage)
    score, number, passage = best
    detail = ""
    if passage:
        shown_passage = passage if len(passage) <= 160 else passage[:157] + "..."
        detail = f'; closest passage ({score:.0f}%) at paragraph {number}: "{shown_passage}"'
    return QuoteNotFound(
        f"quote '{quote_id}' not found in {article_shown}{detail}",
        file=shown,
        line=line,
    )
