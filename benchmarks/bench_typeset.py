"""Typesetting speed: fitting one card's quote (size search, line breaking, balance) with
fonts warm. Target: well under 5 ms a card. Run `.venv/bin/python benchmarks/bench_typeset.py`.

Prints the median and 90th percentile per script, for `fit_text` alone and for a whole
scene (every text element of the card, placed, with ink boxes)."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cardgen.batch.plan import Project  # noqa: E402
from cardgen.design.cardtext import CardText  # noqa: E402
from cardgen.design.layouts import TextElement, resolve_length  # noqa: E402
from cardgen.drawing.composition import build_scene  # noqa: E402
from cardgen.drawing.scene import Resolver  # noqa: E402
from cardgen.typography.fonts import ChainMeasurer  # noqa: E402
from cardgen.typography.segment import breaks  # noqa: E402
from cardgen.typography.typeset import fit_text  # noqa: E402

QUOTES = {
    "english": "Ambition doesn\u2019t mean we are selfish. It just means that we strive for "
    "excellence, in our work and in our lives, and that we want our children to see it.",
    "japanese": "仕事と家庭の両立は、誰にとっても簡単なことではありません。"
    "「罪悪感」を手放すことから始めましょう。",
    "arabic": "الطموح لا يعني أننا أنانيون. إنه يعني فقط أننا نسعى إلى التميز.",
    "emoji": "Ambition is not selfish 💪🏽 it\u2019s how we grow 🌱✨ together 👩\u200d👧",
}
RUNS = 200


def timings(action: object, runs: int = RUNS) -> tuple[float, float]:
    assert callable(action)
    action()  # warm the fonts and the fallback chain
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.9)]


def _quote_element(elements: Sequence[Any]) -> TextElement:
    """The layout's quote text, looked for inside groups too."""
    for element in elements:
        if isinstance(element, TextElement) and element.role == "quote":
            return element
        children = getattr(element, "children", None)
        if children:
            try:
                return _quote_element(children)
            except LookupError:
                continue
    msg = "no quote text element in the layout"
    raise LookupError(msg)


def main() -> None:
    project = Project.open(ROOT)
    platform = project.platform("instagram-square")
    layout = project.layout("classic", platform)
    brand = project.brand(layout.brand)
    element = _quote_element(layout.elements)
    resolver = Resolver(brand, project.font_registry(), layout)
    chain = resolver.chain(element.font)
    w, h = platform.width, platform.height
    # The quote sits in a group that gives it the room its neighbours leave: the safe
    # area is the same order of width and a fair box to time fitting in.
    box = platform.safe_box
    lo = int(resolve_length(element.size.min, "s", w, h))
    hi = int(resolve_length(element.size.max, "s", w, h))
    print(f"{'script':<10} {'fit_text median':>16} {'p90':>8} {'scene median':>20} {'p90':>8}")
    for name, text in QUOTES.items():

        def fit(text: str = text) -> None:
            # Fresh: no widths or line-break pieces remembered between runs.
            breaks.cache_clear()
            measure = ChainMeasurer(chain, text)
            fitted = fit_text(
                text,
                box[2] - box[0],
                box[3] - box[1],
                lo,
                hi,
                element.line_height,
                measure,
                hang=True,
            )
            assert fitted is not None

        def scene(text: str = text) -> None:
            build_scene(
                CardText(quote=text, attribution="Lara Bazelon"),
                layout,
                brand,
                platform,
                project.font_registry(),
                memo=project.scene_memo(),
            )

        fit_median, fit_p90 = timings(fit)
        scene_median, scene_p90 = timings(scene, runs=50)
        print(
            f"{name:<10} {fit_median:>13.2f} ms {fit_p90:>5.2f} ms "
            f"{scene_median:>17.2f} ms {scene_p90:>5.2f} ms"
        )


if __name__ == "__main__":
    main()
