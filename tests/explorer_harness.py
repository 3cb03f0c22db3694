"""Drive the browser explorers on the built site by keyboard and compare the page's numbers with convlib.

Shared by tests/test_site_explorers*.py. The contract with the JavaScript
(convlib/widgets/js/common.js):

* every explorer renders into ``div.convlayer-explorer[data-explorer=<name>]``;
* ``root.convlayerModel`` is its widget model (the synced traits);
* after each redraw ``root.dataset.frame`` is incremented and
  ``root.convlayerFrame = {name: {shape: [H, W], data: Float64Array}}`` holds
  the numbers behind the picture, before colour mapping.

:func:`check_frame` rebuilds the page's state in Python (a fresh widget from the
chapter's factory, the page's synced traits applied, its image bytes checked
identical) and compares the page's frame with ``reference_frame()``: equal
within ``FRAME_RTOL`` relative to the largest magnitude of each array (float64
with convlib's tap order is usually bit-identical; convlib switches to an
FFT for kernels of more than 36 taps, whose round-off is ~1e-15).
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import numpy as np

from convlib.widgets import BrowserExplorer

FRAME_RTOL = 1e-9
SETTLE_MS = 5_000

READ_STATE_JS = """(root, names) => {
  const model = root.convlayerModel;
  if (!model) return null;
  const out = {};
  for (const name of names) {
    const v = model.get(name);
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
      const bytes = v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      let text = '';
      for (let p = 0; p < bytes.length; p += 8192) text += String.fromCharCode.apply(null, bytes.subarray(p, p + 8192));
      out[name] = {__bytes__: btoa(text)};
    } else {
      out[name] = v;
    }
  }
  return out;
}"""

# The float64 numbers travel as their bytes (base64): exact, and far faster than JSON arrays.
READ_FRAME_JS = """(root) => {
  const out = {};
  for (const [name, f] of Object.entries(root.convlayerFrame || {})) {
    const bytes = new Uint8Array(Float64Array.from(f.data).buffer);
    let text = '';
    for (let p = 0; p < bytes.length; p += 8192) text += String.fromCharCode.apply(null, bytes.subarray(p, p + 8192));
    out[name] = {shape: f.shape, b64: btoa(text)};
  }
  return out;
}"""

CANVASES_JS = "(root) => Array.from(root.querySelectorAll('canvas')).map(c => c.toDataURL())"


class Explorer:
    """One explorer on an open page: its root element, keyboard driving and read-back."""

    def __init__(self, page, root):
        self.page = page
        self.root = root  # a Playwright ElementHandle
        self.name = root.get_attribute("data-explorer")

    # -- reading ----------------------------------------------------------------
    def frame_count(self) -> int:
        return int(self.root.get_attribute("data-frame") or 0)

    def frame(self) -> dict:
        """The page's numbers: {name: float64 array} as published by the last redraw."""
        raw = self.root.evaluate(READ_FRAME_JS)
        return {
            k: np.frombuffer(base64.b64decode(v["b64"]), dtype="<f8").reshape(v["shape"])
            for k, v in raw.items()
        }

    def state(self, names) -> dict:
        """The model's synced traits ``names`` (bytes traits as bytes)."""
        raw = self.root.evaluate(READ_STATE_JS, list(names)) if names else {}
        assert raw is not None, (
            f"explorer {self.name!r}: root.convlayerModel is not set (pass the model to explorerRoot)"
        )
        return {
            k: base64.b64decode(v["__bytes__"]) if isinstance(v, dict) and "__bytes__" in v else v
            for k, v in raw.items()
        }

    def pictures(self) -> list:
        """Every canvas's pixels (PNG data URLs), to see whether the picture changed."""
        return self.root.evaluate(CANVASES_JS)

    def controls(self) -> list:
        """The explorer's form controls, in page order."""
        return self.root.query_selector_all("input, select")

    # -- driving ----------------------------------------------------------------
    def control(self, label: str):
        """The control whose accessible name (its visible label) is ``label``."""
        found = [c for c in self.controls() if _label_of(c) == label]
        assert len(found) == 1, (
            f"explorer {self.name!r}: {len(found)} controls labelled {label!r}; have {[_label_of(c) for c in self.controls()]}"
        )
        return found[0]

    def press(self, control, key: str, times: int = 1, expect_frame: bool = True) -> None:
        """Focus ``control`` (a label or an element) and press ``key``; wait for each redraw."""
        handle = self.control(control) if isinstance(control, str) else control
        for _ in range(times):
            before = self.frame_count()
            handle.focus()
            self.page.keyboard.press(key)
            if expect_frame:
                self.page.wait_for_function(
                    "([el, n]) => Number(el.dataset.frame) > n",
                    arg=[self.root, before],
                    timeout=SETTLE_MS,
                )
        # let a coalesced redraw (microtask) and any trailing change settle
        self.page.evaluate("() => new Promise((r) => requestAnimationFrame(() => r()))")


