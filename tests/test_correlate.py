"""corr2d, conv2d and corr2d_naive: lecture numbers, scipy as the oracle, dtypes, NaN/inf, no mutation."""

import numpy as np
import pytest
from scipy import signal

from convlib import choose_method, conv2d, corr2d, corr2d_multi_in_out, corr2d_naive, correlate
from convlib.correlate import STRATEGIES, _choose_strategy, _fast_length

MODES = ("valid", "same", "full")

LECTURE_X = np.arange(9).reshape(3, 3)
LECTURE_K = np.arange(4).reshape(2, 2)
LECTURE_H = np.array([[19.0, 25.0], [37.0, 43.0]])


def d2l_edge_image():
    X = np.ones((6, 8))
    X[:, 2:6] = 0
    return X


# ---------------------------------------------------------------------------
# the lecture's and D2L's numbers, exactly


@pytest.mark.parametrize("fn", [corr2d, corr2d_naive], ids=["corr2d", "corr2d_naive"])
def test_lecture_example_exact(fn):
    H = fn(LECTURE_X, LECTURE_K)
    np.testing.assert_array_equal(H, LECTURE_H)
    assert H.dtype == np.float64


def test_lecture_example_from_nested_lists():
    np.testing.assert_array_equal(corr2d(LECTURE_X.tolist(), LECTURE_K.tolist()), LECTURE_H)


def test_lecture_example_terms():
    # 0*0 + 1*1 + 3*2 + 4*3 = 19 and so on: the output is the window-by-window dot product.
    X, K = LECTURE_X, LECTURE_K
    expected = [[np.sum(X[i : i + 2, j : j + 2] * K) for j in range(2)] for i in range(2)]
    np.testing.assert_array_equal(corr2d(X, K), expected)


def test_lecture_output_size_formula():
    X, K = np.zeros((7, 11)), np.zeros((3, 4))
    assert corr2d(X, K).shape == (7 - 3 + 1, 11 - 4 + 1)


def test_d2l_edge_detection():
    X = d2l_edge_image()
    Y = corr2d(X, np.array([[1.0, -1.0]]))
    expected = np.zeros((6, 7))
    expected[:, 1] = 1
    expected[:, 5] = -1
    np.testing.assert_array_equal(Y, expected)


def test_d2l_edge_kernel_misses_horizontal_edges():
    # D2L: the transposed image has horizontal edges, which [1, -1] cannot see.
    Y = corr2d(d2l_edge_image().T, np.array([[1.0, -1.0]]))
    np.testing.assert_array_equal(Y, np.zeros((8, 5)))


def test_conv2d_lecture_example_flips_kernel():
    np.testing.assert_array_equal(conv2d(LECTURE_X, LECTURE_K), [[5.0, 11.0], [23.0, 29.0]])
    np.testing.assert_array_equal(
        conv2d(LECTURE_X, LECTURE_K), corr2d(LECTURE_X, LECTURE_K[::-1, ::-1])
    )


def test_same_mode_is_lecture_centred_sum():
    # For an odd kernel, "same" is h[i, j] = sum_{a,b=-D..D} V[a, b] x[i+a, j+b] with zeros outside.
    rng = np.random.default_rng(0)
    X, V = rng.normal(size=(6, 7)), rng.normal(size=(3, 5))
    Dh, Dw = 1, 2
    Xp = np.pad(X, ((Dh, Dh), (Dw, Dw)))
    expected = np.zeros_like(X)
    for i in range(6):
        for j in range(7):
            for a in range(-Dh, Dh + 1):
                for b in range(-Dw, Dw + 1):
                    expected[i, j] += V[a + Dh, b + Dw] * Xp[i + a + Dh, j + b + Dw]
    np.testing.assert_allclose(corr2d(X, V, "same"), expected, rtol=1e-12, atol=1e-12)


