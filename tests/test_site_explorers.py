"""The explorers of chapters 1 and 2 on the built website, driven by keyboard, checked against convlib.

No kernel exists on the static page: every frame is computed by the
explorer's JavaScript. Each test opens a chapter page (fixtures in
conftest.py / site_harness.py: one build, one server, one Chromium; every
request leaving 127.0.0.1 is aborted and recorded), drives the controls with
the keyboard the way a reader would, and after every step compares the numbers
the page computed with ``reference_frame()`` of the same state in Python
(tests/explorer_harness.py; float64 within 1e-9 relative). Chapters 3 and 4
are in test_site_explorers_ch34.py.
"""

from __future__ import annotations

import re

import pytest

from convlib.widgets import invariance as inv
from convlib.widgets import locality as loc
from explorer_harness import (
    assert_every_control_changes_the_picture,
    check_frame,
    explorer_page,
    layout,
    open_explorer,
)
from site_harness import SCREENSHOTS


def _readout(explorer) -> str:
    return explorer.root.query_selector(".convlayer-readout").inner_text()


def test_ch1_shift_sweep_matches_convlib(site, open_page):
    """Shifts by arrow keys, Page Up, Home and End: input, response, peak and max equal convlib's."""
    page, rec, e = open_explorer(open_page, explorer_page(site, "invariance"), "invariance")
    home_peak = inv.invariance_explorer().frame().peak
    check_frame(e, inv.invariance_explorer, "at load")
    sweep = [
        ("row shift", "ArrowRight", 1),
        ("col shift", "PageUp", 2),
        ("row shift", "PageUp", 3),
        ("col shift", "End", 1),
        ("row shift", "End", 1),
        ("col shift", "Home", 1),
        ("row shift", "ArrowLeft", 4),
        ("col shift", "ArrowRight", 7),
        ("row shift", "Home", 1),
    ]
    for label, key, times in sweep:
        e.press(label, key, times)
        frame = check_frame(e, inv.invariance_explorer, f"after {key} x{times} on {label}")
        shift = (
            int(e.control("row shift").input_value()),
            int(e.control("col shift").input_value()),
        )
        peak = tuple(int(v) for v in frame["peak"][0])
        moved = (peak[0] - home_peak[0], peak[1] - home_peak[1])
        text = _readout(e)
        assert (
            f"shift in ({shift[0]}, {shift[1]}) {'=' if moved == shift else '≠'} shift out ({moved[0]}, {moved[1]})"
            in text
        ), text
        assert "Max response 13.00" in text, text
    assert not rec.problems(), "\n".join(rec.problems())


def test_ch2_delta_and_pixel_sweep_matches_convlib(site, open_page):
    """Delta 0-3 and the largest Delta, the output pixel at the borders and inside: output, h[i, j], window, counts."""
    page, rec, e = open_explorer(open_page, explorer_page(site, "locality"), "locality")
    check_frame(e, loc.locality_explorer, "at load")
    e.press("Δ", "Home")
    for delta in range(4):
        if delta:
            e.press("Δ", "ArrowRight")
        check_frame(e, loc.locality_explorer, f"at Delta = {delta}")
        assert f"Δ = {delta}: h[" in _readout(e)
    sweep = [
        ("row i", "Home", 1),
        ("col j", "End", 1),
        ("Δ", "End", 1),
        ("row i", "End", 1),
        ("col j", "Home", 1),
        ("Δ", "PageDown", 2),
        ("row i", "PageDown", 3),
        ("col j", "ArrowRight", 5),
    ]
    for label, key, times in sweep:
        e.press(label, key, times)
        frame = check_frame(e, loc.locality_explorer, f"after {key} x{times} on {label}")
        delta = int(e.control("Δ").input_value())
        side = 2 * delta + 1
        assert frame["params"][0, 2] == side * side
        assert f"local {side * side:,}" in _readout(e)
    assert not rec.problems(), "\n".join(rec.problems())


@pytest.mark.parametrize(("name", "n_controls"), [("invariance", 2), ("locality", 3)])
def test_every_control_changes_the_picture(site, open_page, name, n_controls):
    """Each control, one key press: a new frame and different pixels; no console error, nothing off-host."""
    page, rec, e = open_explorer(open_page, explorer_page(site, name), name)
    assert assert_every_control_changes_the_picture(e) == n_controls
    assert not rec.problems(), "\n".join(rec.problems())


@pytest.mark.parametrize("name", ["invariance", "locality"])
def test_explorer_fits_laptop_and_phone(site, open_page, name):
    """At 1280 px the explorer stays inside the text column; at 390 px its panels stack; text >= 12 px.
    Screenshots of the explorer go to artifacts/screenshots/explorers/."""
    page, rec, e = open_explorer(open_page, explorer_page(site, name), name)
    shots = SCREENSHOTS / "explorers"
    shots.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(200)
        e.root.scroll_into_view_if_needed()
        found = layout(e)
        assert not found["problems"], f"{name} at {width} px: {found['problems']}"
        e.root.screenshot(path=str(shots / f"{name}-{width}.png"))
        if width == 390:
            lefts = {left for left, top, w in found["canvases"]}
            assert (
                len(found["canvases"]) <= 2 or len({top for left, top, w in found["canvases"]}) >= 2
            ), f"{name}: panels do not stack at 390 px: {found['canvases']}"
            assert min(lefts) >= 0
    assert not rec.problems(), "\n".join(rec.problems())


def test_canvases_describe_the_current_state(site, open_page):
    """Each canvas is an image with an aria-label that follows the state (here: the plus's position)."""
    page, rec, e = open_explorer(open_page, explorer_page(site, "invariance"), "invariance")
    labels = e.root.evaluate(
        "(r) => Array.from(r.querySelectorAll('canvas')).map(c => [c.getAttribute('role'), c.getAttribute('aria-label')])"
    )
    assert all(role == "img" and label for role, label in labels), labels
    e.press("row shift", "ArrowRight")
    after = e.root.evaluate("(r) => r.querySelector('canvas').getAttribute('aria-label')")
    assert re.search(r"row 12, column 11", after), after
    assert not rec.problems(), "\n".join(rec.problems())
