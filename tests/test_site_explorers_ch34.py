"""The explorers of chapters 3 and 4 on the built website, driven by keyboard, checked against convlib.

No kernel exists on the static page: every frame is computed by the
explorer's JavaScript. Each test opens a chapter page (one build, one server,
one Chromium; requests leaving 127.0.0.1 are aborted and recorded), drives
the controls with the keyboard, and after every step compares the numbers
the page computed with ``reference_frame()`` of the same state in Python
(tests/explorer_harness.py: float64 within 1e-9 relative; the single-channel
maps use convlib's tap order and agree bit for bit).

Sweeps: the steps view (every window position of the 19/25/37/43 example
and its written sum); the playground (every image x every preset x both
operations); the kernel editor of common.js driven by keyboard (kernel sizes
1-5 by its steppers, random kernels typed cell by cell, a preset with
non-round weights kept exact, arrow / Shift / Page keys on cells and on the
selected weight's slider, typing out of range or not yet a number, the
announcement "K[a, b] = v"); the channel explorer (every preset, weight keys
in the same editor, every output channel). Every control changes the
picture; the explorers fit the column at laptop and phone width.

The pages are found by looking for each explorer on the built chapters
(explorer_harness.explorer_page), not by file name.
"""

from __future__ import annotations

import numpy as np
import pytest

from convlib.kernels import KERNELS
from convlib.widgets import channels as chw
from convlib.widgets import correlation as cw
from explorer_harness import (
    assert_every_control_changes_the_picture,
    check_frame,
    explorer_page,
    find_explorers,
    layout,
    rebuild,
)
from explorer_harness import (
    open_explorer as _open_explorer,
)
from site_harness import SCREENSHOTS

LECTURE_X, LECTURE_K = np.arange(9).reshape(3, 3), np.arange(4).reshape(2, 2)
CONVOLVE = "convolution (flip the kernel)"


def steps_widget():
    """The steps view as chapter 3 builds it."""
    return cw.correlation_steps(LECTURE_X, LECTURE_K)


FACTORIES = {
    "steps": steps_widget,
    "playground": cw.kernel_playground,
    "channels": chw.channel_explorer,
}


@pytest.fixture
def open_explorer(site, open_page):
    """open_explorer(name, viewport="laptop") -> (page, recorder, explorer) on the page that shows it."""
    return lambda name, viewport="laptop": _open_explorer(
        open_page, explorer_page(site, name), name, viewport
    )


def _state(e, *names):
    return e.state(names)


def _choose(e, label: str, option: str, trait: str) -> None:
    """Move drop-down `label` to `option` with the arrow keys (one redraw per key)."""
    now, target = e.control(label).evaluate(
        "(s, text) => [s.selectedIndex, Array.from(s.options).findIndex(o => o.text === text)]",
        option,
    )
    assert target >= 0, f"{label} has no option {option!r}"
    if target != now:
        e.press(label, "ArrowDown" if target > now else "ArrowUp", times=abs(target - now))
    assert str(_state(e, trait)[trait]) == option.split(":")[0]


def _cell(e, a: int, b: int):
    """The kernel editor's cell of weight K[a, b] (its accessible name is "K[a, b]")."""
    return e.control(f"K[{a}, {b}]")


def _editor_step(e) -> float:
    return float(e.root.query_selector(".convlayer-kernel-editor").get_attribute("data-step"))


def _announced(e) -> str:
    return e.root.query_selector(".convlayer-kernel-editor [aria-live]").inner_text()


def _grid_kernel(state) -> np.ndarray:
    return np.array(state["weights"]).reshape(5, 5)[: state["rows"], : state["cols"]]


def _type(e, control, text: str, page) -> None:
    before = e.frame_count()
    control.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.wait_for_function("([el, n]) => Number(el.dataset.frame) > n", arg=[e.root, before])


# --------------------------------------------------------------------------
# chapter 3: the sliding window of the worked example