def test_identity_and_one_by_one_kernels():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(9, 13))
    identity = np.zeros((3, 3))
    identity[1, 1] = 1
    np.testing.assert_array_equal(corr2d(X, identity, "same"), X)
    np.testing.assert_array_equal(corr2d(X, [[2.5]]), 2.5 * X)
    # summation order may differ
    np.testing.assert_allclose(corr2d(X, X), [[np.sum(X * X)]], rtol=1e-13)


# ---------------------------------------------------------------------------
# scipy.signal as the oracle

SHAPES = [
    ((1, 1), (1, 1)),
    ((5, 5), (1, 1)),
    ((5, 7), (2, 2)),
    ((7, 5), (3, 2)),
    ((8, 8), (8, 8)),
    ((6, 9), (4, 1)),
    ((10, 3), (1, 3)),
    ((13, 17), (5, 4)),
    ((20, 20), (6, 6)),  # 36 taps: the largest direct kernel
    ((20, 20), (7, 7)),
    ((3, 4), (5, 6)),  # kernel larger than the image (same/full only)
    ((2, 9), (4, 3)),  # kernel taller than the image (same/full only)
]


def _cases():
    for xs, ks in SHAPES:
        for mode in MODES:
            if mode == "valid" and (ks[0] > xs[0] or ks[1] > xs[1]):
                continue
            yield pytest.param(xs, ks, mode, id=f"{xs}-{ks}-{mode}")


@pytest.mark.parametrize("xs, ks, mode", list(_cases()))
def test_corr2d_matches_scipy(xs, ks, mode):
    rng = np.random.default_rng(hash((xs, ks)) % 2**32)
    X, K = rng.normal(size=xs), rng.normal(size=ks)
    got = corr2d(X, K, mode)
    expected = signal.correlate2d(X, K, mode)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("xs, ks, mode", list(_cases()))
def test_conv2d_matches_scipy(xs, ks, mode):
    rng = np.random.default_rng(hash((ks, xs)) % 2**32)
    X, K = rng.normal(size=xs), rng.normal(size=ks)
    got = conv2d(X, K, mode)
    expected = signal.convolve2d(X, K, mode)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_integer_inputs_match_scipy_exactly(mode):
    rng = np.random.default_rng(2)
    X = rng.integers(-9, 10, size=(11, 12))
    K = rng.integers(-9, 10, size=(3, 4))
    np.testing.assert_array_equal(corr2d(X, K, mode), signal.correlate2d(X, K, mode))
    np.testing.assert_array_equal(conv2d(X, K, mode), signal.convolve2d(X, K, mode))


def test_corr2d_naive_matches_scipy_and_corr2d():
    rng = np.random.default_rng(3)
    for xs, ks in [((6, 8), (1, 2)), ((9, 7), (3, 3)), ((5, 5), (5, 5)), ((4, 9), (2, 5))]:
        X, K = rng.normal(size=xs), rng.normal(size=ks)
        np.testing.assert_allclose(
            corr2d_naive(X, K), signal.correlate2d(X, K, "valid"), rtol=1e-12, atol=1e-12
        )
        np.testing.assert_allclose(corr2d_naive(X, K), corr2d(X, K), rtol=1e-12, atol=1e-12)


def test_non_contiguous_inputs():
    rng = np.random.default_rng(4)
    base = rng.normal(size=(30, 40))
    X = base[::2, ::-3]  # strided, reversed view
    K = rng.normal(size=(6, 4)).T  # transposed (Fortran-ordered) kernel
    for mode in MODES:
        np.testing.assert_allclose(
            corr2d(X, K, mode), signal.correlate2d(X, K, mode), rtol=1e-12, atol=1e-12
        )
        np.testing.assert_allclose(
            conv2d(X, K, mode), signal.convolve2d(X, K, mode), rtol=1e-12, atol=1e-12
        )


# ---------------------------------------------------------------------------
# the strategies: chosen by estimated cost, each one forced against scipy

FFT_CASES = [
    ((150, 170), (11, 13)),
    ((97, 131), (7, 7)),
    ((128, 128), (1, 37)),
    ((90, 200), (15, 15)),
]


