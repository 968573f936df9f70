"""Selections (quotes/*.yaml) and the proof that each quote is in its article."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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

from cardgen.errors import CardgenError, ContentError, InputError, QuoteNotFound
from cardgen.fields import Hashtag, OneLine, WebAddress
from cardgen.limits import MAX_QUOTE_CHARS, MAX_SHOWN_QUOTE_CHARS
from cardgen.source.article_text import Article
from cardgen.source.articles import load_article
from cardgen.source.attribution import Speaker, analyse, check_attribution, speaker_of
from cardgen.source.carousels import (
    CarouselDefaults,
    CarouselSpec,
    carousel_lines,
    check_carousels,
    with_defaults,
)
from cardgen.source.fetch import ensure_snapshot, is_url
from cardgen.source.invisible import find_invisible
from cardgen.source.language import check_code
from cardgen.source.matching import ArticleIndex, Located, Miss, normalise
from cardgen.yamlio import YamlDocument, display_path, read_yaml, refuse_repeated_ids, validate

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SELECTORS = ("text", "find", "paragraph")


def _no_invisible(value: str | None) -> str | None:
    problem = find_invisible(value) if value else None
    if problem:
        msg = f"{problem}: remove it, it hides or reorders what the card shows"
        raise ValueError(msg)
    return value


class ArticleRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=1)
    # One-line fields (cardgen.fields): no control, bidi or zero-width characters.
    title: OneLine | None = None
    author: OneLine | None = None
    url: WebAddress | None = None  # it goes into post text and the review page
    publisher: OneLine | None = None
    # The article's language (`en`, `fr`, `ja`, `pt-BR`): the quote mark and layout follow
    # it; guessed from each quote's text when left out.
    lang: Annotated[str, AfterValidator(check_code)] | None = None


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    layout: str | None = None
    brand: str | None = None
    platforms: list[str] | None = None
    hashtags: list[Hashtag] | None = None
    carousel: CarouselDefaults | None = None  # defaults for every entry of `carousels:`


class QuoteSpec(BaseModel):
    """One entry of `quotes:`: how to find the quote and how to show it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str  # a slug: see _slug
    text: str | None = Field(default=None, min_length=1, max_length=MAX_QUOTE_CHARS)
    find: str | None = Field(default=None, min_length=1, max_length=MAX_QUOTE_CHARS)
    paragraph: int | None = Field(default=None, ge=1)
    sentence: int | Annotated[str, StringConstraints(pattern=r"^\s*\d+\s*-\s*\d+\s*$")] | None = (
        None
    )
    attribution: OneLine | None = None
    layout: str | None = None
    brand: str | None = None
    platforms: list[str] | None = None
    hashtags: list[Hashtag] | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _slug(cls, value: object) -> object:
        if isinstance(value, str) and (len(value) > 80 or not SLUG.fullmatch(value)):
            words = re.findall(r"[a-z0-9]+", value.lower())
            better = "-".join(words)[:80].strip("-") or "quote-1"
            msg = (
                f"id {value!r} is not a slug: ids name output folders, so use lower-case "
                f"letters, digits and single hyphens, at most 80 (e.g. '{better}')"
            )
            raise ValueError(msg)
        return value

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
        given = [name for name in SELECTORS if getattr(self, name) is not None]
        if len(given) != 1:
            msg = "give exactly one of 'text', 'find' or 'paragraph'"
            raise ValueError(msg)
        if self.sentence is not None and self.paragraph is None:
            msg = "'sentence' needs 'paragraph' (the paragraph the sentence is in)"
            raise ValueError(msg)
        if self.sentence is not None and not 1 <= self.sentences[0] <= self.sentences[1]:
            msg = f"sentence {self.sentence!r}: give a number from 1, or a range like '2-3'"
            raise ValueError(msg)
        return self

    @property
    def selector(self) -> str:
        """The key that selects this quote: 'text', 'find' or 'paragraph'."""
        return next(name for name in SELECTORS if getattr(self, name) is not None)

    @property
    def sentences(self) -> tuple[int, int]:
        """The first and last sentence asked for (1-based); (1, 0) means the whole paragraph."""
        if self.sentence is None:
            return (1, 0) if self.paragraph is not None else (1, 1)
        if isinstance(self.sentence, int):
            return self.sentence, self.sentence
        first, last = self.sentence.split("-")
        return int(first), int(last)


