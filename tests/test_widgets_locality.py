"""Chapter 2 widgets and helpers: the local window, receptive fields, weight counts."""

import re

import numpy as np
import pytest
from scipy.signal import correlate2d

from convlib import box_kernel, corr2d, fully_connected_params, translation_invariant_params
from convlib.widgets import locality as loc
from convlib.widgets._browser import image_from_bytes


@pytest.mark.parametrize("delta", [0, 1, 2, 3])
def test_local_sum_matches_corr2d_same_everywhere(delta):
    rng = np.random.default_rng(delta)
    x = rng.normal(size=(7, 9))
    V = rng.normal(size=(2 * delta + 1, 2 * delta + 1))
    h = corr2d(x, V, "same")
    for i in range(7):
        for j in range(9):
            assert loc.local_sum_at(x, V, i, j) == pytest.approx(h[i, j], abs=1e-12)


def test_local_sum_index_convention():
    # V[a, b] with a = -1 at array row 0: a single weight at offset (-1, +1) reads x[i - 1, j + 1]
    V = np.zeros((3, 3))
    V[0, 2] = 1.0
    x = np.arange(25.0).reshape(5, 5)
    assert loc.local_sum_at(x, V, 2, 2) == x[1, 3]
    assert loc.local_sum_at(x, V, 0, 2) == 0.0  # row -1 is outside: zero padding
    with pytest.raises(ValueError):
        loc.local_sum_at(x, np.ones((2, 2)), 0, 0)


@pytest.mark.parametrize("delta", [0, 1, 2, 3])
@pytest.mark.parametrize("layers", [1, 2, 3, 4])
def test_stacked_receptive_field(delta, layers):
    side = loc.receptive_field_side(delta, layers)
    assert side == 2 * layers * delta + 1
    m = loc.stacked_impulse_response(delta, layers)
    assert loc.support_side(m) == (side, side)


def test_receptive_field_of_one_output_pixel_by_gradient():
    """The input pixels that change h[i, j] after two layers form a (4 Delta + 1)^2 square."""
    delta, size, (i, j) = 2, 21, (10, 10)
    V = np.ones((2 * delta + 1, 2 * delta + 1))
    influence = np.zeros((size, size))
    for k in range(size):
        for l in range(size):
            x = np.zeros((size, size))
            x[k, l] = 1.0
            influence[k, l] = corr2d(corr2d(x, V, "same"), V, "same")[i, j]
    assert loc.support_side(influence) == (4 * delta + 1, 4 * delta + 1)


def test_support_side_of_empty_map():
    assert loc.support_side(np.zeros((3, 3))) == (0, 0)


def test_locality_frame_contents():
    rng = np.random.default_rng(0)
    x = rng.random((20, 30))
    f = loc.locality_frame(x, 2, 0, 7)
    np.testing.assert_allclose(f.output, corr2d(x, box_kernel(5), "same"))
    assert f.window == (-2, 5, 2, 9)
    # zero padding: the mean over the full 5 x 5 window, with the missing rows counted as 0
    assert f.value == pytest.approx(x[0:3, 5:10].sum() / 25)
    assert f.params == {
        "fully connected": fully_connected_params(20, 30),
        "translation invariant": translation_invariant_params(20, 30),
        "local": 25,
    }
    with pytest.raises(ValueError):
        loc.locality_frame(x, -1, 0, 0)
    with pytest.raises(ValueError):
        loc.locality_frame(x, 1, 20, 0)


def test_first_frame_is_meaningful():
    e = loc.locality_explorer()
    f = e.frame()
    assert f.delta == 3 and f.image.shape == (128, 128)
    assert f.pixel == (64, 42)
    assert f.params["local"] == 49
    # not a blank patch
    assert f.image[f.window[0] : f.window[2] + 1, f.window[1] : f.window[3] + 1].std() > 0.05
    assert not np.allclose(f.output, f.image)  # the blur is visible


