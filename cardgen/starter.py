"""`cardgen init`: a starter project that is the user's own (their brand, not the example's).

Everything is worked out and checked before the first file is written; the files
then appear whole (each written to a temporary name and renamed), and a failed
write removes what this run had written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cardgen.errors import InputError
from cardgen.inputs import IMAGE_SUFFIXES

COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
COLOUR_ROLES = ("background", "text", "accent")  # the order of `--colors a,b,c`
FONT_ROLES = ("serif", "sans", "display")  # the order of `--fonts a,b,c`
MAX_LOGO_BYTES = 5_000_000

STARTER_ARTICLE = """\
---
title: Why We Keep a Notebook
publisher: {publisher}
---

# Why We Keep a Notebook

Every project starts as a scribble. Ours start in a notebook that travels
everywhere with us, and the pages fill up faster than we expect.

Ideas are cheap until you write them down. A page of notes is a promise
to your future self that the thought was worth keeping.

Most notes are never read again, and that is fine. Writing is how we
think; the notebook is only where the thinking leaves its footprints.

Replace this article with one of yours, then pick the lines worth sharing.
"""

STARTER_SELECTION = """\
# A selection: the article and the quotes chosen from it. `cardgen check`
# proves each quote is in the article; `cardgen render` makes the cards.
article:
  source: articles/welcome.md
defaults:
  layout: classic
  brand: {brand}
  platforms: [instagram-square, instagram-story, x, linkedin]
quotes:
  - id: ideas-are-cheap
    text: "Ideas are cheap until you write them down."
  - id: writing-is-thinking
    find: Writing is how we think
"""

GITIGNORE = """\
# cardgen's output folders: cards, captions, manifest and review page
/output/
/preview/
"""

README = """\
# {name}

