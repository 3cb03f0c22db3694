"""The geometry contract: one rule for output sizes (conv_geometry), receptive fields, im2col, the transposed convolution, counts.

Receptive fields are checked by brute force: a delta image is pushed through
a real stack of corr2d layers (all-ones kernels, so nothing cancels) and the
input pixels that reach an output are read off. The input gradient is
checked against Conv2D.backward, finite differences and an explicit
"dilate G, then full correlation with the flipped kernel" written with SciPy.
"""

import io
import itertools
import re
import tokenize
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from convlib import (
    Conv2D,
    ReceptiveField,
    conv2d,
    conv_geometry,
    conv_transpose2d,
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out,
    effective_kernel_size,
    grouped_params,
    im2col,
    input_size,
    local_params,
    locally_connected_params,
    output_shape,
    output_size,
    receptive_field,
    receptive_field_table,
)

# ---------------------------------------------------------------------------
# output size along one axis


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 40),
    k=st.integers(1, 6),
    p=st.integers(0, 4),
    s=st.integers(1, 5),
    d=st.integers(1, 4),
)
def test_output_size_counts_the_window_positions(n, k, p, s, d):
    """Brute force: the window starts at 0, s, 2s, ... and its last tap (k - 1) d must stay inside n + 2p."""
    starts = [t for t in range(0, n + 2 * p, s) if t + (k - 1) * d <= n + 2 * p - 1]
    if not starts:
        with pytest.raises(ValueError, match="no window fits"):
            output_size(n, k, p, s, d)
        return
    assert output_size(n, k, p, s, d) == len(starts)
    assert effective_kernel_size(k, d) == (k - 1) * d + 1
    assert corr2d(
        np.zeros((n, 1)), np.zeros((k, 1)), padding=(p, 0), stride=(s, 1), dilation=(d, 1)
    ).shape[0] == len(starts)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: output_size(0, 3), "n must be a positive integer"),
        (lambda: output_size(5, 0), "k must be a positive integer"),
        (lambda: output_size(5, 3, padding=-1), "padding must be a non-negative integer"),
        (lambda: output_size(5, 3, stride=0), "stride must be a positive integer"),
        (lambda: output_size(5, 3, dilation=1.5), "dilation must be a positive integer"),
        (lambda: effective_kernel_size(3, 0), "dilation must be a positive integer"),
        (
            lambda: output_size(4, 3, dilation=2),
            r"^the kernel k = 3 dilated by 2 = 5 is larger than the axis n = 4: no window fits .*; use padding=1 or more, or a smaller dilation$",
        ),
    ],
)
def test_geometry_errors_name_the_argument(call, words):
    with pytest.raises((ValueError, TypeError), match=words):
        call()


# ---------------------------------------------------------------------------
# receptive fields by brute force


def stack_support(n, layers, out_index):
    """Input pixels (0..n-1) that reach output ``out_index`` of the stack, found by pushing deltas through corr2d."""
    seen = []
    for j in range(n):
        x = np.zeros((1, n))
        x[0, j] = 1.0
        for k, s, d, p in layers:
            x = corr2d(x, np.ones((1, k)), padding=(0, p), stride=(1, s), dilation=(1, d))
        if out_index < x.shape[1] and x[0, out_index] != 0:
            seen.append(j)
    return seen


LAYER = st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2))


