"""The exercise checkers, tested in both directions.

For every checker a library of wrong implementations, each a mistake students
make, must be rejected with the hint that names that mistake; and correct
alternative implementations (loops, vectorised sliding windows / einsum, FFT)
must all be accepted. (convlib's and SciPy's own functions are refused: see
tests/test_checks_hostile.py.)
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from convlib import (
    checks,
    conv2d,
    corr2d,
    corr2d_multi_in_out,
    fully_connected_params,
    translation_invariant_params,
)
from convlib.checks import (
    HAND_K,
    HAND_X,
    LUMA,
    PATTERN,
    check_bias_counts,
    check_combined_kernel,
    check_corr2d,
    check_dense_counts,
    check_dense_weights,
    check_depthwise_kernel,
    check_edge_kernel,
    check_equivariance,
    check_folded_normalisation,
    check_grey_kernel,
    check_hand_example,
    check_input_gradient_channels,
    check_input_lengths,
    check_layer_counts,
    check_layers_to_cover,
    check_local_layer,
    check_pattern_kernel,
)


def rejects(check, answer, hint):
    """``check(answer)`` raises an AssertionError whose message contains ``Hint [hint]`` (or ``hint``)."""
    with pytest.raises(AssertionError) as info:
        check(answer)
    message = str(info.value)
    assert hint in message, f"expected hint {hint!r}, got:\n{message}"
    return message


def accepts(check, answer, capsys):
    assert check(answer) is None
    out = capsys.readouterr().out
    assert out.startswith("✓ "), out
    return out


# ---------------------------------------------------------------------------
# student-style building blocks (deliberately written the way students write them)


def loop_corr(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    H, W = X.shape
    h, w = K.shape
    Y = np.zeros((H - h + 1, W - w + 1))
    for i in range(H - h + 1):
        for j in range(W - w + 1):
            Y[i, j] = (X[i : i + h, j : j + w] * K).sum()
    return Y


def window_corr(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    return np.einsum("ijab,ab->ij", sliding_window_view(X, K.shape), K)


def fft_corr(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    H, W = X.shape
    h, w = K.shape
    spectrum = np.fft.rfft2(X, (H, W)) * np.fft.rfft2(K[::-1, ::-1], (H, W))
    return np.fft.irfft2(spectrum, (H, W))[h - 1 : H, w - 1 : W]


def shifted_corr(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    h, w = K.shape
    Ho, Wo = X.shape[0] - h + 1, X.shape[1] - w + 1
    Y = np.zeros((Ho, Wo))
    for a in range(h):
        for b in range(w):
            Y += K[a, b] * X[a : a + Ho, b : b + Wo]
    return Y


# ---------------------------------------------------------------------------
# corr2d


def corr_flipped(X, K):
    return loop_corr(X, np.asarray(K)[::-1, ::-1])


def corr_kernel_transposed(X, K):  # K[b, a] in the loop: crashes on non-square kernels
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = sum(K[b, a] * X[i + a, j + b] for a in range(h) for b in range(w))
    return Y


def corr_image_transposed(X, K):
    return loop_corr(np.asarray(X).T, K)


def corr_out_transposed(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    H, W = X.shape
    h, w = K.shape
    Y = np.zeros((W - w + 1, H - h + 1))
    for i in range(H - h + 1):
        for j in range(W - w + 1):
            Y[j, i] = (X[i : i + h, j : j + w] * K).sum()
    return Y


def corr_one_too_small(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    H, W = X.shape
    h, w = K.shape
    Y = np.zeros((H - h, W - w))
    for i in range(H - h):
        for j in range(W - w):
            Y[i, j] = (X[i : i + h, j : j + w] * K).sum()
    return Y


def corr_image_shape(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    Y = np.zeros_like(X)
    h, w = K.shape
    for i in range(X.shape[0] - h + 1):
        for j in range(X.shape[1] - w + 1):
            Y[i, j] = (X[i : i + h, j : j + w] * K).sum()
    return Y


def corr_full(X, K):
    h, w = np.shape(K)
    return loop_corr(np.pad(np.asarray(X, dtype=float), ((h - 1, h - 1), (w - 1, w - 1))), K)


def corr_matmul(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i : i + h, j : j + w] @ K).sum()
    return Y


def corr_mean(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i : i + h, j : j + w] * K).mean()
    return Y


def corr_zeros_like(X, K):  # np.zeros_like(X) on an int image truncates every sum
    h, w = K.shape
    Y = np.zeros_like(X)[: X.shape[0] - h + 1, : X.shape[1] - w + 1]
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i : i + h, j : j + w] * K).sum()
    return Y


def corr_rounds(X, K):
    return np.round(loop_corr(X, K))


def corr_mutates(X, K):
    X[X < 0] = 0  # "clean up" the image in place
    return loop_corr(X, K)


def corr_mutates_kernel(X, K):
    K[:] = K[
        ::-1, ::-1
    ].copy()  # flips the caller's kernel in place (the values below are still right)
    return loop_corr(X, K[::-1, ::-1])


def corr_square_only(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    n, k = X.shape[0], K.shape[0]
    Y = np.zeros((n - k + 1, n - k + 1))
    for i in range(n - k + 1):
        for j in range(n - k + 1):
            Y[i, j] = (X[i : i + k, j : j + k] * K).sum()
    return Y


def corr_window_too_big(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i : i + h + 1, j : j + w + 1] * K).sum()
    return Y


def not_implemented(*args):
    raise NotImplementedError


def ellipsis_body(*args): ...


CORR2D_WRONG = [
    (corr_flipped, "Hint [flipped kernel]"),
    (corr_kernel_transposed, "Hint [transposed kernel]"),
    (corr_image_transposed, "Hint [transposed image]"),
    (corr_out_transposed, "Hint [rows and columns swapped]"),
    (corr_one_too_small, "Hint [output one too small]"),
    (corr_image_shape, "Hint [output has the image's shape]"),
    (corr_full, "Hint ['full' output]"),
    (corr_matmul, "Hint [matrix product]"),
    (corr_mean, "Hint [mean instead of sum]"),
    (corr_zeros_like, "Hint [integer output]"),
    (corr_rounds, "Hint [rounded output]"),
    (corr_mutates, "Hint [mutates input]"),
    (corr_mutates_kernel, "Hint [mutates input]"),
    (corr_square_only, "Hint [only square inputs work]"),
    (corr_window_too_big, "Hint [exception]: your function raised ValueError"),
    (
        not_implemented,
        "not implemented yet: replace the `raise NotImplementedError` with your code",
    ),
    (ellipsis_body, "Hint [returned None]"),
]


@pytest.mark.parametrize("wrong, hint", CORR2D_WRONG, ids=[f.__name__ for f, _ in CORR2D_WRONG])
def test_check_corr2d_rejects(wrong, hint):
    rejects(check_corr2d, wrong, hint)


@pytest.mark.parametrize(
    "right",
    [loop_corr, window_corr, fft_corr, shifted_corr, lambda X, K: loop_corr(X, K).tolist()],
    ids=["loop", "einsum", "fft", "shifted", "nested-list"],
)
def test_check_corr2d_accepts(right, capsys):
    assert accepts(check_corr2d, right, capsys) == "✓ corr2d: all 34 hidden cases pass\n"


def test_exception_report_names_type_message_and_case():
    message = rejects(check_corr2d, corr_window_too_big, "Hint [exception]")
    assert "ValueError" in message and "broadcast" in message
    assert "First failing case: X of shape" in message
    assert "X[i:i+k_h, j:j+k_w]" in message  # the specific advice for broadcasting errors


def test_not_implemented_is_an_assertion_without_chained_traceback():
    with pytest.raises(AssertionError) as info:
        check_corr2d(not_implemented)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_hint_shows_expected_and_got_for_small_cases():
    message = rejects(check_corr2d, corr_flipped, "Hint [flipped kernel]")
    assert "the lecture's example" in message
    assert "expected: [[19. 25.]\n [37. 43.]]" in message


@pytest.mark.parametrize("answer", [..., None, 3])
def test_checkers_refuse_non_functions(answer):
    with pytest.raises(AssertionError):
        check_corr2d(answer)


def test_checkers_are_deterministic():
    messages = {
        str(pytest.raises(AssertionError, check_corr2d, corr_flipped).value) for _ in range(2)
    }
    assert len(messages) == 1


# ---------------------------------------------------------------------------
# the engine on a checker with channels: input gradient of a layer with channels (chapter 5)


def igc_loop(G, K):
    """Scatter every output gradient back through its window: dX[i:i+k_h, j:j+k_w, c] += G[i, j, k] K[:, :, c, k]."""
    G, K = np.asarray(G, dtype=float), np.asarray(K, dtype=float)
    Ho, Wo, c_out = G.shape
    k_h, k_w, c_in, _ = K.shape
    dX = np.zeros((Ho + k_h - 1, Wo + k_w - 1, c_in))
    for i in range(Ho):
        for j in range(Wo):
            for k in range(c_out):
                dX[i : i + k_h, j : j + k_w, :] += G[i, j, k] * K[:, :, :, k]
    return dX


def igc_corr2d(G, K):
    """Full correlation of each output channel's gradient with the rotated slice, summed over output channels."""
    G, K = np.asarray(G, dtype=float), np.asarray(K, dtype=float)
    k_h, k_w, c_in, c_out = K.shape
    padded = np.pad(G, ((k_h - 1, k_h - 1), (k_w - 1, k_w - 1), (0, 0)))
    return np.stack(
        [
            sum(corr2d(padded[:, :, k], K[::-1, ::-1, c, k]) for k in range(c_out))
            for c in range(c_in)
        ],
        axis=-1,
    )


