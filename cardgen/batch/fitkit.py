"""What a Dask worker needs to fit and draw a run's cards without the project's disk.

A `FitKit` holds the run's resolved layouts, brands and platforms and the project's
files they need (its `fonts/`, the pictures and logos the layouts and brands name), each
by sha256. A worker stores the files under their hash, points the layouts and brands at
its copies and fits with the same faces in the same order as the main process: its cards
are the bytes a local run draws. cardgen's own layouts and fonts come with the worker's
cardgen (the same version: `executors` checks); system fonts are the worker's own.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel

from cardgen import __version__
from cardgen.design.cardtext import CardText, card_text
from cardgen.design.layouts import Brand, Layout
from cardgen.design.platforms import Platform
from cardgen.typography.fontfiles import FONT_SUFFIXES

if TYPE_CHECKING:
    from cardgen.batch.plan import CardJob, Project
    from cardgen.drawing.scene import SceneMemo
    from cardgen.typography.fonts import FontRegistry

M = TypeVar("M", bound=BaseModel)
_KEPT_KITS = 2  # kits a worker keeps ready (a worker may serve two runs in turn)


@dataclass(frozen=True)
class WorkerCard:
    """One card as a worker gets it: its text and the names of what the kit holds."""

    content: CardText
    layout: str
    brand: str | None
    platform: str
    fmt: str
    limit: int  # the platform's file limit in bytes
    label: str  # names the card in errors: `selection/quote`


@dataclass(frozen=True)
class FitKit:
    digest: str  # of everything below: names the kit on the cluster and on a worker
    layouts: dict[tuple[str, str], Layout]  # (layout name, platform id) -> resolved
    brands: dict[str | None, Brand]
    platforms: dict[str, Platform]
    fonts: tuple[tuple[str, str], ...]  # the project's fonts/: (path inside it, sha256)
    images: tuple[tuple[str, str], ...]  # (path as the layouts name it here, sha256)
    files: dict[str, tuple[str, bytes]]  # sha256 -> (suffix, bytes)


def worker_card(job: CardJob, project: Project) -> WorkerCard:
    quote = job.quote
    brand = project.brand(job.brand)
    content = card_text(quote.text, brand, attribution=quote.attribution, article=job.selection)
    return WorkerCard(
        content,
        job.layout,
        job.brand,
        job.platform.id,
        job.fmt,
        job.platform.file_limit,
        f"{job.selection.name}/{quote.id}",
    )


def fit_kit(project: Project, jobs: list[CardJob]) -> FitKit:
    """The kit for fitting `jobs`: their layouts, brands and platforms, and the files."""
    platforms = {job.platform.id: job.platform for job in jobs}
    layouts = {
        (job.layout, job.platform.id): project.layout(job.layout, job.platform) for job in jobs
    }
    brands = {job.brand: project.brand(job.brand) for job in jobs}
    files: dict[str, tuple[str, bytes]] = {}

    def add(path: Path) -> str:
        data = path.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        files[sha] = (path.suffix.lower(), data)
        return sha

    folder = (project.root / "fonts").resolve()
    fonts = []
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in FONT_SUFFIXES and path.is_file():
                fonts.append((path.relative_to(folder).as_posix(), add(path)))
    named = _image_names([*layouts.values(), *brands.values()])
    images = [(name, add(Path(name))) for name in sorted(named) if Path(name).is_file()]
    described = {
        "cardgen": __version__,
        "layouts": [[*key, value.model_dump(mode="json")] for key, value in layouts.items()],
        "brands": [[key, value.model_dump(mode="json")] for key, value in brands.items()],
        "platforms": {key: asdict(value) for key, value in platforms.items()},
        "fonts": fonts,
        "images": images,
    }
    text = json.dumps(described, sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return FitKit(digest, layouts, brands, platforms, tuple(fonts), tuple(images), files)


@dataclass
class ReadyKit:
    """A kit on a worker: its files stored, layouts and brands pointed at them."""

    root: str  # the worker's copy of the project's files (its fonts/ inside)
    layouts: dict[tuple[str, str], Layout]
    brands: dict[str | None, Brand]
    platforms: dict[str, Platform]
    registry: FontRegistry
    memo: SceneMemo


_READY: dict[str, ReadyKit] = {}


def ready(kit: FitKit) -> ReadyKit:
    """The kit made ready on this worker, once per worker process."""
    found = _READY.get(kit.digest)
    if found is not None:
        return found
    from cardgen.drawing.memory import keep_freed_memory
    from cardgen.drawing.scene import SceneMemo
    from cardgen.typography.fontfiles import font_folders
    from cardgen.typography.fonts import FontRegistry

    # As local workers do: a Dask worker starts with glibc trimming freed memory at 64 kB
    # (the nanny's MALLOC_TRIM_THRESHOLD_), so each card would fault its canvases in anew.
    keep_freed_memory()
    store = store_folder()
    files = kit.files.items()
    stored = {sha: store_file(store, sha, suffix, data) for sha, (suffix, data) in files}
    root = store / f"project-{kit.digest[:32]}"
    if kit.fonts and not (root / "fonts").is_dir():
        _mirror_fonts(root, kit.fonts, stored)
    names = {name: str(stored[sha]) for name, sha in kit.images}
    made = ReadyKit(
        str(root),
        {key: renamed(value, names) for key, value in kit.layouts.items()},
        {key: renamed(value, names) for key, value in kit.brands.items()},
        kit.platforms,
        FontRegistry(font_folders(root)),
        SceneMemo(),
    )
    while len(_READY) >= _KEPT_KITS:
        del _READY[next(iter(_READY))]
    _READY[kit.digest] = made
    return made


def system_fonts() -> list[str]:
    """This machine's system fonts as fitting tells them apart: name, file name and size
    (the same list on a worker and here: the same fallbacks, the same bytes)."""
    from cardgen.typography.fonts import system_faces

    found = set()
    for face in system_faces():
        try:
            size = face.path.stat().st_size
        except OSError:
            continue
        found.add(f"{face.full_name} ({face.path.name}, {size} bytes)")
    return sorted(found)


def forget_kits() -> None:
    """Forget the kits made ready in this process (as a new worker process would)."""
    _READY.clear()


def store_folder() -> Path:
    """Where a worker keeps files by sha256: `TMP/cardgen-files-UID/`."""
    return Path(tempfile.gettempdir()) / f"cardgen-files-{os.getuid()}"


def store_file(store: Path, sha: str, suffix: str, data: bytes) -> Path:
    """The worker's copy of a file: `STORE/SHA256.suffix`, written once, whole. A copy
    already there is used only if its bytes have that sha256 (not merely its size)."""
    if hashlib.sha256(data).hexdigest() != sha:
        raise ValueError(f"a file sent as {sha} arrived damaged")
    _private_folder(store)
    path = store / f"{sha}{suffix}"
    with contextlib.suppress(OSError):
        if not path.is_symlink() and hashlib.sha256(path.read_bytes()).hexdigest() == sha:
            return path
    tmp = store / f".{sha}.{os.getpid()}-{os.urandom(4).hex()}.tmp"
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _private_folder(store: Path) -> None:
    """Make sure STORE is this user's own folder: it lives in a shared temporary folder,
    where another user could have put a link or a folder of their own files under the name."""
    store.mkdir(mode=0o700, exist_ok=True)
    info = os.lstat(store)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
        raise ValueError(
            f"{store} is not a folder of this user's that only it can write (a link, another"
            " user's, or writable by others): remove it, or point TMPDIR elsewhere"
        )


def _mirror_fonts(root: Path, fonts: tuple[tuple[str, str], ...], stored: dict[str, Path]) -> None:
    """ROOT/fonts/ as the project's: the same names, so the registry finds the same faces
    in the same order. Made aside and renamed into place: another worker process of this
    machine may be making it too."""
    aside = root.with_name(f".{root.name}.{os.getpid()}-{os.urandom(4).hex()}")
    for relative, sha in fonts:
        target = aside / "fonts" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(stored[sha], target)
        except OSError:  # a store on another file system
            target.write_bytes(stored[sha].read_bytes())
    try:
        aside.rename(root)
    except OSError:  # made meanwhile by another process: theirs is the same
        import shutil

        shutil.rmtree(aside, ignore_errors=True)


def _image_names(models: list[BaseModel]) -> set[str]:
    """Every picture and logo path a layout or brand names (`src`, `logo`)."""
    found: set[str] = set()

    def visit(value: object, name: str = "") -> None:
        if isinstance(value, BaseModel):
            for field in type(value).model_fields:
                visit(getattr(value, field), field)
        elif isinstance(value, list | tuple):
            for item in value:
                visit(item)
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)
        elif isinstance(value, str) and name in ("src", "logo"):
            found.add(value)

    for model in models:
        visit(model)
    return found


def renamed(model: M, names: dict[str, str]) -> M:
    """`model` (a layout or brand) with every string of `names` replaced; models are
    copied only where something changed (they are frozen)."""
    found = _renamed(model, names)
    assert isinstance(found, type(model))
    return found


def _renamed(value: object, names: dict[str, str]) -> object:
    if isinstance(value, BaseModel):
        changes = {}
        for field in type(value).model_fields:
            child = getattr(value, field)
            new = _renamed(child, names)
            if new is not child:
                changes[field] = new
        return value.model_copy(update=changes) if changes else value
    if isinstance(value, list | tuple):
        items = [_renamed(item, names) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        pairs = {key: _renamed(item, names) for key, item in value.items()}
        return value if all(pairs[k] is value[k] for k in value) else pairs
    if isinstance(value, str):
        return names.get(value, value)
    return value