@settings(max_examples=60, deadline=None)
@given(layers=st.lists(LAYER, min_size=1, max_size=4), out_index=st.integers(0, 3))
def test_receptive_field_matches_a_delta_pushed_through_the_stack(layers, out_index):
    n = 70
    sizes = [n]
    for k, s, d, p in layers:
        if (k - 1) * d + 1 > sizes[-1] + 2 * p:
            return
        sizes.append((sizes[-1] + 2 * p - (k - 1) * d - 1) // s + 1)
    if out_index >= sizes[-1]:
        return
    rf = receptive_field(*map(list, zip(*layers, strict=True)))
    table = receptive_field_table(*map(list, zip(*layers, strict=True)))
    assert table[-1] == rf and len(table) == len(layers)
    first = rf.start + out_index * rf.jump
    expected = [j for j in range(first, first + rf.size) if 0 <= j < n]
    seen = stack_support(n, layers, out_index)
    # with all-ones kernels the support lies in the receptive field (clipped to the image) and reaches both of its
    # ends; dilation or a stride larger than the next kernel can leave holes inside it (gridding). (Padding of a
    # later layer puts zeros where the formula extrapolates earlier outputs: then only the first holds.)
    assert set(seen) <= set(expected)
    if any(p for _, _, _, p in layers[1:]):
        return
    inside = [j for j in (first, first + rf.size - 1) if 0 <= j < n]
    assert set(inside) <= set(seen)
    if all(d == 1 and s == 1 for _, s, d, _ in layers):
        assert seen == expected


def test_receptive_field_formula_examples():
    assert receptive_field([3, 3, 3]) == ReceptiveField(7, 1, 0)  # 2 L Delta + 1
    # the stride of layer 1 doubles layer 2's reach
    assert receptive_field([7, 3], stride=[2, 1]).size == 11
    # a layer's own stride does not widen its own field
    assert receptive_field([7, 3], stride=[1, 2]).size == 9
    assert receptive_field([3, 3, 3], dilation=[1, 2, 4]).size == 15
    assert receptive_field(3, dilation=2).size == effective_kernel_size(3, 2) == 5
    # ResNet stem: 7x7 stride 2 pad 3, then 3x3 max-pool-like window stride 2 pad 1
    assert receptive_field([7, 3], stride=[2, 2], padding=[3, 1]) == ReceptiveField(11, 4, -5)


@pytest.mark.parametrize(
    "call, exc, words",
    [
        (lambda: receptive_field([]), ValueError, "kernel_size must name at least one layer"),
        (
            lambda: receptive_field([3, 0]),
            ValueError,
            r"kernel_size\[1\] must be a positive integer",
        ),
        (
            lambda: receptive_field([3, 3], stride=[1]),
            ValueError,
            "stride must have one entry per layer",
        ),
        (
            lambda: receptive_field([3, 3], dilation=[1, 0]),
            ValueError,
            r"dilation\[1\] must be a positive integer",
        ),
        (
            lambda: receptive_field([3], padding=-1),
            ValueError,
            "padding must be a non-negative integer",
        ),
        (lambda: receptive_field(3.0), TypeError, r"kernel_size\[0\] must be a positive integer"),
    ],
)
def test_receptive_field_errors_name_the_argument(call, exc, words):
    with pytest.raises(exc, match=words):
        call()


# ---------------------------------------------------------------------------
# im2col


@settings(max_examples=80, deadline=None)
@given(
    H=st.integers(1, 9),
    W=st.integers(1, 9),
    k_h=st.integers(1, 3),
    k_w=st.integers(1, 3),
    s=st.integers(1, 3),
    d=st.integers(1, 3),
    p=st.integers(0, 2),
    C=st.integers(0, 3),
    seed=st.integers(0, 1000),
)
def test_corr2d_is_im2col_times_the_raveled_kernel(H, W, k_h, k_w, s, d, p, C, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(H, W) if C == 0 else (H, W, C))
    if (k_h - 1) * d + 1 > H + 2 * p or (k_w - 1) * d + 1 > W + 2 * p:
        with pytest.raises(ValueError, match="no window fits"):
            im2col(X, k_h, k_w, s, d, padding=p)
        return
    cols = im2col(X, k_h, k_w, s, d, padding=p)
    if C == 0:
        K = rng.normal(size=(k_h, k_w))
        Y = corr2d(X, K, padding=p, stride=s, dilation=d)
    else:
        K = rng.normal(size=(k_h, k_w, C, 2))
        Y = corr2d_multi_in_out(X, K, padding=p, stride=s, dilation=d)
    assert cols.shape == (Y.shape[0] * Y.shape[1], k_h * k_w * max(C, 1))
    np.testing.assert_allclose(
        (cols @ K.reshape(cols.shape[1], -1)).reshape(Y.shape), Y, atol=1e-12
    )
    # row i W' + j is the window at (i, j), each pixel where the formula reads it
    Xp = np.pad(X, ((p, p), (p, p)) + (((0, 0),) if C else ()))
    i, j = Y.shape[0] - 1, Y.shape[1] - 1
    window = Xp[i * s : i * s + (k_h - 1) * d + 1 : d, j * s : j * s + (k_w - 1) * d + 1 : d]
    np.testing.assert_array_equal(cols[-1], window.ravel())


def test_im2col_lecture_example_and_errors():
    X = np.arange(9).reshape(3, 3)
    np.testing.assert_array_equal(
        im2col(X, 2, 2), [[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]
    )
    np.testing.assert_array_equal(
        im2col(np.arange(4.0).reshape(1, 4), 1, 2, padding=(0, 1), padding_mode="circular"),
        [[3, 0], [0, 1], [1, 2], [2, 3], [3, 0]],
    )
    with pytest.raises(ValueError, match="k_h must be a positive integer"):
        im2col(X, 0, 2)
    with pytest.raises(ValueError, match="stride must be a positive integer"):
        im2col(X, 2, 2, 0)
    with pytest.raises(ValueError, match="X must be a 2 or 3-D"):
        im2col(np.ones(4), 2, 2)


# ---------------------------------------------------------------------------
# the input gradient: a full correlation of the (stride-dilated) gradient with the flipped kernel


def explicit_input_gradient(G, K, s, d, p, output_padding):
    """dL/dx by the recipe the chapter states, with SciPy: dilate G by s, full correlation with flipped, dilated K, crop p."""
    (s_h, s_w), (d_h, d_w) = s, d
    up = np.zeros(
        (
            (G.shape[0] - 1) * s_h + 1 + output_padding[0],
            (G.shape[1] - 1) * s_w + 1 + output_padding[1],
        )
    )
    up[: (G.shape[0] - 1) * s_h + 1 : s_h, : (G.shape[1] - 1) * s_w + 1 : s_w] = G
    Kd = np.zeros(((K.shape[0] - 1) * d_h + 1, (K.shape[1] - 1) * d_w + 1))
    Kd[::d_h, ::d_w] = K
    full = signal.correlate2d(up, Kd[::-1, ::-1], "full")
    return full[p[0] : full.shape[0] - p[0], p[1] : full.shape[1] - p[1]]


def test_stride_one_input_gradient_is_the_full_correlation_with_the_flipped_kernel():
    rng = np.random.default_rng(1)
    for H, W, k in [(6, 7, (3, 2)), (5, 5, (1, 1)), (8, 4, (4, 3))]:
        layer = Conv2D(k, seed=2)
        X = rng.normal(size=(H, W))
        G = rng.normal(size=layer(X).shape)
        K = layer.weight[:, :, 0, 0]
        grad = layer.backward(G)
        np.testing.assert_allclose(grad, corr2d(G, K[::-1, ::-1], "full"), atol=1e-12)
        np.testing.assert_allclose(grad, conv_transpose2d(G, K), atol=1e-12)
        # i.e. a true convolution
        np.testing.assert_allclose(grad, signal.convolve2d(G, K, "full"), atol=1e-12)


CONFIGS = list(
    itertools.product(
        [(1, 1), (2, 2), (3, 2)], [(1, 1), (2, 1)], [(0, 0), (1, 2)], [(7, 9), (8, 8)]
    )
)


@pytest.mark.parametrize("stride, dilation, padding, size", CONFIGS)
def test_input_gradient_with_stride_is_the_transposed_convolution(stride, dilation, padding, size):
    rng = np.random.default_rng(hash((stride, dilation, padding, size)) % 2**32)
    layer = Conv2D((3, 2), 2, 3, padding=padding, stride=stride, dilation=dilation, seed=3)
    X = rng.normal(size=(2, *size, 2))
    G = rng.normal(size=layer(X).shape)
    grad = layer.backward(G)
    k_h, k_w = 3, 2
    rest = tuple(
        (n + 2 * p - (k - 1) * d - 1) % s
        for n, p, k, d, s in zip(size, padding, (k_h, k_w), dilation, stride, strict=True)
    )
    got = conv_transpose2d(
        G, layer.weight, padding=padding, stride=stride, dilation=dilation, output_padding=rest
    )
    np.testing.assert_allclose(got, grad, atol=1e-12)
    # channel by channel, the explicit recipe with SciPy
    for n in range(2):
        for c in range(2):
            expected = sum(
                explicit_input_gradient(
                    G[n, :, :, k], layer.weight[:, :, c, k], stride, dilation, padding, rest
                )
                for k in range(3)
            )
            np.testing.assert_allclose(got[n, :, :, c], expected, atol=1e-12)


def test_transposed_convolution_is_the_adjoint_of_the_correlation():
    """<corr(x), g> == <x, conv_transpose(g)> for random x, g: the defining property, by finite differences in effect."""
    rng = np.random.default_rng(4)
    for s, d, p in [((2, 3), (1, 1), (0, 1)), ((1, 1), (2, 2), (2, 0)), ((3, 3), (2, 1), (1, 1))]:
        X, K = rng.normal(size=(11, 10)), rng.normal(size=(3, 3))
        Y = corr2d(X, K, padding=p, stride=s, dilation=d)
        G = rng.normal(size=Y.shape)
        rest = tuple(
            (n + 2 * pp - (3 - 1) * dd - 1) % ss
            for n, pp, dd, ss in zip(X.shape, p, d, s, strict=True)
        )
        back = conv_transpose2d(G, K, padding=p, stride=s, dilation=d, output_padding=rest)
        assert back.shape == X.shape
        assert np.sum(Y * G) == pytest.approx(np.sum(X * back), rel=1e-12)


def test_conv_transpose2d_errors_name_the_argument():
    G, K = np.ones((2, 2)), np.ones((2, 2))
    with pytest.raises(
        ValueError, match="output_padding must be smaller than the stride or the dilation"
    ):
        conv_transpose2d(G, K, output_padding=1)
    with pytest.raises(
        ValueError,
        match=r"^padding=2 crops away every pixel of the input \(it would have -1 pixels along this axis\)",
    ):
        conv_transpose2d(G, K, padding=2)
    with pytest.raises(ValueError, match="channel mismatch: G has 3"):
        conv_transpose2d(np.ones((2, 2, 3)), np.ones((2, 2, 1, 2)))
    with pytest.raises(ValueError, match="K must be a 4-D"):
        conv_transpose2d(np.ones((2, 2, 3)), K)
    with pytest.raises(ValueError, match="G must be a 2, 3 or 4-D"):
        conv_transpose2d(np.ones(3), K)
    assert (
        conv_transpose2d(np.ones((2, 2), dtype=np.float32), K.astype(np.float32)).dtype
        == np.float32
    )
    np.testing.assert_array_equal(conv_transpose2d([[1, 2]], [[3]], stride=2), [[3, 0, 6]])


# ---------------------------------------------------------------------------
# counting: locally connected and grouped layers


def test_locally_connected_count_is_one_window_of_weights_per_pixel():
    assert locally_connected_params(1024, 1024, 1) == 1024 * 1024 * 9
    assert locally_connected_params(480, 640, 2, 3, 64) == 480 * 640 * 25 * 3 * 64
    # brute force: list every weight V[i, j, a, b] of the unshared "same" layer
    H, W, delta = 4, 5, 1
    weights = {
        (i, j, a, b)
        for i in range(H)
        for j in range(W)
        for a in range(-delta, delta + 1)
        for b in range(-delta, delta + 1)
    }
    assert locally_connected_params(H, W, delta) == len(weights) == H * W * local_params(delta)
    with pytest.raises(ValueError, match="delta must be a non-negative integer"):
        locally_connected_params(4, 4, -1)


@pytest.mark.parametrize(
    "c_in, c_out, groups", [(4, 6, 1), (4, 6, 2), (6, 6, 3), (8, 8, 8), (3, 12, 3), (64, 128, 32)]
)
def test_grouped_count_is_the_block_diagonal_channel_mixing(c_in, c_out, groups):
    """Brute force: the (C_in x C_out) mask of each tap is block diagonal with `groups` blocks."""
    per_in, per_out = c_in // groups, c_out // groups
    mask = np.array([[c // per_in == k // per_out for k in range(c_out)] for c in range(c_in)])
    assert grouped_params(3, 2, c_in, c_out, groups) == 3 * 2 * int(mask.sum())


def test_grouped_correlation_is_a_full_layer_with_a_block_diagonal_kernel():
    rng = np.random.default_rng(5)
    X, groups = rng.normal(size=(7, 8, 6)), 3
    K = rng.normal(size=(3, 3, 6, 6)) * np.kron(np.eye(groups), np.ones((2, 2)))[None, None]
    blocks = [
        corr2d_multi_in_out(
            X[..., 2 * g : 2 * g + 2], K[:, :, 2 * g : 2 * g + 2, 2 * g : 2 * g + 2]
        )
        for g in range(groups)
    ]
    np.testing.assert_allclose(
        corr2d_multi_in_out(X, K), np.concatenate(blocks, axis=-1), atol=1e-12
    )
    assert np.count_nonzero(K) == grouped_params(3, 3, 6, 6, groups)


def test_grouped_count_errors():
    with pytest.raises(ValueError, match="groups must divide both c_in and c_out"):
        grouped_params(3, 3, 4, 6, 4)
    with pytest.raises(ValueError, match="groups must be a positive integer"):
        grouped_params(3, 3, 4, 4, 0)


@settings(max_examples=80, deadline=None)
@given(
    H=st.integers(1, 12),
    W=st.integers(1, 12),
    k_h=st.integers(1, 4),
    k_w=st.integers(1, 4),
    s=st.integers(1, 3),
    d=st.integers(1, 3),
    p=st.integers(0, 2),
    seed=st.integers(0, 1000),
)
def test_conv_transpose2d_is_the_adjoint_property(H, W, k_h, k_w, s, d, p, seed):
    """For every geometry that fits: the transposed convolution returns the input's shape and <corr(x), g> = <x, corr^T(g)>."""
    if (k_h - 1) * d + 1 > H + 2 * p or (k_w - 1) * d + 1 > W + 2 * p:
        return
    rng = np.random.default_rng(seed)
    X, K = rng.normal(size=(H, W)), rng.normal(size=(k_h, k_w))
    Y = corr2d(X, K, padding=p, stride=s, dilation=d)
    G = rng.normal(size=Y.shape)
    rest = ((H + 2 * p - (k_h - 1) * d - 1) % s, (W + 2 * p - (k_w - 1) * d - 1) % s)
    back = conv_transpose2d(G, K, padding=p, stride=s, dilation=d, output_padding=rest)
    assert back.shape == X.shape
    assert np.sum(Y * G) == pytest.approx(np.sum(X * back), rel=1e-9, abs=1e-9)


# ---------------------------------------------------------------------------
# one geometry rule: every entry point agrees with conv_geometry, and nothing else computes a size

ROOT = Path(__file__).resolve().parents[1]


@settings(max_examples=150, deadline=None)
@given(
    H=st.integers(1, 9),
    W=st.integers(1, 9),
    k_h=st.integers(1, 4),
    k_w=st.integers(1, 4),
    p=st.integers(0, 2),
    s=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    d=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    mode=st.sampled_from(["valid", "same", "full"]),
)
def test_every_entry_point_has_the_shape_conv_geometry_gives(H, W, k_h, k_w, p, s, d, mode):
    p = p if mode == "valid" else 0
    X, K = np.arange(H * W, dtype=float).reshape(H, W), np.ones((k_h, k_w))
    span = (d[0] * (k_h - 1) + 1, d[1] * (k_w - 1) + 1)
    if mode == "valid" and (span[0] > H + 2 * p or span[1] > W + 2 * p):
        with pytest.raises(ValueError, match="no window fits"):
            conv_geometry((H, W), (k_h, k_w), mode, padding=p, stride=s, dilation=d)
        return
    g = conv_geometry((H, W), (k_h, k_w), mode, padding=p, stride=s, dilation=d)
    # the size, independently: the padded length n + before + after holds (n_padded - span) // s + 1 windows
    padded = [n + sum(pair) for n, pair in zip((H, W), g.pad)]
    assert g.out == tuple((m - sp) // st_ + 1 for m, sp, st_ in zip(padded, span, s))
    if mode == "same":
        assert [sum(pair) for pair in g.pad] == [span[0] - 1, span[1] - 1]
    kwargs = {"padding": p, "stride": s, "dilation": d}
    assert output_shape(H, W, k_h, k_w, mode, **kwargs) == g.out
    assert corr2d(X, K, mode, **kwargs).shape == g.out
    assert conv2d(X, K, mode, **kwargs).shape == g.out
    assert corr2d_multi_in(X[:, :, None], K[:, :, None], mode, **kwargs).shape == g.out
    assert corr2d_multi_in_out(X[:, :, None], K[:, :, None, None], mode, **kwargs).shape == (
        *g.out,
        1,
    )
    if mode == "valid":
        assert Conv2D((k_h, k_w), **kwargs)(X).shape == g.out
        assert im2col(X, k_h, k_w, **kwargs).shape == (g.out[0] * g.out[1], k_h * k_w)
        assert (output_size(H, k_h, p, s[0], d[0]), output_size(W, k_w, p, s[1], d[1])) == g.out
    # torch's formula for the valid case (padding counted on each side)
    if mode == "valid":
        assert g.out == tuple(
            (n + 2 * p - dd * (k - 1) - 1) // ss + 1
            for n, k, dd, ss in zip((H, W), (k_h, k_w), d, s)
        )


@settings(max_examples=200, deadline=None)
@given(
    n_out=st.integers(1, 12),
    k=st.integers(1, 5),
    p=st.integers(0, 3),
    s=st.integers(1, 4),
    d=st.integers(1, 3),
    data=st.data(),
)
def test_input_size_inverts_output_size(n_out, k, p, s, d, data):
    o = data.draw(st.integers(0, max(s, d) - 1))
    if (n_out - 1) * s - 2 * p + d * (k - 1) + 1 + o < 1:
        with pytest.raises(ValueError, match=f"^padding={p} crops away every pixel of the input"):
            input_size(n_out, k, p, s, d, o)
        return
    n = input_size(n_out, k, p, s, d, o)
    if o < s:  # the extra rows are unread ones: the forward pass gives n_out back
        assert output_size(n, k, padding=p, stride=s, dilation=d) == n_out
    # and it is the shape conv_transpose2d returns
    G = np.ones((n_out, 1))
    assert (
        conv_transpose2d(
            G,
            np.ones((k, 1)),
            padding=(p, 0),
            stride=(s, 1),
            dilation=(d, 1),
            output_padding=(o, 0),
        ).shape[0]
        == n
    )


# Python expressions that compute an output size: a floor division by a stride, "n - k + 1", "(n - span) // s".
SIZE_ARITHMETIC = [
    r"//\s*\(?\s*s(_[hw])?\b",
    r"-\s*k(_[hw])?\s*\+\s*1\b",
    r"-\s*span(_[hw])?\s*\)\s*//",
]
# Allowed outside convlib/shapes.py, each with its reason (function names, so that moving code does not matter):
SIZE_ARITHMETIC_ALLOWED = {
    # the window loop that simulates students' mistakes in the checkers
    ("convlib/checks/mistakes.py", "loop_valid"),
    # the FFT strategy crops the valid part of an already padded array (the strategy internals' own bookkeeping)
    ("convlib/correlate.py", "_correlate_fft"),
    # not a size: the template-matching peak suppression blanks a window around each found peak
    ("convlib/widgets/correlation.py", "top_peaks"),
}


def _code_lines(path: Path):
    """(line number, enclosing function, code without strings and comments) for every line of a Python file."""
    source = path.read_text(encoding="utf-8")
    skip = {tokenize.STRING, tokenize.COMMENT, getattr(tokenize, "FSTRING_MIDDLE", -1)}
    lines = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in skip:
            lines.setdefault(token.start[0], []).append(token.string)
    function, text = None, source.splitlines()
    for number in range(1, len(text) + 1):
        match = re.match(r"\s*def (\w+)", text[number - 1])
        if match and not text[number - 1].startswith(" " * 8):
            function = match.group(1)
        if number in lines:
            yield number, function, " ".join(lines[number])


def test_output_size_arithmetic_lives_in_shapes_only():
    found = []
    for path in sorted((ROOT / "convlib").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name == "convlib/shapes.py":
            continue
        for number, function, code in _code_lines(path):
            if (name, function) in SIZE_ARITHMETIC_ALLOWED:
                continue
            if any(re.search(pattern, code) for pattern in SIZE_ARITHMETIC):
                found.append(f"{name}:{number} (in {function}): {code}")
    assert not found, (
        "output sizes computed outside convlib/shapes.py (call conv_geometry/output_size):\n"
        + "\n".join(found)
    )
    # the explorers' JavaScript takes its output lengths from the model instead of a formula
    js = (ROOT / "convlib" / "widgets" / "js" / "padding.js").read_text(encoding="utf-8")
    assert not re.search(r"Math\.floor\([^)]*/\s*s", js), "padding.js computes an output length"


def test_the_scan_finds_size_arithmetic(tmp_path):
    # the patterns above do catch the usual spellings (a test that cannot fail would prove nothing)
    for code in [
        "Ho = (H + 2 * p_h - k_h) // s_h + 1",
        "rows = H - k_h + 1",
        "n = (n + 2 * p - span) // s + 1",
        "x = (a - span_w) // st",
    ]:
        path = tmp_path / "m.py"
        path.write_text(f"def f():\n    {code}\n")
        hits = [c for _, _, c in _code_lines(path) if any(re.search(p, c) for p in SIZE_ARITHMETIC)]
        assert hits, code
