"""Chapter 3 widgets: the kernel playground, the flipbooks and the pure helpers, driven headlessly."""

import itertools

import ipywidgets as widgets
import numpy as np
import pytest

import convlib
from convlib import KERNELS, SAMPLE_IMAGES, conv2d, corr2d
from convlib.widgets import correlation as cw

PNG = b"\x89PNG\r\n\x1a\n"


# -- pure helpers -------------------------------------------------------------


def test_written_sums_lecture_example():
    X = np.arange(9).reshape(3, 3)
    K = np.arange(4).reshape(2, 2)
    assert cw.written_sums(X, K) == [
        "0*0 + 1*1 + 3*2 + 4*3 = 19",
        "1*0 + 2*1 + 4*2 + 5*3 = 25",
        "3*0 + 4*1 + 6*2 + 7*3 = 37",
        "4*0 + 5*1 + 7*2 + 8*3 = 43",
    ]


def test_window_frame_matches_corr2d_and_rejects_bad_position():
    rng = np.random.default_rng(1)
    X, K = rng.random((5, 6)), rng.random((2, 3))
    Y = corr2d(X, K)
    for i, j in itertools.product(range(Y.shape[0]), range(Y.shape[1])):
        f = cw.window_frame(X, K, i, j)
        assert f.value == pytest.approx(Y[i, j])
        assert f.products.sum() == pytest.approx(Y[i, j])
        np.testing.assert_array_equal(f.window, X[i : i + 2, j : j + 3])
    with pytest.raises(ValueError):
        cw.window_frame(X, K, 4, 0)


def test_normalized_cross_correlation_properties():
    rng = np.random.default_rng(2)
    X = rng.random((30, 40))
    T = X[10:16, 20:29]
    rho = cw.normalized_cross_correlation(X, T)
    assert rho.shape == (25, 32)
    assert rho.min() >= -1 and rho.max() <= 1
    assert rho[10, 20] == pytest.approx(1.0)
    # invariant to brightness and contrast of the image
    np.testing.assert_allclose(cw.normalized_cross_correlation(3 * X + 5, T), rho, atol=1e-9)
    # brute force at a few positions
    for i, j in [(0, 0), (7, 3), (24, 31)]:
        w = X[i : i + 6, j : j + 9]
        a, b = w - w.mean(), T - T.mean()
        assert rho[i, j] == pytest.approx((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))
    # flat windows give 0, not NaN
    flat = np.zeros((10, 10))
    assert np.all(cw.normalized_cross_correlation(flat, T[:3, :3]) == 0)


def test_match_template_finds_the_eye():
    g = convlib.photo_gray()
    T = g[175:205, 200:245]
    for normalized in (True, False):
        peak, score = cw.match_template(g, T, normalized=normalized)
        assert peak == (175, 200)
        assert score.shape == (600 - 30 + 1, 512 - 45 + 1)


def test_top_peaks_finds_the_other_eye():
    g = convlib.photo_gray()
    T = g[175:205, 200:245]
    _, score = cw.match_template(g, T)
    first, second = cw.top_peaks(score, 2, T.shape)
    assert first == (175, 200)
    assert abs(second[0] - first[0]) >= 30 or abs(second[1] - first[1]) >= 45
    assert second == (170, 296)  # the other eye
    s = np.zeros((6, 6))
    s[1, 1], s[1, 2], s[5, 5] = 3, 2, 1
    assert cw.top_peaks(s, 3, (2, 2))[:2] == [(1, 1), (5, 5)]


def test_downsample_and_playground_images():
    assert cw.downsample(np.ones((600, 512))).shape == (200, 170)
    X = np.arange(16.0).reshape(4, 4)
    np.testing.assert_allclose(cw.downsample(X, 2), [[2.5, 4.5], [10.5, 12.5]])
    for name in SAMPLE_IMAGES:
        img = cw.playground_image(name)
        assert max(img.shape) <= 256 and img.ndim == 2
    assert cw.playground_image("photo (grey)").shape == (256, 256)
    with pytest.raises(ValueError):
        cw.playground_image("nope")


@pytest.mark.parametrize("name", list(KERNELS))
def test_playground_frame_conv_equals_corr_with_flipped_kernel(name):
    X = np.random.default_rng(3).random((12, 11))
    K = KERNELS[name]
    corr = cw.playground_frame(X, K, cw.OPERATIONS[0])
    conv = cw.playground_frame(X, K, cw.OPERATIONS[1])
    np.testing.assert_array_equal(corr.output, corr2d(X, K))
    np.testing.assert_array_equal(conv.output, conv2d(X, K))
    np.testing.assert_allclose(conv.output, corr2d(X, K[::-1, ::-1]), atol=1e-12)
    np.testing.assert_array_equal(conv.slid, K[::-1, ::-1])
    symmetric = np.array_equal(K, K[::-1, ::-1])
    assert (corr.max_difference < 1e-12) == symmetric
    with pytest.raises(ValueError):
        cw.playground_frame(X, K, "nope")


# -- the live explorer ----------------------------------------------------------


