"""The review gallery's HTML: every card listed, escaped, counted, and written by each render."""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from cardgen.batch.plan import Project
from cardgen.batch.runner import render
from cardgen.design.platforms import BUILTIN
from cardgen.review.gallery import Counted, render_gallery, write_gallery
from tests.gallery_project import HOSTILE_AUTHOR, HOSTILE_QUOTE, HOSTILE_TITLE, make_project
from tests.helpers import run_cli

PLATFORMS = {p.id: p for p in BUILTIN}


class Page(HTMLParser):
    """Collects images, links, scripts, and the text of elements by class name."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[dict[str, str | None]] = []
        self.links: list[str | None] = []
        self.script_tags = 0
        self.cards: list[dict[str, str | None]] = []
        self.texts: dict[str, list[str]] = {}
        self._open: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "img":
            self.images.append(attributes)
        if tag == "a":
            self.links.append(attributes.get("href"))
        if tag == "script":
            self.script_tags += 1
        if tag == "li" and "card" in (attributes.get("class") or "").split():
            self.cards.append(attributes)
        if tag not in ("img", "meta", "link", "br", "input"):
            self._open.append((tag, attributes.get("class")))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, classes in self._open:
            for name in (classes or "").split():
                self.texts.setdefault(name, []).append(data)

    def text_of(self, class_name: str) -> str:
        return "".join(self.texts.get(class_name, []))


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    root = tmp_path_factory.mktemp("project")
    make_project(root)
    report = render(None, out=root / "out", project=Project.open(root))
    return root / "out", report.cards


def test_every_render_writes_a_gallery_listing_every_card(
    hostile_run: tuple[Path, list[dict[str, Any]]],
) -> None:
    out, cards = hostile_run
    page = parse((out / "index.html").read_text(encoding="utf-8"))
    assert len(page.cards) == len(page.images) == len(cards) == 12
    by_path = {c["path"]: c for c in cards}
    for item, image in zip(page.cards, page.images, strict=True):
        card = by_path[str(item["data-path"])]
        assert (out / card["path"]).is_file()
        # A small WebP named by the card's hash stands in for the card, loaded lazily.
        assert image["src"] == f".cardgen/thumbs/{card['sha256']}.webp"
        assert image["loading"] == "lazy"
        with Image.open(out / str(image["src"])) as thumb:
            assert thumb.format == "WEBP" and max(thumb.size) <= 360
            assert thumb.width / thumb.height == pytest.approx(
                card["width"] / card["height"], rel=0.02
            )
        # True size in the attributes: the browser keeps the aspect ratio before loading.
        assert (image["width"], image["height"]) == (str(card["width"]), str(card["height"]))
        assert image["alt"] == card["alt_text"]
    assert {c["data-layout"] for c in page.cards} == {"classic", "bold"}
    meta = page.texts["meta"]
    assert sum("instagram-story" in m for m in meta) == 3
    assert "1080×1920" in page.texts["size"] and "1600×900" in page.texts["size"]
    assert "Instagram story" in page.text_of("card") and "X (Twitter) post image" in page.text_of(
        "card"
    )
    # The manifest stays the last file a render writes (scheduled jobs wait for it).
    assert (out / "manifest.json").stat().st_mtime_ns >= (out / "index.html").stat().st_mtime_ns
    assert {c["data-platform"] for c in page.cards} == {
        "instagram-square",
        "instagram-story",
        "x",
        "linkedin",
    }


@pytest.mark.parametrize("jobs", [1, 2])
def test_thumbnails_are_made_where_cards_are_drawn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """The page writer decodes no card: each thumbnail comes with its card from the drawing
    step (a worker process, or this one for --jobs 1)."""
    import cardgen.review.thumbs as thumbs

    def no_decoding(data: bytes) -> bytes:
        raise AssertionError("a card was decoded to make its thumbnail")

    monkeypatch.setattr(thumbs, "make_thumbnail", no_decoding)
    make_project(tmp_path)
    report = render(None, out=tmp_path / "out", project=Project.open(tmp_path), jobs=jobs)
    folder = tmp_path / "out" / thumbs.THUMBS_DIR
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{c['sha256']}.webp" for c in report.cards
    )


def test_markup_from_articles_and_yaml_is_text_not_html(
    hostile_run: tuple[Path, list[dict[str, Any]]],
) -> None:
    out, _ = hostile_run
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>window" not in html
    assert "<b>Sons" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "Tom &amp; Jerry" in html
    page = parse(html)
    assert page.script_tags == 1  # only the page's own script
    assert HOSTILE_QUOTE in page.text_of("said")
    assert HOSTILE_AUTHOR in page.text_of("by")
    assert HOSTILE_TITLE in page.text_of("by")
    # Selections refuse non-web URLs; a hand-edited manifest's javascript: URL is no link.
    assert not [h for h in page.links if h and "javascript" in h.lower()]
    edited = _record(source={"title": "T", "author": "A", "url": "javascript:window.__pwned = 4"})
    edited_page = parse(render_gallery([edited], PLATFORMS))
    assert not [h for h in edited_page.links if h and "javascript" in h.lower()]
    assert edited_page.script_tags == 1


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"),
        min_size=1,
        max_size=60,
    )
    | st.sampled_from(["<script>alert(1)</script>", '"&amp;"', "</p><p>", "{{ 7*7 }}", "&#60;"])
)
def test_any_quote_round_trips_as_text(text: str) -> None:
    record = _record(text=text, caption=f"\u201c{text}\u201d", alt_text=text)
    page = parse(render_gallery([record], PLATFORMS))
    assert page.text_of("said").strip("\n ").startswith(text.strip("\n "))
    assert page.text_of("caption") == record["caption"]
    assert page.images[0]["alt"] == text
    assert page.script_tags == 1


def test_counts_against_the_platform_limit_and_warnings() -> None:
    near = _record(platform="x", caption="a" * 260, path="s/q/x.png", quote_id="near")
    over = _record(platform="x", caption="b" * 300, path="s/q2/x.png", quote_id="over")
    warned = _record(
        quote_id="warned",
        warnings=["low contrast: 2.1:1 for the attribution", {"kind": "glyph", "message": "ø"}],
    )
    page = parse(render_gallery([near, over, warned], PLATFORMS))
    counts = page.texts["count"]
    assert "260 / 280" in counts and "300 / 280" in counts
    assert "20 / 1,000" in counts  # alt text against X's alt-text limit
    html = render_gallery([near, over, warned], PLATFORMS)
    assert "count-near" in html and "count-over" in html
    warnings = page.text_of("warnings")
    assert "caption is near the limit: 260 of 280" in warnings
    assert "caption is over the limit: 300 of 280" in warnings
    assert "low contrast: 2.1:1 for the attribution" in warnings
    assert "glyph: ø" in warnings


def test_file_size_near_or_over_the_platform_limit_is_a_warning() -> None:
    records = [
        _record(quote_id="small", bytes=1_000_000),
        _record(quote_id="near", bytes=7_500_000),
        _record(quote_id="over", bytes=9_000_000),
    ]
    warnings = parse(render_gallery(records, PLATFORMS)).texts["warnings"]
    joined = "".join(warnings)
    assert "file is near the Instagram square post limit: 7.50 MB of 8 MB" in joined
    assert "file is over the Instagram square post limit: 9.00 MB of 8 MB" in joined
    assert "1.00 MB" not in joined


def test_counted_states() -> None:
    assert Counted("", 10, None).state == "ok"
    assert Counted("", 251, 280).state == "ok"
    assert Counted("", 252, 280).state == "near"
    assert Counted("", 280, 280).state == "near"
    assert Counted("", 281, 280).state == "over"
    assert Counted("", 100, 280).state == "ok"


def test_cards_are_grouped_by_quote_then_platform_order() -> None:
    records = [
        _record(quote_id="b", platform="x", path="s/b/x.png"),
        _record(quote_id="a", platform="linkedin", path="s/a/linkedin.png"),
        _record(quote_id="a", platform="instagram-square", path="s/a/instagram-square.png"),
    ]
    page = parse(render_gallery(records, PLATFORMS))
    assert [c["data-platform"] for c in page.cards] == ["instagram-square", "linkedin", "x"]
    assert page.text_of("qid") == "abab"  # the jump list, then the groups


def test_quotes_follow_their_selection_file_and_paths_are_never_absolute(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "quotes").mkdir()
    selection = tmp_path / "quotes" / "week.yaml"
    selection.write_text(
        "article: {source: a.txt}\nquotes:\n  - id: zeta\n    find: z\n"
        "  - id: alpha\n    find: a\n  - id: mid\n    find: m\n",
        encoding="utf-8",
    )
    relative = [
        _record(quote_id=q, selection="quotes/week.yaml", path=f"w/{q}/i.png")
        for q in ("alpha", "mid", "zeta")
    ]
    page = parse(write_gallery(out, relative, PLATFORMS).read_text(encoding="utf-8"))
    assert [t for t in page.texts["qid"]][-3:] == ["zeta", "alpha", "mid"]
    # A selection given by absolute path (outside the project) shows by its name only.
    absolute = [
        _record(quote_id=q, selection=str(selection), path=f"w/{q}/i.png")
        for q in ("alpha", "mid", "zeta")
    ]
    html = write_gallery(out, absolute, PLATFORMS).read_text(encoding="utf-8")
    page = parse(html)
    assert [t for t in page.texts["qid"]][-3:] == ["zeta", "alpha", "mid"]
    assert set(page.texts["where"]) == {"week.yaml"}
    assert str(tmp_path) not in html
    # Unknown selections (no file) fall back to ids, whatever order the records come in.
    shuffled = [_record(quote_id=q, path=f"w/{q}/i.png") for q in ("b", "c", "a")]
    assert render_gallery(shuffled, PLATFORMS) == render_gallery(shuffled[::-1], PLATFORMS)


def test_search_text_covers_quote_attribution_and_ids() -> None:
    record = _record(quote_id="Seesaw-1", text="Like a SEESAW, ça va", attribution="Lara B.")
    html = render_gallery([record], PLATFORMS)
    assert 'data-search="like a seesaw, ça va lara b. seesaw-1 quotes/s.yaml"' in html


def test_gallery_is_byte_identical_for_equal_input(tmp_path: Path) -> None:
    records = [_record(), _record(quote_id="other", path="s/other/x.png", platform="x")]
    first = write_gallery(tmp_path, records, PLATFORMS).read_bytes()
    second = write_gallery(tmp_path, list(reversed(records)), PLATFORMS).read_bytes()
    assert first == second


def test_gallery_command_rebuilds_from_the_manifest(
    hostile_run: tuple[Path, list[dict[str, Any]]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, _ = hostile_run
    monkeypatch.chdir(tmp_path)
    before = (out / "index.html").read_bytes()
    (out / "index.html").unlink()
    code, stdout, stderr = run_cli("gallery", "--out", str(out))
    assert code == 0, stderr
    assert stdout.strip().endswith("index.html")
    assert (out / "index.html").read_bytes() == before


def test_gallery_command_without_a_manifest_is_a_clear_error(tmp_path: Path) -> None:
    code, _, stderr = run_cli("gallery", "--out", str(tmp_path))
    assert code == 2
    assert stderr.startswith(f"error: no manifest in {tmp_path}")
    for body in ("[1, 2]", "{not json", '{"cards": [{}]}', '{"cards": [{"selection": 1}]}'):
        (tmp_path / "manifest.json").write_text(body, encoding="utf-8")
        code, _, stderr = run_cli("gallery", "--out", str(tmp_path))
        assert code == 2, body
        assert "is not a cardgen manifest" in stderr and stderr.count("\n") == 1
        assert not (tmp_path / "index.html").exists()


def test_gallery_command_refuses_a_manifest_that_is_a_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "manifest.json")  # read as a file, it would wait for a writer forever
    code, _, stderr = run_cli("gallery", "--out", str(tmp_path))
    assert code == 2
    assert "manifest" in stderr and "FIFO" in stderr and stderr.count("\n") == 1
    assert not (tmp_path / "index.html").exists()


def _record(**overrides: Any) -> dict[str, Any]:
    platform = PLATFORMS[overrides.get("platform", "instagram-square")]
    record: dict[str, Any] = {
        "selection": "quotes/s.yaml",
        "quote_id": "q",
        "platform": platform.id,
        "layout": "classic",
        "brand": "happy-as-a-mother",
        "path": f"s/q/{platform.id}.png",
        "width": platform.width,
        "height": platform.height,
        "format": "png",
        "bytes": 1234,
        "sha256": "0" * 64,
        "text": "A quote.",
        "attribution": "Someone",
        "source": {"title": "A title", "author": "Someone", "url": "https://example.com/a"},
        "caption": "\u201cA quote.\u201d \u2014 Someone",
        "alt_text": "Quote card: A quote.",
        "status": "rendered",
        "texts": [],
    }
    record.update(overrides)
    return record


def test_manifest_and_gallery_agree(hostile_run: tuple[Path, list[dict[str, Any]]]) -> None:
    out, _ = hostile_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    page = parse((out / "index.html").read_text(encoding="utf-8"))
    assert sorted(str(c["data-path"]) for c in page.cards) == sorted(
        c["path"] for c in manifest["cards"]
    )


def test_cli_render_writes_the_gallery(in_root: Path, tmp_path: Path) -> None:
    code, _, stderr = run_cli("render", "--platform", "og", "--out", str(tmp_path))
    assert code == 0, stderr
    page = parse((tmp_path / "index.html").read_text(encoding="utf-8"))
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert len(page.images) == len(manifest["cards"]) == 8
    assert {c["data-platform"] for c in page.cards} == {"og"}