def _plan(xs, ks, K=None, pad=((0, 0), (0, 0)), step=(1, 1)):
    X = np.zeros(xs, dtype=np.float32)
    K = (
        np.random.default_rng(0).normal(size=ks).astype(np.float32)
        if K is None
        else K.astype(np.float32)
    )
    out_shape = (
        (xs[0] + sum(pad[0]) - ks[0]) // step[0] + 1,
        (xs[1] + sum(pad[1]) - ks[1]) // step[1] + 1,
    )
    return _choose_strategy(X, K, pad, step, out_shape)


def test_strategy_choice_follows_the_cost():
    assert _plan((3, 3), (2, 2)) == "direct"  # tiny
    assert _plan((1024, 1024), (3, 3)) == "direct"
    assert _plan((1024, 1024), (3, 3), pad=((1, 1), (1, 1))) == "direct"
    assert _plan((1024, 1024), (5, 5), K=np.ones((5, 5))) == "separable"  # a box filter has rank 1
    assert _plan((1024, 1024), (15, 15)) == "fft"
    assert _plan((1000, 1000), (990, 990)) == "dot"  # 11 x 11 outputs from a huge kernel
    assert set(STRATEGIES) == {"direct", "separable", "fft", "dot"}
    assert correlate.METHODS == ("auto", "direct", "separable", "fft", "dot")


def test_choose_method_names_what_auto_runs():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(1024, 1024)).astype(np.float32)
    k3, k15 = (
        rng.normal(size=(3, 3)).astype(np.float32),
        rng.normal(size=(15, 15)).astype(np.float32),
    )
    assert choose_method(x, k3) == "direct"
    assert choose_method(x, np.ones((5, 5), dtype=np.float32)) == "separable"
    assert choose_method(x, k15) == "fft"
    assert choose_method(x, k15, dilation=2) == "fft"
    x_nan = x.copy()
    x_nan[5, 5] = np.nan
    assert choose_method(x_nan, k15) == "direct"  # FFT would spread the NaN over every output
    # the auto result equals the named method's, bit for bit
    for method in ("direct", "fft"):
        y = corr2d(x[:200, :200], k15, method=method)
        if method == choose_method(x[:200, :200], k15):
            np.testing.assert_array_equal(corr2d(x[:200, :200], k15), y)
    # channel kernels name a channel strategy
    assert (
        choose_method(np.zeros((128, 128, 64), np.float32), np.zeros((3, 3, 64, 64), np.float32))
        == "winograd"
    )
    assert (
        choose_method(
            np.zeros((128, 128, 64), np.float32), np.zeros((3, 3, 64, 64), np.float32), stride=2
        )
        == "gemm"
    )
    # exact for integers
    assert choose_method(np.zeros((128, 128, 64), int), np.zeros((3, 3, 64, 64), int)) == "gemm"
    assert choose_method(np.zeros((12, 12, 3)), np.zeros((3, 3, 3))) == "gemm"


@pytest.mark.parametrize("method", ["fast", "winograd", None, 3])
def test_unknown_method_is_a_clear_error(method):
    with pytest.raises(
        ValueError, match=r"^method must be one of 'auto', 'direct', 'separable', 'fft', 'dot'; got"
    ):
        corr2d(np.ones((5, 5)), np.ones((3, 3)), method=method)
    with pytest.raises(ValueError, match=r"^method must be one of 'auto', 'gemm', 'winograd'; got"):
        corr2d_multi_in_out(
            np.ones((5, 5, 2)),
            np.ones((3, 3, 2, 2)),
            method="fft" if method == "winograd" else method,
        )


