"""Font files by family, weight and style; fallback chains; fonts cached per (file, size).

Fonts come from the project's `fonts/` folder, cardgen's bundled fonts and the
system's (fontconfig). A `FontChain` gives every character a font that has it;
measuring goes through `ChainMeasurer`, which `typeset` uses without pixels.
"""

from __future__ import annotations

import functools
import math
import shutil
import subprocess
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import ImageFont, features

from cardgen.errors import InputError, did_you_mean
from cardgen.inputs import check_input
from cardgen.limits import MAX_FONT_BYTES
from cardgen.typography import shaping
from cardgen.typography.direction import has_rtl, levels, visual_order
from cardgen.typography.fontfiles import FONT_SUFFIXES
from cardgen.typography.tracking import is_capitals, spaced_letters, tracking_em

WEIGHTS = {
    "thin": 100,
    "extralight": 200,
    "light": 300,
    "regular": 400,
    "book": 400,
    "normal": 400,
    "medium": 500,
    "semibold": 600,
    "demibold": 600,
    "bold": 700,
    "extrabold": 800,
    "heavy": 900,
    "black": 900,
}
# Texts a font chain remembers (runs, widths, ink boxes: a few MB at most) before it
# starts over; `FontRegistry(chain_cache_limit=...)` sets another.
_CHAIN_CACHE_LIMIT = 20_000
LAYOUT_ENGINE = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
# OpenType features every text is measured and drawn with: lining figures, since
# old-style ones (EB Garamond's default) read as letters beside CJK text (1 as ı).
FEATURES: list[str] | None = (
    list(shaping.FEATURES) if LAYOUT_ENGINE == ImageFont.Layout.RAQM else None
)


@dataclass(frozen=True)
class FontFace:
    """One font file and what it is: family, weight (100-900) and italic or not."""

    path: Path
    family: str
    style_name: str
    weight: int
    italic: bool
    index: int = 0  # face number inside a .ttc collection

    @property
    def full_name(self) -> str:
        return f"{self.family} {self.style_name}"