def igc_torch_layout(G, K):  # reads K as PyTorch's (C_out, C_in, k_h, k_w): crashes on these shapes
    G, K = np.asarray(G, dtype=float), np.asarray(K, dtype=float)
    c_out, c_in, k_h, k_w = K.shape
    dX = np.zeros((G.shape[0] + k_h - 1, G.shape[1] + k_w - 1, c_in))
    for i in range(G.shape[0]):
        for j in range(G.shape[1]):
            for k in range(c_out):
                dX[i : i + k_h, j : j + k_w, :] += G[i, j, k] * K[k].transpose(1, 2, 0)
    return dX


def igc_mutates_a_view(G, K):
    for k in range(G.shape[2]):
        channel = G[:, :, k]  # a view: changing it changes the caller's G
        channel[channel < 0] = 0
    return igc_loop(G, K)


def igc_square_only(G, K):
    G, K = np.asarray(G, dtype=float), np.asarray(K, dtype=float)
    n, k = G.shape[0], K.shape[0]
    dX = np.zeros((n + k - 1, n + k - 1, K.shape[2]))
    for i in range(n):
        for j in range(n):
            for o in range(G.shape[2]):
                dX[i : i + k, j : j + k, :] += G[i, j, o] * K[:, :, :, o]
    return dX