class Selection(BaseModel):
    """The YAML file a user writes: an article and the quotes chosen from it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    article: ArticleRef
    defaults: Defaults = Defaults()
    quotes: list[QuoteSpec] = Field(min_length=1)
    carousels: list[CarouselSpec] = Field(default_factory=list)  # see source.carousels


@dataclass(frozen=True)
class Quote:
    """A verified quote: the article's own characters, and where they stand."""

    id: str  # a slug: see _slug
    text: str
    attribution: str | None
    paragraph: int  # 1-based paragraph of the article where the quote starts
    layout: str | None
    brand: str | None
    platforms: tuple[str, ...] | None
    hashtags: tuple[str, ...]
    line: int | None = None  # of the quote's selector in the selection file
    speaker: Speaker | None = None  # who speaks it, as the article tells
    warnings: tuple[str, ...] = ()  # e.g. an attribution the text contradicts


@dataclass(frozen=True)
class QuoteProblem:
    """A quote that could not be verified, kept aside when loading collects problems."""

    quote_id: str
    error: CardgenError


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
    problems: tuple[QuoteProblem, ...] = ()  # quotes left out (only when asked to collect)
    # (quote id, platform id) -> line of the platform in the file, for errors
    platform_lines: dict[tuple[str, str], int] = field(default_factory=dict)
    carousel_lines: dict[str, int] = field(default_factory=dict)  # source.carousel_lines


