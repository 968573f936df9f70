"""What a designer sees in a quote's lines: no word alone on any line where a better
break exists, a first line short only where it ends a clause, line ends at clauses
preferred, and a slightly smaller size taken to spare a lone word. Fake measurers
for the properties; the bundled layouts and fonts for the cards they were seen on."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardgen.batch.plan import Project
from cardgen.drawing.scene import TextBlock
from cardgen.typography.linebreak import BALANCE, PRETTY
from cardgen.typography.segment import CLAUSE_END, SENTENCE_END, SHORT_WORD, breaks
from cardgen.typography.shortwords import short_words
from cardgen.typography.typeset import FEW_WORDS_GIVE, SIZE_GIVE, fit_text, set_at
from tests.helpers import card_scene

ROOT = Path(__file__).resolve().parent.parent


class Proportional:
    """Widths that differ per letter, like a real font."""

    def width(self, text: str, size: int) -> float:
        return sum((1 + ord(c) % 7) * 0.13 for c in text) * size

    def metrics(self, size: int) -> tuple[int, int]:
        return round(size * 0.8), round(size * 0.25)


P = Proportional()
SIZE = 10


def _all_breaks(pieces: int, lines: int) -> list[list[tuple[int, int]]]:
    """Every way to cut `pieces` pieces into `lines` non-empty lines."""
    return [
        list(itertools.pairwise([0, *cuts, pieces]))
        for cuts in itertools.combinations(range(1, pieces), lines - 1)
    ]


def _widths(words: list[str], spans: list[tuple[int, int]]) -> list[float]:
    return [P.width(" ".join(words[a:b]), SIZE) for a, b in spans]


# Words of two or more letters that are no language's short word (a break after one
# costs nothing): only the shape of the lines decides.
plain_words = st.lists(
    st.text("bcdfghkmnpqrstvwxz", min_size=2, max_size=10), min_size=3, max_size=11
)


@settings(max_examples=300, deadline=None)
@given(words=plain_words, width=st.integers(40, 400), pretty=st.booleans())
def test_no_word_alone_on_any_line_where_a_break_without_one_exists(
    words: list[str], width: int, pretty: bool
) -> None:
    # The first line too (`Small` / `steps, taken` / ...): these words end no clause.
    fitted = set_at(" ".join(words), SIZE, width, 1.2, P, wrap=PRETTY if pretty else BALANCE)
    if fitted is None or len(fitted.lines) < 2:
        return
    if all(" " in line for line in fitted.lines[:-1]):
        return
    # A line but the last holds one word: no break into as many lines that fit has no
    # word alone on any line (the last one's costs more).
    for spans in _all_breaks(len(words), len(fitted.lines)):
        if all(b - a >= 2 for a, b in spans):
            # (A break exactly as wide as the box may be a rounding over it.)
            assert max(_widths(words, spans)) > width - 1e-6, (fitted.lines, spans)


def _raggedness(widths: list[float], width: float) -> float:
    """What `balance` pays for uneven lines: each line's room squared, as a share."""
    return sum(((width - w) / width) ** 2 for w in widths)


PRONOUNS = ("i", "we", "you", "he", "she", "it", "they")
pronoun_texts = st.lists(
    st.one_of(st.sampled_from(PRONOUNS), st.text("bcdfghkmnpqrstvwxz", min_size=2, max_size=9)),
    min_size=3,
    max_size=10,
)


@settings(max_examples=300, deadline=None)
@given(words=pronoun_texts, width=st.integers(40, 400))
def test_no_line_ends_on_a_pronoun_where_an_as_even_break_without_one_exists(
    words: list[str], width: int
) -> None:
    # `mean we` / `are selfish`, `selfish. It` / `just means`: a subject pronoun belongs
    # with the words after it.
    fitted = set_at(" ".join(words), SIZE, width, 1.2, P, language="en")
    if fitted is None or len(fitted.lines) < 2:
        return
    if not any(line.rsplit(" ", 1)[-1] in PRONOUNS for line in fitted.lines[:-1]):
        return
    chosen = _raggedness(list(fitted.widths), width)
    for spans in _all_breaks(len(words), len(fitted.lines)):
        widths = _widths(words, spans)
        clean = all(b - a >= 2 for a, b in spans) and not any(
            words[b - 1] in PRONOUNS for _, b in spans[:-1]
        )
        # In the box, with no lighter first line: only raggedness worse by at least what a
        # stranded word costs (SHORT_WORD) can have lost to the chosen break.
        if clean and max(widths) <= width - 1e-6 and widths[0] >= fitted.widths[0]:
            assert _raggedness(widths, width) >= chosen + SHORT_WORD - 1e-6, (fitted.lines, spans)


