"""Slider-step latency of every live explorer: compute a frame + redraw + PNG encode.

One "step" is ``control.value = new_value``: the observe callback recomputes
the frame, updates the artists and re-renders the Image widget, exactly what
happens when a student drags a slider. Reports the median over repeated
steps per slider and checks the issue's target (<= 30 ms median).

Run: ``.venv/bin/python benchmarks/bench_widgets.py [--check]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import ipywidgets as widgets

from convlib.widgets import invariance_explorer, kernel_playground, locality_explorer
from convlib.widgets.channels import channel_mixer_explorer

TARGET_MS = 30.0
STEPS = 20

EXPLORERS = {
    "invariance_explorer()": invariance_explorer,
    "locality_explorer()": locality_explorer,
    "kernel_playground()": kernel_playground,
    "channel_mixer_explorer()": channel_mixer_explorer,
}


def _values(control):
    """A back-and-forth sequence of legal values that differ from step to step."""
    if isinstance(control, widgets.SelectionSlider):
        options = list(control.options)
        seq = options[1:] + options[-2::-1]
    else:
        lo, hi = control.min, control.max
        n = 8
        seq = [lo + (hi - lo) * k / n for k in range(n + 1)]
        if isinstance(control, widgets.IntSlider):
            seq = sorted({int(round(v)) for v in seq})
        seq = seq[1:] + seq[-2::-1]
    return (seq * (STEPS // max(1, len(seq)) + 2))[:STEPS]


def bench(explorer) -> dict:
    results = {}
    for name, control in explorer.controls.items():
        if not isinstance(control, (widgets.IntSlider, widgets.FloatSlider, widgets.SelectionSlider)) or control.disabled:
            continue
        start = control.value
        times = []
        for value in _values(control):
            if value == control.value:
                continue
            t0 = time.perf_counter()
            control.value = value
            times.append(time.perf_counter() - t0)
        control.value = start
        if times:
            results[name] = statistics.median(times) * 1e3
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a median exceeds the target")
    args = parser.parse_args()
    worst = 0.0
    print(f"slider-step latency, median of {STEPS} steps per slider (target <= {TARGET_MS:.0f} ms)")
    for label, factory in EXPLORERS.items():
        explorer = factory()
        results = bench(explorer)
        for name, ms in results.items():
            worst = max(worst, ms)
            verdict = "PASS" if ms <= TARGET_MS else "MISS"
            print(f"  {label:28s} {name:14s} {ms:7.2f} ms  {verdict}")
    print(f"worst median: {worst:.2f} ms -> {'PASS' if worst <= TARGET_MS else 'MISS'}")
    return 1 if args.check and worst > TARGET_MS else 0


if __name__ == "__main__":
    sys.exit(main())
