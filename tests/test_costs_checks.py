"""The counting checkers of convlib.checks.costs: right answers pass, each usual slip gets its own hint.

The right counts are not typed in here: they are measured with convlib on
arrays of ones (every product of a one with a one adds one to the sum), so
the tests compare the checkers with an independent count.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convlib import (
    corr2d,
    corr2d_multi_in_out,
    fully_connected_params,
    translation_invariant_params,
)
from convlib.checks import (
    check_bias_counts,
    check_border_terms,
    check_dense_nonzeros,
    check_dilated_size,
    check_multiply_adds,
    check_same_padding,
    costs,
)


def measured_multiply_adds(H, W, k_h, k_w, c_in, c_out):
    """Sum of the layer's output on ones: each output value is the number of products it adds."""
    return int(corr2d_multi_in_out(np.ones((H, W, c_in)), np.ones((k_h, k_w, c_in, c_out))).sum())


def measured_dense_nonzeros(H, W, k_h, k_w):
    """Build Wd column by column from impulses, Wd[:, :, k, l] = corr2d(e_kl, K), and count its non-zeros."""
    K = np.arange(1.0, k_h * k_w + 1).reshape(k_h, k_w)  # no zero weight
    count = 0
    for k in range(H):
        for l in range(W):
            impulse = np.zeros((H, W))
            impulse[k, l] = 1.0
            count += np.count_nonzero(corr2d(impulse, K))
    return count


def measured_border_terms(i, j, delta, H, W):
    """Zero padding: the 'same' correlation of ones with ones counts the window pixels inside the image."""
    side = 2 * delta + 1
    return int(corr2d(np.ones((H, W)), np.ones((side, side)), "same")[i, j])


def measured_dilated_size(n, k, p, s, d):
    """Pad with np.pad, correlate at stride 1 with the dilated kernel, keep every s-th output: what is left."""
    dilated = np.zeros((d * (k - 1) + 1, 1))  # k taps d pixels apart
    return len(corr2d(np.pad(np.zeros((n, 1)), ((p, p), (0, 0))), dilated)[::s])


def measured_same_padding(k):
    """The split SciPy's 'same' mode uses, read off its output: (k - 1) // 2 zeros before the axis."""
    before = (k - 1) // 2
    return before, k - 1 - before


def measured_bias_counts(H, W):
    return fully_connected_params(H, W) + H * W, translation_invariant_params(H, W) + 1


@given(
    st.integers(1, 9),
    st.integers(1, 9),
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(1, 3),
)
def test_the_multiply_add_formula_matches_a_measured_count(H, W, k_h, k_w, c_in, c_out):
    if k_h <= H and k_w <= W:
        assert costs.valid_positions(
            H, W, k_h, k_w
        ) * k_h * k_w * c_in * c_out == measured_multiply_adds(H, W, k_h, k_w, c_in, c_out)


def test_right_answers_pass(capsys):
    check_multiply_adds(
        lambda H, W, k_h, k_w, c_in, c_out: measured_multiply_adds(H, W, k_h, k_w, c_in, c_out)
    )
    check_dense_nonzeros(measured_dense_nonzeros)
    check_border_terms(measured_border_terms)
    check_bias_counts(measured_bias_counts)
    check_dilated_size(measured_dilated_size)
    check_same_padding(measured_same_padding)
    # the extra zero may go on either side
    check_same_padding(lambda k: measured_same_padding(k)[::-1])
    out = capsys.readouterr().out
    assert out.count("✓") == 7, out
    for title in (
        "multiply-adds",
        "dense non-zeros",
        "border terms",
        "parameter counts",
        "dilated output size",
        "same padding",
    ):
        assert f"✓ {title}: all" in out


