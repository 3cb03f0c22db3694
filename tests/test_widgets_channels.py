"""Chapter 4 widgets: the channel mixer explorer, the flipbook and the pure helpers, driven headlessly."""

import io

import ipywidgets as widgets
import numpy as np
import pytest
from PIL import Image

import convlib
from convlib import corr2d, corr2d_multi_in, corr2d_multi_in_out
from convlib.widgets import channels as chw

PNG = b"\x89PNG\r\n\x1a\n"


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
        np.testing.assert_allclose(maps[:, :, k], chw.mix_channels(X, chw.MIXER_PRESETS[preset])[1:-1, 1:-1], atol=1e-12)
    # channels 3-4: Sobel on grey; channel 5: Sobel x on red only
    grey = X @ np.array(chw.LUMA)
    np.testing.assert_allclose(maps[:, :, 3], corr2d(grey, convlib.KERNELS["sobel x"]), atol=1e-12)
    np.testing.assert_allclose(maps[:, :, 4], corr2d(grey, convlib.KERNELS["sobel y"]), atol=1e-12)
    np.testing.assert_allclose(maps[:, :, 5], corr2d(X[:, :, 0], convlib.KERNELS["sobel x"]), atol=1e-12)
    for k in range(6):
        np.testing.assert_allclose(maps[:, :, k], corr2d_multi_in(X, V[:, :, :, k]), atol=1e-12)


def test_layer_frame():
    V, names = chw.demo_layer()
    maps = np.zeros((4, 4, 6))
    maps[:, :, 2] = 7
    f = chw.layer_frame(maps, V, names, 2)
    assert f.k == 2 and f.name == names[2]
    np.testing.assert_array_equal(f.kernel, V[:, :, :, 2])
    assert np.all(f.feature_map == 7)
    with pytest.raises(ValueError):
        chw.layer_frame(maps, V, names, 6)


@pytest.fixture(scope="module")
def ex():
    return chw.channel_mixer_explorer()


def test_first_frame_is_meaningful(ex):
    assert set(ex.controls) == {"R", "G", "B", "preset", "channel"}
    assert isinstance(ex.widget, widgets.VBox) and ex.view.image in ex.widget.children
    mixer, layer = ex.frame
    assert mixer.weights == chw.MIXER_PRESETS["red minus green"]
    np.testing.assert_allclose(mixer.output, ex.X[:, :, 0] - ex.X[:, :, 1], atol=1e-12)
    assert mixer.output.min() < 0 < mixer.output.max()
    assert layer.k == 3 and layer.name == "vertical edges"
    assert ex.maps.shape == (254, 254, 6)
    assert bytes(ex.view.image.value).startswith(PNG)
    assert "V</i>[<i>a</i>" in ex.readout.value
    assert any("kernel" in c.value for c in ex.widget.children if isinstance(c, widgets.HTML) and c is not ex.readout)


def test_sliders_change_the_mixer_output_and_png(ex):
    before = bytes(ex.view.image.value)
    ex.controls["B"].value = 0.5
    w = ex.weights()
    assert w[2] == 0.5
    np.testing.assert_allclose(ex.frame[0].output, chw.mix_channels(ex.X, w), atol=1e-12)
    assert bytes(ex.view.image.value) != before


def test_presets_set_the_sliders(ex):
    for name, w in chw.MIXER_PRESETS.items():
        ex.controls["preset"].value = name
        assert ex.weights() == pytest.approx(w, abs=0.006)  # sliders round to their step of 0.01
        np.testing.assert_allclose(ex.frame[0].output, chw.mix_channels(ex.X, ex.weights()), atol=1e-12)


def test_channel_dropdown_selects_feature_map(ex):
    pngs = set()
    for k in range(6):
        ex.controls["channel"].value = k
        assert ex.frame[1].k == k
        np.testing.assert_allclose(ex.frame[1].feature_map, corr2d_multi_in(ex.X, ex.V[:, :, :, k]), atol=1e-12)
        assert f"output channel {k}" in ex.readout.value
        pngs.add(bytes(ex.view.image.value))
    assert len(pngs) == 6


def test_slider_sweep_raises_nothing(ex):
    grid = np.linspace(-1, 1, 5)
    for r in grid:
        for g in grid:
            ex.controls["R"].value, ex.controls["G"].value = float(r), float(g)
            assert np.isfinite(ex.frame[0].output).all()
    ex.controls["R"].value = ex.controls["G"].value = ex.controls["B"].value = 0.0  # a flat output
    assert np.all(ex.frame[0].output == 0)


def test_channels_flipbook():
    book = chw.channels_flipbook()
    slider, stack = book.children[:2]
    _, names = chw.demo_layer()
    assert list(slider.options) == [f"{k}: {n}" for k, n in enumerate(names)]
    pngs = [bytes(im.value) for im in stack.children]
    assert len(pngs) == 6 <= 12
    assert all(p.startswith(PNG) for p in pngs) and len(set(pngs)) == 6
    assert Image.open(io.BytesIO(pngs[0])).size[0] <= 8 * 72


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
def test_channel_mixer_rejects_bad_channel(channel):
    with pytest.raises(ValueError, match=r"^channel must be an output channel of the demo layer, 0\.\.5"):
        chw.channel_mixer_explorer(channel=channel, max_size=32)


def test_channel_mixer_rejects_bad_max_size():
    with pytest.raises(ValueError, match=r"^max_size must be a positive integer"):
        chw.channel_mixer_explorer(max_size=0)


def test_signed_style_is_shared():
    # the chapter-3 and chapter-4 colour styles are one helper with their own percentile
    from convlib.widgets import correlation as cw
    from convlib.widgets._common import signed_style

    A = np.random.default_rng(0).normal(size=(20, 20))
    assert chw._signed_style(A) == signed_style(A, 99.0)
    assert cw._output_style(A) == signed_style(A, 98.0)
    assert chw._signed_style(np.array([[-3.0, 1.0]])) == ("RdBu_r", (-3.0, 3.0))
    assert chw._signed_style(np.array([[2.0, 2.0]])) == ("gray", (2.0, 2.0 + 1e-12))
