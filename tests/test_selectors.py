"""Selectors (text, find, elision, paragraph/sentence), misquote messages and `cardgen check`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from cardgen.errors import InputError, QuoteNotFound
from cardgen.source.quotes import LoadedSelection, load_selection
from tests.helpers import run_cli

ARTICLES = Path(__file__).resolve().parent / "articles"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Messages name files relative to the current folder, as a user sees them."""
    monkeypatch.chdir(tmp_path)


def selection(folder: Path, article: str, quotes: str) -> Path:
    """Write `folder/s.yaml` over a copy of tests/articles/`article`."""
    shutil.copy(ARTICLES / article, folder / article)
    path = folder / "s.yaml"
    path.write_text(f"article:\n  source: {article}\nquotes:\n{quotes}", encoding="utf-8")
    return path


def load(folder: Path, article: str, quotes: str) -> LoadedSelection:
    return load_selection(selection(folder, article, quotes))


def shown(tmp_path: Path, article: str, quote: str) -> str:
    return load(tmp_path, article, f"  - id: q\n{quote}").quotes[0].text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            "A garden is a promise you keep every morning. [...] It isn't one--it never was.",
            "A garden is a promise you keep every morning. […] It isn’t one—it never was.",
        ),
        (
            "A garden is a promise you keep every morning. […] It isn't one--it never was.",
            "A garden is a promise you keep every morning. […] It isn’t one—it never was.",
        ),
        (
            "Most of us... treat soil like a project with an end date.",
            "Most of us… treat soil like a project with an end date.",
        ),
        (
            "Most of us … treat soil like a project … an end date.",
            "Most of us … treat soil like a project … an end date.",
        ),
        ("... a small act of hope.", "… a small act of hope."),
    ],
)
def test_elisions_show_the_articles_words_and_the_cut(
    tmp_path: Path, typed: str, expected: str
) -> None:
    assert shown(tmp_path, "en.md", f"    text: {typed!r}\n".replace("'", "'")) == expected


def test_an_ellipsis_in_the_article_matches_verbatim_first(tmp_path: Path) -> None:
    text = shown(tmp_path, "en.html", "    text: The advice sounds simple... it takes years\n")
    assert text == "The advice sounds simple… it takes years"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        # The fragments exist, but not in this order.
        ("It isn't one--it never was. [...] A garden is a promise", "not in this order"),
        # The fragments are 5 paragraphs apart: not one passage.
        ("A garden is a promise [...] a small act of hope.", "within 3 paragraphs"),
        # The second fragment is a misquote: named, with the closest passage.
        (
            "A garden is a promise [...] it is paying close attention.",
            "(fragment 2 of 2: 'it is paying close attention.') not found in en.md; closest",
        ),
    ],
)
def test_bad_elisions_are_rejected(tmp_path: Path, typed: str, message: str) -> None:
    with pytest.raises(QuoteNotFound) as info:
        load(tmp_path, "en.md", f"  - id: q\n    text: {typed!r}\n".replace("'", "'"))
    assert message in info.value.one_line()


def test_paragraph_and_sentence_selectors(tmp_path: Path) -> None:
    loaded = load(
        tmp_path,
        "en.txt",
        "  - id: whole\n    paragraph: 6\n"
        "  - id: one\n    paragraph: 3\n    sentence: 3\n"
        "  - id: range\n    paragraph: 4\n    sentence: 1-2\n",
    )
    quotes = {q.id: q for q in loaded.quotes}
    assert quotes["whole"].text == (
        "Small gardens teach large lessons. Every seed you plant is a small act of hope."
    )
    assert quotes["one"].text == "Patience is not waiting; it is paying attention."
    assert quotes["range"].text == (
        "Why do we give up so easily? Because we measure growth by the week!"
    )
    assert [q.paragraph for q in loaded.quotes] == [6, 3, 4]