def test_steps_walk_the_worked_example(open_explorer):
    page, rec, e = open_explorer("steps")
    sums, values = [], []
    for position in range(4):
        if position:
            e.press("window position", "ArrowRight")
        assert _state(e, "position")["position"] == position
        frame = check_frame(e, steps_widget, f"at window position {position}")
        values.append(float(frame["value"][0, 0]))
        sums.append(e.root.query_selector(".convlayer-sum").inner_text())
        assert sums[-1] == rebuild(e, steps_widget).reference_text()
        highlighted = e.root.query_selector_all("td.convlayer-in-window")
        assert len(highlighted) == 4, "the window under the kernel is highlighted"
    assert values == [19, 25, 37, 43]
    assert (
        sums[0] == "Y[0, 0] = 0*0 + 1*1 + 3*2 + 4*3 = 19"
        and sums[3] == "Y[1, 1] = 4*0 + 5*1 + 7*2 + 8*3 = 43"
    )
    # one notation: input x, kernel K, output Y (as in the sums)
    captions = [c.inner_text() for c in e.root.query_selector_all("table caption")]
    assert captions == ["input x", "kernel K", "output Y"], captions
    e.press("window position", "Home")
    check_frame(e, steps_widget, "back home")
    assert not rec.problems(), "\n".join(rec.problems())


# --------------------------------------------------------------------------
# chapter 3: the kernel playground


def test_playground_every_image_preset_and_operation(open_explorer):
    page, rec, e = open_explorer("playground")
    check_frame(e, cw.kernel_playground, "at load")
    presets = list(cw.KERNELS)
    for n, image in enumerate(cw.PLAYGROUND_IMAGES):
        _choose(e, "image", image, "image")
        for name in presets if n % 2 == 0 else presets[::-1]:  # back and forth: fewer key presses
            _choose(e, "preset", name, "preset")
            check_frame(e, cw.kernel_playground, f"{image}, {name}")
            for operation in (cw.OPERATIONS[1], cw.OPERATIONS[0]):
                e.press(CONVOLVE, "Space")
                assert _state(e, "operation")["operation"] == operation
                check_frame(e, cw.kernel_playground, f"{image}, {name}, {operation}")
    assert not rec.problems(), "\n".join(rec.problems())


def test_kernel_editor_sizes_and_random_kernels_by_keyboard(open_explorer):
    """Sizes 1..5 by the steppers; random kernels typed cell by cell (Tab between cells): each frame is convlib's."""
    page, rec, e = open_explorer("playground")
    _choose(e, "image", "edge", "image")  # 6 x 8: every kernel size fits
    _choose(e, "preset", "edge [1, -1]", "preset")
    for label, trait in (("kernel rows", "rows"), ("kernel columns", "cols")):
        for size in range(_state(e, trait)[trait] + 1, 6):
            e.press(label, "ArrowUp")
            state = _state(e, trait, "preset")
            assert state[trait] == size and state["preset"] == cw.CUSTOM
            assert (
                len(e.root.query_selector_all(".convlayer-kernel-cell"))
                == _state(e, "rows")["rows"] * _state(e, "cols")["cols"]
            )
            check_frame(e, cw.kernel_playground, f"{label} {size}")
    assert e.frame()["output"].shape == (2, 4)  # 6 x 8 image, 5 x 5 kernel
    for size in range(4, 0, -1):
        e.press("kernel rows", "ArrowDown")
        assert _state(e, "rows")["rows"] == size
        check_frame(e, cw.kernel_playground, f"kernel rows {size}")
    _choose(e, "image", "photo (grey)", "image")
    rng = np.random.default_rng(19)
    for trial in range(4):
        kh, kw = (int(n) for n in rng.integers(1, 6, size=2))
        # no -0.0
        K = np.round(rng.uniform(-4.9, 4.9, size=(kh, kw)), int(rng.integers(1, 4))) + 0.0
        for label, trait, n in (("kernel rows", "rows", kh), ("kernel columns", "cols", kw)):
            now = _state(e, trait)[trait]
            if now != n:
                e.press(label, "ArrowUp" if n > now else "ArrowDown", times=abs(n - now))
        _cell(e, 0, 0).focus()
        for a in range(kh):
            for b in range(kw):
                if a or b:
                    page.keyboard.press("Tab")  # Tab goes from cell to cell, row by row
                assert (
                    page.evaluate("() => document.activeElement.getAttribute('aria-label')")
                    == f"K[{a}, {b}]"
                )
                page.keyboard.press("Control+A")
                page.keyboard.type(repr(float(K[a, b])))
        page.wait_for_function(
            "([el, w]) => JSON.stringify(el.convlayerModel.get('weights')) === JSON.stringify(w)",
            arg=[e.root, [float(v) for v in np.pad(K, ((0, 5 - kh), (0, 5 - kw))).ravel()]],
        )
        np.testing.assert_array_equal(_grid_kernel(_state(e, "weights", "rows", "cols")), K)
        frame = check_frame(e, cw.kernel_playground, f"random kernel {trial} {K.tolist()}")
        np.testing.assert_array_equal(frame["slid"], K)
        assert _announced(e) == f"K[{kh - 1}, {kw - 1}] = {_short(K[-1, -1])}"
    assert not rec.problems(), "\n".join(rec.problems())


