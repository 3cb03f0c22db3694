"""Step latency of every browser explorer, measured in headless Chromium.

The explorers compute their frames in the page (anywidget, ``convlib/widgets/js``).
This script puts each widget, with its saved state, on a static page that loads
the same vendored scripts as the website (require.js, the AMD config,
embed-amd.js from ``vendor/``), serves it on 127.0.0.1, and measures:

* **step**: one key press on a control (ArrowRight / ArrowLeft on a slider: a
  ``stepUp()`` / ``stepDown()`` with an input event, or on a continuous slider
  (``step="any"``, the kernel editor's weight bar) a keydown event,
  ArrowDown / ArrowUp on a drop-down, Space on a check box) until the explorer
  has recomputed and redrawn (its ``data-frame`` counter moved), timed inside
  the page with ``performance.now()`` around a synthetic input event, median
  over ``--steps`` presses per control. Goal: <= 16 ms for a 256 x 256 image
  with a 5 x 5 kernel.
* **first frame**: from the page's load event to the explorer's first
  published frame. Goal: <= 1 s.

Run: ``.venv/bin/python benchmarks/bench_widgets.py [--check] [--steps N] [--site _build/html]``
(needs ``make vendor`` and /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import functools
import html
import http.server
import json
import os
import statistics
import sys
import tempfile
import threading
from pathlib import Path

from ipywidgets.embed import dependency_state, embed_data

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "vendor" / "_static"
CHROMIUM = "/usr/bin/chromium"
STEP_GOAL_MS = 16.0
FIRST_FRAME_GOAL_MS = 1000.0


def explorers() -> dict:
    """name -> factory of every explorer to measure (256 x 256 images where the chapter allows it)."""
    from convlib import mri_slice
    from convlib.widgets import invariance, locality

    cases = {
        "ch1 ShiftExplorer(size=256), 7x7 plus": lambda: invariance.ShiftExplorer(size=256),
        "ch1 ShiftExplorer() as in the chapter": invariance.ShiftExplorer,
        "ch2 LocalityExplorer(MRI 256, delta=2), 5x5": lambda: locality.LocalityExplorer(
            image=mri_slice(), delta=2, max_delta=2
        ),
        "ch2 LocalityExplorer() as in the chapter": locality.LocalityExplorer,
    }
    try:  # chapters 3 and 4 (their own modules; measured when present)
        from convlib.widgets import channels, correlation

        cases["ch3 kernel_playground() 256x256, 5x5"] = lambda: correlation.kernel_playground(
            preset="gaussian", image="MRI slice"
        )
        cases["ch3 kernel_playground() as in the chapter"] = correlation.kernel_playground
        cases["ch4 channel_explorer()"] = channels.channel_explorer
    except (
        ImportError,
        AttributeError,
        TypeError,
        ValueError,
    ) as exc:  # pragma: no cover - report only
        print(f"(chapters 3/4 explorers not measured: {exc})")
    return cases


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<script src="_static/requirejs/require.js"></script>
<script src="_static/jupyter-widgets/amd-config.js"></script>
<script src="_static/jupyter-widgets/embed-amd.js"></script>
<script type="application/vnd.jupyter.widget-state+json">{state}</script>
</head><body style="max-width: 900px">
<script type="application/vnd.jupyter.widget-view+json">{view}</script>
</body></html>
"""


def widget_page(widget, title: str = "explorer") -> str:
    """A static HTML page showing ``widget`` from its saved state, with the website's vendored scripts."""
    data = embed_data(
        views=[widget], state=dependency_state([widget], drop_defaults=False), drop_defaults=False
    )
    state = {"version_major": 2, "version_minor": 0, "state": data["manager_state"]["state"]}
    return PAGE.format(
        title=html.escape(title),
        state=json.dumps(state).replace("</", "<\\/"),
        view=json.dumps(data["view_specs"][0]),
    )


