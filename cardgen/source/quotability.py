"""What makes a sentence quotable, measured: one number per feature, each about 0..1.

Features are facts about the words (general statements, antithesis, rare words, the article's
key terms, back-references, chatter); `suggest` weighs them. Word lists cover English and
French; other languages get the features that need no word list (length, key terms, rare
words from wordfreq, repetition, figures), so they rank sensibly without special cases.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from cardgen.source.lexicon import Lexicon

_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+")
_LONGEST_CJK_WORD = 6


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _words(text: str) -> list[str]:
    return [w.lower().replace("\u2019", "'") for w in _WORD.findall(text)]


# --- English and French word lists ------------------------------------------------------------

# Function words: never key terms, never "rare".
_FUNCTION = frozenset(
    """
    a an the and or but nor so yet for of to in on at by with from as into than then that this
    these those there here it its he she they them his her their him we us our you your i me my
    mine is are was were be been being am do does did have has had will would shall should can
    could may might must not no all any some each every which who whom whose what when where why
    how if because while though although also only very more most much many such too just own
    le la les un une des du de et ou mais donc car ni que qui quoi dont où ce cet cette ces il
    elle ils elles on nous vous je tu me te se lui leur leurs son sa ses mon ma mes ton ta tes
    est sont était être avoir a ont avait fait pas ne plus moins très tout tous toute toutes
    en dans par pour sur avec sans sous au aux y
    """.split()  # noqa: SIM905
)
# Words that say "this holds in general": quantifiers and generic nouns.
_GENERIC = frozenset(
    """
    man men woman women people person everyone everybody nobody none nothing everything
    all every each no always never whoever whatever whenever life world nature truth mankind
    humanity human soul mind heart society love friendship time
    homme hommes femme femmes gens personne rien tout tous chaque jamais toujours vie monde
    nature vérité humanité âme esprit cœur amour temps
    """.split()  # noqa: SIM905
)
# Present tense of general statements, in contrast with a story's past tense.
_PRESENT = frozenset(
    """
    is are does do has have cannot can't isn't aren't doesn't don't makes becomes
    est sont fait a ont peut doit faut devient
    """.split()  # noqa: SIM905
)
_PAST = frozenset(
    """
    was were had did went came got took knew saw told felt found gave began became
    wrote left ran sat stood asked replied met heard looked seemed tried wanted
    était étaient avait avaient fut furent fit dit alla vint eut
    """.split()  # noqa: SIM905
)
# Turns that set one thing against another.
# Each with a word it cannot match without, so most sentences skip the search.
_CONTRAST = (
    ("but", re.compile(r"\bnot\b[^.;:!?]{1,80}\bbut\b")),
    # "X is not A; it is B": a negation answered by a parallel clause
    ("not", re.compile(r"\b(?:is|are)\s+not\b[^.;:!?]{1,60}[;:,\u2014]\s*\w+\s+(?:is|are)\b")),
    ("than", re.compile(r"\b(?:more|less|rather|better|worse|greater)\b[^.;:!?]{0,60}\bthan\b")),
    ("nor", re.compile(r"\bneither\b[^.;!?]{1,60}\bnor\b")),
    ("the", re.compile(r"\bthe (?:more|less)\b[^.;!?]{1,60}\bthe (?:more|less)\b")),
    ("mais", re.compile(r"\bne\b[^.;:!?]{1,40}\bpas\b[^.;:!?]{1,60}\bmais\b")),
    ("que", re.compile(r"\bplus\b[^.;:!?]{1,60}\bque\b")),
)
# A sentence opening with one of these continues the one before it.
_CONNECTIVES = frozenset(
    """
    but and so or nor yet hence thus therefore however moreover besides furthermore
    still then instead otherwise anyhow anyway anyways also again meanwhile nevertheless
    nonetheless accordingly consequently plus because
    mais et donc alors puis pourtant ensuite ainsi cependant néanmoins aussi sinon bref
    voilà car
    """.split()  # noqa: SIM905
)
# Pronouns and demonstratives that point back, unless a clause that defines them follows.
_POINTERS = frozenset(
    """
    he she it they him her them his its their this that these those such which whose
    il elle ils elles lui eux ce cela ça cet cette ces celui celle ceux celles
    """.split()  # noqa: SIM905
)
# "He who …", "That which …", "Those that …", "Ceux qui …": the clause says who is meant.
_DEFINING = _set("who whom whose which that what qui que dont")
_COPULA = _set("is are est sont")
_PERSONS = _set("he she they those celui celle ceux celles")
_BE = _set("is was are were 's est était sont")
_POINTER_PREFIXES = (
    "その",
    "この",
    "それ",
    "これ",
    "あの",
    "そこ",
    "しかし",
    "でも",
    "だから",
    "そして",
    "また",
    "لكن",
    "هذا",
    "هذه",
    "ذلك",
    "تلك",
    "لذلك",
    "ثم",
)
# Talk that fills a post, not a card.
_CHATTER = frozenset(
    """
    anyhow anyway anyways really basically honestly stuff kinda gonna wanna
    okay ok yeah lol um venting btw hey
    bref voilà enfin genre truc bon
    """.split()  # noqa: SIM905
)
_FIRST_PERSON = _set("i me my myself je j' moi mon ma mes")
_REPORTING = frozenset(
    """
    said says told tells asked asks replied explained explains recalled recalls added
    according dit répond explique raconte ajoute
    """.split()  # noqa: SIM905
)
_LATER_POINTERS = _set("former latter above such likewise")
_LATER_POINTER = re.compile(r"\b(?:the (?:former|latter)|as (?:above|such)|likewise)\b")
_DIGIT = re.compile(r"\d")
_QUOTED = re.compile(r"[\u201c\"\u00ab\u300c]([^\u201d\"\u00bb\u300d]{20,})[\u201d\"\u00bb\u300d]")
_OPEN_QUOTES = '"\u201c\u00ab\u300c\u2018'


@dataclass(frozen=True)
class Document:
    """What the ranking needs to know of the whole article: its language and key terms."""

    lexicon: Lexicon
    keyness: dict[str, float]  # stem -> how characteristic of this article (0..1)
    names: frozenset[str] = frozenset()  # words only ever written capitalised here

    @property
    def language(self) -> str:
        return self.lexicon.language


def tokens(text: str, lexicon: Lexicon) -> list[str]:
    """Lower-case words; CJK runs cut into the longest words the lexicon knows."""
    if not _CJK_RUN.search(text):
        return _words(text)
    out: list[str] = []
    at = 0
    for run in _CJK_RUN.finditer(text):
        out.extend(_words(text[at : run.start()]))
        out.extend(_segment(run.group(), lexicon))
        at = run.end()
    out.extend(_words(text[at:]))
    return out


def _segment(run: str, lexicon: Lexicon) -> list[str]:
    """Greedy longest match: crude, but enough to find an article's recurring terms."""
    out: list[str] = []
    i = 0
    while i < len(run):
        for size in range(min(_LONGEST_CJK_WORD, len(run) - i), 0, -1):
            piece = run[i : i + size]
            if size == 1 or lexicon.known(piece):
                out.append(piece)
                i += size
                break
    return out