@pytest.mark.parametrize("width", range(128, 164, 4))
def test_a_word_alone_on_the_first_line_is_spared_by_a_smaller_size(width: int) -> None:
    # At 20 px the best breaks open on `Small` / `steps, taken` / `daily, become` / ...;
    # a smaller size breaks with two words or more on every line.
    text = "Small steps, taken daily, become a whole new life."
    at_largest = set_at(text, 20, width, 1.2, P)
    assert at_largest is not None and at_largest.lines[0] == "Small", at_largest.lines
    fitted = fit_text(text, width, 2000, 10, 20, 1.2, P)
    assert fitted is not None and all(" " in line for line in fitted.lines), fitted.lines


LIGHT = 0.7  # a first line under this share of the longest is visibly light


# Found by a random search on the old breaker, which opened each on a light line (`in the
# of wtqfkc` / `in nrkg vwtx mrbs` / ...) though a break into as many lines opens on a full
# one, leaves no word alone, strands no short word and keeps every line over 60% of the
# longest. (As a property over all texts this does not hold: balance may rightly prefer a
# light first line to a full one that leaves another line at half the longest.)
@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("in the of wtqfkc in nrkg vwtx mrbs wfxszghs sgkzzt qwnbgtkh,", 135),
        ("in hppthrncr fprfd vrb, phhg. sswnkc. the zrqtxk", 111),
        ("qvsfxfs fwqwhvz zpbd. bnccq sdcdvwv. wbtghh the nshrznwdp", 136),
    ],
)
def test_a_light_first_line_is_not_chosen_where_an_even_break_opens_full(
    text: str, width: int
) -> None:
    fitted = set_at(text, SIZE, width, 1.2, P)
    assert fitted is not None and len(fitted.lines) >= 3
    light = fitted.widths[0] < LIGHT * max(fitted.widths)
    assert not light or fitted.lines[0].endswith((",", ".")), fitted.lines


@pytest.mark.parametrize(
    ("text", "after", "bonus"),
    [
        ("Small steps, taken daily", "steps,", CLAUSE_END),
        ("It ends. Then more", "ends.", SENTENCE_END),
        ("Why? Because", "Why?", SENTENCE_END),
        ("she said, \u201cgo.\u201d Then", "\u201cgo.\u201d", SENTENCE_END),
        ("waiting \u2014 it is", "\u2014", CLAUSE_END),
        ("well-being now", "well-", 0.0),
        ("Dr. Ruiz came", "Dr.", 0.0),
        ("as e.g. this", "e.g.", 0.0),
        ("J. Smith wrote", "J.", 0.0),
        ("plain words here", "plain", 0.0),
        ("Il a dit\u202f: oui", "dit\u202f:", CLAUSE_END),
        ("\u0627\u0644\u0637\u0645\u0648\u062d \u060c \u0628\u0644", "\u060c", CLAUSE_END),
        (
            "\u0647\u0644 \u062a\u0639\u0631\u0641\u061f \u0646\u0639\u0645",
            "\u062a\u0639\u0631\u0641\u061f",
            SENTENCE_END,
        ),
        ("\u4ed5\u4e8b\u306f\u3001\u7c21\u5358", "\u4ed5\u4e8b\u306f\u3001", CLAUSE_END),
        (
            "\u4ed5\u4e8b\u3067\u3059\u3002\u7c21\u5358",
            "\u4ed5\u4e8b\u3067\u3059\u3002",
            SENTENCE_END,
        ),
    ],
)
def test_clause_and_sentence_ends(text: str, after: str, bonus: float) -> None:
    found = breaks(text).finest
    at = text.index(after) + len(after)  # the break after `after` (and its space)
    ends = itertools.accumulate(len(piece) for piece in found.pieces)
    index = next(i for i, end in enumerate(ends) if text[:end].rstrip(" ") == text[:at])
    assert found.bonus[index] == bonus


def test_a_line_break_at_a_clause_is_preferred() -> None:
    # Both breaks balance about as well; the one after the comma reads as two phrases.
    text = "When the work is done, we rest and we play"
    fitted = set_at(text, SIZE, P.width(text, SIZE) * 0.62, 1.2, P)
    assert fitted is not None and fitted.lines[0] == "When the work is done,", fitted.lines


def test_a_middle_word_alone_is_spared_by_a_slightly_smaller_size() -> None:
    text = "Small steps, taken daily, become a whole new life."
    # At 20 px in 116 px the best seven lines leave `steps,`, `taken`, `become` alone.
    alone = set_at(text, 20, 116, 1.2, P)
    assert alone is not None and "become" in alone.lines
    fitted = fit_text(text, 116, 2000, 10, 20, 1.2, P)
    assert fitted is not None
    assert all(" " in line for line in fitted.lines[1:]), fitted.lines
    assert 20 * FEW_WORDS_GIVE <= fitted.size < 20 * SIZE_GIVE


