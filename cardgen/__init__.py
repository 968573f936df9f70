"""cardgen: verified quotes from articles, rendered as branded social-media cards.

The library does everything the CLI does::

    import cardgen
    report = cardgen.render([Path("quotes/overcoming-working-mom-guilt.yaml")])

Heavy modules (Pillow, pydantic) load on first use, so `cardgen --help` stays fast.
"""

from __future__ import annotations

__version__ = "0.1.0"

_EXPORTS = {
    "render": "cardgen.batch.runner",
    "check": "cardgen.batch.plan",
    "CheckReport": "cardgen.batch.plan",
    "Problem": "cardgen.batch.plan",
    "plan": "cardgen.batch.plan",
    "load_selections": "cardgen.batch.plan",
    "Project": "cardgen.batch.plan",
    "RenderReport": "cardgen.batch.plan",
    "RenderOptions": "cardgen.batch.options",
    "load_selection": "cardgen.source.quotes",
    "load_article": "cardgen.source.articles",
    "split_sentences": "cardgen.source.sentences",
    "suggest": "cardgen.source.suggest",
    "suggest_selection": "cardgen.source.suggest",
    "Suggestion": "cardgen.source.suggest",
    "ArticleIndex": "cardgen.source.matching",
    "normalise": "cardgen.source.matching",
    "load_platforms": "cardgen.design.platforms",
    "CardgenError": "cardgen.errors",
    "InputError": "cardgen.errors",
    "ContentError": "cardgen.errors",
}

# Not `typing.TYPE_CHECKING`: importing typing (with re and enum, ~7 ms) is the longest
# moment of `cardgen`'s start-up before its entry point can catch a Ctrl-C; type
# checkers take a module's own `TYPE_CHECKING = False` alike.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from cardgen.batch.options import RenderOptions
    from cardgen.batch.plan import (
        CheckReport,
        Problem,
        Project,
        RenderReport,
        check,
        load_selections,
        plan,
    )
    from cardgen.batch.runner import render
    from cardgen.design.platforms import load_platforms
    from cardgen.errors import CardgenError, ContentError, InputError
    from cardgen.source.articles import load_article
    from cardgen.source.matching import ArticleIndex, normalise
    from cardgen.source.quotes import load_selection
    from cardgen.source.sentences import split_sentences
    from cardgen.source.suggest import Suggestion, suggest, suggest_selection

__all__ = [
    "ArticleIndex",
    "CardgenError",
    "CheckReport",
    "ContentError",
    "InputError",
    "Problem",
    "Project",
    "RenderOptions",
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


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    msg = f"module 'cardgen' has no attribute {name!r}"
    raise AttributeError(msg)
