r"""Checkers for counting exercises: how much a layer stores and how much it computes.

Both checkers call the student's counting function on hidden sizes and
compare with the formula of the chapter; a wrong count is matched against
the usual slips (input size instead of output size, a factor forgotten, one
position too few) to name the mistake. The formulas live in the code below,
not in the docstrings, so Shift-Tab in a student notebook shows the task but
not the answer.
"""

from __future__ import annotations

import numpy as np

from ..correlate import corr2d
from ..shapes import output_shape
from .engine import Case, Mistake, run_cases, run_count_cases, same_count, whole_number

__all__ = [
    "check_bias_counts",
    "check_border_terms",
    "check_dense_nonzeros",
    "check_multiply_adds",
    "check_same_padding",
]


def valid_positions(H, W, k_h, k_w):
    """Number of valid positions of a ``k_h x k_w`` kernel on an ``H x W`` image: ``(H - k_h + 1)(W - k_w + 1)``.

    Examples
    --------
    >>> from convlib.checks.costs import valid_positions
    >>> valid_positions(5, 7, 2, 3)
    20
    """
    rows, cols = output_shape(H, W, k_h, k_w)
    return rows * cols


def _same_pair(got, expected) -> bool:
    try:
        return len(got) == 2 and all(same_count(g, e) for g, e in zip(got, expected, strict=True))
    except TypeError:  # not a pair
        return False


def _pair_of_counts(got, expected) -> str:
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return "Hint [not a pair]: return two counts, (fully_connected, translation_invariant)"
    return next(
        (problem for g, e in zip(got, expected, strict=True) if (problem := whole_number(g, e))), ""
    )


def check_bias_counts(fn) -> None:
    r"""Check ``fn(H, W) -> (fully_connected, translation_invariant)``: parameters of both layers, biases included.

    Both layers map an ``H x W`` grey image to an ``H x W`` hidden
    representation. Count every weight and every bias: the fully connected
    layer has a bias image ``U[i, j]``, the translation-invariant layer the
    bias that translation invariance leaves.

    Parameters
    ----------
    fn : callable
        ``fn(H, W)`` returning a pair of ints.

    Raises
    ------
    AssertionError
        When a count is wrong, with a hint that names the likely slip (biases
        left out, a bias per pixel kept after translation invariance, ...).

    Examples
    --------
    >>> from convlib.checks import check_bias_counts
    >>> check_bias_counts(lambda H, W: ((H * W) ** 2, (2 * H - 1) * (2 * W - 1)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: parameter counts: 6 of 6 hidden cases fail.
    Hint [biases left out]: ...
    """
    cases = [
        Case(size, ("H", "W"), growable=("H", "W"))
        for size in [(5, 5), (480, 640), (1, 1), (3, 7), (1024, 1024), (28, 28)]
    ]

    def weights(H, W):
        return (H * W) ** 2, (2 * H - 1) * (2 * W - 1)

    def reference(H, W):
        fc, ti = weights(H, W)
        return fc + H * W, ti + 1

    def mistake(fc_bias, ti_bias):
        return lambda args, ref: (
            weights(*args)[0] + fc_bias(*args),
            weights(*args)[1] + ti_bias(*args),
        )

    mistakes = [
        Mistake(
            "biases left out",
            "the question counts the biases too: U[i, j] before translation invariance, and what is left of it after.",
            mistake(lambda H, W: 0, lambda H, W: 0),
        ),
        Mistake(
            "bias per pixel kept",
            "translation invariance applies to the bias as well: U[i, j] must not depend on (i, j).",
            mistake(lambda H, W: H * W, lambda H, W: H * W),
        ),
        Mistake(
            "no bias after sharing",
            "translation invariance makes the bias the same at every position; it does not remove it.",
            mistake(lambda H, W: H * W, lambda H, W: 0),
        ),
        Mistake(
            "one bias for the fully connected layer",
            "before translation invariance every hidden pixel (i, j) has its own bias U[i, j].",
            mistake(lambda H, W: 1, lambda H, W: 1),
        ),
    ]
    run_cases(
        "parameter counts",
        fn,
        cases,
        reference,
        mistakes=mistakes,
        same=_same_pair,
        validate=_pair_of_counts,
        square_rule=False,
        returns_array=False,
    )