@pytest.fixture(scope="module")
def pg():
    return cw.kernel_playground()


def test_first_frame_is_meaningful(pg):
    assert set(pg.controls) >= {"preset", "image", "operation", "rows", "cols", "w[0,0]", "w[4,4]"}
    assert isinstance(pg.widget, widgets.VBox)
    assert pg.view.image in pg.widget.children
    f = pg.frame
    assert f.image.shape == (256, 256)
    np.testing.assert_array_equal(f.kernel, KERNELS["sobel x"])
    np.testing.assert_array_equal(f.output, corr2d(f.image, KERNELS["sobel x"]))
    assert f.max_difference > 1  # Sobel is antisymmetric: conv and corr differ
    assert bytes(pg.view.image.value).startswith(PNG)
    assert "differ" in pg.readout.value
    assert any("kernel" in c.value for c in pg.widget.children if isinstance(c, widgets.HTML))


def test_presets_load_the_right_weights(pg):
    for name, K in KERNELS.items():
        pg.controls["preset"].value = name
        np.testing.assert_allclose(pg.kernel(), K, atol=1e-4)
        np.testing.assert_allclose(pg.frame.kernel, K, atol=1e-4)
        assert (pg.controls["rows"].value, pg.controls["cols"].value) == K.shape
        for a, b in itertools.product(range(cw.MAX_KERNEL), range(cw.MAX_KERNEL)):
            assert pg.controls[f"w[{a},{b}]"].disabled == (a >= K.shape[0] or b >= K.shape[1])
        np.testing.assert_allclose(pg.frame.output, corr2d(pg.frame.image, pg.kernel()), atol=1e-12)


def test_editing_a_weight_changes_output_and_png(pg):
    pg.controls["preset"].value = "identity"
    before = bytes(pg.view.image.value)
    np.testing.assert_allclose(pg.frame.output, pg.frame.image[1:-1, 1:-1])
    pg.controls["w[0,0]"].value = 2.0
    K = KERNELS["identity"].copy()
    K[0, 0] = 2.0
    np.testing.assert_array_equal(pg.frame.kernel, K)
    np.testing.assert_allclose(pg.frame.output, corr2d(pg.frame.image, K))
    assert pg.frame.max_difference > 0  # no longer symmetric
    assert bytes(pg.view.image.value) != before


def test_flip_toggle_switches_between_corr_and_conv(pg):
    pg.controls["preset"].value = "edge [1, -1]"
    pg.controls["operation"].value = cw.OPERATIONS[0]
    png_corr = bytes(pg.view.image.value)
    np.testing.assert_array_equal(pg.frame.output, corr2d(pg.frame.image, [[1.0, -1.0]]))
    pg.controls["operation"].value = cw.OPERATIONS[1]
    np.testing.assert_array_equal(pg.frame.output, conv2d(pg.frame.image, [[1.0, -1.0]]))
    np.testing.assert_array_equal(pg.frame.slid, [[-1.0, 1.0]])
    assert bytes(pg.view.image.value) != png_corr
    pg.controls["operation"].value = cw.OPERATIONS[0]


def test_rows_cols_resize_the_kernel(pg):
    pg.controls["preset"].value = "box blur"
    pg.controls["rows"].value = 2
    assert pg.kernel().shape == (2, 3)
    assert pg.frame.output.shape == (255, 254)
    assert pg.controls["w[2,0]"].disabled and not pg.controls["w[1,2]"].disabled


def test_image_dropdown_switches_image(pg):
    pg.controls["preset"].value = "laplacian"
    pngs = set()
    for name in SAMPLE_IMAGES:
        pg.controls["image"].value = name
        pngs.add(bytes(pg.view.image.value))
        np.testing.assert_array_equal(pg.frame.image, cw.playground_image(name))
        np.testing.assert_allclose(pg.frame.output, corr2d(pg.frame.image, KERNELS["laplacian"]))
    assert len(pngs) == len(SAMPLE_IMAGES)  # the input panel (redrawn in full) changes with the image


def test_sweep_all_discrete_controls_raises_nothing():
    pg = cw.kernel_playground(image="edge")
    for image, preset, op in itertools.product(SAMPLE_IMAGES, KERNELS, cw.OPERATIONS):
        pg.controls["image"].value = image
        pg.controls["preset"].value = preset
        pg.controls["operation"].value = op
        K = pg.kernel()[: pg.frame.image.shape[0], : pg.frame.image.shape[1]]
        expected = conv2d(pg.frame.image, K) if op == cw.OPERATIONS[1] else corr2d(pg.frame.image, K)
        np.testing.assert_allclose(pg.frame.output, expected, atol=1e-12)
    for r, s in itertools.product(range(1, 6), range(1, 6)):
        pg.controls["rows"].value, pg.controls["cols"].value = r, s
        assert pg.frame.kernel.shape[0] <= r and pg.frame.kernel.shape[1] <= s
    for v in np.linspace(-20, 20, 9):
        pg.controls["w[0,0]"].value = float(v)
        assert np.isfinite(pg.frame.output).all()


