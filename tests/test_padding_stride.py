"""padding= and stride= on corr2d, conv2d, corr2d_multi_in and corr2d_multi_in_out.

out[i, j] = sum_{a,b} K[a, b] x_pad[i*s_h + a, j*s_w + b], PyTorch's semantics.
Oracles: SciPy's correlate2d of the zero-padded image, sliced every s, and
torch.nn.functional.conv2d when torch is importable.
"""

import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import signal

from convlib import conv2d, corr2d, corr2d_multi_in, corr2d_multi_in_out, correlate

MODES = ("valid", "same", "full")


def padded_oracle(X, K, padding, stride, flip=False):
    """SciPy on the explicitly padded image, every stride-th output."""
    (p_h, p_w), (s_h, s_w) = padding, stride
    Xp = np.pad(X, ((p_h, p_h), (p_w, p_w)))
    full = (signal.convolve2d if flip else signal.correlate2d)(Xp, K, "valid")
    return full[::s_h, ::s_w]


def multi_oracle(X, K, padding, stride):
    """(H, W, C_in) x (k_h, k_w, C_in, C_out) through SciPy, one channel pair at a time."""
    return np.stack(
        [
            sum(
                padded_oracle(X[..., c], K[:, :, c, k], padding, stride) for c in range(X.shape[-1])
            )
            for k in range(K.shape[-1])
        ],
        axis=-1,
    )


# ---------------------------------------------------------------------------
# D2L 7.3's shape examples


D2L_SHAPES = [
    # (kernel, padding, stride, output), all on an 8 x 8 input
    ((3, 3), 1, 1, (8, 8)),
    ((5, 5), 2, 1, (8, 8)),
    ((3, 3), 1, 2, (4, 4)),
    ((3, 5), (0, 1), (3, 4), (2, 2)),
]


@pytest.mark.parametrize("ks, padding, stride, expected", D2L_SHAPES)
def test_d2l_shape_examples(ks, padding, stride, expected):
    rng = np.random.default_rng(0)
    X, K = rng.normal(size=(8, 8)), rng.normal(size=ks)
    for fn in (corr2d, conv2d):
        assert fn(X, K, padding=padding, stride=stride).shape == expected
    V = rng.normal(size=ks + (3, 4))
    assert (
        corr2d_multi_in(rng.normal(size=(8, 8, 3)), V[..., 0], padding=padding, stride=stride).shape
        == expected
    )
    assert corr2d_multi_in_out(
        rng.normal(size=(8, 8, 3)), V, padding=padding, stride=stride
    ).shape == expected + (4,)
    assert corr2d_multi_in_out(
        rng.normal(size=(2, 8, 8, 3)), V, padding=padding, stride=stride
    ).shape == (2,) + expected + (4,)


@pytest.mark.parametrize("ks, padding, stride, expected", D2L_SHAPES)
def test_d2l_shape_examples_match_scipy(ks, padding, stride, expected):
    rng = np.random.default_rng(1)
    X, K = rng.normal(size=(8, 8)), rng.normal(size=ks)
    pair = lambda v: v if isinstance(v, tuple) else (v, v)  # noqa: E731
    np.testing.assert_allclose(
        corr2d(X, K, padding=padding, stride=stride),
        padded_oracle(X, K, pair(padding), pair(stride)),
        atol=1e-12,
    )
    np.testing.assert_allclose(
        conv2d(X, K, padding=padding, stride=stride),
        padded_oracle(X, K, pair(padding), pair(stride), flip=True),
        atol=1e-12,
    )


def test_padding_one_keeps_the_size_and_counts_the_zeros():
    # a 3 x 3 box filter on ones with padding 1: corners see 4 pixels, edges 6, the inside 9
    out = corr2d(np.ones((5, 5)), np.ones((3, 3)), padding=1)
    assert out[0, 0] == out[0, -1] == out[-1, 0] == out[-1, -1] == 4
    assert (out[0, 1:-1] == 6).all() and (out[1:-1, 0] == 6).all()
    assert (out[1:-1, 1:-1] == 9).all()


def test_stride_picks_every_s_th_window():
    X = np.arange(49.0).reshape(7, 7)
    K = np.zeros((2, 2))
    K[0, 0] = 1  # out[i, j] = x[i*s_h, j*s_w]
    np.testing.assert_array_equal(corr2d(X, K, stride=(2, 3)), X[0:6:2, 0:6:3])
    np.testing.assert_array_equal(corr2d(X, K, stride=3), X[0:6:3, 0:6:3])


