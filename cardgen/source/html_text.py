"""HTML articles: the article body only (no nav, footer, sidebar, scripts) and its metadata."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from cardgen.errors import InputError
from cardgen.source.article_text import Article, block_text

# Elements of trafilatura's XML that hold one paragraph each; `lb` is a line break.
_BLOCKS = {"p", "head", "item", "quote", "list", "cell", "row", "table", "div", "code"}
_DROP = {"script", "style", "noscript", "template", "svg", "head", "title", "meta", "link"}


def html_article(path: Path, text: str, shown: str) -> Article:
    """Extract the main text of an HTML page with trafilatura, paragraph by paragraph."""
    from trafilatura import bare_extraction

    if not text.strip():
        raise InputError("HTML article is empty", file=shown)
    document = bare_extraction(
        text,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        include_formatting=False,
        deduplicate=False,
        favor_recall=True,
    )
    body = getattr(document, "body", None) if document is not None else None
    paragraphs = tuple(_paragraphs(body)) if body is not None else ()
    if not paragraphs:
        raise InputError(
            "no article text found in the HTML page",
            file=shown,
            hint="give the page's article body, or save the article as .txt or .md",
        )
    return Article(
        path=path,
        paragraphs=paragraphs,
        title=_clean(getattr(document, "title", None)),
        author=_clean(getattr(document, "author", None)),
        url=_clean(getattr(document, "url", None)),
        publisher=_clean(getattr(document, "sitename", None)),
    )


def fragment_paragraphs(html: str) -> list[str]:
    """Visible text of an HTML fragment (raw HTML inside Markdown), one entry per block."""
    from lxml import etree
    from lxml import html as lxml_html

    if not html.strip():
        return []
    try:
        nodes = lxml_html.fragments_fromstring(html)
    except (etree.LxmlError, ValueError, AssertionError):  # lxml asserts on "<html>" alone
        return []
    out: list[str] = []
    buffer: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            buffer.append(node)
            continue
        if not isinstance(node.tag, str) or node.tag.lower() in _DROP:
            if node.tail:
                buffer.append(node.tail)
            continue
        out.extend(_paragraphs(node, tags_lower=True))
        if node.tail:
            buffer.append(node.tail)
    tail = block_text("".join(buffer))
    if tail:
        out.append(tail)
    return out


class _Node(Protocol):
    """What is read of an lxml element (lxml has no type hints)."""

    text: str | None
    tail: str | None
    tag: object  # a name, or a function for comments and processing instructions

    def __iter__(self) -> Iterator[_Node]: ...


def _paragraphs(root: _Node, *, tags_lower: bool = False) -> Iterator[str]:
    """Walk a tree: text between block elements forms a paragraph; `lb`/`br` break a line."""
    buffer: list[str] = []

    def flush() -> Iterator[str]:
        paragraph = block_text("".join(buffer))
        buffer.clear()
        if paragraph:
            yield paragraph

    def walk(element: _Node) -> Iterator[str]:
        if element.text:
            buffer.append(element.text)
        for child in element:
            tag = child.tag.lower() if isinstance(child.tag, str) else None
            if tag is None or (tag in _DROP and tags_lower):
                pass  # comments, processing instructions, scripts
            elif tag in ("lb", "br"):
                buffer.append("\n")
            elif tag in _BLOCKS or (tags_lower and tag in _HTML_BLOCKS):
                yield from flush()
                yield from walk(child)
                yield from flush()
            else:
                yield from walk(child)
            if child.tail:
                buffer.append(child.tail)

    yield from walk(root)
    yield from flush()


_HTML_BLOCKS = {
    "p", "div", "li", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6",
    "section", "article", "figure", "figcaption", "pre", "td", "th", "tr", "table", "dd", "dt",
}  # fmt: skip


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None
