"""Who speaks a passage: quoted speakers with their tags, narration, and wrong credits."""

from __future__ import annotations

from pathlib import Path

import pytest

from cardgen.source.attribution import (
    QUOTED_SPEAKER,
    analyse,
    check_attribution,
    same_person,
    speaker_of,
)
from cardgen.source.quotes import load_selection


def last_paragraph(
    paragraphs: list[str], author: str | None = "Writer Name"
) -> tuple[str, str | None, str | None]:
    voices = analyse(paragraphs, [author or ""])
    start = sum(len(p) + 2 for p in paragraphs[:-1])
    speaker = speaker_of(voices, (start, start + len(paragraphs[-1])), author=author)
    return speaker.kind, speaker.name, speaker.cue


@pytest.mark.parametrize(
    ("paragraphs", "kind", "name"),
    [
        # "…," she says: the pronoun is the nearest person named before it
        (
            [
                "Maria Lopez runs a bakery in Lyon.",
                "“Bread teaches patience to everyone who bakes it,” she says.",
            ],
            "quoted",
            "Maria Lopez",
        ),
        # Name says, "…"
        (
            ["Lara says, “Ambition is not a dirty word for mothers or anyone.”"],
            "quoted",
            "Lara",
        ),
        # "…," said Name
        (
            ["“Nobody gets rich by waiting for permission,” said Ana Ruiz, the founder."],
            "quoted",
            "Ana Ruiz",
        ),
        # "…," Name said (a first name alone is the full name the article gave)
        (
            [
                "Tom Hardy spoke last at the meeting.",
                "“We build what we believe in, one brick at a time,” Tom said.",
            ],
            "quoted",
            "Tom Hardy",
        ),
        # according to Name, "…" (a title and its full stop do not end the sentence)
        (
            ["According to Dr. Sam Okafor, “sleep is the cheapest medicine there is.”"],
            "quoted",
            "Dr. Sam Okafor",
        ),
        # "…" according to Name
        (
            ["“Markets forgive slowly and forget quickly,” according to Ines Berg."],
            "quoted",
            "Ines Berg",
        ),
        # straight quotes and an adverb in the tag
        (
            [
                "Joan Didion wrote often about this.",
                '"We tell ourselves stories in order to live," she wrote quietly.',
            ],
            "quoted",
            "Joan Didion",
        ),
        # a paragraph of reported speech that goes on from the one before (no closing mark)
        (
            [
                "Lara Bazelon says, “Ambition is not a dirty word for mothers or for anyone.",
                "“It is what keeps us going when everything else is hard.”",
            ],
            "quoted",
            "Lara Bazelon",
        ),
        # a whole paragraph in quotes right after the speaker's quoted paragraph
        (
            [
                "“We start early,” said Priya Nair. “The bread will not wait for us.”",
                "“And the customers never wait either, not even on Sundays.”",
            ],
            "quoted",
            "Priya Nair",
        ),
        # quoted, but no tag names anyone
        (
            ["“We never stop learning from our children,” someone shouted from the crowd."],
            "quoted",
            None,
        ),
        # narration, with scare quotes and a title in quotes
        (
            ["The “experts” were wrong about the weather again this week."],
            "narration",
            "Writer Name",
        ),
        (
            ['Her book "Ambitious Like a Mother" came out in 2021 to good reviews.'],
            "narration",
            "Writer Name",
        ),
        # French: « … », dit-elle / explique Name / selon Name / Name affirme : « … »
        (
            [
                "Le maire Jean Dupont était présent.",
                "« Nous ne laisserons personne au bord de la route », dit-il.",
            ],
            "quoted",
            "Jean Dupont",
        ),
        (
            ["« La culture n'est pas un luxe, c'est une nécessité », explique Marie Curie-Blanc."],
            "quoted",
            "Marie Curie-Blanc",
        ),
        (
            ["Selon Paul Martin, « il faut oser échouer pour apprendre quelque chose »."],
            "quoted",
            "Paul Martin",
        ),
        (
            ["Claire Dubois affirme : « le travail bien fait ne se voit jamais tout de suite »."],
            "quoted",
            "Claire Dubois",
        ),
        (
            [
                "« On apprend toujours plus de ses échecs que de ses succès », affirme-t-elle.",
            ],
            "quoted",
            None,
        ),
        (
            ["La ville a changé depuis dix ans, et les loyers ont doublé."],
            "narration",
            "Writer Name",
        ),
        # a role instead of a name: the person the article introduced with it
        (
            [
                "The mayor, Tom Reyes, spoke at noon.",
                "“We have waited long enough for this bridge,” the mayor said.",
            ],
            "quoted",
            "Tom Reyes",
        ),
        (
            [
                "Ana Ruiz, the company’s founder, was blunt.",
                "“Nobody gets rich by waiting for permission,” the founder said.",
            ],
            "quoted",
            "Ana Ruiz",
        ),
        (
            [
                "Le maire Jean Dupont était présent.",
                "« Nous ne laisserons personne au bord de la route », a déclaré le maire.",
            ],
            "quoted",
            "Jean Dupont",
        ),
        # a role the article never tied to a name: a quoted speaker
        (["“The bridge will never open on time,” the engineer said."], "quoted", None),
        # a credit line after the closing mark
        (["“The sea does not forgive those who forget it.” — Ana Ruiz"], "quoted", "Ana Ruiz"),
        # French compound tense: « … », a-t-elle ajouté
        (
            [
                "Marie Dupont était là ce matin.",
                "« Nous reviendrons plus forts que jamais après cette saison », a-t-elle ajouté.",
            ],
            "quoted",
            "Marie Dupont",
        ),
        # « … », a déclaré Name
        (
            ["« Le climat est la question de notre siècle », a déclaré Paul Martin, chercheur."],
            "quoted",
            "Paul Martin",
        ),
        # a quote split by its tag: “…,” she told me, “…”
        (
            [
                "Lara Bazelon was clear about it.",
                "“Ambition is not a dirty word,” she told me, “and mothers should claim it.”",
            ],
            "quoted",
            "Lara Bazelon",
        ),
    ],
)
def test_speaker_of_the_last_paragraph(paragraphs: list[str], kind: str, name: str | None) -> None:
    assert last_paragraph(paragraphs)[:2] == (kind, name)


