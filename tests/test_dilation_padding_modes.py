"""dilation= and padding_mode=, with PyTorch's meanings, against SciPy and np.pad.

Oracles: a dilated kernel is the kernel with d - 1 zeros between its taps, so
``corr2d(X, K, dilation=d)`` must equal SciPy's ``correlate2d`` with that
zero-inserted kernel; ``padding_mode`` must equal correlating the image that
``np.pad`` pads in the matching mode (reflect = 'reflect', replicate = 'edge',
circular = 'wrap'). torch.nn.functional.conv2d is a third oracle when installed.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import signal

from convlib import (
    Conv2D,
    choose_method,
    conv2d,
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out,
    correlate,
    effective_kernel_size,
    output_shape,
    output_size,
    pad2d,
)
from convlib.correlate import _float32_error_bound
from test_layer import _numeric_grad as numeric_gradient

NP_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def zero_inserted(K, d):
    """The effective kernel: d - 1 zero rows/columns between the taps of K."""
    K = np.asarray(K, dtype=float)
    out = np.zeros((d[0] * (K.shape[0] - 1) + 1, d[1] * (K.shape[1] - 1) + 1))
    out[:: d[0], :: d[1]] = K
    return out


def oracle(X, K, padding=(0, 0), stride=(1, 1), dilation=(1, 1), padding_mode="zeros"):
    """SciPy on the np.pad-padded image with the zero-inserted kernel, every stride-th output."""
    Xp = np.pad(
        np.asarray(X, float), ((padding[0],) * 2, (padding[1],) * 2), mode=NP_MODE[padding_mode]
    )
    return signal.correlate2d(Xp, zero_inserted(K, dilation), "valid")[:: stride[0], :: stride[1]]


@pytest.fixture(params=correlate.METHODS)
def strategy(request):
    return request.param


# ---------------------------------------------------------------------------
# dilation


@pytest.mark.parametrize("shape", [(9, 11), (40, 37), (130, 120)])
@pytest.mark.parametrize("k", [(1, 1), (2, 3), (3, 3), (3, 1)])
@pytest.mark.parametrize("d", [(1, 2), (2, 2), (3, 1), (4, 3)])
def test_dilated_corr2d_matches_scipy_with_zero_inserted_kernel(strategy, shape, k, d):
    rng = np.random.default_rng(hash((shape, k, d)) % 2**32)
    X = rng.normal(size=shape)
    # rank 1: separable applies
    K = rng.normal(size=k) if k != (3, 3) else np.outer(rng.normal(size=3), rng.normal(size=3))
    for stride, padding in [((1, 1), (0, 0)), ((2, 1), (1, 2)), ((3, 3), (2, 0))]:
        got = corr2d(X, K, padding=padding, stride=stride, dilation=d, method=strategy)
        np.testing.assert_allclose(got, oracle(X, K, padding, stride, d), atol=1e-10)
    for mode in ("same", "full"):
        np.testing.assert_allclose(
            corr2d(X, K, mode, dilation=d, method=strategy),
            signal.correlate2d(X, zero_inserted(K, d), mode),
            atol=1e-10,
        )
        np.testing.assert_allclose(
            conv2d(X, K, mode, dilation=d, method=strategy),
            signal.convolve2d(X, zero_inserted(K, d), mode),
            atol=1e-10,
        )


def test_dilated_integers_are_exact_on_every_strategy(strategy):
    rng = np.random.default_rng(3)
    X = rng.integers(-(2**20), 2**20, size=(90, 80))
    K = rng.integers(-50, 50, size=(3, 4))
    expected = signal.correlate2d(
        X.astype(np.int64), zero_inserted(K, (2, 3)).astype(np.int64), "valid"
    ).astype(float)
    assert np.array_equal(corr2d(X, K, dilation=(2, 3), method=strategy), expected)


def test_dilation_one_is_the_undilated_layer():
    rng = np.random.default_rng(4)
    X, K = rng.normal(size=(12, 10)), rng.normal(size=(3, 2))
    for d in (1, (1, 1), np.int64(1)):
        assert np.array_equal(corr2d(X, K, dilation=d), corr2d(X, K))


def test_dilation_skips_the_pixels_between_taps_nan_included():
    """A NaN between two taps never reaches the output (as in PyTorch): only the k_h k_w taps are read."""
    X = np.zeros((200, 200))
    X[100, 101] = np.nan  # between the taps of every window with d = 2 and an even column offset
    K = np.ones((3, 3))
    Y = corr2d(X, K, dilation=2)
    hit = np.isnan(Y)
    rows, cols = np.nonzero(hit)
    # output (i, j) reads x[i + 2a, j + 2b]: the NaN reaches (100 - 2a, 101 - 2b) only
    expected = {(100 - 2 * a, 101 - 2 * b) for a in range(3) for b in range(3)}
    assert set(zip(rows.tolist(), cols.tolist(), strict=True)) == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    H=st.integers(1, 14),
    W=st.integers(1, 14),
    k_h=st.integers(1, 4),
    k_w=st.integers(1, 4),
    d_h=st.integers(1, 4),
    d_w=st.integers(1, 4),
    s_h=st.integers(1, 3),
    s_w=st.integers(1, 3),
    p_h=st.integers(0, 3),
    p_w=st.integers(0, 3),
    seed=st.integers(0, 2**16),
)
def test_dilation_property_shape_and_values(H, W, k_h, k_w, d_h, d_w, s_h, s_w, p_h, p_w, seed):
    rng = np.random.default_rng(seed)
    X, K = rng.normal(size=(H, W)), rng.normal(size=(k_h, k_w))
    kwargs = dict(padding=(p_h, p_w), stride=(s_h, s_w), dilation=(d_h, d_w))
    fits = d_h * (k_h - 1) + 1 <= H + 2 * p_h and d_w * (k_w - 1) + 1 <= W + 2 * p_w
    if not fits:
        with pytest.raises(ValueError, match="dilat|larger"):
            corr2d(X, K, **kwargs)
        with pytest.raises(ValueError):
            output_shape(H, W, k_h, k_w, **kwargs)
        return
    Y = corr2d(X, K, **kwargs)
    # PyTorch's formula, written out independently
    torch_rows = (H + 2 * p_h - d_h * (k_h - 1) - 1) // s_h + 1
    torch_cols = (W + 2 * p_w - d_w * (k_w - 1) - 1) // s_w + 1
    assert Y.shape == (torch_rows, torch_cols) == output_shape(H, W, k_h, k_w, **kwargs)
    assert Y.shape == (output_size(H, k_h, p_h, s_h, d_h), output_size(W, k_w, p_w, s_w, d_w))
    np.testing.assert_allclose(Y, oracle(X, K, (p_h, p_w), (s_h, s_w), (d_h, d_w)), atol=1e-10)


def test_effective_kernel_size_and_output_shape_modes():
    assert [effective_kernel_size(3, d) for d in (1, 2, 3, 4)] == [3, 5, 7, 9]
    assert output_shape(10, 12, 3, 3, "same", dilation=2) == (10, 12)
    assert output_shape(10, 12, 3, 2, "full", dilation=(2, 3)) == (10 + 4, 12 + 3)
    assert corr2d(np.ones((10, 12)), np.ones((3, 2)), "full", dilation=(2, 3)).shape == (14, 15)


def test_dilated_multi_channel_is_the_sum_of_dilated_channels():
    rng = np.random.default_rng(5)
    X, K = rng.normal(size=(2, 13, 11, 3)), rng.normal(size=(3, 2, 3, 4))
    kwargs = dict(padding=(1, 2), stride=(2, 1), dilation=(2, 3))
    Y = corr2d_multi_in_out(X, K, **kwargs)
    for n in range(2):
        for k in range(4):
            expected = sum(
                oracle(X[n, :, :, c], K[:, :, c, k], (1, 2), (2, 1), (2, 3)) for c in range(3)
            )
            np.testing.assert_allclose(Y[n, :, :, k], expected, atol=1e-10)
    np.testing.assert_allclose(
        corr2d_multi_in(X[0], K[..., 0], **kwargs), Y[0, :, :, 0], atol=1e-10
    )
    # the 3x3 path with many channels runs Winograd on each phase of the dilation
    X64, K64 = rng.normal(size=(12, 12, 32)), rng.normal(size=(3, 3, 32, 32))
    assert choose_method(np.zeros((64, 64, 32)), K64, dilation=2) == "winograd"
    expected = np.stack(
        [
            sum(oracle(X64[..., c], K64[:, :, c, k], dilation=(2, 2)) for c in range(32))
            for k in range(32)
        ],
        axis=-1,
    )
    for method in ("auto", "winograd", "gemm"):
        np.testing.assert_allclose(
            corr2d_multi_in_out(X64, K64, dilation=2, method=method), expected, atol=1e-9
        )


@pytest.mark.parametrize(
    "shape, d, padding",
    [
        ((2, 17, 23, 24), (2, 3), 0),
        ((1, 9, 9, 32), (3, 3), 3),
        ((2, 20, 14, 16), (1, 4), (2, 1)),
        ((1, 8, 12, 32), (3, 1), 0),
    ],
)
def test_dilated_winograd_phases_match_the_matrix_product(shape, d, padding):
    # every phase (r, s) of the output, including phases with fewer than two rows or columns
    rng = np.random.default_rng(31)
    X, K = rng.normal(size=shape), rng.normal(size=(3, 3, shape[-1], 32))
    wino = corr2d_multi_in_out(X, K, padding=padding, dilation=d, method="winograd")
    gemm = corr2d_multi_in_out(X, K, padding=padding, dilation=d, method="gemm")
    assert wino.shape == gemm.shape
    np.testing.assert_allclose(wino, gemm, rtol=0, atol=1e-12 * np.abs(gemm).max())
    X32, K32 = X.astype(np.float32), K.astype(np.float32)
    wino32 = corr2d_multi_in_out(X32, K32, padding=padding, dilation=d, method="winograd")
    assert wino32.dtype == np.float32
    exact = corr2d_multi_in_out(
        X32.astype(float), K32.astype(float), padding=padding, dilation=d, method="gemm"
    )
    S = corr2d_multi_in_out(
        np.abs(X32.astype(float)),
        np.abs(K32.astype(float)),
        padding=padding,
        dilation=d,
        method="gemm",
    ).max()
    assert (
        np.abs(wino32 - exact).max()
        <= _float32_error_bound("winograd", 3, 3) * np.finfo(np.float32).eps * S
    )


@pytest.mark.parametrize(
    "bad, exc, words",
    [
        (0, ValueError, "dilation must be a positive integer"),
        (-1, ValueError, "dilation must be a positive integer"),
        (1.5, TypeError, "dilation must be an integer or a pair"),
        ((1, 2, 3), TypeError, "dilation must be an integer or a pair"),
        (True, TypeError, "dilation must be an integer or a pair"),
        ("2", TypeError, "dilation must be an integer or a pair"),
    ],
)
def test_bad_dilation_names_the_argument(bad, exc, words):
    for call in (
        lambda: corr2d(np.ones((5, 5)), np.ones((2, 2)), dilation=bad),
        lambda: corr2d_multi_in_out(np.ones((5, 5, 1)), np.ones((2, 2, 1, 1)), dilation=bad),
        lambda: output_shape(5, 5, 2, 2, dilation=bad),
        lambda: Conv2D(2, dilation=bad),
    ):
        with pytest.raises(exc, match=words):
            call()


def test_dilated_kernel_too_large_says_effective_size():
    with pytest.raises(
        ValueError,
        match=r"^the kernel K = 3x3 dilated by 2 = 5x5 is larger than the image X = 4x4: no window fits",
    ):
        corr2d(np.ones((4, 4)), np.ones((3, 3)), dilation=2)
    with pytest.raises(
        ValueError,
        match=r"^the kernel K = 3x3 dilated by 2 = 5x5 is larger than the image X = 2x2 padded by 1 = 4x4: .*or a smaller dilation$",
    ):
        corr2d(np.ones((2, 2)), np.ones((3, 3)), padding=1, dilation=2)


# ---------------------------------------------------------------------------
# padding modes


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
def test_padding_modes_match_np_pad(strategy, padding_mode):
    rng = np.random.default_rng(6)
    for shape, k, p, s, d in [
        ((9, 11), (3, 3), (1, 1), (1, 1), (1, 1)),
        ((70, 66), (5, 4), (3, 2), (2, 1), (1, 2)),
        ((6, 5), (2, 2), (5, 4), (1, 1), (1, 1)),
        ((130, 100), (3, 3), (2, 2), (1, 1), (1, 1)),
    ]:
        if padding_mode == "reflect" and (p[0] >= shape[0] or p[1] >= shape[1]):
            continue
        X, K = rng.normal(size=shape), rng.normal(size=k)
        got = corr2d(
            X, K, padding=p, stride=s, dilation=d, padding_mode=padding_mode, method=strategy
        )
        np.testing.assert_allclose(got, oracle(X, K, p, s, d, padding_mode), atol=1e-10)
        np.testing.assert_array_equal(
            pad2d(X, p, padding_mode),
            np.pad(X, ((p[0],) * 2, (p[1],) * 2), mode=NP_MODE[padding_mode]),
        )


@pytest.mark.parametrize("padding_mode", ["reflect", "replicate", "circular"])
def test_padding_modes_with_same_and_full_pad_like_scipy_would(padding_mode):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(9, 8))
    for K in (rng.normal(size=(3, 3)), rng.normal(size=(4, 2))):
        k_h, k_w = K.shape
        # SciPy's centring: the extra pixel after
        same = (
            ((k_h - 1) // 2, k_h // 2),
            ((k_w - 1) // 2, k_w // 2),
        )
        Xp = np.pad(X, same, mode=NP_MODE[padding_mode])
        np.testing.assert_allclose(
            corr2d(X, K, "same", padding_mode=padding_mode),
            signal.correlate2d(Xp, K, "valid"),
            atol=1e-12,
        )
        full = ((k_h - 1,) * 2, (k_w - 1,) * 2)
        Xf = np.pad(X, full, mode=NP_MODE[padding_mode])
        np.testing.assert_allclose(
            corr2d(X, K, "full", padding_mode=padding_mode),
            signal.correlate2d(Xf, K, "valid"),
            atol=1e-12,
        )


@pytest.mark.parametrize("padding_mode", ["reflect", "replicate", "circular"])
def test_padding_modes_multi_channel_match_np_pad(padding_mode):
    rng = np.random.default_rng(8)
    X, K = rng.normal(size=(2, 7, 9, 3)), rng.normal(size=(3, 3, 3, 2))
    Y = corr2d_multi_in_out(X, K, padding=(2, 1), stride=(1, 2), padding_mode=padding_mode)
    Xp = np.pad(X, ((0, 0), (2, 2), (1, 1), (0, 0)), mode=NP_MODE[padding_mode])
    np.testing.assert_allclose(Y, corr2d_multi_in_out(Xp, K, stride=(1, 2)), atol=1e-12)
    np.testing.assert_allclose(
        corr2d_multi_in(X[0], K[..., 0], padding=(2, 1), padding_mode=padding_mode),
        corr2d_multi_in(Xp[0], K[..., 0]),
        atol=1e-12,
    )


@settings(max_examples=80, deadline=None)
@given(
    H=st.integers(1, 12),
    W=st.integers(1, 12),
    k=st.integers(1, 5),
    shift_h=st.integers(-30, 30),
    shift_w=st.integers(-30, 30),
    seed=st.integers(0, 2**16),
    dilation=st.integers(1, 2),
)
def test_circular_padding_makes_the_layer_exactly_equivariant_to_roll(
    H, W, k, shift_h, shift_w, seed, dilation
):
    """Chapter 1's equivariance without border effects: corr2d(roll(x)) == roll(corr2d(x)), bit for bit."""
    span = dilation * (k - 1) + 1
    if (span - 1) // 2 > min(H, W) or span // 2 > min(H, W):
        return  # circular padding cannot wrap more than once
    rng = np.random.default_rng(seed)
    X, K = rng.integers(-9, 10, size=(H, W)).astype(float), rng.normal(size=(k, k))
    Y = corr2d(X, K, "same", dilation=dilation, padding_mode="circular")
    assert Y.shape == X.shape
    shifted = corr2d(
        np.roll(X, (shift_h, shift_w), axis=(0, 1)),
        K,
        "same",
        dilation=dilation,
        padding_mode="circular",
    )
    np.testing.assert_array_equal(shifted, np.roll(Y, (shift_h, shift_w), axis=(0, 1)))


