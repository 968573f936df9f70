"""Worker processes of a batch: fit and draw cards, and carry errors back whole.

Spawn-safe top-level functions; each worker keeps its own Project, and its
fonts stay loaded per (file, size) for every card it handles.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from cardgen.batch.plan import Project
from cardgen.errors import CardgenError

if TYPE_CHECKING:
    from cardgen.batch.fitkit import FitKit, WorkerCard
    from cardgen.drawing.scene import Scene

_WORKER_PROJECTS: dict[Path, Project] = {}


def worker_init(root: Path | None) -> None:
    """Run first in every worker. `root`: the project, to open and load fonts from, for a
    worker that is not a fork of the main process (which has them already)."""
    # Ctrl-C reaches the whole process group; only the main process decides what to do,
    # and shuts the workers down once it has. SIGTERM ends a worker at once (a forked
    # worker would otherwise keep the main process's handler, made for the main process).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    import threading

    from cardgen.drawing.memory import keep_freed_memory

    keep_freed_memory()  # forkserver workers; forked ones have it from the main process

    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    _warm_up(root)


def _exit_with_parent(parent: int) -> None:
    """A worker whose main process died (SIGKILL) stops instead of idling forever."""
    import time

    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _worker_project(root: Path) -> Project:
    if root not in _WORKER_PROJECTS:
        _WORKER_PROJECTS[root] = Project.open(root)
    return _WORKER_PROJECTS[root]


def draw_in_worker(packed_scene: bytes, fmt: str, limit: int) -> DrawnCard:
    """Draw and encode a pickled scene (the runner keeps fitted scenes pickled); with it,
    the review page's thumbnail of the card (None if it could not be made)."""
    import pickle

    return draw_card(pickle.loads(packed_scene), fmt, limit)


def draw_card(scene: Scene, fmt: str, limit: int) -> DrawnCard:
    """`draw_in_worker` of a scene at hand."""
    from cardgen.drawing.raster import draw_scene, flat_card
    from cardgen.drawing.sizefit import encode_within
    from cardgen.review.thumbs import thumbnail_of

    try:
        image = draw_scene(scene)
        data, final_fmt = encode_within(image, fmt, limit, flat_card(scene))
    except CardgenError as exc:
        return PackedError.of(exc)
    try:
        thumb: bytes | None = thumbnail_of(image)
    except Exception:  # a thumbnail is a convenience: the page makes it from the card later
        thumb = None
    return data, final_fmt, thumb


@dataclass(frozen=True)
class FittedGroup:
    """Cards a Dask worker fitted: for each, its manifest facts (JSON) and pickled scene,
    or the error that stopped it; `root` is where the scenes' project files are."""

    root: str
    cards: list[tuple[bytes, bytes] | PackedError]


def fit_on_worker(kit: FitKit, cards: list[WorkerCard]) -> FittedGroup:
    """Run on a Dask worker: build each card's scene (line breaking, sizes) from the kit."""
    import json
    import pickle

    from cardgen.batch.fitkit import ready
    from cardgen.batch.plan import scene_facts
    from cardgen.drawing.composition import build_scene

    here = ready(kit)
    fitted: list[tuple[bytes, bytes] | PackedError] = []
    for card in cards:
        try:
            scene = build_scene(
                card.content,
                here.layouts[(card.layout, card.platform)],
                here.brands[card.brand],
                here.platforms[card.platform],
                here.registry,
                label=card.label,
                memo=here.memo,
            )
        except CardgenError as exc:
            fitted.append(PackedError.of(exc))
            continue
        facts = json.dumps(scene_facts(scene)).encode()
        fitted.append((facts, pickle.dumps(scene, pickle.HIGHEST_PROTOCOL)))
    return FittedGroup(here.root, fitted)


def draw_on_worker(
    kit: FitKit, group: FittedGroup, cards: list[WorkerCard]
) -> list[DrawnCard | None]:
    """Run on a Dask worker: draw and encode the cards `fit_on_worker` fitted (None for
    one it could not fit). A worker other than the one that fitted them may draw them:
    the scenes' paths are then moved to its own copy of the kit's files."""
    import pickle

    from cardgen.batch.fitkit import ready, store_folder

    here = ready(kit)
    moves = (
        {}
        if group.root == here.root
        else {
            str(Path(group.root).parent): str(store_folder()),
        }
    )
    drawn: list[DrawnCard | None] = []
    for fitted, card in zip(group.cards, cards, strict=True):
        if isinstance(fitted, PackedError):
            drawn.append(None)
            continue
        scene = pickle.loads(fitted[1])
        drawn.append(draw_card(moved(scene, moves) if moves else scene, card.fmt, card.limit))
    return drawn


def moved(scene: Scene, moves: dict[str, str]) -> Scene:
    """`scene` with every `path` field under a folder of `moves` put under its new folder
    (frozen dataclasses are rebuilt)."""
    found = _moved(scene, moves)
    assert isinstance(found, type(scene))
    return found


def _moved(value: object, moves: dict[str, str]) -> object:
    from dataclasses import fields, is_dataclass, replace

    if is_dataclass(value) and not isinstance(value, type):
        changes: dict[str, object] = {}
        for item in fields(value):
            child = getattr(value, item.name)
            if item.name == "path" and isinstance(child, str | Path):
                new = _moved_path(str(child), moves)
                if new != str(child):
                    changes[item.name] = Path(new) if isinstance(child, Path) else new
            elif is_dataclass(child) or isinstance(child, tuple | list):
                new_child = _moved(child, moves)
                if new_child is not child:
                    changes[item.name] = new_child
        return replace(value, **changes) if changes else value
    if isinstance(value, tuple | list):
        items = [_moved(child, moves) for child in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return tuple(items) if isinstance(value, tuple) else items
    return value


def _moved_path(path: str, moves: dict[str, str]) -> str:
    for old, new in moves.items():
        if path.startswith(old + os.sep):
            return new + path[len(old) :]
    return path


@dataclass(frozen=True)
class PackedError:
    """A CardgenError carried across processes with all its parts."""

    kind: type[CardgenError]
    message: str
    file: str | None
    line: int | None
    key: str | None
    hint: str | None

    @classmethod
    def of(cls, exc: CardgenError) -> PackedError:
        return cls(type(exc), exc.message, exc.file, exc.line, exc.key, exc.hint)

    def error(self) -> CardgenError:
        return self.kind(self.message, file=self.file, line=self.line, key=self.key, hint=self.hint)


# A card drawn (its bytes, final format and review-page thumbnail if made), or why not.
DrawnCard: TypeAlias = tuple[bytes, str, bytes | None] | PackedError


def _warm_up(root: Path | None) -> None:
    """Open the project, its fonts and the drawing side before the first card arrives.

    None for a forked worker: it has them already, as a copy of the main process.
    """
    if root is not None:
        _worker_project(root).font_registry()
    import cardgen.drawing.raster
    import cardgen.drawing.sizefit  # noqa: F401
