"""Where font files are, without Pillow: the cache key hashes them, and a fully cached
run should not pay for importing Pillow."""

from __future__ import annotations

from pathlib import Path

from cardgen.inputs import bundled_dir

FONT_SUFFIXES = (".ttf", ".otf", ".ttc")


def font_folders(project_dir: Path | None) -> tuple[Path, ...]:
    folders = []
    if project_dir is not None and (project_dir / "fonts").is_dir():
        folders.append((project_dir / "fonts").resolve())
    bundled = bundled_dir("fonts").resolve()
    if bundled not in folders:
        folders.append(bundled)
    return tuple(folders)