def test_zero_padding_is_not_equivariant_to_roll_but_circular_is():
    """The counterexample the chapter shows: zero padding breaks roll-equivariance at the border."""
    rng = np.random.default_rng(9)
    X, K = rng.normal(size=(8, 8)), rng.normal(size=(3, 3))
    roll = lambda A: np.roll(A, 2, axis=1)  # noqa: E731
    assert not np.allclose(corr2d(roll(X), K, padding=1), roll(corr2d(X, K, padding=1)))
    assert np.array_equal(
        corr2d(roll(X), K, padding=1, padding_mode="circular"),
        roll(corr2d(X, K, padding=1, padding_mode="circular")),
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda mode: corr2d(np.ones((4, 4)), np.ones((3, 3)), padding=1, padding_mode=mode),
        lambda mode: conv2d(np.ones((4, 4)), np.ones((3, 3)), "same", padding_mode=mode),
        lambda mode: corr2d_multi_in_out(
            np.ones((4, 4, 1)), np.ones((3, 3, 1, 1)), padding=1, padding_mode=mode
        ),
        lambda mode: Conv2D(3, padding=1, padding_mode=mode),
        lambda mode: pad2d(np.ones((4, 4)), 1, mode),
    ],
)
@pytest.mark.parametrize("bad", ["zero", "constant", "edge", "wrap", None, 0])
def test_unknown_padding_mode_names_the_argument_and_the_choices(call, bad):
    with pytest.raises(
        ValueError, match="padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular'"
    ):
        call(bad)


