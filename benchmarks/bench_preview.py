"""How long after a colour change in a layout does `preview --watch` have the new sheet on disk?

A plain script (no pytest): it copies the bundled example into a temporary
project, starts the watcher as `cardgen preview --watch` does, then edits a
colour in the layout several times and times each edit until the sheet's
file changes. Target: about a second for the bundled example (12 platforms).

    python benchmarks/bench_preview.py [--rounds 5] [--budget 1.0] [--json]

Exit code 1 when the median is over the budget (for `make bench`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cardgen.errors import CardgenError  # noqa: E402
from cardgen.review.preview import PreviewResult, watch_preview  # noqa: E402

SELECTION = "quotes/overcoming-working-mom-guilt.yaml"
LAYOUT = "layouts/bold.yaml"  # the layout of the example's first quote
COLOURS = ("#3e2c41", "#2c3e41", "#413e2c", "#2c2c41", "#412c2c")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--budget", type=float, default=1.0, help="seconds, median")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        shutil.copytree(ROOT / "quotes", project / "quotes")
        shutil.copytree(ROOT / "layouts", project / "layouts")
        os.chdir(project)
        sheet = project / "output" / "preview" / "overcoming-working-mom-guilt"
        sheet = sheet / "ambition-not-selfish.png"
        refreshes: list[float] = []
        errors: list[str] = []

        def on_refresh(result: PreviewResult | CardgenError) -> None:
            if isinstance(result, CardgenError):
                errors.append(result.one_line())
            else:
                refreshes.append(result.seconds)

        stop = threading.Event()
        watcher = threading.Thread(
            target=watch_preview, args=(Path(SELECTION), on_refresh), kwargs={"stop": stop}
        )
        watcher.start()
        try:
            _wait(lambda: len(refreshes) + len(errors) >= 1, 120)
            if errors:
                print(f"error: {errors[0]}", file=sys.stderr)
                return 2
            time.sleep(1.0)  # the watcher is running before the first edit
            layout = project / LAYOUT
            original = layout.read_text()
            latencies = []
            for index in range(args.rounds):
                colour = COLOURS[(index + 1) % len(COLOURS)]
                before = sheet.stat().st_mtime_ns
                started = time.perf_counter()
                layout.write_text(original.replace("brand.deep,", f'"{colour}",', 1))
                if not _wait(lambda b=before: sheet.stat().st_mtime_ns != b, 30):
                    print("error: the sheet was not redrawn within 30 s", file=sys.stderr)
                    return 2
                latencies.append(time.perf_counter() - started)
                time.sleep(0.8)  # let the refresh finish before the next edit
        finally:
            stop.set()
            watcher.join(timeout=30)

    median = statistics.median(latencies)
    result = {
        "benchmark": "preview-watch-refresh",
        "platforms": 12,
        "rounds": args.rounds,
        "latency_s": [round(v, 3) for v in latencies],
        "median_s": round(median, 3),
        "render_s": [round(v, 3) for v in refreshes[1:]],
        "budget_s": args.budget,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"edit -> new sheet on disk: median {median:.2f} s over {args.rounds} edits")
        print("  each: " + ", ".join(f"{v:.2f}" for v in latencies))
        print("  render only: " + ", ".join(f"{v:.2f}" for v in refreshes[1:]))
    return 0 if median <= args.budget else 1


def _wait(condition: object, seconds: float) -> bool:
    assert callable(condition)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False


if __name__ == "__main__":
    raise SystemExit(main())