def _describe(path: Path) -> FontFace | None:
    """What the font file at `path` is (None: unreadable), opened once per file version:
    every project's registry describes the bundled fonts again."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _described(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=1024)
def _described(path: Path, mtime_ns: int, size: int) -> FontFace | None:
    try:
        # FreeType opens the file itself: only a regular file within the cap gets that far.
        check_input(path, what="font", shown=str(path), limit=MAX_FONT_BYTES)
        font = ImageFont.truetype(str(path), 12)
        # Drawing a few glyphs runs the hinting program and the rasteriser: a file whose
        # tables are damaged fails here, once, instead of in the middle of a batch.
        font.getmask("Hg")
    except (OSError, InputError):
        return None
    family, style = font.getname()
    if not family:
        return None
    style = style or "Regular"
    words = style.lower().replace("-", " ").split()
    italic = any(w in ("italic", "oblique") for w in words)
    weight = 400
    for word in words:
        compact = word.replace(" ", "")
        if compact in WEIGHTS:
            weight = WEIGHTS[compact]
    joined = "".join(w for w in words if w not in ("italic", "oblique"))
    weight = WEIGHTS.get(joined, weight)
    return FontFace(path=path, family=family, style_name=style, weight=weight, italic=italic)


class FontRegistry:
    """Every font face found in the given folders, looked up by family and style."""

    def __init__(
        self,
        folders: tuple[Path, ...],
        system: bool = True,
        *,
        chain_cache_limit: int = _CHAIN_CACHE_LIMIT,
    ) -> None:
        self.folders = folders
        # Texts each of its chains remembers (runs, widths, ink boxes) before starting over.
        self.chain_cache_limit = chain_cache_limit
        self.faces: list[FontFace] = []
        self.unreadable: list[Path] = []  # font files FreeType cannot open (corrupt, truncated)
        seen: set[Path] = set()
        for folder in folders:
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*")):
                if path.suffix.lower() in FONT_SUFFIXES and path.resolve() not in seen:
                    seen.add(path.resolve())
                    face = _describe(path)
                    if face is not None:
                        self.faces.append(face)
                    else:
                        self.unreadable.append(path)
        # System faces come after the project's and bundled ones, so those win a tie.
        self.system_faces: list[FontFace] = system_faces() if system else []
        # Chains remember which face draws each character and what they measured, so a
        # batch's cards share them: kept with the registry whose faces they use.
        self._chains: dict[tuple[FontFace, tuple[str, ...], bool], FontChain] = {}

    def all_faces(self) -> list[FontFace]:
        return [*self.faces, *self.system_faces]

    def has(self, family: str) -> bool:
        wanted = family.lower()
        return any(f.family.lower() == wanted for f in self.all_faces())

    def find(self, family: str, weight: str | int = "regular", italic: bool = False) -> FontFace:
        """The face of `family` closest to the wanted weight and style."""
        wanted = WEIGHTS[weight] if isinstance(weight, str) else weight
        candidates = [f for f in self.faces if f.family.lower() == family.lower()]
        candidates = candidates or [
            f for f in self.system_faces if f.family.lower() == family.lower()
        ]
        if not candidates:
            known = sorted({f.family for f in self.all_faces()})
            hint = did_you_mean(
                family, known, "add its .ttf/.otf files to fonts/; `cardgen fonts` lists them"
            )
            if self.unreadable:
                # The family may be in a file FreeType cannot open: name it, the likely cause.
                broken = ", ".join(sorted(p.name for p in self.unreadable))
                hint = f"these font files could not be read and were skipped: {broken}; {hint}"
            raise InputError(f"font family '{family}' not found", hint=hint)
        return min(candidates, key=lambda f: (f.italic != italic, abs(f.weight - wanted)))

    def chain(
        self, primary: FontFace, fallbacks: tuple[str, ...] = (), serif: bool = False
    ) -> FontChain:
        """`chain_for` these faces, made once and kept (with what it measures)."""
        key = (primary, fallbacks, serif)
        found = self._chains.get(key)
        if found is None:
            found = self._chains[key] = chain_for(self, primary, fallbacks, serif)
        return found

    def chains(self) -> list[FontChain]:
        """The chains made so far (benchmarks empty what they measured)."""
        return list(self._chains.values())


@functools.cache
def registry_for(folders: tuple[Path, ...]) -> FontRegistry:
    """A registry of `folders` shared by one-off lookups (`cardgen fonts`, labels on
    sheets); a project builds cards with its own (`Project.font_registry`)."""
    return FontRegistry(folders)


# fontconfig's weight scale to CSS weights.
_FC_WEIGHTS = (
    (0, 100),
    (40, 200),
    (50, 300),
    (80, 400),
    (100, 500),
    (180, 600),
    (200, 700),
    (205, 800),
    (210, 900),
)


@functools.cache
def system_faces() -> list[FontFace]:
    """The fonts fontconfig knows, without opening them; empty when fontconfig is absent."""
    if shutil.which("fc-list") is None:
        return []
    fmt = "%{file}|%{index}|%{family[0]}|%{style[0]}|%{weight}|%{slant}\\n"
    try:
        listing = subprocess.run(
            ["fc-list", "--format", fmt], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    faces = []
    for row in sorted(set(listing.splitlines())):
        parts = row.split("|")
        if len(parts) != 6 or not parts[0].lower().endswith(FONT_SUFFIXES):
            continue
        path, index, family, style, weight, slant = parts
        try:
            fc_weight = int(weight)
        except ValueError:  # a variable font's range, e.g. "[0 210]"
            fc_weight = 80
        css = min(_FC_WEIGHTS, key=lambda pair: abs(pair[0] - fc_weight))[1]
        faces.append(
            FontFace(
                path=Path(path),
                family=family,
                style_name=style or "Regular",
                weight=css,
                italic=slant not in ("", "0"),
                index=int(index) if index.isdigit() else 0,
            )
        )
    return faces


@dataclass(frozen=True)
class FontInfo:
    """What a font file can draw: its characters, its fixed bitmap size if it has one,
    and whether it can draw glyphs in colours of their own (emoji)."""

    chars: frozenset[int]
    strike: int | None  # colour bitmap fonts (Noto Color Emoji) load only at this size
    coloured: bool = False


# The tables that give a font glyphs of their own colours: bitmaps, layers, SVG.
COLOUR_GLYPH_TABLES = frozenset({"CBDT", "COLR", "sbix", "SVG "})


@functools.cache
def font_info(path: Path, index: int = 0) -> FontInfo:
    # HarfBuzz reads the character map in ~0.1 ms; fontTools took ~37 ms for Inter, and
    # the first card of every process (and worker) paid it for each font of the chain.
    face = shaping.face(path, index)
    if face is None:  # an unreadable font covers nothing; FreeType will say why if used
        return FontInfo(frozenset(), None, coloured=True)  # nothing is known of its colours
    strike = None
    if "CBLC" in face.table_tags:
        strike = first_strike_ppem(face.reference_table("CBLC").data)
    coloured = not COLOUR_GLYPH_TABLES.isdisjoint(face.table_tags)
    return FontInfo(frozenset(face.unicodes), strike, coloured)


def first_strike_ppem(cblc: bytes) -> int | None:
    """ppemY of the first bitmap size record of a CBLC table (OpenType spec: an 8-byte
    header, then 48-byte BitmapSize records whose ppemY is at byte 45)."""
    if len(cblc) < 8 + 48 or int.from_bytes(cblc[4:8], "big") < 1:
        return None
    return cblc[8 + 45] or None


@functools.lru_cache(maxsize=1024)
def load_font(path: Path, size: int, index: int = 0) -> ImageFont.FreeTypeFont:
    """The font at `path` in `size` pixels, loaded once per process."""
    try:
        return ImageFont.truetype(str(path), size, index=index, layout_engine=LAYOUT_ENGINE)
    except OSError as exc:
        raise damaged_font(path, exc) from None


def damaged_font(path: Path, exc: OSError) -> InputError:
    """FreeType failed on a font file that opened (corrupt outlines, a truncated table):
    an error naming the file, not an internal error."""
    from cardgen.yamlio import display_path

    reason = " ".join(str(exc).split())[:200] or type(exc).__name__
    return InputError(
        f"font file is damaged or unreadable ({reason})",
        file=display_path(path),
        hint="replace it with a good copy, or remove it from the fonts folder",
    )


@functools.lru_cache(maxsize=4096)
def needs_glyph(char: str) -> bool:
    """False for characters drawn as nothing: spaces, joiners, selectors, direction marks."""
    code = ord(char)
    if char.isspace() or unicodedata.category(char) == "Cf":
        return False
    return not (0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF)


@functools.lru_cache(maxsize=4096)
def _joins_previous(char: str) -> bool:
    code = ord(char)
    return (
        (not needs_glyph(char) and not char.isspace())
        or unicodedata.category(char) in ("Mn", "Mc", "Me")
        or 0x1F3FB <= code <= 0x1F3FF
    )


_UNSHOWN = {"Co": "a private-use character", "Cn": "an unassigned code point"}


@functools.lru_cache(maxsize=4096)
def emoji_presentation(char: str) -> bool:
    """True for characters shown as colour emoji even without U+FE0F (⚽, 🆚, 💪)."""
    if ord(char) < 0x2300:
        return False
    import regex  # only for text with symbols

    return regex.match(r"\p{Emoji_Presentation}", char) is not None


def describe_char(char: str) -> str:
    """`'★' U+2605 BLACK STAR`; characters without a face of their own by code point only."""
    category = unicodedata.category(char)
    if category in _UNSHOWN or category.startswith("C") or not char.isprintable():
        return f"U+{ord(char):04X} ({_UNSHOWN.get(category, 'a control character')})"
    return f"'{char}' U+{ord(char):04X} {unicodedata.name(char, '')}".rstrip()


# The chain every layout ends with: wide-coverage faces, found where installed.
# Serif text first tries the serif designs of the same scripts (Naskh for Arabic); the
# rest gets sans designs (Noto Sans Arabic: Naskh beside a sans Latin looked mismatched
# and, at the same size, smaller).
# Colour emoji come before the CJK fonts, which also draw some emoji (⚽, 🆚) in black.
SERIF_FALLBACKS = (
    "Noto Serif",
    "Noto Color Emoji",
    "Noto Serif CJK JP",
    "Noto Naskh Arabic",
    "Noto Serif Hebrew",
    "Noto Serif Thai",
    "Noto Serif Lao",
)
DEFAULT_FALLBACKS = (
    "Noto Sans",
    "Noto Serif",
    "Noto Color Emoji",
    "Noto Sans CJK JP",
    "Noto Sans Arabic",
    "Noto Naskh Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Devanagari",
    "Noto Sans Thai",
    "Noto Sans Lao",
    "Noto Sans Armenian",
    "Noto Sans Georgian",
    "Noto Sans Ethiopic",
    "Noto Sans Symbols",
    "Noto Sans Symbols2",
    "Noto Sans Math",
    "DejaVu Sans",
)
_EMOJI_PRESENTATION = 0xFE0F


class FontChain:
    """A primary face and its fallbacks; each character is drawn by the first that has it."""

    def __init__(self, faces: Sequence[FontFace], cache_limit: int = _CHAIN_CACHE_LIMIT) -> None:
        self.cache_limit = cache_limit  # texts remembered in each cache below
        unique: list[FontFace] = []
        for face in faces:
            if all((f.path, f.index) != (face.path, face.index) for f in unique):
                unique.append(face)
        self.faces = tuple(unique)
        self.primary = self.faces[0]
        self._chosen: dict[tuple[str, bool], FontFace | None] = {}
        self._drawn: set[str] = set()  # characters `missing` found drawable (or drawn as nothing)
        # Chains live per process (scene keeps them), so a batch's cards share these:
        # the same words, attributions and titles are split and shaped once.
        self._runs: dict[str, list[tuple[int, int, FontFace]]] = {}
        self.reference_widths: dict[str, float] = {}
        # Exact advances and ink boxes of runs at the sizes drawn: the attribution, title
        # and handle lines of a batch's cards are the same text at the same size.
        self.run_widths: dict[tuple[str, FontFace, int], float] = {}
        self.run_inks: dict[tuple[str, FontFace, int, bool], tuple[float, ...]] = {}
        # (size, primary face) -> its (ascent, descent) at that size.
        self.metrics: dict[tuple[int | FontFace, ...], tuple[int, int]] = {}
        self.order = {face: i for i, face in enumerate(self.faces)}  # place in the chain

    def forget_texts(self) -> None:
        """Drop remembered runs and widths (benchmarks: measure a quote never seen)."""
        self._runs.clear()
        self.reference_widths.clear()
        self.run_widths.clear()
        self.run_inks.clear()

    def face_for(self, char: str, emoji: bool = False) -> FontFace | None:
        """The face that draws `char` (`emoji`: prefer a colour font, as after U+FE0F;
        characters shown as emoji by default, like ⚽, always do)."""
        emoji = emoji or emoji_presentation(char)
        key = (char, emoji)
        if key not in self._chosen:
            code = ord(char)
            # A colour (bitmap) font draws emoji; text symbols (♥ without U+FE0F) come
            # from an outline font where one has them.
            faces = tuple(
                sorted(
                    self.faces, key=lambda f: (font_info(f.path, f.index).strike is None) == emoji
                )
            )
            found = next((f for f in faces if code in font_info(f.path, f.index).chars), None)
            self._chosen[key] = found or _system_face_for(char)
        return self._chosen[key]

    def missing(self, text: str) -> list[str]:
        """Characters of `text` that no font can draw, each once, in order."""
        if not set(text) - self._drawn:  # every character seen before, all drawable
            return []
        missing = [c for c in dict.fromkeys(text) if needs_glyph(c) and self.face_for(c) is None]
        if not missing and len(self._drawn) < self.cache_limit:
            self._drawn.update(text)
        return missing

    def runs(self, text: str) -> list[tuple[int, int, FontFace]]:
        """(start, end, face) pieces of `text`; marks and joiners stay with their base."""
        found = self._runs.get(text)
        if found is None:
            if len(self._runs) >= self.cache_limit:
                self._runs.clear()  # bounded: a long batch must not grow without end
            found = self._runs[text] = self._split(text)
        return list(found)

    def _split(self, text: str) -> list[tuple[int, int, FontFace]]:
        pieces: list[tuple[int, int, FontFace]] = []
        start, current = 0, self.primary
        for i, char in enumerate(text):
            if char == " " and i and font_info(current.path, current.index).strike is None:
                continue  # a space is drawn by whichever font the text around it uses
            if i and _joins_previous(char):
                continue
            emoji = i + 1 < len(text) and ord(text[i + 1]) == _EMOJI_PRESENTATION
            face = self.face_for(char, emoji) or self.primary
            if i == 0:
                current = face
            elif face is not current and face != current:  # identity first: eq is slow
                pieces.append((start, i, current))
                start, current = i, face
        if text:
            pieces.append((start, len(text), current))
        return pieces


@functools.lru_cache(maxsize=4096)
def _system_face_for(char: str) -> FontFace | None:
    """Ask fontconfig for a system font that has `char`."""
    if unicodedata.category(char) in ("Cn", "Co", "Cs", "Cc") or shutil.which("fc-match") is None:
        return None
    pattern = f":charset={ord(char):x}"
    try:
        out = subprocess.run(
            ["fc-match", "--format", "%{file}|%{index}", pattern],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    path_text, _, index = out.partition("|")
    if not path_text:
        return None
    path, number = Path(path_text), int(index) if index.isdigit() else 0
    if ord(char) not in font_info(path, number).chars:
        return None
    for face in system_faces():
        if face.path == path and face.index == number:
            return face
    return FontFace(path, path.stem, "Regular", 400, False, number)


def chain_for(
    registry: FontRegistry,
    primary: FontFace,
    fallbacks: Sequence[str] = (),
    serif: bool = False,
) -> FontChain:
    """`primary`, then the layout's fallback families, then DEFAULT_FALLBACKS that exist."""
    faces = [primary]
    for family in fallbacks:
        faces.append(registry.find(family, primary.weight, primary.italic))
    for family in (*SERIF_FALLBACKS, *DEFAULT_FALLBACKS) if serif else DEFAULT_FALLBACKS:
        if registry.has(family):
            faces.append(registry.find(family, primary.weight, primary.italic))
    return FontChain(faces, registry.chain_cache_limit)


