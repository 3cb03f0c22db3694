"""Shape arithmetic, parameter counts (the lecture's megapixel example), preset kernels and sample images."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import signal

from convlib import (
    KERNELS,
    SAMPLE_IMAGES,
    box_kernel,
    checkerboard,
    corr2d,
    edge_image,
    fully_connected_params,
    gaussian_kernel,
    kernel,
    local_params,
    mri_slice,
    output_shape,
    param_counts,
    photo,
    photo_gray,
    sample_image,
    square_image,
    translation_invariant_params,
)

# ---------------------------------------------------------------------------
# output shapes


@pytest.mark.parametrize(
    "H, W, k_h, k_w", [(3, 3, 2, 2), (6, 8, 1, 2), (5, 7, 5, 7), (10, 4, 3, 1), (3, 4, 6, 9)]
)
@pytest.mark.parametrize("mode", ["valid", "same", "full"])
def test_output_shape_matches_corr2d(H, W, k_h, k_w, mode):
    if mode == "valid" and (k_h > H or k_w > W):
        with pytest.raises(ValueError, match="larger than the image"):
            output_shape(H, W, k_h, k_w, mode)
        return
    shape = output_shape(H, W, k_h, k_w, mode)
    assert shape == corr2d(np.zeros((H, W)), np.zeros((k_h, k_w)), mode).shape
    assert shape == signal.correlate2d(np.zeros((H, W)), np.zeros((k_h, k_w)), mode).shape


@given(
    H=st.integers(1, 12),
    W=st.integers(1, 12),
    k_h=st.integers(1, 6),
    k_w=st.integers(1, 6),
    p_h=st.integers(0, 4),
    p_w=st.integers(0, 4),
    s_h=st.integers(1, 5),
    s_w=st.integers(1, 5),
)
def test_output_shape_with_padding_and_stride_matches_scipy(H, W, k_h, k_w, p_h, p_w, s_h, s_w):
    # SciPy's "valid" correlation of the zero-padded image, every s-th row and column kept
    if k_h > H + 2 * p_h or k_w > W + 2 * p_w:
        with pytest.raises(ValueError, match="is larger than the"):
            output_shape(H, W, k_h, k_w, padding=(p_h, p_w), stride=(s_h, s_w))
        return
    padded = np.zeros((H + 2 * p_h, W + 2 * p_w))
    expected = signal.correlate2d(padded, np.zeros((k_h, k_w)), "valid")[::s_h, ::s_w].shape
    assert output_shape(H, W, k_h, k_w, padding=(p_h, p_w), stride=(s_h, s_w)) == expected
    # D2L 7.3's formula, with p_h rows on each side: floor((n_h - k_h + 2 p_h + s_h) / s_h)
    assert expected == ((H - k_h + 2 * p_h + s_h) // s_h, (W - k_w + 2 * p_w + s_w) // s_w)


@pytest.mark.parametrize("mode", ["same", "full"])
def test_output_shape_stride_keeps_every_s_th_output_of_the_mode(mode):
    for H, W, k_h, k_w, s in [(8, 8, 3, 3, 2), (7, 5, 2, 4, 3), (4, 4, 6, 6, 5)]:
        full = signal.correlate2d(np.zeros((H, W)), np.zeros((k_h, k_w)), mode)
        assert output_shape(H, W, k_h, k_w, mode, stride=s) == full[::s, ::s].shape


def test_d2l_7_3_output_shapes():
    assert output_shape(8, 8, 3, 3, padding=1) == (8, 8)
    assert output_shape(8, 8, 5, 5, padding=2) == (8, 8)
    assert output_shape(8, 8, 3, 3, padding=1, stride=2) == (4, 4)
    assert output_shape(8, 8, 3, 5, padding=(0, 1), stride=(3, 4)) == (2, 2)
    assert output_shape(8, 8, 3, 3, padding=(1, 1), stride=(1, 1)) == output_shape(
        8, 8, 3, 3, "same"
    )


def test_output_shape_lecture_formula():
    assert output_shape(3, 3, 2, 2) == (2, 2)
    assert output_shape(1024, 1024, 3, 3) == (1022, 1022)
    assert output_shape(1024, 1024, 3, 3, "same") == (1024, 1024)
    assert output_shape(1024, 1024, 3, 3, "full") == (1026, 1026)
    assert output_shape(np.int64(6), np.int32(8), 1, 2) == (6, 7)  # numpy integers are fine


# ---------------------------------------------------------------------------
# parameter counts


def test_megapixel_parameter_counts():
    # The lecture: a fully connected layer on a 1024 x 1024 image needs 10**12 weights.
    fc = fully_connected_params(1024, 1024)
    assert fc == 1024**4 == 2**40
    assert 10**12 <= fc < 1.1 * 10**12
    assert translation_invariant_params(1024, 1024) == 2047 * 2047 == 4_190_209
    assert local_params(0) == 1
    assert local_params(1) == 9
    assert local_params(5) == 121
    assert param_counts(1024, 1024, delta=5) == {
        "fully connected": 2**40,
        "translation invariant": 4_190_209,
        "local": 121,
    }


def test_parameter_counts_with_channels():
    # RGB 1024 x 1024 x 3 -> 16 channels with a 3 x 3 kernel
    assert local_params(1, c_in=3, c_out=16) == 3 * 3 * 3 * 16 == 432
    assert fully_connected_params(1024, 1024, 3, 16) == 2**40 * 48
    assert translation_invariant_params(1024, 1024, 3, 16) == 4_190_209 * 48
    counts = param_counts(32, 32, 2, 3, 16)
    assert counts["fully connected"] > counts["translation invariant"] > counts["local"] == 25 * 48


def test_translation_invariant_count_is_number_of_offsets():
    # one weight per offset (a, b) = (k - i, l - j) between two pixels of an H x W image
    H, W = 4, 3
    offsets = {
        (k - i, l - j) for i in range(H) for j in range(W) for k in range(H) for l in range(W)
    }
    assert translation_invariant_params(H, W) == len(offsets)
    assert fully_connected_params(H, W) == (H * W) ** 2


def test_counts_are_python_ints_without_overflow():
    n = fully_connected_params(np.int32(60000), np.int32(60000), 3, 64)
    assert type(n) is int and n == 60000**4 * 3 * 64


# ---------------------------------------------------------------------------
# kernels


def test_presets_are_fresh_copies():
    for name in KERNELS:
        K = kernel(name)
        assert K.dtype == np.float64 and K.ndim == 2
        np.testing.assert_array_equal(K, KERNELS[name])
        K[...] = 99
        assert not np.array_equal(kernel(name), K)


def test_preset_values():
    np.testing.assert_array_equal(kernel("edge [1, -1]"), [[1.0, -1.0]])
    np.testing.assert_array_equal(kernel("sobel y"), kernel("sobel x").T)
    for name in ("box blur", "gaussian", "identity", "sharpen"):
        assert kernel(name).sum() == pytest.approx(1.0)
    for name in ("sobel x", "sobel y", "laplacian", "edge [1, -1]"):
        assert kernel(name).sum() == 0.0  # no response on a flat image
    X = np.random.default_rng(0).normal(size=(9, 9))
    np.testing.assert_array_equal(corr2d(X, kernel("identity"), "same"), X)


def test_edge_kernels_respond_to_edges():
    X = edge_image()
    np.testing.assert_array_equal(corr2d(X, kernel("edge [1, -1]"))[0], [0, 1, 0, 0, 0, -1, 0])
    gx = corr2d(X, kernel("sobel x"))
    gy = corr2d(X, kernel("sobel y"))
    assert np.abs(gx).max() > 0 and np.abs(gy).max() == 0  # vertical edges only


def test_box_kernel():
    np.testing.assert_array_equal(box_kernel(2), np.full((2, 2), 0.25))
    assert box_kernel(5).shape == (5, 5) and box_kernel(5).sum() == pytest.approx(1.0)
    assert box_kernel(np.int64(3)).shape == (3, 3)


def test_gaussian_kernel():
    K = gaussian_kernel(7, sigma=1.5)
    assert K.shape == (7, 7)
    assert K.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(K, K.T, rtol=1e-15)
    np.testing.assert_allclose(K, K[::-1, ::-1], rtol=1e-15)
    assert K[3, 3] == K.max()
    np.testing.assert_allclose(K[3, 4] / K[3, 3], np.exp(-1 / (2 * 1.5**2)))
    assert (np.diff(K[3, 3:]) < 0).all()
    np.testing.assert_array_equal(gaussian_kernel(1), [[1.0]])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: box_kernel(0), "size must be a positive integer"),
        (lambda: gaussian_kernel(4), "size must be a positive odd integer"),
        (lambda: gaussian_kernel(0), "size must be a positive odd integer"),
        (lambda: gaussian_kernel(5, sigma=0), "sigma must be a positive finite number"),
        (lambda: gaussian_kernel(5, sigma=-1.0), "sigma must be a positive finite number"),
        (lambda: gaussian_kernel(5, sigma=np.nan), "sigma must be a positive finite number"),
        (lambda: kernel("blur"), "name must be one of"),
    ],
)
def test_kernel_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_kernel_size_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="^size must be a positive integer; got 2.0"):
        box_kernel(2.0)


# ---------------------------------------------------------------------------
# images


def test_edge_image_is_d2l_example():
    expected = np.ones((6, 8))
    expected[:, 2:6] = 0
    np.testing.assert_array_equal(edge_image(), expected)
    assert edge_image(4, 10).shape == (4, 10)
    np.testing.assert_array_equal(edge_image(4, 10)[0], [1, 1, 0, 0, 0, 0, 0, 0, 1, 1])


def test_square_image():
    X = square_image(10, top=2, left=3, side=4, value=0.5)
    assert X.shape == (10, 10)
    assert X.sum() == 16 * 0.5
    assert (X[2:6, 3:7] == 0.5).all()
    clipped = square_image(5, top=3, left=-1, side=4)  # clipped at the border
    assert clipped.sum() == 2 * 3
    assert clipped[3:, :3].all()


def test_checkerboard():
    B = checkerboard(8, 2)
    assert B.shape == (8, 8)
    assert set(np.unique(B)) == {0.0, 1.0}
    np.testing.assert_array_equal(B[:2, :2], 0)
    np.testing.assert_array_equal(B[:2, 2:4], 1)
    np.testing.assert_array_equal(B, B.T)
    assert B.mean() == 0.5


def test_photo_and_gray():
    P = photo()
    assert P.shape == (600, 512, 3) and P.dtype == np.float64
    assert 0 <= P.min() < P.max() <= 1
    G = photo_gray()
    assert G.shape == (600, 512)
    np.testing.assert_allclose(
        G, 0.299 * P[..., 0] + 0.587 * P[..., 1] + 0.114 * P[..., 2], rtol=1e-12
    )


def test_mri_slice():
    M = mri_slice()
    assert M.shape == (256, 256) and M.dtype == np.float64
    assert M.min() >= 0 and M.max() == 1.0
    assert M.std() > 0.05  # a real picture, not a flat array


@pytest.mark.parametrize("name", sorted(SAMPLE_IMAGES))
def test_sample_images(name):
    X = sample_image(name)
    assert X.ndim == 2 and X.dtype == np.float64
    assert 0 <= X.min() and X.max() <= 1 and X.max() > X.min()
    np.testing.assert_array_equal(X, SAMPLE_IMAGES[name]())
    assert corr2d(X, kernel("laplacian"), "same").shape == X.shape


def test_sample_image_unknown_name():
    with pytest.raises(ValueError, match="name must be one of"):
        sample_image("lena")