def stem(word: str) -> str:
    """A crude stem (friend, friends, friendship -> friend) that needs no language data."""
    return word[:6] if len(word) > 6 else word.rstrip("s") or word


def content_words(words: Sequence[str], lexicon: Lexicon) -> list[str]:
    """Words that carry meaning: not function words, not the 100 commonest of the language."""
    return [w for w in words if w not in _FUNCTION and not w.isdigit() and _content(w, lexicon)]


def _content(word: str, lexicon: Lexicon) -> bool:
    if _CJK_RUN.match(word):
        return len(word) > 1 and lexicon.frequency(word) < 5.5
    return len(word) > 2 and lexicon.frequency(word) < 6.0


def document(sentences: Sequence[str], lexicon: Lexicon) -> Document:
    """Key terms: stems frequent here and uncommon in the language (tf x rarity)."""
    counts: Counter[str] = Counter()
    rarity: dict[str, float] = {}
    for sentence in sentences:
        for word in set(content_words(tokens(sentence, lexicon), lexicon)):
            key = stem(word)
            counts[key] += 1
            rarity[key] = max(rarity.get(key, 0.0), 7.0 - lexicon.frequency(word))
    raw = {key: math.log1p(count - 1) * rarity[key] for key, count in counts.items() if count > 1}
    top = max(raw.values(), default=0.0)
    keyness = {key: value / top for key, value in raw.items()} if top else {}
    return Document(lexicon, keyness, names(sentences))


def names(sentences: Sequence[str]) -> frozenset[str]:
    """Words (lower case) seen capitalised inside sentences and never in lower case."""
    capital: set[str] = set()
    lower: set[str] = set()
    for sentence in sentences:
        for at, word in enumerate(_WORD.findall(sentence)):
            if word[:1].islower():
                lower.add(word.lower())
            elif at and word[:1].isupper() and not word.isupper():
                capital.add(word.lower())
    return frozenset(capital - lower)


