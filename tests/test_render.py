"""End to end: the bundled example renders every card, whole, at its exact size."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from cardgen.batch.plan import Project
from cardgen.batch.runner import render
from cardgen.design.platforms import BUILTIN, DEFAULT_PLATFORMS
from tests.helpers import ink_bbox, run_cli

SIZES = {p.id: (p.width, p.height) for p in BUILTIN}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = Path(__file__).resolve().parent.parent
    out = tmp_path_factory.mktemp("out")
    render(None, out=out, project=Project.open(root))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return out, manifest


def test_every_quote_on_every_default_platform(rendered: tuple[Path, dict]) -> None:
    _out, manifest = rendered
    cards = manifest["cards"]
    assert manifest["generator"].startswith("cardgen ")
    quote_ids = {c["quote_id"] for c in cards}
    assert len(quote_ids) >= 6
    assert len(cards) == len(quote_ids) * len(DEFAULT_PLATFORMS)
    for card in cards:
        assert (
            card["path"]
            == f"overcoming-working-mom-guilt/{card['quote_id']}/{card['platform']}.png"
        )


def test_cards_exist_decode_and_have_exact_sizes(rendered: tuple[Path, dict]) -> None:
    out, manifest = rendered
    files = {p.relative_to(out).as_posix() for p in out.rglob("*.png")}
    assert files == {c["path"] for c in manifest["cards"]}
    for card in manifest["cards"]:
        with Image.open(out / card["path"]) as image:
            image.load()  # decodes fully
            assert image.size == SIZES[card["platform"]] == (card["width"], card["height"])
        assert (out / card["path"]).stat().st_size == card["bytes"]


def test_text_stays_inside_its_box_and_the_safe_area(rendered: tuple[Path, dict]) -> None:
    _, manifest = rendered
    safe = {p.id: p.safe_box for p in BUILTIN}
    for card in manifest["cards"]:
        left, top, right, bottom = safe[card["platform"]]
        assert card["texts"], card["path"]
        for text in card["texts"]:
            x0, y0, x1, y1 = text["ink_box"]
            bx0, by0, bx1, by1 = text["box"]
            assert bx0 <= x0 and by0 <= y0 + 2 and x1 <= bx1 and y1 <= by1 + 2, (card["path"], text)
            assert left <= x0 and top <= y0 and x1 <= right and y1 <= bottom, (card["path"], text)


def test_no_ink_touches_the_canvas_edge(rendered: tuple[Path, dict]) -> None:
    """Checked from the pixels of the flat-background layout, not the layout's numbers."""
    out, manifest = rendered
    classic = [c for c in manifest["cards"] if c["layout"] == "classic"]
    assert classic
    for card in classic:
        with Image.open(out / card["path"]) as opened:
            image = opened.convert("RGB")  # flat cards are palette PNGs (see raster.encode)
        background = image.getpixel((0, 0))
        assert isinstance(background, tuple)
        box = ink_bbox(image, background)
        assert box is not None
        margin = round(min(card["width"], card["height"]) * 0.03)
        assert box[0] >= margin and box[1] >= margin, card["path"]
        assert box[2] <= card["width"] - margin and box[3] <= card["height"] - margin, card["path"]


def test_cards_show_the_articles_own_characters(rendered: tuple[Path, dict]) -> None:
    _, manifest = rendered
    texts = {c["quote_id"]: c["text"] for c in manifest["cards"]}
    assert texts["ambition-not-selfish"] == "Ambition doesn\u2019t mean we are selfish."
    assert "matters\u2014not the quantity" in texts["quality-not-quantity"]
    assert texts["seesaw"].startswith("Lara describes being a working mom like a seesaw")


def test_same_inputs_give_identical_files(rendered: tuple[Path, dict], tmp_path: Path) -> None:
    out, _manifest = rendered
    root = Path(__file__).resolve().parent.parent
    render(None, out=tmp_path, project=Project.open(root), platforms=["instagram-square"])
    for card in json.loads((tmp_path / "manifest.json").read_text())["cards"]:
        assert (tmp_path / card["path"]).read_bytes() == (out / card["path"]).read_bytes()


def test_render_command_with_no_arguments(in_root: Path, tmp_path: Path) -> None:
    code, stdout, stderr = run_cli("render", "--out", str(tmp_path), "--platform", "x")
    assert code == 0, stderr
    assert "rendered 8 cards" in stdout
    assert (tmp_path / "manifest.json").is_file()


def test_render_json_events(in_root: Path, tmp_path: Path) -> None:
    code, stdout, _ = run_cli("render", "--out", str(tmp_path), "-p", "bluesky", "--json")
    assert code == 0
    events = [json.loads(line) for line in stdout.splitlines()]
    assert events[-1]["event"] == "done" and events[-1]["cards"] == 8
    assert events[0]["event"] == "start" and events[0]["cards"] == 8
    assert all(e["event"] == "card" for e in events[1:-1])
    assert len(events) == 10
