"""Multi-channel cross-correlation and the PyTorch layout conversions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from convlib import (
    choose_method,
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out,
    image_from_nchw,
    image_to_nchw,
    kernel_from_oihw,
    kernel_to_oihw,
)

MODES = ("valid", "same", "full")

# D2L 6.4: two input channels, in convlib's channels-last layout.
D2L_X = np.stack([np.arange(9).reshape(3, 3), np.arange(1, 10).reshape(3, 3)], axis=-1)  # (3, 3, 2)
D2L_K = np.stack([np.arange(4).reshape(2, 2), np.arange(1, 5).reshape(2, 2)], axis=-1)  # (2, 2, 2)


def test_d2l_two_channel_example():
    out = corr2d_multi_in(D2L_X, D2L_K)
    np.testing.assert_array_equal(out, [[56.0, 72.0], [104.0, 120.0]])
    assert out.dtype == np.float64


def test_d2l_multi_in_out_example():
    # D2L: K = stack((K, K + 1, K + 2)) gives three output channels.
    K = np.stack([D2L_K, D2L_K + 1, D2L_K + 2], axis=-1)  # (2, 2, 2, 3)
    out = corr2d_multi_in_out(D2L_X, K)
    assert out.shape == (2, 2, 3)
    # D2L prints (C_out, H', W')
    expected = np.array(
        [
            [[56.0, 72.0], [104.0, 120.0]],
            [[76.0, 100.0], [148.0, 172.0]],
            [[96.0, 128.0], [192.0, 224.0]],
        ]
    )
    np.testing.assert_array_equal(out, expected.transpose(1, 2, 0))


def test_d2l_one_by_one_is_per_pixel_matmul():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 3, 3))
    K = rng.normal(size=(1, 1, 3, 2))
    out = corr2d_multi_in_out(X, K)
    np.testing.assert_allclose(out, X @ K[0, 0], rtol=1e-13, atol=1e-13)
    # the same, written as D2L does: a (C_out, C_in) matrix times a (C_in, H*W) matrix
    Y = (K[0, 0].T @ X.reshape(-1, 3).T).T.reshape(3, 3, 2)
    np.testing.assert_allclose(out, Y, rtol=1e-13, atol=1e-13)


def _oracle_multi_in(X, K, mode):
    return sum(signal.correlate2d(X[..., c], K[..., c], mode) for c in range(X.shape[-1]))


def _oracle_multi_in_out(X, K, mode):
    return np.stack([_oracle_multi_in(X, K[..., k], mode) for k in range(K.shape[-1])], axis=-1)


SHAPES = [
    ((5, 6, 1), (2, 3)),
    ((7, 7, 3), (3, 3)),
    ((9, 5, 4), (4, 2)),
    ((4, 4, 2), (4, 4)),
    ((3, 4, 2), (5, 5)),
]


def _cases():
    for xs, ks in SHAPES:
        for mode in MODES:
            if mode == "valid" and (ks[0] > xs[0] or ks[1] > xs[1]):
                continue  # an error: see test_errors.py
            yield pytest.param(xs, ks, mode, id=f"{xs}-{ks}-{mode}")


@pytest.mark.parametrize("xs, ks, mode", list(_cases()))
def test_multi_in_matches_scipy(xs, ks, mode):
    rng = np.random.default_rng(1)
    X = rng.normal(size=xs)
    K = rng.normal(size=ks + (xs[-1],))
    np.testing.assert_allclose(
        corr2d_multi_in(X, K, mode), _oracle_multi_in(X, K, mode), rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("xs, ks, mode", list(_cases()))
@pytest.mark.parametrize("c_out", [1, 4])
def test_multi_in_out_matches_scipy(xs, ks, mode, c_out):
    rng = np.random.default_rng(2)
    X = rng.normal(size=xs)
    K = rng.normal(size=ks + (xs[-1], c_out))
    out = corr2d_multi_in_out(X, K, mode)
    expected = _oracle_multi_in_out(X, K, mode)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_multi_in_out_batch_axis_equals_one_by_one():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(4, 10, 9, 3))
    K = rng.normal(size=(3, 2, 3, 5))
    for mode in MODES:
        out = corr2d_multi_in_out(X, K, mode)
        assert out.shape[0] == 4 and out.shape[-1] == 5
        for n in range(4):
            np.testing.assert_allclose(
                out[n], corr2d_multi_in_out(X[n], K, mode), rtol=1e-13, atol=1e-13
            )
            np.testing.assert_allclose(
                out[n], _oracle_multi_in_out(X[n], K, mode), rtol=1e-12, atol=1e-12
            )


def _oracle_strided(X, K, stride, dilation):
    """SciPy per channel pair with the kernel's taps spread ``dilation`` apart, every ``stride``-th output."""
    k_h, k_w, c_in, c_out = K.shape
    spread = np.zeros((dilation[0] * (k_h - 1) + 1, dilation[1] * (k_w - 1) + 1, c_in, c_out))
    spread[:: dilation[0], :: dilation[1]] = K
    return _oracle_multi_in_out(X, spread, "valid")[:: stride[0], :: stride[1]]


