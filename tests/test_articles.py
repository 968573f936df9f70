"""Article loading: .txt, .md and .html give the same visible text, without boilerplate."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardgen.errors import InputError
from cardgen.source.articles import load_article
from cardgen.source.quotes import load_selection

ARTICLES = Path(__file__).resolve().parent / "articles"
LANGUAGES = ("en", "fr", "ja", "ar")
FORMATS = ("txt", "md", "html")


def body(language: str, fmt: str) -> tuple[str, ...]:
    """The article's paragraphs without its title line (present in some formats only)."""
    paragraphs = load_article(ARTICLES / f"{language}.{fmt}").paragraphs
    return tuple(p for p in paragraphs if p[-1] in ".!?。！？؟\u00bb”")


@pytest.mark.parametrize("language", LANGUAGES)
def test_three_formats_give_the_same_paragraphs(language: str) -> None:
    texts = {fmt: body(language, fmt) for fmt in FORMATS}
    # HTML collapses no-break spaces to spaces: compare the words, not the spacing.
    words = {fmt: [p.split() for p in paragraphs] for fmt, paragraphs in texts.items()}
    assert words["txt"] == words["md"] == words["html"]
    assert len(texts["txt"]) >= 4


def test_markdown_is_rendered_text() -> None:
    article = load_article(ARTICLES / "en.md")
    text = article.text
    for markup in ("**", "](", "https://", "![", "seedlings.jpg", "---", "> ", "# ", "[seed]"):
        assert markup not in text, markup
    assert "A row of seedlings" not in text  # image alt text is not prose
    assert "Every seed you plant is a small act of hope." in text
    assert "in the U.S. and elsewhere" in text  # link text stays, its target goes


def test_markdown_front_matter_gives_title_author_url() -> None:
    article = load_article(ARTICLES / "en.md")
    assert article.title == "The Quiet Work of Small Gardens"
    assert article.author == "Maya Okafor"
    assert article.url == "https://example.org/small-gardens"
    assert "title:" not in article.text
    french = load_article(ARTICLES / "fr.md")
    assert (french.author, french.publisher) == ("Camille Durand", "Les Cahiers du Travail")


def test_markdown_title_falls_back_to_first_heading(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("Intro.\n\n# The Real Title\n\nBody text here.\n")
    assert load_article(tmp_path / "a.md").title == "The Real Title"


def test_loose_front_matter_is_still_front_matter(tmp_path: Path) -> None:
    # Not strict YAML (as in many Jekyll posts): keys read line by line, never shown as text.
    (tmp_path / "a.md").write_text(
        '---\ntitle:  "Télétravail"\nintro: ># Retour\nauthor: Ana\n---\nText here.\n'
    )
    article = load_article(tmp_path / "a.md")
    assert (article.title, article.author) == ("Télétravail", "Ana")
    assert article.paragraphs == ("Text here.",)


def test_html_keeps_only_the_article_body() -> None:
    article = load_article(ARTICLES / "en.html")
    text = article.text
    boilerplate = [
        "cookies",  # cookie banner
        "Soil and compost tips",  # nav
        "Subscribe to our newsletter",  # nav
        "Track every reader",  # script
        "never miss a seed of wisdom",  # JSON-LD
        "font-family",  # style
        "Popular this week",  # sidebar
        "recycled pallets",  # sidebar
        "All rights reserved",  # footer
        "Contact the editors",  # footer
        "Ten tomatoes",  # related posts
        "Share this article",
    ]
    for phrase in boilerplate:
        assert phrase not in text, phrase
    assert "Dr. Elena Ruiz has tended the same allotment for 3.5" in text
    assert "“Don’t water the leaves,” she told me." in text  # entities decoded
    assert "It isn’t one—it never was." in text


def test_html_metadata() -> None:
    article = load_article(ARTICLES / "en.html")
    assert article.title == "The Quiet Work of Small Gardens"
    assert article.author == "Maya Okafor"
    assert article.publisher == "Greenleaf Weekly"
    assert article.url == "https://example.org/small-gardens"
    assert load_article(ARTICLES / "ja.html").author == "山田花子"


def test_yaml_values_override_the_articles_own(tmp_path: Path) -> None:
    (tmp_path / "en.md").write_bytes((ARTICLES / "en.md").read_bytes())
    (tmp_path / "s.yaml").write_text(
        "article:\n  source: en.md\n  title: My Title\nquotes:\n"
        "  - id: hope\n    text: Every seed you plant is a small act of hope.\n"
    )
    selection = load_selection(tmp_path / "s.yaml")
    assert selection.title == "My Title"
    assert selection.author == "Maya Okafor"  # not in the YAML: the article's own
    assert selection.quotes[0].attribution == "Maya Okafor"


def test_crlf_and_hard_wraps_are_joined() -> None:
    raw = (ARTICLES / "en.txt").read_bytes()
    assert b"\r\n" in raw  # the fixture really has CRLF line ends
    article = load_article(ARTICLES / "en.txt")
    assert "\r" not in article.text
    assert "and she still arrives before sunrise." in article.text


def test_bom_is_dropped() -> None:
    assert (ARTICLES / "fr.txt").read_bytes().startswith(b"\xef\xbb\xbf")
    article = load_article(ARTICLES / "fr.txt")
    assert article.paragraphs[0] == "Le télétravail à petits pas"


def test_cjk_line_breaks_add_no_space() -> None:
    for fmt in FORMATS:
        text = load_article(ARTICLES / f"ja.{fmt}").text
        assert "最初は眠くてつらかった。" in text, fmt
        assert "その言葉を信じて続けている。" in text, fmt


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.pdf", b"%PDF", "unsupported article type '.pdf'"),
        (
            "a.html",
            b"<html><head><script>var a = 1;</script></head><body></body></html>",
            "no article text found",
        ),
        ("a.txt", b"caf\xe9", "not UTF-8"),
    ],
)
def test_unusable_articles_are_input_errors(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError) as info:
        load_article(tmp_path / name)
    assert expected in info.value.one_line()
    assert name in info.value.one_line()


