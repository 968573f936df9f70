"""Contact sheets for designers: one quote on every platform, labelled, optionally with guides.

`write_preview` renders one sheet; `watch_preview` re-renders it whenever a
layout, brand, selection, article or font changes.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

from cardgen.batch.plan import DEFAULT_LAYOUT, Project
from cardgen.design.cardtext import CardText, card_text
from cardgen.design.layouts import Brand
from cardgen.design.platforms import Platform
from cardgen.drawing.composition import build_scene
from cardgen.drawing.raster import draw_scene, encode
from cardgen.drawing.scene import (
    ImageShape,
    PlacedLine,
    PlacedRun,
    RectShape,
    Scene,
    ShadowShape,
    SolidFill,
    TextBlock,
)
from cardgen.errors import CardgenError, ContentError, InputError, did_you_mean
from cardgen.source.quotes import LoadedSelection, Quote, load_selection
from cardgen.typography.fontfiles import FONT_SUFFIXES
from cardgen.typography.fonts import ChainMeasurer, load_font

if TYPE_CHECKING:
    import watchfiles

CELL_HEIGHT = 420  # every card is scaled to this height on the sheet
SHEET_WIDTH = 2400  # cards wrap onto a new row past this width
GAP = 24
LABEL_HEIGHT = 34
SHEET_BACKGROUND = (236, 236, 238)


@dataclass(frozen=True)
class PreviewResult:
    """A contact sheet written to `path`: which quote, which platforms, how long it took."""

    path: Path
    quote_id: str
    platforms: tuple[str, ...]
    seconds: float
    problems: tuple[str, ...] = ()  # platforms whose card could not be made, and why


def write_preview(
    selection: Path,
    *,
    quote_id: str | None = None,
    out: Path | None = None,
    platforms: Sequence[str] | None = None,
    layout: str | None = None,
    brand: str | None = None,
    debug: bool = False,
    project: Project | None = None,
) -> PreviewResult:
    """Render one quote of `selection` on every platform into one labelled PNG sheet.

    The sheet goes to `out`, by default `output/preview/<selection>/<quote>.png`.
    """
    from cardgen.batch.output import write_atomic

    started = time.perf_counter()
    project = project or Project.open()
    loaded = load_selection(selection)
    quote = _pick_quote(loaded, quote_id)
    targets = (
        [project.platform(p) for p in platforms] if platforms else [*project.platforms.values()]
    )
    cards = []
    problems: list[str] = []
    # Platforms that share a size, safe area and resolved layout (bluesky and mastodon,
    # facebook and og...) get the very same card: draw it once.
    drawn: dict[tuple[object, ...], Image.Image] = {}
    for platform in targets:
        resolved = project.layout(layout or quote.layout or DEFAULT_LAYOUT, platform)
        key = (resolved.model_dump_json(), platform.size, platform.safe_box)
        if key not in drawn:
            try:
                scene = _scene(loaded, quote, platform, project, layout, brand)
            except ContentError as exc:
                # Text that does not fit one platform: show the others, and why not this one.
                problems.append(f"{platform.id}: {exc.one_line()}")
                drawn[key] = problem_card(platform, exc)
            else:
                drawn[key] = draw_scene(scene)
                if debug:
                    draw_guides(drawn[key], scene)
        cards.append((platform, drawn[key]))
    sheet = contact_sheet(
        cards, title=f"{loaded.name} / {quote.id}" + ("  (debug)" if debug else "")
    )
    path = out or Path("output") / "preview" / loaded.name / f"{quote.id}.png"
    write_atomic(path, _png(sheet))
    return PreviewResult(
        path,
        quote.id,
        tuple(p.id for p in targets),
        time.perf_counter() - started,
        tuple(problems),
    )


def problem_card(platform: Platform, error: CardgenError) -> Image.Image:
    """A card-sized panel stating why this platform's card could not be made. The message
    quotes the text, in whatever script it is: it is set in a font chain with fallbacks
    (no empty boxes for Japanese or Arabic) and wrapped by its measured width."""
    from cardgen.typography.fontfiles import font_folders
    from cardgen.typography.fonts import chain_for, registry_for

    registry = registry_for(font_folders(None))
    chain = chain_for(registry, registry.find("Inter", "semibold"))
    size = max(12, min(platform.width, platform.height) // 22)
    message = error.one_line()
    measure = ChainMeasurer(chain, message, tracking=False)
    colour = (150, 20, 20, 255)
    width, height = platform.size
    ascent, _ = measure.metrics(size)
    lines = []
    for index, text in enumerate(wrap_measured(message, measure, size, width - 2 * size)[:14]):
        baseline = size * 2 + ascent + index * round(size * 1.35)
        runs = tuple(
            PlacedRun(r.text, r.face, r.x, r.width, r.rtl) for r in measure.layout_line(text, size)
        )
        lines.append(PlacedLine(text, float(size), float(baseline), runs))
    box = (0, 0, width, height)
    block = TextBlock("problem", chain.primary, size, colour, tuple(lines), box, box)
    border = RectShape(box, (255, 236, 236, 255), 0, (200, 30, 30, 255), 8)
    scene = Scene(width, height, SolidFill((255, 236, 236, 255)), (border, block), box)
    return draw_scene(scene)


def wrap_measured(text: str, measure: ChainMeasurer, size: int, width: float) -> list[str]:
    """`text` in lines of at most `width` px at `size`, broken at spaces, and between
    characters inside a word wider than that (a run of Japanese has no spaces)."""
    pieces: list[str] = []
    for word in re.findall(r"\S+\s*", text):
        if measure.width(word.rstrip(), size) <= width:
            pieces.append(word)
        else:
            pieces.extend(word)
    lines: list[str] = []
    line = ""
    for piece in pieces:
        if line and measure.width((line + piece).rstrip(), size) > width:
            lines.append(line.rstrip())
            line = piece.lstrip()
        else:
            line += piece
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _png(image: Image.Image) -> bytes:
    """A sheet is a scratch file redrawn on every save: favour speed over size."""
    import io

    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def _pick_quote(selection: LoadedSelection, quote_id: str | None) -> Quote:
    if quote_id is None:
        return selection.quotes[0]
    for quote in selection.quotes:
        if quote.id == quote_id:
            return quote
    ids = [q.id for q in selection.quotes]
    hint = did_you_mean(quote_id, ids, f"quotes: {', '.join(ids)}")
    raise InputError(f"no quote '{quote_id}' in {selection.path.name}", hint=hint)


def _scene(
    selection: LoadedSelection,
    quote: Quote,
    platform: Platform,
    project: Project,
    layout: str | None,
    brand: str | None,
) -> Scene:
    name = layout or quote.layout or DEFAULT_LAYOUT
    resolved = project.layout(name, platform)
    kit: Brand = project.brand(brand or quote.brand or project.layout_brand(name, resolved))
    content = card_text(quote.text, kit, attribution=quote.attribution, article=selection)
    label = f"{selection.name}/{quote.id}"
    registry, memo = project.font_registry(), project.scene_memo()
    return build_scene(content, resolved, kit, platform, registry, label=label, memo=memo)


def contact_sheet(cards: Sequence[tuple[Platform, Image.Image]], *, title: str = "") -> Image.Image:
    """Cards scaled to one height, wrapped in rows, each labelled with its platform and size."""
    from cardgen.typography.fontfiles import font_folders
    from cardgen.typography.fonts import registry_for

    face = registry_for(font_folders(None)).find("Inter", "semibold")
    font, small = load_font(face.path, 20), load_font(face.path, 16)
    thumbs = []
    for platform, image in cards:
        width = max(1, round(image.width * CELL_HEIGHT / image.height))
        # reducing_gap: shrink by whole factors first, then Lanczos; far faster, same look.
        thumb = image.resize((width, CELL_HEIGHT), Image.Resampling.LANCZOS, reducing_gap=2.0)
        thumbs.append((platform, thumb))
    rows: list[list[tuple[Platform, Image.Image]]] = [[]]
    row_width = GAP
    for platform, thumb in thumbs:
        if rows[-1] and row_width + thumb.width + GAP > SHEET_WIDTH:
            rows.append([])
            row_width = GAP
        rows[-1].append((platform, thumb))
        row_width += thumb.width + GAP
    width = max(GAP + sum(t.width + GAP for _, t in row) for row in rows)
    header = 48 if title else GAP
    height = header + len(rows) * (CELL_HEIGHT + LABEL_HEIGHT + GAP)
    sheet = Image.new("RGB", (width, height), SHEET_BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((GAP, 14), title, font=font, fill=(40, 40, 44))
    y = header
    for row in rows:
        x = GAP
        for platform, thumb in row:
            sheet.paste(thumb, (x, y))
            draw.rectangle(
                (x - 1, y - 1, x + thumb.width, y + CELL_HEIGHT), outline=(200, 200, 204)
            )
            label = f"{platform.id}  {platform.width}x{platform.height}"
            draw.text((x, y + CELL_HEIGHT + 8), label, font=small, fill=(60, 60, 66))
            x += thumb.width + GAP
        y += CELL_HEIGHT + LABEL_HEIGHT + GAP
    return sheet


def draw_guides(image: Image.Image, scene: Scene) -> None:
    """The designer's overlay: a 10% grid, the safe area, and every element's boxes."""
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    stroke = max(1, round(min(scene.width, scene.height) / 400))
    for step in range(1, 10):
        x, y = round(scene.width * step / 10), round(scene.height * step / 10)
        draw.line([(x, 0), (x, scene.height)], fill=(0, 170, 255, 90), width=stroke)
        draw.line([(0, y), (scene.width, y)], fill=(0, 170, 255, 90), width=stroke)
    left, top, right, bottom = scene.safe_box
    shade = (255, 0, 80, 60)
    draw.rectangle((0, 0, scene.width, top), fill=shade)
    draw.rectangle((0, bottom, scene.width, scene.height), fill=shade)
    draw.rectangle((0, top, left, bottom), fill=shade)
    draw.rectangle((right, top, scene.width, bottom), fill=shade)
    draw.rectangle(scene.safe_box, outline=(255, 0, 80, 230), width=stroke * 2)
    for drawable in scene.drawables:
        if isinstance(drawable, ShadowShape):
            continue
        if isinstance(drawable, RectShape | ImageShape):
            draw.rectangle(drawable.box, outline=(0, 200, 90, 230), width=stroke * 2)
        elif isinstance(drawable, TextBlock):
            draw.rectangle(drawable.box, outline=(30, 90, 255, 230), width=stroke * 2)
            draw.rectangle(drawable.ink_box, outline=(255, 0, 200, 230), width=stroke)
            # Name the text and its fitted size, so a designer sees what the engine chose.
            label = f"{drawable.role} {drawable.size}px"
            draw.text(
                (drawable.box[0] + stroke * 3, drawable.box[1] + stroke * 2),
                label,
                font=_label_font(max(10, min(scene.width, scene.height) // 45)),
                fill=(30, 90, 255, 255),
            )
    image.paste(layer, (0, 0), layer)


def _label_font(size: int) -> ImageFont.FreeTypeFont:
    from cardgen.typography.fontfiles import font_folders
    from cardgen.typography.fonts import registry_for

    face = registry_for(font_folders(None)).find("Inter", "semibold")
    return load_font(face.path, size)


# --- thumbnails --------------------------------------------------------------

SAMPLE = CardText(
    quote="Good design is as little design as possible, and every word earns its place.",
    attribution="A. Designer",
    title="A Sample Article Title",
    publisher="Sample Publisher",
    handle="@sample",
    url="example.com",
)
THUMBNAIL_SIZE = 360


def write_thumbnails(
    names: Sequence[str], out: Path, project: Project | None = None
) -> dict[str, Path]:
    """A square thumbnail of each layout with sample text, as `OUT/layouts/NAME.png`."""
    from cardgen.batch.output import write_atomic

    project = project or Project.open()
    platform = project.platform("instagram-square")
    paths = {}
    for name in names:
        layout = project.layout(name, platform)
        kit = project.brand(layout.brand)
        registry, memo = project.font_registry(), project.scene_memo()
        scene = build_scene(SAMPLE, layout, kit, platform, registry, label=name, memo=memo)
        image = draw_scene(scene).resize((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
        path = out / "layouts" / f"{name}.png"
        write_atomic(path, encode(image, "png"))
        paths[name] = path
    return paths


# --- layout sheets -----------------------------------------------------------

SHEET_PLATFORMS = (
    "instagram-square",
    "instagram-portrait",
    "instagram-story",
    "pinterest",
    "linkedin",
)
SHEET_CELL = 300  # card height on a layout sheet


def write_layout_sheets(
    out: Path,
    names: Sequence[str] | None = None,
    project: Project | None = None,
    *,
    languages: Sequence[str] = (),
    lengths: Sequence[str] = (),
    platform_ids: Sequence[str] = (),
) -> list[Path]:
    """For each layout, `OUT/NAME.png`: a short, a medium and a long sample quote in four
    languages (rows) on square, portrait, story, Pinterest and landscape (columns); or
    only the `languages`, `lengths` and platforms given."""
    from cardgen.batch.output import write_atomic
    from cardgen.review.samples import LANGUAGES, LENGTHS, sample

    project = project or Project.open()
    platforms = [project.platform(p) for p in platform_ids or SHEET_PLATFORMS]
    written = []
    for name in names or project.layouts.layout_names():
        rows = []
        for lang in languages or LANGUAGES:
            for length in lengths or LENGTHS:
                cells = []
                for platform in platforms:
                    layout = project.layout(name, platform)
                    kit = project.brand(layout.brand)
                    content = sample(lang, length, handle=kit.handle or "", url=kit.website or "")
                    try:
                        scene = build_scene(
                            content,
                            layout,
                            kit,
                            platform,
                            project.font_registry(),
                            label=name,
                            memo=project.scene_memo(),
                        )
                        image = draw_scene(scene)
                    except CardgenError as error:
                        image = problem_card(platform, error)
                    width = round(image.width * SHEET_CELL / image.height)
                    cells.append(
                        image.resize(
                            (width, SHEET_CELL), Image.Resampling.LANCZOS, reducing_gap=2.0
                        )
                    )
                rows.append((f"{lang} {length}", cells))
        path = out / f"{name}.png"
        write_atomic(path, encode(_grid(name, rows), "png"))
        written.append(path)
    return written


def write_readme_pictures(
    out: Path, names: Sequence[str] | None = None, project: Project | None = None
) -> list[Path]:
    """Small pictures of each layout for the README: the medium English sample on a
    square and a landscape card side by side, 180 px high, as `OUT/NAME.png`."""
    from cardgen.batch.output import write_atomic
    from cardgen.review.samples import sample

    project = project or Project.open()
    written = []
    for name in names or project.layouts.layout_names():
        cells = []
        for platform_id in ("instagram-square", "linkedin"):
            platform = project.platform(platform_id)
            layout = project.layout(name, platform)
            kit = project.brand(layout.brand)
            content = sample("en", "medium", handle=kit.handle or "", url=kit.website or "")
            registry, memo = project.font_registry(), project.scene_memo()
            scene = build_scene(content, layout, kit, platform, registry, memo=memo)
            image = draw_scene(scene)
            size = (round(image.width * 180 / image.height), 180)
            cells.append(image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0))
        strip = Image.new("RGB", (sum(c.width for c in cells) + 8, 180), (255, 255, 255))
        strip.paste(cells[0], (0, 0))
        strip.paste(cells[1], (cells[0].width + 8, 0))
        path = out / f"{name}.png"
        write_atomic(path, _small_png(strip))
        written.append(path)
    return written


def _small_png(image: Image.Image) -> bytes:
    """A 64-colour palette PNG: a few dozen KB for a picture in the README."""
    import io

    buffer = io.BytesIO()
    image.quantize(64, method=Image.Quantize.MEDIANCUT).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def _grid(title: str, rows: Sequence[tuple[str, Sequence[Image.Image]]]) -> Image.Image:
    label_w = 110
    width = label_w + GAP + max(sum(c.width + GAP for c in cells) for _, cells in rows)
    height = 48 + len(rows) * (SHEET_CELL + GAP)
    sheet = Image.new("RGB", (width, height), SHEET_BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    font = _label_font(22)
    draw.text((GAP, 12), title, font=font, fill=(40, 40, 44))
    y = 48
    for label, cells in rows:
        draw.text((GAP, y + SHEET_CELL // 2 - 10), label, font=_label_font(18), fill=(60, 60, 66))
        x = label_w + GAP
        for cell in cells:
            sheet.paste(cell, (x, y))
            x += cell.width + GAP
        y += SHEET_CELL + GAP
    return sheet


# --- watching ----------------------------------------------------------------


def watched_folders(selection: Path, project: Project) -> list[Path]:
    """What a preview depends on: layout and brand folders, fonts, the selection's folder."""
    from cardgen.typography.fontfiles import font_folders

    folders = [*project.layouts.folders, *font_folders(project.root), selection.resolve().parent]
    # A broken selection is reported by the refresh; its own folder is watched already.
    with contextlib.suppress(CardgenError):
        folders.append(load_selection(selection).article.path.resolve().parent)
    unique: list[Path] = []
    for folder in folders:
        if folder.is_dir() and folder.resolve() not in unique:
            unique.append(folder.resolve())
    return unique


