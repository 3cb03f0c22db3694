"""The explorers of chapters 3 and 4 on the built website, driven by keyboard in headless Chromium.

No Python kernel is involved: each key press makes the page's JavaScript
compute a new frame. After every step the test reads the state the page drew
(``root.convlayerState``) and the numbers behind its pictures
(``root.convlayerFrame``, float64, before colour mapping), rebuilds the same
state in the widget's Python class and compares with ``reference_frame()``,
i.e. with convlib.

Displayed precision: each map equals convlib's bit for bit (SHA-256 of the
float64 bytes: the single-channel maps use convlib's tap order), or else
within 1e-9 of convlib relative to the map's largest magnitude (the
multi-channel sums differ from convlib's matrix product in the last bits).

Sweeps: ch3 steps view (every window position, the written sums);
playground (every image x every preset x both operations, kernel sizes 1-5,
weight keys 0.1 / 1, typed entry, typing out of range or not yet a number);
ch4 channel explorer (every preset, weight keys, every output channel).
Every control must change the numbers, and the page may log no error and
request nothing from another host.
"""

from __future__ import annotations

import base64
import hashlib

import numpy as np
import pytest

from convlib.widgets import channels as chw
from convlib.widgets import correlation as cw

CH3 = "chapters/03_convolution_vs_correlation.html"
CH4 = "chapters/04_channels.html"
RELATIVE = 1e-9

# The state the page drew, and per published map its shape and the SHA-256 of its float64 bytes.
READ_JS = """async (root, after = -1) => {
  // wait (up to 10 s) until the page has drawn a frame numbered above `after`
  for (const t0 = Date.now(); Number(root.dataset.frame) <= after && Date.now() - t0 < 10000; ) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const maps = {};
  for (const [name, f] of Object.entries(root.convlayerFrame)) {
    const digest = await crypto.subtle.digest("SHA-256", new Float64Array(f.data));
    maps[name] = {shape: f.shape, sha256: Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("")};
  }
  return {count: Number(root.dataset.frame), state: JSON.parse(JSON.stringify(root.convlayerState)), maps};
}"""

# Every number of every published map, as exact float64 bits (base64 of the bytes).
FULL_JS = """(root) => {
  const maps = {};
  for (const [name, f] of Object.entries(root.convlayerFrame)) {
    const bytes = new Uint8Array(new Float64Array(f.data).buffer);
    let text = "";
    for (let p = 0; p < bytes.length; p += 0x8000) text += String.fromCharCode(...bytes.subarray(p, p + 0x8000));
    maps[name] = {shape: f.shape, b64: btoa(text)};
  }
  return maps;
}"""


def sha256(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a, dtype="<f8").tobytes()).hexdigest()


class Explorer:
    """One explorer root on the page: keyboard steps that wait for the next frame, and its published numbers.

    Controls are found by role and accessible name (which must equal the visible label):
    ``"slider"``, ``"spinbutton"`` (number field), ``"combobox"`` (drop-down), ``"checkbox"``.
    """

    def __init__(self, page, name, reference=None):
        self.page = page
        self.reference = reference  # state -> the widget rebuilt in Python
        self.root = page.locator(f'.convlayer-explorer[data-explorer="{name}"]')
        page.locator(f'.convlayer-explorer[data-explorer="{name}"]').first.wait_for(state="attached")
        assert self.root.count() == 1, f"expected one {name} explorer on the page, found {self.root.count()}"
        page.wait_for_function("(el) => Number(el.dataset.frame) > 0", arg=self.root.element_handle())
        self.root.scroll_into_view_if_needed()
        self.last = self.read()

    def read(self, after: int = -1) -> dict:
        """Frame counter, drawn state and the maps' shapes and digests (cheap: no numbers cross over)."""
        return self.root.evaluate(READ_JS, after)

    def check(self, where: str) -> dict:
        """Compare the current maps with reference_frame() of the widget rebuilt from the drawn state."""
        state = self.last["state"]
        assert_frame_matches(self, self.reference(state).reference_frame(), where)
        return state

    def numbers(self) -> dict:
        """Every number of the current maps."""
        return {
            name: np.frombuffer(base64.b64decode(f["b64"]), dtype="<f8").reshape(f["shape"])
            for name, f in self.root.evaluate(FULL_JS).items()
        }

    def control(self, role: str, name: str):
        found = self.root.get_by_role(role, name=name, exact=True)
        assert found.count() == 1, f"expected one {role} named {name!r}, found {found.count()}"
        return found

    def press(self, role: str, name: str, *keys: str, changes: bool = True, until=None) -> dict:
        """Focus control (role, name), press `keys`, wait for the frame (and, if given, for `until(state)`)."""
        self.control(role, name).focus()
        for key in keys:
            self.page.keyboard.press(key)
        return self._next(f"{name}: {' '.join(keys)}", changes, until)

    def choose(self, name: str, option: str, trait: str) -> dict:
        """Move drop-down `name` to `option` with the arrow keys; wait until the state's `trait` shows it."""
        select = self.control("combobox", name)
        now, target = select.evaluate("(s, text) => [s.selectedIndex, Array.from(s.options).findIndex(o => o.text === text)]", option)
        assert target >= 0, f"{name} has no option {option!r}"
        keys = ["ArrowDown" if target > now else "ArrowUp"] * abs(target - now)
        return self.press("combobox", name, *keys, until=lambda state: str(state[trait]) == option.split(":")[0])

    def type_into(self, name: str, text: str, until) -> dict:
        """Replace the text of number field `name` by typing `text`; wait until `until(state)` holds."""
        self.control("spinbutton", name).focus()
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)
        return self._next(f"{name}: typed {text!r}", True, until)

    def _next(self, what: str, changes: bool, until) -> dict:
        now = self.last
        for _ in range(50):
            count = now["count"]
            now = self.read(after=count)
            assert now["count"] > count, f"{what}: no new frame within 10 s"
            if until is None or until(now["state"]):
                break
        else:
            raise AssertionError(f"{what}: the page never reached the expected state; last state {now['state']}")
        if changes:
            assert now["maps"] != self.last["maps"], f"{what} did not change the picture's numbers"
        self.last = now
        return now