@pytest.mark.parametrize("c_in", [3, 9])  # 3: built from channel planes; 9: channels-last im2col
@pytest.mark.parametrize("stride, dilation", [((1, 1), (1, 1)), ((2, 3), (1, 1)), ((1, 2), (2, 3))])
def test_row_blocks_and_pieces_leave_no_seams(monkeypatch, c_in, stride, dilation):
    # Both GEMM paths copy the im2col matrix in blocks of output rows, and the
    # planes path multiplies each block in pieces of pixels. Shrink blocks and
    # pieces so that a small image needs several uneven ones, and check the seams.
    from convlib import channels

    rng = np.random.default_rng(4)
    X = rng.normal(size=(2, 50, 160, c_in)).astype(np.float32)
    K = rng.normal(size=(5, 5, c_in, 4)).astype(np.float32)
    rows, cols = _oracle_strided(X[0, :, :, :1], K[:, :, :1, :1], stride, dilation).shape[:2]
    block = 5 * cols * 25 * c_in * 4  # 5 output rows of float32 im2col
    monkeypatch.setattr(channels, "_BLOCK_BYTES", block)
    monkeypatch.setattr(channels, "_PLANES_BLOCK_BYTES", block)
    monkeypatch.setattr(channels, "_PLANES_GEMM_WORK", 25 * c_in * 4 * 100)  # 100 pixels a piece
    assert rows > 5 and rows % 5 and 5 * cols % 100  # several blocks and pieces, uneven last ones
    out = corr2d_multi_in_out(X, K, stride=stride, dilation=dilation, method="gemm")
    assert out.dtype == np.float32
    for n in range(2):
        expected = _oracle_strided(X[n].astype(float), K.astype(float), stride, dilation)
        assert out[n].shape == expected.shape
        np.testing.assert_allclose(out[n], expected, rtol=0, atol=1e-5 * np.abs(expected).max())


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    c_in=st.integers(1, 10),  # 1..8 from channel planes, 9 and 10 channels-last
    c_out=st.integers(1, 5),
    n=st.integers(1, 2),
    kernel=st.tuples(st.integers(1, 5), st.integers(1, 5)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dilation=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    block_rows=st.integers(1, 4),
    piece=st.integers(1, 50),
)
def test_gemm_blocks_pieces_strides_and_dilations_match_scipy(
    data, c_in, c_out, n, kernel, stride, dilation, block_rows, piece
):
    from unittest import mock

    from convlib import channels

    span = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    H = data.draw(st.integers(span[0], span[0] + 12), label="H")
    W = data.draw(st.integers(span[1], span[1] + 12), label="W")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))
    X = rng.normal(size=(n, H, W, c_in))
    K = rng.normal(size=kernel + (c_in, c_out))
    taps = kernel[0] * kernel[1] * c_in
    cols = (W - span[1]) // stride[1] + 1
    block = block_rows * cols * taps * 8  # a few float64 output rows per block
    with (
        mock.patch.object(channels, "_BLOCK_BYTES", block),
        mock.patch.object(channels, "_PLANES_BLOCK_BYTES", block),
        mock.patch.object(channels, "_PLANES_GEMM_WORK", piece * taps * c_out),
    ):
        out = corr2d_multi_in_out(X, K, stride=stride, dilation=dilation, method="gemm")
    for i in range(n):
        expected = _oracle_strided(X[i], K, stride, dilation)
        assert out[i].shape == expected.shape
        np.testing.assert_allclose(out[i], expected, rtol=1e-10, atol=1e-10)


def test_multi_in_with_one_channel_equals_corr2d():
    rng = np.random.default_rng(5)
    X, K = rng.normal(size=(8, 9)), rng.normal(size=(3, 2))
    for mode in MODES:
        np.testing.assert_allclose(
            corr2d_multi_in(X[..., None], K[..., None], mode),
            corr2d(X, K, mode),
            rtol=1e-13,
            atol=1e-13,
        )


