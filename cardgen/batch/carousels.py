"""Carousels of a batch: planned with the cards (here), their slides fitted
(`carousel_slides`), their posts and alt texts written (`carousel_posts`), drawn and written
after the cards (`carousel_files`), listed in the manifest (`carousel_records`).

`plan_carousels` checks everything a selection's `carousels:` can get wrong before a
file is written (an unknown platform, one that takes no carousel, more slides than it
takes: exit 2 with file:line). `render_carousel` fits every slide, gives the quote
slides one font size where it fits, splits a passage that cannot fit across slides at
sentence boundaries, draws the slides and writes one output per platform:

- images (Instagram, Threads): `01-cover.png`, `02-<quote>.png`, ... and `caption.txt`;
- pdf (LinkedIn): `<carousel>.pdf`, one page a slide, its document title set, and
  `caption.txt`;
- thread (X, Bluesky, Mastodon): one image a slide and `thread.txt`, one post a slide,
  numbered, each counted the platform's way, the first carrying the link.

under `OUT/<selection>/carousels/<carousel>/<platform>/`. The manifest lists each
carousel with its slides in order (`carousels`); captions.csv gets one row a post.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cardgen.design.carousel import (
    CAROUSEL_KINDS,
    CarouselKind,
    document_platform,
)
from cardgen.design.layouts import resolve_layout
from cardgen.design.platforms import Platform
from cardgen.drawing.encoders import default_format
from cardgen.errors import CardgenError, ContentError, InputError
from cardgen.source.carousels import CLOSING, COVER, CarouselSpec
from cardgen.source.quotes import LoadedSelection
from cardgen.yamlio import display_path

if TYPE_CHECKING:
    from cardgen.batch.plan import Project

CAROUSELS_DIR = "carousels"


@dataclass(frozen=True)
class CarouselJob:
    """One carousel on one platform."""

    selection: LoadedSelection
    spec: CarouselSpec
    target: Platform  # the preset it is posted to: counting, file limit
    canvas: Platform  # what slides are drawn on (a LinkedIn document's portrait page)
    kind: CarouselKind
    layout: str
    brand: str | None
    fmt: str
    folder: str  # relative to OUT


def plan_carousels(
    selections: Iterable[LoadedSelection],
    project: Project,
    *,
    platforms: Sequence[str] | None = None,
    layout: str | None = None,
    brand: str | None = None,
    default_layout: str,
) -> list[CarouselJob]:
    """Every carousel of the batch on each of its platforms; input errors raised now.
    `default_layout`: the batch's (`plan.DEFAULT_LAYOUT`), for carousels that name none."""
    jobs = []
    for selection in selections:
        for spec in selection.spec.carousels:
            jobs += _plan_one(selection, spec, project, platforms, layout, brand, default_layout)
    return jobs


def _plan_one(
    selection: LoadedSelection,
    spec: CarouselSpec,
    project: Project,
    only: Sequence[str] | None,
    layout: str | None,
    brand: str | None,
    default_layout: str,
) -> list[CarouselJob]:
    shown = display_path(selection.path)
    lines = selection.carousel_lines
    verified = {q.id for q in selection.quotes}
    for name in spec.slides:
        if name not in (COVER, CLOSING) and name not in verified:
            raise ContentError(
                f"carousel '{spec.id}': quote '{name}' could not be verified",
                file=shown,
                line=lines.get(f"{spec.id}.slides"),
            )
    own = spec.platforms is not None
    names = spec.platforms or list(selection.spec.defaults.platforms or ())
    if not names:
        raise InputError(
            f"carousel '{spec.id}' names no platforms",
            file=shown,
            line=lines.get(spec.id),
            hint="add `platforms:` to it (or defaults.platforms), e.g. "
            + ", ".join(CAROUSEL_KINDS),
        )
    layout_name = layout or spec.layout or selection.spec.defaults.layout or default_layout
    jobs = []
    for j, pid in enumerate(names):
        line = lines.get(f"{spec.id}.platforms.{j}", lines.get(spec.id))
        if only is not None and pid not in only:
            continue
        try:
            target = project.platform(pid)
        except InputError as exc:
            raise InputError(
                f"carousel '{spec.id}': {exc.message}", file=shown, line=line, hint=exc.hint
            ) from None
        kind = CAROUSEL_KINDS.get(pid)
        if kind is None:
            if not own:
                continue  # defaults list every platform the quotes go to: take those that can
            raise InputError(
                f"carousel '{spec.id}': {target.name} ({pid}) takes no carousel",
                file=shown,
                line=line,
                hint="use " + ", ".join(CAROUSEL_KINDS),
            )
        if kind.max_slides is not None and len(spec.slides) > kind.max_slides:
            raise InputError(
                f"carousel '{spec.id}' has {len(spec.slides)} slides; {kind.source}",
                file=shown,
                line=lines.get(f"{spec.id}.slides", line),
                hint=f"keep it to {kind.max_slides} slides for {pid}",
            )
        canvas = document_platform(target) if kind.kind == "pdf" else target
        try:
            # Not project.layout: its cache is keyed by platform id, and a LinkedIn document's
            # canvas is not the LinkedIn card's.
            resolved = resolve_layout(project.layouts, layout_name, canvas)
        except CardgenError as exc:
            if exc.file is None:
                exc.file, exc.line = shown, lines.get(f"{spec.id}.layout", lines.get(spec.id))
                exc.message = f"carousel '{spec.id}': {exc.message}"
            raise
        chosen = brand or spec.brand or selection.spec.defaults.brand
        chosen = chosen or project.layout_brand(layout_name, resolved)
        fmt = default_format(target.format, resolved.background.image is not None)
        jobs.append(
            CarouselJob(
                selection=selection,
                spec=spec,
                target=target,
                canvas=canvas,
                kind=kind,
                layout=layout_name,
                brand=chosen,
                fmt="jpeg" if kind.kind == "pdf" else fmt,
                folder=f"{selection.name}/{CAROUSELS_DIR}/{spec.id}/{pid}",
            )
        )
    if not jobs and only is None:
        raise InputError(
            f"carousel '{spec.id}': none of defaults.platforms takes a carousel",
            file=shown,
            line=lines.get(spec.id),
            hint="give it `platforms:` of its own: " + ", ".join(CAROUSEL_KINDS),
        )
    return jobs  # with --platform, a carousel on none of them is left out of this run