def features(text: str, doc: Document) -> dict[str, float]:
    """Every feature of one sentence (or passage), named as `--explain` shows them."""
    words = tokens(text, doc.lexicon)
    content = content_words(words, doc.lexicon)
    return {
        "general": general(words, text),
        "balance": balance(text, content),
        "rare words": rare_words(content, doc.lexicon),
        "key terms": key_terms(content, doc),
        "back-reference": back_reference(text, words),
        "chatter": max(chatter(words), label_line(text)),
        "specific": specific(text, words, doc.names),
        "story": story(words),
        "speech": speech(text, words),
        "definition": definition(words),
        "parallel clauses": parallel_clauses(text),
    }


# Flaws that spoil a passage whichever of its sentences has them.
_FLAWS = ("chatter", "specific", "story")


def worst(parts: Sequence[dict[str, float]]) -> dict[str, float]:
    """The flaw features of consecutive sentences read as one passage: each at its worst."""
    return {name: max(part[name] for part in parts) for name in _FLAWS}


# Japanese marks tense at the end of the sentence: "…た。" tells what happened, a plain
# form ("…生む。", "…いい。", "…です。") what holds.
_JA_PAST = re.compile(r"(?:た|だった|でした|ました)(?=[」』）)]*[。！？!?]|[」』）)]*$)")
_JA_PRESENT = re.compile(
    r"(?:[うくすつぬふむゆるぐずづぶぷいだ]|です|ます|ない)(?=[」』）)]*[。！？!?]|[」』）)]*$)"
)


def general(words: Sequence[str], text: str = "") -> float:
    """A general statement: present tense, generic subjects and quantifiers."""
    if not words:
        return 0.0
    present = sum(1 for w in words if w in _PRESENT)
    past = sum(1 for w in words if w in _PAST)
    if _CJK_RUN.search(text):
        present += len(_JA_PRESENT.findall(text))
        past += len(_JA_PAST.findall(text))
    generic = sum(1 for w in words if w in _GENERIC)
    tense = (present - past) / (present + past) if present + past else 0.5
    return max(0.0, min(1.0, 0.5 * tense + 0.5 * min(1.0, generic / 2)))


def balance(text: str, content: Sequence[str]) -> float:
    """Antithesis and parallelism: a contrast turn, repeated key words, clauses that echo."""
    lowered = text.lower()
    # Each rule needs its word as a whole word; a substring test skips most rules cheaply.
    contrast = any(word in lowered and rule.search(lowered) for word, rule in _CONTRAST)
    stems = Counter(stem(w) for w in content)
    repeated = sum(1 for count in stems.values() if count > 1)
    clauses = [c.split() for c in re.split(r"[;:,\u2014\u2013\u3001\u060c]|--", lowered)]
    openers = Counter(c[0] for c in clauses if len(c) > 1)
    echo = any(count > 1 for count in openers.values())
    return min(1.0, 0.5 * contrast + 0.35 * min(repeated, 2) + 0.3 * echo)


_CLAUSE_BREAK = re.compile(r"[;:\uff1b\uff1a\u061b]")


def parallel_clauses(text: str) -> float:
    """Clauses set side by side with semicolons or colons ("Envy is ignorance; imitation is
    suicide"): the shape of a maxim, measured apart from `balance`'s word echoes."""
    breaks = len(_CLAUSE_BREAK.findall(text)) - (label_line(text) > 0)  # not "Source:"
    return min(2, breaks) / 2


def rare_words(content: Sequence[str], lexicon: Lexicon) -> float:
    """Vivid, uncommon words (the rarest three known to the lexicon), 0 for plain ones."""
    known = sorted(lexicon.frequency(w) for w in content if lexicon.known(w))
    if not known:
        return 0.0
    rarest = known[:3]
    return max(0.0, min(1.0, (5.0 - sum(rarest) / len(rarest)) / 2.5))


def key_terms(content: Sequence[str], doc: Document) -> float:
    """How much of the article's subject the passage names (its best two key terms)."""
    values = sorted({doc.keyness.get(stem(w), 0.0) for w in content}, reverse=True)
    return min(1.0, sum(values[:2]) / 1.2)