def test_markdown_raw_html_and_code(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        'Intro line.\n\n<div class="note">Kept <b>words</b> here.</div>\n\n'
        "<!-- a comment -->\n\n<script>var hidden = 1;</script>\n\n"
        "```\ncode = not_prose()\n```\n\nInline `code` stays. Last line.\n"
    )
    assert load_article(tmp_path / "a.md").paragraphs == (
        "Intro line.",
        "Kept words here.",
        "Inline code stays. Last line.",
    )


PLAIN_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéàçüñßäö’", min_size=1, max_size=9)
PARAGRAPH = st.lists(PLAIN_WORD, min_size=1, max_size=12).map(lambda ws: " ".join(ws) + ".")


@given(st.lists(PARAGRAPH, min_size=1, max_size=6), st.integers(min_value=8, max_value=40))
def test_markdown_paragraphs_survive_wrapping_and_front_matter(
    paragraphs: list[str], width: int
) -> None:
    import textwrap

    from cardgen.source.markdown_text import markdown_article

    wrapped = "\n\n".join(textwrap.fill(p, width, break_long_words=False) for p in paragraphs)
    text = f"---\ntitle: T\n---\n\n{wrapped}\n"
    article = markdown_article(Path("a.md"), text, "a.md")
    assert list(article.paragraphs) == paragraphs
    assert article.title == "T"


@given(st.lists(PARAGRAPH, min_size=1, max_size=6))
def test_html_fragments_give_their_paragraphs(paragraphs: list[str]) -> None:
    from html import escape

    from cardgen.source.html_text import fragment_paragraphs

    html = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    assert fragment_paragraphs(html) == paragraphs


@given(st.text(max_size=300))
def test_any_markdown_loads(text: str) -> None:
    from cardgen.source.markdown_text import markdown_article

    article = markdown_article(Path("a.md"), text, "a.md")
    assert all(p and p == p.strip() for p in article.paragraphs)


@pytest.mark.parametrize("html", ["<html>", "<html><body></body></html>", "<!-- only -->", ""])
def test_odd_raw_html_in_markdown_is_no_crash(html: str) -> None:
    from cardgen.source.html_text import fragment_paragraphs

    assert fragment_paragraphs(html) == []
