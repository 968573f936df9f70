"""Signal benchmark: SIGTERM and SIGINT to a `--jobs 2` batch at random moments; 0 hangs.

Each run is `cardgen render --jobs 2` (half of them `--force`, so signals also land on
re-renders) on a generated 12-card project, started as a cron job would (its own
process group); at a random moment between 0.05 and 2.5 s it gets SIGTERM or SIGINT
(alternately) sent to the whole group, as `timeout`, systemd or a terminal send it. A run
counts as a hang when any process of the group is still there 30 s after the signal.
After every run the manifest must list exactly the cards on disk with their sha256. Not
part of `make bench` (200 runs take ~10 minutes on 2 cores); the README's "Reliability"
section quotes its result. Exit status 1 on any hang or lying manifest.

    .venv/bin/python benchmarks/bench_signals.py [--runs 200] [--seed 18]
"""

from __future__ import annotations

import argparse
import collections
import random
import signal
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.batchkit import make_project  # noqa: E402
from tests.killkit import ENDINGS, assert_folder_true, signal_at_random  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    codes: collections.Counter[str] = collections.Counter()
    problems = []
    slowest = 0.0
    with tempfile.TemporaryDirectory(prefix="cardgen-signals-") as tmp:
        root = make_project(Path(tmp) / "proj", 3, ("bluesky", "x", "linkedin", "og"))
        for run in range(args.runs):
            signum = (signal.SIGTERM, signal.SIGINT)[run % 2]
            try:
                code, seconds = signal_at_random(root, rng, signum)
                slowest = max(slowest, seconds)
                codes[f"{signal.Signals(signum).name} exit {code}"] += 1
                assert code in ENDINGS, f"exit {code}"
                assert_folder_true(root / "output", exact=True)
            except AssertionError as exc:
                problems.append(f"run {run} ({signal.Signals(signum).name}): {exc}")
                print(problems[-1], flush=True)
    print(f"{args.runs} runs, {len(problems)} problems (hangs or lying manifests)")
    for what, count in sorted(codes.items()):
        print(f"  {what}: {count}")
    print(f"slowest end after a signal: {slowest:.2f} s (bound 30 s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
