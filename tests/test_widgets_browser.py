"""The shared base of the browser explorers: module assembly, image transport, argument checks."""

import re

import numpy as np
import pytest
import traitlets

from convlib.widgets._browser import (
    BrowserExplorer,
    asset_text,
    image_from_bytes,
    image_to_bytes,
    kernel_array,
)


def test_subclass_gets_common_and_chapter_javascript_and_css():
    class Demo(BrowserExplorer, js="locality"):
        level = traitlets.Int(2).tag(sync=True)

    assert Demo.js_module == "locality"
    assert Demo._esm == asset_text("common.js") + "\n" + asset_text("locality.js")
    assert Demo._css == asset_text("common.css")
    # one default export (the chapter's), helpers declared once
    assert Demo._esm.count("export default") == 1
    assert Demo._esm.count("export function corr2dValid(") == 1
    state = Demo().get_state()
    assert state["level"] == 2 and state["_esm"] == Demo._esm
    with pytest.raises(NotImplementedError, match="Demo must implement reference_frame"):
        Demo().reference_frame()


def test_grey_levels_round_trip_through_uint8():
    x = np.linspace(0.0, 1.0, 12).reshape(3, 4)
    data, shape = image_to_bytes(x)
    assert shape == [3, 4] and len(data) == 12
    assert list(data) == [int(np.floor(255 * v + 0.5)) for v in x.ravel()]
    back = image_from_bytes(data, shape)
    np.testing.assert_allclose(back, x, atol=0.5 / 255)
    # the numbers the page uses: u8 / 255 in float64, exactly what JavaScript's division gives
    assert back[0, 1] == data[1] / 255


def test_uint8_and_colour_images_pass_unchanged():
    u8 = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    data, shape = image_to_bytes(u8, "photo", channels=True)
    assert data == u8.tobytes() and shape == [2, 4, 3]
    np.testing.assert_array_equal(image_from_bytes(data, shape), u8 / 255.0)


@pytest.mark.parametrize(
    ("image", "kwargs", "error", "message"),
    [
        (np.ones((2, 2, 3)), {}, ValueError, "photo must be a 2-D (H, W) array; got 3-D"),
        (
            np.ones((2, 2)),
            {"channels": True},
            ValueError,
            "photo must be a 3-D (H, W, C) array; got 2-D",
        ),
        (
            np.full((2, 2), -0.1),
            {},
            ValueError,
            "photo must hold grey levels in [0, 1]; got values in [-0.1, -0.1]",
        ),
        (np.array([[np.inf]]), {}, ValueError, "photo must hold finite values"),
        ([["a"]], {}, TypeError, "photo must hold real numbers"),
        (np.zeros((0, 3)), {}, ValueError, "photo must not be empty"),
    ],
)
def test_bad_images_are_named(image, kwargs, error, message):
    with pytest.raises(error, match="^" + re.escape(message)):
        image_to_bytes(image, "photo", **kwargs)


def test_kernel_checks():
    np.testing.assert_array_equal(kernel_array([[1, 2]], max_side=5), [[1.0, 2.0]])
    with pytest.raises(ValueError, match=r"^V must be at most 5 x 5; got shape \(6, 1\)"):
        kernel_array(np.ones((6, 1)), "V", max_side=5)
    with pytest.raises(ValueError, match=r"^V must hold finite numbers"):
        kernel_array([[np.nan]], "V")
    with pytest.raises(ValueError, match=r"^V must be a 2-D \(k_h, k_w\) array"):
        kernel_array([1.0, 2.0], "V")
