"""Run every benchmark, save the numbers, draw the plots and rewrite the table in README.md.

python -m benchmarks.run            # what `make bench` does (a few minutes on 2 cores)
BENCH_QUICK=1 python -m benchmarks.run --out /tmp/bench --no-readme   # seconds; smoke test
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import (
    bench_cold,
    bench_encode,
    bench_fit,
    bench_render,
    bench_scaling,
    bench_suggest,
)
from benchmarks.harness import ROOT, Settings, machine

HERE = Path(__file__).resolve().parent
START, END = "<!-- results:start -->", "<!-- results:end -->"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny inputs (also BENCH_QUICK=1)")
    parser.add_argument("--out", type=Path, default=None, help="results folder")
    parser.add_argument("--no-readme", action="store_true", help="leave README.md alone")
    parser.add_argument(
        "--only", action="append", default=None, help="run only these benchmarks (repeatable)"
    )
    args = parser.parse_args(argv)
    settings = Settings.from_env(True if args.quick else None)
    # Quick numbers are not representative: keep them away from the committed ones.
    out: Path = args.out or (HERE / "results" / "quick" if settings.quick else HERE / "results")
    results = run_all(settings, args.only)
    previous = out / "results.json"
    if args.only and previous.is_file():
        # A subset refreshes its own sections of the last full run and keeps the rest.
        kept = json.loads(previous.read_text(encoding="utf-8"))
        results = {**kept, **results, "machine": results["machine"]}
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    results["plots"] = plot(results, out)
    profile(results, out, settings)
    table = report(results)
    print(table)
    if not args.no_readme and not settings.quick:
        readme = HERE / "README.md"
        text = readme.read_text(encoding="utf-8")
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        readme.write_text(f"{head}{START}\n{table}\n{END}{tail}", encoding="utf-8")
        if results.get("suggest", {}).get("status") == "measured":
            bench_suggest.write_readme(results["suggest"])
        print(f"updated {readme.relative_to(ROOT)}")
    return 0


BENCHES: dict[str, Callable[[Settings], dict[str, Any]]] = {
    "render": bench_render.run,
    "encode": bench_encode.run,
    "fit": bench_fit.run,
    "cold": bench_cold.run,
    "scaling": bench_scaling.run,
    "suggest": bench_suggest.run,
}


def run_all(settings: Settings, only: list[str] | None) -> dict[str, Any]:
    results: dict[str, Any] = {"machine": machine(), "quick": settings.quick}
    for name, bench in BENCHES.items():
        if only and name not in only:
            continue
        start = time.perf_counter()
        print(f"bench {name} ...", file=sys.stderr, flush=True)
        results[name] = bench(settings)
        print(f"bench {name}: {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    return results


def plot(results: dict[str, Any], out: Path) -> list[str]:
    """Time per card vs batch size, and the floor ratio per platform; PNGs in `out`."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []  # the report says how to get them
    written = []
    scaling = results.get("scaling", {}).get("scaling")
    if scaling:
        rows = scaling["rows"]
        fig, ax = plt.subplots(figsize=(6, 3.6), dpi=100)
        sizes = [r["cards"] for r in rows]
        ax.plot(sizes, [r["per_card_ms"] for r in rows], "o-", label="marginal time per card")
        ax.plot(sizes, [r["wall_per_card_ms"] for r in rows], "s--", label="wall time / cards")
        ax.set_xscale("log")
        ax.set_xlabel("cards in the batch")
        ax.set_ylabel("ms per card")
        ax.set_ylim(bottom=0)
        ax.set_title("cardgen render: time per card vs batch size")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / "time-per-card.png")
        plt.close(fig)
        written.append("time-per-card.png")
    render = results.get("render")
    if render:
        rows = render["rows"]
        layouts = sorted({r["layout"] for r in rows})
        platforms = list(dict.fromkeys(r["platform"] for r in rows))
        fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
        width = 0.8 / len(layouts)
        for i, layout in enumerate(layouts):
            ratios = {r["platform"]: r["ratio"] for r in rows if r["layout"] == layout}
            xs = [p + i * width for p in range(len(platforms))]
            ax.bar(xs, [ratios.get(p, 0) for p in platforms], width, label=layout)
        ax.axhline(
            render["target_ratio"],
            color="black",
            linestyle=":",
            label=f"target {render['target_ratio']:g}x",
        )
        ax.set_xticks([p + width * (len(layouts) - 1) / 2 for p in range(len(platforms))])
        ax.set_xticklabels(platforms, rotation=45, ha="right", fontsize=8)
        ax.set_ylabel("cardgen time / Pillow floor")
        ax.set_title("Per-card render time against the floor, same run")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / "floor-ratio.png")
        plt.close(fig)
        written.append("floor-ratio.png")
    return written


