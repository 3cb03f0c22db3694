"""Chapter 3 widgets: the pure helpers, and the browser explorers' Python side (state, validation, reference frames)."""

import itertools

import numpy as np
import pytest

import convlib
from convlib import KERNELS, SAMPLE_IMAGES, conv2d, corr2d
from convlib.widgets import correlation as cw

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


# -- the explorers' Python side: state, reference frames, validation -------------------
# (the browser computes the frames; tests/test_site_explorers_ch34.py compares them with these)

LECTURE_X = np.arange(9).reshape(3, 3)
LECTURE_K = np.arange(4).reshape(2, 2)


def test_explorers_ship_their_javascript():
    for cls in (cw.CorrelationSteps, cw.KernelPlayground):
        assert "function renderPlayground" in cls._esm and "function renderSteps" in cls._esm
        assert "export function corr2dValid" in cls._esm  # common.js comes first
        assert cls._css.strip()


def test_steps_walk_the_lecture_example():
    steps = cw.correlation_steps(LECTURE_X, LECTURE_K)
    assert (
        steps.view == "steps"
        and steps.x == LECTURE_X.tolist()
        and steps.kernel == LECTURE_K.tolist()
    )
    values, texts = [], []
    for p in range(4):
        steps.position = p
        frame = steps.reference_frame()
        i, j = steps.output_index
        np.testing.assert_array_equal(frame["window"], LECTURE_X[i : i + 2, j : j + 2])
        np.testing.assert_array_equal(
            frame["products"], LECTURE_X[i : i + 2, j : j + 2] * LECTURE_K
        )
        values.append(float(frame["value"][0, 0]))
        texts.append(steps.reference_text())
    assert values == [19, 25, 37, 43]
    assert texts[1] == "Y[0, 1] = 1*0 + 2*1 + 4*2 + 5*3 = 25"
    assert texts[3] == "Y[1, 1] = 4*0 + 5*1 + 7*2 + 8*3 = 43"


@pytest.mark.parametrize(
    "args, message",
    [
        ((np.ones((9, 3)), np.ones((2, 2))), r"^X must be at most 8 x 8"),
        (
            (np.ones((3, 3)), np.ones((4, 2))),
            r"^the kernel K = 4x2 is larger than the image X = 3x3: no window fits .*; this explorer shows 'valid' windows only",
        ),
        ((np.ones(3), np.ones((2, 2))), r"^X must be a 2-D"),
        ((np.full((3, 3), np.nan), np.ones((2, 2))), r"^X and K must hold finite numbers"),
        ((LECTURE_X, LECTURE_K, 4), r"^position must be in 0\.\.3"),
        ((LECTURE_X, LECTURE_K, -1), r"^position must be a non-negative integer"),
    ],
)
def test_steps_reject_bad_arguments(args, message):
    with pytest.raises(ValueError, match=message):
        cw.correlation_steps(*args)


@pytest.fixture(scope="module")
def pg():
    return cw.kernel_playground()


def test_playground_first_state(pg):
    assert pg.view == "playground"
    assert (pg.image, pg.preset, pg.operation, pg.rows, pg.cols) == (
        "photo (grey)",
        "sobel x",
        cw.OPERATIONS[0],
        3,
        3,
    )
    np.testing.assert_array_equal(pg.kernel, KERNELS["sobel x"])
    assert len(pg.weights) == cw.MAX_KERNEL**2
    frame = pg.reference_frame()
    assert set(frame) == {"image", "slid", "output", "difference"}
    np.testing.assert_array_equal(frame["output"], corr2d(pg.input_image, KERNELS["sobel x"]))
    assert frame["difference"].max() > 1  # Sobel is antisymmetric


def test_playground_ships_every_image_once_as_uint8():
    data, shapes = cw.playground_pixels()
    assert shapes == [list(cw.playground_image(name).shape) for name in cw.PLAYGROUND_IMAGES]
    offset = 0
    for name, (H, W) in zip(cw.PLAYGROUND_IMAGES, shapes, strict=True):
        u8 = np.frombuffer(data[offset : offset + H * W], dtype=np.uint8).reshape(H, W)
        offset += H * W
        # the page's image (u8 / 255) is convlib's image to within half a grey level, and exactly the reference's input
        np.testing.assert_array_equal(u8 / 255.0, cw.playground_input(name))
        assert (
            np.abs(cw.playground_input(name) - cw.playground_image(name)).max() <= 0.5 / 255 + 1e-12
        )
    assert offset == len(data)
    p = cw.kernel_playground(image="MRI slice")
    assert (
        bytes(p.pixels) == data
        and p.image_shapes == shapes
        and p.image_names == list(SAMPLE_IMAGES)
    )


