"""What one `cardgen render` asks for: one value from the command line down to the runner.

Standard library only: the up-to-date check (`cardgen.batch.uptodate`) reads it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

DEFAULT_OUT = Path("output")


@dataclass(frozen=True)
class RenderOptions:
    """The choices of a render, as `cardgen render`'s options name them."""

    out: Path = DEFAULT_OUT  # may hold {date}, {week}, {year}, {month}, {day}
    platforms: tuple[str, ...] | None = None  # None: each quote's own, else the defaults
    layout: str | None = None  # for every card, over the selection's choice
    brand: str | None = None
    fmt: str | None = None  # png, jpeg or webp; None: each platform's preferred format
    jobs: int | None = None  # worker processes; None: as many as the machine can use
    force: bool = False  # render cached cards again
    keep_going: bool = False  # a card that fails is a failure of the report, not an error
    dry_run: bool = False  # say what would be rendered, write nothing
    pick: int | None = None  # only the N quotes least recently rendered
    wait: bool = False  # wait for another run's lock on OUT instead of failing
    adopt: bool = False  # take over a folder that is not yet cardgen's
    today: date | None = None  # the date of OUT's placeholders; None: today
    shard: str | None = None  # "K/N": only part K of N of the plan (`batch.shards`)
    cache: str | None = None  # a folder or fsspec URL of cards drawn before (`batch.cache`)
    executor: str = "local"  # who draws: local, dask or dask-local (`batch.executors`)
    scheduler: str | None = None  # the Dask scheduler of executor "dask": tcp://HOST:PORT
    workers: int | None = None  # worker processes of executor "dask-local"

    def __post_init__(self) -> None:
        # A list given for `platforms` (as the library's keywords always allowed) is kept
        # as a tuple, so the value stays hashable and equal runs compare equal.
        if self.platforms is not None and not isinstance(self.platforms, tuple):
            object.__setattr__(self, "platforms", tuple(self.platforms))

    @classmethod
    def from_values(cls, values: Mapping[str, object]) -> RenderOptions:
        """The options among `values`, by name (a render's keyword arguments, or the CLI's
        flags); names that are no option are left out. The fields above are the one list
        of a render's options: `cardgen.render` and `cardgen render` build theirs here."""
        # Keyword arguments by name (`locals()`): each is checked against its field's type
        # where the caller wrote it, not here.
        chosen: dict[str, Any] = {f.name: values[f.name] for f in fields(cls) if f.name in values}
        return cls(**chosen)

    @property
    def stampable(self) -> bool:
        """Whether an unchanged rerun of these options may be answered by the up-to-date
        stamp: not when every card is drawn again (`force`), nothing is written (`dry_run`)
        or the quotes chosen change from run to run (`pick`)."""
        return not (self.force or self.dry_run or self.pick is not None)


def one_of(options: RenderOptions | None, keywords: RenderOptions) -> RenderOptions:
    """`options` when given, else the value the separate keywords make; never both, so a
    keyword is never silently ignored."""
    if options is None:
        return keywords
    if keywords != RenderOptions():
        msg = "pass the render's choices either as options=RenderOptions(...) or as keywords"
        raise TypeError(msg)
    return options