def watch_preview(
    selection: Path,
    on_refresh: Callable[[PreviewResult | CardgenError], None],
    *,
    stop: threading.Event | None = None,
    out: Path | None = None,
    quote_id: str | None = None,
    platforms: Sequence[str] | None = None,
    layout: str | None = None,
    brand: str | None = None,
    debug: bool = False,
) -> None:
    """Write the sheet now and again after every change, until `stop` is set.

    Errors (a typo in a layout being edited) are reported through `on_refresh`
    and watching goes on: the designer fixes the file and the sheet comes back.
    """
    from cardgen.typography.fonts import forget_font_files

    def refresh(changed: Iterable[str] = ()) -> PreviewResult | CardgenError:
        if any(Path(path).suffix.lower() in FONT_SUFFIXES for path in changed):
            # Fonts were added or replaced: forget everything measured with the old files.
            forget_font_files()
        try:
            return write_preview(
                selection,
                quote_id=quote_id,
                out=out,
                platforms=platforms,
                layout=layout,
                brand=brand,
                debug=debug,
                project=Project.open(),
            )
        except CardgenError as exc:
            return exc

    folders = watched_folders(selection, Project.open())
    ignore = out.resolve().parent if out else Path("output").resolve()
    on_refresh(refresh())
    for changes in _changes_of(folders, ignore, stop):
        on_refresh(refresh(path for _, path in changes))


def _changes_of(
    folders: list[Path], ignore: Path, stop: threading.Event | None
) -> Iterator[set[tuple[watchfiles.Change, str]]]:
    import watchfiles

    def relevant(_change: watchfiles.Change, path: str) -> bool:
        resolved = Path(path)
        if ignore == resolved or ignore in resolved.parents:
            return False  # our own sheet being written
        return not resolved.name.startswith(".") and not resolved.name.endswith("~")

    yield from watchfiles.watch(
        *folders, watch_filter=relevant, debounce=400, step=30, stop_event=stop, rust_timeout=200
    )
