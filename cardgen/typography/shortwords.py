"""Short words that should not end a line, per language: articles, prepositions,
possessives and pronouns, each of which belongs with the word after it."""

from __future__ import annotations

from cardgen.source.language import primary


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# Short words that should not end a line, per language: articles, prepositions,
# possessives, and subject and clitic pronouns (`we`, `it`; `nous`, `il`, `se`; `wir`).
# Each belongs with the word after it, and a line that ends on one strands it (`of` /
# `the sea`, `It` / `just means`, `mean we` / `are selfish`). An object pronoun ends a
# line well only before punctuation (`love it.`), and a word followed by punctuation is
# never looked up here.
SHORT_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "a an the of to in on at by for as from into onto with via per my our your his her "
        "its their no mr. mrs. ms. dr. st. "
        "i we you he she it they"
    ),
    "fr": _words(
        "à a au aux de des du la le les un une en y ce ces cet cette sa son ses ma mon mes ta "
        "ton tes nos vos leur leurs notre votre ne par pour sur sous dans avec sans chez vers "
        "m. mme dr "
        "je tu il elle on nous vous ils elles me te se lui"
    ),
    "es": _words(
        "a al de del el la las los lo un una unos unas en con por para sin su sus mi mis tu "
        "tus no sr. sra. "
        "yo tú él ella nosotros nosotras ellos ellas usted me te se le les nos os"
    ),
    "pt": _words(
        "a o as os um uma de do da dos das em no na nos nas por com para se ao à seu sua sr. "
        "sra. "
        "eu tu ele ela nós eles elas você vocês me te lhe lhes"
    ),
    "it": _words(
        "a al allo alla ai agli alle il lo la i gli le un uno una di da del della dei in con "
        "su per tra fra non "
        "io tu lui lei noi voi loro mi ti si ci vi ne li"
    ),
    "de": _words(
        "der die das den dem des ein eine einen einem einer zu im in am an auf aus bei mit "
        "von vom zum zur für um "
        "ich du er sie es wir ihr"
    ),
    "nl": _words("de het een in op te van met voor aan bij ik jij je hij zij ze wij we jullie u"),
    # Arabic and Persian prepositions, particles and quantifiers written as words of
    # their own (`في` in, `إلى` to, `لم` did not, `كل` every; `به` to, `از` from), and
    # the pronouns that open a clause (`نحن` we, `هو` he; `ما` we, `او` he).
    "ar": _words(
        "في من على إلى الى عن مع لا ما لم لن أن ان إن قد ثم بل أو او يا هل كل حتى منذ عند "
        "لدى غير بين "
        "أنا أنت أنتم هو هي نحن هم هن"
    ),
    "fa": _words("به از در با بر تا این آن یک هر نه من تو او ما شما آنها"),
}


def short_words(language: str) -> frozenset[str]:
    """Words that should not end a line in `language` (every language's when unknown)."""
    found = SHORT_WORDS.get(primary(language))
    if found is not None:
        return found
    return _ALL_SHORT_WORDS


_ALL_SHORT_WORDS = frozenset().union(*SHORT_WORDS.values())