def _short(v: float) -> str:
    """A weight as the editor shows it: 3 significant digits, no trailing zeros."""
    text = f"{float(v):.3g}"
    return "0" if text == "-0" else text


def test_kernel_editor_keeps_exact_presets_and_steps_by_keys(open_explorer):
    """The Gaussian's weights (not multiples of 0.1) stay exact; cells show 3 digits; steps fit the values."""
    page, rec, e = open_explorer("playground")
    _choose(e, "preset", "gaussian", "preset")
    G = KERNELS["gaussian"]
    state = _state(e, "weights", "rows", "cols")
    np.testing.assert_array_equal(_grid_kernel(state), G)  # exact, bit for bit
    check_frame(e, cw.kernel_playground, "gaussian, exact weights")
    shown = [c.input_value() for c in e.root.query_selector_all(".convlayer-kernel-cell")]
    assert shown == [_short(v) for v in G.ravel()]
    assert e.root.evaluate(
        "(r) => Array.from(r.querySelectorAll('.convlayer-kernel-cell')).every(c => c.checkValidity())"
    )
    step = _editor_step(e)
    assert step == 0.01, "the Gaussian's weights (largest 0.16) step by 0.01"
    # ArrowUp: the next multiple of the step above the exact value; Shift+ArrowUp and PageUp: ten steps
    g00 = G[0, 0]
    e.press(_cell(e, 0, 0), "ArrowUp")
    w = _state(e, "weights", "preset")
    assert w["weights"][0] == 0.01 > g00 and w["preset"] == cw.CUSTOM
    assert _announced(e) == "K[0, 0] = 0.01"
    assert w["weights"][1:5] == list(G[0, 1:]), "the other weights stay exact"
    check_frame(e, cw.kernel_playground, "K[0, 0] one step up")
    # coarse keys go to the next multiple of ten steps (0.1), fine keys to the next multiple of 0.01
    e.press(_cell(e, 0, 0), "Shift+ArrowUp")
    assert _state(e, "weights")["weights"][0] == 0.1
    e.press(_cell(e, 0, 0), "Shift+ArrowUp")
    assert _state(e, "weights")["weights"][0] == 0.2
    e.press(_cell(e, 0, 0), "PageDown")
    assert _state(e, "weights")["weights"][0] == 0.1
    e.press(_cell(e, 0, 0), "ArrowDown", times=12)
    assert _state(e, "weights")["weights"][0] == -0.02
    check_frame(e, cw.kernel_playground, "K[0, 0] stepped")
    # the one slider edits the selected weight (the last cell focused), with the same steps
    _cell(e, 2, 3).focus()
    slider = e.control("selected weight K[2, 3]")
    before = _state(e, "weights")["weights"][13]
    e.press(slider, "ArrowRight")
    after = _state(e, "weights")["weights"][13]
    assert (
        after == pytest.approx(np.floor(before / step + 1e-9) * step + step, abs=1e-12)
        and after > before
    )
    assert _announced(e) == f"K[2, 3] = {_short(after)}"
    e.press(slider, "PageUp")
    assert _state(e, "weights")["weights"][13] == pytest.approx(after + 10 * step, abs=1e-12)
    e.press(slider, "End")
    assert _state(e, "weights")["weights"][13] == cw.WEIGHT_RANGE
    check_frame(e, cw.kernel_playground, "K[2, 3] at the end of its range")
    # typed values are kept exactly and clipped to the range; text that is not a number yet draws nothing
    for (a, b), text, value in [
        ((1, 2), "-2.5", -2.5),
        ((0, 1), "0.0123456", 0.0123456),
        ((2, 0), "-99", -5.0),
    ]:
        _type(e, _cell(e, a, b), text, page)
        page.wait_for_function(
            "([el, i, v]) => el.convlayerModel.get('weights')[i] === v",
            arg=[e.root, 5 * a + b, value],
        )
        check_frame(e, cw.kernel_playground, f"K[{a}, {b}] typed {text}")
    count = e.frame_count()
    _cell(e, 1, 1).focus()
    for key in ("Control+A", "Backspace", "-"):
        page.keyboard.press(key)
    page.wait_for_timeout(200)
    assert e.frame_count() == count
    # kernel sizes typed out of range are clipped to 1..5 (the Gaussian is 5 x 5: first make it 2 x 5)
    _type(e, e.control("kernel rows"), "2", page)
    assert _state(e, "rows")["rows"] == 2
    _type(e, e.control("kernel rows"), "9", page)
    _type(e, e.control("kernel columns"), "0", page)
    assert _state(e, "rows", "cols") == {"rows": 5, "cols": 1}
    check_frame(e, cw.kernel_playground, "typed sizes")
    # a look at a preset, then "custom" brings the hand-made kernel back
    mine = _state(e, "rows", "cols", "weights")
    _choose(e, "preset", "laplacian", "preset")
    _choose(e, "preset", "custom", "preset")
    assert _state(e, "rows", "cols", "weights") == mine
    check_frame(e, cw.kernel_playground, "custom again")
    assert not rec.problems(), "\n".join(rec.problems())