def test_a_stranded_short_word_alone_does_not_take_the_size_below_the_usual_give() -> None:
    text = "we walk to the river and the sea"
    for width in range(80, 200, 7):
        fitted = fit_text(text, width, 2000, 10, 40, 1.2, P)
        largest = fit_text(text, width, 2000, 40, 40, 1.2, P)
        if fitted is None or largest is None:
            continue
        if fitted.size < 40 * SIZE_GIVE:  # only a word alone on a line goes further
            line_words = [len(line.split()) for line in largest.lines]
            assert 1 in line_words, (width, largest.lines)


@pytest.fixture(scope="module")
def project() -> Project:
    return Project.open(ROOT)


SHORT_QUOTES = [
    "Small steps, taken daily, become a whole new life.",
    "Rest is part of the work.",
    "Begin before you feel ready.",
    "Courage is a habit, not a mood.",
    "What you water grows, so water what you love.",
    "Say less, mean more, and listen longest.",
]


# Cards the old breaker opened on a stub (`A quiet` / `mind` / `hears the` / ...,
# `I stopped` / `waiting` / ..., `We do not` / `need more` / `motivation.` / ...).
@pytest.mark.parametrize(
    ("quote", "layout", "platform"),
    [
        ("A quiet mind hears the answer first.", "classic", "instagram-story"),
        ("A quiet mind hears the answer first.", "minimal", "pinterest"),
        (
            "I stopped waiting for the perfect moment and started with the one I had.",
            "bold",
            "instagram-story",
        ),
        (
            "I stopped waiting for the perfect moment and started with the one I had.",
            "headline",
            "instagram-square",
        ),
        (
            "We do not need more motivation. We need fewer decisions before nine in the morning.",
            "bold",
            "pinterest",
        ),
    ],
)
def test_cards_do_not_open_on_a_stub(
    project: Project, quote: str, layout: str, platform: str
) -> None:
    scene = card_scene(project, quote, layout, platform, attribution="A. Writer")
    block = next(d for d in scene.drawables if isinstance(d, TextBlock) and d.role == "quote")
    lines = [line.text for line in block.lines]
    widths = [sum(run.width for run in line.runs) for line in block.lines]
    assert len(lines) >= 2
    # (Two lines are an even pair: `A quiet mind hears` / `the answer first.`.)
    full = len(lines) == 2 or widths[0] >= 0.8 * max(widths)
    assert full or lines[0].endswith((",", ".", ";", ":")), lines
    assert all(len(line.split()) > 1 for line in lines[:-1]), lines


@pytest.mark.parametrize("layout", ["bold", "night", "classic"])
@pytest.mark.parametrize("platform", ["instagram-story", "pinterest"])
def test_big_short_quotes_on_tall_cards_have_no_word_alone_in_the_middle(
    project: Project, layout: str, platform: str
) -> None:
    for quote in SHORT_QUOTES:
        scene = card_scene(project, quote, layout, platform, attribution="A. Writer")
        block = next(d for d in scene.drawables if isinstance(d, TextBlock) and d.role == "quote")
        lines = [line.text for line in block.lines]
        middle = [line for line in lines[1:-1] if len(line.split()) == 1]
        assert not middle, (quote, lines)


# Short quotes written for this: 6 to 10 words, each breakable into lines of two words
# or more, none ending on a short word, within the give (not every quote is: `Kindness
# costs` / `nothing and` / `quietly changes` / `everything.` on a `headline` story is
# clean only at 56% of the size it grows to, `nothing and quietly` being one line).
GROWN_QUOTES = [
    "Small steps, taken daily, become a whole new life.",
    "Rest is not a reward; it is part of the work.",
    "We grow where we are planted and tended with care.",
    "You do not need permission to begin again.",
    "They counted the days; we remembered the light.",
    "Every morning she chose the harder, truer path.",
    "Quiet work, done well, speaks for itself.",
]
TALL = ("instagram-story", "pinterest", "instagram-portrait", "instagram-grid")


def _stranding(lines: list[str]) -> list[str]:
    """Lines that hold one word, or end on a short word (the last line aside)."""
    short = short_words("en")
    lone = [line for line in lines if len(line.split()) == 1] if len(lines) > 1 else []
    return lone + [line for line in lines[:-1] if line.rsplit(" ", 1)[-1].lower() in short]


@pytest.mark.parametrize("platform", TALL)
def test_short_quotes_grown_big_on_tall_cards_break_cleanly_on_every_layout(
    project: Project, platform: str
) -> None:
    # The issue's `Small` / `steps, taken` / `daily, become` / `a whole` / `new life.` on
    # `bold` stories: the quote grows into the card (`size.fill`), and the size then gives
    # way, once, as far as a clean break needs (no word alone on any line, none stranded).
    faults = []
    for layout in project.layouts.layout_names():
        for quote in GROWN_QUOTES:
            scene = card_scene(project, quote, layout, platform, attribution="A. Writer")
            block = next(
                d for d in scene.drawables if isinstance(d, TextBlock) and d.role == "quote"
            )
            lines = [line.text for line in block.lines]
            if _stranding(lines):
                faults.append((layout, block.size, lines))
    assert not faults, faults