def load_selection(
    path: Path, *, project_root: Path | None = None, collect: bool = False
) -> LoadedSelection:
    """Read, validate and verify one selection; any problem raises a CardgenError.

    The article must lie, links resolved, inside the selection's folder or the project
    folder (`project_root`, default the current folder). With `collect`, a quote that is
    not found (or too long, or holds a hidden character) is left out and listed in
    `problems` instead, so the other quotes can still be checked or drawn.
    """
    doc = read_yaml(path)
    spec = validate(doc, Selection)
    shown = display_path(path)
    quote_ids = [quote.id for quote in spec.quotes]
    refuse_repeated_ids(
        doc,
        "quotes",
        quote_ids,
        shown,
        what="quote",
        hint="ids name output folders and must be unique in the file",
    )
    check_carousels(doc, spec.carousels, quote_ids, shown)
    if spec.defaults.carousel is not None:
        merged = with_defaults(spec.carousels, spec.defaults.carousel)
        spec = spec.model_copy(update={"carousels": merged})
    source_line = doc.line_of(("article", "source"))
    if is_url(spec.article.source):
        article_path = _snapshot(spec.article.source, path, shown, source_line)
    else:
        source = Path(spec.article.source)
        if source.is_absolute() or ".." in source.parts:
            raise InputError(
                f"article source '{spec.article.source}' must be a relative path inside the "
                "project",
                file=shown,
                line=source_line,
                key="article.source",
            )
        article_path = path.parent / source
        _check_inside(spec.article.source, path, project_root or Path.cwd(), shown, source_line)
    article = load_article(article_path, shown=display_path(article_path))
    article_index = ArticleIndex(article)
    article_shown = display_path(article_path)
    author = spec.article.author or article.author
    publisher = spec.article.publisher or article.publisher
    voices = analyse(article.paragraphs, [author or ""])
    quotes = []
    problems = []
    for i, q in enumerate(spec.quotes):
        where = doc.line_of(("quotes", i, q.selector))
        try:
            located = _verified(article_index, q, shown, where, article_shown)
        except ContentError as exc:
            if not collect:
                raise
            problems.append(QuoteProblem(q.id, exc))
            continue
        speaker = speaker_of(
            voices, (located.spans[0][0], located.spans[-1][1]), author=author, publisher=publisher
        )
        credited = q.attribution or default_attribution(speaker)
        problem = check_attribution(
            speaker, credited, voices=voices, author=author, publisher=publisher
        )
        line = doc.line_of(("quotes", i, "attribution")) if q.attribution else where
        quotes.append(
            Quote(
                id=q.id,
                text=located.text,
                attribution=credited,
                paragraph=located.paragraph,
                layout=q.layout or spec.defaults.layout,
                brand=q.brand or spec.defaults.brand,
                platforms=tuple(q.platforms or spec.defaults.platforms or ()) or None,
                hashtags=tuple(q.hashtags or spec.defaults.hashtags or ()),
                line=where,
                speaker=speaker,
                warnings=(f"{shown}:{line} quote '{q.id}' {problem}",) if problem else (),
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
        url=spec.article.url or article.url or _web_source(spec.article.source),
        publisher=publisher,
        problems=tuple(problems),
        platform_lines=_platform_lines(doc, spec),
        carousel_lines=carousel_lines(doc, spec.carousels),
    )


def _snapshot(url: str, path: Path, shown: str, line: int | None) -> Path:
    """The snapshot of a web article beside the selection, fetched once."""
    try:
        return ensure_snapshot(url, path.parent, shown=shown).html
    except InputError as exc:
        exc.file, exc.line, exc.key = shown, line, "article.source"
        raise


def _web_source(source: str) -> str | None:
    return source.strip() if is_url(source) else None


def default_attribution(speaker: Speaker) -> str | None:
    """Whom a card credits when the selection does not say: the quoted speaker if the
    article names them, the author (or publisher) for narration, else nobody."""
    return speaker.name


def _verified(
    index: ArticleIndex, q: QuoteSpec, shown: str, where: int | None, article_shown: str
) -> Located:
    located = _select(index, q)
    if isinstance(located, Miss):
        raise _not_found(located, index, shown, where, article_shown, q.id)
    if len(located.text) > MAX_SHOWN_QUOTE_CHARS:
        raise ContentError(
            f"quote '{q.id}' is {len(located.text):,} characters long, more than the "
            f"{MAX_SHOWN_QUOTE_CHARS:,} a card can show",
            file=shown,
            line=where,
            hint="select a sentence or two: `sentence:` picks some of a paragraph's",
        )
    hidden = find_invisible(located.text)
    if hidden:
        # The article's own characters go on the card: an override there would reorder it.
        raise ContentError(
            f"quote '{q.id}' as found in {article_shown} holds an {hidden}",
            file=shown,
            line=where,
            hint="remove the character from the article",
        )
    return located


def _platform_lines(doc: YamlDocument, spec: Selection) -> dict[tuple[str, str], int]:
    """Where each quote's platforms are written (its own list, else `defaults.platforms`)."""
    line_of = doc.line_of
    lines: dict[tuple[str, str], int] = {}
    for i, q in enumerate(spec.quotes):
        path: tuple[str | int, ...] = ("quotes", i, "platforms")
        names = q.platforms
        if names is None:
            path, names = ("defaults", "platforms"), spec.defaults.platforms
        for j, name in enumerate(names or ()):
            line = line_of((*path, j))
            if line is not None:
                lines[(q.id, name)] = line
    return lines


def _check_inside(
    source: str, selection: Path, project: Path, shown: str, line: int | None
) -> None:
    """A link must not take the article outside the project: its text would go on cards,
    into post text and captions.csv (think of a link to a credentials file)."""
    try:
        real = (selection.parent / source).resolve()
    except (OSError, RuntimeError):  # a loop of links
        raise InputError(
            "article source is a loop of symbolic links",
            file=shown,
            line=line,
            key="article.source",
        ) from None
    homes = (selection.resolve().parent, project.resolve())
    if not any(real.is_relative_to(home) for home in homes):
        # `source:` has no `..` and is relative: only a symbolic link can lead out.
        raise InputError(
            f"article source '{source}' is a link to a file outside the project folder",
            file=shown,
            line=line,
            key="article.source",
            hint="copy the article into the project instead of linking to it",
        )


def _select(index: ArticleIndex, spec: QuoteSpec) -> Located | Miss:
    if spec.text is not None:
        return index.select_text(spec.text)
    if spec.find is not None:
        return index.select_find(spec.find)
    first, last = spec.sentences
    return index.select_paragraph(spec.paragraph or 1, first, last)


def _not_found(
    miss: Miss,
    index: ArticleIndex,
    shown: str,
    line: int | None,
    article_shown: str,
    quote_id: str,
) -> QuoteNotFound:
    """`quote 'x' not found in a.txt; closest passage (93%) at paragraph 14: "..."`."""
    if miss.reason is not None:
        message = f"quote '{quote_id}' {miss.reason.format(article=article_shown)}"
        return QuoteNotFound(message, file=shown, line=line)
    wanted = miss.wanted or ""
    part = ""
    if miss.fragment is not None:
        number, count = miss.fragment
        part = f" (fragment {number} of {count}: {_clip(wanted.strip(), 60)!r})"
    detail = ""
    closest = index.closest(wanted)
    if closest is not None:
        passage = _whole_words(index.article.paragraphs[closest.paragraph - 1], closest.passage)
        detail = (
            f"; closest passage ({closest.score:.0f}%) at paragraph {closest.paragraph}: "
            f'"{_clip(passage, 160)}"'
        )
        diff = word_diff(wanted.strip(), passage)
        if diff:
            detail += f"; differs: {diff}"
    return QuoteNotFound(
        f"quote '{quote_id}'{part} not found in {article_shown}{detail}", file=shown, line=line
    )


def word_diff(quote: str, passage: str, context: int = 2) -> str:
    """The words of `quote` against the article's `passage`, on one line:
    `… we [-are-] {+were+} selfish …` ([-the article's words-] {+the quote's+}).

    Words compare as the matcher does (curly and straight quotes equal, dashes equal);
    article words before or after the quote are left out; "" when no word differs.
    """
    import difflib

    article, typed = _TOKEN.findall(passage), _TOKEN.findall(quote)
    keys_a = [normalise(w)[0] for w in article]
    keys_b = [normalise(w)[0] for w in typed]
    ops = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False).get_opcodes()
    if ops and ops[0][0] == "delete":
        ops = ops[1:]  # the passage runs on before the quote starts
    if ops and ops[-1][0] == "delete":
        ops = ops[:-1]
    if all(tag == "equal" for tag, *_ in ops):
        return ""
    out = ""
    for number, (tag, a0, a1, b0, b1) in enumerate(ops):
        if tag == "equal":
            words = article[a0:a1]
            head = words[:context] if number else []
            tail = words[-context:] if number < len(ops) - 1 else []
            if len(words) > len(head) + len(tail) + 1:  # never "…" for a single word
                words = [*head, "\u2026", *tail]
            for word in words:
                glued = not _WORDLIKE.match(word) and word != "\u2026"
                out += word if glued and out else " " + word
            continue
        if a1 > a0:
            out += " [-" + _joined(article[a0:a1]) + "-]"
        if b1 > b0:
            out += " {+" + _joined(typed[b0:b1]) + "+}"
    return _clip(out.strip(), 240)


_TOKEN = re.compile(r"[\w'\u2019]+|[^\w\s]")
_WORDLIKE = re.compile(r"\w")


def _joined(tokens: list[str]) -> str:
    """Tokens as text: punctuation against the word before it."""
    out = ""
    for token in tokens:
        out += token if out and not _WORDLIKE.match(token) else " " + token
    return out.strip()


def _whole_words(paragraph: str, passage: str) -> str:
    """`passage` widened to whole words of its paragraph (the fuzzy match may cut one)."""
    at = paragraph.find(passage)
    if at < 0:
        return passage
    lo, hi = at, at + len(passage)
    while lo > 0 and not paragraph[lo - 1].isspace():
        lo -= 1
    while hi < len(paragraph) and not paragraph[hi].isspace():
        hi += 1
    return paragraph[lo:hi]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
