"""`cardgen doctor`: what this machine has for cardgen, and what to install where it lacks.

Each check is one `Finding`: what was looked for, what was found, whether cardgen needs it
(`required`: cards cannot be right without it) and the command that installs it. Bug
reports start with this list.
"""

from __future__ import annotations

import platform
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cardgen import __version__
from cardgen.plaindata import JsonObject

if TYPE_CHECKING:
    from cardgen.typography.fonts import FontFace

# What to install, by the package manager this machine has.
_DEBIAN = "apt-get install"
_MAC = "brew install"
EMOJI_FAMILIES = ("Noto Color Emoji",)
CJK_PREFIXES = ("Noto Sans CJK", "Noto Serif CJK")
BROWSER = Path("/usr/bin/chromium")  # the tests' browser (tests/test_browser.py)


@dataclass(frozen=True)
class Finding:
    """One thing looked for: `ok` when found, else `fix` says how to get it."""

    name: str
    ok: bool
    found: str  # a version, a path, a count: what is there (or "missing")
    required: bool = True  # False: only some cards or only the tests need it
    fix: str = ""

    def as_json(self) -> JsonObject:
        return {
            "name": self.name,
            "ok": self.ok,
            "found": self.found,
            "required": self.required,
            "fix": self.fix,
        }


def _install(debian: str, mac: str) -> str:
    if shutil.which("apt-get"):
        return f"{_DEBIAN} {debian}"
    if shutil.which("brew"):
        return f"{_MAC} {mac}"
    return f"install {debian} (Debian's name) with your system's package manager"


def examine(project: Path) -> list[Finding]:
    """Everything `cardgen doctor` reports, in its order."""
    findings = [
        Finding("cardgen", True, __version__),
        Finding("Python", True, f"{platform.python_version()} ({sys.executable})"),
    ]
    findings += _pillow()
    findings += _fonts(project)
    findings.append(_browser())
    return findings


def _pillow() -> list[Finding]:
    import PIL
    from PIL import features

    def version(name: str) -> str | None:
        try:
            return features.version(name) if features.check(name) else None
        except (ValueError, OSError):  # an unknown feature in this Pillow, a library not loaded
            return None

    findings = [Finding("Pillow", True, PIL.__version__)]
    libraries = (
        # (Pillow's name, shown, what it is for, Debian package, Homebrew formula)
        # Pillow's wheels carry raqm and HarfBuzz but load FriBiDi from the system.
        ("raqm", "raqm", "right-to-left and complex scripts", "libfribidi0", "fribidi"),
        ("harfbuzz", "HarfBuzz", "shaping (through raqm)", "libharfbuzz0b", "harfbuzz"),
        ("fribidi", "FriBiDi", "right-to-left text (through raqm)", "libfribidi0", "fribidi"),
        ("freetype2", "FreeType", "all text", "libfreetype6", "freetype"),
    )
    for key, shown, purpose, debian, mac in libraries:
        found = version(key)
        fix = "" if found else f"{_install(debian, mac)}, then reinstall Pillow ({purpose})"
        findings.append(Finding(shown, found is not None, found or "missing", True, fix))
    try:
        import uharfbuzz

        findings.append(Finding("uharfbuzz", True, str(uharfbuzz.__version__)))
    except ImportError:
        findings.append(
            Finding("uharfbuzz", False, "missing", True, "pip install uharfbuzz (text widths)")
        )
    return findings


def _fonts(project: Path) -> list[Finding]:
    from cardgen.inputs import bundled_dir
    from cardgen.typography.fontfiles import font_folders
    from cardgen.typography.fonts import registry_for, system_faces

    registry = registry_for(font_folders(project))
    bundled = bundled_dir("fonts").resolve()
    findings = []
    for folder in font_folders(project):
        families = sorted({f.family for f in registry.faces if f.path.is_relative_to(folder)})
        where = "bundled" if folder == bundled else "project"
        findings.append(
            Finding(
                f"fonts ({where})",
                bool(families),
                f"{len(families)} families in {folder}: {', '.join(families) or 'none'}",
                where == "bundled",
                "" if families else "reinstall cardgen (its fonts are missing)",
            )
        )
    system = system_faces()
    fontconfig = shutil.which("fc-list")
    findings.append(
        Finding(
            "fontconfig",
            fontconfig is not None,
            f"{len({f.family for f in system})} system families" if fontconfig else "missing",
            True,
            "" if fontconfig else _install("fontconfig", "fontconfig"),
        )
    )
    emoji = _first(system, EMOJI_FAMILIES)
    findings.append(
        Finding(
            "colour emoji",
            emoji is not None,
            emoji or "missing: emoji draw in black and white or not at all",
            False,
            "" if emoji else _install("fonts-noto-color-emoji", "--cask font-noto-color-emoji"),
        )
    )
    cjk = _first(system, CJK_PREFIXES)
    findings.append(
        Finding(
            "CJK fallback",
            cjk is not None,
            cjk or "missing: Japanese, Chinese and Korean quotes cannot be drawn",
            False,
            "" if cjk else _install("fonts-noto-cjk", "--cask font-noto-sans-cjk"),
        )
    )
    return findings


def _first(faces: list[FontFace], prefixes: tuple[str, ...]) -> str | None:
    """`Family (path)` of the first face whose family starts with one of `prefixes`."""
    for face in faces:
        if face.family.startswith(prefixes):
            return f"{face.family} ({face.path})"
    return None


def _browser() -> Finding:
    found = BROWSER.exists()
    return Finding(
        "tests' browser",
        found,
        str(BROWSER) if found else "missing: the review page's browser tests are skipped",
        False,
        "" if found else _install("chromium", "--cask chromium"),
    )
