"""cardgen: verified quotes from articles, rendered as branded social-media cards.

The library does everything the CLI does::

    import cardgen
    report = cardgen.render([Path("quotes/overcoming-working-mom-guilt.yaml")])

Heavy modules (Pillow, pydantic) load on first use, so `cardgen --help` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "render": "cardgen.batch",
    "check": "cardgen.batch",
    "plan": "cardgen.batch",
    "load_selections": "cardgen.batch",
    "Project": "cardgen.batch",
    "RenderReport": "cardgen.batch",
    "load_selection": "cardgen.quotes",
    "load_article": "cardgen.articles",
    "split_sentences": "cardgen.sentences",
    "suggest": "cardgen.suggest",
    "suggest_selection": "cardgen.suggest",
    "Suggestion": "cardgen.suggest",
    "ArticleIndex": "cardgen.matching",
    "normalise": "cardgen.matching",
    "load_platforms": "cardgen.platforms",
    "CardgenError": "cardgen.errors",
    "InputError": "cardgen.errors",
    "ContentError": "cardgen.errors",
}

if TYPE_CHECKING:
    from cardgen.articles import load_article
    from cardgen.batch import Project, RenderReport, check, load_selections, plan, render
    from cardgen.errors import CardgenError, ContentError, InputError
    from cardgen.matching import ArticleIndex, normalise
    from cardgen.platforms import load_platforms
    from cardgen.quotes import load_selection
    from cardgen.sentences import split_sentences
    from cardgen.suggest import Suggestion, suggest, suggest_selection

__all__ = [
    "ArticleIndex",
    "CardgenError",
    "ContentError",
    "InputError",
    "Project",
    "RenderReport",
    "Suggestion",
    "check",
    "load_article",
    "load_platforms",
    "load_selection",
    "load_selections",
    "normalise",
    "plan",
    "render",
    "split_sentences",
    "suggest",
    "suggest_selection",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    msg = f"module 'cardgen' has no attribute {name!r}"
    raise AttributeError(msg)
