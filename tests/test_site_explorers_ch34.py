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
operations, kernel sizes 1-5, weight keys 0.1 / 1, typed entry, typing out
of range or not yet a number); the channel explorer (every preset, weight
keys, every output channel). Every control changes the picture; the
explorers fit the column at laptop and phone width.
"""

from __future__ import annotations

import numpy as np
import pytest

from explorer_harness import assert_every_control_changes_the_picture, check_frame, find_explorers, layout, open_explorer, rebuild
from site_harness import SCREENSHOTS

from convlib.widgets import channels as chw
from convlib.widgets import correlation as cw

CH3 = "chapters/03_convolution_vs_correlation.html"
CH4 = "chapters/05_channels.html"
LECTURE_X, LECTURE_K = np.arange(9).reshape(3, 3), np.arange(4).reshape(2, 2)
CONVOLVE = "convolution (flip the kernel)"


def steps_widget():
    """The steps view as chapter 3 builds it."""
    return cw.correlation_steps(LECTURE_X, LECTURE_K)


FACTORIES = {"steps": steps_widget, "playground": cw.kernel_playground, "channels": chw.channel_explorer}


def _state(e, *names):
    return e.state(names)


def _choose(e, label: str, option: str, trait: str) -> None:
    """Move drop-down `label` to `option` with the arrow keys (one redraw per key)."""
    now, target = e.control(label).evaluate(
        "(s, text) => [s.selectedIndex, Array.from(s.options).findIndex(o => o.text === text)]", option
    )
    assert target >= 0, f"{label} has no option {option!r}"
    if target != now:
        e.press(label, "ArrowDown" if target > now else "ArrowUp", times=abs(target - now))
    assert str(_state(e, trait)[trait]) == option.split(":")[0]


def _weight_input(e, a: int, b: int, kind: str):
    """The number field (kind="number") or slider (kind="range") of weight K[a, b]."""
    cell = e.root.query_selector_all(".convlayer-weight")[5 * a + b]
    return cell.query_selector(f"input[type={kind}]")


def _type(e, control, text: str, page) -> None:
    before = e.frame_count()
    control.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.wait_for_function("([el, n]) => Number(el.dataset.frame) > n", arg=[e.root, before])


# --------------------------------------------------------------------------
# chapter 3: the sliding window of the worked example


def test_steps_walk_the_worked_example(open_page):
    page, rec, e = open_explorer(open_page, CH3, "steps")
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
    assert sums[0] == "Y[0, 0] = 0*0 + 1*1 + 3*2 + 4*3 = 19" and sums[3] == "Y[1, 1] = 4*0 + 5*1 + 7*2 + 8*3 = 43"
    e.press("window position", "Home")
    check_frame(e, steps_widget, "back home")
    assert not rec.problems(), "\n".join(rec.problems())


# --------------------------------------------------------------------------
# chapter 3: the kernel playground


def test_playground_every_image_preset_and_operation(open_page):
    page, rec, e = open_explorer(open_page, CH3, "playground")
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


def test_playground_sizes_weights_and_typing(open_page):
    page, rec, e = open_explorer(open_page, CH3, "playground")
    _choose(e, "image", "edge", "image")  # 6 x 8: every kernel size fits
    _choose(e, "preset", "edge [1, -1]", "preset")
    for label, trait in (("kernel rows", "rows"), ("kernel columns", "cols")):
        for size in range(_state(e, trait)[trait] + 1, 6):
            e.press(label, "ArrowUp")
            state = _state(e, trait, "preset")
            assert state[trait] == size and state["preset"] == cw.CUSTOM
            check_frame(e, cw.kernel_playground, f"{label} {size}")
    assert e.frame()["output"].shape == (2, 4)  # 6 x 8 image, 5 x 5 kernel
    for size in range(4, 0, -1):
        e.press("kernel rows", "ArrowDown")
        assert _state(e, "rows")["rows"] == size
        check_frame(e, cw.kernel_playground, f"kernel rows {size}")
    _choose(e, "preset", "identity", "preset")
    w0 = _state(e, "weights")["weights"][0]
    # a weight's slider moves 0.1 per arrow key and 1 per Page Up; End is the top of its range, 5
    e.press(_weight_input(e, 0, 0, "range"), "ArrowRight")
    state = _state(e, "weights", "preset")
    assert state["weights"][0] == pytest.approx(w0 + 0.1) and state["preset"] == cw.CUSTOM
    check_frame(e, cw.kernel_playground, "K[0, 0] + 0.1")
    e.press(_weight_input(e, 0, 0, "range"), "PageUp")
    assert _state(e, "weights")["weights"][0] == pytest.approx(w0 + 1.1)
    check_frame(e, cw.kernel_playground, "K[0, 0] + 1.1")
    e.press(_weight_input(e, 2, 2, "range"), "End")
    assert _state(e, "weights")["weights"][12] == 5
    # its number field takes typed values, clipped to [-5, 5]
    for (a, b), text, value in [((1, 2), "-2.5", -2.5), ((0, 1), "0.37", 0.37), ((2, 0), "-99", -5.0)]:
        _type(e, _weight_input(e, a, b, "number"), text, page)
        page.wait_for_function("([el, i, v]) => el.convlayerModel.get('weights')[i] === v", arg=[e.root, 5 * a + b, value])
        check_frame(e, cw.kernel_playground, f"K[{a}, {b}] typed {text}")
    # text that is not a number yet ("-") draws nothing and throws nothing
    count = e.frame_count()
    _weight_input(e, 1, 1, "number").focus()
    for key in ("Control+A", "Backspace", "-"):
        page.keyboard.press(key)
    page.wait_for_timeout(200)
    assert e.frame_count() == count
    # kernel sizes typed out of range are clipped to 1..5
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


def test_playground_convolution_slides_the_flipped_kernel(open_page):
    page, rec, e = open_explorer(open_page, CH3, "playground")
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


def test_channel_explorer_presets_weights_and_channels(open_page):
    page, rec, e = open_explorer(open_page, CH4, "channels")
    check_frame(e, chw.channel_explorer, "at load")
    for name, w in chw.MIXER_PRESETS.items():
        _choose(e, "mixer preset", name, "preset")
        assert _state(e, "weights")["weights"] == list(w)
        check_frame(e, chw.channel_explorer, f"preset {name}")
    for c, label in enumerate(("weight of R", "weight of G", "weight of B")):
        before = _state(e, "weights")["weights"][c]
        e.press(label, "PageDown")
        state = _state(e, "weights", "preset")
        assert state["weights"][c] == pytest.approx(max(-1.0, before - 0.1), abs=0.0051)
        assert state["preset"] == chw.CUSTOM
        check_frame(e, chw.channel_explorer, f"{label} PageDown")
        e.press(label, "ArrowRight")
        check_frame(e, chw.channel_explorer, f"{label} ArrowRight")
        e.press(label, "End")
        assert _state(e, "weights")["weights"][c] == 1.0
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


@pytest.mark.parametrize("path, name", [(CH3, "playground"), (CH4, "channels")])
def test_every_control_changes_the_picture(open_page, path, name):
    page, rec, e = open_explorer(open_page, path, name)
    if name == "playground":
        # a lopsided 5 x 5 kernel: every weight cell takes part, the flip changes the output, and the
        # preset key goes from "custom" to a preset and back to this kernel
        _choose(e, "preset", "gaussian", "preset")
        e.press(_weight_input(e, 0, 0, "range"), "PageUp")
        assert _state(e, "preset")["preset"] == cw.CUSTOM
    n = assert_every_control_changes_the_picture(e)
    assert n == {"playground": 5 + 2 * 25, "channels": 5}[name]
    check_frame(e, FACTORIES[name], "after every control moved and back")
    assert not rec.problems(), "\n".join(rec.problems())


@pytest.mark.parametrize("viewport", ["laptop", "phone"])
@pytest.mark.parametrize("path", [CH3, CH4])
def test_explorers_fit_the_column(open_page, path, viewport):
    page, rec = open_page(path, viewport)
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
    values = [0.0, -0.0, 3.0, -12.0, 1e15, 0.5, -0.25, 1 / 3, 2 / 3, 123456.7, 1234567.0 + 0.5, 1e-5, -3.25e-7, 0.1 + 0.2,
              99999.95, 999999.5, 0.000123456789, 5e20 + 0.5]
    values += list(np.random.default_rng(0).normal(scale=10.0, size=40)) + list(10.0 ** np.arange(-8, 9) * 1.2345678)
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
