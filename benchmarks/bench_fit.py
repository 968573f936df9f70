"""Text fitting alone per card (fonts warm), and font loading counted separately.

Fitting is everything `build_scene` does (find each text's size and lines,
place them, scale the quote mark): pure geometry, no pixels. Font chains live
per process and remember each text's width at a reference size, so a card is
timed twice, its quote fitted each time (the scene memo's fitted quotes are
forgotten first): again (every word already shaped, as for the attribution and
title shared by a batch's cards) and new (the chains' memory emptied first, as
for a quote whose words were never seen). Font loading is opening each
(file, size) the card draws with, from cold.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from PIL import ImageFont

from benchmarks.bench_render import card_content
from benchmarks.harness import ROOT, Settings, interleaved
from cardgen.batch.plan import Project
from cardgen.drawing.composition import build_scene
from cardgen.drawing.scene import TextBlock
from cardgen.typography.fonts import LAYOUT_ENGINE, FontRegistry

PLATFORMS = ("instagram-square", "instagram-story", "linkedin")


def forget_texts(registry: FontRegistry) -> None:
    for chain in registry.chains():
        chain.forget_texts()


def run(settings: Settings, project: Project | None = None) -> dict[str, Any]:
    project = project or Project.open(ROOT)
    registry, memo = project.font_registry(), project.scene_memo()
    rows = []
    platforms = PLATFORMS[:1] if settings.quick else PLATFORMS
    layouts = project.layouts.layout_names()
    if settings.quick:
        layouts = [name for name in layouts if name == "classic"] or layouts[:1]
    for layout_name in layouts:
        for platform_id in platforms:
            platform = project.platform(platform_id)
            layout = project.layout(layout_name, platform)
            brand = project.brand(layout.brand)
            content = card_content(project, brand)

            def fit(
                layout: Any = layout,
                brand: Any = brand,
                platform: Any = platform,
                content: Any = content,
            ) -> Any:
                # The quote is fitted each time (the memo keeps fitted quotes for a card
                # built again, as bench_render's are); the small print is reused, as in a batch.
                memo.forget_quotes()
                return build_scene(content, layout, brand, platform, registry, memo=memo)

            def fit_new(fit: Any = fit) -> Any:
                forget_texts(registry)
                return fit()

            scene = fit()
            # CPU time, as bench_render: fitting never waits, and the machine is shared.
            times = interleaved(
                {"fit": fit, "new": fit_new}, repeat=settings.repeat, clock=time.process_time
            )
            fonts = sorted(
                {(d.face.path, d.size) for d in scene.drawables if isinstance(d, TextBlock)}
            )
            loads = []
            for _ in range(settings.repeat):
                start = time.perf_counter()
                for path, size in fonts:
                    ImageFont.truetype(str(path), size, layout_engine=LAYOUT_ENGINE)
                loads.append(time.perf_counter() - start)
            rows.append(
                {
                    "layout": layout_name,
                    "platform": platform_id,
                    "fit_ms": times["fit"],
                    "fit_new_ms": times["new"],
                    **_shaping_calls(fit_new, ""),
                    **_shaping_calls(fit, "_again"),
                    "fonts": len(fonts),
                    "font_load_ms": statistics.median(loads) * 1000,
                }
            )
    return {
        "rows": rows,
        "target_ms": 5.0,
        "worst_fit_ms": max(r["fit_new_ms"] for r in rows),
    }


def _shaping_calls(fit: Any, suffix: str) -> dict[str, int]:
    """How many times fitting one card shapes text (widths and ink boxes: the hot spot):
    through Pillow (raqm, a fixed ~30-90 us a call) and through HarfBuzz directly (~10 us)."""
    import uharfbuzz

    counts = {"pillow": 0, "harfbuzz": 0}
    cls = ImageFont.FreeTypeFont
    originals = (cls.getlength, cls.getbbox, uharfbuzz.shape)

    def counting(original: Any, engine: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            counts[engine] += 1
            return original(*args, **kwargs)

        return call

    cls.getlength = counting(originals[0], "pillow")  # type: ignore[method-assign]
    cls.getbbox = counting(originals[1], "pillow")  # type: ignore[method-assign]
    uharfbuzz.shape = counting(originals[2], "harfbuzz")
    try:
        fit()
    finally:
        cls.getlength, cls.getbbox, uharfbuzz.shape = originals  # type: ignore[method-assign]
    return {
        f"shaping_calls{suffix}": counts["pillow"],
        f"harfbuzz_calls{suffix}": counts["harfbuzz"],
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(Settings.from_env()), indent=2))
