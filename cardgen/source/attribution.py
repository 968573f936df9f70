"""Who is speaking a passage of an article: a quoted speaker, or the article's narrator.

Pure text analysis (no I/O): quotation marks and the speech tags around them
(`"…," she says`, `Lara says, "…"`, `said X`, `according to X`, `« … », dit-elle`,
`selon X`) name a quote's speaker; a pronoun is resolved to the nearest person
named before it; narration is the author's (or the publisher's). `check_attribution`
compares what a selection credits with what the text says.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

QUOTED_SPEAKER = "a quoted speaker"

# Pairs of quotation marks; straight double quotes open or close by position.
_PAIRS = {"\u201c": "\u201d", "\u00ab": "\u00bb", "\u201e": "\u201c", "\u300c": "\u300d",
          "\u300e": "\u300f", "\u2039": "\u203a"}  # fmt: skip
_CLOSERS = set(_PAIRS.values()) | {'"'}

# Speech and reporting verbs, English and French, in the forms tags use.
_VERBS_EN = (
    "says|said|say|tells|told|asks|asked|adds|added|explains|explained|recalls|recalled|"
    "notes|noted|writes|wrote|replies|replied|answers|answered|insists|insisted|argues|argued|"
    "admits|admitted|continues|continued|concludes|concluded|warns|warned|jokes|joked|"
    "laughs|laughed|observes|observed|remembers|remembered|explains|points out|pointed out|"
    "puts it|put it|shares|shared|describes|described|believes|believed|"
    "reflects|reflected|suggests|suggested|declares|declared|confides|confided|"
    "stresses|stressed|muses|mused|agrees|agreed|acknowledges|acknowledged|exclaims|exclaimed"
)
_VERBS_FR = (
    "dit|disait|a dit|déclare|a déclaré|explique|expliquait|a expliqué|affirme|a affirmé|"
    "ajoute|a ajouté|raconte|racontait|a raconté|souligne|a souligné|précise|a précisé|"
    "confie|a confié|estime|assure|a assuré|poursuit|répond|a répondu|lance|insiste|note|"
    "observe|rappelle|résume|conclut|indique|reconnaît|martèle|sourit|glisse|admet|"
    "s'exclame|s’exclame|avoue|témoigne|écrit|a écrit|continue|commente|tranche|ironise"
)
_VERB = rf"(?:{_VERBS_EN}|{_VERBS_FR})"
# Reporting verbs that, in narration, present someone else's views: "Lara believes ...".
_REPORTS = re.compile(
    rf"^(?:{_VERBS_EN}|thinks|wants|encourages|urges|explains|recommends|advises|"
    r"pointed|points|is a firm believer|often shares|also believes|also pointed|"
    rf"{_VERBS_FR}|pense|veut|conseille|recommande)\b",
    re.IGNORECASE,
)

_TITLE = r"(?:(?:Dr|Mr|Mrs|Ms|Mx|Prof|Sr|Sra|Mme|Mlle|M|St)\.?\s+)"
_CAP = r"[A-ZÀ-ÖØ-Þ][\w’'-]*"
_PARTICLE = r"(?:de|du|des|van|von|der|da|di|la|le|bin|ibn|al|el|ben)"
_NAME = rf"{_TITLE}?{_CAP}(?:\s+(?:{_PARTICLE}\s+)?{_CAP}){{0,3}}"
_PRONOUNS = {"he", "she", "they", "il", "elle", "ils", "elles", "on", "i", "je", "we", "nous"}
_FIRST_PERSON = {"i", "je", "we", "nous"}
_PRONOUN = r"(?:he|she|they|il|elle|ils|elles|on|I|je|j'|we|nous)"
# A role instead of a name ("the mayor said", "explique la chercheuse"): resolved to the
# person the article introduced with it ("The mayor, Tom Reyes," / "Tom Reyes, the mayor").
_ROLE = r"(?:[Tt]he|[Ll]a|[Ll]e|[Ll]['’])\s*(?P<role>[a-zà-ÿ][a-zà-ÿ-]{2,})"
_WHO = rf"(?P<who>{_NAME}|{_PRONOUN}|[Hh]e|[Ss]he|[Tt]hey|[Ii]l|[Ee]lle|{_ROLE})"
_NOT_NAMES = frozenset(
    """
    The A An This That These Those It Its He She They We You I But And So Or Yet Then When
    If In On At For As By With From To Of Our Your Their His Her My Some Many Most All Each
    Every No Not One Why How What Where Who Which While After Before Because Although Though
    Instead Ultimately Sometimes Being Moms Mom Dads Dad Studies Lara's Le La Les Un Une Des
    Il Elle Ils Elles Nous Vous Je Mais Et Donc Alors Quand Selon Dans Pour Avec Ce Cette
    """.split()  # noqa: SIM905
)

# A tag right after a closing mark: `, she says` `, said Lara` `— Lara Bazelon said`
_AFTER = (
    re.compile(rf"^\s*[,—–-]?\s*{_WHO}\s+(?:\w+ly\s+)?{_VERB}\b"),
    re.compile(rf"^\s*[,—–-]?\s*{_VERB}\s+{_WHO}"),
    re.compile(rf"^\s*[,—–-]?\s*(?:{_VERBS_FR})(?:-t)?-(?P<who>il|elle|ils|elles|on)\b"),
    re.compile(rf"^\s*[,—–-]?\s*(?i:according to|selon|d['’]après)\s+(?P<who>{_NAME})"),
    # French compound tenses: `», a-t-elle ajouté`
    re.compile(r"^\s*,?\s*a-t-(?P<who>il|elle|ils|elles|on)\s+\w+"),
    # a credit line: `” — Ana Ruiz`
    re.compile(rf"^\s*[—–]\s*(?P<who>{_NAME})\s*[.,]?\s*$"),
)
# A tag right before an opening mark: `Lara says, ` `She told me: ` `According to X, `
_BEFORE = (
    re.compile(rf"{_WHO}\s+(?:\w+ly\s+)?{_VERB}(?:\s+(?:me|us|him|her|them|that|simply|so|it)){{0,2}}\s*[:,]?\s*$"),
    re.compile(rf"(?i:according to|selon|d['’]après)\s+(?P<who>{_NAME})\s*[:,]?\s*$"),
    re.compile(rf"{_VERB}\s+(?P<who>{_NAME})\s*[:,]\s*$"),
)  # fmt: skip
# A speech verb (or "according to") right before a name: `said Ana Ruiz`.
_TAG_BEFORE_NAME = re.compile(rf"(?:{_VERB}|according to|selon)$", re.IGNORECASE)
# Capitalised runs that name places and organisations rather than people.
_INSTITUTION = re.compile(
    r"\b(?:Times|Post|Magazine|Journal|News|School|University|College|Institute|Area|"
    r"Workshop|Street|Avenue|Road|City|County|State|States|Inc|Ltd|Company|Group|Press|"
    r"Center|Centre|Club|Party|Council|Ministry|Bank|Foundation|Association|Day|Monde|"
    r"Figaro|Libération|Université|Ville)\b"
)
_NAME_RUN = re.compile(rf"(?<![\w’'])(?:{_TITLE})?{_CAP}(?:\s+(?:{_PARTICLE}\s+)?{_CAP})*")
# A sentence ends at . ! ? but not after a title or an initial ("Dr. Ames", "J. Smith").
_SENTENCE_END = re.compile(
    r"(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bMrs)(?<!\bProf)(?<!\bSt)(?<!\b[A-Z])[.!?]\s"
)
_THIRD_PERSON = re.compile(r"\b(?:[Ss]he|[Hh]e|[Hh]er|[Hh]is|[Hh]im|[Hh]ers|[Ee]lle)\b")
_WORDS_IN = re.compile(r"\w+")


@dataclass(frozen=True)
class Speech:
    """A stretch of quoted speech: article offsets inside the marks, and who says it."""

    start: int
    end: int
    speaker: str | None  # None: quoted, but no tag names anyone
    cue: str | None  # the tag that said so, e.g. ", she says"


@dataclass(frozen=True)
class Speaker:
    """Who speaks a passage, and whom it speaks about."""

    kind: Literal["quoted", "narration"]
    name: str | None  # the speaker; for narration the author, else the publisher
    cue: str | None = None
    about: tuple[str, ...] = ()  # people the passage names or calls he/she

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        return QUOTED_SPEAKER if self.kind == "quoted" else "the article's author"


@dataclass
class Voices:
    """What an article says about voices, computed once per article."""

    paragraphs: tuple[str, ...]
    starts: tuple[int, ...]
    text: str  # the paragraphs joined by blank lines, as Article.text: offsets index it
    speeches: list[Speech] = field(default_factory=list)
    people: list[tuple[int, str]] = field(default_factory=list)  # (offset, full name) mentions
    reported: set[str] = field(default_factory=set)  # people quoted or reported in narration


def analyse(paragraphs: Sequence[str], known: Sequence[str] = ()) -> Voices:
    """Every quoted speech of the article with its speaker, and the people it names."""
    starts, at = [], 0
    for paragraph in paragraphs:
        starts.append(at)
        at += len(paragraph) + 2
    voices = Voices(tuple(paragraphs), tuple(starts), "\n\n".join(paragraphs))
    _find_people(voices, [k for k in known if k])
    previous: Speech | None = None
    carried = False  # the last paragraph's quote ran on into this one
    for index, paragraph in enumerate(paragraphs):
        base = starts[index]
        segments, open_at_end = _segments(paragraph)
        for number, (lo, hi) in enumerate(segments):
            speaker, cue = _tag(paragraph, segments, number, base, voices)
            inherit = previous is not None and (
                (number > 0 and previous.start >= base)  # same paragraph, same voice
                or (number == 0 and lo <= 1 and (carried or _whole(paragraph, lo, hi)))
            )
            if speaker is None and inherit and previous is not None:
                speaker, cue = previous.speaker, previous.cue
            if speaker is None and not _speechlike(paragraph[lo:hi]):
                continue  # scare quotes or a title: narration's own words
            speech = Speech(base + lo, base + hi, speaker, cue)
            voices.speeches.append(speech)
            if speaker:
                voices.reported.add(speaker)
            previous = speech
        carried = open_at_end
        if not segments:
            previous = None if not _mentions_pronoun(paragraph) else previous
    return voices


def speaker_of(
    voices: Voices,
    span: tuple[int, int],
    *,
    author: str | None = None,
    publisher: str | None = None,
) -> Speaker:
    """Who speaks the article text `span` (offsets in the paragraphs joined by blank lines)."""
    start, end = span
    inside: dict[Speech, int] = {}
    for speech in voices.speeches:
        overlap = min(end, speech.end) - max(start, speech.start)
        if overlap > 0:
            inside[speech] = overlap
    text = _slice(voices, start, end)
    letters = max(1, len(text.strip()))
    if inside and sum(inside.values()) * 2 >= letters:
        main = max(inside, key=lambda s: inside[s])
        about = _about(voices, start, end, exclude=main.speaker)
        return Speaker("quoted", main.speaker, main.cue, about)
    about = _about(voices, start, end, exclude=None)
    return Speaker("narration", author or publisher, None, about)


def attributions(
    paragraphs: Sequence[str],
    spans: Sequence[tuple[int, int]],
    *,
    author: str | None,
    publisher: str | None,
) -> list[Speaker]:
    """The speaker of each span of one article (for `suggest`: one analysis for all)."""
    voices = analyse(paragraphs, [author or ""])
    return [speaker_of(voices, span, author=author, publisher=publisher) for span in spans]


def check_attribution(
    speaker: Speaker,
    credited: str | None,
    *,
    voices: Voices,
    author: str | None,
    publisher: str | None,
) -> str | None:
    """Why crediting `credited` with a passage spoken by `speaker` is wrong, or None."""
    if not credited:
        if speaker.kind == "quoted" and speaker.name is None:
            return (
                "is spoken by a quoted speaker the article does not name near it, and "
                "there is no attribution (set `attribution:`)"
            )
        return "has no attribution: the article and selection name no author or publisher"
    for person in speaker.about:
        if same_person(person, credited):
            return (
                f"credits {credited!r}, but the passage speaks about {person} in the third "
                f"person: it is {_whose(speaker)}"
            )
    if speaker.kind == "quoted":
        if speaker.name and not same_person(speaker.name, credited):
            return (
                f"credits {credited!r}, but the passage is {speaker.name}'s words "
                f"({speaker.cue.strip(' ,') if speaker.cue else 'quoted'})"
            )
        return None
    for person in voices.reported:
        if same_person(person, credited) and not _is_org(credited, publisher):
            return (
                f"credits {credited!r} with narration, but the article quotes or reports "
                f"{person} in the third person (an interviewee): the narration is "
                f"{_narrator(author, publisher, person)}"
            )
    return None


_TITLE_WORDS = frozenset("dr mr mrs ms mx prof m mme mlle de van von".split())  # noqa: SIM905


def same_person(a: str, b: str) -> bool:
    """'Lara', 'Bazelon', 'Dr. Lara Bazelon' and 'Lara Bazelon' are one person."""
    wa, wb = _name_words(a), _name_words(b)
    if not wa or not wb:
        return False
    return wa <= wb or wb <= wa


def _name_words(name: str) -> frozenset[str]:
    words = {w.lower() for w in _WORDS_IN.findall(name)}
    return frozenset(words - _TITLE_WORDS)


def _is_org(credited: str, publisher: str | None) -> bool:
    return bool(publisher) and credited.strip().lower() == (publisher or "").strip().lower()


def _whose(speaker: Speaker) -> str:
    if speaker.kind == "quoted":
        return f"{speaker.name}'s words" if speaker.name else "a quoted speaker's words"
    return f"narration by {speaker.name}" if speaker.name else "the author's narration"


def _narrator(author: str | None, publisher: str | None, person: str) -> str:
    if author and not same_person(author, person):
        return f"{author}'s"
    if publisher:
        return f"the writer's (credit the publisher, {publisher!r}, or name the real author)"
    return "the writer's (name the real author in article.author)"


# --- the pieces ----------------------------------------------------------------


def _segments(paragraph: str) -> tuple[list[tuple[int, int]], bool]:
    """Spans inside quotation marks (without the marks), and whether one is left open."""
    spans: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    for i, char in enumerate(paragraph):
        if char == '"':
            before = paragraph[i - 1] if i else " "
            if stack and stack[-1][0] == '"' and not (before.isspace() or before in "(["):
                spans.append((stack.pop()[1], i))
            elif not stack:
                stack.append(('"', i + 1))
        elif char in _PAIRS and not (char == "\u201c" and stack and stack[-1][0] == "\u201e"):
            if not stack:
                stack.append((char, i + 1))
        elif char in _CLOSERS and stack and _PAIRS.get(stack[-1][0]) == char:
            spans.append((stack.pop()[1], i))
    if stack:  # a quote that runs to the end of the paragraph (and maybe the next)
        spans.append((stack[0][1], len(paragraph)))
    return spans, bool(stack)


def _tag(
    paragraph: str, segments: list[tuple[int, int]], number: int, base: int, voices: Voices
) -> tuple[str | None, str | None]:
    """The speaker a tag beside segment `number` names, resolved to a person."""
    lo, hi = segments[number]
    after_end = segments[number + 1][0] - 1 if number + 1 < len(segments) else len(paragraph)
    after = paragraph[hi + 1 : after_end]
    after = re.split(r"(?<=[.!?])\s", after, maxsplit=1)[0]
    before_start = segments[number - 1][1] + 1 if number else 0
    before = paragraph[before_start : max(before_start, lo - 1)]
    before = _SENTENCE_END.split(before)[-1]
    for pattern in _AFTER:
        match = pattern.match(after)
        if match and _plausible(match.group("who")):
            return _resolve(match.group("who"), base + hi, voices), match.group(0)
    for pattern in _BEFORE:
        match = pattern.search(before)
        if match and _plausible(match.group("who")):
            return _resolve(match.group("who"), base + lo, voices), match.group(0)
    return None, None


def _plausible(who: str) -> bool:
    first = who.split()[0]
    if re.fullmatch(_ROLE, who):
        return True
    return who.lower() in _PRONOUNS or first not in _NOT_NAMES or bool(re.match(_TITLE, who))


def _resolve(who: str, offset: int, voices: Voices) -> str | None:
    """A name as the article names the person most fully; a pronoun: the nearest person."""
    if who.lower() in _FIRST_PERSON or who.lower() == "j'":
        return None  # the narrator quoting themself: left to the author
    if who.lower() in _PRONOUNS:
        earlier = [name for at, name in voices.people if at < offset]
        return earlier[-1] if earlier else None
    role = re.fullmatch(_ROLE, who)
    if role:
        return _introduced_as(role.group("role"), voices.text[:offset], voices)
    return _full_name(who, voices)


def _introduced_as(role: str, before: str, voices: Voices) -> str | None:
    """The person the text named with `role` last: `The mayor, Tom Reyes,` `Tom Reyes,
    the city's mayor` `le maire Jean Dupont` `Jean Dupont, la maire de Lyon`."""
    role = re.escape(role)
    patterns = (
        rf"\b(?i:the|le|la|l['’])\s*{role},?\s+(?P<name>{_NAME})",
        rf"(?P<name>{_NAME}),\s+(?i:the|a|an|le|la|l['’]|un|une)\s*(?:[\w'’-]+\s+){{0,2}}{role}\b",
    )
    found = [(m.start(), m.group("name")) for p in patterns for m in re.finditer(p, before)]
    if not found:
        return None
    return _full_name(max(found)[1], voices)


def _full_name(name: str, voices: Voices) -> str:
    words = _name_words(name)
    longest = name
    for _, known in voices.people:
        if words <= _name_words(known) and len(known) > len(longest):
            longest = known
    return longest


def _find_people(voices: Voices, known: Sequence[str]) -> None:
    """Mentions of people. A run of capitalised words is a person when the article has
    them speak or report (`Lara says`, `said Dr. Ames`), gives a title, or names the
    author; a first or last name alone counts once the full name is known."""
    runs: list[tuple[int, str, bool]] = []  # (offset, name, in a reporting position)
    for index, paragraph in enumerate(voices.paragraphs):
        base = voices.starts[index]
        for match in _NAME_RUN.finditer(paragraph):
            words = match.group(0).split()
            skipped = 0
            while words and words[0] in _NOT_NAMES:
                skipped += len(words.pop(0)) + 1
            if not words:
                continue
            words[-1] = re.sub(r"[’']s$", "", words[-1])
            name = " ".join(words)
            rest = paragraph[match.end() :].lstrip(" ,")
            before = paragraph[: match.start()].rstrip()
            reporting = bool(_REPORTS.match(rest)) or bool(_TAG_BEFORE_NAME.search(before[-40:]))
            titled = bool(re.match(_TITLE + r"\w", name)) and len(words) > 1
            runs.append((base + match.start() + skipped, name, reporting or titled))
    confirmed = {name for _, name, sure in runs if sure} | {k for k in known if k}
    full: dict[str, int] = {}
    for _, name, _ in runs:
        if len(name.split()) in (2, 3) and any(same_person(c, name) for c in confirmed):
            full[name] = full.get(name, 0) + 1
    for at, name, sure in runs:
        likely = (
            len(name.split()) in (2, 3) and _in_prose(voices, at) and not _INSTITUTION.search(name)
        )
        if not (sure or likely or any(same_person(name, f) for f in full) or name in known):
            continue
        wider = [f for f in full if _name_words(name) <= _name_words(f)]
        best = max(wider, key=lambda f: (full[f], -len(f)), default=name)
        voices.people.append((at, best))
        if sure:
            voices.reported.add(best)


def _in_prose(voices: Voices, offset: int) -> bool:
    """The offset is in a paragraph of sentences, not a heading or a list of titles."""
    index = bisect.bisect_right(voices.starts, offset) - 1
    paragraph = voices.paragraphs[index].rstrip()
    return paragraph[-1:] in '.!?…\u201d\u00bb"' and len(paragraph.split()) >= 3


def _whole(paragraph: str, lo: int, hi: int) -> bool:
    """The paragraph is one quotation (a speaker's words going on from the last)."""
    return len(paragraph[hi:].strip(' .,!?\u201d\u00bb"')) == 0 and lo <= 2


def _speechlike(text: str) -> bool:
    """A sentence or more, not a word in scare quotes or a title."""
    words = text.split()
    capitals = sum(w[:1].isupper() for w in words)
    if len(words) >= 3 and capitals * 5 >= len(words) * 3:
        return False  # Title Case: the name of a book or an article
    return len(words) >= 5 or (len(words) >= 3 and text.rstrip()[-1:] in ".!?,…")


def _mentions_pronoun(paragraph: str) -> bool:
    return bool(_THIRD_PERSON.search(paragraph))


def _slice(voices: Voices, start: int, end: int) -> str:
    return voices.text[start:end]


def _about(voices: Voices, start: int, end: int, exclude: str | None) -> tuple[str, ...]:
    """People the span names, or refers to as he/she (the nearest person named before)."""
    found: dict[str, None] = {}
    for at, name in voices.people:
        if start <= at < end and not (exclude and same_person(name, exclude)):
            found[name] = None
    text = _slice(voices, start, end)
    for match in _THIRD_PERSON.finditer(text):
        if _in_speech(voices, start + match.start()):
            continue  # inside the quote, "she" is someone the speaker talks about
        earlier = [name for at, name in voices.people if at < start + match.start()]
        if earlier and not (exclude and same_person(earlier[-1], exclude)):
            found[earlier[-1]] = None
    return tuple(found)


def _in_speech(voices: Voices, offset: int) -> bool:
    return any(s.start <= offset < s.end for s in voices.speeches)
