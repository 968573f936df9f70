"""Markdown articles: the rendered text (no markup, link targets or images) and front matter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from cardgen.articles import Article, block_text
from cardgen.errors import InputError

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

    meta, body, _ = split_front_matter(text, shown)
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


def split_front_matter(text: str, shown: str) -> tuple[dict[str, Any], str, int]:
    """(front matter, the Markdown after it, the line where that starts).

    Front matter is a YAML block fenced by `---` lines at the very top.
    """
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return {}, text, 1
    for end in range(1, len(lines)):
        if lines[end].rstrip() in ("---", "..."):
            break
    else:
        # An opening `---` that never closes is a thematic break, not front matter.
        return {}, text, 1
    block = "\n".join(lines[1:end])
    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 2
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InputError(
            f"invalid front matter: {problem}",
            file=shown,
            line=line,
            hint="front matter between the `---` lines must be YAML",
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(
            "front matter is not a mapping of keys to values",
            file=shown,
            line=2,
            hint="write `title: ...` and `author: ...` between the `---` lines",
        )
    return data, "\n".join(lines[end + 1 :]), end + 2


def _meta_value(meta: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = meta.get(key)
        if isinstance(value, list) and value:
            names = [_meta_name(v) for v in value]
            return ", ".join(n for n in names if n) or None
        name = _meta_name(value)
        if name:
            return name
    return None


def _meta_name(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = " ".join(str(value).split())
        return text or None
    return None


def _inline_text(children: list[Any]) -> str:
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
    from cardgen.html_text import fragment_paragraphs

    return fragment_paragraphs(html)
