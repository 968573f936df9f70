"""Quote verification: typography-insensitive, word-exact, showing the article's characters."""

from __future__ import annotations

from pathlib import Path

import pytest

from cardgen.errors import QuoteNotFound
from cardgen.source.article_text import Article
from cardgen.source.matching import ArticleIndex, normalise
from cardgen.source.quotes import load_selection

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = Article(
    path=Path("a.txt"),
    paragraphs=(
        "Intro line.",
        "Ambition doesn\u2019t mean we are selfish. It doesn\u2019t mean that we\u2019re full "
        "of ourselves. It just means that we strive for excellence.",
        "Lara describes being a working mom like a seesaw\u2014it\u2019s never going to be a "
        "perfect balance, and that\u2019s okay. Next sentence here.",
        "She said \u201cno\u00a0way\u201d today.",
    ),
)


def found(text: str, find: bool = False) -> str | None:
    index = ArticleIndex(ARTICLE)
    span = index.locate(text, find=find)
    return None if span is None else ARTICLE.text[span[0] : span[1]]


def test_straight_apostrophe_finds_curly() -> None:
    assert found("Ambition doesn't mean we are selfish.") == (
        "Ambition doesn\u2019t mean we are selfish."
    )


def test_double_dash_finds_em_dash() -> None:
    assert found("like a seesaw--it's never going") == ("like a seesaw\u2014it\u2019s never going")


def test_quotes_and_no_break_spaces() -> None:
    assert found('She said "no way" today.') == "She said \u201cno\u00a0way\u201d today."


@pytest.mark.parametrize(
    "misquote",
    [
        "Ambition doesn't mean we are greedy.",  # a word changed
        "Ambition doesn't mean that we are selfish.",  # a word added
        "Ambition doesn't mean are selfish.",  # a word dropped
        "Ambition does not mean we are selfish.",  # spelling
        "mbition doesn't mean we are selfish.",  # partial word
    ],
)
def test_misquotes_are_rejected(misquote: str) -> None:
    assert found(misquote) is None


def test_find_selects_the_whole_sentence() -> None:
    assert found("like a seesaw", find=True) == (
        "Lara describes being a working mom like a seesaw\u2014it\u2019s never going to be a "
        "perfect balance, and that\u2019s okay."
    )
    assert found("full of ourselves", find=True) == (
        "It doesn\u2019t mean that we\u2019re full of ourselves."
    )


def test_normalise_maps_back_to_the_original() -> None:
    norm, origin = normalise("a\u00a0\u00a0b--c\u201d")
    assert norm == 'a b\u2014c"'
    assert origin == [0, 1, 3, 4, 6, 7]


def test_bundled_selection_verifies() -> None:
    selection = load_selection(ROOT / "quotes" / "overcoming-working-mom-guilt.yaml")
    assert len(selection.quotes) >= 6
    by_id = {q.id: q for q in selection.quotes}
    assert by_id["ambition-not-selfish"].text == "Ambition doesn\u2019t mean we are selfish."


def test_misquote_error_shows_closest_passage(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("\n\n".join(ARTICLE.paragraphs))
    (tmp_path / "s.yaml").write_text(
        "article: {source: a.txt}\nquotes:\n  - id: seesaw\n    text: like a teeter-totter\n"
    )
    with pytest.raises(QuoteNotFound) as info:
        load_selection(tmp_path / "s.yaml")
    message = info.value.one_line()
    assert ":4 quote 'seesaw' not found in" in message
    assert "closest passage (" in message and "at paragraph 3" in message


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("work - life", "work\u2013life", True),  # a spaced hyphen typed for a dash
        ("work -- life", "work \u2014 life", True),
        ("7-8 hours", "7\u20138 hours", True),  # a range
        ("well-being", "well\u2014being", False),  # a hyphen inside a word stays a hyphen
        ("well-being", "well being", False),
        ("\u00ab\u00a0Oui\u00a0\u00bb, dit-il\u202f!", '"Oui", dit-il!', True),
        ("\u6700\u521d\n\u306f", "\u6700\u521d\u306f", True),  # CJK line break
        ("Stop?\uff01", "Stop?!", True),  # full-width forms
        ("Wait\u2026", "Wait...", True),
        ("We are here", "We are  here", True),
        ("We are here", "We\u00a0are here", True),
        ("We are here", "Weare here", False),
    ],
)
def test_normalise_equates_typography_only(a: str, b: str, same: bool) -> None:
    assert (normalise(a)[0] == normalise(b)[0]) is same
