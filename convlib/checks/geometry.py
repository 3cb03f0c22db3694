r"""Checkers for the geometry and counting exercises: dilation, receptive fields with stride, unshared and grouped layers.

Each checker calls the student's function on hidden arguments and compares
with convlib's own geometry (:mod:`convlib.shapes`, the rule every
correlation of convlib uses). Wrong answers are matched
against the usual slips to name the mistake; the hints state the principle,
never the formula to copy. The formulas live in the code, not in the
docstrings, so Shift-Tab in a student notebook shows the task, not the answer.
"""

from __future__ import annotations

import numpy as np

from ..shapes import grouped_params, locally_connected_params, output_size, receptive_field
from .calls import DEFAULT_TIME_LIMIT
from .engine import Case, Mistake, run_count_cases

__all__ = [
    "check_dilated_size",
    "check_strided_receptive_field",
    "check_locally_connected_count",
    "check_grouped_count",
    "check_min_kernel_size",
]


def check_dilated_size(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    r"""Check ``fn(n, k, p, s, d) -> int``: the output length along one axis with padding, stride and dilation.

    An axis of ``n`` pixels is padded with ``p`` pixels on *each* side, a
    kernel of ``k`` taps spaced ``d`` pixels apart (dilation ``d``; ``d = 1``
    is the ordinary kernel) slides along it ``s`` pixels at a time, and only
    positions where every tap lies inside the padded axis count. The hidden
    cases are compared with :func:`convlib.output_size` (the rule
    :func:`convlib.corr2d` uses).

    Raises
    ------
    CheckFailed
        Hints: dilation ignored, ``k d`` pixels, dilation used as a stride,
        the effective size one pixel short, padding counted once, the last
        position forgotten, rounding up, a float result, time limit.

    Examples
    --------
    >>> from convlib.checks import check_dilated_size
    >>> check_dilated_size(lambda n, k, p, s, d: (n + 2 * p - k) // s + 1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: dilated output size: ... hidden cases fail.
    Hint [dilation ignored]: ...
    """
    sizes = [
        (8, 3, 0, 1, 2),
        (8, 3, 1, 1, 2),
        (10, 3, 0, 2, 2),
        (32, 3, 2, 1, 2),
        (28, 5, 4, 1, 2),
        (224, 3, 2, 2, 2),
        (9, 2, 0, 1, 3),
        (15, 4, 3, 3, 2),
        (7, 3, 0, 1, 3),
        (12, 3, 0, 2, 4),
        (20, 5, 0, 3, 3),
        (6, 1, 0, 1, 5),
        (16, 3, 1, 2, 1),
        (13, 4, 1, 4, 3),
        (64, 3, 4, 1, 4),
        (11, 2, 0, 3, 5),
    ]
    cases = [Case(size, ("n", "k", "p", "s", "d"), growable=("n",)) for size in sizes]

    def reference(n, k, p, s, d):
        return output_size(n, k, padding=p, stride=s, dilation=d)

    def positions(span):
        return lambda args, ref: (args[0] + 2 * args[2] - span(args[1], args[4])) // args[3] + 1

    mistakes = [
        Mistake(
            "dilation ignored",
            "with dilation d the kernel's taps are d pixels apart, so one window covers more than k pixels of the axis.",
            positions(lambda k, d: k),
        ),
        Mistake(
            "k d pixels",
            "k taps spaced d apart leave k - 1 gaps of d pixels each: count the pixels from the first tap to the last.",
            positions(lambda k, d: k * d),
        ),
        Mistake(
            "dilation added once",
            "every one of the k - 1 gaps between taps grows with the dilation, not just one of them.",
            positions(lambda k, d: k + d - 1),
        ),
        Mistake(
            "effective size one short",
            "the window runs from its first tap to its last, both included: count the first tap too.",
            positions(lambda k, d: d * (k - 1)),
        ),
        Mistake(
            "dilation used as a stride",
            "dilation spreads the taps of one window; the stride s moves the window. They play different roles.",
            lambda args, ref: (args[0] + 2 * args[2] - args[1]) // (args[3] * args[4]) + 1,
        ),
        Mistake(
            "padding counted once",
            "padding p adds p pixels on EACH side: the padded axis has n + 2p pixels.",
            lambda args, ref: (args[0] + args[2] - (args[4] * (args[1] - 1) + 1)) // args[3] + 1,
        ),
        Mistake(
            "last position forgotten",
            "the first window starts at 0 and the last at the largest multiple of s that still fits: count both ends.",
            lambda args, ref: (args[0] + 2 * args[2] - (args[4] * (args[1] - 1) + 1)) // args[3],
        ),
        Mistake(
            "rounded up",
            "a window whose last tap would stick out of the padded axis does not count: round down.",
            lambda args, ref: (
                -(-(args[0] + 2 * args[2] - (args[4] * (args[1] - 1) + 1)) // args[3]) + 1
            ),
        ),
    ]
    run_count_cases(
        "dilated output size", fn, cases, reference, mistakes, time_limit, forbidden=(output_size,)
    )


def check_strided_receptive_field(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    r"""Check ``fn(kernels, strides, dilations) -> int``: the receptive-field side of a stack of layers, along one axis.

    ``kernels``, ``strides`` and ``dilations`` are tuples with one entry per
    layer, the first layer first: layer ``L`` has ``kernels[L]`` taps spaced
    ``dilations[L]`` pixels apart and keeps every ``strides[L]``-th output.
    ``fn`` returns how many input pixels one output of the last layer sees
    (along one axis, padding ignored). Checked against
    :func:`convlib.receptive_field` and, through it, against a delta pushed
    through real :func:`convlib.corr2d` stacks in the tests.

    Raises
    ------
    CheckFailed
        Hints: strides ignored, dilations ignored, a layer's own stride
        counted, window sizes added, window sizes multiplied, one stride
        only, a float result, time limit.

    Examples
    --------
    >>> from convlib.checks import check_strided_receptive_field
    >>> check_strided_receptive_field(lambda kernels, strides, dilations: 1 + sum(k - 1 for k in kernels))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: strided receptive field: ... hidden cases fail.
    Hint [strides and dilations ignored]: ...
    """
    stacks = [
        ((3,), (1,), (1,)),
        ((3, 3), (1, 1), (1, 1)),
        ((3, 3), (2, 1), (1, 1)),
        ((7, 3), (2, 1), (1, 1)),
        ((3, 3, 3), (2, 2, 1), (1, 1, 1)),
        ((3, 3, 3), (1, 1, 1), (1, 2, 4)),
        ((5, 3, 3), (2, 1, 2), (1, 2, 1)),
        ((3, 3, 3, 3), (1, 2, 1, 2), (1, 1, 2, 2)),
        ((7, 3, 3, 3), (2, 2, 1, 1), (1, 1, 1, 1)),
        ((2, 2, 2), (2, 2, 2), (1, 1, 1)),
        ((1, 3), (4, 1), (1, 1)),
        ((3, 5), (3, 1), (2, 1)),
        ((3, 3), (1, 3), (3, 1)),
        ((4, 2, 3), (1, 3, 2), (2, 1, 3)),
    ]
    cases = [Case(stack, ("kernels", "strides", "dilations")) for stack in stacks]

    def reference(kernels, strides, dilations):
        return receptive_field(list(kernels), list(strides), list(dilations)).size

    def grow(step):
        """1 + sum over layers of step(k, s, d, jump before the layer, jump after it)."""

        def simulate(args, ref):
            size, jump = 1, 1
            for k, s, d in zip(*args, strict=True):
                size += step(k, s, d, jump, jump * s)
                jump *= s
            return size

        return simulate

    mistakes = [
        Mistake(
            "strides and dilations ignored",
            "a layer after a stride-s layer steps over s input pixels per tap, and a dilated layer's taps are d apart: both widen what it sees.",
            grow(lambda k, s, d, before, after: k - 1),
        ),
        Mistake(
            "strides ignored",
            "after a layer of stride s, neighbouring pixels of the next layer are s input pixels apart: each later tap reaches s times further.",
            grow(lambda k, s, d, before, after: (k - 1) * d),
        ),
        Mistake(
            "dilations ignored",
            "a dilated layer's taps are d of its input pixels apart, so it reaches d times further than its k taps suggest.",
            grow(lambda k, s, d, before, after: (k - 1) * before),
        ),
        Mistake(
            "own stride counted",
            "a layer's stride spaces its OUTPUTS; its own window still sits on its input's grid. Only the strides of the layers before it count.",
            grow(lambda k, s, d, before, after: (k - 1) * d * after),
        ),
        Mistake(
            "window sizes added",
            "neighbouring windows overlap: a stacked layer adds its reach beyond the centre, not its whole window.",
            lambda args, ref: sum(d * (k - 1) + 1 for k, d in zip(args[0], args[2], strict=True)),
        ),
        Mistake(
            "window sizes multiplied",
            "receptive fields grow by addition: each layer adds the span of its taps (in input pixels), not a factor.",
            lambda args, ref: int(
                np.prod([d * (k - 1) + 1 for k, d in zip(args[0], args[2], strict=True)])
            ),
        ),
        Mistake(
            "k d per tap span",
            "k taps spaced d apart span d (k - 1) pixels from the first tap to the last, not k d.",
            grow(lambda k, s, d, before, after: (k * d - 1) * before),
        ),
    ]
    run_count_cases(
        "strided receptive field",
        fn,
        cases,
        reference,
        mistakes,
        time_limit,
        forbidden=(receptive_field,),
    )


def check_locally_connected_count(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    r"""Check ``fn(H, W, delta, c_in, c_out) -> int``: the weights of a locally connected (unshared) layer.

    The layer keeps locality but not translation invariance: every hidden
    pixel ``(i, j)`` of an ``H x W`` hidden layer (the image's size) has its
    own weights ``V[i, j, a, b, c, k]`` for the offsets ``a, b`` in
    ``-delta..delta``, ``c_in`` input and ``c_out`` output channels. Count the
    weights, not the biases.

    Raises
    ------
    CheckFailed
        Hints: weights shared, fully connected count, a channel factor
        forgotten, the window side wrong, the valid size for the hidden
        layer, biases counted, a float result.

    Examples
    --------
    >>> from convlib.checks import check_locally_connected_count
    >>> check_locally_connected_count(lambda H, W, delta, c_in, c_out: (2 * delta + 1) ** 2 * c_in * c_out)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: locally connected count: ... hidden cases fail.
    Hint [weights shared]: ...
    """
    sizes = [
        (5, 5, 1, 1, 1),
        (480, 640, 1, 1, 1),
        (28, 28, 2, 1, 8),
        (32, 24, 1, 3, 16),
        (7, 9, 3, 2, 5),
        (1024, 1024, 2, 3, 64),
        (6, 4, 0, 4, 2),
        (10, 12, 4, 1, 3),
    ]
    cases = [
        Case(size, ("H", "W", "delta", "c_in", "c_out"), growable=("H", "W")) for size in sizes
    ]

    def window(delta):
        return (2 * delta + 1) ** 2

    mistakes = [
        Mistake(
            "weights shared",
            "that is the convolutional layer's count: without translation invariance every hidden pixel (i, j) has its OWN window of weights.",
            lambda a, ref: window(a[2]) * a[3] * a[4],
        ),
        Mistake(
            "fully connected",
            "locality still holds: a hidden pixel sees only the (2 delta + 1) x (2 delta + 1) window around it, not the whole image.",
            lambda a, ref: (a[0] * a[1]) ** 2 * a[3] * a[4],
        ),
        Mistake(
            "forgot the channels",
            "each weight exists once per (input channel, output channel) pair.",
            lambda a, ref: a[0] * a[1] * window(a[2]),
        ),
        Mistake(
            "forgot the input channels",
            "each hidden value sums over all c_in input channels of its window.",
            lambda a, ref: a[0] * a[1] * window(a[2]) * a[4],
        ),
        Mistake(
            "forgot the output channels",
            "each of the c_out output channels has its own weights.",
            lambda a, ref: a[0] * a[1] * window(a[2]) * a[3],
        ),
        Mistake(
            "window side delta + 1",
            "the offsets run from -delta to delta: 2 delta + 1 values per axis.",
            lambda a, ref: a[0] * a[1] * (a[2] + 1) ** 2 * a[3] * a[4],
        ),
        Mistake(
            "window side 2 delta",
            "the offsets run from -delta to delta, 0 included: 2 delta + 1 values per axis.",
            lambda a, ref: a[0] * a[1] * (2 * a[2]) ** 2 * a[3] * a[4],
        ),
        Mistake(
            "valid-size hidden layer",
            "the hidden layer has the image's size (zero padding at the border): H x W hidden pixels, each with a full window.",
            lambda a, ref: (
                (a[0] - 2 * a[2]) * (a[1] - 2 * a[2]) * window(a[2]) * a[3] * a[4] if a[2] else None
            ),
        ),
        Mistake(
            "counted the biases",
            "count the weights only (the question leaves the biases out).",
            lambda a, ref: ref + a[0] * a[1] * a[4],
        ),
        Mistake(
            "counted the biases",
            "count the weights only (the question leaves the biases out).",
            lambda a, ref: ref + a[4],
        ),
    ]
    run_count_cases(
        "locally connected count",
        fn,
        cases,
        lambda H, W, d, ci, co: locally_connected_params(H, W, d, ci, co),
        mistakes,
        time_limit,
        forbidden=(locally_connected_params,),
    )


def check_grouped_count(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    r"""Check ``fn(k_h, k_w, c_in, c_out, groups) -> int``: the weights of a grouped convolution.

    The ``c_in`` input and ``c_out`` output channels are split into
    ``groups`` equal blocks, and the output channels of block ``g`` see only
    the input channels of block ``g``: for each tap the ``c_in x c_out``
    matrix of channel weights is block diagonal. ``groups`` divides both
    channel counts in every hidden case. Count the weights, not the biases.

    Raises
    ------
    CheckFailed
        Hints: groups ignored, divided by groups twice, multiplied by
        groups, one group only, square kernel assumed, biases counted, a
        float result.

    Examples
    --------
    >>> from convlib.checks import check_grouped_count
    >>> check_grouped_count(lambda k_h, k_w, c_in, c_out, groups: k_h * k_w * c_in * c_out)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: grouped count: ... hidden cases fail.
    Hint [groups ignored]: ...
    """
    sizes = [
        (3, 3, 64, 64, 1),
        (3, 3, 64, 64, 4),
        (3, 3, 64, 64, 64),
        (3, 5, 4, 8, 2),
        (1, 1, 6, 12, 3),
        (5, 3, 32, 16, 8),
        (7, 7, 3, 96, 3),
        (3, 2, 12, 6, 6),
        (2, 2, 8, 8, 2),
    ]
    cases = [Case(size, ("k_h", "k_w", "c_in", "c_out", "groups")) for size in sizes]
    mistakes = [
        Mistake(
            "groups ignored",
            "with groups the output channels of a block see only that block's input channels: most channel pairs have no weight.",
            lambda a, ref: a[0] * a[1] * a[2] * a[3] if a[4] > 1 else None,
        ),
        Mistake(
            "divided by groups twice",
            "each of the groups blocks has (c_in / groups) x (c_out / groups) channel pairs, and there are groups blocks.",
            lambda a, ref: a[0] * a[1] * (a[2] // a[4]) * (a[3] // a[4]) if a[4] > 1 else None,
        ),
        Mistake(
            "multiplied by groups",
            "grouping removes channel pairs (the off-diagonal blocks); it does not add any.",
            lambda a, ref: a[0] * a[1] * a[2] * a[3] * a[4] if a[4] > 1 else None,
        ),
        Mistake(
            "square kernel assumed",
            "the kernel is k_h x k_w, not always square.",
            lambda a, ref: ref // a[1] * a[0] if a[0] != a[1] else None,
        ),
        Mistake(
            "square kernel assumed",
            "the kernel is k_h x k_w, not always square.",
            lambda a, ref: ref // a[0] * a[1] if a[0] != a[1] else None,
        ),
        Mistake(
            "counted the biases",
            "count the weights only (the question leaves the c_out biases out).",
            lambda a, ref: ref + a[3],
        ),
    ]
    run_count_cases(
        "grouped count",
        fn,
        cases,
        lambda k_h, k_w, ci, co, g: grouped_params(k_h, k_w, ci, co, g),
        mistakes,
        time_limit,
        forbidden=(grouped_params,),
    )


def check_min_kernel_size(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    r"""Check ``fn(d) -> int``: the fewest taps of a 1-D kernel whose correlation gives the ``d``-th derivative exactly.

    "Exactly" as for the finite differences of the chapter: on every
    polynomial image of degree at most ``d`` the output equals the ``d``-th
    derivative. The check recomputes the answer by linear algebra (the
    smallest length for which the moment equations have a solution), not
    from a stored table.

    Raises
    ------
    CheckFailed
        Hints: one tap short, centred (symmetric) size, twice the order,
        one tap too many, doubling per order, a float result.

    Examples
    --------
    >>> from convlib.checks import check_min_kernel_size
    >>> check_min_kernel_size(lambda d: 3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: minimum kernel size: ... hidden cases fail.
    Hint [wrong values]: ...
    """
    cases = [Case((d,), ("d",)) for d in (1, 2, 3, 4, 5, 6, 8, 11)]
    mistakes = [
        Mistake(
            "one tap short",
            "the kernel must cancel every polynomial of degree below d (d conditions) AND reproduce the d-th derivative of t^d (one more): count the conditions.",
            lambda a, ref: a[0],
        ),
        Mistake(
            "centred size",
            "a centred kernel is symmetric about its middle tap, but that is a choice, not a need: the minimum does not have to be centred.",
            lambda a, ref: 2 * a[0] + 1 if a[0] > 1 else None,
        ),
        Mistake(
            "twice the order",
            "count the conditions the kernel must meet: one per power t^0, ..., t^d.",
            lambda a, ref: 2 * a[0],
        ),
        Mistake(
            "one tap too many",
            "with as many taps as conditions the moment equations already have a solution (a Vandermonde system).",
            lambda a, ref: a[0] + 2,
        ),
        Mistake(
            "doubling per order",
            "applying [1, -1] d times is one way, but the length grows by one tap per application, not by a factor.",
            lambda a, ref: 2 ** a[0] if a[0] > 2 else None,
        ),
    ]
    run_count_cases("minimum kernel size", fn, cases, _min_taps, mistakes, time_limit)


def _min_taps(d: int) -> int:
    """Smallest m such that a kernel K of m taps can satisfy sum_a K[a] a^j = 0 (j < d) and sum_a K[a] a^d = d!.

    Solvable exactly when the augmented system has the rank of the moment
    matrix; ranks in exact rational arithmetic (floats lose the high powers).
    """
    import math
    from fractions import Fraction

    def rank(rows):
        rows = [list(r) for r in rows]
        r = 0
        for col in range(len(rows[0]) if rows else 0):
            pivot = next((i for i in range(r, len(rows)) if rows[i][col] != 0), None)
            if pivot is None:
                continue
            rows[r], rows[pivot] = rows[pivot], rows[r]
            for i in range(len(rows)):
                if i != r and rows[i][col] != 0:
                    factor = rows[i][col] / rows[r][col]
                    rows[i] = [x - factor * y for x, y in zip(rows[i], rows[r], strict=True)]
            r += 1
        return r

    for m in range(1, 2 * d + 3):
        moments = [[Fraction(a) ** j for a in range(m)] for j in range(d + 1)]
        target = [Fraction(0)] * d + [Fraction(math.factorial(d))]
        if rank(moments) == rank([row + [t] for row, t in zip(moments, target, strict=True)]):
            return m
    # never reached: m = d + 1 always works
    raise AssertionError(f"no kernel found for order {d}")  # pragma: no cover