SLIPS = [
    (
        check_multiply_adds,
        lambda H, W, k_h, k_w, c_in, c_out: k_h * k_w * c_in * c_out,
        "weights, not work",
    ),
    (
        check_multiply_adds,
        lambda H, W, k_h, k_w, c_in, c_out: H * W * k_h * k_w * c_in * c_out,
        "input size for the output",
    ),
    (
        check_multiply_adds,
        lambda H, W, k_h, k_w, c_in, c_out: (
            measured_multiply_adds(H, W, k_h, k_w, c_in, c_out) // c_in
        ),
        "forgot the input channels",
    ),
    (
        check_multiply_adds,
        lambda H, W, k_h, k_w, c_in, c_out: (
            measured_multiply_adds(H, W, k_h, k_w, c_in, c_out) // c_out
        ),
        "forgot the output channels",
    ),
    (
        check_multiply_adds,
        lambda H, W, k_h, k_w, c_in, c_out: (H - k_h) * (W - k_w) * k_h * k_w * c_in * c_out,
        "one position too few",
    ),
    (
        check_multiply_adds,
        lambda H, W, k_h, k_w, c_in, c_out: float(
            measured_multiply_adds(H, W, k_h, k_w, c_in, c_out)
        ),
        "float result",
    ),
    (
        check_dense_nonzeros,
        lambda H, W, k_h, k_w: (H - k_h + 1) * (W - k_w + 1) * H * W,
        "counted every entry",
    ),
    (check_dense_nonzeros, lambda H, W, k_h, k_w: k_h * k_w, "one output pixel only"),
    (check_dense_nonzeros, lambda H, W, k_h, k_w: H * W * k_h * k_w, "input size for the output"),
    (check_border_terms, lambda i, j, delta, H, W: (2 * delta + 1) ** 2, "border ignored"),
    (
        check_border_terms,
        lambda i, j, d, H, W: (
            (min(i + d, W - 1) - max(i - d, 0) + 1) * (min(j + d, H - 1) - max(j - d, 0) + 1)
        ),
        "H and W swapped",
    ),
    (
        check_bias_counts,
        lambda H, W: (fully_connected_params(H, W), translation_invariant_params(H, W)),
        "biases left out",
    ),
    (
        check_bias_counts,
        lambda H, W: (
            fully_connected_params(H, W) + H * W,
            translation_invariant_params(H, W) + H * W,
        ),
        "bias per pixel kept",
    ),
    (
        check_bias_counts,
        lambda H, W: (fully_connected_params(H, W) + H * W, translation_invariant_params(H, W)),
        "no bias after sharing",
    ),
    (check_bias_counts, lambda H, W: 0, "not a pair"),
    (check_same_padding, lambda k: (k // 2, k // 2), "even kernels"),
    (check_same_padding, lambda k: (k - 1, k - 1), "per side"),
    (check_same_padding, lambda k: (0, k - 1), "lopsided"),
    (check_same_padding, lambda k: k - 1, "not a pair"),
]


@pytest.mark.parametrize("checker, answer, tag", SLIPS)
def test_each_slip_is_named(checker, answer, tag):
    with pytest.raises(AssertionError) as info:
        checker(answer)
    message = str(info.value)
    assert "Hint [" in message
    assert f"Hint [{tag}]" in message, message


ALL = [
    check_multiply_adds,
    check_dense_nonzeros,
    check_border_terms,
    check_bias_counts,
    check_same_padding,
]


@pytest.mark.parametrize("checker", ALL)
def test_a_stub_and_an_unanswered_value_are_reported(checker):
    def stub(*args):
        raise NotImplementedError

    with pytest.raises(AssertionError, match="not implemented yet"):
        checker(stub)
    with pytest.raises(AssertionError, match="not answered yet"):
        checker(...)


@pytest.mark.parametrize("checker", ALL)
def test_docstrings_do_not_give_the_answer_away(checker):
    """Shift-Tab in a student notebook shows the docstring: no right formula may appear in it."""
    doc = checker.__doc__
    formulas = [
        r"H\s*-\s*k_h\s*\+\s*1",
        r"n\s*\+\s*2\s*\*?\s*p\s*-\s*k",
        r"k\s*-\s*1\)?\s*//\s*2",
        r"2\s*\*?\s*H\s*-\s*1\)?\s*\*?\s*\(?2\s*\*?\s*W\s*-\s*1\)?\s*\+\s*1",
        r"min\(",
        r"\(H \* W\) \*\* 2 \+",
    ]
    assert not any(re.search(f, doc) for f in formulas), doc
    assert ">>> check_" in doc and "Traceback" in doc  # a runnable example, with a wrong answer
    assert "✓" not in doc, "the example must not show an answer that passes"