def test_compact_png_keeps_size_and_shrinks():
    from PIL import Image
    import io

    raw = bytes(cw.kernel_playground().view.image.value)
    small = cw.compact_png(raw)
    assert small.startswith(PNG) and len(small) < len(raw)
    assert Image.open(io.BytesIO(small)).size == Image.open(io.BytesIO(raw)).size


# -- flipbooks ------------------------------------------------------------------


def test_correlation_steps_flipbook():
    book = cw.correlation_steps_flipbook(np.arange(9).reshape(3, 3), np.arange(4).reshape(2, 2))
    slider, stack = book.children[:2]
    assert list(slider.options) == ["h[0, 0]", "h[0, 1]", "h[1, 0]", "h[1, 1]"]
    pngs = [bytes(im.value) for im in stack.children]
    assert len(pngs) == 4 and all(p.startswith(PNG) for p in pngs)
    assert len(set(pngs)) == 4
    assert slider.index == 0 and stack.selected_index == 0


def test_presets_flipbook():
    book = cw.presets_flipbook()
    slider, stack = book.children[:2]
    assert list(slider.options) == list(KERNELS)
    pngs = [bytes(im.value) for im in stack.children]
    assert len(pngs) == len(KERNELS) <= 12
    assert len(set(pngs)) == len(pngs) and all(p.startswith(PNG) for p in pngs)
    from PIL import Image
    import io

    # same figure as the playground's
    live = Image.open(io.BytesIO(bytes(cw.kernel_playground().view.image.value)))
    assert Image.open(io.BytesIO(pngs[0])).size == live.size


def test_static_figures():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    g = cw.playground_image("photo (grey)")
    fig = cw.plot_filters(g, {"sobel x": KERNELS["sobel x"], "blur": KERNELS["box blur"]})
    assert [ax.get_title() for ax in fig.axes if ax.images] == ["input", "sobel x", "blur"]
    peak, score = cw.match_template(g, g[40:50, 60:75])
    fig2 = cw.plot_template_match(g, g[40:50, 60:75], score, [peak, (0, 0)])
    assert peak == (40, 60) and len(fig2.axes) >= 3
    plt.close("all")


def test_window_frame_writes_nan_and_inf():
    # _fmt used int(value), which raises on NaN and inf: the worked sums crashed on non-finite inputs
    X = np.arange(9.0).reshape(3, 3)
    X[0, 0], X[2, 2] = np.nan, np.inf
    f = cw.window_frame(X, np.ones((2, 2)), 0, 0)
    assert f.text == "nan*1 + 1*1 + 3*1 + 4*1 = nan"
    assert cw.written_sums(X, np.ones((2, 2)))[-1] == "4*1 + 5*1 + 7*1 + inf*1 = inf"
    book = cw.correlation_steps_flipbook(X, np.ones((2, 2)))
    assert len(book.children[1].children) == 4


def test_template_matching_errors_name_the_template():
    X = np.random.default_rng(0).random((8, 8))
    with pytest.raises(ValueError, match=r"^T must be a 2-D"):
        cw.normalized_cross_correlation(X, np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match=r"^T of spatial shape 9x2 is larger than X"):
        cw.match_template(X, np.ones((9, 2)))
    with pytest.raises(ValueError, match=r"^T must not be empty"):
        cw.match_template(X, np.ones((0, 2)), normalized=False)
    with pytest.raises(ValueError, match=r"^X must be a 2-D"):
        cw.match_template(np.ones(8), np.ones((2, 2)))


def test_playground_factories_reject_bad_arguments():
    with pytest.raises(ValueError, match=r"^image must be one of"):
        cw.kernel_playground(image="nope")
    with pytest.raises(ValueError, match=r"^operation must be one of"):
        cw.kernel_playground(operation="nope")
    with pytest.raises(ValueError, match=r"^preset must be one of"):
        cw.kernel_playground(preset=["sobel x"])  # unhashable: no bare "unhashable type" TypeError
    with pytest.raises(ValueError, match=r"^presets must be one of"):
        cw.presets_flipbook("edge", presets=["identity", "nope"])
    with pytest.raises(ValueError, match=r"^presets must name at least one kernel"):
        cw.presets_flipbook("edge", presets=[])
    with pytest.raises(ValueError, match=r"^max_size must be a positive integer"):
        cw.downsample(np.ones((4, 4)), 0)


def test_playground_layout_uses_known_traits_only():
    # Layout(gap=...) is not an ipywidgets 8 trait: it was ignored with a DeprecationWarning
    # that future traitlets turn into an error
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        cw.kernel_playground(image="edge")


def test_weights_are_sliders_that_cover_every_preset(pg):
    import ipywidgets as widgets

    lo = min(float(K.min()) for K in KERNELS.values())
    hi = max(float(K.max()) for K in KERNELS.values())
    for a, b in itertools.product(range(cw.MAX_KERNEL), range(cw.MAX_KERNEL)):
        slider = pg.controls[f"w[{a},{b}]"]
        assert isinstance(slider, widgets.FloatSlider)
        assert slider.min <= lo and slider.max >= hi