def test_a_crash_on_channels_gets_the_layout_hint():
    message = rejects(check_input_gradient_channels, igc_torch_layout, "Hint [exception]")
    assert (
        "Channels are on the LAST axes" in message
        and "not PyTorch's (C_out, C_in, k_h, k_w)" in message
    )


def test_a_change_through_a_view_of_a_channel_is_a_mutation():
    rejects(check_input_gradient_channels, igc_mutates_a_view, "Hint [mutates input]")


def test_only_square_inputs_work_is_named_for_arrays_with_channels():
    rejects(check_input_gradient_channels, igc_square_only, "Hint [only square inputs work]")


@pytest.mark.parametrize(
    "right", [igc_loop, igc_corr2d], ids=["scatter-loop", "corr2d-per-channel"]
)
def test_a_checker_with_channels_accepts_independent_implementations(right, capsys):
    assert accepts(check_input_gradient_channels, right, capsys).startswith(
        "✓ input gradient with channels: all 10 hidden cases pass"
    )


# ---------------------------------------------------------------------------
# the engine on answers that are not arrays: pairs and counts


def input_lengths(m, k, p, s, d):  # the chapter's derivation, written independently of the checker
    n = (m - 1) * s + d * (k - 1) + 1 - 2 * p
    return n, n + s - 1


def lengths_forget_dilation_cases(m, k, p, s, d):
    if d == 1:
        return input_lengths(m, k, p, s, d)
    # no return for dilated kernels: None


def bias_counts(H, W):  # one bias per output pixel, then one shared bias
    return fully_connected_params(H, W) + H * W, translation_invariant_params(H, W) + 1


@pytest.mark.parametrize(
    "check, right",
    [
        (check_input_lengths, input_lengths),
        (check_input_lengths, lambda *a: tuple(np.int64(v) for v in input_lengths(*a))),
        (check_bias_counts, bias_counts),
        (check_bias_counts, lambda H, W: list(bias_counts(H, W))),
        (check_bias_counts, lambda H, W: tuple(np.int64(v) for v in bias_counts(H, W))),
    ],
    ids=["tuple", "numpy-ints", "counts-tuple", "counts-list", "counts-numpy-ints"],
)
def test_a_pair_of_integers_of_any_integer_type_passes(check, right, capsys):
    out = accepts(check, right, capsys)
    assert re.fullmatch(r"✓ [a-z ]+: all \d+ hidden cases pass\n", out), out


def test_a_pair_that_must_be_a_tuple_says_so():
    rejects(check_input_lengths, lambda *a: list(input_lengths(*a)), "Hint [not a pair]")


def test_none_for_some_cases_is_named():
    rejects(check_input_lengths, lengths_forget_dilation_cases, "Hint [returned None]")


