"""Total-fit line breaking (`linebreak`), break costs per language (`segment`) and the
language guess (`language`): fake measurers, no fonts, no pixels."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardgen.source.language import detect
from cardgen.typography.linebreak import PRETTY, LineWidths, best_breaks, greedy
from cardgen.typography.segment import (
    DASH_START,
    INSIDE_PHRASE,
    INSIDE_PHRASE_AT_EDGE,
    SENTENCE_START,
    SHORT_WORD,
    WIDOW,
    breaks,
    segments,
)
from cardgen.typography.shortwords import short_words
from cardgen.typography.typeset import FittedText, fit_text, prepare, set_at, wrap


class Monospace:
    """Every character is 0.5 em wide (CJK and Thai 1 em); ascent 0.8 em, descent 0.2 em."""

    def width(self, text: str, size: int) -> float:
        return sum(size if ord(c) > 0x0E00 else size * 0.5 for c in text)

    def metrics(self, size: int) -> tuple[int, int]:
        return round(size * 0.8), round(size * 0.2)


class Proportional:
    """Widths that differ per letter, like a real font."""

    def width(self, text: str, size: int) -> float:
        return sum((1 + ord(c) % 7) * 0.13 for c in text) * size

    def metrics(self, size: int) -> tuple[int, int]:
        return round(size * 0.8), round(size * 0.25)


M = Monospace()


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Ambition doesn't mean we are selfish, it is the way of things.", "en"),
        ("L’ambition n’est pas de l’égoïsme : c’est une question de la vie.", "fr"),
        ("La ambición no es egoísmo, es el deseo de hacer las cosas bien.", "es"),
        ("Der Ehrgeiz ist nicht egoistisch, und das ist auch gut so.", "de"),
        ("仕事と家庭の両立は簡単ではありません。", "ja"),
        ("我们今天去公园散步，天气很好。", "zh-Hans"),
        ("我們今天去公園散步，這裡天氣很好。", "zh-Hant"),
        ("ภาษาไทยเป็นภาษาที่ไม่มีการเว้นวรรค", "th"),
        ("ພາສາລາວເປັນພາສາ", "lo"),
        ("행복은 마음속에 있다", "ko"),
        ("الطموح لا يعني أننا أنانيون", "ar"),
        ("« Courage, toujours »", "fr"),  # guillemets: French even without its words
        ("L’envie d’oser, qu’importe", "fr"),  # elided articles and pronouns
        ("12345 !!", "und"),
        ("Zxq wvb", "und"),
    ],
)
def test_language_is_guessed_from_the_text(text: str, language: str) -> None:
    assert detect(text) == language


def test_short_words_per_language_and_all_of_them_when_unknown() -> None:
    assert {"a", "the", "of", "to", "i"} <= short_words("en")
    assert {"à", "la", "le", "les", "de", "du", "un", "une"} <= short_words("fr")
    assert {"de", "la", "el"} <= short_words("es-MX")
    assert {"في", "من", "على", "إلى"} <= short_words("ar")
    assert short_words("und") >= short_words("en") | short_words("fr")


@pytest.mark.parametrize(
    ("language", "pronouns"),
    [
        ("en", "i we you he she it they"),
        ("fr", "je tu il elle on nous vous ils elles"),
        ("es", "yo tú él ella nosotros ellos ellas usted"),
        ("pt", "eu tu ele ela nós eles elas você"),
        ("it", "io tu lui lei noi voi loro"),
        ("de", "ich du er sie es wir ihr"),
        ("nl", "ik jij je hij zij ze wij we u"),
        ("ar", "أنا أنت هو هي نحن هم"),
        ("fa", "من تو او ما شما"),
    ],
)
def test_subject_pronouns_are_short_words_in_every_language_listed(
    language: str, pronouns: str
) -> None:
    # A subject pronoun belongs with its verb: `selfish. It` / `just means` strands it.
    assert set(pronouns.split()) <= short_words(language)


def _cost_after(text: str, word: str, language: str | None = None) -> float:
    """The penalty of a line break right after the first `word` piece of `text`."""
    found = breaks(text, language).finest
    index = next(i for i, piece in enumerate(found.pieces) if piece.rstrip() == word)
    return found.penalties[index]


@pytest.mark.parametrize(
    ("text", "word", "language", "cost"),
    [
        ("we went to the sea", "to", "en", SHORT_WORD),
        ("we went to the sea", "the", "en", SHORT_WORD),
        ("we went to the sea", "went", "en", 0.0),
        ("il parle de la mer et du vent", "de", "fr", SHORT_WORD),
        ("il parle de la mer et du vent", "la", "fr", SHORT_WORD),
        ("il parle de la mer et du vent", "mer", "fr", 0.0),
        ("je vais à Paris", "à", "fr", SHORT_WORD),
        # `the` is not a French short word, `de` is not an English one; a single letter
        # is short in any language.
        ("the cat", "the", "fr", 0.0),
        ("de facto", "de", "en", 0.0),
        ("plan B or C now", "C", "en", SHORT_WORD),
        # A spaced dash must not start the next line; a break after it is fine.
        ("work \u2014 and life", "work", "en", DASH_START),
        ("work \u2014 and life", "\u2014", "en", 0.0),
        ("a run of 10 km today", "10", "en", 0.1),
        # Subject pronouns belong with what follows; before punctuation a pronoun ends its
        # clause and may end a line. A line ending one or two words into a new sentence,
        # or starting on a sentence's last word and going on, strands them.
        ("Ambition doesn't mean we are selfish", "we", "en", SHORT_WORD),
        ("selfish. It just means that we strive", "It", "en", SHORT_WORD),
        ("selfish. It just means that we strive", "just", "en", SENTENCE_START),
        ("selfish. It just means that we strive", "means", "en", 0.0),
        ("mean we are selfish. It just means", "are", "en", SENTENCE_START),
        ("I love it. Then we went on", "it.", "en", 0.0),
        ("Ce que nous voulons, vous le savez", "nous", "fr", SHORT_WORD),
        ("Morgen gehen wir ins Kino und dann", "wir", "de", SHORT_WORD),
        ("Lo que ellos quieren es vivir", "ellos", "es", SHORT_WORD),
        # Arabic prepositions and particles written as words of their own.
        ("نقف إلى جانبهم في أيامهم", "إلى", "ar", SHORT_WORD),
        ("نقف إلى جانبهم في أيامهم", "جانبهم", "ar", 0.0),
    ],
)
def test_break_costs(text: str, word: str, language: str, cost: float) -> None:
    assert _cost_after(text, word, language) == pytest.approx(cost)


def test_closing_punctuation_never_starts_a_line() -> None:
    for text in ("Vraiment ?", "« mot »", "il dit : oui", "fin ! puis"):
        pieces = segments(text)
        assert all(p[0] not in "?»:!" for p in pieces[1:]), pieces


def _all_breaks(pieces: int, lines: int) -> list[list[tuple[int, int]]]:
    """Every way to cut `pieces` pieces into `lines` non-empty lines."""
    found = []
    for cuts in itertools.combinations(range(1, pieces), lines - 1):
        bounds = [0, *cuts, pieces]
        found.append(list(itertools.pairwise(bounds)))
    return found


words = st.lists(st.text("abcdefghijklmnop", min_size=1, max_size=9), min_size=2, max_size=11)


@settings(max_examples=250, deadline=None)
@given(words=words, width=st.integers(30, 400), pretty=st.booleans())
def test_no_lone_last_word_where_a_better_break_exists(
    words: list[str], width: int, pretty: bool
) -> None:
    text = " ".join(words)
    fitted = set_at(text, 10, width, 1.2, Proportional(), wrap=PRETTY if pretty else "balance")
    if fitted is None or len(fitted.lines) < 2 or " " in fitted.lines[-1]:
        return
    # The last line holds one word: no break into as many lines may hold two on every
    # line (a word alone on any other line costs as much).
    measure, pieces = Proportional(), [w + " " for w in words[:-1]] + words[-1:]
    for spans in _all_breaks(len(pieces), len(fitted.lines)):
        if any(b - a < 2 for a, b in spans):
            continue
        widths = [measure.width("".join(pieces[a:b]).rstrip(), 10) for a, b in spans]
        assert max(widths) > width, (fitted.lines, spans)


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(["a", "the", "of", "to", "I", "walk", "river", "mountain", "\u2014"]),
        min_size=1,
        max_size=40,
    ),
    box_w=st.integers(20, 900),
    box_h=st.integers(10, 900),
    hang=st.booleans(),
    pretty=st.booleans(),
)
def test_every_word_in_order_no_line_too_wide_and_deterministic(
    words: list[str], box_w: int, box_h: int, hang: bool, pretty: bool
) -> None:
    text = ("\u201c" if hang else "") + " ".join(words)
    wrap = PRETTY if pretty else "balance"
    fitted = fit_text(text, box_w, box_h, 6, 60, 1.2, Proportional(), hang=hang, wrap=wrap)
    if fitted is None:
        return
    assert " ".join(fitted.lines).split() == text.split()  # nothing lost, nothing reordered
    assert fitted.widths[0] <= box_w and all(w <= box_w - fitted.hang for w in fitted.widths[1:])
    assert fitted.height <= box_h
    breaks.cache_clear()
    again = fit_text(text, box_w, box_h, 6, 60, 1.2, Proportional(), hang=hang, wrap=wrap)
    assert again == fitted


# French strands more: `notre`, `dans`, `la`, `de`, `nos` are a third of this sentence.
@pytest.mark.parametrize(
    ("text", "language", "ratio"),
    [
        (
            "Ambition means that we strive for excellence in our work and in the lives of "
            "our children",
            "en",
            10,
        ),
        (
            "Nous cherchons avant tout la justesse dans notre travail et dans la vie de "
            "nos enfants chaque jour",
            "fr",
            3,
        ),
    ],
)
def test_short_words_do_not_end_lines_when_they_can_be_helped(
    text: str, language: str, ratio: int
) -> None:
    short = short_words(language)
    before = after = 0
    for width in range(120, 400, 6):
        fitted = set_at(text, 10, width, 1.2, M, language=language)
        greedy_lines = wrap(text.split(), width, 10, M)
        assert fitted is not None and greedy_lines is not None
        assert len(fitted.lines) == len(greedy_lines)
        before += sum(line.rsplit(" ", 1)[-1].lower() in short for line in greedy_lines[:-1])
        after += sum(line.rsplit(" ", 1)[-1].lower() in short for line in fitted.lines[:-1])
    assert before > 20 and after <= before // ratio


def test_a_spaced_dash_does_not_start_a_line() -> None:
    text = "Ambition is fine \u2014 it is how we grow and how we learn"
    for width in range(100, 300, 4):
        fitted = set_at(text, 10, width, 1.2, M)
        assert fitted is not None
        assert not any(line.startswith("\u2014") for line in fitted.lines[1:]), fitted.lines


def test_balance_evens_the_lines_and_pretty_fills_all_but_the_last() -> None:
    text = "one two three four five six seven eight nine ten eleven twelve"
    balanced = set_at(text, 10, 260, 1.2, M)
    pretty = set_at(text, 10, 260, 1.2, M, wrap=PRETTY)
    assert balanced is not None and pretty is not None
    assert len(balanced.lines) == len(pretty.lines) == 2
    assert max(balanced.widths) - min(balanced.widths) < 40
    assert pretty.widths[0] > balanced.widths[0]


def test_the_emoji_alone_on_the_last_line_is_pulled_up_with_a_word() -> None:
    text = "Ambition is not selfish, it is how we grow together \U0001f331"
    for width in range(100, 330, 5):
        fitted = set_at(text, 10, width, 1.2, M)
        assert fitted is not None
        if len(fitted.lines) > 1:
            assert fitted.lines[-1] != "\U0001f331", (width, fitted.lines)


@pytest.mark.parametrize(
    ("width", "expected"),
    [
        (200, ["仕事と家庭の両立は、", "誰にとっても簡単な", "ことではありません。"]),
        (330, ["仕事と家庭の両立は、誰にとっても", "簡単なことではありません。"]),
    ],
)
def test_japanese_breaks_between_phrases(width: int, expected: list[str]) -> None:
    text = "仕事と家庭の両立は、誰にとっても簡単なことではありません。"
    fitted = set_at(text, 20, width, 1.2, M)
    assert fitted is not None and list(fitted.lines) == expected


def test_japanese_words_stay_whole_while_they_fit() -> None:
    text = "裁量労働制のアーリーバードエンジニアは1ヶ月で慣れた。"
    for width in range(260, 700, 10):
        fitted = set_at(text, 20, width, 1.2, M)
        assert fitted is not None
        joined = "|".join(fitted.lines)
        assert "裁|量" not in joined and "アーリー|バード" not in joined, fitted.lines


def test_a_phrase_wider_than_the_box_is_broken_between_characters() -> None:
    text = "アーリーバードエンジニアは"  # one phrase, 13 em
    assert breaks(text).fine is not None
    assert breaks(text).fine.penalties[3] == INSIDE_PHRASE  # type: ignore[union-attr]
    fitted = fit_text(text, 100, 200, 20, 20, 1.2, M)  # 5 characters a line
    assert fitted is not None and "".join(fitted.lines) == text and len(fitted.lines) == 3


# Each has phrases of every length; the first three one phrase of 12-19 characters.
PHRASED = [
    "彼女はソフトウェアアーキテクチャ設計レビューを担当している。",
    "新しいクラウドインフラストラクチャ運用自動化ツールを導入した。",
    "这个国际化软件开发项目管理平台非常好用，大家都喜欢。",
    "私は毎朝早く起きて、公園を散歩してから仕事を始めることにしています。",
    "子どもが寝たあとの静かな時間に、少しずつ本を読んでいます。",
]


def _breaks_inside_phrases_that_fit(text: str, fitted: FittedText, box_w: float) -> list[str]:
    """Line ends inside a phrase that is no wider than the box at the fitted size."""
    phrases = breaks(text).coarse.pieces
    ends = list(itertools.accumulate(len(p) for p in phrases))
    wrong = []
    for start in fitted.starts[1:]:
        if start in ends:
            continue
        phrase = next(p for p, end in zip(phrases, ends, strict=True) if end > start)
        if M.width(phrase, fitted.size) <= box_w:
            wrong.append(f"{text[:start]}|{text[start:]} ({phrase} fits)")
    return wrong


@pytest.mark.parametrize("text", PHRASED)
def test_japanese_and_chinese_break_between_phrases_wherever_a_phrase_fits(text: str) -> None:
    # A phrase wider than the box is cut between characters, and only that phrase: the
    # others stay whole (the fitter used to cut every phrase once one was too wide).
    for width in range(60, 520, 20):
        for fitted in (
            fit_text(text, width, 2000, 10, 20, 1.2, M),
            set_at(text, 20, width, 1.2, M),
        ):
            assert fitted is not None
            assert "".join(fitted.lines) == text
            assert not _breaks_inside_phrases_that_fit(text, fitted, width), fitted.lines


def test_a_phrase_too_wide_is_cut_where_its_script_changes_rather_than_inside_a_word() -> None:
    text = "彼女はソフトウェアアーキテクチャ設計レビューを担当している。"
    fine = breaks(text).fine
    assert fine is not None
    ends = itertools.accumulate(len(p) for p in fine.pieces[:-1])
    cost = dict(zip(ends, fine.penalties, strict=True))
    assert cost[text.index("設計")] == INSIDE_PHRASE_AT_EDGE  # katakana | Han
    assert cost[text.index("ウェア")] == INSIDE_PHRASE  # inside the katakana word
    assert text.index("ソフト") not in cost or cost[text.index("ソフト")] == 0.0  # a phrase's end
    fitted = set_at(text, 20, 340, 1.2, M)  # 17 characters a line
    assert fitted is not None
    assert fitted.lines[0] == "彼女はソフトウェアアーキテクチャ", fitted.lines


def test_chinese_breaks_between_phrases() -> None:
    text = "我们今天去公园散步，天气很好。"
    pieces = [p for p in breaks(text).coarse.pieces]
    assert pieces[:2] == ["我们", "今天"] and "公园" in "".join(pieces)
    assert "公" not in pieces


def test_thai_breaks_between_dictionary_words() -> None:
    text = "ภาษาไทยเป็นภาษาที่ไม่มีการเว้นวรรคระหว่างคำ แต่เว้นวรรคระหว่างประโยค"
    pieces = [p.rstrip() for p in segments(text)]
    assert pieces[:4] == ["ภาษา", "ไทย", "เป็น", "ภาษา"]
    assert "".join(segments(text)) == text
    fitted = fit_text(text, 200, 400, 10, 40, 1.2, M)
    assert fitted is not None and len(fitted.lines) > 1
    assert "".join(fitted.lines).replace(" ", "") == text.replace(" ", "")
    for line in fitted.lines:  # every line starts on a word, never on a vowel sign or tone mark
        assert (
            line[0]
            not in "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e47\u0e48\u0e49\u0e4a\u0e4b"
        )


def test_thai_after_an_emoji_still_breaks_between_words() -> None:
    # ICU counts UTF-16 units, Python characters: an emoji before Thai must not shift them.
    pieces = [p.rstrip() for p in segments("\U0001f600\U0001f600 ภาษาไทยเป็นภาษา")]
    assert pieces[-4:] == ["ภาษา", "ไทย", "เป็น", "ภาษา"]


def test_lao_breaks_between_words() -> None:
    pieces = segments("ພາສາລາວເປັນພາສາ")
    assert len(pieces) >= 3 and "".join(pieces) == "ພາສາລາວເປັນພາສາ"


def test_korean_breaks_only_at_spaces() -> None:
    assert segments("행복은 마음속에 있다") == ["행복은 ", "마음속에 ", "있다"]


def test_lone_cost_of_a_piece() -> None:
    found = breaks("仕事と家庭の両立は、誰にとっても簡単なことではありません。").coarse
    assert found.lone[-1] == 0.0  # a long phrase may end a paragraph
    assert breaks("we grow").coarse.lone == (WIDOW, WIDOW)


@pytest.mark.parametrize(
    ("widths", "max_width", "expected"),
    [
        # Even lines: 3 + 3 beats 5 + 1.
        ([1, 1, 1, 1, 1, 1], 5.2, [(0, 3), (3, 6)]),
        # One piece fills a line: nothing to choose.
        ([5, 1], 5.0, [(0, 1), (1, 2)]),
    ],
)
def test_best_breaks_table(
    widths: list[float], max_width: float, expected: list[tuple[int, int]]
) -> None:
    line_widths = LineWidths(widths, [w + 0.1 for w in widths])
    fewest = greedy(line_widths, max_width)
    assert fewest is not None
    penalties = [0.0] * (len(widths) - 1)
    lines, paid = best_breaks(line_widths, max_width, penalties, [0.0] * len(widths), fewest)
    assert lines == expected and paid == 0.0


def test_a_penalty_moves_a_break() -> None:
    widths = LineWidths([1.0] * 6, [1.1] * 6)
    fewest = greedy(widths, 5.2)
    assert fewest is not None
    penalties = [0.0, 0.0, 5.0, 0.0, 0.0]  # breaking after the third piece is costly
    lines, paid = best_breaks(widths, 5.2, penalties, [0.0] * 6, fewest)
    assert paid == 0.0
    assert lines in ([(0, 2), (2, 6)], [(0, 4), (4, 6)])


# --- the text as the card sets it ---------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text", "emphasised"),
    [
        ("it _is_ so", "it is so", "is"),
        ("it *is* so", "it is so", "is"),
        ("it **really** is", "it really is", "really"),
        ("a __big__ deal", "a big deal", "big"),
        ("snake_case_name stays", "snake_case_name stays", ""),
        ("2 * 3 * 4 = 24", "2 * 3 * 4 = 24", ""),
        ("_one_ and _two_", "one and two", "onetwo"),
        # Handles and web addresses are shown as written.
        ("follow @_handle_ now", "follow @_handle_ now", ""),
        ("see site.com/_draft_ and _this_", "see site.com/_draft_ and this", "this"),
    ],
)
def test_emphasis_marks_are_removed(raw: str, text: str, emphasised: str) -> None:
    plain, flags = prepare(raw, "en")
    assert plain == text
    assert "".join(c for c, f in zip(plain, flags, strict=True) if f) == emphasised


@pytest.mark.parametrize(
    ("raw", "language", "expected"),
    [
        # French: narrow no-break spaces inside « » and before ? ! ; :
        ("Il a dit\u00a0: « oui\u00a0» ?", "fr", "Il a dit\u202f: «\u202foui\u202f»\u202f?"),
        ("Vraiment ! Et toi ; non", "fr", "Vraiment\u202f! Et toi\u202f; non"),
        ("Pas d’espace?", "fr", "Pas d’espace?"),  # spaces change, none is added
        ("Really ? « yes »", "en", "Really ? « yes »"),
        # Japanese and Chinese: no space beside their punctuation.
        ("今日は晴れ。 明日は 「雨」 です 。", "ja", "今日は晴れ。明日は「雨」です。"),
        ("你好 ， 世界 。", "zh-Hans", "你好，世界。"),
        ("日本 語 OK", "ja", "日本 語 OK"),  # spaces between words stay
    ],
)
def test_local_spacing(raw: str, language: str, expected: str) -> None:
    assert prepare(raw, language)[0] == expected


def test_a_narrow_no_break_space_glues_and_survives_fitting() -> None:
    text, _ = prepare("Est-ce vraiment la question « essentielle » ?", "fr")
    for width in range(80, 400, 7):
        fitted = set_at(text, 10, width, 1.2, M)
        if fitted is None:
            continue
        assert "\u202f" in "".join(fitted.lines)
        for line in fitted.lines:
            assert not line.startswith(("?", "\u00bb", "\u202f")) and not line.endswith("\u00ab")


def test_a_slightly_smaller_size_is_taken_to_spare_a_lone_last_word() -> None:
    text = "aaaaaaaa bbbbbbbbbb cccccccccc"
    # At 20 px (10 px a letter) the last two words need 210 px: `cccccccccc` would be alone.
    alone = set_at(text, 20, 200, 1.2, M)
    assert alone is not None and alone.lines[-1] == "cccccccccc"
    fitted = fit_text(text, 200, 1000, 10, 20, 1.2, M)
    assert fitted is not None and fitted.size == 19
    assert fitted.lines == ("aaaaaaaa", "bbbbbbbbbb cccccccccc")
    # Where no size within SIZE_GIVE breaks better, the largest size stands.
    assert fit_text("aaaaaaaaaaaaaaaaaa bbbbbbbbbb", 200, 1000, 10, 20, 1.2, M).size == 20  # type: ignore[union-attr]


def test_a_penalty_no_smaller_size_spares_costs_one_more_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At these widths every size down to the give's floor breaks in as many lines and
    none more cleanly than the largest (a stranded short word stays): the smallest is
    set, and not each of the eight sizes sampled between (the fits are the same as
    setting each: `test_fit_expectations`)."""
    import cardgen.typography.typeset as typeset

    settings: list[int] = []
    real = typeset.greedy

    def counted(*args: object, **kwargs: object) -> object:
        settings.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(typeset, "greedy", counted)
    text = (
        "Ambition doesn't mean we are selfish. It just means that we strive for excellence "
        "in the work we love, and that we want our children to see it."
    )
    for width in (1015, 1038, 1061):
        settings.clear()
        fitted = fit_text(text, width, 600, 10, 56, 1.2, Proportional())
        assert fitted is not None and fitted.size == 56
        assert len(settings) == 2  # the largest size and the smallest of its run
