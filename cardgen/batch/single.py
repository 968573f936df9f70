"""Cards from a quote typed on the command line (not checked against an article)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cardgen.batch.captions import CaptionParts, alt_text, fitted_caption
from cardgen.batch.plan import Project
from cardgen.drawing.encoders import default_format, extension, format_of
from cardgen.errors import InputError
from cardgen.source.invisible import find_invisible, find_unsafe

if TYPE_CHECKING:
    from cardgen.drawing.scene import Scene


def render_quote(
    text: str,
    *,
    by: str | None = None,
    platforms: Sequence[str] = ("instagram-square",),
    layout: str = "classic",
    brand: str | None = None,
    out: Path | None = None,
    project: Project | None = None,
) -> list[tuple[Path, Path]]:
    """Render `text` as one card per platform, each with its post and alt text beside it.

    `out` is the card's file (one platform; its suffix picks the format) or a folder for
    the cards (default `output/quotes/`), named `<first words>-<platform>.<ext>`. Every
    card is fitted before any file is written. Returns (card, caption file) pairs.
    """
    from cardgen.batch.output import snippet_text, write_atomic
    from cardgen.drawing.memory import keep_freed_memory
    from cardgen.drawing.raster import draw_scene, encode, flat_card

    text = " ".join(text.split())
    if not text:
        raise InputError("the quote is empty", hint='give the text in quotes: cardgen quote "..."')
    hidden = find_invisible(text)
    if hidden:
        raise InputError(f"the quote holds an {hidden}", hint="remove it and type the text again")
    unsafe = find_unsafe(by) if by else None
    if unsafe:  # the attribution is a one-line field, as in a selection
        raise InputError(f"--by: {unsafe}", hint="remove it and type the name again")
    wanted = list(dict.fromkeys(platforms))
    as_file = out is not None and format_of(out.suffix) is not None
    if as_file and len(wanted) > 1:
        raise InputError(
            f"--out {out} names one file, for {len(wanted)} platforms",
            hint="give a folder instead, e.g. --out cards",
        )
    project = project or Project.open()
    slug = "-".join(re.findall(r"[a-z0-9]+", text.lower())[:6]) or "quote"
    cards = []
    for platform_id in wanted:  # everything fitted first: an error writes nothing
        scene, fmt, snippets = _card(text, by, platform_id, layout, brand, project)
        if out is not None and as_file:
            path, fmt = out, format_of(out.suffix) or fmt
        else:
            path = (out or Path("output") / "quotes") / f"{slug}-{platform_id}.{extension(fmt)}"
        cards.append((path, scene, fmt, snippets))
    keep_freed_memory()  # as batches do: a `quote` loop would fault each canvas in again
    written = []
    for path, scene, fmt, (caption, alt) in cards:
        caption_file = path.with_suffix(".txt")
        write_atomic(path, encode(draw_scene(scene), fmt, flat_card(scene)))
        write_atomic(caption_file, snippet_text(caption, alt).encode("utf-8"))
        written.append((path, caption_file))
    return written


def _card(
    text: str, by: str | None, platform_id: str, layout: str, brand: str | None, project: Project
) -> tuple[Scene, str, tuple[str, str]]:
    """One platform's scene, its image format, and its (caption, alt text)."""
    from cardgen.design.cardtext import card_text
    from cardgen.drawing.composition import build_scene

    target = project.platform(platform_id)
    resolved = project.layout(layout, target)
    kit = project.brand(brand or project.layout_brand(layout, resolved))
    content = card_text(text, kit, attribution=by)
    registry, memo = project.font_registry(), project.scene_memo()
    scene = build_scene(content, resolved, kit, target, registry, label="quote", memo=memo)
    fmt = default_format(target.format, resolved.background.image is not None)
    parts = CaptionParts(
        quote=text,
        attribution=by,
        title=None,
        url=kit.website,
        hashtags=tuple(kit.hashtags),
        handle=kit.handle,
    )
    description = resolved.description or f"Quote card in the {layout} layout"
    snippets = fitted_caption(parts, target)[0], alt_text(parts, description, target)
    return scene, fmt, snippets