def check_border_terms(fn) -> None:
    r"""Check ``fn(i, j, delta, H, W) -> int``: the terms of the local sum at pixel ``(i, j)`` that lie inside the image.

    The local layer sums ``V[a, b] x[i + a, j + b]`` over ``a, b`` from
    ``-delta`` to ``delta``; with zero padding the terms whose input pixel
    lies outside the ``H x W`` image are zero. Count the others: the
    multiply-adds an implementation that skips the padding really performs.

    Parameters
    ----------
    fn : callable
        ``fn(i, j, delta, H, W)`` returning an int.

    Raises
    ------
    AssertionError
        When a count is wrong, with a hint that names the likely slip (the
        border ignored, one side clipped only, a window larger than the
        image, ...).

    Examples
    --------
    >>> from convlib.checks import check_border_terms
    >>> check_border_terms(lambda i, j, delta, H, W: (2 * delta + 1) ** 2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: border terms: ... hidden cases fail.
    Hint [border ignored]: ...
    """
    sizes = [
        (0, 0, 1, 5, 5),
        (2, 3, 1, 5, 5),
        (0, 2, 2, 5, 6),
        (4, 5, 2, 5, 6),
        (1, 1, 3, 4, 4),
        (0, 9, 1, 3, 10),
        (6, 0, 2, 7, 3),
        (3, 3, 0, 7, 7),
        (10, 20, 4, 32, 24),
        (0, 0, 10, 4, 6),
    ]
    cases = [Case(s, ("i", "j", "delta", "H", "W"), growable=("H", "W")) for s in sizes]

    def inside(k, delta, n):
        return min(k + delta, n - 1) - max(k - delta, 0) + 1

    def reference(i, j, delta, H, W):
        return inside(i, delta, H) * inside(j, delta, W)

    mistakes = [
        Mistake(
            "border ignored",
            "near the border some input pixels x[i + a, j + b] lie outside the image; count only those inside.",
            lambda args, ref: (2 * args[2] + 1) ** 2,
        ),
        Mistake(
            "low side only",
            "clip the window at both ends: rows run from max(i - delta, 0) to min(i + delta, H - 1).",
            lambda args, ref: (
                (args[0] + args[2] - max(args[0] - args[2], 0) + 1)
                * (args[1] + args[2] - max(args[1] - args[2], 0) + 1)
            ),
        ),
        Mistake(
            "high side only",
            "clip the window at both ends: rows run from max(i - delta, 0) to min(i + delta, H - 1).",
            lambda args, ref: (
                (min(args[0] + args[2], args[3] - 1) - (args[0] - args[2]) + 1)
                * (min(args[1] + args[2], args[4] - 1) - (args[1] - args[2]) + 1)
            ),
        ),
        Mistake(
            "rows only",
            "the window is clipped in both directions: multiply the rows inside by the columns inside.",
            lambda args, ref: inside(args[0], args[2], args[3]) * (2 * args[2] + 1),
        ),
        Mistake(
            "H and W swapped",
            "rows are clipped by the height H, columns by the width W.",
            lambda args, ref: inside(args[0], args[2], args[4]) * inside(args[1], args[2], args[3]),
        ),
    ]
    run_count_cases("border terms", fn, cases, reference, mistakes)


_KERNEL_SIZES = [
    (28, 28, 5, 5),
    (6, 8, 1, 2),
    (7, 5, 3, 2),
    (32, 24, 3, 3),
    (10, 10, 1, 1),
    (9, 12, 4, 7),
    (5, 5, 5, 5),
    (64, 48, 7, 3),
]