@dataclass(frozen=True)
class Run:
    """A piece of one line in one face and direction, placed from the line's left end."""

    start: int  # index in the line's text
    text: str
    face: FontFace
    x: float
    width: float
    rtl: bool
    spacing: float = 0.0  # letter-spacing in px after each letter (`tracking`)


def is_trackable(face: FontFace, text: str) -> bool:
    """Runs that take letter-spacing: outline fonts, scripts whose letters stand apart."""
    return font_info(face.path, face.index).strike is None and shaping.simple(text)


def run_width(face: FontFace, text: str, size: int) -> float:
    """Advance of `text` in `face` at `size`: through HarfBuzz directly when raqm would
    shape it as one simple run (the same advances, ~8x faster), else through Pillow."""
    if LAYOUT_ENGINE == ImageFont.Layout.RAQM and font_info(face.path, face.index).strike is None:
        width = shaping.advance(face.path, face.index, text, size)
        if width is not None:
            return width
    font, scale = run_font(face, size)
    try:
        return float(font.getlength(text, features=FEATURES)) * scale
    except OSError as exc:
        raise damaged_font(face.path, exc) from None


def run_font(face: FontFace, size: int) -> tuple[ImageFont.FreeTypeFont, float]:
    """The loaded font for `face` at `size` and the scale to apply (bitmap fonts)."""
    strike = font_info(face.path, face.index).strike
    if strike is not None:
        return load_font(face.path, strike, face.index), size / strike
    return load_font(face.path, size, face.index), 1.0


