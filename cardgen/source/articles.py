"""Load an article (.txt, .md, .html) into its visible text, paragraph by paragraph."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from cardgen.errors import InputError, too_long
from cardgen.inputs import decode_utf8, read_input
from cardgen.limits import MAX_ARTICLE_BYTES, MAX_FIELD_CHARS, MAX_PARAGRAPH_CHARS
from cardgen.source.article_text import Article, join_lines
from cardgen.source.invisible import clean_line, web_address_problem

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")


def load_article(path: Path, *, shown: str | None = None) -> Article:
    """Read `path` and return its visible text; unreadable files raise InputError."""
    shown = shown or str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            f"unsupported article type '{suffix or path.name}'",
            file=shown,
            hint="use a .txt, .md or .html file",
        )
    raw = read_input(
        path, what="article", shown=shown, limit=MAX_ARTICLE_BYTES, hint="check `article.source`"
    )
    text = decode_text(raw, shown)
    if suffix in (".md", ".markdown"):
        from cardgen.source.markdown_text import markdown_article

        article = markdown_article(path, text, shown)
    elif suffix in (".html", ".htm"):
        from cardgen.source.html_text import html_article

        article = html_article(path, text, shown)
    else:
        article = plain_article(path, text)
    check_paragraph_lengths(article.paragraphs, shown)
    if not any(_visible(paragraph) for paragraph in article.paragraphs):
        raise InputError("article has no text", file=shown, hint="check `article.source`")
    return clean_metadata(article, shown)


def clean_metadata(article: Article, shown: str) -> Article:
    """The article's own title, author, url and publisher made safe to show, with a warning
    for each change: unlike YAML a user wrote, an article is not theirs to fix.

    Control characters and line breaks become spaces and invisible characters (bidi
    controls, zero-width spaces) are dropped; a url that is not one line of http(s) is
    left out, since it would go into every post."""
    warnings: list[str] = []
    found: dict[str, str | None] = {}
    for name in ("title", "author", "url", "publisher"):
        value = getattr(article, name)
        if value is None:
            found[name] = None
            continue
        value = value[:MAX_FIELD_CHARS]
        cleaned, problem = clean_line(value)
        if name == "url":
            problem = web_address_problem(value)
            cleaned = value if problem is None else ""
            if problem:
                warnings.append(f"{shown}: left out the article's url, which {problem}")
        elif problem:
            warnings.append(f"{shown}: removed {problem} from the article's {name}")
        found[name] = cleaned or None
    if not warnings and all(found[k] == getattr(article, k) for k in found):
        return article
    meta = {k: v for k, v in article.meta.items() if k not in found}
    meta.update({k: v for k, v in found.items() if v})
    return replace(
        article,
        title=found["title"],
        author=found["author"],
        url=found["url"],
        publisher=found["publisher"],
        meta=meta,
        warnings=(*article.warnings, *warnings),
    )


def check_paragraph_lengths(paragraphs: Iterable[str], shown: str) -> None:
    """Refuse a paragraph no card could show: matching and fitting it would take minutes."""
    for number, paragraph in enumerate(paragraphs, start=1):
        if len(paragraph) > MAX_PARAGRAPH_CHARS:
            hint = "separate paragraphs with blank lines"
            raise too_long(f"paragraph {number}", len(paragraph), MAX_PARAGRAPH_CHARS, shown, hint)


def _visible(text: str) -> bool:
    """True when some character shows: not only white space and format marks (U+200B...)."""
    return any(not c.isspace() and unicodedata.category(c) != "Cf" for c in text)


def decode_text(raw: bytes, shown: str) -> str:
    """UTF-8 (with or without BOM) with any line endings, normalised to NFC and \\n."""
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise InputError(
            f"article looks binary (a NUL byte at byte {nul:,})",
            file=shown,
            hint="give a text file",
        )
    text = decode_utf8(raw, "article", shown)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def split_paragraphs(text: str) -> tuple[str, ...]:
    """Blank lines separate paragraphs; single line breaks inside one are joined."""
    paragraphs = []
    for block in re.split(r"\n[ \t\u00a0]*\n", text):
        lines = [line.strip() for line in block.split("\n")]
        joined = join_lines([line for line in lines if line])
        if joined:
            paragraphs.append(joined)
    return tuple(paragraphs)


def plain_article(path: Path, text: str) -> Article:
    """A plain-text article: every non-blank block of lines is a paragraph."""
    return Article(path=path, paragraphs=split_paragraphs(text))
