"""Carousels: the selection's `carousels:`, their slides and their outputs per platform."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, PdfParser

from cardgen.batch.captions import count
from cardgen.batch.plan import Project
from cardgen.batch.runner import render
from cardgen.design.carousel import split_passage
from cardgen.design.platforms import BUILTIN
from cardgen.source.sentences import split_sentences
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
PLATFORMS = {p.id: p for p in BUILTIN}
PARAGRAPHS = [
    "The Garden Letters",
    "We planted the seeds in spring and waited for rain.",
    "Patience is a kind of courage that nobody applauds.",
    "Small work done daily outlasts grand plans made once.",
    "The river does not hurry, yet it reaches the sea.",
    # A long passage of short sentences: too much for one slide.
    " ".join(
        f"Sentence {n} of the long passage says one more thing about the garden and its paths."
        for n in range(1, 13)
    ),
]


def make_project(root: Path, carousels: str, *, platforms: str = "[instagram-portrait]") -> Path:
    (root / "quotes" / "articles").mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "layouts", root / "layouts", dirs_exist_ok=True)
    (root / "quotes" / "articles" / "garden.txt").write_text(
        "\n\n".join(PARAGRAPHS) + "\n", encoding="utf-8"
    )
    (root / "quotes" / "garden.yaml").write_text(
        "article:\n"
        "  source: articles/garden.txt\n"
        "  title: The Garden Letters\n"
        "  author: Ada Gardener\n"
        "  url: https://example.com/garden\n"
        "defaults:\n"
        f"  platforms: {platforms}\n"
        "  hashtags: [garden]\n"
        "quotes:\n"
        "  - id: seeds\n    paragraph: 2\n"
        "  - id: courage\n    paragraph: 3\n"
        "  - id: daily\n    paragraph: 4\n"
        "  - id: river\n    paragraph: 5\n"
        "  - id: long\n    paragraph: 6\n" + carousels,
        encoding="utf-8",
    )
    return root


CAROUSEL = """carousels:
  - id: letters
    slides: [cover, seeds, courage, daily, river, closing]
    platforms: [instagram-portrait, linkedin, x]
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    root = make_project(tmp_path_factory.mktemp("carousel"), CAROUSEL)
    render(None, out=root / "out", project=Project.open(root))
    manifest = json.loads((root / "out" / "manifest.json").read_text(encoding="utf-8"))
    return root / "out", manifest


def carousel(manifest: dict[str, Any], platform: str) -> dict[str, Any]:
    return next(c for c in manifest["carousels"] if c["platform"] == platform)


def test_instagram_gets_numbered_images_and_one_caption(
    rendered: tuple[Path, dict[str, Any]],
) -> None:
    out, manifest = rendered
    record = carousel(manifest, "instagram-portrait")
    folder = out / "garden/carousels/letters/instagram-portrait"
    assert (
        record["kind"] == "images"
        and record["path"] == "garden/carousels/letters/instagram-portrait"
    )
    names = sorted(p.name for p in folder.glob("*.png"))
    assert names == [
        "01-cover.png",
        "02-seeds.png",
        "03-courage.png",
        "04-daily.png",
        "05-river.png",
        "06-closing.png",
    ]
    assert [s["role"] for s in record["slides"]] == ["cover", *["quote"] * 4, "closing"]
    assert [s["quote_id"] for s in record["slides"][1:5]] == ["seeds", "courage", "daily", "river"]
    for slide in record["slides"]:
        with Image.open(out / slide["path"]) as image:
            assert image.size == (1080, 1350)
        assert slide["alt_text"].startswith(f"Slide {slide['index']} of 6.")
    caption = (folder / "caption.txt").read_text(encoding="utf-8").strip()
    assert caption == record["caption"] and "#garden" in caption
    assert count(caption, PLATFORMS["instagram-portrait"]) <= 2200
    with zipfile.ZipFile(out / record["zip"]) as archive:
        assert archive.namelist() == [*names, "caption.txt"]


def test_quote_slides_share_one_font_size(rendered: tuple[Path, dict[str, Any]]) -> None:
    _, manifest = rendered
    for record in manifest["carousels"]:
        sizes = {s["font_size"] for s in record["slides"] if s["role"] == "quote"}
        assert len(sizes) == 1, (record["platform"], sizes)
        assert record["quote_font_size"] == sizes.pop()


