"""One card from a quote typed on the command line (not checked against an article)."""

from __future__ import annotations

import re
from pathlib import Path

from cardgen.batch.plan import Project
from cardgen.drawing.encoders import default_format, extension, format_of
from cardgen.errors import InputError
from cardgen.source.invisible import find_invisible, find_unsafe


def render_text(
    text: str,
    *,
    by: str | None = None,
    platform: str = "instagram-square",
    layout: str = "classic",
    brand: str | None = None,
    out: Path | None = None,
    project: Project | None = None,
) -> Path:
    """Render `text` as one card and return the file written."""
    from cardgen.batch.output import write_atomic
    from cardgen.design.cardtext import card_text
    from cardgen.drawing.composition import build_scene
    from cardgen.drawing.memory import keep_freed_memory
    from cardgen.drawing.raster import draw_scene, encode

    text = " ".join(text.split())
    if not text:
        raise InputError("the quote is empty", hint='give the text in quotes: cardgen quote "..."')
    hidden = find_invisible(text)
    if hidden:
        raise InputError(f"the quote holds an {hidden}", hint="remove it and type the text again")
    unsafe = find_unsafe(by) if by else None
    if unsafe:  # the attribution is a one-line field, as in a selection
        raise InputError(f"--by: {unsafe}", hint="remove it and type the name again")
    project = project or Project.open()
    target = project.platform(platform)
    resolved = project.layout(layout, target)
    kit = project.brand(brand or project.layout_brand(layout, resolved))
    content = card_text(text, kit, attribution=by)
    registry, memo = project.font_registry(), project.scene_memo()
    scene = build_scene(content, resolved, kit, target, registry, label="quote", memo=memo)
    fmt = default_format(target.format, resolved.background.image is not None)
    if out is None:
        slug = "-".join(re.findall(r"[a-z0-9]+", text.lower())[:6]) or "quote"
        out = Path("output") / "quotes" / f"{slug}-{target.id}.{extension(fmt)}"
    fmt = format_of(out.suffix) or fmt
    keep_freed_memory()  # as batches do: a `quote` loop would fault each canvas in again
    write_atomic(out, encode(draw_scene(scene), fmt))
    return out