def check_dense_nonzeros(fn) -> None:
    r"""Check ``fn(H, W, k_h, k_w) -> int``: the non-zero entries of a valid cross-correlation written as a dense tensor.

    The tensor is ``Wd[i, j, k, l]`` of the exercise on dense weights: the
    valid cross-correlation of an ``H x W`` image with a ``k_h x k_w``
    kernel written as a fully connected layer. Count the entries that hold a
    kernel weight, assuming that no weight of the kernel is zero.

    Parameters
    ----------
    fn : callable
        ``fn(H, W, k_h, k_w)`` returning an int.

    Raises
    ------
    AssertionError
        When a count is wrong, with a hint that names the likely slip (all
        entries counted, the input size used for the output, one kernel's
        worth only, one position too few, ...).

    Examples
    --------
    >>> from convlib.checks import check_dense_nonzeros
    >>> check_dense_nonzeros(lambda H, W, k_h, k_w: k_h * k_w)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: dense non-zeros: 7 of 8 hidden cases fail.
    Hint [one output pixel only]: ...
    """
    cases = [Case(size, ("H", "W", "k_h", "k_w"), growable=("H", "W")) for size in _KERNEL_SIZES]

    def reference(H, W, k_h, k_w):
        return valid_positions(H, W, k_h, k_w) * k_h * k_w

    mistakes = [
        Mistake(
            "counted every entry",
            "most entries of Wd are zeros: each output pixel (i, j) has a non-zero weight only for the input pixels under its window.",
            lambda args, ref: valid_positions(*args) * args[0] * args[1],
        ),
        Mistake(
            "one output pixel only",
            "every output pixel has its own copy of the kernel in Wd: multiply by the number of output pixels.",
            lambda args, ref: args[2] * args[3],
        ),
        Mistake(
            "input size for the output",
            "the valid output has (H - k_h + 1) x (W - k_w + 1) pixels, not H x W.",
            lambda args, ref: args[0] * args[1] * args[2] * args[3],
        ),
        Mistake(
            "one position too few",
            "a kernel of height k_h fits at H - k_h + 1 rows (i = 0, ..., H - k_h), not H - k_h.",
            lambda args, ref: (args[0] - args[2]) * (args[1] - args[3]) * args[2] * args[3],
        ),
    ]
    run_count_cases("dense non-zeros", fn, cases, reference, mistakes)


def check_multiply_adds(fn) -> None:
    r"""Check ``fn(H, W, k_h, k_w, c_in, c_out) -> int``: multiply-adds of one valid multi-channel layer.

    The layer cross-correlates an ``H x W x c_in`` input with a
    ``k_h x k_w x c_in x c_out`` kernel at the valid positions, without
    bias. Count one multiply-add for every product of a weight with an input
    value that the layer computes.

    Parameters
    ----------
    fn : callable
        ``fn(H, W, k_h, k_w, c_in, c_out)`` returning an int.

    Raises
    ------
    AssertionError
        When a count is wrong, with a hint that names the likely slip (weights
        instead of work, a channel factor forgotten, the input size used for
        the output, one position too few, ...).

    Examples
    --------
    >>> from convlib.checks import check_multiply_adds
    >>> check_multiply_adds(lambda H, W, k_h, k_w, c_in, c_out: k_h * k_w * c_in * c_out)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: multiply-adds: 7 of 8 hidden cases fail.
    Hint [weights, not work]: ...
    """
    channels = [(3, 16), (1, 1), (2, 5), (64, 64), (3, 1), (8, 2), (1, 4), (16, 32)]
    cases = [
        Case(size + ch, ("H", "W", "k_h", "k_w", "c_in", "c_out"), growable=("H", "W"))
        for size, ch in zip(_KERNEL_SIZES, channels, strict=True)
    ]

    def reference(H, W, k_h, k_w, c_in, c_out):
        return valid_positions(H, W, k_h, k_w) * k_h * k_w * c_in * c_out

    mistakes = [
        Mistake(
            "weights, not work",
            "that is the number of weights; each weight is used once at every output position.",
            lambda args, ref: args[2] * args[3] * args[4] * args[5],
        ),
        Mistake(
            "input size for the output",
            "the valid output has (H - k_h + 1) x (W - k_w + 1) positions, not H x W.",
            lambda args, ref: args[0] * args[1] * args[2] * args[3] * args[4] * args[5],
        ),
        Mistake(
            "forgot the input channels",
            "every output value sums over all c_in input channels as well as over the window.",
            lambda args, ref: ref // args[4],
        ),
        Mistake(
            "forgot the output channels",
            "each of the c_out output channels is computed with its own kernel slice.",
            lambda args, ref: ref // args[5],
        ),
        Mistake(
            "forgot the window",
            "each output value sums k_h * k_w products per input channel.",
            lambda args, ref: ref // (args[2] * args[3]),
        ),
        Mistake(
            "one position too few",
            "a kernel of height k_h fits at H - k_h + 1 rows (i = 0, ..., H - k_h), not H - k_h.",
            lambda args, ref: (
                (args[0] - args[2]) * (args[1] - args[3]) * args[2] * args[3] * args[4] * args[5]
            ),
        ),
        Mistake(
            "counted the bias",
            "the question leaves out the bias; count the products of weights with input values only.",
            lambda args, ref: ref + valid_positions(*args[:4]) * args[5],
        ),
    ]
    run_count_cases("multiply-adds", fn, cases, reference, mistakes)


