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

from convlib import checks, conv2d, corr2d, corr2d_multi_in, corr2d_multi_in_out
from convlib.checks import (
    HAND_K,
    HAND_X,
    LUMA,
    PATTERN,
    check_conv2d,
    check_conv_layer,
    check_corr2d,
    check_corr2d_multi_in,
    check_corr2d_multi_in_out,
    check_dense_counts,
    check_dense_weights,
    check_edge_kernel,
    check_equivariance,
    check_grey_kernel,
    check_hand_example,
    check_layer_counts,
    check_local_layer,
    check_output_shape,
    check_pattern_kernel,
    check_receptive_field,
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
# conv2d


def conv_flip_rows(X, K):
    return loop_corr(X, np.asarray(K)[::-1])


def conv_flip_cols(X, K):
    return loop_corr(X, np.asarray(K)[:, ::-1])


def conv_transpose(X, K):
    return loop_corr(X, np.asarray(K).T)


def conv_flip_image(X, K):
    return loop_corr(np.asarray(X)[::-1, ::-1], K)


def conv_flip_both(X, K):
    return loop_corr(np.asarray(X)[::-1, ::-1], np.asarray(K)[::-1, ::-1])


def conv_in_place_flip(X, K):
    K[:] = K[::-1, ::-1].copy()
    return loop_corr(X, K)


def conv_full(X, K):
    return corr_full(X, np.asarray(K)[::-1, ::-1])


def conv_kernel_transposed(X, K):
    return loop_corr(X, np.asarray(K).T[::-1, ::-1])


CONV2D_WRONG = [
    (loop_corr, "Hint [forgot the flip]"),
    (conv_flip_rows, "Hint [flipped only the rows]"),
    (conv_flip_cols, "Hint [flipped only the columns]"),
    (conv_transpose, "Hint [transposed instead of flipped]"),
    (conv_flip_image, "Hint [flipped the image]"),
    (conv_flip_both, "Hint [flipped image and kernel]"),
    (conv_kernel_transposed, "Hint [transposed kernel]"),
    (conv_in_place_flip, "Hint [mutates input]"),
    (conv_full, "Hint ['full' output]"),
    (lambda X, K: corr_mean(X, np.asarray(K)[::-1, ::-1]), "Hint [mean instead of sum]"),
    (lambda X, K: corr_zeros_like(X, K[::-1, ::-1]), "Hint [integer output]"),
    (lambda X, K: corr_square_only(X, np.asarray(K)[::-1, ::-1]), "Hint [only square inputs work]"),
    (lambda X, K: corr_one_too_small(X, np.asarray(K)[::-1, ::-1]), "Hint [output one too small]"),
    (not_implemented, "not implemented yet"),
]


@pytest.mark.parametrize(
    "wrong, hint", CONV2D_WRONG, ids=[h.split("[")[-1].rstrip("]") for _, h in CONV2D_WRONG]
)
def test_check_conv2d_rejects(wrong, hint):
    rejects(check_conv2d, wrong, hint)


@pytest.mark.parametrize(
    "right",
    [
        lambda X, K: loop_corr(X, np.asarray(K)[::-1, ::-1]),
        lambda X, K: window_corr(X, np.flip(K)),
        lambda X, K: fft_corr(X, np.rot90(K, 2)),
        lambda X, K: corr2d(X, K[::-1, ::-1]),
    ],
    ids=["loop", "einsum", "fft", "corr2d+flip"],
)
def test_check_conv2d_accepts(right, capsys):
    assert accepts(check_conv2d, right, capsys) == "✓ conv2d: all 34 hidden cases pass\n"


# ---------------------------------------------------------------------------
# output_shape


def shape_mode_ignored(H, W, h, w, mode):
    return (H - h + 1, W - w + 1)


def make_shape(valid=None, same=None, full=None):
    table = {
        "valid": valid or (lambda H, W, h, w: (H - h + 1, W - w + 1)),
        "same": same or (lambda H, W, h, w: (H, W)),
        "full": full or (lambda H, W, h, w: (H + h - 1, W + w - 1)),
    }
    return lambda H, W, h, w, mode: table[mode](H, W, h, w)


def shape_forgets_full(H, W, h, w, mode):
    if mode == "valid":
        return (H - h + 1, W - w + 1)
    if mode == "same":
        return (H, W)


OUTPUT_SHAPE_WRONG = [
    (shape_mode_ignored, "Hint [mode ignored]"),
    (make_shape(valid=lambda H, W, h, w: (H - h, W - w)), "Hint ['valid' one too small]"),
    (make_shape(valid=lambda H, W, h, w: (H - h + 2, W - w + 2)), "Hint ['valid' one too large]"),
    (make_shape(full=lambda H, W, h, w: (H + h, W + w)), "Hint ['full' one too large]"),
    (make_shape(full=lambda H, W, h, w: (H + h - 2, W + w - 2)), "Hint ['full' one too small]"),
    (make_shape(full=lambda H, W, h, w: (H, W)), "Hint ['full' padded on one side only]"),
    (
        make_shape(same=lambda H, W, h, w: (H - h + 1, W - w + 1)),
        "Hint ['same' computed like 'valid']",
    ),
    (
        lambda H, W, h, w, mode: shape_numpy(H, W, h, w, mode)[::-1],
        "Hint [rows and columns swapped]",
    ),
    (
        lambda H, W, h, w, mode: shape_numpy(H, W, h, h, mode),
        "Hint [kernel height used for both sides]",
    ),
    (
        lambda H, W, h, w, mode: (
            shape_numpy(H, H, h, w, mode) if mode != "valid" or w <= H else (H - h + 1, H - w + 1)
        ),
        "Hint [image height used for both sides]",
    ),
    (
        make_shape(valid=lambda H, W, h, w: (h - H + 1, w - W + 1)),
        "Hint [image and kernel size swapped]",
    ),
    (
        make_shape(
            same=lambda H, W, h, w: (H + (h - 1) / 2 * 2 - h + 1, W + (w - 1) / 2 * 2 - w + 1)
        ),
        "Hint [float sizes]",
    ),
    (lambda H, W, h, w, mode: (H - h + 1) * (W - w + 1), "Hint [not a pair]"),
    (shape_forgets_full, "Hint [returned None]"),
    (not_implemented, "not implemented yet"),
]


@pytest.mark.parametrize(
    "wrong, hint",
    OUTPUT_SHAPE_WRONG,
    ids=[h.split("[")[-1].rstrip("]") for _, h in OUTPUT_SHAPE_WRONG],
)
def test_check_output_shape_rejects(wrong, hint):
    rejects(check_output_shape, wrong, hint)


def shape_numpy(H, W, h, w, mode):
    image, kernel = np.array([H, W]), np.array([h, w])
    sizes = {"valid": image - kernel + 1, "same": image, "full": image + kernel - 1}[mode]
    return tuple(sizes)  # numpy integers are fine


def shape_by_padding(H, W, h, w, mode):
    pad = {"valid": (0, 0), "same": (h - 1, w - 1), "full": (2 * (h - 1), 2 * (w - 1))}[mode]
    return [H + pad[0] - h + 1, W + pad[1] - w + 1]  # a list is fine too


@pytest.mark.parametrize("right", [shape_numpy, shape_by_padding], ids=["numpy", "padding"])
def test_check_output_shape_accepts(right, capsys):
    assert (
        accepts(check_output_shape, right, capsys) == "✓ output_shape: all 39 hidden cases pass\n"
    )


# ---------------------------------------------------------------------------
# corr2d_multi_in


def mi_loop(X, K):
    return sum(loop_corr(X[:, :, c], K[:, :, c]) for c in range(X.shape[2]))


def mi_einsum(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    return np.einsum("ijcab,abc->ij", sliding_window_view(X, K.shape[:2], axis=(0, 1)), K)


def mi_fft(X, K):
    return sum(fft_corr(X[:, :, c], K[:, :, c]) for c in range(X.shape[2]))


def mi_corr2d(X, K):
    return sum(corr2d(X[:, :, c], K[:, :, c]) for c in range(X.shape[2]))


def mi_tensordot(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    windows = sliding_window_view(X, K.shape[:2], axis=(0, 1))  # (H', W', C, h, w)
    return np.tensordot(windows, K.transpose(2, 0, 1), axes=3)


MULTI_IN_WRONG = [
    (
        lambda X, K: np.stack(
            [loop_corr(X[:, :, c], K[:, :, c]) for c in range(X.shape[2])], axis=-1
        ),
        "Hint [forgot to sum over channels]",
    ),
    (
        lambda X, K: np.stack([loop_corr(X[:, :, c], K[:, :, c]) for c in range(X.shape[2])]),
        "Hint [forgot to sum over channels]",
    ),
    (
        lambda X, K: np.stack([loop_corr(X[:, :, c], K[:, :, c]) for c in range(X.shape[2])]).sum(
            axis=-1
        ),
        "Hint [summed over the wrong axis]",
    ),
    (
        lambda X, K: np.stack(
            [loop_corr(X[:, :, c], K[:, :, c]) for c in range(X.shape[2])], axis=-1
        ).sum(axis=0),
        "Hint [summed over the wrong axis]",
    ),
    (
        lambda X, K: sum(loop_corr(x, k) for x, k in zip(X, K, strict=False)),
        "Hint [channels on the first axis]",
    ),
    (lambda X, K: loop_corr(X[:, :, 0], K[:, :, 0]), "Hint [used only the first channel]"),
    (lambda X, K: mi_loop(X, K) / X.shape[2], "Hint [mean over channels]"),
    (
        lambda X, K: sum(
            loop_corr(X[:, :, c], K[:, :, d]) for c in range(X.shape[2]) for d in range(K.shape[2])
        ),
        "Hint [paired every channel with every kernel slice]",
    ),
    (lambda X, K: mi_loop(X, K[:, :, ::-1]), "Hint [kernel channels in reverse order]"),
    (
        lambda X, K: sum(loop_corr(X[:, :, c], K[::-1, ::-1, c]) for c in range(X.shape[2])),
        "Hint [flipped kernel]",
    ),
    (
        lambda X, K: sum(loop_corr(X[:, :, c], K[:, :, c].T) for c in range(X.shape[2])),
        "Hint [transposed kernel]",
    ),
    (
        lambda X, K: sum(loop_corr(X[c], K[c]) for c in range(X.shape[2])),
        "Channels are on the LAST axis",
    ),
    (
        lambda X, K: sum(corr_zeros_like(X[:, :, c], K[:, :, c]) for c in range(X.shape[2])),
        "Hint [integer output]",
    ),
    (
        lambda X, K: sum(corr_square_only(X[:, :, c], K[:, :, c]) for c in range(X.shape[2])),
        "Hint [only square inputs work]",
    ),
    (
        lambda X, K: sum(corr_mutates(X[:, :, c], K[:, :, c]) for c in range(X.shape[2])),
        "Hint [mutates input]",
    ),
    (lambda X, K: mi_loop(X, K).T, "Hint [rows and columns swapped]"),
    (not_implemented, "not implemented yet"),
]


@pytest.mark.parametrize(
    "wrong, hint",
    MULTI_IN_WRONG,
    ids=[f"{i:02d}-" + h.split("[")[-1].rstrip("]") for i, (_, h) in enumerate(MULTI_IN_WRONG)],
)
def test_check_corr2d_multi_in_rejects(wrong, hint):
    rejects(check_corr2d_multi_in, wrong, hint)


@pytest.mark.parametrize(
    "right",
    [mi_loop, mi_einsum, mi_fft, mi_tensordot, mi_corr2d],
    ids=["loop", "einsum", "fft", "tensordot", "corr2d-per-channel"],
)
def test_check_corr2d_multi_in_accepts(right, capsys):
    assert (
        accepts(check_corr2d_multi_in, right, capsys)
        == "✓ corr2d_multi_in: all 21 hidden cases pass\n"
    )


# ---------------------------------------------------------------------------
# corr2d_multi_in_out


def mio_loop(X, K):
    return np.stack([mi_loop(X, K[:, :, :, k]) for k in range(K.shape[3])], axis=-1)


def mio_einsum(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    return np.einsum("ijcab,abck->ijk", sliding_window_view(X, K.shape[:2], axis=(0, 1)), K)


def mio_fft(X, K):
    return np.stack([mi_fft(X, K[..., k]) for k in range(K.shape[3])], axis=-1)


def mio_corr2d_multi_in(X, K):
    return np.stack([corr2d_multi_in(X, K[..., k]) for k in range(K.shape[3])], axis=-1)


def mio_tensordot(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    windows = sliding_window_view(X, K.shape[:2], axis=(0, 1))  # (H', W', C, h, w)
    return np.tensordot(windows, K.transpose(2, 0, 1, 3), axes=3)


def mio_torch_layout(X, K):  # reads K as PyTorch's (C_out, C_in, k_h, k_w)
    return np.stack(
        [sum(loop_corr(X[:, :, c], K[k, c]) for c in range(K.shape[1])) for k in range(K.shape[0])],
        axis=-1,
    )


MULTI_IN_OUT_WRONG = [
    (
        lambda X, K: np.stack([mi_loop(X, K[:, :, :, k]) for k in range(K.shape[3])]),
        "Hint [output channels first]",
    ),
    (
        lambda X, K: np.stack(
            [
                np.stack([loop_corr(X[:, :, c], K[:, :, c, k]) for k in range(K.shape[3])], axis=-1)
                for c in range(X.shape[2])
            ],
            axis=2,
        ),
        "Hint [forgot to sum over input channels]",
    ),
    (
        lambda X, K: np.stack(
            [
                sum(loop_corr(X[:, :, c], K[:, :, c, k]) for k in range(K.shape[3]))
                for c in range(X.shape[2])
            ],
            axis=-1,
        ),
        "Hint [summed over the output channels]",
    ),
    (
        lambda X, K: np.stack(
            [
                sum(loop_corr(X[:, :, c], K[:, :, k, c]) for c in range(K.shape[3]))
                for k in range(K.shape[2])
            ],
            axis=-1,
        ),
        "Hint [(C_out, C_in) order mixed]",
    ),
    (
        lambda X, K: np.stack([mi_loop(X, K[:, :, :, 0]) for k in range(K.shape[3])], axis=-1),
        "Hint [same kernel for every output channel]",
    ),
    (lambda X, K: mi_loop(X, K[:, :, :, 0]), "Hint [only one output channel]"),
    (lambda X, K: mio_loop(X, K)[:, :, ::-1], "Hint [output channels in reverse order]"),
    (lambda X, K: mio_loop(X, K) / X.shape[2], "Hint [mean over input channels]"),
    (lambda X, K: mio_loop(X, K[::-1, ::-1]), "Hint [flipped kernel]"),
    (
        lambda X, K: np.stack(
            [mi_loop(X, K[:, :, :, k].transpose(1, 0, 2)) for k in range(K.shape[3])], axis=-1
        ),
        "Hint [transposed kernel]",
    ),
    (lambda X, K: mio_loop(X, K).transpose(1, 0, 2), "Hint [rows and columns swapped]"),
    (mio_torch_layout, "not PyTorch's (C_out, C_in, k_h, k_w)"),
    (
        lambda X, K: np.stack(
            [
                sum(corr_zeros_like(X[:, :, c], K[:, :, c, k]) for c in range(X.shape[2]))
                for k in range(K.shape[3])
            ],
            axis=-1,
        ),
        "Hint [integer output]",
    ),
    (
        lambda X, K: np.stack(
            [
                sum(corr_square_only(X[:, :, c], K[:, :, c, k]) for c in range(X.shape[2]))
                for k in range(K.shape[3])
            ],
            axis=-1,
        ),
        "Hint [only square inputs work]",
    ),
    (lambda X, K: np.round(mio_loop(X, K)), "Hint [rounded output]"),
    (not_implemented, "not implemented yet"),
]


@pytest.mark.parametrize(
    "wrong, hint",
    MULTI_IN_OUT_WRONG,
    ids=[f"{i:02d}-" + h.split("[")[-1].rstrip("]") for i, (_, h) in enumerate(MULTI_IN_OUT_WRONG)],
)
def test_check_corr2d_multi_in_out_rejects(wrong, hint):
    rejects(check_corr2d_multi_in_out, wrong, hint)


@pytest.mark.parametrize(
    "right",
    [mio_loop, mio_einsum, mio_fft, mio_corr2d_multi_in, mio_tensordot],
    ids=["loop", "einsum", "fft", "corr2d_multi_in-per-channel", "tensordot"],
)
def test_check_corr2d_multi_in_out_accepts(right, capsys):
    assert (
        accepts(check_corr2d_multi_in_out, right, capsys)
        == "✓ corr2d_multi_in_out: all 20 hidden cases pass\n"
    )


# ---------------------------------------------------------------------------
# conv layer (with bias)


CONV_LAYER_WRONG = [
    (lambda X, K, b: mio_loop(X, K), "Hint [forgot the bias]"),
    (
        lambda X, K, b: np.stack(
            [
                sum(loop_corr(X[:, :, c], K[:, :, c, k]) + b[k] for c in range(X.shape[2]))
                for k in range(K.shape[3])
            ],
            axis=-1,
        ),
        "Hint [bias added once per input channel]",
    ),
    (lambda X, K, b: mio_loop(X, K) - b, "Hint [bias subtracted]"),
    (
        lambda X, K, b: np.concatenate(
            [mio_loop(X, K)[:, :, :1] + b[0], mio_loop(X, K)[:, :, 1:]], axis=-1
        ),
        "Hint [bias on output channel 0 only]",
    ),
    (lambda X, K, b: mio_loop(X, K) + b[::-1], "Hint [bias of the wrong channel]"),
    (
        lambda X, K, b: np.stack([mi_loop(X, K[:, :, :, k]) + b[k] for k in range(K.shape[3])]),
        "Hint [output channels first]",
    ),
    (lambda X, K, b: mio_loop(X, K[::-1, ::-1]) + b, "Hint [flipped kernel]"),
    (lambda X, K, b: mio_loop(X, K) / X.shape[2] + b, "Hint [mean over input channels]"),
    (lambda X, K, b: mio_loop(X, K)[:, :, ::-1] + b, "Hint [output channels in reverse order]"),
    (not_implemented, "not implemented yet"),
]


@pytest.mark.parametrize(
    "wrong, hint", CONV_LAYER_WRONG, ids=[h.split("[")[-1].rstrip("]") for _, h in CONV_LAYER_WRONG]
)
def test_check_conv_layer_rejects(wrong, hint):
    rejects(check_conv_layer, wrong, hint)


@pytest.mark.parametrize(
    "right",
    [
        lambda X, K, b: corr2d_multi_in_out(X, K) + b,
        lambda X, K, b: mio_einsum(X, K) + b[None, None, :],
        lambda X, K, b: mio_fft(X, K) + b,
    ],
    ids=["convlib", "einsum", "fft"],
)
def test_check_conv_layer_accepts(right, capsys):
    assert accepts(check_conv_layer, right, capsys) == "✓ conv layer: all 20 hidden cases pass\n"


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
    """The commonest bug (issue 18): only the upper bounds are checked, so X[-1] quietly reads the last row."""
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
# receptive field (chapter 2)


RECEPTIVE_WRONG = [
    (lambda d, L: (2 * d + 1) * L, "Hint [sides multiplied]"),
    (lambda d, L: (2 * d + 1) ** L, "Hint [exponential growth]"),
    (lambda d, L: L * d + 1, "Hint [one side only]"),
    (lambda d, L: 2 * d + 1, "Hint [layers ignored]"),
    (lambda d, L: 2 * L * d, "Hint [forgot the centre pixel]"),
    (lambda d, L: (2 * L * d + 1) ** 2, "Hint [area instead of side]"),
    (lambda d, L: 2 * d + L, "Hint [grows by one per layer]"),
    (lambda d, L: 2 * (L - 1) * d + 1, "Hint [off by one layer]"),
    (lambda d, L: 2.0 * L * d + 1, "Hint [float result]"),
    (not_implemented, "not implemented yet"),
]


@pytest.mark.parametrize(
    "wrong, hint", RECEPTIVE_WRONG, ids=[h.split("[")[-1].rstrip("]") for _, h in RECEPTIVE_WRONG]
)
def test_check_receptive_field_rejects(wrong, hint):
    rejects(check_receptive_field, wrong, hint)


def receptive_by_simulation(delta, layers):
    """Push a single bright pixel through `layers` box filters and measure how far it spreads."""
    x = np.zeros((4 * layers * delta + 1, 4 * layers * delta + 1))
    x[x.shape[0] // 2, x.shape[1] // 2] = 1
    for _ in range(layers):
        x = corr2d(x, np.ones((2 * delta + 1, 2 * delta + 1)), "same")
    return int(
        np.count_nonzero(x[x.shape[0] // 2] > 0.5)
    )  # > 0.5: the FFT path leaves round-off where the sum is 0


def receptive_iterative(delta, layers):
    side = 1
    for _ in range(layers):
        side += 2 * delta
    return side


@pytest.mark.parametrize(
    "right",
    [
        lambda d, L: 2 * L * d + 1,
        receptive_iterative,
        receptive_by_simulation,
        lambda d, L: np.int64(2 * L * d + 1),
    ],
    ids=["formula", "iterative", "simulation", "numpy-int"],
)
def test_check_receptive_field_accepts(right, capsys):
    assert (
        accepts(check_receptive_field, right, capsys)
        == "✓ receptive field: all 20 hidden cases pass\n"
    )


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
    check_conv2d,
    check_output_shape,
    check_corr2d_multi_in,
    check_corr2d_multi_in_out,
    check_conv_layer,
    check_dense_weights,
    check_local_layer,
    check_receptive_field,
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
    """The issue asks for at least 8 distinct mistakes per checker."""
    for name, library in [
        ("corr2d", CORR2D_WRONG),
        ("conv2d", CONV2D_WRONG),
        ("output_shape", OUTPUT_SHAPE_WRONG),
        ("multi_in", MULTI_IN_WRONG),
        ("multi_in_out", MULTI_IN_OUT_WRONG),
        ("conv_layer", CONV_LAYER_WRONG),
        ("dense", DENSE_WRONG),
        ("local", LOCAL_WRONG),
        ("receptive", RECEPTIVE_WRONG),
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
        engine,
        locality,
        mistakes,
        multi_channel,
        single_channel,
    )

    attempted = 0
    for module in (
        checks,
        single_channel,
        multi_channel,
        locality,
        answers,
        engine,
        mistakes,
        calls,
        costs,
    ):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted > 20


@pytest.mark.parametrize(
    "check, answer",
    [
        (check_output_shape, lambda H, W, h, w, mode: (float("inf"), W)),
        (check_output_shape, lambda H, W, h, w, mode: (float(H), "x")),
        (check_output_shape, lambda H, W, h, w, mode: (float(H), 1j)),
        (checks.check_receptive_field, lambda delta, layers: float("inf")),
        (checks.check_receptive_field, lambda delta, layers: float("nan")),
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
