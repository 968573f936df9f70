"""Sentence splitting: a table of hard cases, and properties over generated text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardgen.source.sentences import ABBREVIATIONS, sentences, split_sentences


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("Dr. Ruiz came. She left.", ["Dr. Ruiz came.", "She left."]),
        ("Mr. and Mrs. Smith met Prof. Jones.", ["Mr. and Mrs. Smith met Prof. Jones."]),
        ("Use tools, e.g. a spade. Then dig.", ["Use tools, e.g. a spade.", "Then dig."]),
        ("Dig, i.e. turn the soil. Done.", ["Dig, i.e. turn the soil.", "Done."]),
        ("I moved to the U.S. in May. It rained.", ["I moved to the U.S. in May.", "It rained."]),
        ("It grew 3.5 cm. Then 2.25 more.", ["It grew 3.5 cm.", "Then 2.25 more."]),
        ("See No. 5 on p. 12. Good.", ["See No. 5 on p. 12.", "Good."]),
        ("J. R. R. Tolkien wrote it. Yes.", ["J. R. R. Tolkien wrote it.", "Yes."]),
        ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
        ("She said “Stop.” Then he left.", ["She said “Stop.”", "Then he left."]),
        ("“Why?” she asked. Nobody knew.", ["“Why?” she asked.", "Nobody knew."]),
        ("Really? Yes! Good.", ["Really?", "Yes!", "Good."]),
        ("Wait!? What.", ["Wait!?", "What."]),
        ("It sounds simple… it is not. Try.", ["It sounds simple… it is not.", "Try."]),
        ("(Quietly.) Next.", ["(Quietly.)", "Next."]),
        ("No end mark here", ["No end mark here"]),
        ("Il a dit « non ». Puis il est parti.", ["Il a dit « non ».", "Puis il est parti."]),
        ("M. Bernard arrive. Il part.", ["M. Bernard arrive.", "Il part."]),
        ("Pourquoi ? Parce que !", ["Pourquoi ?", "Parce que !"]),
        ("¿Qué? Sí. La Sra. Gil vino.", ["¿Qué?", "Sí.", "La Sra. Gil vino."]),
        ("今日は晴れ。明日は雨！本当？", ["今日は晴れ。", "明日は雨！", "本当？"]),
        ("「行こう。」と彼は言った。", ["「行こう。」と彼は言った。"]),
        ("他说：“好。”我们走吧。", ["他说：“好。”", "我们走吧。"]),
        ("هل أنت بخير؟ نعم. شكراً!", ["هل أنت بخير؟", "نعم.", "شكراً!"]),
        ("האם זה נכון? כן. תודה!", ["האם זה נכון?", "כן.", "תודה!"]),
    ],
)  # fmt: skip
def test_sentences(paragraph: str, expected: list[str]) -> None:
    assert sentences(paragraph) == expected


# Abbreviations and single letters ("J.") rightly do not end sentences: leave them out.
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=8).filter(
    lambda word: word not in ABBREVIATIONS
)
SENTENCE = st.builds(
    lambda first, rest, end: " ".join([first.capitalize(), *rest]) + end,
    WORDS,
    st.lists(WORDS, max_size=8),
    st.sampled_from([".", "!", "?", ".”", '!"', "…", "?»"]),
)


@given(st.lists(SENTENCE, min_size=1, max_size=6))
def test_generated_sentences_split_back(parts: list[str]) -> None:
    paragraph = " ".join(parts)
    assert sentences(paragraph) == parts


@given(st.text(max_size=200))
def test_spans_cover_the_text_in_order(paragraph: str) -> None:
    spans = split_sentences(paragraph)
    at = 0
    for start, end in spans:
        assert at <= start < end <= len(paragraph)
        assert paragraph[at:start].strip() == ""  # only white space between sentences
        at = end
    assert paragraph[at:].strip() == ""