def check_same_padding(fn) -> None:
    r"""Check ``fn(k) -> (before, after)``: zeros before and after an axis so that stride 1 keeps its length.

    For a kernel of length ``k`` (odd or even), return how many zeros to add
    before and after the axis, as evenly as possible. The check pads a few
    hidden axes that way, cross-correlates, and compares the lengths.

    Parameters
    ----------
    fn : callable
        ``fn(k)`` returning a pair of non-negative ints.

    Raises
    ------
    AssertionError
        When the pair does not keep the length or is lopsided, with a hint.

    Examples
    --------
    >>> from convlib.checks import check_same_padding
    >>> check_same_padding(lambda k: (k // 2, k // 2))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: same padding: ... hidden cases fail.
    Hint [even kernels]: ...
    """
    cases = [Case((k,), ("k",)) for k in (1, 2, 3, 4, 5, 6, 7, 8, 11)]

    def as_pair(got):
        """``got`` as a pair of ints, or None when it is not two whole numbers."""
        try:
            before, after = got
            if any(isinstance(v, bool) or int(v) != v for v in (before, after)):
                return None
            return int(before), int(after)
        except (TypeError, ValueError):
            return None

    def kept_length(k, pair):
        x = np.pad(np.zeros(12), pair)
        return corr2d(x[:, None], np.zeros((k, 1))).shape[0] == 12

    def reference(k):
        return k - 1  # the right total; matches() checks the split

    def matches(got, target):
        """``target`` is the right total k - 1 (is ``got`` a balanced split of it that keeps the length?)
        or a simulated wrong answer (is ``got`` that pair?)."""
        pair = as_pair(got)
        if pair is None:
            return False
        if isinstance(target, tuple):
            return pair == target
        return (
            min(pair) >= 0
            and abs(pair[0] - pair[1]) <= 1
            and sum(pair) == target
            and kept_length(target + 1, pair)
        )

    def validate(got, total):
        return (
            ""
            if as_pair(got) is not None
            else "Hint [not a pair]: return two whole numbers, (before, after)"
        )

    mistakes = [
        Mistake(
            "even kernels",
            "for an even k the k - 1 zeros cannot be split equally: put one more zero on one side.",
            lambda args, ref: (args[0] // 2, args[0] // 2),
        ),
        Mistake(
            "k zeros",
            "a kernel of length k loses k - 1 positions, so k - 1 zeros in all restore the length, not k.",
            lambda args, ref: (args[0] // 2, args[0] - args[0] // 2),
        ),
        Mistake(
            "per side",
            "the k - 1 zeros are the total, split between the two sides, not the padding of each side.",
            lambda args, ref: (args[0] - 1, args[0] - 1),
        ),
        Mistake(
            "lopsided",
            "that keeps the length, but every window moves off its centre pixel: split the zeros as evenly as possible.",
            lambda args, ref: (0, args[0] - 1),
        ),
        Mistake(
            "lopsided",
            "that keeps the length, but every window moves off its centre pixel: split the zeros as evenly as possible.",
            lambda args, ref: (args[0] - 1, 0),
        ),
    ]

    run_cases(
        "same padding",
        fn,
        cases,
        reference,
        mistakes=mistakes,
        same=matches,
        validate=validate,
        square_rule=False,
        returns_array=False,
    )