def test_padding_too_large_for_reflect_or_circular_names_the_limit():
    with pytest.raises(
        ValueError, match=r"padding_mode='reflect' on an image of height 3: .*padding < 3"
    ):
        corr2d(np.ones((3, 8)), np.ones((1, 1)), padding=(3, 0), padding_mode="reflect")
    with pytest.raises(
        ValueError, match=r"padding_mode='circular' on an image of width 2: .*padding <= 2"
    ):
        corr2d(np.ones((5, 2)), np.ones((1, 1)), padding=(0, 3), padding_mode="circular")
    with pytest.raises(ValueError, match="padding_mode='reflect'"):
        Conv2D(3, padding=2, padding_mode="reflect")(np.ones((2, 5)))
    # PyTorch's limits exactly: reflect p = H - 1 and circular p = H are allowed
    assert corr2d(np.ones((3, 3)), np.ones((1, 1)), padding=2, padding_mode="reflect").shape == (
        7,
        7,
    )
    assert corr2d(np.ones((3, 3)), np.ones((1, 1)), padding=3, padding_mode="circular").shape == (
        9,
        9,
    )


def test_pad2d_accepts_the_three_padding_forms_and_checks_them():
    X = np.arange(12).reshape(3, 4)
    assert pad2d(X, 1).shape == (5, 6)
    assert pad2d(X, (1, 2)).shape == (5, 8)
    np.testing.assert_array_equal(
        pad2d(X, ((0, 2), (1, 0)), "replicate"), np.pad(X, ((0, 2), (1, 0)), mode="edge")
    )
    np.testing.assert_array_equal(
        pad2d(np.dstack([X, -X]), 1, "circular")[..., 1], -np.pad(X, 1, mode="wrap")
    )
    with pytest.raises(ValueError, match="padding must be a non-negative integer"):
        pad2d(X, -1)
    with pytest.raises(TypeError, match="padding must be an integer, a pair"):
        pad2d(X, (1, 2, 3))
    with pytest.raises(TypeError, match="padding must be an integer, a pair"):
        pad2d(X, 1.5)
    with pytest.raises(ValueError, match="X must be a 2 or 3-D"):
        pad2d(np.ones(3), 1)


