"""An article's visible text: the `Article` record, and the joining of hard-wrapped lines
that the plain-text, Markdown and HTML readers share."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cardgen.source.language import is_cjk


@dataclass(frozen=True)
class Article:
    """An article's visible text: paragraphs in reading order, plus what it says of itself."""

    path: Path
    paragraphs: tuple[str, ...]
    title: str | None = None
    author: str | None = None
    url: str | None = None
    publisher: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    # What cleaning its metadata changed (control or invisible characters, a bad url).
    warnings: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def join_lines(lines: list[str]) -> str:
    """Join hard-wrapped lines with a space, except between CJK characters."""
    out = ""
    for line in lines:
        if not line:
            continue
        if out and not (is_cjk(out[-1]) and is_cjk(line[0])):
            out += " "
        out += line
    return out


def block_text(text: str) -> str:
    """One paragraph from text that may hold line breaks: lines trimmed and joined."""
    return join_lines([line.strip() for line in text.split("\n")])