class ChainMeasurer:
    """Measures text set in a font chain, run by run, without drawing it."""

    # Advances (HarfBuzz's, directly or through raqm) are unhinted, so width is linear in
    # size: each piece of text is measured once at this size and scaled, which keeps the
    # size search cheap.
    REFERENCE_SIZE = 256

    def __init__(self, chain: FontChain, text: str = "", tracking: bool = True) -> None:
        self.chain = chain
        # Letter-spacing for this text (capitals looser, large heavy type tighter),
        # in ems per size; `tracking=False` measures the font's own spacing.
        self._capitals = tracking and is_capitals(text)
        # Lines come from this text: with no right-to-left character in it, none has one.
        self._text, self._ltr = text, bool(text) and not has_rtl(text)
        self._tracking = tracking
        self._letters: dict[str, int] = {}
        used = {face for _, _, face in chain.runs(text)} if text else set()
        used.discard(chain.primary)
        order = chain.order
        # Faces fontconfig found for single characters come after the chain's own.
        extra = sorted(used, key=lambda f: (order.get(f, len(order)), str(f.path)))
        self.faces = [chain.primary, *extra]
        # Drawn in more than the primary face: what fitting reserves above and below the
        # lines depends on which fonts draw in them (`line_ascent`).
        self.mixed = bool(extra)
        self._widths = chain.reference_widths
        self._metrics: dict[int, tuple[int, int]] = {}
        self._reaches: tuple[tuple[int, float, float], ...] | None = None
        # The words `widths` was last asked for, their widths at the reference size and
        # their letter counts (read once per text, however many sizes are tried).
        self._many: tuple[tuple[str, ...], list[float], list[int] | None] | None = None

    def width(self, text: str, size: int) -> float:
        width = self._reference(text) * size / self.REFERENCE_SIZE
        spacing = self.spacing(size)
        return width + spacing * self._trackable_letters(text) if spacing else width

    def widths(self, texts: tuple[str, ...], size: int) -> list[float]:
        """`width` of each text (a new list): what fitting asks for every size it tries."""
        many = self._many
        if many is None or many[0] is not texts:
            many = self._many = (texts, [self._reference(t) for t in texts], None)
        references = many[1]
        reference_size = self.REFERENCE_SIZE
        spacing = self.spacing(size)
        if not spacing:
            return [r * size / reference_size for r in references]
        letters = many[2]
        if letters is None:
            letters = [self._trackable_letters(t) for t in texts]
            self._many = (texts, references, letters)
        return [
            r * size / reference_size + spacing * n
            for r, n in zip(references, letters, strict=True)
        ]

    def _reference(self, text: str) -> float:
        """`text`'s width at the reference size."""
        reference = self._widths.get(text)
        if reference is None:
            # Shaping is most of fitting (~10 us a word, ~90 us where Pillow must do it):
            # each text is shaped once per chain, at the reference size, and every size
            # tried is a multiplication.
            if len(self._widths) >= self.chain.cache_limit:
                self._widths.clear()
            reference = self.exact_width(text, self.REFERENCE_SIZE)
            self._widths[text] = reference
        return reference

    def spacing(self, size: int) -> float:
        """Letter-spacing in px at `size` (0 for most text)."""
        if not self._tracking:
            return 0.0
        weight = self.chain.primary.weight
        return size * tracking_em(self._capitals, weight, size)

    def _trackable_letters(self, text: str) -> int:
        found = self._letters.get(text)
        if found is None:
            # With right-to-left letters, its neutral runs read right to left: not spaced.
            found = (
                0
                if has_rtl(text)
                else sum(
                    spaced_letters(text[a:b])
                    for a, b, face in self.chain.runs(text)
                    if is_trackable(face, text[a:b])
                )
            )
            if len(self._letters) < self.chain.cache_limit:
                self._letters[text] = found
        return found

    def exact_width(self, text: str, size: int) -> float:
        return sum(run_width(face, text[a:b], size) for a, b, face in self.chain.runs(text))

    def metrics(self, size: int) -> tuple[int, int]:
        """(ascent, descent) in pixels at `size` that lines of this text need: the primary
        face's, or more where a fallback face inks higher or lower.

        Only the ink other faces draw counts, never their nominal metrics: Noto Sans
        Arabic's ascent and descent are 2.1 em (Inter's 1.2), Noto Sans CJK's ascent
        1.16 em, an emoji font's line its own; reserved for every text they drew any
        character of, they shrank the text (a 64-word Arabic passage no longer fitted
        landscape cards), and a group then drew its lines by the primary's box anyway."""
        found = self._metrics.get(size)
        if found is None:
            ascent, descent = self._primary_metrics(size)
            reaches = self._fallback_reaches()
            if reaches:
                top = max(reach[1] for reach in reaches)
                bottom = max(reach[2] for reach in reaches)
                ascent = max(ascent, self._scaled(top, size))
                descent = max(descent, self._scaled(bottom, size))
            found = self._metrics[size] = (ascent, descent)
        return found

    def line_ascent(self, line: str, size: int) -> int:
        """The ascent the first line of this text, `line`, needs at `size`: the primary
        face's, or the ink of the fallback faces drawn in it (an emoji or an Arabic word
        on a later line lowers no Latin first line). A `line` that does not start the
        text gets the whole text's (`metrics`)."""
        if not self.mixed or not self._text.startswith(line):
            return self.metrics(size)[0]
        end = len(line)
        top = max((reach[1] for reach in self._fallback_reaches() if reach[0] < end), default=0.0)
        return max(self._primary_metrics(size)[0], self._scaled(top, size))

    def _scaled(self, reach: float, size: int) -> int:
        """A reach at the reference size, at `size` (and hinting's pixels: `INK_PAD`)."""
        if reach <= 0:
            return 0
        return math.ceil(reach * size / self.REFERENCE_SIZE + INK_PAD - 1e-6)

    def _primary_metrics(self, size: int) -> tuple[int, int]:
        # The face and size decide it, not the text: kept in the chain, for every card.
        key: tuple[int | FontFace, ...] = (size, self.chain.primary)
        found = self.chain.metrics.get(key)
        if found is None:
            font, scale = run_font(self.chain.primary, size)
            try:
                a, d = font.getmetrics()
            except OSError as exc:
                raise damaged_font(self.chain.primary.path, exc) from None
            found = self.chain.metrics[key] = (round(a * scale), round(d * scale))
            _bound(self.chain.metrics, self.chain.cache_limit)
        return found

    def _fallback_reaches(self) -> tuple[tuple[int, float, float], ...]:
        """(start, height above the baseline, depth below it) of the ink of each run of the
        text that a fallback face draws, at the reference size (ink scales with size)."""
        if self._reaches is None:
            reaches = []
            primary = self.chain.primary
            for start, end, face in self.chain.runs(self._text) if self.mixed else ():
                piece = self._text[start:end]
                if face is primary or not piece.strip():
                    continue
                ink = self._run_ink(piece, face, self.REFERENCE_SIZE, has_rtl(piece))
                if ink:
                    reaches.append((start, -ink[1], ink[3]))
            self._reaches = tuple(reaches)
        return self._reaches

    def layout_line(
        self, line: str, size: int, marks: Sequence[bool] = (), base: int | None = None
    ) -> list[Run]:
        """The line's runs in display order (bidi), split where `marks` (emphasis) changes.

        `base` is the paragraph direction (0 left to right, 1 right to left)."""
        # The usual line (no emphasis, no right-to-left text): one piece per face run.
        usual = not marks and not base and not self._rtl_in(line)
        line_levels = [] if usual else levels(line, base)
        pieces: list[tuple[int, int, FontFace, int]] = []
        if usual or (not marks and not any(line_levels)):
            pieces = [(a, b, face, 0) for a, b, face in self.chain.runs(line)]
        else:
            for a, b, face in self.chain.runs(line):
                start = a
                for i in range(a + 1, b + 1):
                    if (
                        i == b
                        or line_levels[i] != line_levels[start]
                        or (marks and marks[i] != marks[start])
                    ):
                        pieces.append((start, i, face, line_levels[start]))
                        start = i
        runs, x = [], 0.0
        spacing = self.spacing(size)
        order = (
            range(len(pieces)) if usual else visual_order([p[3] for p in pieces])
        )  # all at level 0: as they come
        for index in order:
            a, b, face, level = pieces[index]
            text = line[a:b]
            key = (text, face, size)
            width = self.chain.run_widths.get(key, -1.0)
            if width < 0:
                width = self.chain.run_widths[key] = run_width(face, text, size)
                _bound(self.chain.run_widths, self.chain.cache_limit)
            # A right-to-left run is never spaced (not even its neutral `. `: spaced
            # letter by letter it would be drawn left to right, the full stop on the
            # wrong side of the space).
            spaced = spacing if spacing and not level % 2 and is_trackable(face, text) else 0.0
            if spaced:
                width += spaced * spaced_letters(text)
            runs.append(Run(a, text, face, x, width, level % 2 == 1, spaced))
            x += width
        return runs

    def _run_ink(self, text: str, face: FontFace, size: int, rtl: bool) -> tuple[float, ...]:
        """`run_ink`, kept in the chain (a batch draws the same bylines at the same sizes)."""
        key = (text, face, size, rtl)
        ink = self.chain.run_inks.get(key)
        if ink is None:
            ink = self.chain.run_inks[key] = run_ink(face, text, size, rtl)
            _bound(self.chain.run_inks, self.chain.cache_limit)
        return ink

    def _rtl_in(self, line: str) -> bool:
        if self._ltr and line in self._text:
            return False
        return has_rtl(line)

    def ink_box(self, runs: Sequence[Run], size: int) -> tuple[float, float, float, float]:
        """Ink of placed runs relative to the line's left end on the baseline: what the
        glyphs draw (a line of dashes reaches neither the baseline nor the pen's ends)."""
        box = [float("inf"), float("inf"), float("-inf"), float("-inf")]
        for run in runs:
            if not run.text.strip():
                continue
            ink = self._run_ink(run.text, run.face, size, run.rtl)
            if not ink:
                continue
            x0, y0, x1, y1 = ink
            if run.spacing:  # letter-spacing moves every letter but the first
                x1 += run.spacing * (spaced_letters(run.text) - 1)
            box = [
                min(box[0], run.x + x0),
                min(box[1], y0),
                max(box[2], run.x + x1),
                max(box[3], y1),
            ]
        return box[0], box[1], box[2], box[3]


