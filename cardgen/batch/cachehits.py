"""The shared cache (`--cache`) as a run uses it: which cards it holds, copying them, and
adding those this run drew. It is a shortcut: trouble with it is a warning, said once, and
the run goes on drawing every card itself."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import cast

from cardgen.batch.cache import CachedCard, SharedCache
from cardgen.batch.fitting import fit_here
from cardgen.batch.plan import CardJob, Project, scene_facts
from cardgen.batch.records import Event, SceneFacts
from cardgen.batch.workers import DrawnCard, PackedError, draw_in_worker
from cardgen.errors import CardgenError


class CacheHits:
    """A run's use of the shared cache; `force` (`render --force`) draws every card anew."""

    def __init__(
        self, cache: SharedCache | None, *, force: bool, emit: Callable[[Event], None]
    ) -> None:
        self.cache = cache
        self.force = force
        self.emit = emit

    def has(self, key: str) -> bool:
        if self.cache is None or self.force:
            return False
        try:
            return self.cache.has(key)
        except (OSError, ValueError) as exc:
            self._trouble(exc)
            return False

    def _trouble(self, exc: Exception) -> None:
        """Said once; the cache is not asked again this run."""
        if self.cache is not None:
            self.emit({"event": "warning", "message": f"--cache {self.cache.where}: {exc}"})
            self.cache = None

    def copy_or_draw(
        self, job: CardJob, key: str, project: Project
    ) -> tuple[SceneFacts, DrawnCard, bool]:
        """(facts, draw result, copied) of a card the cache held when fitting began; drawn
        here (not copied) if its entry has gone or is damaged since."""
        try:
            hit = self.cache.get(key) if self.cache is not None else None
        except (OSError, ValueError) as exc:
            self._trouble(exc)
            hit = None
        if hit is not None:
            return hit.facts, (hit.data, hit.fmt, None), True
        scene = fit_here(job, project)
        if isinstance(scene, PackedError):
            return cast(SceneFacts, {}), scene, False
        packed = pickle.dumps(scene, pickle.HIGHEST_PROTOCOL)
        drawn = draw_in_worker(packed, job.fmt, job.platform.file_limit)
        return scene_facts(scene), drawn, False

    def add(self, key: str, data: bytes, fmt: str, facts: SceneFacts) -> None:
        """A card this run drew, for the other machines."""
        if self.cache is None:
            return
        try:
            self.cache.put(key, CachedCard(data, fmt, facts))
        except (OSError, ValueError, CardgenError) as exc:
            self._trouble(exc)
