"""The six derivation exercises (convlib.checks.derivations) and the two new quiz items of ex-01-quiz.

For each checker: the model answer (as in the chapter's solution cell) passes,
every named slip is rejected with its hint, no hint contains the model answer,
and the checker's reference agrees with an independent measurement (real
stacks of corr2d, SciPy, the layer's Jacobian column by column).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy import signal

from convlib import corr2d, corr2d_multi_in_out
from convlib.checks import (
    CheckFailed,
    check_combined_kernel,
    check_depthwise_kernel,
    check_equivariance,
    check_folded_normalisation,
    check_input_gradient_channels,
    check_input_lengths,
    check_layers_to_cover,
)
from test_checks import (
    EQUIVARIANCE_QUESTIONS,  # the lecture's answers, stated independently
    igc_corr2d,  # the model answer: corr2d per channel pair
)
from test_checks_engine import reference_of


def hint_of(check, fn) -> tuple:
    with pytest.raises(CheckFailed) as info:
        check(fn)
    text = str(info.value)
    m = re.search(r"Hint \[([^\]]+)\]: (.*)", text)
    assert m, text
    return m.group(1), m.group(2)


def passes(check, fn, capsys) -> None:
    check(fn)
    assert "✓" in capsys.readouterr().out


# ---------------------------------------------------------------------------
# ex-02-cover


def cover(delta, H, W):
    return -(-(max(H, W) - 1) // delta)


def measured_cover(delta, H, W):
    """Push every pixel through real 'same' layers of ones until every output depends on every input."""
    ones = np.ones((2 * delta + 1, 2 * delta + 1))
    reach = np.eye(H * W).reshape(H * W, H, W)  # one image per input pixel
    L = 0
    while not np.all(reach > 0):
        reach = np.stack([corr2d(r, ones, "same") for r in reach])
        L += 1
    return L


@pytest.mark.parametrize(
    "delta,H,W",
    [(1, 5, 5), (1, 4, 7), (2, 9, 9), (3, 10, 4), (2, 8, 8), (1, 2, 2), (4, 3, 17), (2, 6, 11)],
)
def test_cover_reference_is_what_real_stacks_do(delta, H, W):
    assert (
        reference_of(check_layers_to_cover)(delta, H, W)
        == measured_cover(delta, H, W)
        == cover(delta, H, W)
    )


COVER_SLIPS = {
    "window centred": lambda delta, H, W: -(-(max(H, W) - 1) // (2 * delta)),
    "shorter side": lambda delta, H, W: -(-(min(H, W) - 1) // delta),
    "rounded down": lambda delta, H, W: (max(H, W) - 1) // delta,
    "n steps instead of n - 1": lambda delta, H, W: -(-max(H, W) // delta),
    "n steps instead of n - 1 ": lambda delta, H, W: (
        (max(H, W) - 1) // delta + 1
    ),  # the same function as ceil(n / delta)
    "rows and columns added": lambda delta, H, W: -(-(H + W - 2) // delta),
    "float result": lambda delta, H, W: float(cover(delta, H, W)),
}


def test_cover_model_answer_passes(capsys):
    passes(check_layers_to_cover, cover, capsys)


@pytest.mark.parametrize("tag", sorted(COVER_SLIPS))
def test_cover_slips_are_named_without_the_formula(tag):
    got, hint = hint_of(check_layers_to_cover, COVER_SLIPS[tag])
    assert got == tag.strip()
    assert not re.search(r"max\(H, W\) - 1|// ?delta|ceil", hint)


# ---------------------------------------------------------------------------
# ex-04-input-lengths


def lengths(m, k, p, s, dil):
    n = (m - 1) * s + dil * (k - 1) + 1 - 2 * p
    return (n, n + s - 1)


@pytest.mark.parametrize(
    "m,k,p,s,dil",
    [(4, 3, 0, 2, 1), (112, 7, 3, 2, 1), (5, 3, 2, 2, 2), (3, 1, 0, 5, 1), (8, 3, 1, 3, 2)],
)
def test_input_lengths_reference_is_scipy_and_the_layer(m, k, p, s, dil):
    lo, hi = reference_of(check_input_lengths)(m, k, p, s, dil)
    assert (lo, hi) == lengths(m, k, p, s, dil)
    kernel = np.zeros((dil * (k - 1) + 1, 1))
    kernel[::dil] = 1
    for n in range(
        max(1, lo - 2 * s), hi + 2 * s
    ):  # SciPy's valid correlation of the padded axis, every s-th output
        count = signal.correlate2d(np.zeros((n + 2 * p, 1)), kernel, "valid")[::s].shape[0]
        assert (count == m) == (lo <= n <= hi), n


INPUT_SLIPS = {
    "one length only": lambda m, k, p, s, dil: (lengths(m, k, p, s, dil)[0],) * 2,
    "one length too many": lambda m, k, p, s, dil: (
        lengths(m, k, p, s, dil)[0],
        lengths(m, k, p, s, dil)[1] + 1,
    ),
    "dilation ignored": lambda m, k, p, s, dil: lengths(m, k, p, s, 1),
    "stride ignored between starts": lambda m, k, p, s, dil: (lambda n: (n, n + s - 1))(
        (m - 1) + dil * (k - 1) + 1 - 2 * p
    ),
    "padding counted once": lambda m, k, p, s, dil: (lambda n: (n, n + s - 1))(
        (m - 1) * s + dil * (k - 1) + 1 - p
    ),
    "not a pair": lambda m, k, p, s, dil: lengths(m, k, p, s, dil)[0],
    "float result": lambda m, k, p, s, dil: tuple(float(v) for v in lengths(m, k, p, s, dil)),
}


def test_input_lengths_model_answer_passes(capsys):
    passes(check_input_lengths, lengths, capsys)


@pytest.mark.parametrize("tag", sorted(INPUT_SLIPS))
def test_input_length_slips_are_named_without_the_formula(tag):
    got, hint = hint_of(check_input_lengths, INPUT_SLIPS[tag])
    assert got == tag
    assert not re.search(r"\(m - 1\) ?\*? ?s|n_min \+ s - 1|s - 1\)", hint)


# ---------------------------------------------------------------------------
# ex-03-compose


def combined(K1, K2):
    K1, K2 = np.asarray(K1, dtype=float), np.asarray(K2, dtype=float)
    K = np.zeros((K1.shape[0] + K2.shape[0] - 1, K1.shape[1] + K2.shape[1] - 1))
    for c in range(K2.shape[0]):
        for e in range(K2.shape[1]):
            K[c : c + K1.shape[0], e : e + K1.shape[1]] += K2[c, e] * K1
    return K


def test_combined_kernel_reference_is_scipy_and_does_what_the_stack_does():
    rng = np.random.default_rng(0)
    for shapes in [((2, 3), (3, 2)), ((3, 3), (1, 1)), ((1, 4), (2, 2))]:
        K1, K2 = rng.normal(size=shapes[0]), rng.normal(size=shapes[1])
        np.testing.assert_allclose(
            reference_of(check_combined_kernel)(K1, K2),
            signal.convolve2d(K1, K2, "full"),
            atol=1e-12,
        )
        X = rng.normal(size=(9, 8))
        np.testing.assert_allclose(
            corr2d(X, reference_of(check_combined_kernel)(K1, K2)),
            corr2d(corr2d(X, K1), K2),
            atol=1e-12,
        )


def _full_corr(A, B):
    return signal.correlate2d(np.asarray(A, float), np.asarray(B, float), "full")


COMPOSE_SLIPS = {
    "correlation of the kernels": _full_corr,
    "rotated by 180 degrees": lambda K1, K2: combined(K1, K2)[::-1, ::-1],
    "transposed": lambda K1, K2: combined(K1, K2).T,
    "size of a valid correlation": lambda K1, K2: np.zeros(
        (abs(K1.shape[0] - K2.shape[0]) + 1, abs(K1.shape[1] - K2.shape[1]) + 1)
    ),
    "one row and column too many": lambda K1, K2: np.pad(combined(K1, K2), ((0, 1), (0, 1))),
}


def test_combined_kernel_model_answer_passes(capsys):
    passes(check_combined_kernel, combined, capsys)


@pytest.mark.parametrize("tag", sorted(COMPOSE_SLIPS))
def test_compose_slips_are_named_without_the_answer(tag):
    fn = COMPOSE_SLIPS[tag]
    if tag == "correlation of the kernels":
        fn = lambda K1, K2: np.asarray(_full_corr(K1, K2))  # noqa: E731 - own code, not SciPy itself
    got, hint = hint_of(check_combined_kernel, fn)
    assert got == tag
    # the hint names the principle, not the operation to call
    assert not re.search(r"convolv|conv2d|\[::-1", hint)


def test_compose_refuses_conv2d_itself():
    from convlib import conv2d

    tag, _ = hint_of(check_combined_kernel, lambda K1, K2: conv2d(K1, K2, "full"))
    assert tag == "library function"


# ---------------------------------------------------------------------------
# ex-05-depthwise


def depthwise(g, C):
    g = np.asarray(g, dtype=float)
    K = np.zeros(g.shape + (C, C))
    for c in range(C):
        K[:, :, c, c] = g
    return K


def test_depthwise_reference_filters_each_channel_alone():
    rng = np.random.default_rng(1)
    g, X = rng.normal(size=(3, 2)), rng.normal(size=(7, 6, 4))
    Y = corr2d_multi_in_out(X, reference_of(check_depthwise_kernel)(g, 4))
    for c in range(4):
        np.testing.assert_allclose(
            Y[:, :, c], signal.correlate2d(X[:, :, c], g, "valid"), atol=1e-12
        )


DEPTHWISE_SLIPS = {
    "colours mixed": lambda g, C: np.broadcast_to(
        np.asarray(g, float)[:, :, None, None], g.shape + (C, C)
    ).copy(),
    "g flipped": lambda g, C: depthwise(np.asarray(g)[::-1, ::-1], C),
    "g transposed": lambda g, C: depthwise(np.asarray(g).T, C),
    "PyTorch's layout": lambda g, C: depthwise(g, C).transpose(3, 2, 0, 1),
    "3rd-order kernel": lambda g, C: np.repeat(np.asarray(g, float)[:, :, None], C, axis=2),
}


def test_depthwise_model_answer_passes(capsys):
    passes(check_depthwise_kernel, depthwise, capsys)


@pytest.mark.parametrize("tag", sorted(DEPTHWISE_SLIPS))
def test_depthwise_slips_are_named_without_the_answer(tag):
    got, hint = hint_of(check_depthwise_kernel, DEPTHWISE_SLIPS[tag])
    assert got == tag
    assert not re.search(r"K\[:, :, c, c\]|np\.eye|diagonal", hint)


# ---------------------------------------------------------------------------
# ex-05-input-grad


def test_input_gradient_reference_is_the_jacobian():
    rng = np.random.default_rng(2)
    K, G = rng.normal(size=(2, 3, 2, 3)), rng.normal(size=(3, 2, 3))
    H, W = 4, 4
    expected = np.zeros((H, W, 2))
    for idx in np.ndindex(
        H, W, 2
    ):  # dL/dx[idx] = sum G * dY/dx[idx], the layer applied to a unit image
        e = np.zeros((H, W, 2))
        e[idx] = 1
        expected[idx] = np.sum(G * corr2d_multi_in_out(e, K))
    np.testing.assert_allclose(
        reference_of(check_input_gradient_channels)(G, K), expected, atol=1e-12
    )
    np.testing.assert_allclose(igc_corr2d(G, K), expected, atol=1e-12)


def _spread(G, K, kernel_of, ks=None):
    G, K = np.asarray(G, float), np.asarray(K, float)
    ks = range(G.shape[2]) if ks is None else ks
    return np.stack(
        [
            sum(signal.correlate2d(G[:, :, k], kernel_of(K, c, k), "full") for k in ks)
            for c in range(K.shape[2])
        ],
        axis=-1,
    )


GRAD_SLIPS = {
    "kernel not flipped": lambda G, K: _spread(G, K, lambda K, c, k: K[:, :, c, k]),
    "one axis flipped": lambda G, K: _spread(G, K, lambda K, c, k: K[::-1, :, c, k]),
    "one output channel only": lambda G, K: _spread(G, K, lambda K, c, k: K[::-1, ::-1, c, k], [0]),
    "the output's shape": lambda G, K: np.zeros(G.shape[:2] + (K.shape[2],)),
    "valid instead of full": lambda G, K: np.zeros(
        (G.shape[0] - K.shape[0] + 1, G.shape[1] - K.shape[1] + 1, K.shape[2])
    ),
}


def test_input_gradient_model_answer_passes(capsys):
    passes(check_input_gradient_channels, igc_corr2d, capsys)


@pytest.mark.parametrize("tag", sorted(GRAD_SLIPS))
def test_input_gradient_slips_are_named_without_the_answer(tag):
    got, hint = hint_of(check_input_gradient_channels, GRAD_SLIPS[tag])
    assert got == tag
    assert not re.search(r"\[::-1, ::-1|np\.pad|correlate", hint)


# ---------------------------------------------------------------------------
# ex-05-fold-norm


def fold(K, u, mean, std):
    K_new = K / std[None, None, :, None]
    return K_new, u - np.einsum("abck,c->k", K_new, mean)


def test_folded_reference_equals_normalise_then_layer():
    rng = np.random.default_rng(3)
    K, u = rng.normal(size=(3, 2, 3, 4)), rng.normal(size=4)
    mean, std = rng.uniform(0.2, 0.6, size=3), rng.uniform(0.1, 0.3, size=3)
    x = rng.uniform(0, 1, size=(9, 7, 3))
    K_new, u_new = reference_of(check_folded_normalisation)(K, u, mean, std)
    np.testing.assert_allclose(
        corr2d_multi_in_out(x, K_new) + u_new,
        corr2d_multi_in_out((x - mean) / std, K) + u,
        atol=1e-10,
    )
    # and the fold is not exact with zero padding (the model answer's comment)
    same_folded = corr2d_multi_in_out(x, K_new, "same") + u_new
    same_normalised = corr2d_multi_in_out((x - mean) / std, K, "same") + u
    assert not np.allclose(same_folded, same_normalised)
    np.testing.assert_allclose(same_folded[1:-1, 1:-1], same_normalised[1:-1, 1:-1], atol=1e-10)


FOLD_SLIPS = {
    "bias not corrected": lambda K, u, mean, std: (K / std[None, None, :, None], u),
    "mean not divided by the std": lambda K, u, mean, std: (
        K / std[None, None, :, None],
        u - np.einsum("abck,c->k", K, mean),
    ),
    "sign of the correction": lambda K, u, mean, std: (
        fold(K, u, mean, std)[0],
        2 * u - fold(K, u, mean, std)[1],
    ),
    "one tap only": lambda K, u, mean, std: (
        K / std[None, None, :, None],
        u - np.einsum("ck,c->k", K[0, 0], mean / std),
    ),
    "not a pair": lambda K, u, mean, std: fold(K, u, mean, std)[0],
    "bias wrong": lambda K, u, mean, std: (fold(K, u, mean, std)[0], u + 1),
    "kernel wrong": lambda K, u, mean, std: (K, u),
}


def test_folded_model_answer_passes(capsys):
    passes(check_folded_normalisation, fold, capsys)


@pytest.mark.parametrize("tag", sorted(FOLD_SLIPS))
def test_fold_slips_are_named_without_the_answer(tag):
    got, hint = hint_of(check_folded_normalisation, FOLD_SLIPS[tag])
    assert got == tag
    assert not re.search(r"einsum|K / std|u - ", hint)


# ---------------------------------------------------------------------------
# ex-01-quiz: the subsampling and the rotation items


def test_the_quiz_key_is_measured_and_the_right_answers_pass(capsys):
    assert check_equivariance.answer_key() == EQUIVARIANCE_QUESTIONS
    # the experiment, not a stored key: a 2-pixel shift does commute with keeping every second pixel,
    # and a kernel that equals its 90-degree rotation does commute with the rotation
    x = np.random.default_rng(5).normal(size=(12, 12))
    assert np.array_equal(
        np.roll(x, (2, 2), axis=(0, 1))[::2, ::2], np.roll(x[::2, ::2], (1, 1), axis=(0, 1))
    )
    cross = np.array([[0.0, 1, 0], [1, -4, 1], [0, 1, 0]])
    assert np.allclose(corr2d(np.rot90(x), cross, "same"), np.rot90(corr2d(x, cross, "same")))
    check_equivariance(EQUIVARIANCE_QUESTIONS)
    assert "all 9 answers correct" in capsys.readouterr().out


@pytest.mark.parametrize(
    "question,wrong",
    [
        ("keeping every second row and column, x[::2, ::2]", "equivariant"),
        (
            "corr2d ('same'), with the input ROTATED by 90 degrees (np.rot90) instead of shifted",
            "equivariant",
        ),
    ],
)
def test_the_new_quiz_items_reject_the_tempting_answer_with_a_reason(question, wrong):
    with pytest.raises(CheckFailed, match=re.escape(f"not '{wrong}'")) as info:
        check_equivariance({**EQUIVARIANCE_QUESTIONS, question: wrong})
    assert "Reason:" in str(info.value) and "neither" not in str(info.value)
