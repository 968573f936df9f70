"""The review page on a 1,000-card batch in Chromium: first render, bytes, axe-core.

A plain script (no pytest): it renders a generated project of 200 quotes on
five platforms (1,000 cards, tests/batchkit.py's helper) once, keeping it in
benchmarks/results/gallery-batch/, serves it with `cardgen serve`'s server and
opens it in Debian's Chromium (Playwright), several times with a cold cache:

- first render: navigation start to the first contentful paint, and to `load`;
- bytes transferred before any scrolling (the page, its scripts and the
  thumbnails on the first screen), then again after a reload;
- axe-core's violations on the whole page (cards scrolled into view first).

Targets (issue 16): first render under 2 s, under 3 MB before scrolling, zero
violations.

    python -m benchmarks.bench_gallery [--cards 1000] [--runs 5] [--json]

Exit code 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cardgen.batch.plan import Project  # noqa: E402
from cardgen.batch.runner import render  # noqa: E402
from cardgen.review.serve import serve_in_thread  # noqa: E402
from tests.batchkit import make_project  # noqa: E402
from tests.servekit import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PLATFORMS = ("instagram-square", "instagram-portrait", "x", "linkedin", "facebook")
RESULTS = ROOT / "benchmarks" / "results"
FIRST_RENDER_BUDGET_S = 2.0
BYTES_BUDGET = 3_000_000

TRANSFERRED = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource");
  const images = resources.filter(r => r.initiatorType === "img");
  return {
    total: nav.transferSize + resources.reduce((n, r) => n + r.transferSize, 0),
    page: nav.transferSize, page_decoded: nav.decodedBodySize,
    images: images.length, image_bytes: images.reduce((n, r) => n + r.transferSize, 0),
  };
}"""
TIMES = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  return {fcp: paint ? paint.startTime : null, dcl: nav.domContentLoadedEventEnd,
          load: nav.loadEventEnd, nodes: document.getElementsByTagName("*").length};
}"""


def batch(cards: int) -> tuple[Path, float]:
    """The rendered batch (made once and kept); seconds the render took (0 if kept)."""
    quotes = cards // len(PLATFORMS)
    root = RESULTS / f"gallery-batch-{quotes * len(PLATFORMS)}"
    out = root / "output"
    if (out / "manifest.json").is_file():
        return out, 0.0
    shutil.rmtree(root, ignore_errors=True)
    make_project(root, quotes, PLATFORMS)
    started = time.perf_counter()
    render(None, out=out, jobs=2, project=Project.open(root))  # once; kept for reruns
    return out, time.perf_counter() - started


def gallery_write(out: Path) -> dict[str, float]:
    """Seconds to write the page with every thumbnail missing, and with all present."""
    from cardgen.design.platforms import BUILTIN
    from cardgen.review.gallery import write_gallery
    from cardgen.review.thumbs import THUMBS_DIR

    records = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["cards"]
    platforms = {p.id: p for p in BUILTIN}
    saved = out.parent / "thumbs-saved"
    shutil.rmtree(saved, ignore_errors=True)
    shutil.move(out / THUMBS_DIR, saved)
    (out / ".cardgen" / "gallery.sha256").unlink(missing_ok=True)
    cold = time.perf_counter()
    write_gallery(out, records, platforms)
    cold = time.perf_counter() - cold
    shutil.rmtree(saved)
    (out / ".cardgen" / "gallery.sha256").unlink(missing_ok=True)
    warm = time.perf_counter()
    write_gallery(out, records, platforms)
    warm = time.perf_counter() - warm
    thumbs = list((out / THUMBS_DIR).iterdir())
    return {
        "cold_s": cold,
        "warm_s": warm,
        "thumbnails": len(thumbs),
        "thumbnail_bytes_median": statistics.median(p.stat().st_size for p in thumbs),
        "cards_bytes": sum(r["bytes"] for r in records),
        "page_bytes": (out / "index.html").stat().st_size,
    }


def measure(out: Path, runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    axe_js = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"
    server, thread = serve_in_thread(out)
    loads: list[dict[str, Any]] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1440, "height": 900})
                page = context.new_page()
                page.goto(server.url, wait_until="load")
                page.wait_for_timeout(1500)  # the first screen's lazy thumbnails settle
                loads.append({**page.evaluate(TIMES), **page.evaluate(TRANSFERRED)})
                context.close()
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            page.goto(server.url, wait_until="load")
            page.wait_for_timeout(1500)
            page.reload(wait_until="load")
            page.wait_for_timeout(1500)
            reload = page.evaluate(TRANSFERRED)
            page.evaluate(axe_js.read_text(encoding="utf-8"))
            started = time.perf_counter()
            violations = page.evaluate(
                """() => axe.run(document, {resultTypes: ["violations"]})
                    .then(r => r.violations.map(v => ({id: v.id, nodes: v.nodes.length})))"""
            )
            axe_s = time.perf_counter() - started
            phone = browser.new_context(viewport={"width": 390, "height": 844})
            small = phone.new_page()
            small.goto(server.url, wait_until="load")
            small.wait_for_timeout(1000)
            phone_load = {**small.evaluate(TIMES), **small.evaluate(TRANSFERRED)}
            widths = {}
            for width in (320, 390, 768, 1024, 1440):
                small.set_viewport_size({"width": width, "height": 800})
                widths[width] = small.evaluate("document.documentElement.scrollWidth")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    def median(key: str) -> float:
        return float(statistics.median(r[key] for r in loads))

    return {
        "runs": runs,
        "fcp_ms": median("fcp"),
        "dcl_ms": median("dcl"),
        "load_ms": median("load"),
        "worst_load_ms": max(r["load"] for r in loads),
        "bytes_before_scrolling": median("total"),
        "page_bytes_transferred": median("page"),
        "page_bytes_decoded": median("page_decoded"),
        "images_before_scrolling": median("images"),
        "image_bytes": median("image_bytes"),
        "dom_nodes": median("nodes"),
        "reload_bytes": reload["total"],
        "axe_violations": violations,
        "axe_seconds": axe_s,
        "phone_390": phone_load,
        "scroll_width": widths,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out, render_s = batch(args.cards)
    cards = len(json.loads((out / "manifest.json").read_text(encoding="utf-8"))["cards"])
    result = {"cards": cards, "render_s": render_s, "gallery": gallery_write(out)}
    result.update(measure(out, args.runs))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "gallery.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    met = {
        "first render under 2 s": result["load_ms"] / 1000 < FIRST_RENDER_BUDGET_S,
        "under 3 MB before scrolling": result["bytes_before_scrolling"] < BYTES_BUDGET,
        "zero axe-core violations": result["axe_violations"] == [],
        "no sideways scroll 320-1440 px": all(
            int(w) >= s for w, s in result["scroll_width"].items()
        ),
    }
    if args.json:
        print(json.dumps({**result, "met": met}, indent=2))
    else:
        print(f"{cards} cards; page {result['gallery']['page_bytes'] / 1e6:.2f} MB on disk")
        print(f"first contentful paint {result['fcp_ms']:.0f} ms, load {result['load_ms']:.0f} ms")
        print(f"before scrolling: {result['bytes_before_scrolling'] / 1e6:.2f} MB transferred")
        print(f"reload: {result['reload_bytes'] / 1e3:.1f} kB transferred")
        print(f"axe-core violations: {result['axe_violations']}")
        for name, ok in met.items():
            print(f"{'met' if ok else 'MISSED'}: {name}")
    return 0 if all(met.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