def _label_of(control) -> str:
    return control.evaluate(
        "(c) => (c.labels && c.labels[0] ? c.labels[0].textContent : c.getAttribute('aria-label') || '')"
    )


def find_explorers(page) -> list:
    """Every explorer on the page once each has drawn its first frame."""
    page.wait_for_function(
        "() => { const r = document.querySelectorAll('.convlayer-explorer');"
        " return r.length > 0 && Array.from(r).every(e => Number(e.dataset.frame) > 0); }",
        timeout=20_000,
    )
    return [Explorer(page, root) for root in page.query_selector_all(".convlayer-explorer")]


def state_names(widget) -> list:
    """The synced traits an explorer class adds to :class:`BrowserExplorer` (its state), without ``_private`` ones."""
    base = set(BrowserExplorer.class_trait_names(sync=True))
    return sorted(
        n for n in widget.trait_names(sync=True) if n not in base and not n.startswith("_")
    )


def open_explorer(open_page, path: str, name: str, viewport: str = "laptop"):
    """Open ``path`` of the built site and return ``(page, recorder, explorer)`` for its one explorer ``name``."""
    page, rec = open_page(path, viewport)
    found = [e for e in find_explorers(page) if e.name == name]
    assert len(found) == 1, f"{path}: expected one {name!r} explorer, found {len(found)}"
    found[0].root.scroll_into_view_if_needed()
    return page, rec, found[0]


def page_state(explorer: Explorer, widget) -> dict:
    """The page's values of the explorer's state traits, bytes included."""
    return explorer.state(state_names(widget))


def rebuild(explorer: Explorer, factory):
    """A widget from ``factory()`` put into the page's state; its image bytes must equal the page's.

    The widget is made (and its bytes compared) once per explorer; later calls only copy the page's
    other traits into it.
    """
    widget = getattr(explorer, "reference_widget", None)
    if widget is None:
        widget = explorer.reference_widget = factory()
        for name, value in page_state(explorer, widget).items():
            if isinstance(value, bytes):
                assert value == bytes(getattr(widget, name)), (
                    f"explorer {explorer.name!r}: the page's {name!r} bytes differ from the chapter's widget"
                )
    names = [n for n in state_names(widget) if not isinstance(getattr(widget, n), bytes)]
    with widget.hold_trait_notifications():
        for name, value in explorer.state(names).items():
            widget.set_trait(name, value)
    return widget


def check_frame(explorer: Explorer, factory, where: str = "") -> dict:
    """Compare the page's last frame with ``reference_frame()`` of the same state in Python; returns the frame."""
    got = explorer.frame()
    widget = rebuild(explorer, factory)
    want = widget.reference_frame()
    label = f"explorer {explorer.name!r} {where}".strip()
    assert sorted(got) == sorted(want), (
        f"{label}: the page publishes {sorted(got)}, convlib computes {sorted(want)}"
    )
    for name, expected in want.items():
        expected = np.asarray(expected, dtype=np.float64)
        actual = got[name]
        assert actual.shape == expected.shape, (
            f"{label}: {name} has shape {actual.shape} in the page, {expected.shape} in convlib"
        )
        scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
        worst = float(np.max(np.abs(actual - expected))) if expected.size else 0.0
        assert worst <= FRAME_RTOL * scale, (
            f"{label}: {name} differs from convlib by {worst:.3g} (allowed {FRAME_RTOL * scale:.3g}) in state "
            f"{ {k: v for k, v in page_state(explorer, widget).items() if not isinstance(v, bytes)} }"[
                :2000
            ]
        )
    return got


