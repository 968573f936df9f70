"""`cardgen suggest`: quotable passages ranked, printed as a selection that verifies."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
import yaml

from cardgen.errors import InputError
from cardgen.source.articles import load_article
from cardgen.source.quotes import load_selection
from cardgen.source.suggest import score_passage, source_for, suggest
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = Path(__file__).resolve().parent / "articles"
BUNDLED = ROOT / "quotes" / "articles" / "overcoming-working-mom-guilt.txt"


def top(path: Path, n: int = 10) -> list[str]:
    return [s.text for s in suggest(load_article(path), n)]


def test_bundled_article_suggests_the_known_quote() -> None:
    assert "Ambition doesn’t mean we are selfish." in top(BUNDLED, 10)


@pytest.mark.parametrize("fmt", ["txt", "md", "html"])
def test_garden_article_ranks_its_aphorisms_first(fmt: str) -> None:
    best = top(ARTICLES / f"en.{fmt}", 4)
    assert "Every seed you plant is a small act of hope." in best
    assert "Patience is not waiting; it is paying attention." in best
    # Quotation marks around the whole passage are left to the card's design.
    assert "A garden is a promise you keep every morning." in best
    assert not any(text.startswith(("It ", "Because ", "But ")) for text in best[:3])


@pytest.mark.parametrize("fmt", ["txt", "md", "html"])
def test_french_article_ranks_its_statements_first(fmt: str) -> None:
    best = top(ARTICLES / f"fr.{fmt}", 3)
    assert "La qualité du temps compte plus que sa durée." in best
    assert "Travailler moins longtemps, c’est souvent travailler mieux." in best
    assert all("Voilà" not in text for text in best)  # leans on the sentence before


def test_suggestions_do_not_overlap_and_are_whole_sentences() -> None:
    found = suggest(load_article(BUNDLED), 30)
    assert len(found) == 30
    spans = sorted((s.start, s.end) for s in found)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    for s in found:
        assert s.text[0].isupper() or s.text[0] in "“\"'‘«"
        assert s.text.rstrip('”’"»)')[-1] in ".!?…"


@pytest.mark.parametrize(
    ("text", "better_than"),
    [
        ("We never stop learning together.", "This is why we never stop learning together."),
        ("We never stop learning together.", "But we never stop learning together, she said."),
        ("Our work matters to everyone around us.", "Our work matters to everyone around us"),
        ("Small habits make a big difference.", "small habits make a big difference."),
    ],
)
def test_scoring_prefers_self_contained_statements(text: str, better_than: str) -> None:
    assert score_passage(text) > score_passage(better_than)


def test_scoring_rejects_what_cannot_be_a_card() -> None:
    assert score_passage("Too short.") == 0
    assert score_passage("A heading without an end") == 0
    assert score_passage("word " * 60 + "end.") == 0  # far too long for a card
    assert score_passage("see https://example.org for more details about this topic.") == 0


def test_other_scripts_get_suggestions() -> None:
    assert "小さな習慣が、大きな変化を生む。" in " ".join(top(ARTICLES / "ja.md", 3))
    assert any("العادات الصغيرة" in text for text in top(ARTICLES / "ar.html", 3))


def test_cli_prints_a_selection_that_verifies(in_root: Path, tmp_path: Path) -> None:
    code, stdout, stderr = run_cli("suggest", "quotes/articles/overcoming-working-mom-guilt.txt")
    assert code == 0, stderr
    data = yaml.safe_load(stdout)
    assert data["article"]["source"] == "articles/overcoming-working-mom-guilt.txt"
    assert len(data["quotes"]) == 10
    assert "Ambition doesn’t mean we are selfish." in [q["text"] for q in data["quotes"]]
    # Saved where it says (quotes/), the selection loads and every quote verifies.
    saved = ROOT / "quotes" / "_suggested-test.yaml"
    try:
        saved.write_text(stdout, encoding="utf-8")
        loaded = load_selection(saved)
    finally:
        saved.unlink()
    assert [q.text for q in loaded.quotes] == [q["text"] for q in data["quotes"]]
    assert len({q.id for q in loaded.quotes}) == 10


@pytest.mark.parametrize("name", ["en.html", "fr.md", "ja.txt", "ar.md"])
def test_round_trip_next_to_the_article(tmp_path: Path, name: str) -> None:
    article = tmp_path / "articles" / name
    article.parent.mkdir()
    shutil.copy(ARTICLES / name, article)
    code, stdout, stderr = run_cli("suggest", str(article), "-n", "3", "--save-in", str(tmp_path))
    assert code == 0, stderr
    assert yaml.safe_load(stdout)["article"]["source"] == f"articles/{name}"
    (tmp_path / "s.yaml").write_text(stdout, encoding="utf-8")
    loaded = load_selection(tmp_path / "s.yaml")
    assert 1 <= len(loaded.quotes) <= 3
    if name.startswith("en"):  # metadata found in the page is filled in
        assert loaded.spec.article.author == "Maya Okafor"


def test_save_in_must_hold_the_article(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("We never stop learning from each other.\n")
    (tmp_path / "quotes").mkdir()
    with pytest.raises(InputError) as info:
        source_for(tmp_path / "a.txt", tmp_path / "quotes")
    assert "is not inside" in info.value.one_line()
    code, _, stderr = run_cli(
        "suggest", str(tmp_path / "a.txt"), "--save-in", str(tmp_path / "quotes")
    )
    assert code == 2 and "is not inside" in stderr
    code, _, stderr = run_cli("suggest", str(tmp_path / "a.txt"), "-n", "0")
    assert code == 2


def test_article_without_quotable_passages(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Title\n\n- item one\n- item two\n")
    code, _, stderr = run_cli("suggest", str(tmp_path / "a.md"))
    assert code == 2
    assert "no passage that stands on its own" in stderr