def test_named_method_that_does_not_apply_runs_direct():
    rng = np.random.default_rng(12)
    X, K = rng.normal(size=(40, 50)), rng.normal(size=(4, 5))  # rank 4: not separable
    np.testing.assert_array_equal(corr2d(X, K, method="separable"), corr2d(X, K, method="direct"))
    X[3, 4] = np.inf
    for method in ("fft", "dot"):
        got = corr2d(X, K, method=method)
        np.testing.assert_array_equal(got, corr2d(X, K, method="direct"))
        assert np.isfinite(got[10:, 10:]).all()  # the inf stays in the windows that contain it


@pytest.mark.parametrize("xs, ks", FFT_CASES)
@pytest.mark.parametrize("mode", MODES)
def test_fft_path_matches_scipy_float64(xs, ks, mode):
    rng = np.random.default_rng(5)
    X, K = rng.normal(size=xs), rng.normal(size=ks)
    for ours, theirs in ((corr2d, signal.correlate2d), (conv2d, signal.convolve2d)):
        got, expected = ours(X, K, mode, method="fft"), theirs(X, K, mode)
        assert got.shape == expected.shape and got.dtype == np.float64
        scale = np.abs(expected).max()
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * scale)


@pytest.mark.parametrize("xs, ks", FFT_CASES)
def test_fft_path_float32_accuracy(xs, ks):
    rng = np.random.default_rng(6)
    X = rng.normal(size=xs).astype(np.float32)
    K = rng.normal(size=ks).astype(np.float32)
    for mode in MODES:
        got = corr2d(X, K, mode, method="fft")
        assert got.dtype == np.float32
        expected = signal.correlate2d(X.astype(np.float64), K.astype(np.float64), mode)
        # error relative to the output's magnitude, a few float32 epsilons
        assert np.abs(got - expected).max() <= 1e-5 * np.abs(expected).max()


def test_fft_path_integer_inputs_are_exact():
    rng = np.random.default_rng(7)
    X = rng.integers(0, 256, size=(120, 130), dtype=np.uint8)
    K = rng.integers(-5, 6, size=(9, 9))
    for mode in MODES:
        np.testing.assert_array_equal(
            corr2d(X, K, mode, method="fft"), signal.correlate2d(X.astype(np.int64), K, mode)
        )
        np.testing.assert_array_equal(
            conv2d(X, K, mode, method="fft"), signal.convolve2d(X.astype(np.int64), K, mode)
        )
    box = corr2d(np.ones((100, 100), dtype=int), np.ones((7, 7), dtype=int), method="fft")
    np.testing.assert_array_equal(box, np.full((94, 94), 49.0))


def test_fft_path_bool_inputs_are_exact():
    rng = np.random.default_rng(8)
    X = rng.random((100, 100)) < 0.5
    K = np.ones((8, 8), dtype=bool)
    got = corr2d(X, K, method="fft")
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, signal.correlate2d(X.astype(int), K.astype(int), "valid"))


def test_fast_length_is_smallest_smooth_number():
    def smooth(m):
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        return m == 1

    for n in list(range(1, 300)) + [1021, 1024, 1025, 1039, 2049]:
        m = _fast_length(n)
        assert m >= n and smooth(m)
        assert not any(smooth(k) for k in range(n, m))


# ---------------------------------------------------------------------------
# dtypes


@pytest.mark.parametrize("fn", [corr2d, conv2d])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "shapes", [((12, 14), (3, 3)), ((100, 100), (9, 9))], ids=["direct", "fft"]
)
def test_float32_stays_float32(fn, mode, shapes):
    rng = np.random.default_rng(9)
    X = rng.normal(size=shapes[0]).astype(np.float32)
    K = rng.normal(size=shapes[1]).astype(np.float32)
    out = fn(X, K, mode)
    assert out.dtype == np.float32
    expected = (signal.correlate2d if fn is corr2d else signal.convolve2d)(
        X.astype(float), K.astype(float), mode
    )
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-5 * np.abs(expected).max())


def test_corr2d_naive_float32_stays_float32():
    X = np.arange(12, dtype=np.float32).reshape(3, 4)
    out = corr2d_naive(X, np.ones((2, 2), dtype=np.float32))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [[10, 14, 18], [26, 30, 34]])