def test_linkedin_gets_one_pdf_with_its_title(rendered: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = rendered
    record = carousel(manifest, "linkedin")
    assert record["kind"] == "pdf" and record["path"].endswith("/letters.pdf")
    data = (out / record["path"]).read_bytes()
    assert record["bytes"] == len(data) < 100 * 1024 * 1024
    pdf = PdfParser.PdfParser(buf=data)
    assert len(pdf.pages) == 6
    title = pdf.info[PdfParser.PdfName(b"Title")]
    assert PdfParser.decode_text(title) == "The Garden Letters"
    assert all(s["width"] == 1080 and s["height"] == 1350 for s in record["slides"])


def test_x_gets_a_thread_counted_its_way(rendered: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = rendered
    record = carousel(manifest, "x")
    posts = [s["post"] for s in record["slides"]]
    assert [p.split(" ", 1)[0] for p in posts] == [f"{n}/6" for n in range(1, 7)]
    assert "https://example.com/garden" in posts[0]
    assert all(s["post_count"] == count(s["post"], PLATFORMS["x"]) <= 280 for s in record["slides"])
    text = (out / record["caption_file"]).read_text(encoding="utf-8")
    assert all(post in text for post in posts)
    with Image.open(out / record["slides"][0]["path"]) as image:
        assert image.size == (1600, 900)


def test_captions_csv_has_a_row_per_post(rendered: tuple[Path, dict[str, Any]]) -> None:
    out, _ = rendered
    rows = list(csv.DictReader(io.StringIO((out / "captions.csv").read_text(encoding="utf-8"))))
    ours = [r for r in rows if r["quote_id"].startswith("letters")]
    by_platform = {
        p: [r for r in ours if r["platform"] == p] for p in ("instagram-portrait", "linkedin", "x")
    }
    assert len(by_platform["instagram-portrait"]) == 1
    assert len(by_platform["linkedin"]) == 1 and by_platform["linkedin"][0]["path"].endswith(".pdf")
    assert [r["quote_id"] for r in by_platform["x"]] == [f"letters#{n:02d}" for n in range(1, 7)]


def test_review_page_shows_each_carousel_as_a_strip(rendered: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = rendered
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.count('<ol class="strip"') == 3
    assert 'href="garden/carousels/letters/linkedin/letters.pdf" download' in page
    assert "letters-instagram-portrait.zip" in page
    thumbs = re.findall(r'src="(\.cardgen/thumbs/[0-9a-f]{64}\.webp)"', page)
    slides = sum(len(c["slides"]) for c in manifest["carousels"])
    assert len([t for t in thumbs if (out / t).is_file()]) >= slides


def test_a_long_passage_is_split_at_sentences_and_marked_continued(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        "carousels:\n  - id: deep\n    slides: [seeds, long, river]\n",
    )
    render(None, out=root / "out", project=Project.open(root))
    manifest = json.loads((root / "out" / "manifest.json").read_text(encoding="utf-8"))
    slides = manifest["carousels"][0]["slides"]
    parts = [s for s in slides if s["quote_id"] == "long"]
    assert len(parts) >= 2 and [s["part"] for s in parts] == list(range(1, len(parts) + 1))
    assert parts[0]["text"].endswith("\u2026") and parts[-1]["text"].startswith("\u2026")
    joined = " ".join(p["text"].strip("\u2026 ") for p in parts)
    assert " ".join(joined.split()) == PARAGRAPHS[5]
    assert [s["index"] for s in slides] == list(range(1, len(slides) + 1))
    names = sorted(
        p.name for p in (root / "out/garden/carousels/deep/instagram-portrait").glob("*.png")
    )
    assert names[1:3] == ["02-long-1.png", "03-long-2.png"]


@pytest.mark.parametrize(
    ("carousels", "message", "line"),
    [
        ("carousels:\n  - id: c\n    slides: [seeds, nope]\n", "unknown quote id 'nope'", 22),
        ("carousels:\n  - id: c\n    slides: [seed]\n", "did you mean 'seeds'?", 22),
        (
            "carousels:\n  - id: c\n    slides: [seeds]\n  - id: c\n    slides: [seeds]\n",
            "duplicate carousel id 'c'",
            23,
        ),
        (
            "carousels:\n  - id: c\n    slides: [seeds]\n    platforms: [instagram-story]\n",
            "takes no carousel",
            23,
        ),
        (
            "carousels:\n  - id: c\n    slides: [" + ", ".join(["seeds"] * 21) + "]\n",
            "Instagram: up to 20 images",
            22,
        ),
        ("carousels:\n  - id: c\n    slides: [seeds, cover]\n", "'cover' must be the first", 22),
        (
            "carousels:\n  - id: c\n    slides: [seeds]\n    platforms: [myspace]\n",
            "unknown platform",
            23,
        ),
    ],
)
def test_bad_carousels_are_exit_2_with_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, carousels: str, message: str, line: int
) -> None:
    make_project(tmp_path, carousels)
    monkeypatch.chdir(tmp_path)
    code, _, stderr = run_cli("render", "--out", "out")
    assert code == 2, stderr
    assert message in stderr and f"quotes/garden.yaml:{line}" in stderr
    assert stderr.count("\n") <= 2 and "Traceback" not in stderr
    assert not (tmp_path / "out" / "garden").exists()


def test_a_layout_may_restyle_the_cover(tmp_path: Path) -> None:
    root = make_project(tmp_path, "carousels:\n  - id: c\n    slides: [cover, seeds]\n")
    (root / "layouts" / "mine.yaml").write_text(
        "extends: classic\nname: mine\noverrides:\n  cover:\n    background: {color: '#102030'}\n",
        encoding="utf-8",
    )
    text = (root / "quotes" / "garden.yaml").read_text(encoding="utf-8")
    (root / "quotes" / "garden.yaml").write_text(text + "    layout: mine\n", encoding="utf-8")
    render(None, out=root / "out", project=Project.open(root))
    folder = root / "out/garden/carousels/c/instagram-portrait"
    with Image.open(folder / "01-cover.png") as cover, Image.open(folder / "02-seeds.png") as quote:
        assert cover.convert("RGB").getpixel((5, 5)) == (0x10, 0x20, 0x30)
        assert quote.convert("RGB").getpixel((5, 5)) != (0x10, 0x20, 0x30)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet="abcdefg hij", min_size=1, max_size=30).map(
            lambda s: (s.strip() or "word").capitalize() + "."
        ),
        min_size=1,
        max_size=12,
    ),
    st.integers(min_value=1, max_value=5),
)
def test_split_passage_keeps_every_sentence_in_order(sentences: list[str], parts: int) -> None:
    text = " ".join(sentences)
    runs = split_passage(text, parts)
    assert 1 <= len(runs) <= parts
    plain = [r.removeprefix("\u2026 ").removesuffix(" \u2026") for r in runs]
    assert " ".join(plain) == " ".join(text.split(" ")) or " ".join(plain).split() == text.split()
    for run in plain:
        # Each run is whole sentences: splitting it again gives sentences of the text.
        assert split_sentences(run)[-1][1] == len(run)
    if len(runs) > 1:
        assert runs[0].endswith(" \u2026") and runs[-1].startswith("\u2026 ")