# ---------------------------------------------------------------------------
# dtypes, mutation, NaN


@pytest.mark.parametrize("mode", MODES)
def test_float32_stays_float32(mode):
    rng = np.random.default_rng(6)
    X = rng.normal(size=(2, 9, 8, 3)).astype(np.float32)
    K = rng.normal(size=(3, 3, 3, 2)).astype(np.float32)
    assert corr2d_multi_in(X[0], K[..., 0], mode).dtype == np.float32
    assert corr2d_multi_in_out(X[0], K, mode).dtype == np.float32
    assert corr2d_multi_in_out(X, K, mode).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, bool])
def test_integers_and_bools_compute_in_float64(dtype):
    X = (np.arange(2 * 4 * 5 * 2).reshape(2, 4, 5, 2) % 3).astype(dtype)
    K = np.ones((2, 2, 2, 3), dtype=dtype)
    out = corr2d_multi_in_out(X, K)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(
        out[1], _oracle_multi_in_out(X[1].astype(int), K.astype(int), "valid")
    )
    assert corr2d_multi_in(X[0], K[..., 0]).dtype == np.float64


def test_uint8_image_does_not_overflow():
    X = np.full((3, 3, 3), 255, dtype=np.uint8)
    K = np.full((3, 3, 3, 1), 255, dtype=np.uint8)
    np.testing.assert_array_equal(corr2d_multi_in_out(X, K), np.full((1, 1, 1), 27 * 255 * 255.0))


def test_inputs_not_mutated_and_read_only_ok():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(2, 7, 6, 3))
    K = rng.normal(size=(3, 2, 3, 4))
    X0, K0 = X.copy(), K.copy()
    X.setflags(write=False)
    K.setflags(write=False)
    for mode in MODES:
        corr2d_multi_in_out(X, K, mode)
        corr2d_multi_in_out(X[0], K, mode)
        corr2d_multi_in(X[0], K[..., 0], mode)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(K, K0)


