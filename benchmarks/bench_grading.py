"""Wall time to grade a class: N generated submissions of one chapter, graded in parallel on every core.

The submissions are the chapter's student version with the solutions filled
in, or one of the known mistakes (``grading.corpus.random_class``); each runs
in its own bubblewrap sandbox (run as root, like the grader). Prints the
wall time, the time per submission and the issue's target (200 submissions in
<= 10 minutes on this 2-core machine), and the CPU time all processes used,
which says how long the same run takes when nothing else runs on the
machine. A report, not a test.

Run: ``.venv/bin/python benchmarks/bench_grading.py [--students 200] [--chapter 03_convolution_vs_correlation.ipynb] [--check]``
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grading import corpus, grade  # noqa: E402
from grading.report import summary  # noqa: E402

TARGET_S = 600.0


def _cpu_seconds() -> float:
    """CPU time of this process and of all its finished descendants (workers, kernels)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--chapter", default="03_convolution_vs_correlation.ipynb")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        os.chmod(tmp, 0o755)
        (tmp / "seed").write_text("benchmark seed")
        corpus.random_class(tmp / "submissions", args.chapter, args.students)
        load = os.getloadavg()[0]
        started, cpu_before = time.perf_counter(), _cpu_seconds()
        results = grade(
            tmp / "submissions",
            tmp / "out",
            secret=tmp / "seed",
            jobs=args.jobs,
            chapters=[args.chapter],
        )
        wall, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_before
        # the sandboxes' own (not our children)
        cpu += sum(r["cpu_seconds"] for r in results.values())
        statuses = Counter(r["chapters"][args.chapter]["status"] for r in results.values())
    ok = wall <= TARGET_S * args.students / 200
    with open("/proc/self/status", encoding="ascii") as f:
        peak = next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024
    print(
        f"{args.students} submissions of {args.chapter} on {os.cpu_count()} cores "
        f"(load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; grader peak memory {peak:.0f} MB)"
    )
    print(
        f"wall time {wall:.0f} s, {wall / args.students:.2f} s per submission; statuses {dict(statuses)}"
    )
    print(
        f"CPU time {cpu:.0f} s (grader, workers and sandboxes), {cpu / args.students:.2f} s per submission: "
        f"on {os.cpu_count()} otherwise idle cores about {cpu / os.cpu_count():.0f} s"
    )
    print(f"target: 200 in <= {TARGET_S:.0f} s -> {'PASS' if ok else 'MISS'}")
    print(summary(results))
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