def test_playground_convolution_slides_the_flipped_kernel(open_explorer):
    page, rec, e = open_explorer("playground")
    _choose(e, "image", "MRI slice", "image")
    _choose(e, "preset", "edge [1, -1]", "preset")
    corr = e.frame()["output"]
    e.press(CONVOLVE, "Space")
    frame = check_frame(e, cw.kernel_playground, "MRI slice, [1, -1], convolution")
    np.testing.assert_array_equal(frame["slid"], [[-1.0, 1.0]])
    np.testing.assert_array_equal(frame["output"], -corr)  # [1, -1] is antisymmetric
    np.testing.assert_array_equal(frame["difference"], 2 * np.abs(corr))
    assert "differ" in e.root.query_selector(".convlayer-readout").inner_text()
    assert not rec.problems(), "\n".join(rec.problems())


# --------------------------------------------------------------------------
# chapter 4: the channel explorer


def test_channel_explorer_presets_weights_and_channels(open_explorer):
    page, rec, e = open_explorer("channels")
    check_frame(e, chw.channel_explorer, "at load")
    for name, w in chw.MIXER_PRESETS.items():
        _choose(e, "mixer preset", name, "preset")
        assert _state(e, "weights")["weights"] == list(w)
        check_frame(e, chw.channel_explorer, f"preset {name}")
    # luma: the cells show the exact weights 0.299 / 0.587 / 0.114, and one step is 0.05 (visible)
    _choose(e, "mixer preset", "luma (grey)", "preset")
    assert [c.input_value() for c in e.root.query_selector_all(".convlayer-kernel-cell")] == [
        "0.299",
        "0.587",
        "0.114",
    ]
    assert _editor_step(e) == 0.05
    for c, label in enumerate(("weight of R", "weight of G", "weight of B")):
        before = _state(e, "weights")["weights"][c]
        step = _editor_step(e)
        e.press(label, "PageDown")
        state = _state(e, "weights", "preset")
        assert state["weights"][c] == pytest.approx(
            np.ceil(before / (10 * step) - 1e-9) * 10 * step - 10 * step, abs=1e-12
        )
        assert state["preset"] == chw.CUSTOM
        assert _announced(e) == f"{label} = {_short(state['weights'][c])}"
        check_frame(e, chw.channel_explorer, f"{label} PageDown")
        e.press(label, "ArrowUp")
        check_frame(e, chw.channel_explorer, f"{label} ArrowUp")
        e.press(e.control(f"selected {label}"), "End")
        assert _state(e, "weights")["weights"][c] == chw.MIXER_RANGE
        check_frame(e, chw.channel_explorer, f"{label} End")
    # a look at a preset, then "custom" brings the hand-set weights back
    mine = _state(e, "weights")["weights"]
    _choose(e, "mixer preset", "mean", "preset")
    _choose(e, "mixer preset", "custom", "preset")
    assert _state(e, "weights")["weights"] == mine
    check_frame(e, chw.channel_explorer, "custom again")
    _, names = chw.demo_layer()
    for k, name in enumerate(names):
        _choose(e, "output channel k", f"{k}: {name}", "channel")
        check_frame(e, chw.channel_explorer, f"output channel {k}")
    assert not rec.problems(), "\n".join(rec.problems())


