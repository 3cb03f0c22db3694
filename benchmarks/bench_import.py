#!/usr/bin/env python
"""How long ``import convlib`` takes, against ``import numpy`` (issue 11: at most numpy's time + 100 ms).

Each measurement starts a fresh interpreter and times the import statement
inside it (``time.perf_counter`` around the import, so interpreter start-up
is left out). The two statements are measured alternately, so that a busy
machine slows both alike, and the report gives the medians. It is a report,
not a test: it exits 0 whatever the numbers are, unless ``--check`` is given.

    python benchmarks/bench_import.py              # report
    python benchmarks/bench_import.py --runs 41    # more runs
    python benchmarks/bench_import.py --check      # exit 1 when the goal is missed
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

GOAL_MS = 100.0
TIMER = "import time\nt0 = time.perf_counter()\n{statement}\nprint(time.perf_counter() - t0)"


def import_seconds(statement: str) -> float:
    """Seconds that ``statement`` takes in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", TIMER.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.split()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=21, help="fresh interpreters per statement (default 21)"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when the goal is missed")
    args = parser.parse_args(argv)

    statements = {"import numpy": "import numpy", "import convlib": "import convlib"}
    times = {name: [] for name in statements}
    for _ in range(args.runs):
        for name, statement in statements.items():
            times[name].append(import_seconds(statement))
    median_ms = {name: 1000 * statistics.median(ts) for name, ts in times.items()}
    extra = median_ms["import convlib"] - median_ms["import numpy"]
    met = extra <= GOAL_MS

    print(f"median of {args.runs} fresh interpreters each, {sys.executable}")
    for name, ms in median_ms.items():
        spread = sorted(1000 * t for t in times[name])
        print(f"  {name:16s} {ms:7.1f} ms   (min {spread[0]:.1f}, max {spread[-1]:.1f})")
    print(
        f"  convlib - numpy  {extra:7.1f} ms   goal <= {GOAL_MS:.0f} ms: {'met' if met else 'MISSED'}"
    )
    return 1 if args.check and not met else 0


if __name__ == "__main__":
    sys.exit(main())