@pytest.mark.parametrize("name", list(KERNELS))
def test_presets_fill_the_grid(pg, name):
    pg.preset = name  # from Python: the observer fills rows, cols and weights
    K = KERNELS[name]
    assert (pg.rows, pg.cols) == K.shape
    np.testing.assert_array_equal(pg.kernel, K)
    grid = np.array(pg.weights).reshape(5, 5)
    assert not grid[K.shape[0] :, :].any() and not grid[:, K.shape[1] :].any()
    assert pg.presets[name] == K.tolist()  # what the page loads for the same choice


@pytest.mark.parametrize("image", list(SAMPLE_IMAGES))
@pytest.mark.parametrize("operation", cw.OPERATIONS)
def test_reference_frame_is_convlib(image, operation):
    p = cw.kernel_playground(preset="sobel y", image=image, operation=operation)
    p.set_kernel([[1.0, -2.0, 0.5], [0.0, 3.0, 0.0]])
    f = p.reference_frame()
    x, K = p.input_image, p.kernel
    np.testing.assert_array_equal(f["image"], x)
    expected = conv2d(x, K) if operation == cw.OPERATIONS[1] else corr2d(x, K)
    np.testing.assert_array_equal(f["output"], expected)
    np.testing.assert_array_equal(f["slid"], K[::-1, ::-1] if operation == cw.OPERATIONS[1] else K)
    np.testing.assert_array_equal(f["difference"], np.abs(conv2d(x, K) - corr2d(x, K)))


def test_set_kernel_and_rows_cols(pg):
    pg.set_kernel([[0, 1], [2, 3]])
    assert pg.preset == cw.CUSTOM and (pg.rows, pg.cols) == (2, 2)
    np.testing.assert_array_equal(pg.kernel, [[0, 1], [2, 3]])
    pg.rows = 1  # the page's "kernel rows" field: the kernel is the grid's top-left block
    np.testing.assert_array_equal(pg.kernel, [[0, 1]])
    pg.cols, pg.rows = 5, 5
    assert pg.kernel.shape == (5, 5) and pg.kernel[2:, :].sum() == 0
    pg.preset = cw.CUSTOM  # not a preset: the weights stay
    assert pg.kernel.shape == (5, 5)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"image": "nope"}, ValueError, r"^image must be one of"),
        ({"operation": "nope"}, ValueError, r"^operation must be one of"),
        (
            {"preset": ["sobel x"]},
            ValueError,
            r"^preset must be one of",
        ),  # unhashable: no bare TypeError
        ({"kernel": np.ones((6, 2))}, ValueError, r"^kernel must be at most 5 x 5"),
        ({"kernel": [[1.0, np.inf]]}, ValueError, r"^kernel must hold finite numbers"),
        ({"kernel": [[9.0]]}, ValueError, r"^kernel weights must lie in \[-5, 5\]"),
        ({"kernel": np.ones((2, 2, 2))}, ValueError, r"^kernel must be a 2-D"),
        ({"kernel": [["a"]]}, TypeError, r"^kernel must hold real numbers"),
    ],
)
def test_playground_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        cw.kernel_playground(**kwargs)


BAD_PLAYGROUND_SETTINGS = [
    ("rows", 0, ValueError, r"rows must be an integer in 1\.\.5; got 0"),
    ("rows", 6, ValueError, r"rows must be an integer in 1\.\.5; got 6"),
    ("cols", 0, ValueError, r"cols must be an integer in 1\.\.5; got 0"),
    ("cols", 9, ValueError, r"cols must be an integer in 1\.\.5; got 9"),
    ("rows", 2.5, TypeError, r"rows must be an integer; got"),
    ("cols", "3", TypeError, r"cols must be an integer; got"),
    ("rows", True, TypeError, r"rows must be an integer; got"),
    ("image", "nope", ValueError, r"image must be one of \["),
    ("operation", 3, ValueError, r"operation must be one of \["),
    (
        "preset",
        ["sobel x"],
        ValueError,
        r"preset must be one of \[",
    ),  # unhashable: no bare TypeError
]


