"""How common each word is in a language (wordfreq's lists), and a language guess for an article.

wordfreq ships its word lists as "cBpack" files (documented in wordfreq's `read_cBpack`): a
gzipped msgpack list whose first item is a header and whose item i+1 holds the words seen with
frequency 10^(-i/100). We read the packaged file directly: importing wordfreq itself pulls in
langcodes and takes most of a second, more than ranking a long article.
"""

from __future__ import annotations

import gzip
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

from cardgen.source.language import is_cjk

# Zipf scale: log10 of a word's frequency per billion words. "the" is about 7.7, "aristocracy"
# 3.2; a word missing from the list is rarer than the list's floor.
UNKNOWN_ZIPF = 1.0
# Stop words by language, for guessing the language of Latin-script text.
_MARKERS = {
    "en": "the and of to is that it in was for with he be not but they this which you are have",
    "fr": "le la les des et est une dans que qui pas pour sur avec ce il elle nous vous du au",
    "es": "el la los las y es una en que por con para no se del al lo pero como su sus",
    "de": "der die das und ist nicht ein eine zu mit den von sich auch es auf dem für im",
}
_MARKER_SETS = {lang: frozenset(words.split()) for lang, words in _MARKERS.items()}
_LATIN_WORD = re.compile(r"[^\W\d_]+")


def guess_language(text: str) -> str:
    """A wordfreq language code for `text`: by script, then by common words; "en" by default."""
    sample = text[:20_000]
    kana = sum(1 for c in sample if "\u3040" <= c <= "\u30ff")
    han = sum(1 for c in sample if is_cjk(c))
    arabic = sum(1 for c in sample if "\u0600" <= c <= "\u06ff")
    letters = sum(1 for c in sample if c.isalpha()) or 1
    if kana > 0.05 * letters:
        return "ja"
    if han > 0.3 * letters:
        return "zh"
    if arabic > 0.3 * letters:
        return "ar"
    words = [w.lower() for w in _LATIN_WORD.findall(sample)]
    counts = {lang: sum(1 for w in words if w in markers) for lang, markers in _MARKER_SETS.items()}
    best = max(sorted(counts), key=lambda lang: counts[lang])
    return best if counts[best] else "en"


@dataclass(frozen=True)
class Lexicon:
    """Zipf frequencies of one language's words (empty when wordfreq has no list for it)."""

    language: str
    zipf: dict[str, float]

    def frequency(self, word: str) -> float:
        """The Zipf frequency of `word` (lower case), UNKNOWN_ZIPF when the list lacks it."""
        return self.zipf.get(word, UNKNOWN_ZIPF)

    def known(self, word: str) -> bool:
        return word in self.zipf


def load_lexicon(language: str) -> Lexicon:
    """The packaged wordfreq list for `language`; an empty Lexicon if there is none."""
    path = _wordlist_path(language)
    if path is None:
        return Lexicon(language, {})
    import msgpack

    with gzip.open(path, "rb") as stream:
        data = msgpack.load(stream, raw=False, strict_map_key=False)
    header, buckets = data[0], data[1:]
    if not isinstance(header, dict) or header.get("format") != "cB":
        return Lexicon(language, {})
    zipf: dict[str, float] = {}
    for index, words in enumerate(buckets):
        value = round(9.0 - index / 100, 2)
        for word in words:
            zipf.setdefault(word, value)
    return Lexicon(language, zipf)


def _wordlist_path(language: str) -> Path | None:
    spec = importlib.util.find_spec("wordfreq")
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    path = package / "data" / f"small_{language}.msgpack.gz"
    return path if path.is_file() else None
