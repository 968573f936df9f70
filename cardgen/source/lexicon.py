"""How common each word is in a language (wordfreq's lists), and a language guess for an article.

wordfreq ships its word lists as "cBpack" files (documented in wordfreq's `read_cBpack`): a
gzipped msgpack list whose first item is a header and whose item i+1 holds the words seen with
frequency 10^(-i/100). We read the packaged file directly: importing wordfreq itself pulls in
langcodes and takes most of a second, more than ranking a long article.
"""

from __future__ import annotations

import gzip
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from cardgen.source.language import UNDETERMINED, is_cjk, latin_language

# Zipf scale: log10 of a word's frequency per billion words. "the" is about 7.7, "aristocracy"
# 3.2; a word missing from the list is rarer than the list's floor.
UNKNOWN_ZIPF = 1.0


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
    found = latin_language(sample)
    return "en" if found == UNDETERMINED else found


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