def test_suggest_carousel_proposes_the_best_passages_in_reading_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path, "")
    monkeypatch.chdir(root)
    code, stdout, stderr = run_cli("suggest", "quotes/articles/garden.txt", "--carousel", "3")
    assert code == 0, stderr
    import yaml

    data = yaml.safe_load(stdout)
    ids = [q["id"] for q in data["quotes"]]
    assert len(ids) == 3
    (carousel_spec,) = data["carousels"]
    assert carousel_spec["slides"] == ["cover", *ids, "closing"]
    article = (root / "quotes/articles/garden.txt").read_text(encoding="utf-8")
    starts = [article.index(q["text"].split(".")[0]) for q in data["quotes"]]
    assert starts == sorted(starts)  # the order the article has them in
    (root / "quotes" / "suggested.yaml").write_text(stdout, encoding="utf-8")
    code, _, stderr = run_cli("check", "quotes/suggested.yaml")
    assert code == 0, stderr
    code, _, stderr = run_cli("suggest", "quotes/articles/garden.txt", "--carousel", "19")
    assert code == 2 and "1 to 18 quotes" in stderr


def test_check_finds_a_carousel_on_a_platform_that_takes_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_project(
        tmp_path, "carousels:\n  - id: c\n    slides: [seeds]\n    platforms: [facebook]\n"
    )
    monkeypatch.chdir(tmp_path)
    code, _, stderr = run_cli("check")
    assert code == 2 and "quotes/garden.yaml:23" in stderr and "takes no carousel" in stderr