@pytest.mark.parametrize(
    ("quote", "error", "message"),
    [
        ("    paragraph: 40\n", QuoteNotFound, "s.yaml:5 quote 'q' asks for paragraph 40, but"),
        (
            "    paragraph: 3\n    sentence: 9\n",
            QuoteNotFound,
            "asks for sentence 9 of paragraph 3, which has 3 sentences",
        ),
        ("    find: seed\n    sentence: 2\n", InputError, "'sentence' needs 'paragraph'"),
        ("    paragraph: 3\n    sentence: 3-1\n", InputError, "sentence '3-1'"),
        ("    text: a\n    find: b\n", InputError, "exactly one of 'text', 'find' or 'paragraph'"),
    ],
)
def test_selector_errors(tmp_path: Path, quote: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as info:
        load(tmp_path, "en.txt", f"  - id: q\n{quote}")
    assert isinstance(info.value, InputError | QuoteNotFound)
    assert message in info.value.one_line()


def test_misquote_message_format(tmp_path: Path) -> None:
    quotes = (
        "  - id: hope\n    text: Every seed you plant is a small act of hope.\n"
        "  - id: seesaw\n    text: Patience is not waiting; it is paying close attention.\n"
    )
    with pytest.raises(QuoteNotFound) as info:
        load(tmp_path, "en.txt", quotes)
    assert info.value.exit_code == 1
    assert re.fullmatch(
        r"error: s\.yaml:7 quote 'seesaw' not found in en\.txt; closest passage \((9\d)%\) at "
        r'paragraph 3: "Patience is not waiting; it is paying attention\."; '
        r"differs: … is paying \{\+close\+\} attention\.",
        "error: " + info.value.one_line(),
    ), info.value.one_line()


@pytest.mark.parametrize(
    ("article", "quotes", "expected"),
    [
        ("ja.md", "  - id: a\n    find: 静けさ\n", ["家族が起きる前の静けさが好きだからだ！"]),
        (
            "ja.txt",
            "  - id: a\n    text: 最初は眠くて つらかった。\n  - id: b\n    paragraph: 5\n"
            "    sentence: 2\n",
            ["最初は眠くてつらかった。", "焦らず、毎日少しずつ進めばいい。"],
        ),
        (
            "ar.html",
            "  - id: a\n    text: 'قال لي أستاذي: \"الكتابة عضلة تقوى بالتمرين\".'\n",
            ["قال لي أستاذي: «الكتابة عضلة تقوى بالتمرين»."],
        ),
        (
            "fr.md",
            '  - id: a\n    text: "« Le bureau n\'est pas un lieu [...] une habitude. »"\n',
            ["«\u00a0Le bureau n’est pas un lieu […] une habitude.\u00a0»"],
        ),
    ],
)
def test_other_scripts_verify_through_the_library(
    tmp_path: Path, article: str, quotes: str, expected: list[str]
) -> None:
    assert [q.text for q in load(tmp_path, article, quotes).quotes] == expected


def test_other_scripts_reject_misquotes(tmp_path: Path) -> None:
    with pytest.raises(QuoteNotFound) as info:
        load(tmp_path, "ar.md", "  - id: a\n    text: العادات الكبيرة تصنع فرقاً كبيراً.\n")
    assert "closest passage" in info.value.one_line()
    assert "العادات الصغيرة تصنع فرقاً كبيراً" in info.value.one_line()


# --- cardgen check -------------------------------------------------------------------------


def project_selection(project: Path, quotes: str, article: str = "en.html") -> None:
    shutil.copy(ARTICLES / article, project / "quotes" / "articles" / article)
    (project / "quotes" / "garden.yaml").write_text(
        f"article:\n  source: articles/{article}\nquotes:\n{quotes}", encoding="utf-8"
    )


def test_check_verifies_every_selector(project_dir: Path) -> None:
    project_selection(
        project_dir,
        "  - id: hope\n    text: Every seed you plant is a small act of hope.\n"
        "  - id: planters\n    find: weekend planters\n"
        "  - id: patience\n    paragraph: 3\n    sentence: 3\n"
        "  - id: roots\n"
        '    text: "Don\'t water the leaves,\\" she told me. [...] Water the roots."\n',
    )
    code, stdout, stderr = run_cli("check")
    assert code == 0, stderr
    assert stdout.startswith("ok: 4 quotes verified")
    assert not (project_dir / "output").exists()


@pytest.mark.parametrize(
    ("quotes", "code", "message"),
    [
        (
            "  - id: hope\n    text: Every seed you plant is a tiny act of hope.\n",
            1,
            "quotes/garden.yaml:5 quote 'hope' not found in quotes/articles/en.html; "
            "closest passage (",
        ),
        (
            "  - id: hope\n    text: Small gardens.\n  - id: hope\n    text: Small gardens.\n",
            2,
            "duplicate quote id 'hope'",
        ),
        (
            "  - id: Hope Quote\n    text: Small gardens.\n",
            2,
            "quotes/garden.yaml:4 quotes[0].id: id 'Hope Quote' is not a slug",
        ),
    ],
)
def test_check_reports_problems(project_dir: Path, quotes: str, code: int, message: str) -> None:
    project_selection(project_dir, quotes)
    exit_code, _, stderr = run_cli("check")
    assert exit_code == code
    assert message in stderr
    assert "Traceback" not in stderr


def test_check_reports_a_missing_article(project_dir: Path) -> None:
    (project_dir / "quotes" / "x.yaml").write_text(
        "article: {source: articles/gone.md}\nquotes:\n  - id: a\n    text: Hi.\n"
    )
    code, _, stderr = run_cli("check")
    assert code == 2
    assert "quotes/articles/gone.md article not found" in stderr
