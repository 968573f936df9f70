"""HarfBuzz (typography.shaping, fonts.font_info) against Pillow: the same widths, or None."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import ImageFont, features

from cardgen.typography import shaping
from cardgen.typography.fonts import FEATURES, load_font

FONTS = sorted((Path(__file__).parent.parent / "fonts").rglob("*.[ot]tf"))
needs_raqm = pytest.mark.skipif(not features.check("raqm"), reason="Pillow without raqm")

# Letters of the three scripts measured directly, and neutral characters between them.
LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèàçñøßÆœﬁ"
GREEK = "αβγδεζηθικλμνξοπρστυφχψωΑΒΓΔΣΩάέ"
CYRILLIC = "абвгдежзийклмнопрстуфхцчшщъыьэюяЖЩЯ"
NEUTRAL = " 0123456789.,;:!?'\"()-–—’“”…€$%&/\u00a0"


def pillow_width(path: Path, text: str, size: int) -> float:
    return float(load_font(path, size).getlength(text, features=FEATURES))


@needs_raqm
@settings(max_examples=150, deadline=None)
@given(
    path=st.sampled_from(FONTS),
    script=st.sampled_from([LATIN, GREEK, CYRILLIC]),
    data=st.data(),
    size=st.integers(min_value=6, max_value=300),
)
def test_simple_text_measures_as_pillow_does(
    path: Path, script: str, data: st.DataObject, size: int
) -> None:
    text = data.draw(st.text(alphabet=script + NEUTRAL, min_size=1, max_size=40))
    width = shaping.advance(path, 0, text, size)
    assert width is not None
    # Same shaper, same unhinted outlines: only 26.6 rounding of the scale differs, up to
    # 1/64 px an advance (hypothesis found 18 digits of Inter Bold at 6 px 0.28 px apart).
    assert width == pytest.approx(pillow_width(path, text, size), abs=0.1 + len(text) / 64)


@pytest.mark.parametrize(
    "text",
    [
        "الطموح لا يعني",  # right to left
        "Ambition لا",  # mixed directions
        "महत्वाकांक्षा",  # Indic: clusters
        "野心",  # CJK
        "hello 👋",  # emoji
        "abc αβγ",  # two scripts in one run: raqm would itemise it
        "a\u200fb",  # a bidi control
        "line\nbreak",  # a control character
    ],
)
def test_text_raqm_would_itemise_is_left_to_pillow(text: str) -> None:
    assert not shaping.simple(text)
    assert shaping.advance(FONTS[0], 0, text, 40) is None


@pytest.mark.parametrize("text", ["Ambition doesn't mean we are selfish.", "Ωμέγα", "Москва, 2026"])
def test_simple_text_is_simple(text: str) -> None:
    assert shaping.simple(text)


def test_a_file_harfbuzz_cannot_read_is_left_to_pillow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font at all")
    assert shaping.advance(broken, 0, "word", 40) is None


@needs_raqm
def test_chain_widths_follow_the_font_file(tmp_path: Path) -> None:
    """Replacing a font file and forgetting the font caches measures the new file."""
    from cardgen.typography.fonts import forget_font_files

    regular = next(p for p in FONTS if p.name == "Inter-Regular.otf")
    bold = next(p for p in FONTS if p.name == "Inter-ExtraBold.otf")
    font = tmp_path / "Face.otf"
    font.write_bytes(regular.read_bytes())
    before = shaping.advance(font, 0, "Ambition", 100)
    font.write_bytes(bold.read_bytes())
    forget_font_files()
    after = shaping.advance(font, 0, "Ambition", 100)
    assert before is not None and after is not None
    assert after == pytest.approx(pillow_width(bold, "Ambition", 100), abs=0.1)
    assert after > before
    assert ImageFont.truetype(str(font), 100).getlength("Ambition") == pytest.approx(after, abs=0.1)


def test_character_maps_come_from_harfbuzz(tmp_path: Path) -> None:
    from cardgen.typography.fonts import font_info

    inter = next(p for p in FONTS if p.name == "Inter-Regular.otf")
    info = font_info(inter)
    assert {ord("A"), ord("é"), ord("Ж"), ord("α")} <= info.chars
    assert ord("😀") not in info.chars and ord("野") not in info.chars
    assert info.strike is None
    broken = tmp_path / "broken.otf"
    broken.write_bytes(b"OTTO" + bytes(60))
    assert font_info(broken).chars == frozenset()


def test_a_colour_bitmap_font_reports_its_strike() -> None:
    import subprocess

    from cardgen.typography.fonts import first_strike_ppem, font_info

    found = subprocess.run(
        ["fc-match", "-f", "%{file}", "Noto Color Emoji"], capture_output=True, text=True
    ).stdout
    if "NotoColorEmoji" not in found:
        pytest.skip("Noto Color Emoji is not installed (make test installs it)")
    info = font_info(Path(found))
    assert info.strike == 109  # the one strike Noto Color Emoji ships
    assert ord("😀") in info.chars
    assert first_strike_ppem(b"\x00\x03\x00\x00\x00\x00\x00\x00") is None  # no size records