def _bound(cache: dict[Any, Any], limit: int) -> None:
    if len(cache) > limit:
        cache.clear()  # a long batch must not grow without end


def run_direction(run: Run) -> str | None:
    """The `direction` to pass to Pillow for a run (None without raqm)."""
    return _direction(run.rtl)


def _direction(rtl: bool) -> str | None:
    if LAYOUT_ENGINE != ImageFont.Layout.RAQM:
        return None
    return "rtl" if rtl else "ltr"


# How far drawn ink may reach past a glyph's outline once hinted, in px: measured on the
# bundled fonts and Noto's at 14-220 px, at most 1 for punctuation (2 for a few accents).
INK_PAD = 1


def _bare_mark(text: str) -> bool:
    """True when a combining mark in `text` follows no letter (or mark): raqm and HarfBuzz
    alone place such a mark differently."""
    return any(
        _is_mark(char) and not (index and (text[index - 1].isalpha() or _is_mark(text[index - 1])))
        for index, char in enumerate(text)
        if ord(char) >= 0x300
    )


def _is_mark(char: str) -> bool:
    return unicodedata.category(char)[0] == "M"


def run_ink(face: FontFace, text: str, size: int, rtl: bool) -> tuple[float, ...]:
    """(left, top, right, bottom) of the ink of `text` drawn as one run in `face` at
    `size`, from its left end on the baseline (y down); () when it inks nothing.

    Pillow's text box (its hinted ink, the edges exact) reaches down to the baseline and
    out to the pen's start and end: right for letters, which stand on the baseline, but a
    run of only punctuation (dashes, quote marks, 「」, …) measured up to 0.3 em taller
    and wider than drawn. Such a run is measured from its glyphs' outlines through
    HarfBuzz (also cheaper: ~50 us against 110-380 us a call), unless it holds a
    combining mark with no letter under it (raqm draws that differently) or is in a
    colour bitmap font (emoji)."""
    if (
        not any(char.isalnum() for char in text)
        and font_info(face.path, face.index).strike is None
        and not _bare_mark(text)
    ):
        ink = shaping.ink(face.path, face.index, text, size, rtl)
        if ink:  # hinting moves a drawn edge by up to a pixel
            return ink[0] - INK_PAD, ink[1] - INK_PAD, ink[2] + INK_PAD, ink[3] + INK_PAD
        if ink is not None:
            return ink
    font, scale = run_font(face, size)
    try:
        bbox = font.getbbox(text, anchor="ls", direction=_direction(rtl), features=FEATURES)
    except OSError as exc:
        raise damaged_font(face.path, exc) from None
    return tuple(v * scale for v in bbox)