def test_non_contiguous_inputs():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(3, 12, 10)).transpose(1, 2, 0)[::-1]  # (12, 10, 3), a strided view
    K = rng.normal(size=(4, 3, 3, 2))[::-1, :, :, ::-1]
    np.testing.assert_allclose(
        corr2d_multi_in_out(X, K), _oracle_multi_in_out(X, K, "valid"), rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("mode", MODES)
def test_nan_pixel_reaches_only_its_windows(mode):
    rng = np.random.default_rng(9)
    X = rng.normal(size=(12, 11, 3))
    K = rng.uniform(0.5, 1.5, size=(3, 4, 3, 2))
    X[5, 6, 1] = np.nan
    out = corr2d_multi_in_out(X, K, mode)
    marker = np.zeros((12, 11))
    marker[5, 6] = 1
    hit = signal.correlate2d(marker, np.ones((3, 4)), mode) != 0
    assert np.isnan(out[hit]).all()
    X[5, 6, 1] = 0
    np.testing.assert_allclose(
        out[~hit], corr2d_multi_in_out(X, K, mode)[~hit], rtol=1e-12, atol=1e-12
    )


# ---------------------------------------------------------------------------
# layout conversions


def test_conversions_move_the_right_axes():
    rng = np.random.default_rng(10)
    X = rng.normal(size=(2, 5, 7, 3))  # x[n, i, j, c]
    V = rng.normal(size=(3, 4, 3, 6))  # V[a, b, c, k]
    nchw, oihw = image_to_nchw(X), kernel_to_oihw(V)
    assert nchw.shape == (2, 3, 5, 7) and oihw.shape == (6, 3, 3, 4)
    assert nchw[1, 2, 4, 6] == X[1, 4, 6, 2]
    assert oihw[5, 1, 2, 3] == V[2, 3, 1, 5]
    assert nchw.flags.c_contiguous and oihw.flags.c_contiguous
    np.testing.assert_array_equal(image_from_nchw(nchw), X)
    np.testing.assert_array_equal(kernel_from_oihw(oihw), V)
    np.testing.assert_array_equal(image_to_nchw(X[0]), nchw[:1])


def test_conversions_keep_dtype_and_do_not_alias():
    X = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    out = image_to_nchw(X)
    assert out.dtype == np.uint8 and not np.shares_memory(out, X)
    K = np.ones((1, 1, 2, 3), dtype=np.float32)
    assert kernel_to_oihw(K).dtype == np.float32
    assert kernel_from_oihw(kernel_to_oihw(K)).dtype == np.float32
    assert image_from_nchw(image_to_nchw(X)).dtype == np.uint8
    # one channel (or 1 x 1 images): the transpose is already contiguous, still a copy
    for fn, A in [
        (image_to_nchw, np.zeros((5, 6, 1))),
        (image_from_nchw, np.zeros((2, 1, 5, 6))),
        (kernel_to_oihw, np.zeros((1, 1, 1, 4))),
        (kernel_from_oihw, np.zeros((4, 1, 1, 1))),
    ]:
        assert not np.shares_memory(fn(A), A), fn.__name__


@pytest.mark.parametrize("mode", MODES)
def test_matches_torch_conv2d(mode):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(11)
    X = rng.normal(size=(2, 13, 11, 3))
    V = rng.normal(size=(3, 5, 3, 4))  # odd sizes: torch's "same" centres like scipy's
    padding = {"valid": "valid", "same": "same", "full": (2, 4)}[mode]
    with torch.no_grad():
        ref = F.conv2d(
            torch.from_numpy(image_to_nchw(X)), torch.from_numpy(kernel_to_oihw(V)), padding=padding
        )
    ours = corr2d_multi_in_out(X, V, mode)
    np.testing.assert_allclose(ours, image_from_nchw(ref.numpy()), rtol=1e-10, atol=1e-10)


def test_matches_torch_conv2d_float32_single_image():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)
    X = rng.normal(size=(20, 24, 3)).astype(np.float32)
    V = rng.normal(size=(3, 3, 3, 16)).astype(np.float32)
    with torch.no_grad():
        ref = torch.nn.functional.conv2d(
            torch.from_numpy(image_to_nchw(X)), torch.from_numpy(kernel_to_oihw(V))
        )
    ours = corr2d_multi_in_out(X, V)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, image_from_nchw(ref.numpy())[0], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    "x_shape, k_shape",
    [
        (
            (9, 10, 16),
            (3, 3, 16, 32),
        ),  # channels-last im2col, many taps * C_out: one BLAS call per block
        ((40, 66, 3), (3, 3, 3, 16)),  # from channel planes: two pieces of pixels plus a remainder
        ((34, 34, 1), (3, 3, 1, 1)),  # from channel planes: 1024 pixels in one piece
    ],
)
def test_gemm_strategies_match_scipy(x_shape, k_shape):
    from convlib import channels

    h, w, c_in, c_out = k_shape
    pixels = (x_shape[0] - h + 1) * (x_shape[1] - w + 1)
    chunk = min(1024, channels._SMALL_GEMM_WORK // (h * w * c_in * c_out))
    assert (chunk < 64) == (k_shape[-1] == 32)
    rng = np.random.default_rng(13)
    X, K = rng.normal(size=x_shape), rng.normal(size=k_shape)
    out = corr2d_multi_in_out(X, K)
    np.testing.assert_allclose(out, _oracle_multi_in_out(X, K, "valid"), rtol=1e-11, atol=1e-11)
    assert pixels == out.shape[0] * out.shape[1]


# ---------------------------------------------------------------------------
# Winograd's F(4x4, 3x3) for 3x3 kernels with many channel pairs


WINOGRAD_SHAPES = [
    ((12, 12), (16, 32)),
    ((13, 10), (32, 16)),
    ((9, 15), (8, 64)),
    ((4, 5), (32, 32)),
    ((3, 3), (64, 8)),
]


@pytest.mark.parametrize("hw, channels_io", WINOGRAD_SHAPES)
def test_winograd_matches_scipy(hw, channels_io):
    from convlib import channels

    c_in, c_out = channels_io
    # enough channel pairs for Winograd (auto takes it on larger images)
    assert c_in * c_out >= channels._WINOGRAD_MIN_CHANNELS
    rng = np.random.default_rng(14)
    X = rng.normal(size=(2,) + hw + (c_in,))
    K = rng.normal(size=(3, 3, c_in, c_out))
    for mode in MODES:
        out = corr2d_multi_in_out(X, K, mode, method="winograd")
        for n in range(2):
            np.testing.assert_allclose(
                out[n], _oracle_multi_in_out(X[n], K, mode), rtol=1e-11, atol=1e-11
            )
    np.testing.assert_allclose(
        corr2d_multi_in_out(X, K, padding=1, method="winograd")[1],
        _oracle_multi_in_out(X[1], K, "same"),
        rtol=1e-11,
        atol=1e-11,
    )
    out32 = corr2d_multi_in_out(X.astype(np.float32), K.astype(np.float32), method="winograd")
    assert out32.dtype == np.float32
    expected = _oracle_multi_in_out(X[0], K, "valid")
    assert np.abs(out32[0] - expected).max() <= 1e-5 * np.abs(expected).max()


def test_auto_takes_winograd_where_it_pays():
    K = np.zeros((3, 3, 64, 64), np.float32)
    assert choose_method(np.zeros((128, 128, 64), np.float32), K) == "winograd"  # 1024 output tiles
    assert choose_method(np.zeros((4, 32, 32, 64), np.float32), K) == "winograd"  # 4 x 64 tiles
    # 64 tiles: the kernel's transform is not paid back
    assert choose_method(np.zeros((32, 32, 64), np.float32), K) == "gemm"
    # 256 channel pairs
    assert (
        choose_method(np.zeros((128, 128, 8), np.float32), np.zeros((3, 3, 8, 32), np.float32))
        == "gemm"
    )


def test_winograd_is_the_im2col_result():
    from convlib import channels

    rng = np.random.default_rng(15)
    X, K = rng.normal(size=(1, 11, 14, 24)), rng.normal(size=(3, 3, 24, 24))
    np.testing.assert_allclose(
        channels._winograd_3x3(X, K, (9, 12)),
        channels._im2col_gemm(X, K, (1, 1), (9, 12)),
        rtol=1e-12,
        atol=1e-12,
    )


@pytest.mark.parametrize(
    "x_shape, dilation",
    [
        ((2, 30, 27, 5), (2, 2)),  # phases of unequal sizes, not multiples of 4
        ((1, 26, 41, 4), (1, 3)),
        ((1, 12, 13, 3), (4, 2)),  # phases of fewer than 4 outputs: the zero-padded tiles
        ((1, 10, 11, 3), (4, 4)),  # more phases than output rows: some phases empty
        ((1, 29, 5, 3), (1, 1)),  # 3 output columns: padded tiles, the last tile row cut
        ((1, 70, 9, 40), (1, 1)),  # the same over several blocks of tile rows
        ((3, 15, 9, 2), (1, 1)),
    ],
)
def test_winograd_with_dilation_is_the_im2col_result(x_shape, dilation):
    """The dilated Winograd (tiles read from each phase in place, last tiles overlapping) equals im2col."""
    from convlib import channels

    rng = np.random.default_rng(sum(x_shape))
    X, K = rng.normal(size=x_shape), rng.normal(size=(3, 3, x_shape[3], 7))
    out_shape = (x_shape[1] - 2 * dilation[0], x_shape[2] - 2 * dilation[1])
    expected = channels._im2col_gemm(X, K, (1, 1), out_shape, dilation)
    got = channels._winograd_3x3(X, K, out_shape, dilation)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_winograd_keeps_non_finite_pixels_local(bad):
    # a NaN or inf must reach only its windows, so the Winograd tiles are skipped
    rng = np.random.default_rng(16)
    X = rng.normal(size=(10, 12, 32))
    K = rng.uniform(0.5, 1.5, size=(3, 3, 32, 32))
    X[4, 7, 3] = bad
    marker = np.zeros((10, 12))
    marker[4, 7] = 1
    hit = signal.correlate2d(marker, np.ones((3, 3)), "valid") != 0
    for method in ("auto", "winograd"):
        out = corr2d_multi_in_out(X, K, method=method)
        assert not np.isfinite(out[hit]).any()
        assert np.isfinite(out[~hit]).all()


def test_integer_inputs_with_many_channels_are_exact():
    # integers skip Winograd's halves: exact sums, here up to about 2**52
    rng = np.random.default_rng(17)
    X = rng.integers(-(2**20), 2**20, size=(9, 8, 32))
    K = rng.integers(-(2**20), 2**20, size=(3, 3, 32, 24))
    out = corr2d_multi_in_out(X, K)
    expected = np.stack(
        [
            sum(signal.correlate2d(X[..., c], K[:, :, c, k], "valid") for c in range(32))
            for k in range(24)
        ],
        axis=-1,
    )
    np.testing.assert_array_equal(out, expected)
