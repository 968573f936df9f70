"""Quotes in four languages, three formats: typography-only differences match, misquotes not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cardgen.source.articles import load_article
from cardgen.source.matching import ArticleIndex, Located, normalise

ARTICLES = Path(__file__).resolve().parent / "articles"
FORMATS = ("txt", "md", "html")

# (language, as a user types it, what the card must show: the article's own characters)
MATCHES = [
    ("en", '"A garden is a promise you keep every morning."',
     "“A garden is a promise you keep every morning.”"),
    ("en", "It isn't one--it never was.", "It isn’t one—it never was."),
    ("en", "It isn't one - it never was.", "It isn’t one—it never was."),
    ("en", "\"Don't water the leaves,\" she told me.", "“Don’t water the leaves,” she told me."),
    ("en", "The advice sounds simple... it takes years to follow.",
     "The advice sounds simple… it takes years to follow."),
    ("en", "for 3.5 years, and she still arrives", "for 3.5 years, and she still arrives"),
    ("fr", '"Le bureau n\'est pas un lieu, c\'est une habitude."',
     "« Le bureau n’est pas un lieu, c’est une habitude. »"),
    ("fr", "le calme n'est pas un luxe : c'est un outil.",
     "le calme n’est pas un luxe : c’est un outil."),
    ("fr", "Pourquoi résister au changement ? Parce qu'il fait peur !",
     "Pourquoi résister au changement ? Parce qu’il fait peur !"),
    ("ja", "なぜ続けられるのか?家族が起きる前の静けさが好きだからだ!",
     "なぜ続けられるのか？家族が起きる前の静けさが好きだからだ！"),
    ("ja", "最初は眠くて つらかった。", "最初は眠くてつらかった。"),
    ("ja", "その言葉を信じて続けている。", "その言葉を信じて続けている。"),
    ("ar", 'قال لي أستاذي: "الكتابة عضلة تقوى بالتمرين".',
     "قال لي أستاذي: «الكتابة عضلة تقوى بالتمرين»."),
    ("ar", "لم يكن الأمر سهلاً في\nالبداية.", "لم يكن الأمر سهلاً في البداية."),
    ("ar", "هل تحتاج إلى موهبة لتكتب؟ لا، تحتاج إلى صبر وانتظام!",
     "هل تحتاج إلى موهبة لتكتب؟ لا، تحتاج إلى صبر وانتظام!"),
]  # fmt: skip

# One word changed, added or dropped.
MISQUOTES = [
    ("en", "A garden is a promise you keep each morning."),
    ("en", "Patience is not just waiting; it is paying attention."),
    ("en", "Every seed you plant is a act of hope."),
    ("en", '"Don\'t water the flowers," she told me.'),
    ("fr", "La qualité du temps compte moins que sa durée."),
    ("fr", "Travailler moins longtemps, c'est très souvent travailler mieux."),
    ("fr", "Mais la peur n'empêche d'avancer."),
    ("ja", "小さな習慣が、小さな変化を生む。"),
    ("ja", "小さな習慣が、とても大きな変化を生む。"),
    ("ja", "小さな習慣が、変化を生む。"),
    ("ar", "العادات الكبيرة تصنع فرقاً كبيراً."),
    ("ar", "العادات الصغيرة تصنع فرقاً كبيراً جداً."),
    ("ar", "كل صفحة تكتبها خطوة الأمام."),
]


def index_for(language: str, fmt: str) -> ArticleIndex:
    return ArticleIndex(load_article(ARTICLES / f"{language}.{fmt}"))


def same_words(a: str, b: str) -> bool:
    """Equal up to spacing (HTML extraction turns no-break spaces into spaces)."""
    return a.split() == b.split()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("language", "typed", "shown"), MATCHES)
def test_typography_only_differences_match(language: str, typed: str, shown: str, fmt: str) -> None:
    located = index_for(language, fmt).select_text(typed)
    assert isinstance(located, Located), f"{typed!r} not found in {language}.{fmt}"
    assert same_words(located.text, shown)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("language", "misquote"), MISQUOTES)
def test_misquotes_are_rejected(language: str, misquote: str, fmt: str) -> None:
    assert not isinstance(index_for(language, fmt).select_text(misquote), Located)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("language", "phrase", "sentence"),
    [
        ("en", "weekend planters", "Most of us, e.g. the weekend planters in the U.S. and "
         "elsewhere, treat soil like a project with an end date."),
        ("en", "3.5 years", "Dr. Elena Ruiz has tended the same allotment for 3.5 years, and she "
         "still arrives before sunrise."),
        ("en", "every morning", "“A garden is a promise you keep every morning.”"),
        ("fr", "une habitude", "« Le bureau n’est pas un lieu, c’est une habitude. »"),
        ("fr", "2,5 ans", "M. Bernard travaille depuis chez lui depuis 2,5 ans."),
        ("ja", "静けさ", "家族が起きる前の静けさが好きだからだ！"),
        ("ja", "先輩", "「朝の一時間は、夜の三時間に相当する」と先輩は言った。"),
        ("ar", "صبر", "لا، تحتاج إلى صبر وانتظام!"),
        ("ar", "أستاذي", "قال لي أستاذي: «الكتابة عضلة تقوى بالتمرين»."),
    ],
)  # fmt: skip
def test_find_selects_the_sentence(language: str, phrase: str, sentence: str, fmt: str) -> None:
    located = index_for(language, fmt).select_find(phrase)
    assert isinstance(located, Located)
    assert same_words(located.text, sentence)


# --- properties ----------------------------------------------------------------------------

ALL_SENTENCES = [
    (language, fmt, index.text[a:b])
    for language in ("en", "fr", "ja", "ar")
    for fmt in FORMATS
    for index in [index_for(language, fmt)]
    for p in range(1, len(index.article.paragraphs) + 1)
    for a, b in index.sentence_spans(p)
]
BUNDLED = ArticleIndex(
    load_article(
        Path(__file__).resolve().parent.parent / "quotes/articles/overcoming-working-mom-guilt.txt"
    )
)
BUNDLED_SENTENCES = [
    BUNDLED.text[a:b]
    for p in range(1, len(BUNDLED.article.paragraphs) + 1)
    for a, b in BUNDLED.sentence_spans(p)
]
RETYPE = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00ab": '"', "\u00bb": '"',
     "\u2014": " - ", "\u2013": "-", "\u2026": "...", "\u00a0": " "}
)  # fmt: skip
WORD = re.compile(r"[^\W\d_]{2,}")


def retype(text: str) -> str:
    """As a person types it on a plain keyboard: straight quotes, ` - `, `...`, plain spaces."""
    return text.translate(RETYPE)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([("en", "txt", s) for s in BUNDLED_SENTENCES] + ALL_SENTENCES))
def test_any_sentence_retyped_is_found(case: tuple[str, str, str]) -> None:
    language, fmt, sentence = case
    index = BUNDLED if fmt == "txt" and sentence in BUNDLED.text else index_for(language, fmt)
    located = index.select_text(retype(sentence))
    assert isinstance(located, Located)
    assert normalise(located.text)[0] == normalise(sentence)[0]
    assert located.text in index.text  # the article's own characters


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(BUNDLED_SENTENCES),
    st.integers(min_value=0, max_value=10_000),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=8),
    st.sampled_from(["change", "add", "drop"]),
)
def test_any_one_word_change_is_not_found(
    sentence: str, pick: int, replacement: str, change: str
) -> None:
    words = list(WORD.finditer(sentence))
    assume(len(words) >= 3)
    target = words[pick % len(words)]
    if change == "drop":
        # Dropping a word at either end leaves a shorter but genuine quote: change interior words.
        assume(0 < pick % len(words) < len(words) - 1)
        typed = sentence[: target.start()] + sentence[target.end() :].lstrip()
    elif change == "add":
        typed = sentence[: target.start()] + replacement + " " + sentence[target.start() :]
    else:
        assume(replacement != target.group().lower())
        typed = sentence[: target.start()] + replacement + sentence[target.end() :]
    typed = retype(typed)
    assume(normalise(typed)[0] not in BUNDLED.norm)  # the change must not recreate real text
    assert not isinstance(BUNDLED.select_text(typed), Located)
