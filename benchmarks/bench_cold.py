"""Cold start: `cardgen --help` and one `cardgen quote` end to end, as fresh processes."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import Settings

TARGETS = {"help": 0.3, "quote": 0.8}


def cardgen_command() -> list[str]:
    """The installed `cardgen` script next to this Python, else `python -m cardgen`."""
    script = Path(sys.executable).parent / "cardgen"
    if script.exists():
        return [str(script)]
    found = shutil.which("cardgen")
    return [found] if found else [sys.executable, "-m", "cardgen"]


def wall(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, capture_output=True, stdin=subprocess.DEVNULL)
    return time.perf_counter() - start


def run(settings: Settings) -> dict[str, Any]:
    cardgen = cardgen_command()
    repeat = 1 if settings.quick else 10
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        commands = {
            "help": [*cardgen, "--help"],
            "quote": [
                *cardgen,
                "quote",
                "Small steps, every day, add up to a life.",
                "--platform",
                "instagram-square",
                "--out",
                str(folder / "card.png"),
            ],
        }
        results = {}
        for name, args in commands.items():
            if not settings.quick:
                wall(args, folder)  # warm the OS file cache: "cold" is a new process, not disk
            samples = [wall(args, folder) for _ in range(repeat)]
            median = statistics.median(samples)
            results[name] = {
                "median_s": median,
                "target_s": TARGETS[name],
                "met": median < TARGETS[name],
                "runs": repeat,
            }
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(run(Settings.from_env()), indent=2))
