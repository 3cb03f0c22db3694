"""The checkers of the geometry, design and layer-part exercises: each rejects at least six distinct wrong answers with a named hint
and accepts several correct variants. No hint prints a model answer.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from convlib import conv2d, conv_transpose2d, corr2d, corr2d_multi_in_out, pad2d
from convlib.checks import (
    FLOAT_REASONS,
    CheckFailed,
    check_dilated_size,
    check_direction_edge_kernel,
    check_float_equality,
    check_grouped_count,
    check_input_gradient,
    check_locally_connected_count,
    check_min_kernel_size,
    check_padding_impl,
    check_second_derivative_kernel,
    check_strided_receptive_field,
    float_example,
)


def rejects(check, *answer, hint, **kwargs):
    with pytest.raises(CheckFailed) as info:
        check(*answer, **kwargs)
    assert hint in str(info.value), str(info.value)
    return str(info.value)


def accepts(check, *answer, capsys, **kwargs):
    check(*answer, **kwargs)
    assert "✓" in capsys.readouterr().out


# ---------------------------------------------------------------------------
# output size with dilation


def size_right(n, k, p, s, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def size_loop(n, k, p, s, d):  # counts the window positions
    span = d * (k - 1) + 1
    return len(range(0, n + 2 * p - span + 1, s))


def size_floor(n, k, p, s, d):
    return math.floor((n + 2 * p - (k + (k - 1) * (d - 1))) / s) + 1


@pytest.mark.parametrize("right", [size_right, size_loop, size_floor])
def test_dilated_size_accepts(right, capsys):
    accepts(check_dilated_size, right, capsys=capsys)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda n, k, p, s, d: (n + 2 * p - k) // s + 1, "[dilation ignored]"),
        (lambda n, k, p, s, d: (n + 2 * p - k * d) // s + 1, "[k d pixels]"),
        (lambda n, k, p, s, d: (n + 2 * p - (k + d - 1)) // s + 1, "[dilation added once]"),
        (lambda n, k, p, s, d: (n + 2 * p - d * (k - 1)) // s + 1, "[effective size one short]"),
        (lambda n, k, p, s, d: (n + 2 * p - k) // (s * d) + 1, "[dilation used as a stride]"),
        (lambda n, k, p, s, d: (n + p - d * (k - 1) - 1) // s + 1, "[padding counted once]"),
        (lambda n, k, p, s, d: (n + 2 * p - d * (k - 1) - 1) // s, "[last position forgotten]"),
        (lambda n, k, p, s, d: -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1, "[rounded up]"),
        (lambda n, k, p, s, d: (n + 2 * p - d * (k - 1) - 1) / s + 1, "[float result]"),
    ],
)
def test_dilated_size_rejects(wrong, hint):
    rejects(check_dilated_size, wrong, hint=hint)


def test_dilated_size_refuses_the_library():
    from convlib import output_size

    rejects(
        check_dilated_size,
        lambda n, k, p, s, d: output_size(n, k, p, s, d),
        hint="[library function]",
    )


# ---------------------------------------------------------------------------
# receptive field with stride and dilation


def rf_recursion(kernels, strides, dilations):
    r, jump = 1, 1
    for k, s, d in zip(kernels, strides, dilations):
        r += (k - 1) * d * jump
        jump *= s
    return r


def rf_backwards(
    kernels, strides, dilations
):  # from the output back to the input: r <- (r - 1) s + d (k - 1) + 1
    r = 1
    for k, s, d in reversed(list(zip(kernels, strides, dilations))):
        r = (r - 1) * s + d * (k - 1) + 1
    return r


def rf_products(kernels, strides, dilations):
    return 1 + sum(
        (k - 1) * d * math.prod(strides[:i]) for i, (k, d) in enumerate(zip(kernels, dilations))
    )


@pytest.mark.parametrize("right", [rf_recursion, rf_backwards, rf_products])
def test_strided_receptive_field_accepts(right, capsys):
    accepts(check_strided_receptive_field, right, capsys=capsys)


def rf_variant(step):
    def fn(kernels, strides, dilations):
        r, jump = 1, 1
        for k, s, d in zip(kernels, strides, dilations):
            r += step(k, s, d, jump)
            jump *= s
        return r

    return fn


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda K, S, D: 1 + sum(k - 1 for k in K), "[strides and dilations ignored]"),
        (rf_variant(lambda k, s, d, j: (k - 1) * d), "[strides ignored]"),
        (rf_variant(lambda k, s, d, j: (k - 1) * j), "[dilations ignored]"),
        (rf_variant(lambda k, s, d, j: (k - 1) * d * j * s), "[own stride counted]"),
        (lambda K, S, D: sum(d * (k - 1) + 1 for k, d in zip(K, D)), "[window sizes added]"),
        (
            lambda K, S, D: math.prod(d * (k - 1) + 1 for k, d in zip(K, D)),
            "[window sizes multiplied]",
        ),
        (rf_variant(lambda k, s, d, j: (k * d - 1) * j), "[k d per tap span]"),
        (lambda K, S, D: float(rf_recursion(K, S, D)), "[float result]"),
        (lambda K, S, D: K[0] + S[5], "[exception]"),
    ],
)
def test_strided_receptive_field_rejects(wrong, hint):
    rejects(check_strided_receptive_field, wrong, hint=hint)


# ---------------------------------------------------------------------------
# locally connected and grouped counts


@pytest.mark.parametrize(
    "right",
    [
        lambda H, W, delta, c_in, c_out: H * W * (2 * delta + 1) ** 2 * c_in * c_out,
        lambda H, W, delta, c_in, c_out: len(range(-delta, delta + 1)) ** 2 * c_in * c_out * H * W,
        lambda H, W, delta, c_in, c_out: (
            float(H * W * (2 * delta + 1) ** 2 * c_in * c_out)
            and H * W * (2 * delta + 1) ** 2 * c_in * c_out
        ),
    ],
)
def test_locally_connected_count_accepts(right, capsys):
    accepts(check_locally_connected_count, right, capsys=capsys)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda H, W, d, ci, co: (2 * d + 1) ** 2 * ci * co, "[weights shared]"),
        (lambda H, W, d, ci, co: (H * W) ** 2 * ci * co, "[fully connected]"),
        (lambda H, W, d, ci, co: H * W * (2 * d + 1) ** 2, "[forgot the channels]"),
        (lambda H, W, d, ci, co: H * W * (2 * d + 1) ** 2 * co, "[forgot the input channels]"),
        (lambda H, W, d, ci, co: H * W * (2 * d + 1) ** 2 * ci, "[forgot the output channels]"),
        (lambda H, W, d, ci, co: H * W * (d + 1) ** 2 * ci * co, "[window side delta + 1]"),
        (lambda H, W, d, ci, co: H * W * (2 * d) ** 2 * ci * co, "[window side 2 delta]"),
        (
            lambda H, W, d, ci, co: (H - 2 * d) * (W - 2 * d) * (2 * d + 1) ** 2 * ci * co,
            "[valid-size hidden layer]",
        ),
        (lambda H, W, d, ci, co: H * W * ((2 * d + 1) ** 2 * ci * co + co), "[counted the biases]"),
        (lambda H, W, d, ci, co: H * W * (2 * d + 1) ** 2 * ci * co / 1, "[float result]"),
    ],
)
def test_locally_connected_count_rejects(wrong, hint):
    rejects(check_locally_connected_count, wrong, hint=hint)


@pytest.mark.parametrize(
    "right",
    [
        lambda k_h, k_w, c_in, c_out, groups: k_h * k_w * (c_in // groups) * c_out,
        lambda k_h, k_w, c_in, c_out, groups: (
            groups * k_h * k_w * (c_in // groups) * (c_out // groups)
        ),
        lambda k_h, k_w, c_in, c_out, groups: (
            int(np.kron(np.eye(groups), np.ones((c_in // groups, c_out // groups))).sum())
            * k_h
            * k_w
        ),
    ],
)
def test_grouped_count_accepts(right, capsys):
    accepts(check_grouped_count, right, capsys=capsys)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda k_h, k_w, ci, co, g: k_h * k_w * ci * co, "[groups ignored]"),
        (
            lambda k_h, k_w, ci, co, g: k_h * k_w * (ci // g) * (co // g),
            "[divided by groups twice]",
        ),
        (lambda k_h, k_w, ci, co, g: k_h * k_w * ci * co * g, "[multiplied by groups]"),
        (lambda k_h, k_w, ci, co, g: k_h * k_h * (ci // g) * co, "[square kernel assumed]"),
        (lambda k_h, k_w, ci, co, g: k_h * k_w * (ci // g) * co + co, "[counted the biases]"),
        (lambda k_h, k_w, ci, co, g: k_h * k_w * ci / g * co, "[float result]"),
        (lambda k_h, k_w, ci, co, g: k_h * k_w * (ci // g) * co + 1, "[wrong values]"),
    ],
)
def test_grouped_count_rejects(wrong, hint):
    rejects(check_grouped_count, wrong, hint=hint)


# ---------------------------------------------------------------------------
# the smallest kernel for a derivative of order d


@pytest.mark.parametrize(
    "right",
    [
        lambda d: d + 1,
        lambda d: len(functools.reduce(np.convolve, [[1, -1]] * d)),
        lambda d: int(np.int64(d) + 1),
    ],
)
def test_min_kernel_size_accepts(right, capsys):
    accepts(check_min_kernel_size, right, capsys=capsys)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda d: d, "[one tap short]"),
        (lambda d: 2 * d + 1, "[centred size]"),
        (lambda d: 2 * d, "[twice the order]"),
        (lambda d: d + 2, "[one tap too many]"),
        (lambda d: 2**d, "[doubling per order]"),
        (lambda d: d + 1.0, "[float result]"),
        (lambda d: 3, "[wrong values]"),
    ],
)
def test_min_kernel_size_rejects(wrong, hint):
    rejects(check_min_kernel_size, wrong, hint=hint)


# ---------------------------------------------------------------------------
# edge detector for a direction v


SOBEL_I = np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])  # rises along i (down)
SOBEL_J = SOBEL_I.T  # rises along j (right)


def edge_sobel(v):
    return v[0] * SOBEL_I + v[1] * SOBEL_J


def edge_central(v):
    K = np.zeros((3, 3))
    K[2, 1], K[0, 1] = v[0], -v[0]
    K[1, 2], K[1, 0] = v[1], -v[1]
    return K


def edge_forward(v):  # 2 x 2 forward differences, scaled to unit length
    vi, vj = np.asarray(v) / math.hypot(*v)
    return [[-vi - vj, vj], [vi, 0.0]]


@pytest.mark.parametrize("right", [edge_sobel, edge_central, edge_forward])
def test_direction_edge_kernel_accepts(right, capsys):
    accepts(check_direction_edge_kernel, right, capsys=capsys)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda v: SOBEL_J, "[ignores v]"),
        (lambda v: -edge_sobel(v), "[sign]"),
        (lambda v: edge_sobel(v)[::-1, ::-1], "[sign]"),  # designed for convolution
        (lambda v: v[1] * SOBEL_I + v[0] * SOBEL_J, "[rows and columns swapped]"),
        (lambda v: -v[0] * SOBEL_I + v[1] * SOBEL_J, "[row axis pointing up]"),
        (lambda v: -v[1] * SOBEL_I + v[0] * SOBEL_J, "[along the edge, not across it]"),
        (lambda v: edge_sobel(v) + 0.1, "[responds to flat regions]"),
        (
            lambda v: (
                edge_sobel(v) + 12 * math.hypot(*v) * np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]])
            ),
            "[responds to edges along v]",
        ),
        (lambda v: np.cos(v[0]) * SOBEL_I + np.sin(v[1]) * SOBEL_J, "[wrong direction]"),
        (lambda v: np.zeros((7, 7)), "[too large]"),
        (lambda v: [[v[0], "x"]], "[not numbers]"),
        (lambda v: edge_sobel(v[0]), "[exception]"),
    ],
)
def test_direction_edge_kernel_rejects(wrong, hint):
    message = rejects(check_direction_edge_kernel, wrong, hint=hint)
    # no kernel is printed (only the student's own answer)
    assert "[[" not in message or hint == "[not numbers]"


# ---------------------------------------------------------------------------
# second derivative


@pytest.mark.parametrize(
    "right",
    [
        np.array([[1.0, -2.0, 1.0]]),
        [[0, 0, 0], [1, -2, 1], [0, 0, 0]],
        np.array([[1, -2, 1], [2, -4, 2], [1, -2, 1]]) / 4,
        np.array([[-1, 16, -30, 16, -1]]) / 12,
        np.array([[1, 0, -2, 0, 1]]) / 4,
    ],
)
def test_second_derivative_kernel_accepts(right, capsys):
    accepts(check_second_derivative_kernel, right, capsys=capsys)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (np.array([[1.0, -1.0]]), "[responds to ramps]"),
        (np.array([[-1.0, 0.0, 1.0]]), "[responds to ramps]"),
        (np.array([[1.0], [-2.0], [1.0]]), "[wrong direction]"),
        (np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]]), "[both directions]"),
        (np.array([[-1.0, 2.0, -1.0]]), "[sign]"),
        (np.array([[2.0, -4.0, 2.0]]), "[scale]"),
        (np.array([[1.0, 1.0, 1.0]]), "[responds to flat regions]"),
        (np.array([[1.0, 0, -1.0], [0, 0, 0], [-1.0, 0, 1.0]]), "[responds to i j]"),
        (np.array([[1.0, -3.0, 3.0, -1.0]]), "[misses curvature]"),
        (np.ones((6, 6)), "[too large]"),
        ("[[1, -2, 1]]", "[not numbers]"),
    ],
)
def test_second_derivative_kernel_rejects(wrong, hint):
    message = rejects(check_second_derivative_kernel, wrong, hint=hint)
    assert (
        "1, -2, 1" not in message
        and "[[1" not in message.split("Hint")[1]
        or hint == "[not numbers]"
    )


# ---------------------------------------------------------------------------
# padding by hand


def reflect_slices(X, p):
    X = np.asarray(X, dtype=float)
    if p == 0:
        return X.copy()
    rows = np.concatenate([X[p:0:-1], X, X[-2 : -p - 2 : -1]], axis=0)
    return np.concatenate([rows[:, p:0:-1], rows, rows[:, -2 : -p - 2 : -1]], axis=1)


def reflect_indices(X, p):
    X = np.asarray(X)
    H, W = X.shape

    def mirror(t, n):
        t = abs(t)
        return 2 * (n - 1) - t if t > n - 1 else t

    return np.array(
        [
            [X[mirror(i - p, H), mirror(j - p, W)] for j in range(W + 2 * p)]
            for i in range(H + 2 * p)
        ],
        dtype=float,
    )


def circular_modulo(X, p):
    X = np.asarray(X)
    H, W = X.shape
    return np.array(
        [[X[(i - p) % H, (j - p) % W] for j in range(W + 2 * p)] for i in range(H + 2 * p)],
        dtype=float,
    )


def circular_concat(X, p):
    X = np.asarray(X, dtype=float)
    rows = np.concatenate([X[X.shape[0] - p :], X, X[:p]], axis=0)
    return np.concatenate([rows[:, rows.shape[1] - p :], rows, rows[:, :p]], axis=1)


@pytest.mark.parametrize(
    "mode, right",
    [
        ("reflect", reflect_slices),
        ("reflect", reflect_indices),
        ("circular", circular_modulo),
        ("circular", circular_concat),
    ],
)
def test_padding_impl_accepts(mode, right, capsys):
    accepts(check_padding_impl, right, mode, capsys=capsys)


def np_pad_in_disguise(mode):
    return lambda X, p: np.pad(np.asarray(X, dtype=float), p, mode=mode)


def by_hand(mode):
    """np.pad's result computed without calling np.pad in the student's function (the checker looks at the code)."""
    table = {}

    def fn(X, p):
        X = np.asarray(X, dtype=float)
        key = (X.tobytes(), X.shape, p)
        if key not in table:
            # (hidden from the checker's look at the code)
            table[key] = getattr(np, "p" + "ad")(X, p, mode=mode)
        return table[key]

    return fn


def reflect_one_axis(X, p):
    X = np.asarray(X, dtype=float)
    return np.concatenate([X[p:0:-1], X, X[-2 : -p - 2 : -1]], axis=0) if p else X


def reflect_one_side(X, p):
    X = np.asarray(X, dtype=float)
    rows = np.concatenate([X[p:0:-1], X], axis=0) if p else X
    return np.concatenate([rows[:, p:0:-1], rows], axis=1) if p else rows


def circular_swapped(X, p):
    X = np.asarray(X, dtype=float)
    if p == 0:
        return X
    rows = np.concatenate([X[:p], X, X[-p:]], axis=0)
    return np.concatenate([rows[:, :p], rows, rows[:, -p:]], axis=1)


def reflect_too_far(X, p):
    X = np.asarray(X, dtype=float)
    if p == 0:
        return X
    rows = np.concatenate([X[p + 1 : 1 : -1], X, X[-3 : -p - 3 : -1]], axis=0)
    return np.concatenate([rows[:, p + 1 : 1 : -1], rows, rows[:, -3 : -p - 3 : -1]], axis=1)


def reflect_zero_columns(X, p):
    rows = reflect_one_axis(X, p)
    return np.concatenate(
        [np.zeros((rows.shape[0], p)), rows, np.zeros((rows.shape[0], p))], axis=1
    )


@pytest.mark.parametrize(
    "mode, wrong, hint",
    [
        ("reflect", np_pad_in_disguise("reflect"), "[library function]"),
        ("reflect", lambda X, p: pad2d(X, p, "reflect"), "[library function]"),
        ("reflect", by_hand("symmetric"), "[border pixel repeated]"),
        ("reflect", by_hand("edge"), "[edge repeated]"),
        ("reflect", by_hand("constant"), "[zeros]"),
        ("reflect", by_hand("wrap"), "[wrap-around instead of mirror]"),
        ("reflect", reflect_one_axis, "[rows only]"),
        ("reflect", reflect_one_side, "[one side only]"),
        ("reflect", reflect_too_far, "[mirror one pixel too far]"),
        ("reflect", reflect_zero_columns, "[rows only]"),
        ("circular", by_hand("reflect"), "[mirror instead of wrap-around]"),
        ("circular", by_hand("symmetric"), "[mirror instead of wrap-around]"),
        ("circular", by_hand("edge"), "[edge repeated]"),
        ("circular", by_hand("constant"), "[zeros]"),
        ("circular", circular_swapped, "[sides swapped]"),
        ("circular", lambda X, p: circular_modulo(X, p)[p : -p or None], "[columns only]"),
        ("circular", lambda X, p: circular_modulo(X, 2 * p), "[2p on each side]"),
    ],
)
def test_padding_impl_rejects(mode, wrong, hint):
    rejects(check_padding_impl, wrong, mode, hint=hint)


def test_padding_impl_unknown_mode():
    with pytest.raises(ValueError, match="padding_mode must be 'reflect' or 'circular'"):
        check_padding_impl(reflect_slices, "edge")


# ---------------------------------------------------------------------------
# the input gradient


def grad_full_flipped(G, K):
    return corr2d(G, np.asarray(K)[::-1, ::-1], "full")


def grad_conv(G, K):
    return conv2d(G, K, "full")


def grad_loops(G, K):
    G, K = np.asarray(G, dtype=float), np.asarray(K, dtype=float)
    out = np.zeros((G.shape[0] + K.shape[0] - 1, G.shape[1] + K.shape[1] - 1))
    for i in range(G.shape[0]):
        for j in range(G.shape[1]):
            out[i : i + K.shape[0], j : j + K.shape[1]] += G[i, j] * K
    return out


def grad_strided(G, K, s):
    G = np.asarray(G, dtype=float)
    up = np.zeros(((G.shape[0] - 1) * s + 1, (G.shape[1] - 1) * s + 1))
    up[::s, ::s] = G
    return corr2d(up, np.asarray(K)[::-1, ::-1], "full")


def grad_strided_loops(G, K, s):
    G, K = np.asarray(G, dtype=float), np.asarray(K, dtype=float)
    out = np.zeros(((G.shape[0] - 1) * s + K.shape[0], (G.shape[1] - 1) * s + K.shape[1]))
    for i in range(G.shape[0]):
        for j in range(G.shape[1]):
            out[i * s : i * s + K.shape[0], j * s : j * s + K.shape[1]] += G[i, j] * K
    return out


@pytest.mark.parametrize("right", [grad_full_flipped, grad_conv, grad_loops])
def test_input_gradient_accepts(right, capsys):
    accepts(check_input_gradient, right, capsys=capsys)


@pytest.mark.parametrize("right", [grad_strided, grad_strided_loops])
def test_strided_input_gradient_accepts(right, capsys):
    accepts(check_input_gradient, right, capsys=capsys, strided=True)


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda G, K: corr2d(G, K, "full"), "[kernel not flipped]"),
        (lambda G, K: corr2d(G, np.asarray(K)[::-1], "full"), "[one axis flipped]"),
        (lambda G, K: corr2d(G, np.asarray(K)[:, ::-1], "full"), "[one axis flipped]"),
        (lambda G, K: corr2d(G, np.asarray(K).T[::-1, ::-1], "full"), "[transposed kernel]"),
        (lambda G, K: corr2d(G, np.asarray(K)[::-1, ::-1], "same"), "[the output's shape]"),
        (lambda G, K: corr2d(G, np.asarray(K)[::-1, ::-1]), "[valid instead of full]"),
        (lambda G, K: conv_transpose2d(G, K), "[library function]"),
        (lambda G, K: grad_int(G, K), "[integer output]"),
    ],
)
def test_input_gradient_rejects(wrong, hint):
    rejects(check_input_gradient, wrong, hint=hint)


def grad_int(G, K):
    G, K = np.asarray(G), np.asarray(K)
    out = np.zeros_like(G, shape=(G.shape[0] + K.shape[0] - 1, G.shape[1] + K.shape[1] - 1))
    out[...] = np.trunc(grad_loops(G, K)) if G.dtype.kind in "iu" else grad_loops(G, K)
    return out


@pytest.mark.parametrize(
    "wrong, hint",
    [
        (lambda G, K, s: grad_full_flipped(G, K), "[stride ignored]"),
        (
            lambda G, K, s: corr2d(
                np.kron(G, np.ones((s, s)))[
                    : (np.shape(G)[0] - 1) * s + 1, : (np.shape(G)[1] - 1) * s + 1
                ],
                np.asarray(K)[::-1, ::-1],
                "full",
            ),
            "[gradient repeated]",
        ),
        (
            lambda G, K, s: corr2d(
                np.kron(G, np.eye(1, s * s).reshape(s, s)), np.asarray(K)[::-1, ::-1], "full"
            ),
            "[trailing zeros]",
        ),
        (lambda G, K, s: grad_strided(G, np.asarray(K)[::-1, ::-1], s), "[kernel not flipped]"),
        (lambda G, K, s: grad_strided(G, np.asarray(K)[::-1], s), "[one axis flipped]"),
        (lambda G, K, s: np.asarray(G, dtype=float), "[the output's shape]"),
    ],
)
def test_strided_input_gradient_rejects(wrong, hint):
    rejects(check_input_gradient, wrong, hint=hint, strided=True)


# ---------------------------------------------------------------------------
# floating point: Y1 and Y2


def y_loop():
    X, K = float_example()
    out = np.zeros(X.shape[:2] + (K.shape[3],), dtype=np.float32)
    for c in range(X.shape[2]):  # D2L's loop: one channel after the other
        out += X[:, :, c : c + 1] * K[0, 0, c]
    return out


def y_matmul():
    X, K = float_example()
    return (X.reshape(-1, X.shape[2]) @ K[0, 0]).reshape(X.shape[0], X.shape[1], -1)


def test_the_two_computations_differ_here_but_are_close():
    Y1, Y2 = y_loop(), y_matmul()
    assert Y1.dtype == Y2.dtype == np.float32
    assert not np.array_equal(Y1, Y2)
    assert np.abs(Y1 - Y2).max() < 1e-4 and np.allclose(Y1, Y2, atol=1e-5)


def test_float_equality_accepts(capsys):
    accepts(
        check_float_equality,
        y_loop(),
        y_matmul(),
        False,
        "the order of the additions (rounding)",
        capsys=capsys,
    )
    accepts(
        check_float_equality,
        y_matmul(),
        y_loop(),
        np.False_,
        "the order of the additions (rounding)",
        capsys=capsys,
    )
    X, K = float_example()
    accepts(
        check_float_equality,
        y_loop(),
        corr2d_multi_in_out(X, K),
        bool(np.array_equal(y_loop(), corr2d_multi_in_out(X, K))),
        "the order of the additions (rounding)",
        capsys=capsys,
    )


@pytest.mark.parametrize(
    "answer, hint",
    [
        ((True, "the order of the additions (rounding)"), "[close is not equal]"),
        ((False, "a bug in one of the two functions"), "[a bug in one of the two functions]"),
        ((False, "random initialisation"), "[random initialisation]"),
        ((False, "integer overflow"), "[integer overflow]"),
        (("False", "the order of the additions (rounding)"), "[not a bool]"),
        ((False, "rounding"), "[not a choice]"),
        ((False, ...), "not answered yet"),
    ],
)
def test_float_equality_rejects(answer, hint):
    rejects(check_float_equality, y_loop(), y_matmul(), *answer, hint=hint)


def test_float_equality_rejects_wrong_arrays():
    Y = y_loop()
    rejects(check_float_equality, Y, Y, True, FLOAT_REASONS[1], hint="[same array twice]")
    rejects(
        check_float_equality,
        Y.astype(np.float64),
        y_matmul(),
        False,
        FLOAT_REASONS[1],
        hint="[not float32]",
    )
    rejects(
        check_float_equality, Y[:, :, :4], y_matmul(), False, FLOAT_REASONS[1], hint="[wrong shape]"
    )
    rejects(
        check_float_equality,
        Y + 1,
        y_matmul(),
        False,
        FLOAT_REASONS[1],
        hint="[not the layer's output]",
    )
    rejects(check_float_equality, Y, Y.copy(), False, FLOAT_REASONS[1], hint="[they are equal]")


# ---------------------------------------------------------------------------
# no checker prints a model answer (review section 4: ex-03-edge, ex-03-pattern, ex-03-conv2d)


def _messages(check, answers):
    out = []
    for answer in answers:
        try:
            check(answer)
        except CheckFailed as exc:
            out.append(str(exc))
    return out


def test_edge_and_pattern_hints_name_the_principle_not_the_kernel():
    from convlib.checks import PATTERN, check_edge_kernel, check_pattern_kernel

    edge = _messages(
        check_edge_kernel,
        [
            np.array([[1.0, -1.0]]),
            np.array([[1.0, 1.0], [1.0, 1.0]]),
            np.array([[1.0, -1.0], [1.0, -1.0]]),
            np.array([[0.0, 0.0], [0.0, 1e-3]]) - 2.5e-4,
            np.array([[1.0, 0.0], [0.0, -1.0]]),
        ],
    )
    pattern = _messages(
        check_pattern_kernel,
        [PATTERN, PATTERN[::-1, ::-1], PATTERN.T, np.ones((3, 3)), np.eye(3), -PATTERN],
    )
    assert len(edge) == 5 and len(pattern) == 6
    for message in edge + pattern:
        hint = message.split("Hint", 1)[1]
        for answer in (
            "[[1], [-1]]",
            "[[1],[-1]]",
            "2 * PATTERN - 1",
            "2*PATTERN-1",
            "PATTERN - 0.5",
        ):
            assert answer not in hint, message
    assert any("[vertical edges]" in m and "compare neighbouring rows" in m for m in edge)
    assert any(
        "[bright blobs]" in m and "Penalise bright pixels where the T is dark" in m for m in pattern
    )


def test_flip_hints_do_not_print_the_one_line_answer():
    """The slips around the kernel's rotation get a principle, not the indexing that fixes them."""
    from convlib.checks import check_input_gradient_channels

    def spread(
        slice_of,
    ):  # full correlation of each output channel's gradient with a slice, per input channel
        def answer(G, K):
            k_h, k_w, c_in, c_out = K.shape
            padded = np.pad(G, ((k_h - 1, k_h - 1), (k_w - 1, k_w - 1), (0, 0)))
            return np.stack(
                [
                    sum(corr2d(padded[:, :, k], slice_of(K[:, :, c, k])) for k in range(c_out))
                    for c in range(c_in)
                ],
                axis=-1,
            )

        return answer

    for wrong in (
        spread(lambda k: k),
        spread(lambda k: k[::-1]),
        spread(lambda k: k[:, ::-1]),
        spread(lambda k: k.T),
    ):
        with pytest.raises(CheckFailed) as info:
            check_input_gradient_channels(wrong)
        hint = str(info.value).split("Hint", 1)[1].split("First failing case")[0]
        assert "[::-1" not in hint and "corr2d(" not in hint and "np.pad" not in hint, hint
