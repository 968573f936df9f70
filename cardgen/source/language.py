"""Languages: checking BCP 47-style codes (`fr`, `pt-BR`, `zh-Hant`), telling scripts
written without spaces apart, and guessing the language of a quote from its own text
(by script, then, for Latin script, by its most common words).

The guess picks a quote's marks on the card and its line-break and spacing rules.
Codes are BCP 47 primary tags (`en`, `fr`, `ja`, `zh-Hant`, ...), or `und` when the
text gives no clue.
"""

from __future__ import annotations

import functools
import re
import unicodedata

UNDETERMINED = "und"

# ISO 639-1: the primary language subtag of a code must be one of these.
_ISO_CODES = """
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs
cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha
he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn
ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb
nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd
se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw
ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
"""
ISO_639_1 = frozenset(_ISO_CODES.split())
_CODE = re.compile(r"^([A-Za-z]{2})(?:[-_]([A-Za-z0-9]{2,8}))*$")


def check_code(value: str) -> str:
    """`fr`, `pt-BR`, `zh-Hant` -> the code; anything else raises ValueError with a hint."""
    match = _CODE.match(value.strip()) if isinstance(value, str) else None
    if match is None or match.group(1).lower() not in ISO_639_1:
        msg = (
            f"{value!r} is not a known language code "
            "(use an ISO 639-1 code such as 'en', 'fr', 'ja' or 'ar', with a region: 'pt-BR')"
        )
        raise ValueError(msg)
    return value.strip()


def primary(code: str) -> str:
    """`pt-BR` -> `pt`."""
    return re.split(r"[-_]", code, maxsplit=1)[0].lower()


def is_cjk(char: str) -> bool:
    """Han, kana, bopomofo, CJK punctuation and full-width forms: scripts written without
    spaces between words (so a line may break between any two of them)."""
    code = ord(char)
    return (
        0x2E80 <= code <= 0x30FF  # radicals, CJK symbols and punctuation, kana
        or 0x3100 <= code <= 0x31FF
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x20000 <= code <= 0x3FFFF
    )


# What tells these languages apart in a few sentences: frequent words, weighted by
# how specific they are to one language.
_MARKER_WORDS = {
    "en": "the and of to is that it was for with you this are be not have we they what "
    "but his her my your our from an at by",
    "fr": "le la les des est et une un du que qui pas pour dans sur avec ce nous vous je "
    "au aux ne plus mais être",
    "es": "el la los las es y una un del que en por para con no se lo su pero más",
    "pt": "o os as é e uma um do da dos das que em não para com se mas",
    "it": "il lo gli è e una un di che non per con sono della ma più",
    "de": "der die das und ist ein eine nicht mit von zu den dem ich sie wir auf auch",
    "nl": "de het een en is van niet met op zijn dat voor ook",
}
_MARKERS = {lang: frozenset(words.split()) for lang, words in _MARKER_WORDS.items()}
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")
_ELIDED = re.compile(r"^(?:l|d|qu|c|j|n|s)['\u2019]")

# Script blocks (first-last code point, in hex) of scripts that name a language well
# enough for typesetting.
_SCRIPT_BLOCKS = (
    "th 0E00-0E7F, lo 0E80-0EFF, km 1780-17FF, my 1000-109F, he 0590-05FF, ar 0600-06FF, "
    "ar 0750-077F, hi 0900-097F, el 0370-03FF, ru 0400-04FF, ko AC00-D7AF, ko 1100-11FF"
)
_SCRIPT_LANGUAGES = tuple(
    (int(first, 16), int(last, 16), language)
    for language, first, last in (
        block.replace("-", " ").split() for block in _SCRIPT_BLOCKS.split(", ")
    )
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
    return latin_language(text)


def latin_language(text: str) -> str:
    """The language of Latin-script `text` by its most common words (`und`: no clue)."""
    if "«" in text or "»" in text:
        return "fr"
    words = [w.lower() for w in _WORD.findall(text)]
    scores = {lang: sum(w in markers for w in words) for lang, markers in _MARKERS.items()}
    # Elided articles and pronouns (l’, d’, qu’, c’est) are French.
    scores["fr"] += sum(1 for w in words if _ELIDED.match(w))
    best = max(scores, key=lambda lang: (scores[lang], lang == "en"))
    return best if scores[best] else UNDETERMINED
