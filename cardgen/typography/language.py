"""The language of a quote, guessed from its own text: by script, then (for Latin
script) by its most common short words. Typesetting uses it for line-break rules
(which short words should not end a line, where Japanese phrases end) and spacing.

Codes are BCP 47 primary tags (`en`, `fr`, `ja`, `zh-Hant`, ...), or `und` when
the text gives no clue.
"""

from __future__ import annotations

import functools
import re
import unicodedata

UNDETERMINED = "und"


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# Short words that should not end a line: articles, prepositions, possessives and a
# few pronouns of one to four letters, per language: each belongs with the word after
# it, and a line that ends on one strands it (`of` / `the sea`).
SHORT_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "a an the of to in on at by for as from into onto with via per i my our your his her "
        "its their no mr. mrs. ms. dr. st."
    ),
    "fr": _words(
        "à a au aux de des du la le les un une en y ce ces cet cette sa son ses ma mon mes ta "
        "ton tes nos vos leur leurs notre votre je tu il on ne par pour sur sous dans avec "
        "sans chez vers m. mme dr"
    ),
    "es": _words(
        "a al de del el la las los lo un una unos unas en con por para sin su sus mi mis tu "
        "tus no sr. sra."
    ),
    "pt": _words(
        "a o as os um uma de do da dos das em no na nos nas por com para se ao à seu sua sr. sra."
    ),
    "it": _words(
        "a al allo alla ai agli alle il lo la i gli le un uno una di da del della dei in con "
        "su per tra fra non"
    ),
    "de": _words(
        "der die das den dem des ein eine einen einem einer zu im in am an auf aus bei mit "
        "von vom zum zur für ich um"
    ),
    "nl": _words("de het een in op te van met voor aan bij"),
}
# What tells these languages apart in a few sentences: frequent words, weighted by
# how specific they are to one language.
_MARKERS: dict[str, frozenset[str]] = {
    "en": _words(
        "the and of to is that it was for with you this are be not have we they what "
        "but his her my your our from an at by"
    ),
    "fr": _words(
        "le la les des est et une un du que qui pas pour dans sur avec ce nous vous je "
        "au aux ne plus mais être"
    ),
    "es": _words("el la los las es y una un del que en por para con no se lo su pero más"),
    "pt": _words("o os as é e uma um do da dos das que em não para com se mas"),
    "it": _words("il lo gli è e una un di che non per con sono della ma più"),
    "de": _words("der die das und ist ein eine nicht mit von zu den dem ich sie wir auf auch"),
    "nl": _words("de het een en is van niet met op zijn dat voor ook"),
}
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")

# Script blocks (first, last code point, language) for scripts that name a language
# well enough for typesetting.
_SCRIPT_LANGUAGES = (
    (0x0E00, 0x0E7F, "th"),
    (0x0E80, 0x0EFF, "lo"),
    (0x1780, 0x17FF, "km"),
    (0x1000, 0x109F, "my"),
    (0x0590, 0x05FF, "he"),
    (0x0600, 0x06FF, "ar"),
    (0x0750, 0x077F, "ar"),
    (0x0900, 0x097F, "hi"),
    (0x0370, 0x03FF, "el"),
    (0x0400, 0x04FF, "ru"),
    (0xAC00, 0xD7AF, "ko"),
    (0x1100, 0x11FF, "ko"),
)
# Frequent characters written differently in simplified and traditional Chinese.
_SIMPLIFIED = frozenset("这们说国时会来为个后对过还没发经问长见让开关门实现两书车东")
_TRADITIONAL = frozenset("這們說國時會來為個後對過還沒發經問長見讓開關門實現兩書車東")


def _script_of(char: str) -> str:
    code = ord(char)
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF:
        return "kana"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2FFFF:
        return "han"
    for first, last, language in _SCRIPT_LANGUAGES:
        if first <= code <= last:
            return language
    if char.isalpha() and "LATIN" in unicodedata.name(char, ""):
        return "latin"
    return ""


@functools.lru_cache(maxsize=1024)
def detect(text: str) -> str:
    """The language `text` is most likely in (`und` when it cannot tell)."""
    counts: dict[str, int] = {}
    for char in text:
        script = _script_of(char)
        if script:
            counts[script] = counts.get(script, 0) + 1
    if not counts:
        return UNDETERMINED
    if counts.get("kana"):
        return "ja"  # Japanese mixes kana into kanji; Chinese has none
    script = max(counts, key=lambda s: (counts[s], s))
    if script == "han":
        simplified = sum(c in _SIMPLIFIED for c in text)
        traditional = sum(c in _TRADITIONAL for c in text)
        return "zh-Hant" if traditional > simplified else "zh-Hans"
    if script != "latin":
        return script
    return _latin_language(text)


def _latin_language(text: str) -> str:
    words = [w.lower() for w in _WORD.findall(text)]
    scores = {lang: sum(w in markers for w in words) for lang, markers in _MARKERS.items()}
    best = max(scores, key=lambda lang: (scores[lang], lang == "en"))
    return best if scores[best] else UNDETERMINED


def primary(language: str) -> str:
    """`fr` of `fr-CA`, `zh` of `zh-Hant`: the part that picks rules."""
    return language.split("-", 1)[0].lower()


def short_words(language: str) -> frozenset[str]:
    """Words that should not end a line in `language` (every language's when unknown)."""
    found = SHORT_WORDS.get(primary(language))
    if found is not None:
        return found
    return _ALL_SHORT_WORDS


_ALL_SHORT_WORDS = frozenset().union(*SHORT_WORDS.values())