def test_padding_zero_and_stride_one_are_the_defaults():
    rng = np.random.default_rng(2)
    X, K = rng.normal(size=(9, 10)), rng.normal(size=(3, 4))
    for mode in MODES:
        np.testing.assert_array_equal(corr2d(X, K, mode, padding=0, stride=1), corr2d(X, K, mode))
        np.testing.assert_array_equal(
            corr2d(X, K, mode, padding=(0, 0), stride=(1, 1)), corr2d(X, K, mode)
        )


# ---------------------------------------------------------------------------
# SciPy as the oracle, on every strategy


@pytest.fixture(params=correlate.METHODS)
def strategy(request):
    """The method: once the cost-based choice ("auto"), then each strategy by name."""
    return request.param


geometry = st.tuples(
    st.integers(1, 14),
    st.integers(1, 14),  # H, W
    st.integers(1, 6),
    st.integers(1, 6),  # k_h, k_w
    st.integers(0, 3),
    st.integers(0, 3),  # p_h, p_w
    st.integers(1, 4),
    st.integers(1, 4),  # s_h, s_w
)


# the fixture only names a method
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(geometry, st.integers(0, 2**32 - 1), st.booleans())
def test_padding_stride_match_scipy(strategy, geo, seed, rank_one):
    H, W, k_h, k_w, p_h, p_w, s_h, s_w = geo
    if k_h > H + 2 * p_h or k_w > W + 2 * p_w:
        return
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(H, W))
    K = (
        np.outer(rng.normal(size=k_h), rng.normal(size=k_w))
        if rank_one
        else rng.normal(size=(k_h, k_w))
    )
    got = corr2d(X, K, padding=(p_h, p_w), stride=(s_h, s_w), method=strategy)
    expected = padded_oracle(X, K, (p_h, p_w), (s_h, s_w))
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)
    got = conv2d(X, K, padding=(p_h, p_w), stride=(s_h, s_w), method=strategy)
    np.testing.assert_allclose(
        got, padded_oracle(X, K, (p_h, p_w), (s_h, s_w), flip=True), rtol=1e-10, atol=1e-10
    )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "xs, ks", [((9, 11), (3, 2)), ((70, 80), (9, 9)), ((30, 34), (26, 30)), ((100, 90), (5, 5))]
)
def test_stride_with_a_mode_keeps_every_s_th_output(strategy, mode, xs, ks):
    rng = np.random.default_rng(3)
    X, K = rng.normal(size=xs), rng.normal(size=ks)
    if ks == (5, 5):
        K = np.outer(K[0], K[1])  # rank 1: the separable strategy applies
    for stride in (2, (3, 1), (1, 4)):
        s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
        for ours, theirs in ((corr2d, signal.correlate2d), (conv2d, signal.convolve2d)):
            expected = theirs(X, K, mode)[::s_h, ::s_w]
            np.testing.assert_allclose(
                ours(X, K, mode, stride=stride, method=strategy),
                expected,
                rtol=0,
                atol=1e-10 * np.abs(expected).max(),
            )


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "xs, ks", [((1024 // 8, 96), (3, 3)), ((50, 61), (4, 7)), ((3, 4), (5, 6)), ((40, 2), (3, 5))]
)
def test_modes_on_every_strategy(strategy, mode, xs, ks):
    # "same" and "full" pad without copying the image on the direct strategy: compare the borders too
    if mode == "valid" and (ks[0] > xs[0] or ks[1] > xs[1]):
        return
    rng = np.random.default_rng(4)
    X, K = rng.normal(size=xs), rng.normal(size=ks)
    for ours, theirs in ((corr2d, signal.correlate2d), (conv2d, signal.convolve2d)):
        expected = theirs(X, K, mode)
        np.testing.assert_allclose(
            ours(X, K, mode, method=strategy), expected, rtol=0, atol=1e-10 * np.abs(expected).max()
        )
        np.testing.assert_allclose(
            ours(X.astype(np.float32), K.astype(np.float32), mode, method=strategy),
            expected,
            rtol=0,
            atol=2e-5 * np.abs(expected).max(),
        )


@pytest.mark.parametrize("p, s", [(1, 1), ((2, 0), (1, 2)), (0, 3), ((1, 3), 2)])
def test_multi_channel_padding_stride_match_scipy(p, s):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(2, 11, 9, 3))
    K = rng.normal(size=(3, 4, 3, 5))
    pair = lambda v: v if isinstance(v, tuple) else (v, v)  # noqa: E731
    out = corr2d_multi_in_out(X, K, padding=p, stride=s)
    for n in range(2):
        np.testing.assert_allclose(
            out[n], multi_oracle(X[n], K, pair(p), pair(s)), rtol=1e-12, atol=1e-12
        )
    np.testing.assert_allclose(
        corr2d_multi_in(X[0], K[..., 0], padding=p, stride=s),
        out[0, ..., 0],
        rtol=1e-12,
        atol=1e-12,
    )


@pytest.mark.parametrize("mode", ["same", "full"])
def test_multi_channel_stride_with_a_mode(mode):
    rng = np.random.default_rng(6)
    X, K = rng.normal(size=(10, 13, 2)), rng.normal(size=(3, 3, 2, 3))
    np.testing.assert_allclose(
        corr2d_multi_in_out(X, K, mode, stride=2),
        corr2d_multi_in_out(X, K, mode)[::2, ::2],
        rtol=1e-12,
        atol=1e-12,
    )


# ---------------------------------------------------------------------------
# PyTorch, when importable


@pytest.mark.parametrize("p, s", [(0, 1), (1, 1), (1, 2), ((0, 1), (3, 4)), ((2, 1), (2, 3))])
@pytest.mark.parametrize("ks", [(3, 3), (3, 5), (1, 1)])
def test_matches_torch_conv2d(p, s, ks):
    torch = pytest.importorskip("torch")
    from convlib import image_from_nchw, image_to_nchw, kernel_to_oihw

    rng = np.random.default_rng(7)
    X = rng.normal(size=(2, 12, 13, 3))
    K = rng.normal(size=ks + (3, 4))
    with torch.no_grad():
        ref = torch.nn.functional.conv2d(
            torch.from_numpy(image_to_nchw(X)),
            torch.from_numpy(kernel_to_oihw(K)),
            padding=p,
            stride=s,
        )
    np.testing.assert_allclose(
        corr2d_multi_in_out(X, K, padding=p, stride=s),
        image_from_nchw(ref.numpy()),
        rtol=1e-10,
        atol=1e-10,
    )
    with torch.no_grad():
        ref1 = torch.nn.functional.conv2d(
            torch.from_numpy(X[:1, ..., :1].transpose(0, 3, 1, 2).copy()),
            torch.from_numpy(K[None, None, :, :, 0, 0].copy()),
            padding=p,
            stride=s,
        )
    np.testing.assert_allclose(
        corr2d(X[0, ..., 0], K[..., 0, 0], padding=p, stride=s),
        ref1.numpy()[0, 0],
        rtol=1e-10,
        atol=1e-10,
    )


# ---------------------------------------------------------------------------
# bad values: clear errors naming the argument, before any work


FUNCTIONS = {
    "corr2d": lambda **kw: corr2d(np.ones((5, 6)), np.ones((2, 3)), **kw),
    "conv2d": lambda **kw: conv2d(np.ones((5, 6)), np.ones((2, 3)), **kw),
    "corr2d_multi_in": lambda **kw: corr2d_multi_in(np.ones((5, 6, 2)), np.ones((2, 3, 2)), **kw),
    "corr2d_multi_in_out": lambda **kw: corr2d_multi_in_out(
        np.ones((5, 6, 2)), np.ones((2, 3, 2, 3)), **kw
    ),
}


@pytest.mark.parametrize("fname", FUNCTIONS)
@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        (
            {"padding": -1},
            ValueError,
            r"^padding must be a non-negative integer \(or a pair \(padding_h, padding_w\) of them\); got -1",
        ),
        ({"padding": (1, -2)}, ValueError, r"^padding must be a non-negative integer"),
        (
            {"padding": 1.5},
            TypeError,
            r"^padding must be an integer or a pair of integers \(padding_h, padding_w\); got 1.5",
        ),
        ({"padding": "same"}, TypeError, r"^padding must be an integer or a pair"),
        ({"padding": (1, 2, 3)}, TypeError, r"^padding must be an integer or a pair"),
        ({"padding": True}, TypeError, r"^padding must be an integer or a pair"),
        ({"padding": None}, TypeError, r"^padding must be an integer or a pair"),
        (
            {"stride": 0},
            ValueError,
            r"^stride must be a positive integer \(or a pair \(stride_h, stride_w\) of them\); got 0",
        ),
        ({"stride": -2}, ValueError, r"^stride must be a positive integer"),
        ({"stride": (1, 0)}, ValueError, r"^stride must be a positive integer"),
        (
            {"stride": 2.0},
            TypeError,
            r"^stride must be an integer or a pair of integers \(stride_h, stride_w\)",
        ),
        ({"stride": (1,)}, TypeError, r"^stride must be an integer or a pair"),
        ({"stride": [1, np.float64(2)]}, TypeError, r"^stride must be an integer or a pair"),
        (
            {"padding": 1, "mode": "same"},
            ValueError,
            r"^padding must be 0 when mode is 'same' \(that mode pads by itself\); got padding=1",
        ),
        (
            {"padding": (0, 1), "mode": "full"},
            ValueError,
            r"^padding must be 0 when mode is 'full'",
        ),
        ({"padding": 10**12}, ValueError, r"^padding is too large: .* GiB"),
    ],
)
def test_bad_padding_and_stride(fname, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        FUNCTIONS[fname](**kwargs)


def test_numpy_integers_and_arrays_are_accepted():
    X, K = np.ones((6, 6)), np.ones((3, 3))
    expected = corr2d(X, K, padding=(1, 2), stride=(2, 1))
    np.testing.assert_array_equal(
        corr2d(X, K, padding=np.array([1, 2]), stride=[np.int64(2), 1]), expected
    )
    np.testing.assert_array_equal(
        corr2d(X, K, padding=(np.int8(1), 2), stride=(2, np.uint8(1))), expected
    )


def test_kernel_larger_than_the_padded_image():
    with pytest.raises(
        ValueError,
        match=r"^the kernel K = 7x3 is larger than the image X = 4x4 padded by 1 = 6x6: no window fits .*; use mode='same' or mode='full', or padding=\(2, 1\) or more$",
    ):
        corr2d(np.ones((4, 4)), np.ones((7, 3)), padding=1)
    # padding can make a kernel larger than the image fit
    assert corr2d(np.ones((4, 4)), np.ones((6, 6)), padding=1).shape == (1, 1)


def test_huge_broadcast_input_fails_fast():
    X = np.broadcast_to(np.float64(1), (10**6, 10**6))  # 8 TB if it were real
    with pytest.raises(ValueError, match=r"^X is too large"):
        corr2d(X, np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"^X is too large"):
        corr2d_multi_in_out(
            np.broadcast_to(np.float32(1), (10**5, 10**5, 3)), np.ones((3, 3, 3, 2))
        )


def test_direct_strategy_computes_only_the_strided_outputs():
    # A broadcast 10000 x 10000 image is 400 MB if copied, and a full stride-1
    # output would be as large: with stride 2500 the direct strategy reads
    # only the 4 x 4 windows it needs.
    X = np.broadcast_to(np.float32(2), (10000, 10000))
    tracemalloc.start()
    try:
        out = corr2d(X, np.ones((3, 3), dtype=np.float32), stride=2500, method="direct")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(out, np.full((4, 4), 18.0))
    assert peak < 1_000_000


def test_inputs_not_mutated_with_padding_and_stride():
    rng = np.random.default_rng(8)
    X, K = rng.normal(size=(12, 13)), rng.normal(size=(3, 3))
    X0, K0 = X.copy(), K.copy()
    X.setflags(write=False)
    K.setflags(write=False)
    for method in correlate.METHODS:
        corr2d(X, K, padding=2, stride=(2, 3), method=method)
        conv2d(X[::-1, ::2], K.T, padding=(1, 0), stride=2, method=method)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(K, K0)


def test_naive_loop_and_layout_copies_refuse_huge_inputs():
    from convlib import corr2d_naive, image_to_nchw, kernel_to_oihw

    with pytest.raises(
        ValueError,
        match=r"^X of shape \(20000, 20000\) with K of shape \(3, 3\) needs .* use corr2d",
    ):
        corr2d_naive(
            np.broadcast_to(np.float32(1), (20000, 20000)), np.ones((3, 3), dtype=np.float32)
        )
    with pytest.raises(ValueError, match=r"^X is too large: a copy of X would need"):
        image_to_nchw(np.broadcast_to(np.float64(1), (2**20, 2**20, 3)))
    with pytest.raises(ValueError, match=r"^K is too large: a copy of K would need"):
        kernel_to_oihw(np.broadcast_to(np.float64(1), (2**20, 2**20, 3, 2)))