def serve(directory: Path):
    """Serve ``directory`` on 127.0.0.1 (a free port) in a thread; returns (base_url, httpd)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory))
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}", httpd


# Inside the page: step one control `steps` times (alternating directions,
# four steps each way) and time input event -> published frame. Explorers may
# defer their redraw to a microtask (coalesced()), so the clock stops when the
# frame counter has moved and the canvas has been read back (which waits for
# the drawing).
STEP_JS = """
async ([index, steps]) => {
  const root = document.querySelector('.convlayer-explorer');
  const input = root.querySelectorAll('input, select')[index];
  const canvas = root.querySelector('canvas');
  const times = [];
  for (let s = 0; s < steps; s++) {
    const forward = Math.floor(s / 4) % 2 === 0;
    const before = root.dataset.frame;
    const t0 = performance.now();
    if (input.type === 'checkbox') {
      input.checked = !input.checked;
      input.dispatchEvent(new Event('change', {bubbles: true}));
    } else if (input.tagName === 'SELECT') {
      const n = input.options.length;
      input.selectedIndex = (input.selectedIndex + (forward ? 1 : n - 1)) % n;
      input.dispatchEvent(new Event('change', {bubbles: true}));
    } else if (input.type === 'range' && input.step === 'any') {
      // a continuous slider (the kernel editor's weight bar): its arrow keys step
      // the weight by the editor's own step (a keydown handler), as a user does
      input.dispatchEvent(new KeyboardEvent('keydown', {key: forward ? 'ArrowRight' : 'ArrowLeft', bubbles: true, cancelable: true}));
    } else if (input.type === 'range') {
      if (forward) input.stepUp(); else input.stepDown();
      input.dispatchEvent(new Event('input', {bubbles: true}));
    } else {
      input.value = String(Number(input.value) + (forward ? 0.5 : -0.5));
      input.dispatchEvent(new Event('input', {bubbles: true}));
    }
    for (let k = 0; k < 50 && root.dataset.frame === before; k++) await Promise.resolve();
    if (root.dataset.frame === before) continue;  // the value did not change (at an end of its range)
    canvas.getContext('2d').getImageData(0, 0, 1, 1);
    times.push(performance.now() - t0);
  }
  const label = input.labels && input.labels[0] ? input.labels[0].textContent : input.getAttribute('aria-label') || input.tagName;
  return {label, times};
}
"""

# Time from the page's load event until every explorer on it has drawn a frame.
FIRST_FRAME_JS = """
() => new Promise((resolve) => {
  const t0 = window.__loadTime;
  const views = document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length;
  const check = () => {
    const roots = Array.from(document.querySelectorAll('.convlayer-explorer'));
    if (t0 !== undefined && roots.length >= Math.max(1, views) && roots.every((r) => Number(r.dataset.frame) > 0)) {
      resolve(performance.now() - t0);
    } else {
      requestAnimationFrame(check);
    }
  };
  check();
})
"""


def measure(page, name: str, steps: int) -> dict:
    first = page.evaluate(FIRST_FRAME_JS)
    n_inputs = page.evaluate(
        "() => document.querySelector('.convlayer-explorer').querySelectorAll('input, select').length"
    )
    controls = []
    for index in range(n_inputs):
        result = page.evaluate(STEP_JS, [index, steps])
        if result["times"]:
            controls.append(
                (result["label"], statistics.median(result["times"]), len(result["times"]))
            )
    return {"name": name, "first_ms": first, "controls": controls}


def site_first_frames(browser, site: Path) -> list:
    """First frame of every explorer on each chapter page of a built site (served here); returns the misses."""
    base, httpd = serve(site)
    missed = []
    try:
        print(
            f"\nchapter pages of {site}: load event -> every explorer on the page drew its first frame"
        )
        for html_page in sorted((site / "chapters").glob("0*.html")):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.add_init_script(
                "window.addEventListener('load', () => { window.__loadTime = performance.now(); });"
            )
            page.goto(f"{base}/chapters/{html_page.name}", wait_until="load")
            ms = page.evaluate(FIRST_FRAME_JS)
            page.close()
            print(
                f"    {html_page.name:<40} {ms:6.0f} ms  ({html_page.stat().st_size:,} bytes of HTML)"
            )
            if ms > FIRST_FRAME_GOAL_MS:
                missed.append(f"{html_page.name}: first frame")
    finally:
        httpd.shutdown()
        httpd.server_close()
    return missed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=24, help="key presses per control")
    ap.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
    ap.add_argument(
        "--site",
        type=Path,
        help="also time the first frames on the chapter pages of this built site (_build/html)",
    )
    args = ap.parse_args()
    if not (STATIC / "jupyter-widgets" / "embed-amd.js").is_file():
        sys.exit("vendor/ is missing: run `make vendor` first")
    from playwright.sync_api import sync_playwright

    missed = []
    with tempfile.TemporaryDirectory(prefix="convlayer-bench-") as tmp:
        tmp = Path(tmp)
        (tmp / "_static").symlink_to(STATIC)
        pages = {}
        for k, (name, factory) in enumerate(explorers().items()):
            (tmp / f"w{k}.html").write_text(widget_page(factory(), name), encoding="utf-8")
            pages[name] = f"w{k}.html"
        base, httpd = serve(tmp)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
                )
                load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
                print(
                    f"Chromium {browser.version}, headless; median per control over {args.steps} steps; "
                    f"load average {load} on {os.cpu_count()} cores (a busy machine inflates every number)\n"
                )
                for name, path in pages.items():
                    page = browser.new_page(viewport={"width": 1280, "height": 900})
                    page.add_init_script(
                        "window.addEventListener('load', () => { window.__loadTime = performance.now(); });"
                    )
                    page.goto(f"{base}/{path}", wait_until="load")
                    page.wait_for_selector(
                        ".convlayer-explorer[data-frame]:not([data-frame='0'])", timeout=20_000
                    )
                    r = measure(page, name, args.steps)
                    page.close()
                    big = "256" in name
                    print(
                        f"{name}: first frame {r['first_ms']:.0f} ms after load (goal <= {FIRST_FRAME_GOAL_MS:.0f})"
                    )
                    if r["first_ms"] > FIRST_FRAME_GOAL_MS:
                        missed.append(f"{name}: first frame")
                    for label, ms, n in r["controls"]:
                        flag = ""
                        if big:
                            flag = "PASS" if ms <= STEP_GOAL_MS else "MISS"
                            if ms > STEP_GOAL_MS:
                                missed.append(f"{name}: {label}")
                        print(f"    {label:<28} {ms:7.2f} ms  (n={n}) {flag}")
                if args.site:
                    missed += site_first_frames(browser, args.site)
                browser.close()
        finally:
            httpd.shutdown()
            httpd.server_close()
    print(
        f"\nstep goal <= {STEP_GOAL_MS:.0f} ms (256 x 256 cases); "
        + ("all met" if not missed else f"missed: {missed}")
    )
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
