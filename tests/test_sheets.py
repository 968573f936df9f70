"""`make sheets` (`python -m cardgen.review.sheets`): a contact sheet per layout whose
every cell is a drawn card, on a small pick of rows and columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops

from cardgen.review import sheets
from cardgen.review.preview import GAP, SHEET_CELL

ROOT = Path(__file__).resolve().parent.parent
CREAM = (0xFB, 0xF4, 0xEC)  # classic's paper (brand.background)
PROBLEM = (255, 236, 236)  # the panel a card that could not be made shows instead


def test_make_sheets_runs_the_sheets_module() -> None:
    target = (ROOT / "Makefile").read_text().split("\nsheets:", 1)[1].split("\n\n", 1)[0]
    assert "-m cardgen.review.sheets output/sheets" in target


def test_a_sheet_shows_a_card_in_every_cell(tmp_path: Path) -> None:
    argv = [str(tmp_path), "classic", "--lang", "en", "--lang", "ar", "--length", "short"]
    argv += ["--platform", "instagram-square", "--platform", "linkedin"]
    assert sheets.main(argv) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["classic.png"]
    with Image.open(tmp_path / "classic.png") as opened:
        sheet = opened.convert("RGB")
    widths = [SHEET_CELL, round(1200 * SHEET_CELL / 627)]  # square, then 1200x627
    label = 110 + GAP
    assert sheet.size == (label + sum(w + GAP for w in widths), 48 + 2 * (SHEET_CELL + GAP))
    for row in range(2):
        top, left = 48 + row * (SHEET_CELL + GAP), label
        for width in widths:
            cell = sheet.crop((left, top, left + width, top + SHEET_CELL))
            left += width + GAP
            corner = cell.getpixel((3, 3))
            assert isinstance(corner, tuple)
            assert max(abs(a - b) for a, b in zip(corner, CREAM, strict=True)) <= 3, corner
            # Text and mark drawn on the paper: some of the cell is well off the paper's
            # colour (a blank card, or one whose text is missing, is not).
            inked = ImageChops.difference(cell, Image.new("RGB", cell.size, CREAM)).convert("L")
            share = sum(inked.point(lambda v: 255 if v > 80 else 0).histogram()[255:]) / (
                width * SHEET_CELL
            )
            assert 0.005 < share < 0.5, (row, width, share)


def test_an_unknown_layout_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sheets.main([str(tmp_path), "nope", "--lang", "en", "--length", "short"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "nope" in err
    assert not list(tmp_path.iterdir())
