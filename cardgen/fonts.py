"""Font files by family, weight and style; font objects cached per (file, size).

Fonts come from the project's `fonts/` folder and cardgen's bundled fonts.
Measuring goes through `FontMeasurer`, which `typeset` uses without pixels.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont, features

from cardgen.errors import InputError
from cardgen.layouts import bundled_dir

FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
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
LAYOUT_ENGINE = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC


@dataclass(frozen=True)
class FontFace:
    """One font file and what it is: family, weight (100-900) and italic or not."""

    path: Path
    family: str
    style_name: str
    weight: int
    italic: bool

    @property
    def full_name(self) -> str:
        return f"{self.family} {self.style_name}"


def _describe(path: Path) -> FontFace | None:
    try:
        font = ImageFont.truetype(str(path), 12)
    except OSError:
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

    def __init__(self, folders: tuple[Path, ...]) -> None:
        self.folders = folders
        self.faces: list[FontFace] = []
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

    def families(self) -> list[str]:
        return sorted({face.family for face in self.faces})

    def find(self, family: str, weight: str | int = "regular", italic: bool = False) -> FontFace:
        """The face of `family` closest to the wanted weight and style."""
        wanted = WEIGHTS[weight] if isinstance(weight, str) else weight
        candidates = [f for f in self.faces if f.family.lower() == family.lower()]
        if not candidates:
            import difflib

            close = difflib.get_close_matches(family, self.families(), n=1)
            hint = (
                f"did you mean '{close[0]}'?"
                if close
                else ("add its .ttf/.otf files to fonts/; `cardgen fonts` lists what is available")
            )
            raise InputError(f"font family '{family}' not found", hint=hint)
        return min(candidates, key=lambda f: (f.italic != italic, abs(f.weight - wanted)))


@functools.cache
def registry_for(folders: tuple[Path, ...]) -> FontRegistry:
    return FontRegistry(folders)


def font_folders(project_dir: Path | None) -> tuple[Path, ...]:
    folders = []
    if project_dir is not None and (project_dir / "fonts").is_dir():
        folders.append((project_dir / "fonts").resolve())
    bundled = bundled_dir("fonts").resolve()
    if bundled not in folders:
        folders.append(bundled)
    return tuple(folders)


@functools.lru_cache(maxsize=512)
def load_font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    """The font at `path` in `size` pixels, loaded once per process."""
    return ImageFont.truetype(str(path), size, layout_engine=LAYOUT_ENGINE)


class FontMeasurer:
    """Measures text in one face at any size without drawing it."""

    def __init__(self, face: FontFace) -> None:
        self.face = face
        # Fitting asks for the same (text, size) again and again (binary search over
        # sizes, then balancing re-wraps): about 2,600 calls but 700 distinct ones for
        # a typical quote (benchmarks/README.md). Shaping is the cost, so remember it.
        self._widths: dict[tuple[str, int], float] = {}

    def width(self, text: str, size: int) -> float:
        key = (text, size)
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = float(load_font(self.face.path, size).getlength(text))
        return width

    def metrics(self, size: int) -> tuple[int, int]:
        """(ascent, descent) in pixels at `size`."""
        ascent, descent = load_font(self.face.path, size).getmetrics()
        return ascent, descent

    def ink_box(self, text: str, size: int) -> tuple[int, int, int, int]:
        """Bounding box of the inked pixels relative to the baseline start."""
        box = load_font(self.face.path, size).getbbox(text, anchor="ls")
        return int(box[0]), int(box[1]), int(box[2]), int(box[3])
