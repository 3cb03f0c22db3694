"""Chapter 4 widgets: the pure helpers, and the channel explorer's Python side (state, validation, reference frames)."""

import numpy as np
import pytest

import convlib
from convlib import corr2d, corr2d_multi_in, corr2d_multi_in_out
from convlib.widgets import channels as chw


def test_small_photo():
    X = chw.small_photo(128)
    assert X.shape == (128, 128, 3)
    assert 0 <= X.min() and X.max() <= 1
    np.testing.assert_allclose(X[0, 0], convlib.photo()[:4, :4].mean(axis=(0, 1)))
    assert chw.small_photo().shape == (256, 256, 3)


def test_mixer_is_a_1x1_convolution():
    rng = np.random.default_rng(0)
    X = rng.random((7, 5, 3))
    w = (0.2, -1.0, 0.5)
    V = chw.mixer_kernel(w)
    assert V.shape == (1, 1, 3, 1)
    out = chw.mix_channels(X, w)
    np.testing.assert_allclose(out, X @ np.array(w))
    np.testing.assert_allclose(out, sum(w[c] * corr2d(X[:, :, c], [[1.0]]) for c in range(3)))
    with pytest.raises(ValueError):
        chw.mixer_kernel((1, 2))


def test_luma_preset_reproduces_photo_gray():
    gray = chw.mix_channels(convlib.photo(), chw.MIXER_PRESETS["luma (grey)"])
    np.testing.assert_allclose(gray, convlib.photo_gray(), atol=1e-12)


def test_demo_layer():
    V, names = chw.demo_layer()
    assert V.shape == (3, 3, 3, 6) and len(names) == 6
    X = np.random.default_rng(1).random((9, 10, 3))
    maps = corr2d_multi_in_out(X, V)
    # channels 0-2 are 1x1 convolutions on the centre tap
    for k, preset in [(0, "luma (grey)"), (1, "red minus green"), (2, "blue minus yellow")]:
        np.testing.assert_allclose(
            maps[:, :, k], chw.mix_channels(X, chw.MIXER_PRESETS[preset])[1:-1, 1:-1], atol=1e-12
        )
    # channels 3-4: Sobel on grey; channel 5: Sobel x on red only
    grey = X @ np.array(chw.LUMA)
    np.testing.assert_allclose(maps[:, :, 3], corr2d(grey, convlib.KERNELS["sobel x"]), atol=1e-12)
    np.testing.assert_allclose(maps[:, :, 4], corr2d(grey, convlib.KERNELS["sobel y"]), atol=1e-12)
    np.testing.assert_allclose(
        maps[:, :, 5], corr2d(X[:, :, 0], convlib.KERNELS["sobel x"]), atol=1e-12
    )
    for k in range(6):
        np.testing.assert_allclose(maps[:, :, k], corr2d_multi_in(X, V[:, :, :, k]), atol=1e-12)


@pytest.fixture(scope="module")
def ex():
    return chw.channel_explorer()


def test_explorer_ships_its_javascript(ex):
    assert "function renderChannels" in ex._esm and "export function corr2dValid" in ex._esm
    assert ex.view == "channels"


def test_first_state_and_frame(ex):
    # the luma preset, with its exact weights, and no weight at an end of its range
    assert ex.preset == "luma (grey)" and ex.weights == [0.299, 0.587, 0.114] and ex.channel == 3
    assert all(abs(w) < ex.weight_range for w in ex.weights)
    assert ex.pixels_shape == [128, 128, 3]
    X = ex.input_image
    # the page's photo (u8 / 255) is convlib's small photo to within half a grey level
    assert np.abs(X - chw.small_photo(128)).max() <= 0.5 / 255 + 1e-12
    np.testing.assert_array_equal(
        np.frombuffer(bytes(ex.pixels), np.uint8).reshape(128, 128, 3) / 255.0, X
    )
    V, names = chw.demo_layer()
    np.testing.assert_array_equal(np.array(ex.layer).reshape(ex.layer_shape), V)
    assert ex.channel_names == names
    frame = ex.reference_frame()
    np.testing.assert_allclose(
        frame["mixed"], 0.299 * X[:, :, 0] + 0.587 * X[:, :, 1] + 0.114 * X[:, :, 2], atol=1e-12
    )
    assert 0 <= frame["mixed"].min() < frame["mixed"].max() <= 1
    np.testing.assert_array_equal(frame["kernel"], V[:, :, :, 3].reshape(9, 3))
    np.testing.assert_allclose(frame["feature_map"], corr2d_multi_in_out(X, V)[:, :, 3], atol=1e-12)


