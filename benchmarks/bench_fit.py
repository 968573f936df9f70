"""Text fitting alone per card (fonts warm), and font loading counted separately.

Fitting is everything `build_scene` does (find each text's size and lines,
place them, scale the quote mark): pure geometry, no pixels. Font loading is
opening each (file, size) the card draws with, from cold.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from PIL import ImageFont

from benchmarks.bench_render import card_content
from benchmarks.harness import ROOT, Settings, interleaved
from cardgen.batch import Project
from cardgen.fonts import LAYOUT_ENGINE, FontMeasurer
from cardgen.scene import TextBlock, build_scene

PLATFORMS = ("instagram-square", "instagram-story", "linkedin")


def run(settings: Settings, project: Project | None = None) -> dict[str, Any]:
    project = project or Project.open(ROOT)
    registry = project.font_registry()
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
                return build_scene(content, layout, brand, platform, registry)

            scene = fit()
            times = interleaved({"fit": fit}, repeat=settings.repeat)
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
                    "width_calls": _width_calls(fit),
                    "fonts": len(fonts),
                    "font_load_ms": statistics.median(loads) * 1000,
                }
            )
    return {"rows": rows, "target_ms": 5.0, "worst_fit_ms": max(r["fit_ms"] for r in rows)}


def _width_calls(fit: Any) -> int:
    """How many times fitting one card asks a font for a text width (the profile's hot spot)."""
    calls = 0
    original = FontMeasurer.width

    def counting(self: FontMeasurer, text: str, size: int) -> float:
        nonlocal calls
        calls += 1
        return original(self, text, size)

    FontMeasurer.width = counting  # type: ignore[method-assign]
    try:
        fit()
    finally:
        FontMeasurer.width = original  # type: ignore[method-assign]
    return calls


if __name__ == "__main__":
    import json

    print(json.dumps(run(Settings.from_env()), indent=2))