# ---------------------------------------------------------------------------
# Conv2D with dilation and padding modes: forward and numerically checked gradients


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize(
    "k, padding, stride, dilation",
    [
        ((3, 3), (1, 1), (1, 1), (2, 2)),
        ((2, 3), (2, 1), (2, 1), (1, 2)),
        ((3, 2), (0, 2), (2, 3), (2, 1)),
        ((1, 1), (1, 1), (1, 1), (3, 3)),
    ],
)
def test_conv2d_layer_forward_and_gradients(padding_mode, k, padding, stride, dilation):
    rng = np.random.default_rng(10)
    layer = Conv2D(
        k,
        2,
        3,
        padding=padding,
        stride=stride,
        dilation=dilation,
        padding_mode=padding_mode,
        seed=1,
    )
    layer.bias = rng.normal(size=3)
    X = rng.normal(size=(2, 6, 7, 2))
    Y = layer(X)
    Xp = np.pad(
        X, ((0, 0), (padding[0],) * 2, (padding[1],) * 2, (0, 0)), mode=NP_MODE[padding_mode]
    )
    np.testing.assert_allclose(
        Y,
        corr2d_multi_in_out(Xp, layer.weight, stride=stride, dilation=dilation) + layer.bias,
        atol=1e-12,
    )
    G = rng.normal(size=Y.shape)
    grad_x = layer.backward(G)

    def loss():
        return float(np.sum(layer.forward(X) * G))

    np.testing.assert_allclose(grad_x, numeric_gradient(loss, X), atol=1e-6)
    layer.forward(X)
    layer.backward(G)
    np.testing.assert_allclose(layer.grad_weight, numeric_gradient(loss, layer.weight), atol=1e-6)
    np.testing.assert_allclose(layer.grad_bias, G.sum(axis=(0, 1, 2)), atol=1e-12)


