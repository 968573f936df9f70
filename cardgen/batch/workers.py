"""Worker processes of a batch: fit and draw cards, and carry errors back whole.

Spawn-safe top-level functions; each worker keeps its own Project, and its
fonts stay loaded per (file, size) for every card it handles.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from pathlib import Path

from cardgen.batch.plan import Project
from cardgen.errors import CardgenError

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


def draw_in_worker(
    packed_scene: bytes, fmt: str, limit: int
) -> tuple[bytes, str, bytes | None] | PackedError:
    """Draw and encode a pickled scene (the runner keeps fitted scenes pickled); with it,
    the review page's thumbnail of the card (None if it could not be made)."""
    import pickle

    from cardgen.drawing.raster import draw_scene
    from cardgen.drawing.sizefit import encode_within
    from cardgen.review.thumbs import thumbnail_of

    try:
        image = draw_scene(pickle.loads(packed_scene))
        data, final_fmt = encode_within(image, fmt, limit)
    except CardgenError as exc:
        return PackedError.of(exc)
    try:
        thumb: bytes | None = thumbnail_of(image)
    except Exception:  # a thumbnail is a convenience: the page makes it from the card later
        thumb = None
    return data, final_fmt, thumb


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


def _warm_up(root: Path | None) -> None:
    """Open the project, its fonts and the drawing side before the first card arrives.

    None for a forked worker: it has them already, as a copy of the main process.
    """
    if root is not None:
        _worker_project(root).font_registry()
    import cardgen.drawing.raster
    import cardgen.drawing.sizefit  # noqa: F401