def step_key(control) -> tuple:
    """(key, reverse key) that moves ``control``'s value one step from where it is now."""
    kind, at_end = control.evaluate(
        """(c) => {
          if (c.tagName === 'SELECT') return ['select', c.selectedIndex >= c.options.length - 1];
          if (c.type === 'checkbox') return ['checkbox', false];
          const top = c.max === '' ? Infinity : Number(c.max);
          return [c.type, Number(c.value) >= top];
        }"""
    )
    if kind == "checkbox":
        return "Space", "Space"
    up, down = (
        ("ArrowRight", "ArrowLeft")
        if kind == "range"
        else ("ArrowDown", "ArrowUp")
        if kind == "select"
        else ("ArrowUp", "ArrowDown")
    )
    return (down, up) if at_end else (up, down)


def assert_every_control_changes_the_picture(explorer: Explorer) -> int:
    """Each control, moved one step by keyboard, redraws and changes at least one canvas; returns the count.

    Controls are looked up afresh by position for each step: a control (a kernel-size stepper) may
    rebuild others (the kernel editor's cells)."""
    count = len(explorer.controls())
    assert count, f"explorer {explorer.name!r} has no controls"
    for n in range(count):
        control = explorer.controls()[n]
        label = _label_of(control)
        assert label.strip(), f"explorer {explorer.name!r}: a control has no label"
        before = explorer.pictures()
        key, back = step_key(control)
        explorer.press(control, key)
        assert explorer.pictures() != before, (
            f"explorer {explorer.name!r}: {key} on {label!r} did not change the picture"
        )
        explorer.press(explorer.controls()[n], back)
    return count


LAYOUT_JS = """(root) => {
  const column = root.closest('.cell_output, .output, main') || document.body;
  const limit = Math.min(column.getBoundingClientRect().right, document.documentElement.clientWidth) + 1;
  const problems = [];
  for (const e of [root, ...root.querySelectorAll('*')]) {
    const r = e.getBoundingClientRect();
    if (r.width && r.right > limit) problems.push(`${e.tagName.toLowerCase()}.${e.className} sticks out: right ${Math.round(r.right)} > ${Math.round(limit)}`);
    if (e.childNodes.length && Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim())) {
      const size = parseFloat(getComputedStyle(e).fontSize);
      if (size < 12) problems.push(`${e.tagName.toLowerCase()} "${e.textContent.trim().slice(0, 30)}" has ${size}px text`);
    }
  }
  const canvases = Array.from(root.querySelectorAll('canvas')).map(c => c.getBoundingClientRect());
  return {problems: problems.slice(0, 8), canvases: canvases.map(r => [Math.round(r.left), Math.round(r.top), Math.round(r.width)])};
}"""


def layout(explorer: Explorer) -> dict:
    """Layout problems of the explorer at the current viewport (something wider than the text column,
    text under 12 px) and the canvases' [left, top, width]."""
    return explorer.root.evaluate(LAYOUT_JS)


# --------------------------------------------------------------------------
# where the explorers are: found on the built pages, not by chapter file name

EXPLORER_NAME = re.compile(r'explorerRoot\(el, \\?"([a-z]+)\\?"')


def explorer_pages(site: Path) -> dict:
    """``{explorer name: [page paths relative to the site]}`` for every built chapter page whose saved
    widget state holds an explorer's JavaScript (``explorerRoot(el, "<name>", ...)``).

    A chapter module may declare two explorers (chapter 3: ``steps`` and ``playground``); both are
    listed for each page that loads it, and :func:`open_explorer` checks the page really shows one.
    """
    found: dict = {}
    for page in sorted(Path(site).glob("chapters/*.html")):
        for name in sorted(set(EXPLORER_NAME.findall(page.read_text(encoding="utf-8")))):
            found.setdefault(name, []).append(page.relative_to(site).as_posix())
    return found


def explorer_page(site: Path, name: str) -> str:
    """The one page that shows explorer ``name`` (for pages that load a module of two explorers, the
    first in book order whose module declares it)."""
    pages = explorer_pages(site).get(name, [])
    assert pages, f"no built chapter page carries explorer {name!r}; found {explorer_pages(site)}"
    return pages[0]