Quote cards made with [cardgen](https://pypi.org/project/cardgen/). Articles
live in `quotes/articles/`, the quotes chosen from each in `quotes/*.yaml`, and
this project's brand kit in `layouts/brands/{brand}.yaml`. `cardgen check`
verifies every quote against its article (and who is speaking it),
`cardgen render` writes the cards into `output/`, and `cardgen serve` shows
them for review.
"""


@dataclass(frozen=True)
class StarterOptions:
    name: str | None = None
    colors: str | None = None
    fonts: str | None = None
    handle: str | None = None
    logo: Path | None = None
    website: str | None = None


def init_project(folder: Path, options: StarterOptions, *, force: bool = False) -> list[Path]:
    """Write a starter project into `folder`; returns the files written, in order."""
    name = (options.name or folder.resolve().name or "my-cards").strip()
    slug = "-".join(re.findall(r"[a-z0-9]+", name.lower())) or "my-brand"
    files = _files(name, slug, options)
    _check_target(folder, force)
    return _write_all(folder, files)


def _files(name: str, slug: str, options: StarterOptions) -> dict[str, bytes]:
    import yaml

    from cardgen.design.layouts import Brand

    colours = parse_colours(options.colors)
    brand: dict[str, object] = {
        "name": slug,
        "colors": colours,
        "fonts": parse_fonts(options.fonts),
    }
    files: dict[str, bytes] = {}
    if options.logo is not None:
        logo_name, logo = _logo(options.logo)
        files[f"layouts/brands/{logo_name}"] = logo
        brand["logo"] = logo_name
    if options.handle:
        handle = options.handle.strip()
        if not re.fullmatch(r"@?[\w.]+(?:@[\w.-]+)?", handle):
            raise InputError(f"--handle {handle!r} is not a handle", hint="e.g. --handle @studio")
        brand["handle"] = handle if handle.startswith("@") else "@" + handle
    if options.website:
        brand["website"] = options.website.strip()
    try:
        Brand.model_validate(brand)
    except ValueError as exc:
        raise InputError(f"the brand kit would be invalid: {exc}") from None
    header = f"# Brand kit for {name}: colours, fonts, logo and handle used by every layout.\n"
    files[f"layouts/brands/{slug}.yaml"] = (
        header + yaml.safe_dump(brand, sort_keys=False, allow_unicode=True)
    ).encode("utf-8")
    files["quotes/articles/welcome.md"] = STARTER_ARTICLE.format(
        publisher=_yaml_text(name)
    ).encode()
    files["quotes/welcome.yaml"] = STARTER_SELECTION.format(brand=slug).encode("utf-8")
    files[".gitignore"] = GITIGNORE.encode("utf-8")
    files["README.md"] = README.format(name=name, brand=slug).encode("utf-8")
    return files


def _yaml_text(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML string


def parse_colours(text: str | None) -> dict[str, str]:
    """`#fff,#111,#c33` (background, text, accent) or `accent=#c33,...`; the other colours
    the bundled layouts use are derived from these three."""
    given: dict[str, str] = {}
    for index, item in enumerate(i.strip() for i in (text or "").split(",") if i.strip()):
        role, _, value = item.rpartition("=")
        role = role.strip() or (COLOUR_ROLES[index] if index < len(COLOUR_ROLES) else "")
        value = value.strip()
        if not role:
            raise InputError(
                f"--colors: more than {len(COLOUR_ROLES)} colours without names",
                hint="name the extra ones, e.g. --colors '#fff,#111,#c33,deep=#223'",
            )
        if not re.fullmatch(r"[a-z][a-z0-9-]*", role):
            raise InputError(f"--colors: {role!r} is not a colour name (use a-z, 0-9, -)")
        if not COLOUR.fullmatch(value):
            raise InputError(f"--colors: {value!r} is not a colour", hint="use '#rrggbb'")
        given[role] = value.lower()
    background = given.get("background", "#f6f5f2")
    text_colour = given.get("text", "#1f1f1f")
    accent = given.get("accent", "#3d5a80")
    dark = text_colour if _luminance(text_colour) < 0.2 else "#1f1f1f"
    derived = {
        "background": background,
        "text": text_colour,
        "accent": accent,
        "muted": _mix(text_colour, background, 0.3),
        "deep": dark,
        "deep-2": _mix(dark, "#000000", 0.35),
        "light": background if _luminance(background) > 0.6 else "#f6f5f2",
        "blush": _mix(accent, "#ffffff", 0.65),
    }
    return {**derived, **given}


def parse_fonts(text: str | None) -> dict[str, str]:
    """`EB Garamond,Inter` (serif, sans, display) or `sans=Inter,...`; each must be a
    family cardgen can use (`cardgen fonts`)."""
    from cardgen.typography.fontfiles import font_folders
    from cardgen.typography.fonts import registry_for

    fonts = {"serif": "EB Garamond", "sans": "Inter", "display": "Noto Serif"}
    items = [i.strip() for i in (text or "").split(",") if i.strip()]
    registry = registry_for(font_folders(Path.cwd())) if items else None
    for index, item in enumerate(items):
        role, _, family = item.rpartition("=")
        role = role.strip() or (FONT_ROLES[index] if index < len(FONT_ROLES) else "")
        family = family.strip()
        if role not in FONT_ROLES:
            raise InputError(
                f"--fonts: {item!r} names no role",
                hint=f"give up to three families in the order {', '.join(FONT_ROLES)}, "
                "or role=Family",
            )
        assert registry is not None
        if not registry.has(family):
            registry.find(family)  # raises with a did-you-mean
        fonts[role] = family
    return fonts


def _logo(path: Path) -> tuple[str, bytes]:
    shown = str(path)
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise InputError(
            f"--logo {shown}: not a PNG, JPEG, WebP or SVG file", hint="give the logo's image file"
        )
    try:
        if path.stat().st_size > MAX_LOGO_BYTES:
            raise InputError(f"--logo {shown}: larger than {MAX_LOGO_BYTES:,} bytes")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"--logo {shown}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"--logo {shown}: a folder, not an image file") from None
    except OSError as exc:
        raise InputError(f"--logo {shown}: cannot read it ({exc.strerror})") from None
    name = "-".join(re.findall(r"[a-z0-9]+", path.stem.lower())) or "logo"
    return name + path.suffix.lower(), data


def _check_target(folder: Path, force: bool) -> None:
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file, not a folder", hint="give a folder to create")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise InputError(
            f"{folder} is not empty",
            hint="give a new or empty folder, or --force to add the starter files to it, "
            "replacing files of the same names",
        )


def _write_all(folder: Path, files: dict[str, bytes]) -> list[Path]:
    from cardgen.batch.output import write_atomic

    new_folders = {
        parent
        for relative in files
        for parent in (folder / relative).parents
        if parent == folder or folder in parent.parents
    }
    new_folders = {p for p in new_folders if not p.exists()}
    written: list[Path] = []
    try:
        for relative, data in files.items():
            path = folder / relative
            existed = path.exists()
            write_atomic(path, data)
            if not existed:
                written.append(path)
    except BaseException:
        for path in written:  # nothing half-written: what this run added goes again
            path.unlink(missing_ok=True)
        for made in sorted(new_folders, key=lambda p: len(p.parts), reverse=True):
            if made.is_dir() and not any(made.iterdir()):
                made.rmdir()
        raise
    return [folder / relative for relative in files]


def _luminance(colour: str) -> float:
    red, green, blue = _rgb(colour)
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


def _mix(a: str, b: str, amount: float) -> str:
    """`amount` of the way from colour `a` to colour `b`."""
    mixed = [round(x + (y - x) * amount) for x, y in zip(_rgb(a), _rgb(b), strict=True)]
    return "#" + "".join(f"{v:02x}" for v in mixed)


def _rgb(colour: str) -> tuple[int, int, int]:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)