@pytest.mark.parametrize("fn", [corr2d, conv2d, corr2d_naive])
@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.int64, bool])
def test_integers_and_bools_compute_in_float64(fn, dtype):
    X = (np.arange(20).reshape(4, 5) % 2).astype(dtype)
    K = np.ones((2, 2), dtype=dtype)
    out = fn(X, K)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(
        out, signal.correlate2d(X.astype(int), np.ones((2, 2), int), "valid")
    )


def test_no_integer_overflow():
    X = np.full((4, 4), 200, dtype=np.uint8)
    K = np.full((3, 3), 100, dtype=np.uint8)
    np.testing.assert_array_equal(corr2d(X, K), np.full((2, 2), 9 * 200 * 100.0))


def test_float16_computes_in_float32_and_mixed_in_float64():
    X = np.ones((5, 5), dtype=np.float16)
    assert corr2d(X, np.ones((2, 2), dtype=np.float16)).dtype == np.float32
    assert corr2d(X.astype(np.float32), np.ones((2, 2), dtype=np.float64)).dtype == np.float64
    assert corr2d(X.astype(np.float32), np.ones((2, 2), dtype=np.int64)).dtype == np.float64


# ---------------------------------------------------------------------------
# inputs are never mutated; read-only inputs work


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (corr2d, ((10, 11), (3, 2))),
        (corr2d, ((90, 90), (9, 9))),
        (conv2d, ((10, 11), (3, 2))),
        (conv2d, ((90, 90), (9, 9))),
        (corr2d_naive, ((10, 11), (3, 2))),
    ],
    ids=["corr2d-direct", "corr2d-fft", "conv2d-direct", "conv2d-fft", "naive"],
)
def test_inputs_not_mutated_and_read_only_ok(fn, shapes):
    rng = np.random.default_rng(10)
    for dtype in (np.float64, np.float32, np.int64):
        X = (rng.normal(size=shapes[0]) * 10).astype(dtype)
        K = (rng.normal(size=shapes[1]) * 10).astype(dtype)
        X0, K0 = X.copy(), K.copy()
        X.setflags(write=False)
        K.setflags(write=False)
        modes = ("valid",) if fn is corr2d_naive else MODES
        for mode in modes:
            out = fn(X, K) if fn is corr2d_naive else fn(X, K, mode)
            assert out.flags.writeable
            assert not np.shares_memory(out, X) and not np.shares_memory(out, K)
        np.testing.assert_array_equal(X, X0)
        np.testing.assert_array_equal(K, K0)


def test_output_is_independent_of_input():
    X = np.ones((4, 4))
    out = corr2d(X, [[1.0]])
    out[:] = 7
    np.testing.assert_array_equal(X, np.ones((4, 4)))


# ---------------------------------------------------------------------------
# NaN and inf: they spread exactly to the windows that contain them