def profile(results: dict[str, Any], out: Path, settings: Settings) -> None:
    """A pyinstrument profile of one classic card, for the README's explanations."""
    if settings.quick or "render" not in results:
        return
    try:
        from pyinstrument import Profiler
    except ImportError:
        return
    from benchmarks.bench_render import card_content
    from cardgen.batch.plan import Project
    from cardgen.drawing.composition import build_scene
    from cardgen.drawing.raster import draw_scene, encode, flat_card

    project = Project.open(ROOT)
    platform = project.platform("instagram-square")
    for name in project.layouts.layout_names():
        layout = project.layout(name, platform)
        brand = project.brand(layout.brand)
        content = card_content(project, brand)
        registry, memo = project.font_registry(), project.scene_memo()
        warm = build_scene(content, layout, brand, platform, registry, memo=memo)
        encode(draw_scene(warm), "png", flat_card(warm))
        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(5):
                scene = build_scene(content, layout, brand, platform, registry, memo=memo)
                encode(draw_scene(scene), "png", flat_card(scene))
        text = profiler.output_text(unicode=False, color=False, short_mode=True)
        text = text.replace(f"{ROOT}/", "")  # results are committed: no machine paths
        (out / f"profile-{name}-card.txt").write_text(text, encoding="utf-8")


def _calls(row: dict[str, Any], suffix: str) -> str:
    """Pillow + HarfBuzz shaping calls (older results have only Pillow's)."""
    harfbuzz = row.get(f"harfbuzz_calls{suffix}")
    pillow = row[f"shaping_calls{suffix}"]
    return str(pillow) if harfbuzz is None else f"{pillow} + {harfbuzz}"


def _verdict(met: bool | None) -> str:
    return "n/a" if met is None else ("**met**" if met else "**not met**")