def assert_frame_matches(e: Explorer, reference: dict, where: str) -> None:
    """The page's maps equal convlib's: bit for bit (digests), else within RELATIVE of each map's largest magnitude."""
    maps = e.last["maps"]
    assert maps.keys() == reference.keys(), f"{where}: page publishes {sorted(maps)}, reference {sorted(reference)}"
    for name, expected in reference.items():
        assert tuple(maps[name]["shape"]) == expected.shape, (
            f"{where}: {name} has shape {maps[name]['shape']} on the page, {expected.shape} in convlib"
        )
    if all(maps[name]["sha256"] == sha256(expected) for name, expected in reference.items()):
        return
    numbers = e.numbers()
    for name, expected in reference.items():
        scale = max(1.0, float(np.abs(expected).max()))
        err = float(np.abs(numbers[name] - expected).max())
        assert err <= RELATIVE * scale, f"{where}: {name} differs from convlib by {err:.3g} (scale {scale:.3g})"


@pytest.fixture
def ch3(open_page):
    page, rec = open_page(CH3)
    yield page
    assert not rec.problems(), "\n".join(rec.problems())


@pytest.fixture
def ch4(open_page):
    page, rec = open_page(CH4)
    yield page
    assert not rec.problems(), "\n".join(rec.problems())


# --------------------------------------------------------------------------
# chapter 3: the sliding window of the worked example


def steps_reference(state: dict) -> cw.CorrelationSteps:
    return cw.CorrelationSteps(state["x"], state["kernel"], position=state["position"])


def test_steps_walk_the_worked_example(ch3):
    e = Explorer(ch3, "steps", steps_reference)
    sums = e.root.locator(".convlayer-sum")
    values = []
    for p in range(4):
        if p:
            e.press("slider", "window position", "ArrowRight")
        state = e.last["state"]
        assert state["position"] == p
        e.check(f"steps, position {p}")
        assert sums.inner_text() == steps_reference(state).reference_text()
        values.append(float(e.numbers()["value"][0, 0]))
    assert values == [19, 25, 37, 43]
    e.press("slider", "window position", "Home")
    assert e.last["state"]["position"] == 0


# --------------------------------------------------------------------------
# chapter 3: the kernel playground

KERNEL_NAMES = list(cw.KERNELS)
CONVOLVE = "convolution (flip the kernel)"


def playground_reference(state: dict) -> cw.KernelPlayground:
    p = cw.KernelPlayground(image=state["image"], operation=state["operation"])
    with p.hold_trait_notifications():
        p.preset = cw.CUSTOM
        p.rows, p.cols, p.weights = state["rows"], state["cols"], [float(v) for v in state["weights"]]
    return p


def test_playground_every_image_preset_and_operation(ch3):
    e = Explorer(ch3, "playground", playground_reference)
    e.check("first frame")
    for n, image in enumerate(cw.PLAYGROUND_IMAGES):
        if e.last["state"]["image"] != image:
            e.choose("image", image, "image")
        for name in KERNEL_NAMES if n % 2 == 0 else KERNEL_NAMES[::-1]:  # back and forth: fewer key presses
            if e.last["state"]["preset"] != name:
                e.choose("preset", name, "preset")
            state = e.check(f"{image}, {name}")
            assert (state["image"], state["preset"]) == (image, name)
            # both operations: a symmetric kernel gives the same numbers, an antisymmetric one changes them
            V = cw.KERNELS[name]
            flips = not np.array_equal(V, V[::-1, ::-1])
            e.press("checkbox", CONVOLVE, "Space", changes=flips, until=lambda s: s["operation"] == cw.OPERATIONS[1])
            e.check(f"{image}, {name}, convolution")
            e.press("checkbox", CONVOLVE, "Space", changes=flips, until=lambda s: s["operation"] == cw.OPERATIONS[0])


