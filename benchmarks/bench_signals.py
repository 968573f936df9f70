"""Signal benchmark: SIGTERM and SIGINT to a `--jobs 2` batch at random moments; 0 hangs.
Then power cuts, simulated: SIGKILL to the whole run at random moments; 0 lying manifests.

Each run is `cardgen render --jobs 2` (half of them `--force`, so signals also land on
re-renders) on a generated 12-card project, started as a cron job would (its own
process group); at a random moment between 0.05 and 2.5 s it gets SIGTERM or SIGINT
(alternately) sent to the whole group, as `timeout`, systemd or a terminal send it. A run
counts as a hang when any process of the group is still there 30 s after the signal.
After every run the manifest must list exactly the cards on disk with their sha256. Not
part of `make bench` (200 runs take ~10 minutes on 2 cores); the README's "Reliability"
section quotes its result. Exit status 1 on any hang or lying manifest.

`--kills N` then kills N runs with SIGKILL (every process of the run at once, as a power cut
would) at random moments: after each kill every card the manifest lists must be on disk
with its sha256 and every card file must be in the manifest or the journal; after every
tenth kill a plain rerun must end with exit 0 and a manifest of exactly the cards on disk.

    .venv/bin/python benchmarks/bench_signals.py [--runs 200] [--kills 100] [--seed 18]
"""

from __future__ import annotations

import argparse
import collections
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.batchkit import make_project  # noqa: E402
from tests.killkit import (  # noqa: E402
    ENDINGS,
    assert_folder_true,
    reap,
    rerun,
    signal_at_random,
    start,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--kills", type=int, default=0)
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
        problems += kills(root, rng, args.kills)
    print(f"{args.runs} signal runs, {args.kills} kills: {len(problems)} problems")
    for what, count in sorted(codes.items()):
        print(f"  {what}: {count}")
    print(f"slowest end after a signal: {slowest:.2f} s (bound 30 s)")
    return 1 if problems else 0


def kills(root: Path, rng: random.Random, count: int) -> list[str]:
    problems = []
    out = root / "output"
    for kill in range(count):
        proc = start(root, *(["--force"] if rng.random() < 0.5 else []))
        time.sleep(rng.uniform(0.05, 3.0))
        reap(proc)  # SIGKILL to the whole process group at once
        try:
            assert_folder_true(out, exact=False)
            if kill % 10 == 9:
                done = rerun(root)
                assert done.returncode == 0, done.stderr
                assert_folder_true(out, exact=True)
        except AssertionError as exc:
            problems.append(f"kill {kill}: {exc}")
            print(problems[-1], flush=True)
    return problems


if __name__ == "__main__":
    sys.exit(main())