def test_explorer_state_is_synced_traits_and_the_image_is_uint8():
    e = loc.locality_explorer()
    assert (e.delta, e.row, e.col, e.max_delta) == (3, 64, 42, loc.MAX_DELTA)
    assert e.image_shape == [128, 128] and len(e.image) == 128 * 128
    # the page and convlib both work on the shipped bytes / 255, within half a grey level of the MRI slice
    np.testing.assert_allclose(
        image_from_bytes(e.image, e.image_shape), loc.default_image(), atol=0.5 / 255 + 1e-12
    )
    assert {"delta", "row", "col", "image", "_esm"} <= set(e.get_state())
    assert "boxKernel" in e._esm and "corr2dValid" in e._esm


def test_reference_frame_follows_the_traits():
    e = loc.locality_explorer()
    e.delta, e.row, e.col = 5, 30, 100
    f = e.reference_frame()
    assert set(f) == {"output", "value", "window", "params"}
    x = image_from_bytes(e.image, e.image_shape)
    np.testing.assert_allclose(
        f["output"], correlate2d(x, np.full((11, 11), 1 / 121), mode="same"), atol=1e-12
    )
    assert f["value"][0, 0] == pytest.approx(f["output"][30, 100])
    assert f["window"].tolist() == [[25, 95, 35, 105]]
    assert f["params"].tolist() == [
        [fully_connected_params(128, 128), translation_invariant_params(128, 128), 121]
    ]


def test_reference_sweep_matches_the_written_out_sum():
    e = loc.locality_explorer(image=np.random.default_rng(1).random((24, 24)))
    x = image_from_bytes(e.image, e.image_shape)
    for d in range(0, e.max_delta + 1):
        for p in (0, 11, 23):
            e.delta, e.row, e.col = d, p, 23 - p
            f = e.frame()
            assert f.params["local"] == (2 * d + 1) ** 2
            assert f.value == pytest.approx(loc.local_sum_at(x, box_kernel(2 * d + 1), p, 23 - p))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"image": np.ones((8, 8, 3))},
            ValueError,
            re.escape("image must be a 2-D (H, W) array; got 3-D"),
        ),
        (
            {"image": np.full((4, 4), 2.0)},
            ValueError,
            re.escape("image must hold grey levels in [0, 1]"),
        ),
        ({"image": np.full((4, 4), np.nan)}, ValueError, "image must hold finite values"),
        ({"image": np.full((4, 4), "x")}, TypeError, "image must hold real numbers"),
        ({"delta": 11}, ValueError, re.escape("delta must be in 0..10")),
        ({"delta": -1}, ValueError, "delta must be a non-negative integer"),
        (
            {"row": 128},
            ValueError,
            re.escape("pixel (row, col) = (128, 42) is outside the 128 x 128 image"),
        ),
        ({"col": "3"}, TypeError, "col must be an integer"),
    ],
)
def test_bad_arguments_fail_before_anything_is_sent(kwargs, error, message):
    with pytest.raises(error, match="^" + message):
        loc.LocalityExplorer(**kwargs)


def test_static_plots():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = loc.plot_param_counts(64, 64, range(0, 4))
    line = fig.axes[0].lines[0]
    assert list(line.get_ydata()) == [1, 9, 25, 49]
    plt.close(fig)
    fig = loc.plot_stacked_receptive_fields(1, (1, 2))
    assert [ax.get_title() for ax in fig.axes] == ["L = 1: 3 x 3", "L = 2: 5 x 5"]
    plt.close(fig)


def test_locality_widgets_name_bad_images_and_sizes():
    # a 3-D image used to fail with a bare "too many values to unpack"
    with pytest.raises(ValueError, match=re.escape("image must be a 2-D (H, W) array; got 3-D")):
        loc.locality_explorer(image=np.ones((8, 8, 3)))
    with pytest.raises(TypeError, match=r"^image must hold real numbers"):
        loc.locality_frame(np.full((4, 4), "x"), 1, 0, 0)
    with pytest.raises(ValueError, match=r"^delta must be a non-negative integer"):
        loc.receptive_field_side(-1, 2)
    with pytest.raises(TypeError, match=r"^layers must be a non-negative integer"):
        loc.receptive_field_side(1, "2")
    f = loc.locality_frame(np.ones((5, 5), dtype=np.float32), 1, 2, 2)
    assert f.image.dtype == np.float64 and f.value == pytest.approx(1.0)