# --------------------------------------------------------------------------
# every control, and the layout at laptop and phone width


@pytest.mark.parametrize("name", ["playground", "channels"])
def test_every_control_changes_the_picture(open_explorer, name):
    page, rec, e = open_explorer(name)
    if name == "playground":
        # a lopsided 5 x 5 kernel: every weight cell takes part, the flip changes the output, and the
        # preset key goes from "custom" to a preset and back to this kernel
        _choose(e, "preset", "gaussian", "preset")
        e.press(_cell(e, 0, 0), "PageUp")
        assert _state(e, "preset")["preset"] == cw.CUSTOM
    n = assert_every_control_changes_the_picture(e)
    # playground: preset, image, convolution, 2 size steppers, 25 cells, 1 slider (was 55 controls);
    # channels: preset, 3 cells, 1 slider, output channel
    assert n == {"playground": 3 + 2 + 25 + 1, "channels": 6}[name]
    check_frame(e, FACTORIES[name], "after every control moved and back")
    assert not rec.problems(), "\n".join(rec.problems())


@pytest.mark.parametrize("viewport", ["laptop", "phone"])
@pytest.mark.parametrize("name", ["playground", "channels"])
def test_explorers_fit_the_column(site, open_page, name, viewport):
    page, rec = open_page(explorer_page(site, name), viewport)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for e in find_explorers(page):
        e.root.scroll_into_view_if_needed()
        found = layout(e)
        assert not found["problems"], f"{e.name} at {viewport} width: {found['problems']}"
        e.root.screenshot(path=str(SCREENSHOTS / f"explorer-{e.name}-{viewport}.png"))
    assert not rec.problems(), "\n".join(rec.problems())


# --------------------------------------------------------------------------
# the steps view writes numbers exactly as convlib's written sums do


def test_written_numbers_match_convlib(browser):
    """formatSum in correlation.js against correlation._fmt (integers bare, else Python's format "g")."""
    values = [
        0.0,
        -0.0,
        3.0,
        -12.0,
        1e15,
        0.5,
        -0.25,
        1 / 3,
        2 / 3,
        123456.7,
        1234567.0 + 0.5,
        1e-5,
        -3.25e-7,
        0.1 + 0.2,
        99999.95,
        999999.5,
        0.000123456789,
        5e20 + 0.5,
    ]
    values += list(np.random.default_rng(0).normal(scale=10.0, size=40)) + list(
        10.0 ** np.arange(-8, 9) * 1.2345678
    )
    page = browser.new_page()
    try:
        written = page.evaluate(
            """async ([esm, values]) => {
              const url = URL.createObjectURL(new Blob([esm], {type: "text/javascript"}));
              const module = await import(url);
              return values.map((v) => module.formatSum(v));
            }""",
            [cw.KernelPlayground._esm, [float(v) for v in values]],
        )
    finally:
        page.close()
    assert written == [cw._fmt(v) for v in values]
