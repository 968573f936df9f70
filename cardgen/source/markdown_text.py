"""Markdown articles: the rendered text (no markup, link targets or images) and front matter."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from cardgen.errors import too_long
from cardgen.limits import MAX_FRONT_MATTER_BYTES
from cardgen.plaindata import YamlMapping, YamlValue
from cardgen.source.article_text import Article, block_text

if TYPE_CHECKING:
    from markdown_it.token import Token

# Front-matter keys that say who wrote the article and where it lives.
_META_KEYS = {
    "title": ("title",),
    "author": ("author", "authors", "by"),
    "url": ("url", "canonical_url", "link", "permalink"),
    "publisher": ("publisher", "site", "site_name", "sitename", "publication"),
}


def markdown_article(path: Path, text: str, shown: str) -> Article:
    """Parse Markdown (CommonMark + tables) into its visible paragraphs and front matter."""
    from markdown_it import MarkdownIt

    meta, body = split_front_matter(text, shown)
    parser = MarkdownIt("commonmark").enable("table")
    paragraphs: list[str] = []
    first_heading: str | None = None
    tokens = parser.parse(body)
    for i, token in enumerate(tokens):
        if token.type == "inline":
            paragraph = block_text(_inline_text(token.children or []))
            if not paragraph:
                continue
            if i and tokens[i - 1].type == "heading_open" and tokens[i - 1].tag == "h1":
                first_heading = first_heading or paragraph
            paragraphs.append(paragraph)
        elif token.type == "html_block":
            paragraphs.extend(_html_block_text(token.content))
    found = {name: _meta_value(meta, keys) for name, keys in _META_KEYS.items()}
    return Article(
        path=path,
        paragraphs=tuple(paragraphs),
        title=found["title"] or first_heading,
        author=found["author"],
        url=found["url"],
        publisher=found["publisher"],
        meta={k: v for k, v in found.items() if v},
    )


def split_front_matter(text: str, shown: str = "article") -> tuple[YamlMapping, str]:
    """(front matter, the Markdown after it).

    Front matter is a YAML block fenced by `---` lines at the very top.
    """
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return {}, text
    for end in range(1, len(lines)):
        if lines[end].rstrip() in ("---", "..."):
            break
    else:
        # An opening `---` that never closes is a thematic break, not front matter.
        return {}, text
    block = "\n".join(lines[1:end])
    if len(block) > MAX_FRONT_MATTER_BYTES:
        hint = "front matter holds a few keys such as title and author"
        raise too_long("front matter", len(block), MAX_FRONT_MATTER_BYTES, shown, hint)
    try:
        data = _load(block)
    except (yaml.YAMLError, ValueError, RecursionError):
        # Site generators are lenient with front matter (Jekyll posts often are not strict
        # YAML); the article is the body, so read what top-level `key: value` lines we can.
        data = _loose_front_matter(lines[1:end])
    if not isinstance(data, dict):
        data = {}
    return data, "\n".join(lines[end + 1 :])


def _loose_front_matter(lines: list[str]) -> YamlMapping:
    data: YamlMapping = {}
    for line in lines:
        key, sep, value = line.partition(":")
        if not sep or not key or key[0].isspace() or not key.strip().isidentifier():
            continue
        try:
            data[key.strip()] = _load(value)
        except (yaml.YAMLError, ValueError, RecursionError):
            data[key.strip()] = value.strip()
    return data


def _load(text: str) -> YamlValue:
    """YAML with every scalar a string: only names are read from front matter, so a
    `date: 2024-02-30` (no such day) or a huge integer has nothing to fail on."""
    data: YamlValue = yaml.load(text, Loader=yaml.BaseLoader)
    return data


def _meta_value(meta: YamlMapping, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = meta.get(key)
        if isinstance(value, list) and value:
            names = [_meta_name(v) for v in value]
            return ", ".join(n for n in names if n) or None
        name = _meta_name(value)
        if name:
            return name
    return None


def _meta_name(value: YamlValue) -> str | None:
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = " ".join(str(value).split())
        return text or None
    return None


def _inline_text(children: list[Token]) -> str:
    """The words a reader sees: link text without targets, no images, no raw HTML tags."""
    parts: list[str] = []
    for child in children:
        kind = child.type
        if kind == "image":
            continue  # alt text is not part of the article's prose
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts)


def _html_block_text(html: str) -> list[str]:
    """Visible text of raw HTML inside Markdown (comments and scripts dropped)."""
    from cardgen.source.html_text import fragment_paragraphs

    return fragment_paragraphs(html)