@functools.lru_cache(maxsize=65536)
def text_width(face: FontFace, size: int, text: str) -> float:
    """`run_width`, cached: fitting measures the same lines many times (balancing
    re-wraps at many widths, and every platform tries similar sizes)."""
    return run_width(face, text, size)


class FontMeasurer:
    """Measures text in one face at any size without drawing it."""

    def __init__(self, face: FontFace) -> None:
        self.face = face

    def width(self, text: str, size: int) -> float:
        return text_width(self.face, size, text)

    def metrics(self, size: int) -> tuple[int, int]:
        """(ascent, descent) in pixels at `size`."""
        ascent, descent = load_font(self.face.path, size, self.face.index).getmetrics()
        return ascent, descent

    def ink_box(self, text: str, size: int) -> tuple[int, int, int, int]:
        """Bounding box of the inked pixels relative to the baseline start.

        From the rendered mask: Pillow's `getbbox` always reaches down to the baseline
        and back to the pen's start, so a quote mark, which floats above the baseline,
        measured twice its height, and a mark scaled to fill its box came out half as
        tall as the box and its recorded ink reached 30 px below what was drawn."""
        return _drawn_ink(self.face, text, size)


@functools.lru_cache(maxsize=1024)
def _drawn_ink(face: FontFace, text: str, size: int) -> tuple[int, int, int, int]:
    """`FontMeasurer.ink_box`, kept: a mark sized by its quote is measured at each size."""
    try:
        font = load_font(face.path, size, face.index)
        mask, (left, top) = font.getmask2(text, anchor="ls", features=FEATURES)
    except OSError as exc:
        raise damaged_font(face.path, exc) from None
    inked = mask.getbbox()
    if inked is None:  # nothing drawn (spaces)
        return 0, 0, 0, 0
    return left + inked[0], top + inked[1], left + inked[2], top + inked[3]


def forget_font_files() -> None:
    """Drop every per-process font cache, after font files were added or replaced.

    Everything keyed by a path (registry, loaded fonts, character maps, widths)
    would otherwise keep describing the old file.
    """
    for cache in (
        registry_for,
        _described,
        font_info,
        load_font,
        _system_face_for,
        text_width,
        _drawn_ink,
    ):
        cache.cache_clear()
    shaping.forget()
