"""Shared benchmark plumbing: medians over repeated runs, the machine, the bench project."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
QUOTE = (
    "Ambition doesn\u2019t mean we are selfish. It just means that we strive for excellence "
    "in the work we love, and that we want our children to see it."
)


@dataclass(frozen=True)
class Settings:
    """How hard to run: `quick` is the cheap mode used by the test suite and BENCH_QUICK=1."""

    quick: bool

    @property
    def repeat(self) -> int:
        return 1 if self.quick else 9

    @classmethod
    def from_env(cls, quick: bool | None = None) -> Settings:
        if quick is None:
            quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
        return cls(quick=quick)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(
    fn: Callable[[], Any], clock: Callable[[], float] = time.perf_counter
) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    start = clock()
    result = fn()
    return clock() - start, result


def interleaved(
    fns: dict[str, Callable[[], Any]],
    repeat: int,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """Median milliseconds of each function, run in turns so drift on a shared machine
    (other processes, CPU frequency) hits every contender alike. `clock`: wall time, or
    `time.process_time` for work that never waits (the time other processes held the
    CPU is then not counted)."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            seconds, _ = timed(fn, clock)
            samples[name].append(seconds)
    return {name: median_ms(values) for name, values in samples.items()}


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    import PIL

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": sys.version.split()[0],
        "pillow": PIL.__version__,
        "system": f"{platform.system()} {platform.release()}",
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        # Other work on a shared machine moves absolute times; ratios within a run hold.
        "load": f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "?",
    }
