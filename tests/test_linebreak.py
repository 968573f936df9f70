"""Line breaking and typographic clean-up, with a fake measurer: no fonts, no pixels."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardgen.typography.direction import levels, visual_order
from cardgen.typography.segment import NO_LINE_END, NO_LINE_START, segments
from cardgen.typography.typeset import emphasis_spans, fit_text, overflow, set_at, smarten


class Monospace:
    """Every character is 0.5 em wide (CJK 1 em); ascent 0.8 em, descent 0.2 em."""

    def width(self, text: str, size: int) -> float:
        return sum(size if ord(c) > 0x2E80 else size * 0.5 for c in text)

    def metrics(self, size: int) -> tuple[int, int]:
        return round(size * 0.8), round(size * 0.2)


M = Monospace()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a bb ccc", ["a ", "bb ", "ccc"]),
        ("well-being now", ["well-", "being ", "now"]),
        ("日本語", ["日", "本", "語"]),
        # Kinsoku: 。 and 」 never start a line, 「 never ends one.
        ("「今日は」と言った。", ["「今", "日", "は」", "と", "言っ", "た。"]),
        ("mot « citation » fin", ["mot ", "« citation » ", "fin"]),
        ("Wait !", ["Wait !"]),
        # A combining mark and an emoji modifier stay with their base.
        ("e\u0301te\u0301 ok", ["e\u0301te\u0301 ", "ok"]),
        ("👍🏽👍", ["👍🏽", "👍"]),
        ("a\u00a0b c", ["a\u00a0b ", "c"]),
    ],
)
def test_segments(text: str, expected: list[str]) -> None:
    assert segments(text) == expected


def test_japanese_wraps_without_spaces_and_obeys_kinsoku() -> None:
    text = "仕事と家庭の両立は、誰にとっても簡単なことではありません。「罪悪感」を手放しましょう。"
    for width in range(60, 400, 7):
        fitted = set_at(text, 20, width, 1.2, M)
        assert fitted is not None
        assert "".join(fitted.lines) == text
        for line in fitted.lines[1:]:
            assert line[0] not in NO_LINE_START, (width, fitted.lines)
        for line in fitted.lines[:-1]:
            assert line[-1] not in NO_LINE_END, (width, fitted.lines)


def test_no_single_word_last_line_when_avoidable() -> None:
    text = "one two three four five six seven eight nine ten eleven"
    for width in range(150, 400, 5):
        fitted = set_at(text, 10, width, 1.2, M)
        assert fitted is not None
        if len(fitted.lines) > 1:
            assert " " in fitted.lines[-1], (width, fitted.lines)


def test_hanging_quote_mark_indents_the_other_lines() -> None:
    text = "\u201cAmbition is not selfish at all, it is excellence.\u201d"
    fitted = set_at(text, 10, 120, 1.2, M, hang=True)
    assert fitted is not None and len(fitted.lines) > 1
    assert fitted.hang == 5.0  # the width of the mark
    # The first line (with the mark) may use the full box; the others the box minus the mark.
    assert fitted.widths[0] <= 120 and all(w <= 115 for w in fitted.widths[1:])
    assert set_at("no mark here", 10, 120, 1.2, M, hang=True).hang == 0.0  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ambition doesn't mean we are selfish.", "Ambition doesn\u2019t mean we are selfish."),
        ('She said "go" -- and went.', "She said \u201cgo\u201d \u2014 and went."),
        ("'Tis the '90s", "\u2018Tis the \u201990s"),
        ("('quoted')", "(\u2018quoted\u2019)"),
        ("rock 'n' roll", "rock \u2019n\u2019 roll"),
        ("rock \u2018n\u2019 roll", "rock \u2019n\u2019 roll"),
        ("between 10-20 people", "between 10\u201320 people"),
        ("pages 3.5-4.5 and 1,000-2,000", "pages 3.5\u20134.5 and 1,000\u20132,000"),
        ("on 2026-11-25, COVID-19 and well-being", "on 2026-11-25, COVID-19 and well-being"),
        ("ISBN 978-3-16 stays", "ISBN 978-3-16 stays"),
        ("see site.fr/5-6 for 5-6 ideas", "see site.fr/5-6 for 5\u20136 ideas"),
    ],
)
def test_smarten(raw: str, expected: str) -> None:
    assert smarten(raw) == expected


def test_emphasis_spans() -> None:
    text, flags = emphasis_spans("we are *selfish* and * not* this")
    assert text == "we are selfish and * not* this"
    assert [c for c, f in zip(text, flags, strict=True) if f] == list("selfish")
    assert emphasis_spans("2 * 3 = 6") == ("2 * 3 = 6", (False,) * 9)


def test_bidi_levels_and_visual_order() -> None:
    assert levels("abc") == [0, 0, 0]
    hebrew = "He said שלום עולם ok"
    lv = levels(hebrew)
    assert lv[:8] == [0] * 8 and set(lv[8:17]) == {1} and lv[-2:] == [0, 0]
    assert levels("مرحبا")[0] == 1
    # An RTL paragraph holding an LTR word: the runs show right to left.
    assert visual_order([1, 2, 1]) == [2, 1, 0]
    assert visual_order([0, 1, 0]) == [0, 1, 2]
    assert visual_order([0, 1, 1]) == [0, 2, 1]


@pytest.mark.parametrize(
    "text", ["\u2067", "abc \u2067שלום\u2069 def", "\u2068א\u2069", "x\u2066y\u2069\u2069"]
)
def test_bidi_isolates_are_levelled_not_fatal(text: str) -> None:
    # python-bidi asserts on RLI, LRI, FSI and PDI: they stand as neutrals instead.
    found = levels(text)
    assert len(found) == len(text)
    assert all(level == 1 for level, char in zip(found, text, strict=True) if char in "שלוםא")


alphabet = st.sampled_from([*"abcdefg 日本語、。「」!?", "e\u0301"])


@settings(max_examples=200, deadline=None)
@given(text=st.lists(alphabet, min_size=1, max_size=120).map("".join), width=st.integers(30, 600))
def test_breaking_keeps_every_character_and_the_rules(text: str, width: int) -> None:
    text = " ".join(text.split())
    if not text:
        return
    fitted = fit_text(text, width, 2000, 8, 30, 1.2, M)
    if fitted is None:
        return
    assert " ".join(fitted.lines).replace(" ", "") == text.replace(" ", "")
    assert all(w <= width + 1e-6 for w in fitted.widths[1:]) and fitted.widths[0] <= width
    for line in fitted.lines[1:]:
        assert line[0] not in NO_LINE_START and line[0] != "\u0301"


def test_lines_form_caps_the_number_of_lines() -> None:
    text = "one two three four five six seven eight nine ten"
    free = fit_text(text, 100, 400, 4, 40, 1.2, M)
    capped = fit_text(text, 100, 400, 4, 40, 1.2, M, max_lines=2)
    assert free is not None and capped is not None
    assert len(free.lines) > 2 and len(capped.lines) <= 2 and capped.size < free.size
    assert fit_text(text, 100, 400, 10, 40, 1.2, M, max_lines=1) is None
    assert "more than the 1 allowed" in overflow(text, 100, 400, 10, 1.2, M, max_lines=1)


def test_a_line_of_a_right_to_left_paragraph_keeps_its_direction() -> None:
    # The second line of an Arabic paragraph may start with a Latin word.
    assert levels("Ambition هو") == [0] * 9 + [1, 1]
    assert levels("Ambition هو", base=1) == [2] * 8 + [1, 1, 1]
    assert visual_order([2, 1]) == [1, 0]