def report(results: dict[str, Any]) -> str:
    """The Markdown tables for benchmarks/README.md."""
    m = results["machine"]
    lines = [
        f"Measured {m['date']} on {m['cpu']}, {m['cores']} cores, {m['system']}, "
        f"Python {m['python']}, Pillow {m['pillow']}, load average {m.get('load', '?')} "
        "at the start"
        + (" (**quick mode: not representative**)" if results.get("quick") else "")
        + ". Medians; ratios are taken within the same run.",
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
    ]
    render = results.get("render")
    if render:
        flat = [r for r in render["rows"] if r["flat"]]
        target = render.get("target_ratio", 1.1)
        worst = max(flat, key=lambda r: r["ratio"]) if flat else None
        if worst:
            lines.append(
                f"| flat card within {target:g}x of the Pillow floor | worst {worst['ratio']:.2f}x "
                f"({worst['layout']} on {worst['platform']}: {worst['cardgen_ms']:.1f} ms vs "
                f"{worst['floor_ms']:.1f} ms) | {_verdict(worst['ratio'] <= target)} |"
            )
        if flat:
            pixels = max(flat, key=lambda r: r["pixels_ratio"])
            lines.append(
                f"| (the same, scene already built: drawing and encoding only) "
                f"| worst {pixels['pixels_ratio']:.2f}x ({pixels['layout']} on "
                f"{pixels['platform']}) | {_verdict(pixels['pixels_ratio'] <= target)} |"
            )
            anew = [r for r in flat if "anew_ratio" in r]
            if anew:
                first = max(anew, key=lambda r: r["anew_ratio"])
                over = sum(r["anew_ratio"] > target for r in anew)
                lines.append(
                    f"| (the same, the quote fitted anew as for each card of a batch, its words "
                    f"already shaped) | worst {first['anew_ratio']:.2f}x ({first['layout']} on "
                    f"{first['platform']}); {over} of {len(anew)} cells over {target:g}x "
                    f"| {_verdict(over == 0)} |"
                )
    encode = results.get("encode")
    if encode:
        rows = {r["encoder"]: r for r in encode["cards"]["classic (flat)"]}
        chosen = rows["cardgen default"]
        met = chosen["time_vs_png6"] <= 1.0 and chosen["bytes_vs_png6"] <= 0.6
        lines.append(
            f"| flat-card default no slower than PNG level 6, at most 60% of its bytes "
            f"| {chosen['time_vs_png6']:.2f}x the time, {chosen['bytes_vs_png6']:.0%} of the "
            f"bytes, max pixel difference {chosen['max_diff']} | {_verdict(met)} |"
        )
    fit = results.get("fit")
    if fit:
        worst_fit = max(fit["rows"], key=lambda r: r["fit_new_ms"])
        again = max(fit["rows"], key=lambda r: r["fit_ms"])
        loads = max(r["font_load_ms"] for r in fit["rows"])
        lines.append(
            f"| text fitting well under 5 ms per card (warm) | new quote: worst "
            f"{worst_fit['fit_new_ms']:.1f} ms ({worst_fit['layout']} on "
            f"{worst_fit['platform']}, {_calls(worst_fit, '')} shaping calls); words "
            f"already shaped: worst {again['fit_ms']:.1f} ms; font loading {loads:.2f} ms "
            f"| {_verdict(worst_fit['fit_new_ms'] < 5)} |"
        )
    scaling = results.get("scaling")
    if scaling:
        s = scaling["scaling"]
        per = ", ".join(f"{r['cards']}: {r['per_card_ms']:.1f} ms" for r in s["rows"])
        lines.append(
            f"| time per card flat within 10% across batch sizes | {per} "
            f"(spread {s['per_card_spread']:.0%}) | {_verdict(s['flat_within_10pct'])} |"
        )
        rss = ", ".join(f"{r['cards']}: {r['peak_rss_mb']:.0f} MB" for r in s["rows"])
        first, last = s["rows"][0], s["rows"][-1]
        growth = (last["peak_rss_mb"] - first["peak_rss_mb"]) / max(
            1, last["cards"] - first["cards"]
        )
        # Flat enough: at this growth a 10,000-card batch would still stay under 200 MB.
        flat = first["peak_rss_mb"] + growth * (10_000 - first["cards"]) < 200
        lines.append(
            f"| peak RSS flat and under 200 MB | {rss} ({growth * 1024:.0f} kB more per card) "
            f"| {_verdict(s['max_rss_mb'] < 200 and flat)} |"
        )
        p = scaling["parallel"]
        if p["status"] == "measured":
            batches = p.get("batches") or [p]
            largest = batches[-1]
            measured = ", ".join(f"{b['speedup']:.2f}x ({b['cards']} cards)" for b in batches)
            lines.append(
                f"| `--jobs 2` speed-up at least 1.8x on 2 cores | {measured}; the verdict "
                f"is the largest batch's, where the serial start is a small share "
                f"| {_verdict(largest['speedup'] >= 1.8)} |"
            )
        else:
            lines.append(f"| `--jobs 2` speed-up at least 1.8x | {p['status']}: {p['why']} | n/a |")
        inc = scaling["incremental"]
        if inc["status"] == "measured":
            lines.append(
                f"| unchanged {inc['cards']}-card rerun under 5% of the full render "
                f"| {inc['share']:.1%} (the first rerun after the render "
                f"{inc.get('first_rerun_s', 0):.2f} s, later ones {inc['rerun_s']:.2f} s, "
                f"vs {inc['full_s']:.2f} s) "
                f"| {_verdict(inc['share'] < 0.05)} |"
            )
        else:
            lines.append(
                f"| unchanged 300-card rerun under 5% of the full render "
                f"| {inc['status']}: {inc['why']} | n/a |"
            )
    suggested = results.get("suggest")
    if suggested and suggested.get("status") == "measured":
        ours = suggested["rows"][0]["held_out"]["@20"]
        best = max((r["held_out"]["@20"] or 0.0) for r in suggested["rows"][1:])
        if ours is not None:
            lines.append(
                f"| `suggest` recall@20 on works kept out of tuning at least "
                f"{bench_suggest.TARGET_RECALL} and over twice the best baseline "
                f"| {ours:.2f} (best baseline {best:.2f}; table below) "
                f"| {_verdict(ours >= bench_suggest.TARGET_RECALL and ours > 2 * best)} |"
            )
    elif suggested:
        lines.append(f"| `suggest` recall against shared quotes | {suggested['why']} | n/a |")
    cold = results.get("cold")
    if cold:
        for name, label in (("help", "`cardgen --help`"), ("quote", "`cardgen quote ...`")):
            c = cold[name]
            lines.append(
                f"| {label} under {c['target_s']} s | {c['median_s']:.2f} s "
                f"(median of {c['runs']}) | {_verdict(c['met'])} |"
            )
    if render:
        lines += [
            "",
            "Per card, cardgen against the floor (same pixels checked); times are CPU time "
            "of the benchmark process (`time.process_time`), medians of turns:",
            "",
            "| layout | platform | size | encoding | cardgen ms | floor ms | ratio "
            "| draw + encode ms | its ratio | quote fitted anew ms | its ratio | bytes |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in render["rows"]:
            same = "" if r["same_pixels"] else " (pixels differ!)"
            anew = f"{r['anew_ms']:.1f} | {r['anew_ratio']:.2f}x" if "anew_ms" in r else "- | -"
            lines.append(
                f"| {r['layout']} | {r['platform']} | {r['size']} | {r['encoding']} "
                f"| {r['cardgen_ms']:.1f} | {r['floor_ms']:.1f} | {r['ratio']:.2f}x{same} "
                f"| {r['pixels_ms']:.1f} | {r['pixels_ratio']:.2f}x | {anew} | {r['bytes']:,} |"
            )
    if fit:
        lines += [
            "",
            "Text fitting per card (fonts warm) and font loading (cold). *New*: the font "
            "chains' remembered widths emptied first, every word shaped; *again*: the same "
            "card a second time (its words shaped). Both fit the quote (the scene memo's "
            "fitted quotes forgotten first). Shaping calls are Pillow `getlength`/`getbbox` calls "
            "(raqm) + HarfBuzz calls (`cardgen.typography.shaping`, simple scripts' widths):",
            "",
            "| layout | platform | new quote ms | shaping calls | again ms | shaping calls "
            "| fonts | loading ms |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in fit["rows"]:
            lines.append(
                f"| {r['layout']} | {r['platform']} | {r['fit_new_ms']:.1f} "
                f"| {_calls(r, '')} | {r['fit_ms']:.1f} | {_calls(r, '_again')} "
                f"| {r['fonts']} | {r['font_load_ms']:.2f} |"
            )
    if encode:
        lines += ["", "Encoders, 1080x1080 (time and bytes relative to PNG level 6):", ""]
        for card, rows in encode["cards"].items():
            lines += [
                f"*{card}*",
                "",
                "| encoder | ms | time | bytes | size | mean diff | max diff |",
                "|---|---|---|---|---|---|---|",
            ]
            for r in rows:
                lines.append(
                    f"| {r['encoder']} | {r['ms']:.1f} | {r['time_vs_png6']:.2f}x "
                    f"| {r['bytes']:,} | {r['bytes_vs_png6']:.0%} | {r['mean_diff']:.3f} "
                    f"| {r['max_diff']} |"
                )
            lines.append("")
    if scaling:
        lines += [
            "",
            "| cards | runs | wall s | wall / card ms | marginal ms per card | peak RSS MB |",
            "|---|---|---|---|---|---|",
        ]
        for r in scaling["scaling"]["rows"]:
            lines.append(
                f"| {r['cards']} | {r['runs']} | {r['wall_s']:.2f} | {r['wall_per_card_ms']:.1f} "
                f"| {r['per_card_ms']:.1f} | {r['peak_rss_mb']:.0f} |"
            )
    plots = results.get("plots")
    if plots:
        lines += [
            "",
            "Plots (written by `make bench` into `benchmarks/results/`, not committed):",
            "",
            *[f"![{p}](results/{p})" for p in plots],
        ]
    elif plots is not None:
        lines += ["", "Plots skipped: matplotlib is not installed (`pip install -e '.[bench]'`)."]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