def test_an_unnamed_speaker_is_reported_as_a_quoted_speaker() -> None:
    voices = analyse(["“Nobody saw it coming at all,” a neighbour said."])
    speaker = speaker_of(voices, (0, 40))
    assert speaker.kind == "quoted" and speaker.label == QUOTED_SPEAKER
    problem = check_attribution(speaker, None, voices=voices, author=None, publisher=None)
    assert problem is not None and "quoted speaker" in problem


def test_narration_belongs_to_the_author_else_the_publisher() -> None:
    voices = analyse(["It was a long winter for everyone in the valley."])
    assert speaker_of(voices, (0, 10), author="Ann", publisher="Daily").name == "Ann"
    assert speaker_of(voices, (0, 10), author=None, publisher="Daily").name == "Daily"
    assert speaker_of(voices, (0, 10)).label == "the article's author"


HOST = [
    "When I heard about Lara Bazelon\u2019s book, I wanted to talk with her.",
    "Lara describes being a working mom like a seesaw, and that is okay.",
    "She also believes that we can find more happiness at work and at home.",
    "Ambition doesn\u2019t mean we are selfish.",
    "“Ambition is a word women should take back for themselves,” Lara says.",
]


@pytest.mark.parametrize(
    ("index", "credited", "author", "publisher", "complaint"),
    [
        # narration about her, credited to her: the seesaw card
        (1, "Lara Bazelon", None, "Happy as a Mother", "speaks about Lara Bazelon"),
        # a pronoun that stands for her counts as speaking about her
        (2, "Lara Bazelon", None, "Happy as a Mother", "speaks about Lara Bazelon"),
        # the host's narration credited to the interviewee (even when named as the author)
        (3, "Lara Bazelon", "Lara Bazelon", "Happy as a Mother", "an interviewee"),
        (3, "Lara", None, None, "an interviewee"),
        # right: narration credited to the publisher or the real author
        (3, "Happy as a Mother", None, "Happy as a Mother", None),
        (3, "Jo Writer", "Jo Writer", None, None),
        # her own words, in quotation marks: hers, not the host's
        (4, "Lara Bazelon", None, "Happy as a Mother", None),
        (4, "Happy as a Mother", None, "Happy as a Mother", "Lara Bazelon's words"),
        # nobody at all
        (3, None, None, None, "no attribution"),
    ],
)
def test_check_attribution(
    index: int,
    credited: str | None,
    author: str | None,
    publisher: str | None,
    complaint: str | None,
) -> None:
    voices = analyse(HOST, [author or ""])
    start = sum(len(p) + 2 for p in HOST[:index])
    span = (start, start + len(HOST[index]))
    speaker = speaker_of(voices, span, author=author, publisher=publisher)
    problem = check_attribution(
        speaker, credited, voices=voices, author=author, publisher=publisher
    )
    if complaint is None:
        assert problem is None
    else:
        assert problem is not None and complaint in problem


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Lara", "Lara Bazelon", True),
        ("Bazelon", "Lara Bazelon", True),
        ("Dr. Lara Bazelon", "Lara Bazelon", True),
        ("Lara Croft", "Lara Bazelon", False),
        ("Happy as a Mother", "Lara Bazelon", False),
        ("", "Lara", False),
    ],
)
def test_same_person(a: str, b: str, same: bool) -> None:
    assert same_person(a, b) is same


def test_the_bundled_example_is_credited_to_the_blog() -> None:
    root = Path(__file__).resolve().parents[1]
    selection = load_selection(root / "quotes" / "overcoming-working-mom-guilt.yaml")
    assert {q.attribution for q in selection.quotes} == {"Happy as a Mother"}
    assert all(q.speaker is not None and q.speaker.kind == "narration" for q in selection.quotes)
    assert not [w for q in selection.quotes for w in q.warnings]


def test_suggest_writes_who_speaks_each_passage(tmp_path: Path) -> None:
    import yaml

    from cardgen.source.suggest import suggest_selection

    article = tmp_path / "bakery.md"
    article.write_text(
        "---\ntitle: Bakers\nauthor: Jo Writer\n---\n\n"
        "Maria Lopez runs a bakery near the river and opens at five.\n\n"
        "“Bread teaches patience to everyone who bakes it, and patience is a gift,” she says.\n\n"
        "Good work is slow work, and nobody here is ever in a hurry to finish it.\n",
        encoding="utf-8",
    )
    document = yaml.safe_load(suggest_selection(article, 5, tmp_path))
    credited = {q["text"]: q.get("attribution") for q in document["quotes"]}
    bread = next(text for text in credited if text.startswith("“Bread") or "Bread" in text)
    assert credited[bread] == "Maria Lopez"
    slow = next(text for text in credited if text.startswith("Good work"))
    assert credited[slow] == "Jo Writer"