def _windows_containing(shape_x, shape_k, mode, p, q, flipped=False):
    """Boolean map of output pixels whose window holds image pixel (p, q), by brute force."""
    marker = np.zeros(shape_x)
    marker[p, q] = 1
    fn = signal.convolve2d if flipped else signal.correlate2d
    return fn(marker, np.ones(shape_k), mode) != 0


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "xs, ks, p, q",
    [
        ((9, 10), (3, 3), 4, 5),
        ((9, 10), (2, 3), 0, 9),
        ((150, 140), (11, 9), 70, 3),
        ((100, 100), (15, 15), 99, 0),
    ],
    ids=["direct", "direct-corner", "fft-size", "fft-size-corner"],
)
@pytest.mark.parametrize("fn", [corr2d, conv2d])
def test_non_finite_pixel_reaches_only_its_windows(fn, xs, ks, p, q, mode, bad):
    rng = np.random.default_rng(11)
    X = rng.normal(size=xs)
    K = rng.uniform(0.5, 1.5, size=ks)  # no zero weights: inf * weight stays inf
    X[p, q] = bad
    out = fn(X, K, mode)
    hit = _windows_containing(xs, ks, mode, p, q, flipped=fn is conv2d)
    assert hit.any()
    assert not np.isfinite(out[hit]).any()
    if np.isnan(bad):
        assert np.isnan(out[hit]).all()
    else:
        assert (out[hit] == bad).all()  # positive weights keep the sign
    # every other pixel is finite and equals the sum with that pixel set to zero
    X0 = X.copy()
    X0[p, q] = 0
    clean = (signal.correlate2d if fn is corr2d else signal.convolve2d)(X0, K, mode)
    np.testing.assert_allclose(out[~hit], clean[~hit], rtol=1e-9, atol=1e-9)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_inf_meeting_zero_weight_gives_nan():
    X = np.zeros((3, 3))
    X[1, 1] = np.inf
    out = corr2d(X, [[1.0, 0.0]])  # window of out[1, 0] is X[1, 0:2]: 1 * 0 + 0 * inf
    assert np.isnan(out[1, 0]) and out[1, 1] == np.inf
    assert np.isfinite(out[[0, 2]]).all()


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_plus_and_minus_inf_in_one_window_give_nan():
    X = np.zeros((2, 3))
    X[0, 0], X[0, 1] = np.inf, -np.inf
    out = corr2d(X, np.ones((2, 2)))
    assert np.isnan(out[0, 0]) and out[0, 1] == -np.inf


@pytest.mark.parametrize(
    "xs, ks", [((8, 8), (3, 3)), ((120, 120), (9, 9))], ids=["direct", "fft-size"]
)
def test_nan_in_kernel_reaches_every_pixel(xs, ks):
    rng = np.random.default_rng(12)
    X, K = rng.normal(size=xs), rng.normal(size=ks)
    K[1, 2] = np.nan
    for mode in MODES:
        assert np.isnan(corr2d(X, K, mode)).all()


def test_nan_input_float32_keeps_dtype():
    X = np.ones((100, 100), dtype=np.float32)
    X[50, 50] = np.nan
    out = corr2d(X, np.ones((9, 9), dtype=np.float32))
    assert out.dtype == np.float32
    assert np.isnan(out).sum() == 81
    assert (out[np.isfinite(out)] == 81).all()


@pytest.mark.parametrize("k_shape", [(1, 1), (3, 5), (15, 15), (32, 7), (33, 4)])
@pytest.mark.parametrize("shape", [(64, 64), (90, 75), (1024, 1024)])
def test_kernel_spectrum_equals_rfft2(k_shape, shape):
    """The FFT strategy's kernel transform (a DFT matrix product for short kernels) is numpy's rfft2."""
    from convlib.correlate import _kernel_spectrum

    K = np.random.default_rng(sum(k_shape) + shape[1]).standard_normal(k_shape)
    expected = np.fft.rfft2(K[::-1, ::-1], shape)
    for exact in (False, True):
        got = _kernel_spectrum(K, shape, exact=exact)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * np.abs(K).sum())


@pytest.mark.parametrize("shape", [(97, 64), (64, 97), (101, 103), (128, 128)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fft_strategy_matches_scipy_on_padded_and_unpadded_sizes(shape, dtype):
    """97, 101 and 103 are not 2-3-5-smooth: the FFT runs on zero-padded lengths (100, 108)."""
    rng = np.random.default_rng(shape[0] * shape[1])
    X, K = rng.standard_normal(shape).astype(dtype), rng.standard_normal((9, 11)).astype(dtype)
    expected = signal.correlate2d(X.astype(np.float64), K.astype(np.float64), "valid")
    got = corr2d(X, K, method="fft")
    assert got.dtype == dtype
    S = signal.correlate2d(np.abs(X).astype(float), np.abs(K).astype(float), "valid").max()
    np.testing.assert_allclose(got, expected, rtol=0, atol=16 * np.finfo(dtype).eps * S)