def test_presets_set_the_weights(ex):
    for name, w in chw.MIXER_PRESETS.items():
        ex.preset = name
        assert ex.weights == list(w) and ex.presets[name] == list(w)
        np.testing.assert_allclose(
            ex.reference_frame()["mixed"], chw.mix_channels(ex.input_image, w), atol=1e-12
        )
        np.testing.assert_array_equal(ex.kernel[0, 0, :, 0], w)
    ex.preset = chw.CUSTOM  # not a preset: the weights stay
    assert ex.weights == list(chw.MIXER_PRESETS["blue minus yellow"])


def test_every_output_channel(ex):
    V, _ = chw.demo_layer()
    X = ex.input_image
    for k in range(6):
        ex.channel = k
        f = ex.reference_frame()
        np.testing.assert_allclose(f["feature_map"], corr2d_multi_in(X, V[:, :, :, k]), atol=1e-12)
        np.testing.assert_array_equal(f["kernel"].reshape(3, 3, 3), V[:, :, :, k])


def test_weights_sweep_is_a_1x1_convolution(ex):
    X = ex.input_image
    for w in [(0.0, 0.0, 0.0), (1.0, 1.0, 1.0), (-1.0, 0.25, 0.5), (0.3, -0.7, 1.0)]:
        ex.weights = list(w)
        mixed = ex.reference_frame()["mixed"]
        np.testing.assert_allclose(mixed, X @ np.array(w), atol=1e-12)
    ex.weights = [0.0, 0.0, 0.0]
    assert np.all(ex.reference_frame()["mixed"] == 0)


def test_explorer_on_another_image():
    X = np.random.default_rng(0).random((5, 7, 3))
    e = chw.ChannelExplorer(preset="mean", channel=0, image=X)
    assert e.pixels_shape == [5, 7, 3]
    np.testing.assert_allclose(e.reference_frame()["mixed"], e.input_image.mean(axis=2), atol=1e-12)


def test_static_figures():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X = chw.small_photo(64)
    assert len(chw.plot_channels(X).axes) == 4
    V, names = chw.demo_layer()
    fig = chw.plot_feature_maps(corr2d_multi_in_out(X, V), names)
    assert sum(bool(ax.images) and ax.get_visible() for ax in fig.axes) == 6
    plt.close("all")


@pytest.mark.parametrize("channel", [6, -1, 2.0, "3", True])
def test_channel_explorer_rejects_bad_channel(channel):
    with pytest.raises(
        ValueError, match=r"^channel must be an output channel of the demo layer, 0\.\.5"
    ):
        chw.channel_explorer(channel=channel, max_size=32)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"max_size": 0}, r"^max_size must be a positive integer"),
        ({"preset": "nope"}, r"^preset must be one of"),
        ({"image": np.ones((4, 4))}, r"^image must be a 3-D"),
        ({"image": np.ones((4, 4, 2))}, r"^image must be an RGB image \(H, W, 3\)"),
        ({"image": np.ones((2, 8, 3))}, r"^image must be an RGB image .* at least 3 x 3"),
        ({"image": np.full((4, 4, 3), 2.0)}, r"^image must hold grey levels in \[0, 1\]"),
        ({"image": np.full((4, 4, 3), np.nan)}, r"^image must hold finite values"),
    ],
)
def test_channel_explorer_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        chw.ChannelExplorer(**kwargs)


def test_signed_style_is_shared():
    # the chapter-3 and chapter-4 colour styles are one helper with their own percentile
    from convlib.widgets import correlation as cw
    from convlib.widgets._common import signed_style

    A = np.random.default_rng(0).normal(size=(20, 20))
    assert chw._signed_style(A) == signed_style(A, 99.0)
    assert cw._output_style(A) == signed_style(A, 98.0)
    assert chw._signed_style(np.array([[-3.0, 1.0]])) == ("RdBu_r", (-3.0, 3.0))
    assert chw._signed_style(np.array([[2.0, 2.0]])) == ("gray", (2.0, 2.0 + 1e-12))