def test_playground_sizes_weights_and_typing(ch3):
    e = Explorer(ch3, "playground", playground_reference)
    e.choose("image", "edge", "image")  # 6 x 8: every kernel size fits
    e.choose("preset", "edge [1, -1]", "preset")
    assert (e.last["state"]["rows"], e.last["state"]["cols"]) == (1, 2)
    for name, trait in (("kernel rows", "rows"), ("kernel columns", "cols")):
        for size in range(e.last["state"][trait] + 1, 6):
            state = e.press("spinbutton", name, "ArrowUp")["state"]
            assert state[trait] == size and state["preset"] == cw.CUSTOM
            e.check(f"{name} {size}")
    assert e.last["maps"]["output"]["shape"] == [2, 4]  # 6 x 8 image, 5 x 5 kernel
    for size in range(4, 0, -1):
        assert e.press("spinbutton", "kernel rows", "ArrowDown")["state"]["rows"] == size
        e.check(f"kernel rows {size}")
    e.choose("preset", "identity", "preset")
    w = e.last["state"]["weights"][0]
    # a weight's slider: 0.1 per arrow key, 1 per PageUp, End = 5; its number field takes typed values, clipped to [-5, 5]
    state = e.press("slider", "V[0, 0]", "ArrowRight")["state"]
    assert state["weights"][0] == pytest.approx(w + 0.1) and state["preset"] == cw.CUSTOM
    e.check("V[0, 0] + 0.1")
    assert e.press("slider", "V[0, 0]", "PageUp")["state"]["weights"][0] == pytest.approx(w + 1.1)
    e.check("V[0, 0] + 1.1")
    assert e.press("slider", "V[2, 2]", "End")["state"]["weights"][12] == 5
    e.check("V[2, 2] = 5")
    for name, index, text, value in [("V[1, 2]", 7, "-2.5", -2.5), ("V[0, 1]", 1, "0.37", 0.37), ("V[2, 0]", 10, "99", 5.0)]:
        e.type_into(name, text, until=lambda s: s["weights"][index] == value)
        e.check(f"{name} typed {text}")
    # text that is no number yet ("-") draws nothing new and throws nothing
    e.control("spinbutton", "V[1, 1]").focus()
    for key in ("Control+A", "Backspace", "-"):
        ch3.keyboard.press(key)
    ch3.wait_for_timeout(200)
    assert e.read()["count"] == e.last["count"]
    # kernel sizes typed out of range are clipped to 1..5
    e.type_into("kernel rows", "9", until=lambda s: s["rows"] == 5)
    e.type_into("kernel columns", "0", until=lambda s: s["cols"] == 1)
    e.check("typed sizes")


def test_playground_convolution_slides_the_flipped_kernel(ch3):
    e = Explorer(ch3, "playground", playground_reference)
    e.choose("image", "MRI slice", "image")
    e.choose("preset", "edge [1, -1]", "preset")
    corr = e.numbers()["output"]
    e.press("checkbox", CONVOLVE, "Space")
    frames = e.numbers()
    np.testing.assert_array_equal(frames["slid"], [[-1.0, 1.0]])
    np.testing.assert_array_equal(frames["output"], -corr)  # [1, -1] is antisymmetric
    np.testing.assert_array_equal(frames["difference"], 2 * np.abs(corr))
    e.check("MRI, edge, convolution")


# --------------------------------------------------------------------------
# chapter 4: the channel explorer


def channels_reference(state: dict) -> chw.ChannelExplorer:
    e = chw.ChannelExplorer(channel=state["channel"])
    e.preset = chw.CUSTOM
    e.weights = [float(w) for w in state["weights"]]
    return e


def test_channel_explorer_presets_weights_and_channels(ch4):
    e = Explorer(ch4, "channels", channels_reference)
    e.check("first frame")
    for name, w in chw.MIXER_PRESETS.items():
        if e.last["state"]["preset"] != name:
            e.choose("mixer preset", name, "preset")
        state = e.check(f"preset {name}")
        assert state["weights"] == list(w)
    for c, name in enumerate(("weight of R", "weight of G", "weight of B")):
        before = e.last["state"]["weights"][c]
        state = e.press("slider", name, "PageDown")["state"]
        assert state["weights"][c] == pytest.approx(max(-1.0, before - 0.1), abs=0.0051)
        assert state["preset"] == chw.CUSTOM
        e.check(f"{name} PageDown")
        e.press("slider", name, "ArrowRight")
        e.check(f"{name} ArrowRight")
        assert e.press("slider", name, "End")["state"]["weights"][c] == 1.0
        e.check(f"{name} End")
    _, names = chw.demo_layer()
    for k, name in enumerate(names):
        if e.last["state"]["channel"] != k:
            e.choose("output channel k", f"{k}: {name}", "channel")
        assert e.last["state"]["channel"] == k
        e.check(f"output channel {k}")