def test_conv2d_layer_repr_and_attributes():
    layer = Conv2D(3, dilation=2, padding=2, padding_mode="reflect")
    assert layer.dilation == (2, 2) and layer.padding_mode == "reflect"
    assert (
        repr(layer)
        == "Conv2D(kernel_size=(3, 3), in_channels=1, out_channels=1, padding=(2, 2), dilation=(2, 2), padding_mode='reflect')"
    )
    # PyTorch's padding = d (k - 1) / 2 keeps the size
    assert Conv2D(3, dilation=2, padding=2)(np.ones((8, 8))).shape == (
        8,
        8,
    )
    with pytest.raises(ValueError, match="dilated by"):
        Conv2D(3, dilation=3)(np.ones((5, 5)))


def test_torch_agrees_when_installed():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    X, K = rng.normal(size=(9, 10, 2)), rng.normal(size=(3, 2, 2, 3))
    for mode in ("zeros", "reflect", "replicate", "circular"):
        conv = torch.nn.Conv2d(
            2,
            3,
            (3, 2),
            stride=(2, 1),
            padding=(2, 1),
            dilation=(2, 3),
            padding_mode=mode,
            bias=False,
        ).double()
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(K.transpose(3, 2, 0, 1)))
            expected = (
                conv(torch.from_numpy(X.transpose(2, 0, 1)[None])).numpy()[0].transpose(1, 2, 0)
            )
        got = corr2d_multi_in_out(
            X, K, padding=(2, 1), stride=(2, 1), dilation=(2, 3), padding_mode=mode
        )
        np.testing.assert_allclose(got, expected, atol=1e-10)