def add_other_selection(root: Path) -> Path:
    """A second selection of the garden article, with no carousel: a render of it alone
    leaves garden's carousels as they were (`kept`)."""
    other = root / "quotes" / "other.yaml"
    other.write_text(
        "article: {source: articles/garden.txt, title: Other}\n"
        "defaults: {platforms: [x]}\nquotes:\n  - id: daily\n    paragraph: 4\n",
        encoding="utf-8",
    )
    return other


def test_carousels_of_other_selections_are_kept_and_removed_ones_deleted(tmp_path: Path) -> None:
    root = make_project(tmp_path, "carousels:\n  - id: c\n    slides: [cover, seeds, river]\n")
    other = add_other_selection(root)
    project = Project.open(root)
    render(None, out=root / "out", project=project)
    render([other], out=root / "out", project=project)
    manifest = json.loads((root / "out" / "manifest.json").read_text(encoding="utf-8"))
    (kept,) = manifest["carousels"]
    assert kept["status"] == "kept" and all(
        (root / "out" / s["path"]).is_file() for s in kept["slides"]
    )
    garden = root / "quotes" / "garden.yaml"
    garden.write_text(garden.read_text(encoding="utf-8").split("carousels:")[0], encoding="utf-8")
    render([garden], out=root / "out", project=project)
    manifest = json.loads((root / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert "carousels" not in manifest
    assert not any((root / "out" / s["path"]).exists() for s in kept["slides"])


def test_a_damaged_carousel_record_on_disk_is_left_out_not_a_crash(tmp_path: Path) -> None:
    """Carousels are read back from the manifest only with a selection, an id and a
    platform: a record without them (a hand edit) is dropped; the good one is kept."""
    root = make_project(tmp_path, "carousels:\n  - id: c\n    slides: [cover, seeds]\n")
    other = add_other_selection(root)
    project = Project.open(root)
    render([root / "quotes" / "garden.yaml"], out=root / "out", project=project)
    path = root / "out" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["carousels"] += [{"carousel_id": "lost", "slides": []}, "not a record"]
    path.write_text(json.dumps(manifest), encoding="utf-8")
    render([other], out=root / "out", project=project)
    manifest = json.loads(path.read_text(encoding="utf-8"))
    assert [(c["carousel_id"], c["status"]) for c in manifest["carousels"]] == [("c", "kept")]


def test_a_removed_carousel_deletes_only_files_of_its_selection(tmp_path: Path) -> None:
    """A carousel no longer made has its files deleted as its record on disk names them:
    a record naming one of cardgen's own files (a hand edit, a damaged manifest) never
    has it deleted: the review decisions are a reviewer's work."""
    root = make_project(tmp_path, "carousels:\n  - id: c\n    slides: [cover, seeds]\n")
    garden = root / "quotes" / "garden.yaml"
    project = Project.open(root)
    render([garden], out=root / "out", project=project)
    decisions = root / "out" / "review.json"
    decisions.write_text('{"cards": {}}\n', encoding="utf-8")
    path = root / "out" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    (record,) = manifest["carousels"]
    record["zip"] = "review.json"
    path.write_text(json.dumps(manifest), encoding="utf-8")
    garden.write_text(garden.read_text(encoding="utf-8").split("carousels:")[0], encoding="utf-8")
    render([garden], out=root / "out", project=project)
    assert decisions.read_text(encoding="utf-8") == '{"cards": {}}\n'
    assert not any((root / "out" / s["path"]).exists() for s in record["slides"])


def test_defaults_carousel_fills_in_what_a_carousel_leaves_out(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        "carousels:\n  - id: a\n    slides: [seeds, river]\n"
        "  - id: b\n    slides: [daily]\n    platforms: [instagram-square]\n",
    )
    garden = root / "quotes" / "garden.yaml"
    text = garden.read_text(encoding="utf-8").replace(
        "  hashtags: [garden]\n",
        "  hashtags: [garden]\n  carousel: {platforms: [x], numbers: false, call_to_action: Go}\n",
    )
    garden.write_text(text, encoding="utf-8")
    render(None, out=root / "out", project=Project.open(root))
    manifest = json.loads((root / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [(c["carousel_id"], c["platform"]) for c in manifest["carousels"]] == [
        ("a", "x"),
        ("b", "instagram-square"),
    ]
    first, second = manifest["carousels"]
    assert (first["numbers"], first["call_to_action"]) == (False, "Go")
    assert (second["numbers"], second["call_to_action"]) == (False, "Go")
    code, _, stderr = run_cli("check", str(garden))
    assert code == 0, stderr


TWO_CAROUSELS = (
    CAROUSEL
    + """  - id: pair
    slides: [daily, river]
    platforms: [instagram-portrait]
"""
)


def files_of(out: Path) -> dict[str, tuple[int, bytes]]:
    """Every file of OUT but the lock (taken by every run): its mtime and bytes."""
    return {
        p.relative_to(out).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
        for p in out.rglob("*")
        if p.is_file() and p.name != "lock"
    }


def rerun(root: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Render the project again into root/out: its events and its manifest."""
    events: list[dict[str, Any]] = []
    render(None, out=root / "out", project=Project.open(root), on_event=events.append)
    manifest = json.loads((root / "out" / "manifest.json").read_text(encoding="utf-8"))
    return events, manifest


def carousel_events(events: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    return {
        (e["carousel_id"], e["platform"]): e["status"] for e in events if e["event"] == "carousel"
    }


def test_an_unchanged_rerun_keeps_every_carousel_file_and_its_time(tmp_path: Path) -> None:
    """Carousels are cached like cards: the first rerun only turns the manifest's statuses
    to `cached`; the next changes no file at all, byte or mtime, and the review page's
    inputs are the same (its stamp is not rewritten)."""
    root = make_project(tmp_path, TWO_CAROUSELS)
    first, _ = rerun(root)
    assert set(carousel_events(first).values()) == {"rendered"}
    before = files_of(root / "out")
    events, manifest = rerun(root)
    after = files_of(root / "out")
    assert {name for name in before if before[name] != after.get(name)} == {"manifest.json"}
    assert set(after) == set(before)
    assert set(carousel_events(events).values()) == {"cached"}
    assert {c["status"] for c in manifest["carousels"]} == {"cached"}
    assert events[-1]["rendered"] == 0
    events, _ = rerun(root)
    assert files_of(root / "out") == after
    assert set(carousel_events(events).values()) == {"cached"}


def test_changing_a_carousels_quote_redraws_only_that_carousel(tmp_path: Path) -> None:
    root = make_project(tmp_path, TWO_CAROUSELS)
    rerun(root)
    before = files_of(root / "out")
    selection = root / "quotes" / "garden.yaml"
    text = selection.read_text(encoding="utf-8")
    # `seeds` (a slide of `letters`, not of `pair`) now quotes the fourth paragraph.
    selection.write_text(
        text.replace("id: seeds\n    paragraph: 2", "id: seeds\n    paragraph: 4"), "utf-8"
    )
    events, manifest = rerun(root)
    assert carousel_events(events) == {
        ("letters", "instagram-portrait"): "rendered",
        ("letters", "linkedin"): "rendered",
        ("letters", "x"): "rendered",
        ("pair", "instagram-portrait"): "cached",
    }
    after = files_of(root / "out")
    pair = "garden/carousels/pair/"
    assert all(after[n] == before[n] for n in before if n.startswith(pair))
    letters = carousel(manifest, "instagram-portrait")
    seeds = after[f"{letters['path']}/02-seeds.png"]
    assert seeds != before[f"{letters['path']}/02-seeds.png"]


def test_a_damaged_carousel_file_is_drawn_again(tmp_path: Path) -> None:
    """A cached carousel counts only with its files as its record says."""
    root = make_project(tmp_path, CAROUSEL)
    _, manifest = rerun(root)
    slide = root / "out" / carousel(manifest, "instagram-portrait")["slides"][2]["path"]
    whole = slide.read_bytes()
    slide.write_bytes(b"not a png")
    (root / "out" / carousel(manifest, "x")["caption_file"]).write_text("edited", "utf-8")
    events, _ = rerun(root)
    assert carousel_events(events)[("letters", "instagram-portrait")] == "rendered"
    assert carousel_events(events)[("letters", "linkedin")] == "cached"
    assert slide.read_bytes() == whole
    thread = (root / "out" / carousel(manifest, "x")["caption_file"]).read_text("utf-8")
    assert thread.startswith("[1/")  # a cached thread's posts written again as its record says
