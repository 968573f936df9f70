"""What a render says of its cards, typed: the manifest record of a card (also a journal
line, a row of captions.csv and a card of the review page) and the `--json` events.

Plain typed dictionaries, in the order their keys are written: the manifest and the events
stay exactly the JSON they were, and scripts can read them with any JSON library.
`cardgen schema manifest` prints the manifest's JSON Schema, made from these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NotRequired, cast

# pydantic makes the JSON Schema of a TypedDict only from typing_extensions' on Python 3.11.
from typing_extensions import TypedDict

if TYPE_CHECKING:
    from cardgen.batch.carousel_records import CarouselRecord
    from cardgen.plaindata import JsonObject

Box = list[int]  # [left, top, right, bottom] in pixels
Status = Literal["rendered", "cached", "kept"]


class TextFacts(TypedDict):
    """One text element of a card as drawn."""

    role: str
    font: str  # the first face's full name
    font_size: int
    lines: int
    line_texts: list[str]  # the lines as drawn
    box: Box  # the room the layout gave the text
    ink_box: Box  # the pixels actually inked
    fonts: list[str]  # every face used, fallbacks included


class ElementFacts(TypedDict):
    """One element drawn (text, shape, rule, mark, picture or group)."""

    id: str  # its id, or TYPE-N when it has none
    type: str
    role: str
    box: Box
    ink_box: Box
    lines: NotRequired[list[str]]  # texts only


class SourceFacts(TypedDict):
    title: str | None
    author: str | None
    url: str | None


class CardRecord(TypedDict):
    """A card of `OUT/manifest.json` (and of `OUT/.cardgen/journal.jsonl` while a run is
    writing); `path` and `caption_file` are relative to OUT."""

    selection: str  # the selection file, relative to the project
    quote_id: str
    platform: str
    layout: str
    brand: str
    path: str
    width: int
    height: int
    format: str  # png, jpeg or webp
    bytes: int
    sha256: str
    text: str
    attribution: str | None
    source: SourceFacts
    caption: str
    alt_text: str
    status: Status  # rendered or cached by the run that wrote the manifest, else kept
    texts: list[TextFacts]
    elements: list[ElementFacts]
    warnings: list[str]
    cache_key: str
    caption_file: str


class CaptionRow(TypedDict):
    """A row of `OUT/captions.csv`: a card's, or a carousel post's (`quote_id` naming the
    carousel, `<id>#NN` a thread's post). A `CardRecord` is one too."""

    platform: str
    path: str
    caption: str
    alt_text: str
    quote_id: str
    selection: str


class SceneFacts(TypedDict):
    """What a card's record says of its fitted scene (kept from fitting to writing)."""

    width: int
    height: int
    texts: list[TextFacts]
    elements: list[ElementFacts]
    warnings: list[str]


class PlannedCard(TypedDict):
    """A card as `render --dry-run` lists it: what would be rendered or is cached."""

    selection: str
    quote_id: str
    platform: str
    path: str
    status: Literal["render", "cached"]


class ShardHeader(TypedDict):
    """What a `--shard K/N` run's manifest says of its part (`cardgen.batch.shards`)."""

    index: int  # K
    count: int  # N
    plan: str  # the sha256 of the whole plan, the same in every shard of one render
    planned: int  # cards in the whole plan
    cards: int  # cards in this shard


class Manifest(TypedDict):
    """`OUT/manifest.json`."""

    generator: str  # "cardgen VERSION"
    shard: NotRequired[ShardHeader]
    cards: list[CardRecord]
    carousels: NotRequired[list[CarouselRecord]]


def as_record(value: object) -> CardRecord | None:
    """A manifest or journal line read back as a card record, if it has every key of one
    (and a path, size and hash of the right types: what decides whether its card is kept);
    None for anything else, which the run ignores."""
    if not isinstance(value, dict) or not CardRecord.__required_keys__ <= value.keys():
        return None
    if not (
        isinstance(value["path"], str)
        and type(value["bytes"]) is int
        and isinstance(value["sha256"], str)
        and all(isinstance(value[k], str) for k in ("selection", "quote_id", "platform"))
    ):
        return None
    return cast(CardRecord, value)


# --- `render --json` events, one JSON object a line; `event` says which -------------------


class StartEvent(TypedDict):
    event: Literal["start"]
    out: str
    cards: int
    to_render: int
    cached: int


class CardEvent(TypedDict):
    """A card written, kept from the cache, or failed (with `error`; `path` None for a
    whole selection that failed to load)."""

    event: Literal["card"]
    selection: str
    quote_id: str
    platform: str
    path: str | None
    status: Literal["rendered", "cached", "kept", "failed", "render"]  # render: --dry-run
    width: NotRequired[int]
    height: NotRequired[int]
    bytes: NotRequired[int]
    error: NotRequired[str]


class DoneEvent(TypedDict):
    event: Literal["done"]
    cards: int
    rendered: int
    cached: int
    failed: int
    kept: int
    manifest: str


class DryRunDoneEvent(TypedDict):
    event: Literal["done"]
    dry_run: Literal[True]
    cards: int
    render: int
    cached: int
    failed: int


class WarningEvent(TypedDict):
    event: Literal["warning"]
    message: str


class CarouselEvent(TypedDict):
    """A carousel written (after the cards): its folder or document under `path`;
    `cached` when its files were kept as an earlier run drew them."""

    event: Literal["carousel"]
    carousel_id: str
    platform: str
    status: Literal["rendered", "cached"]
    slides: int
    path: str


Event = StartEvent | CardEvent | DoneEvent | DryRunDoneEvent | WarningEvent | CarouselEvent

# The schemas say which keys there are, no others (pydantic reads this; no import here: the
# up-to-date check's way stays free of pydantic).
for _kind in (
    TextFacts,
    ElementFacts,
    SourceFacts,
    CardRecord,
    ShardHeader,
    Manifest,
    *Event.__args__,
):
    setattr(_kind, "__pydantic_config__", {"extra": "forbid"})  # noqa: B010


def manifest_schema() -> JsonObject:
    """The JSON Schema of `OUT/manifest.json` (pydantic's, from the types above)."""
    from pydantic import TypeAdapter

    # The carousels' types, imported only for the type checker above: pydantic finds them
    # here, in the namespace of the function that asks it for the schema.
    from cardgen.batch.carousel_records import CarouselRecord, SlideRecord  # noqa: F401
    from cardgen.design.carousel import Kind  # noqa: F401

    schema = TypeAdapter(Manifest).json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "cardgen manifest"
    return schema


def events_schema() -> JsonObject:
    """The JSON Schema of one `render --json` line."""
    from pydantic import TypeAdapter

    schema = TypeAdapter(Event).json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "cardgen render --json event"
    return schema
