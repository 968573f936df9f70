"""`carousels:` in a selection: an article's quotes as one swipeable post.

Only what the selection file says and can be checked without a project: ids, the
slides' order, that every slide names a quote of the file (or `cover`/`closing`). The
platforms, their slide limits and the layouts are checked when a render plans the
carousel (`cardgen.batch.carousels`), with the lines kept here for the errors.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from cardgen.errors import InputError, did_you_mean
from cardgen.fields import Hashtag, OneLine
from cardgen.yamlio import YamlDocument, refuse_repeated_ids

COVER = "cover"
CLOSING = "closing"
DEFAULT_CALL = "Read the full article"
MAX_SLIDES = 60  # more than any platform takes: a limit for a typo, not a design rule
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class CarouselSpec(BaseModel):
    """One entry of `carousels:`: its slides in order and where it is posted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
    # Quote ids of this file, plus `cover` and `closing`, in the order they are swiped.
    slides: list[str] = Field(min_length=1, max_length=MAX_SLIDES)
    platforms: list[str] | None = None  # default: the selection's default platforms
    layout: str | None = None
    brand: str | None = None
    title: OneLine | None = None  # the cover's headline (default: the article's title)
    call_to_action: OneLine = Field(default=DEFAULT_CALL, min_length=1, max_length=120)
    hashtags: list[Hashtag] | None = None
    numbers: bool = True  # "3/7" on each slide

    @field_validator("slides")
    @classmethod
    def _slide_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not isinstance(name, str) or not _SLUG.fullmatch(name):
                msg = f"slide {name!r} is not a quote id, 'cover' or 'closing'"
                raise ValueError(msg)
        for special in (COVER, CLOSING):
            if value.count(special) > 1:
                msg = f"'{special}' is given {value.count(special)} times; a carousel has one"
                raise ValueError(msg)
        if COVER in value and value[0] != COVER:
            msg = "'cover' must be the first slide"
            raise ValueError(msg)
        if CLOSING in value and value[-1] != CLOSING:
            msg = "'closing' must be the last slide"
            raise ValueError(msg)
        if not [n for n in value if n not in (COVER, CLOSING)]:
            msg = "a carousel needs at least one quote slide"
            raise ValueError(msg)
        return value


class CarouselDefaults(BaseModel):
    """`defaults.carousel`: what every carousel of the file has unless it says otherwise."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    platforms: list[str] | None = None
    layout: str | None = None
    brand: str | None = None
    call_to_action: OneLine | None = Field(default=None, min_length=1, max_length=120)
    hashtags: list[Hashtag] | None = None
    numbers: bool | None = None


def with_defaults(
    carousels: list[CarouselSpec], defaults: CarouselDefaults | None
) -> list[CarouselSpec]:
    """Each carousel with `defaults.carousel` filled in where it sets nothing itself."""
    if defaults is None:
        return carousels
    given = {k: v for k, v in defaults.model_dump().items() if v is not None}
    return [
        c.model_copy(update={k: v for k, v in given.items() if k not in c.model_fields_set})
        for c in carousels
    ]


def check_carousels(
    doc: YamlDocument, carousels: list[CarouselSpec], quote_ids: list[str], shown: str
) -> None:
    """Unique carousel ids; every slide a quote id of this file (exit 2, file:line)."""
    refuse_repeated_ids(
        doc,
        "carousels",
        [carousel.id for carousel in carousels],
        shown,
        what="carousel",
        hint="carousel ids name output folders and must be unique in the file",
    )
    for i, carousel in enumerate(carousels):
        for j, name in enumerate(carousel.slides):
            if name in (COVER, CLOSING) or name in quote_ids:
                continue
            hint = did_you_mean(name, quote_ids) or "use an id from `quotes:`"
            raise InputError(
                f"carousel '{carousel.id}' names unknown quote id '{name}'",
                file=shown,
                line=doc.line_of(("carousels", i, "slides", j)),
                key=f"carousels[{i}].slides[{j}]",
                hint=hint + ", 'cover' or 'closing'",
            )


def carousel_lines(doc: YamlDocument, carousels: list[CarouselSpec]) -> dict[str, int]:
    """Lines for errors found later: `"<id>"`, `"<id>.platforms.<n>"`, `"<id>.slides"`."""
    lines: dict[str, int] = {}
    for i, carousel in enumerate(carousels):
        for key, path in (
            (carousel.id, ("carousels", i, "id")),
            (f"{carousel.id}.slides", ("carousels", i, "slides")),
            (f"{carousel.id}.layout", ("carousels", i, "layout")),
            (f"{carousel.id}.platforms", ("carousels", i, "platforms")),
        ):
            line = doc.line_of(path)
            if line is not None:
                lines[key] = line
        for j, _ in enumerate(carousel.platforms or ()):
            line = doc.line_of(("carousels", i, "platforms", j))
            if line is not None:
                lines[f"{carousel.id}.platforms.{j}"] = line
    return lines