@pytest.mark.parametrize(
    ("name", "bad", "error", "message"),
    BAD_PLAYGROUND_SETTINGS,
    ids=[f"{n}={b!r}" for n, b, _, _ in BAD_PLAYGROUND_SETTINGS],
)
def test_playground_one_rule_in_the_constructor_and_on_assignment(name, bad, error, message):
    # the same value is refused with the same message on both paths, and a refused assignment changes nothing
    with pytest.raises(error, match=f"^{message}") as built:
        cw.kernel_playground(**{name: bad})
    p = cw.kernel_playground(preset="box blur")
    before = {n: getattr(p, n) for n in ("rows", "cols", "image", "preset", "operation")}
    with pytest.raises(error) as assigned:
        setattr(p, name, bad)
    assert str(assigned.value) == str(built.value)
    assert {n: getattr(p, n) for n in before} == before


def test_playground_sides_accept_their_whole_range_on_both_paths():
    p = cw.kernel_playground(preset="box blur")
    for side in range(1, p.max_side + 1):
        p.rows, p.cols = side, p.max_side + 1 - side
        assert p.kernel.shape == (side, p.max_side + 1 - side)
        built = cw.kernel_playground(preset="box blur", rows=side, cols=side)
        np.testing.assert_array_equal(
            built.kernel, np.pad(KERNELS["box blur"], ((0, 2), (0, 2)))[:side, :side]
        )
    with pytest.raises(TypeError, match="^cols must be an integer; got None"):
        p.cols = None  # None means "the kernel's own shape" only as a constructor argument
    p.preset = cw.CUSTOM  # the page's name for edited weights is a valid preset on assignment
    with pytest.raises(ValueError, match="^preset 'custom' needs the kernel"):
        cw.kernel_playground(preset=cw.CUSTOM)


def test_playground_rejects_bad_kernel_before_sending_anything(pg):
    before = (pg.rows, pg.cols, list(pg.weights), pg.preset)
    with pytest.raises(ValueError, match=r"^kernel weights must lie in"):
        pg.set_kernel([[1.0, -7.0]])
    assert (pg.rows, pg.cols, list(pg.weights), pg.preset) == before


def test_playground_starts_from_a_given_kernel():
    p = cw.kernel_playground(image="square", kernel=[[1, 0, -1]])
    assert p.preset == cw.CUSTOM
    np.testing.assert_array_equal(
        p.reference_frame()["output"], corr2d(p.input_image, [[1, 0, -1]])
    )


def test_weight_range_covers_every_preset(pg):
    lo = min(float(K.min()) for K in KERNELS.values())
    hi = max(float(K.max()) for K in KERNELS.values())
    assert -pg.weight_range <= lo and hi <= pg.weight_range
    assert max(max(K.shape) for K in KERNELS.values()) <= cw.MAX_KERNEL


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


def test_template_matching_errors_name_the_template():
    X = np.random.default_rng(0).random((8, 8))
    with pytest.raises(ValueError, match=r"^T must be a 2-D"):
        cw.normalized_cross_correlation(X, np.ones((2, 2, 2)))
    with pytest.raises(
        ValueError,
        match=r"^the template T = 9x2 is larger than the image X = .*: no window fits .*; use a template no larger than the image$",
    ):
        cw.match_template(X, np.ones((9, 2)))
    with pytest.raises(ValueError, match=r"^T must not be empty"):
        cw.match_template(X, np.ones((0, 2)), normalized=False)
    with pytest.raises(ValueError, match=r"^X must be a 2-D"):
        cw.match_template(np.ones(8), np.ones((2, 2)))


def test_template_helpers_reject_bad_arguments():
    with pytest.raises(ValueError, match=r"^max_size must be a positive integer"):
        cw.downsample(np.ones((4, 4)), 0)
    with pytest.raises(ValueError, match=r"^name must be one of"):
        cw.playground_input("nope")
