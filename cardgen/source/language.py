"""Languages: checking BCP 47-style codes (`fr`, `pt-BR`, `zh-Hant`) and guessing a
quote's language from its script, or from common words for Latin-script text."""

from __future__ import annotations

import functools
import re

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
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ku"})


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


# Short words that are frequent in one language and rare in the others.
_COMMON_WORDS = {
    "en": "the of and to is that it in you we are was for with this not but be have",
    "fr": "le la les des est une que qui pas pour dans sur nous vous ce il elle au aux du ne",
    "de": "der die das und ist nicht ein eine ich wir sie mit auf den dem zu auch",
    "es": "el los las del que es una por con para no se lo como pero su al",
    "it": "il che di è non una per sono gli della con ma come anche del",
    "pt": "os as não uma para com que do da em é por mas se dos das",
}
_WORDS = {lang: frozenset(words.split()) for lang, words in _COMMON_WORDS.items()}
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


_SCRIPTS = {
    "ar": re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufeff]"),
    "he": re.compile("[\u0590-\u05ff]"),
    "ja": re.compile("[\u3040-\u30ff]"),  # kana: Japanese even among many kanji
    "ko": re.compile("[\uac00-\ud7af\u1100-\u11ff]"),
    "zh": re.compile("[\u4e00-\u9fff\u3400-\u4dbf]"),
    "th": re.compile("[\u0e00-\u0e7f]"),
    "lo": re.compile("[\u0e80-\u0eff]"),
    "ru": re.compile("[\u0400-\u04ff]"),
    "el": re.compile("[\u0370-\u03ff]"),
    "hi": re.compile("[\u0900-\u097f]"),
}
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f]")


@functools.lru_cache(maxsize=1024)
def detect(text: str) -> str:
    """The language a quote is most likely in: by script first (Arabic, Hebrew, kana,
    Hangul, Han, Thai, ...), then by common words for Latin script; `en` by default."""
    counts = {lang: len(script.findall(text)) for lang, script in _SCRIPTS.items()}
    counts = {lang: n for lang, n in counts.items() if n}
    if counts.get("ja"):
        return "ja"
    if counts:
        best = max(counts, key=lambda k: counts[k])
        if best == "zh" and counts.get("ko"):
            return "ko"
        if counts[best] >= len(_LATIN_LETTER.findall(text)):
            return best
    return _latin_language(text)


def _latin_language(text: str) -> str:
    words = [w.lower() for w in _WORD.findall(text)]
    if "«" in text or "»" in text:
        return "fr"
    scores = {lang: sum(1 for w in words if w in vocab) for lang, vocab in _WORDS.items()}
    # Elided articles and pronouns (l’, d’, qu’, c’est) are French.
    scores["fr"] += sum(1 for w in words if re.match(r"^(?:l|d|qu|c|j|n|s)['’]", w))
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] > scores["en"] else "en"


def is_rtl(code: str) -> bool:
    return primary(code) in RTL_LANGUAGES
