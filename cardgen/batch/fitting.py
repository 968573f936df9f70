"""Fitted cards on their way to the workers: each kept pickled in the run's spool until it
is drawn, and fed to the pool in plan order, a bounded number ahead of the one written."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from cardgen.batch.executors import DaskPool
from cardgen.batch.plan import CardJob, Project, fit_card
from cardgen.batch.scheduling import Pool
from cardgen.batch.spool import SpoolFile
from cardgen.batch.workers import PackedError
from cardgen.errors import CardgenError

if TYPE_CHECKING:
    from cardgen.drawing.scene import Scene

# (job, cache key, where its caption and alt text wait in the spool, or why they cannot be)
Todo = tuple[CardJob, str, "int | CardgenError"]


class Fitted(NamedTuple):
    """A fitted card until it is written, in the run's spool: the scene pickled for drawing
    (also what a worker receives, ~1.8 kB), then what its manifest record says of it
    (SceneFacts as JSON, ~1.7 kB). A batch fits every card before writing any: in memory,
    100,000 cards would hold ~400 MB of them."""

    where: int
    packed: int  # bytes of the pickled scene
    facts: int  # bytes of the facts after it


# Fitted cards handed to the pool ahead of the one being written: enough to keep the workers
# busy (the pool holds at most ~32 MB drawn), few enough that their scenes take ~1 MB.
AHEAD = 512


class Feed:
    """Fitted cards to the pool in plan order, at most AHEAD beyond the one taken last,
    each read back from the spool when it is sent."""

    def __init__(
        self,
        pool: Pool | DaskPool,
        todo: list[Todo],
        scenes: dict[int, Fitted],
        from_cache: set[int],
        spool: SpoolFile,
    ) -> None:
        self.pool = pool
        self.todo = todo
        self.scenes = scenes  # fitted cards not yet written, by todo index
        self.from_cache = from_cache  # indexes into todo of the cards the shared cache holds
        self.spool = spool
        self.order: list[int] = []  # indexes into todo of the fitted cards, in plan order
        self.sent = 0
        self.taken = 0

    def add(self, index: int) -> None:
        self.order.append(index)
        self.top_up()

    def take(self) -> None:
        self.taken += 1
        self.top_up()

    def top_up(self) -> None:
        while self.sent < len(self.order) and self.sent - self.taken < AHEAD:
            index = self.order[self.sent]
            self.sent += 1
            fitted, pool = self.scenes[index], self.pool
            if isinstance(pool, DaskPool) or index in self.from_cache or not fitted.packed:
                continue  # drawn where it was fitted (a cluster), or copied from the cache
            job = self.todo[index][0]
            packed = self.spool.get(fitted.where, fitted.packed)
            pool.submit(index, packed, job.fmt, job.platform.file_limit)


def fit_here(job: CardJob, project: Project) -> Scene | PackedError:
    """A card fitted in this process, or why it cannot be, as a worker would say it."""
    try:
        return fit_card(job, project)
    except CardgenError as exc:
        return PackedError.of(exc)
