"""Cache keys: what decides a card's bytes, hashed, so an unchanged card is not drawn again.

Also the files a render read (for the up-to-date stamp): the same pictures and logos.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from cardgen import __version__
from cardgen.batch.plan import CardJob, Project, card_content

if TYPE_CHECKING:
    from cardgen.source.quotes import LoadedSelection

# The serialised layout, brand, images and platform, shared by the cards of one
# (layout, platform, brand): worked out once a run.
Memo = dict[tuple[object, ...], dict[str, str]]


def fonts_digest(project: Project) -> str:
    """One hash of every font file cardgen may pick from (names and contents)."""
    from cardgen.typography.fontfiles import FONT_SUFFIXES, font_folders

    digest = hashlib.sha256()
    for folder in font_folders(project.root):
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in FONT_SUFFIXES and path.is_file():
                digest.update(path.relative_to(folder).as_posix().encode())
                digest.update(file_hash(path).encode())
    return digest.hexdigest()


def files_read(loaded: list[LoadedSelection], project: Project) -> list[Path]:
    """Selections, their articles, and the pictures and logos of the layouts and brands used."""
    files = [path for s in loaded for path in (s.path, s.article.path)]
    dumps = [item.model_dump(mode="json") for item in project.loaded()]
    files += [Path(p) for p in image_paths(dumps)]
    return list(dict.fromkeys(files))


def file_hash(path: Path) -> str:
    """sha256 of a file's bytes, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def image_paths(value: object) -> list[str]:
    """Every `src` (and brand `logo`) path named anywhere in a dumped layout or brand."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("src", "logo") and isinstance(item, str):
                found.append(item)
            else:
                found.extend(image_paths(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(image_paths(item))
    return found


@functools.lru_cache(maxsize=256)
def _image_hash(path: str, mtime_ns: int, size: int) -> str:
    # Keyed by mtime and size so an edited picture is hashed again, an unchanged one once.
    return file_hash(Path(path))


def images_digest(*dumps: object) -> dict[str, str]:
    """Content hashes of the pictures and logos a card uses: editing one re-renders it."""
    hashes = {}
    for name in sorted(set(image_paths(list(dumps)))):
        path = Path(name)
        if path.is_file():
            stat = path.stat()
            hashes[name] = _image_hash(str(path), stat.st_mtime_ns, stat.st_size)
    return hashes


def cache_key(job: CardJob, project: Project, fonts: str, memo: Memo | None = None) -> str:
    """What decides a card's bytes: text, resolved layout and brand, images, platform, fonts,
    version.

    `memo` (one per run) keeps the serialised layout, brand, images and platform of each
    (layout, platform, brand): the same for every card that shares them.
    """
    from cardgen.drawing.encoders import ENCODE_OPTIONS

    brand = project.brand(job.brand)
    shared_key = (job.layout, job.platform, job.brand)
    shared = memo.get(shared_key) if memo is not None else None
    if shared is None:
        layout = project.layout(job.layout, job.platform).model_dump(mode="json")
        shared = {
            **design_parts(project.root, layout, brand.model_dump(mode="json")),
            "platform": dumps(asdict(job.platform)),
        }
        if memo is not None:
            memo[shared_key] = shared
    parts = {
        **shared,
        "cardgen": dumps(__version__),
        "content": dumps(asdict(card_content(job, brand))),
        "format": dumps(job.fmt),
        "encoder": dumps(ENCODE_OPTIONS),
        "fonts": dumps(fonts),
    }
    return keyed(parts)


def design_parts(root: Path, layout: object, brand: object) -> dict[str, str]:
    """A dumped layout (or several) and brand as a cache key holds them, with the pictures
    and logos they name hashed. Paths are named by where they are in the project: a
    project checked out elsewhere (another machine, a shard of a CI matrix) keeps its
    keys, so shared caches hit."""
    images = images_digest(layout, brand)
    where = _portable_paths(root, image_paths([layout, brand]))
    return {
        "layout": dumps(_rename(layout, where)),
        "brand": dumps(_rename(brand, where)),
        "images": dumps({where.get(k, k): v for k, v in images.items()}),
    }


def keyed(parts: dict[str, str]) -> str:
    """sha256 of the parts (each a JSON text) as one JSON object with sorted keys."""
    # Exactly the text of dumping the whole payload with sort_keys: keys stay as they were.
    text = "{" + ", ".join(f"{json.dumps(k)}: {parts[k]}" for k in sorted(parts)) + "}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _portable_paths(root: Path, paths: list[str]) -> dict[str, str]:
    """Absolute image paths -> the same relative to the project (or to cardgen's own data)."""
    import cardgen

    bases = {"project": root.resolve(), "cardgen": Path(cardgen.__file__).resolve().parent}
    names = {}
    for name in paths:
        path = Path(name)
        for label, base in bases.items():
            if path.is_relative_to(base):
                names[name] = f"{label}:{path.relative_to(base).as_posix()}"
                break
    return names


def _rename(value: object, names: dict[str, str]) -> object:
    """`value` (a dumped layout or brand) with every string of `names` replaced."""
    if isinstance(value, dict):
        return {key: _rename(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_rename(item, names) for item in value]
    return names.get(value, value) if isinstance(value, str) else value


def dumps(value: object) -> str:
    """A value as a cache key's part: JSON with sorted keys."""
    return json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