def back_reference(text: str, words: Sequence[str]) -> float:
    """How much the passage leans on what came before it (1 = cannot stand alone)."""
    if not words:
        return 1.0
    opening = text.lstrip(_OPEN_QUOTES + " ")
    if opening.startswith(_POINTER_PREFIXES):
        return 1.0
    first = words[0]
    if first in _CONNECTIVES:
        return 0.8
    score = 0.0
    for at, word in enumerate(words[:4]):
        if word in _DEFINING and at > 0:
            continue  # "That which …": the relative word is the definition, not a pointer
        if word in _POINTERS and not _defined(words, at):
            score = max(score, 1.0 if at == 0 else 0.6)
    if _LATER_POINTERS & set(words) and _LATER_POINTER.search(text.lower()):
        score = max(score, 0.4)
    return score


def _defined(words: Sequence[str], at: int) -> bool:
    """Whether the pointer at `at` is defined in its own sentence ("He who…", "It is … to")."""
    word = words[at]
    after = words[at + 1 : at + 3]
    if after and after[0] in _DEFINING:
        return True
    if word in _PERSONS and "who" in words[at + 1 : at + 6]:
        return True  # "He is great who …", "They are happy who …"
    if word in ("it", "il", "ce", "c'") and after and after[0] in _BE:
        # "It is hard to …", "It is through X that …", "Il est rare que …", "C'est … qui"
        rest = words[at + 2 :]
        return any(w in ("to", "that", "who", "de", "que", "qui") for w in rest[:12])
    if word == "that" and at == 0 and after and after[0] not in _BE:
        return True  # "That a man should …": a clause as subject, not a pointer
    return word == "il" and after[:1] == ["y"]  # "Il y a"


def definition(words: Sequence[str]) -> float:
    """ "X is Y", "To live is …": a subject named in a few words, then a present copula."""
    for at, word in enumerate(words[:6]):
        if word in _COPULA and at > 0:
            subject = words[:at]
            if subject[0] in _POINTERS or subject[0] in ("there", "here", "i", "what", "y"):
                return 0.0
            return 1.0 if at <= 3 else 0.6
    return 0.0


# Labels of a post's furniture, not its argument: "Source: …", "Photo: …", "Update: …".
_LABELS = frozenset(
    """
    source sources credit credits photo photos image images picture via note notes update
    updated edit edited disclaimer disclosure caption illustration copyright tldr ps
    crédit crédits légende ndlr
    """.split()  # noqa: SIM905
)
_LABEL = re.compile(r"\W*([^\W\d_]+(?:[ .;][^\W\d_]+)?)\s?[:\uff1a]")


def label_line(text: str) -> float:
    """1 for a line that opens with a label and a colon ("Source: …", "Photo credit: …")."""
    match = _LABEL.match(text)
    if not match:
        return 0.0
    words = _words(match.group(1))
    return 1.0 if words and (words[0] in _LABELS or words[-1] in _LABELS) else 0.0


def chatter(words: Sequence[str]) -> float:
    """Filler and hedges of talk ("Anyhow.", "just me venting really")."""
    if not words:
        return 1.0
    fillers = sum(1 for w in words if w in _CHATTER)
    short = 1.0 if len(words) < 4 else 0.0
    return min(1.0, fillers / 2 + short)


def specific(text: str, words: Sequence[str], names: frozenset[str]) -> float:
    """Figures, names, brackets and questions tie a passage to its story.

    Names are the article's words that only ever appear capitalised ("Lara", "Quebec"), so
    a name opening a sentence counts as well as one inside it.
    """
    digits = _DIGIT.search(text) is not None
    named = sum(1 for w in words if w in names)
    brackets = any(c in text for c in "()[]")
    question = any(c in text for c in "?\uff1f\u061f")
    return min(1.0, 0.5 * digits + 0.35 * named + 0.3 * brackets + 0.4 * question)


def story(words: Sequence[str]) -> float:
    """First-person narrative in the past: an anecdote, which needs its scene."""
    if not words:
        return 0.0
    past = sum(1 for w in words if w in _PAST)
    first = sum(1 for w in words if w in _FIRST_PERSON)
    reporting = any(w in _REPORTING for w in words)
    return min(1.0, 0.3 * min(past, 2) + 0.2 * min(first, 2) + 0.4 * reporting)


def speech(text: str, words: Sequence[str]) -> float:
    """Words someone said, in quotation marks: what journalism's readers share."""
    quoted = _QUOTED.findall(text)
    if not quoted:
        return 0.0
    share = sum(len(q) for q in quoted) / max(len(text), 1)
    return 1.0 if share > 0.6 else 0.5