@pytest.mark.parametrize(
    "right",
    [
        lambda delta, H, W: -(-(max(H, W) - 1) // delta),
        lambda delta, H, W: np.int64(-(-(max(H, W) - 1) // delta)),
    ],
    ids=["int", "numpy-int"],
)
def test_a_count_may_be_any_integer_type(right, capsys):
    assert accepts(check_layers_to_cover, right, capsys).startswith(
        "✓ layers to see the whole image: all "
    )


# ---------------------------------------------------------------------------
# dense weights (chapter 1)


def dense_loop(V, H, W):
    h, w = V.shape
    Wd = np.zeros((H - h + 1, W - w + 1, H, W))
    for i in range(H - h + 1):
        for j in range(W - w + 1):
            for a in range(h):
                for b in range(w):
                    Wd[i, j, i + a, j + b] = V[a, b]
    return Wd


def dense_einsum(V, H, W):
    h, w = V.shape
    rows = (
        np.arange(H)[None, :, None]
        == np.arange(H - h + 1)[:, None, None] + np.arange(h)[None, None, :]
    ).astype(float)
    cols = (
        np.arange(W)[None, :, None]
        == np.arange(W - w + 1)[:, None, None] + np.arange(w)[None, None, :]
    ).astype(float)
    return np.einsum("ab,ika,jlb->ijkl", V, rows, cols)


def dense_probe(V, H, W):
    """Column (k, l) of the dense matrix is the layer's response to the unit image e_kl."""
    h, w = V.shape
    Wd = np.zeros((H - h + 1, W - w + 1, H, W))
    for k in range(H):
        for m in range(W):
            e = np.zeros((H, W))
            e[k, m] = 1
            Wd[:, :, k, m] = corr2d(e, V)
    return Wd


def dense_minus(V, H, W):
    h, w = V.shape
    Wd = np.zeros((H - h + 1, W - w + 1, H, W))
    for i in range(H - h + 1):
        for j in range(W - w + 1):
            for a in range(h):
                for b in range(w):
                    if i - a >= 0 and j - b >= 0:
                        Wd[i, j, i - a, j - b] = V[a, b]
    return Wd


def dense_static(V, H, W):
    h, w = V.shape
    Wd = np.zeros((H - h + 1, W - w + 1, H, W))
    Wd[:, :, :h, :w] = V
    return Wd


def dense_square_only(V, H, W):
    h = V.shape[0]
    Wd = np.zeros((H - h + 1, H - h + 1, H, H))
    for i in range(H - h + 1):
        for j in range(H - h + 1):
            Wd[i, j, i : i + h, j : j + h] = V
    return Wd


DENSE_WRONG = [
    (lambda V, H, W: dense_loop(V[::-1, ::-1], H, W), "Hint [flipped kernel]"),
    (
        lambda V, H, W: (
            dense_loop(V.T, H, W) if V.shape[0] == V.shape[1] else dense_loop(V.T, H, W)
        ),
        "Hint [transposed kernel]",
    ),
    (dense_minus, "Hint [i - a instead of i + a]"),
    (dense_static, "Hint [kernel does not move]"),
    (lambda V, H, W: dense_loop(V, H, W).transpose(2, 3, 0, 1), "Hint [axes in the wrong order]"),
    (
        lambda V, H, W: dense_loop(V, H, W).transpose(1, 0, 2, 3),
        "Hint [hidden rows and columns swapped]",
    ),
    (
        lambda V, H, W: np.pad(
            dense_loop(V, H, W), ((0, V.shape[0] - 1), (0, V.shape[1] - 1), (0, 0), (0, 0))
        ),
        "Hint [hidden layer as large as the image]",
    ),
    (lambda V, H, W: dense_loop(V, H, W)[:-1, :-1], "Hint [hidden layer one too small]"),
    (dense_square_only, "Hint [only square inputs work]"),
    (lambda V, H, W: dense_loop(V, H, W).astype(int), "Hint [integer output]"),
    (not_implemented, "not implemented yet"),
]


@pytest.mark.parametrize(
    "wrong, hint", DENSE_WRONG, ids=[h.split("[")[-1].rstrip("]") for _, h in DENSE_WRONG]
)
def test_check_dense_weights_rejects(wrong, hint):
    rejects(check_dense_weights, wrong, hint)


@pytest.mark.parametrize(
    "right", [dense_loop, dense_einsum, dense_probe], ids=["loop", "einsum", "probe-with-corr2d"]
)
def test_check_dense_weights_accepts(right, capsys):
    assert (
        accepts(check_dense_weights, right, capsys) == "✓ dense weights: all 16 hidden cases pass\n"
    )


# ---------------------------------------------------------------------------
# local layer (chapter 2)


def local_loop(X, V, inside=lambda r, n: 0 <= r < n):
    """The lecture's local layer as four loops; ``inside(row or column, size)`` says which pixels exist."""
    X, V = np.asarray(X, dtype=float), np.asarray(V, dtype=float)
    d = V.shape[0] // 2
    H, W = X.shape
    Y = np.zeros((H, W))
    for i in range(H):
        for j in range(W):
            for a in range(-d, d + 1):
                for b in range(-d, d + 1):
                    if inside(i + a, H) and inside(j + b, W):
                        Y[i, j] += V[a + d, b + d] * X[i + a, j + b]
    return Y


def local_pad(X, V):
    d = np.shape(V)[0] // 2
    return loop_corr(np.pad(np.asarray(X, dtype=float), d), V)


def local_fft(X, V):
    d = np.shape(V)[0] // 2
    return fft_corr(np.pad(np.asarray(X, dtype=float), d), V)


def local_negative_index(X, V):
    X, V = np.asarray(X, dtype=float), np.asarray(V, dtype=float)
    d = V.shape[0] // 2
    H, W = X.shape
    Y = np.zeros((H, W))
    for i in range(H):
        for j in range(W):
            for a in range(-d, d + 1):
                for b in range(-d, d + 1):
                    if 0 <= i + a < H and 0 <= j + b < W:
                        Y[i, j] += V[a, b] * X[i + a, j + b]
    return Y


def local_image_wraps(X, V):
    """The commonest bug: only the upper bounds are checked, so X[-1] quietly reads the last row."""
    return local_loop(X, V, inside=lambda r, n: r < n)


def local_roll(X, V):
    X, V = np.asarray(X, dtype=float), np.asarray(V, dtype=float)
    d = V.shape[0] // 2
    Y = np.zeros_like(X)
    for a in range(-d, d + 1):
        for b in range(-d, d + 1):
            Y += V[a + d, b + d] * np.roll(X, (-a, -b), axis=(0, 1))
    return Y


LOCAL_WRONG = [
    (loop_corr, "Hint [no padding]"),
    (corr_full, "Hint ['full' output]"),
    (lambda X, V: local_loop(X, np.asarray(V)[::-1, ::-1]), "Hint [flipped kernel]"),
    (lambda X, V: local_loop(X, np.asarray(V).T), "Hint [transposed kernel]"),
    (local_roll, "Hint [wrap-around instead of zeros]"),
    (
        lambda X, V: loop_corr(
            np.pad(np.asarray(X, dtype=float), np.shape(V)[0] // 2, mode="edge"), V
        ),
        "Hint [edge padding instead of zeros]",
    ),
    (
        lambda X, V: loop_corr(
            np.pad(np.asarray(X, dtype=float), ((0, np.shape(V)[0] - 1), (0, np.shape(V)[1] - 1))),
            V,
        ),
        "Hint [output shifted by Delta]",
    ),
    (local_negative_index, "Hint [negative kernel indices wrap around]"),
    (local_image_wraps, "Hint [negative image indices wrap around]"),
    (lambda X, V: local_loop(X, V) / np.size(V), "Hint [mean instead of sum]"),
    (lambda X, V: corr_zeros_like(np.pad(X, np.shape(V)[0] // 2), V), "Hint [integer output]"),
    (
        lambda X, V: corr_square_only(np.pad(X, np.shape(V)[0] // 2), V),
        "Hint [only square inputs work]",
    ),
    (lambda X, V: local_loop(X, V).T, "Hint [rows and columns swapped]"),
    (not_implemented, "not implemented yet"),
]


@pytest.mark.parametrize(
    "wrong, hint", LOCAL_WRONG, ids=[h.split("[")[-1].rstrip("]") for _, h in LOCAL_WRONG]
)
def test_check_local_layer_rejects(wrong, hint):
    rejects(check_local_layer, wrong, hint)


@pytest.mark.parametrize(
    "right",
    [local_loop, local_pad, local_fft],
    ids=["loop", "pad+loop", "fft"],
)
def test_check_local_layer_accepts(right, capsys):
    assert accepts(check_local_layer, right, capsys) == "✓ local layer: all 20 hidden cases pass\n"


# ---------------------------------------------------------------------------
# by-hand answers


N = 480 * 640


@pytest.mark.parametrize(
    "fc, ti, hint",
    [
        (N, 959 * 1279, "Hint [one hidden pixel only]"),
        (2 * N, 959 * 1279, "Hint [added instead of multiplied]"),
        (480**2 * 640, 959 * 1279, "Hint [one factor missing]"),
        (640**4, 959 * 1279, "Hint [square image assumed]"),
        (N**2, N, "Hint [offsets only positive]"),
        (N**2, 960 * 1280, "Hint [one offset too many]"),
        (N**2, 961 * 1281, "Hint [one offset too many]"),
        (N**2, 959**2, "Hint [square image assumed]"),
        (N**2, N**2, "Hint [nothing was dropped]"),
        (N**2, 1, "Hint [too few]"),
        (N**2, 12345, "Hint [wrong number]"),
        (..., 959 * 1279, "fc_weights is not answered yet"),
        (N**2, "many", "ti_weights must be a number"),
    ],
)
def test_check_dense_counts_rejects(fc, ti, hint):
    rejects(lambda _: check_dense_counts(fc, ti), None, hint)


def test_check_dense_counts_accepts(capsys):
    check_dense_counts(N**2, 959 * 1279)
    check_dense_counts(float(N**2), np.int64(959 * 1279))
    assert capsys.readouterr().out.count("✓ weight counts") == 2


FC = 1024**4


@pytest.mark.parametrize(
    "fc, local, hint",
    [
        (FC, 5 * 5 * 3 * 64, None),
        (FC * 3 * 64, 25 * 64, "Hint [forgot the input channels]"),
        (FC * 3 * 64, 25 * 3, "Hint [forgot the output channels]"),
        (FC * 3 * 64, 25, "Hint [forgot the channels]"),
        (FC * 3 * 64, 9 * 192, "Hint [window side Delta + 1]"),
        (FC * 3 * 64, 16 * 192, "Hint [window side 2 Delta]"),
        (FC * 3 * 64, 4 * 192, "Hint [window side Delta]"),
        (FC * 3 * 64, 25 * 192 + 64, "Hint [counted the biases]"),
        (FC * 3 * 64, 5 * 192, "Hint [one axis only]"),
        (FC * 3, 4800, "Hint [forgot the output channels]"),
        (FC * 64, 4800, "Hint [forgot the input channels]"),
        (1024**2 * 192, 4800, "Hint [one hidden pixel only]"),
        (..., 4800, "not answered yet"),
    ],
)
def test_check_layer_counts_rejects(fc, local, hint):
    rejects(lambda _: check_layer_counts(fc, local), None, hint or "Hint [forgot the channels]")


def test_check_layer_counts_accepts(capsys):
    check_layer_counts(1024**4 * 3 * 64, 4800)
    assert capsys.readouterr().out == "✓ layer counts: fc_weights, local_weights correct\n"


CORR_HAND = corr2d(HAND_X, HAND_K)
CONV_HAND = conv2d(HAND_X, HAND_K)


@pytest.mark.parametrize(
    "corr, conv, hint",
    [
        (CONV_HAND, CONV_HAND, "corr is not right. Hint [swapped]"),
        (CORR_HAND, CORR_HAND, "conv is not right. Hint [swapped]"),
        (CORR_HAND.T, CONV_HAND, "Hint [transposed]"),
        (CORR_HAND, corr2d(HAND_X, HAND_K[::-1]), "Hint [flipped one axis]"),
        (CORR_HAND, corr2d(HAND_X, HAND_K[:, ::-1]), "Hint [flipped one axis]"),
        (CORR_HAND, corr2d(HAND_X, HAND_K.T), "Hint [transposed instead of flipped]"),
        (CORR_HAND + np.array([[0, 1], [0, 0]]), CONV_HAND, "Hint [entry (0, 1)]"),
        ([1, 2, 3, 4], CONV_HAND, "Hint [wrong shape]"),
        (np.ones((3, 3)), CONV_HAND, "Hint [wrong shape]"),
        (..., CONV_HAND, "corr is not answered yet"),
        (CORR_HAND, ..., "conv is not answered yet"),
    ],
)
def test_check_hand_example_rejects(corr, conv, hint):
    rejects(lambda _: check_hand_example(corr, conv), None, hint)


def test_check_hand_example_accepts(capsys):
    check_hand_example(CORR_HAND.astype(int).tolist(), CONV_HAND)
    assert capsys.readouterr().out == "✓ by-hand example: corr and conv correct\n"


# ---------------------------------------------------------------------------
# design a kernel


EDGE_WRONG = [
    (np.array([[1.0, -1.0]]), "Hint [vertical edges]: your kernel responds to the image"),
    (np.array([[1.0, 0.0, -1.0]]), "VERTICAL-edge detector"),
    (np.array([[1.0]]), "Hint [responds to flat regions]"),
    (np.ones((2, 2)), "Hint [responds to flat regions]"),
    (np.array([[1.0, 0.0], [0.0, -1.0]]), "Hint [vertical edges]"),
    (np.array([[1.0, -1.0], [-1.0, 1.0]]), "Hint [misses horizontal edges]"),
    (np.zeros((2, 2)), "Hint [all zeros]"),
    (np.ones((7, 1)) - np.eye(7, 1) * 7, "Hint [too large]"),
    (np.ones((1, 1, 3)), "Hint [not a 2-D kernel]"),
    (np.array([[np.nan], [1.0]]), "Hint [not finite]"),
    (..., "not answered yet"),
]


@pytest.mark.parametrize("K, hint", EDGE_WRONG, ids=[f"{i:02d}" for i in range(len(EDGE_WRONG))])
def test_check_edge_kernel_rejects(K, hint):
    rejects(check_edge_kernel, K, hint)


@pytest.mark.parametrize(
    "K",
    [
        [[1.0], [-1.0]],
        [[-1], [1]],
        [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
        [[1, 1, 1], [-1, -1, -1]],
        [[1, 2, 1], [-2, -4, -2], [1, 2, 1]],
    ],
    ids=["[1,-1]^T", "[-1,1]^T", "sobel-y", "2x3", "second-derivative"],
)
def test_check_edge_kernel_accepts(K, capsys):
    assert (
        accepts(check_edge_kernel, np.array(K), capsys)
        == "✓ horizontal-edge kernel: all 12 hidden images pass\n"
    )


PATTERN_WRONG = [
    (PATTERN, "Hint [bright blobs]"),
    (np.ones((3, 3)), "Hint [bright blobs]"),
    ((2 * PATTERN - 1)[::-1, ::-1], "Hint [flipped kernel]"),
    ((2 * PATTERN - 1).T, "Hint [transposed kernel]"),
    (-(2 * PATTERN - 1), "Hint ["),
    (np.ones((2, 2)), "Hint [wrong shape]"),
    (np.array([[0, 0, 0], [1, 1, 1], [0, 0, 0]]) * 2 - 1.0, "Hint ["),
    (np.full((3, 3), np.inf), "Hint [not finite]"),
    (..., "not answered yet"),
]


@pytest.mark.parametrize(
    "K, hint", PATTERN_WRONG, ids=[f"{i:02d}" for i in range(len(PATTERN_WRONG))]
)
def test_check_pattern_kernel_rejects(K, hint):
    rejects(check_pattern_kernel, K, hint)


@pytest.mark.parametrize(
    "K",
    [2 * PATTERN - 1, PATTERN - PATTERN.mean(), 3 * PATTERN - 1.5, (2 * PATTERN - 1).tolist()],
    ids=["2P-1", "zero-mean", "scaled", "nested-list"],
)
def test_check_pattern_kernel_accepts(K, capsys):
    assert (
        accepts(check_pattern_kernel, K, capsys)
        == "✓ pattern kernel: the T is found in all 6 hidden scenes\n"
    )


def test_pattern_scenes_contain_each_shape_once():
    for _name, X, placed in checks.answers.hidden_pattern_scenes():
        assert set(placed) == {
            "T",
            "filled 3x3 square",
            "upside-down T",
            "sideways T",
            "plus sign",
            "horizontal bar",
        }
        r, c = placed["T"]
        np.testing.assert_array_equal(X[r : r + 3, c : c + 3], PATTERN)
        assert X.sum() == sum(
            P.sum()
            for P in [PATTERN, np.ones((3, 3)), PATTERN, PATTERN, np.full(5, 1.0), np.full(3, 1.0)]
        )


GREY_WRONG = [
    (LUMA.reshape(1, 1, 1, 3), "Hint [C_in and C_out swapped]"),
    (LUMA, "Hint [wrong shape]"),
    (LUMA.reshape(1, 1, 3), "Hint [wrong shape]"),
    (np.ones((3, 3, 3, 1)) / 27, "Hint [wrong shape]"),
    (LUMA[::-1].reshape(1, 1, 3, 1), "Hint [channels reversed]"),
    (np.full((1, 1, 3, 1), 1 / 3), "Hint [plain average]"),
    ((LUMA * 255).reshape(1, 1, 3, 1), "Hint [wrong scale]"),
    (np.array([0.3, 0.6, 0.2]).reshape(1, 1, 3, 1), "Hint [brightness changes]"),
    (np.array([0.2, 0.7, 0.1]).reshape(1, 1, 3, 1), "Hint [wrong weights]"),
    (..., "not answered yet"),
]


@pytest.mark.parametrize(
    "K, hint", GREY_WRONG, ids=[h.split("[")[-1].rstrip("]") for _, h in GREY_WRONG]
)
def test_check_grey_kernel_rejects(K, hint):
    rejects(check_grey_kernel, K, hint)


@pytest.mark.parametrize(
    "K",
    [LUMA.reshape(1, 1, 3, 1), LUMA[None, None, :, None], [[[[0.299], [0.587], [0.114]]]]],
    ids=["reshape", "newaxis", "nested-list"],
)
def test_check_grey_kernel_accepts(K, capsys):
    out = accepts(check_grey_kernel, K, capsys)
    assert "matches 0.299 R + 0.587 G + 0.114 B" in out


def test_grey_kernel_reproduces_photo_gray():
    from convlib import photo, photo_gray

    np.testing.assert_allclose(
        corr2d_multi_in_out(photo(), LUMA.reshape(1, 1, 3, 1))[:, :, 0], photo_gray()
    )


# ---------------------------------------------------------------------------
# equivariance quiz


# the lecture's answers, stated independently of the checker (which derives its own by shifting images)
EQUIVARIANCE_QUESTIONS = {
    "corr2d with zero padding ('same')": "equivariant",
    "ReLU applied to every pixel": "equivariant",
    "sum of all pixels": "invariant",
    "maximum over all pixels": "invariant",
    "corr2d ('same'), then the maximum over all pixels": "invariant",
    "fully connected layer with random weights": "neither",
    "adding a fixed bias image b[i, j] that differs from pixel to pixel": "neither",
    "keeping every second row and column, x[::2, ::2]": "neither",
    "corr2d ('same'), with the input ROTATED by 90 degrees (np.rot90) instead of shifted": "neither",
}


def test_check_equivariance_accepts(capsys):
    answers = {
        q: a.upper() + " " for q, a in EQUIVARIANCE_QUESTIONS.items()
    }  # case and spaces do not matter
    assert (
        accepts(check_equivariance, answers, capsys)
        == f"✓ equivariance quiz: all {len(EQUIVARIANCE_QUESTIONS)} answers correct\n"
    )


@pytest.mark.parametrize("question", list(EQUIVARIANCE_QUESTIONS))
def test_check_equivariance_names_each_wrong_answer(question):
    answers = dict(EQUIVARIANCE_QUESTIONS)
    answers[question] = "neither" if answers[question] != "neither" else "equivariant"
    rejects(check_equivariance, answers, f"Hint [{question}]")


@pytest.mark.parametrize(
    "answers, hint",
    [
        (..., "not answered yet"),
        ({}, "have no answer"),
        ({q: ... for q in EQUIVARIANCE_QUESTIONS}, "not answered yet"),
        (
            {q: "maybe" for q in EQUIVARIANCE_QUESTIONS},
            "must be 'equivariant', 'invariant' or 'neither'",
        ),
        ([("a", "b")], "must be a dict"),
    ],
)
def test_check_equivariance_rejects_malformed(answers, hint):
    rejects(check_equivariance, answers, hint)


# ---------------------------------------------------------------------------
# every checker: a stub and an unanswered value give a clean AssertionError


ALL_FUNCTION_CHECKERS = [
    check_corr2d,
    check_dense_weights,
    check_local_layer,
    check_layers_to_cover,
    check_input_lengths,
    check_combined_kernel,
    check_depthwise_kernel,
    check_input_gradient_channels,
    check_folded_normalisation,
]


@pytest.mark.parametrize("check", ALL_FUNCTION_CHECKERS, ids=lambda c: c.__name__)
def test_every_function_checker_handles_stubs(check):
    rejects(check, not_implemented, checks.NOT_IMPLEMENTED)
    rejects(check, ellipsis_body, "Hint [returned None]")
    rejects(check, ..., checks.NOT_ANSWERED)


def test_hint_tags_are_listed_in_docstrings():
    """Each checker documents the mistakes it names (keeps the docs honest)."""
    for check in ALL_FUNCTION_CHECKERS:
        assert (
            "Raises" in check.__doc__
            and "CheckFailed" in check.__doc__
            and "✓" not in check.__doc__
        ), check.__name__


def test_wrong_library_sizes():
    """At least 8 distinct mistakes per checker: a checker is only as good as the slips it names."""
    for name, library in [
        ("corr2d", CORR2D_WRONG),
        ("dense", DENSE_WRONG),
        ("local", LOCAL_WRONG),
        ("edge", EDGE_WRONG),
        ("pattern", PATTERN_WRONG),
        ("grey", GREY_WRONG),
    ]:
        assert (
            len({re.sub(r"\W+", " ", hint) for _, hint in library} | {id(w) for w, _ in library})
            >= 8
        ), name
        assert len(library) >= 8, name


def test_docstring_examples_run():
    """The numpydoc examples of convlib.checks are runnable and right."""
    import doctest

    from convlib.checks import (
        answers,
        calls,
        costs,
        derivations,
        design,
        engine,
        geometry,
        layer_parts,
        locality,
        mistakes,
        single_channel,
    )

    attempted = 0
    for module in (
        checks,
        single_channel,
        locality,
        answers,
        engine,
        mistakes,
        calls,
        costs,
        derivations,
        design,
        geometry,
        layer_parts,
    ):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted > 20


@pytest.mark.parametrize(
    "check, answer",
    [
        (check_input_lengths, lambda m, k, p, s, d: (float("inf"), m)),
        (check_input_lengths, lambda m, k, p, s, d: (float(m), "x")),
        (check_input_lengths, lambda m, k, p, s, d: (float(m), 1j)),
        (check_layers_to_cover, lambda delta, H, W: float("inf")),
        (check_layers_to_cover, lambda delta, H, W: float("nan")),
    ],
)
def test_non_finite_or_non_numeric_answers_fail_with_a_hint(check, answer):
    # int(inf) raised OverflowError and float("x") ValueError inside the checker itself
    with pytest.raises(AssertionError, match=r"Hint \["):
        check(answer)


def test_count_answers_compare_integers_exactly():
    # float(10**400) overflowed; huge integers are simply wrong numbers
    with pytest.raises(
        AssertionError, match=r"fc_weights = 1000.* is not right\. Hint \[wrong number\]"
    ):
        checks.check_dense_counts(10**400, 959 * 1279)
    checks.check_dense_counts(np.int64((480 * 640) ** 2), 959.0 * 1279)
