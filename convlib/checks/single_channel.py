"""Checkers for the single-channel operations: corr2d, conv2d, output_shape."""

from __future__ import annotations

import numpy as np

from ..correlate import conv2d, corr2d
from ..shapes import output_shape
from .calls import DEFAULT_TIME_LIMIT
from .engine import CORRELATIONS, Case, Mistake, cases_2d, run_cases
from .mistakes import (
    MEAN_INSTEAD_OF_SUM,
    OUTPUT_TRANSPOSED,
    SHAPE_MISTAKES_2D,
    int_mistakes,
    loop_valid,
)


def check_corr2d(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    r"""Check ``fn(X, K)``: the 2-D cross-correlation of the lecture, ``"valid"`` positions only.

    .. math:: Y[i, j] = \sum_{a=0}^{k_h-1} \sum_{b=0}^{k_w-1} K[a, b] \, X[i + a, j + b]

    Parameters
    ----------
    fn : callable
        ``fn(X, K) -> array of shape (H - k_h + 1, W - k_w + 1)``, written by the
        student (convlib's and SciPy's functions are refused).
    time_limit : float, optional
        Seconds each call of ``fn`` may take.

    Raises
    ------
    CheckFailed
        An :class:`AssertionError` with a hint naming the mistake: flipped
        kernel (that is convolution), transposed kernel or image, rows and
        columns swapped, output one too small / image-sized / 'full', matrix
        product instead of elementwise product, mean instead of sum, integer
        or rounded output, only square inputs work, input modified in place,
        not numbers (text, objects, complex), an exception, time limit,
        library function, not implemented.

    Examples
    --------
    A wrong answer gets a hint:

    >>> import numpy as np
    >>> from convlib.checks import check_corr2d
    >>> check_corr2d(lambda X, K: np.zeros((X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: corr2d: 34 of 34 hidden cases fail.
    Hint [wrong values]: ...
    """
    mistakes = [
        Mistake(
            "flipped kernel",
            "you flipped the kernel, which computes a convolution (conv2d). The convolutional layer computes a "
            "cross-correlation: use K[a, b] as it is, Y[i, j] = sum_{a,b} K[a, b] X[i+a, j+b].",
            lambda args, ref: conv2d(*args),
        ),
        Mistake(
            "transposed kernel",
            "your result is the correlation with the transposed kernel K.T: pair K[a, b] with X[i + a, j + b] "
            "(a along rows, b along columns), not K[b, a].",
            lambda args, ref: corr2d(args[0], np.asarray(args[1]).T),
        ),
        Mistake(
            "transposed image",
            "you slid the kernel over the transposed image X.T: pair K[a, b] with X[i + a, j + b], not X[j + b, i + a].",
            lambda args, ref: corr2d(np.asarray(args[0]).T, args[1]),
        ),
        OUTPUT_TRANSPOSED,
        Mistake(
            "matrix product",
            "you combined window and kernel with a matrix product (@ or np.dot); the formula multiplies them "
            "elementwise and sums: (X[i:i+k_h, j:j+k_w] * K).sum().",
            lambda args, ref: (
                loop_valid(args[0], args[1], lambda win, K: (win @ K).sum())
                if np.shape(args[1])[0] == np.shape(args[1])[1]
                else None
            ),
        ),
        MEAN_INSTEAD_OF_SUM,
        *int_mistakes(),
    ]
    run_cases(
        "corr2d",
        fn,
        cases_2d(0),
        lambda X, K: corr2d(X, K),
        mistakes=mistakes,
        shape_mistakes=SHAPE_MISTAKES_2D,
        time_limit=time_limit,
        forbidden=CORRELATIONS,
    )


def check_conv2d(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    r"""Check ``fn(X, K)``: the 2-D **convolution** (flipped kernel), ``"valid"`` positions only.

    .. math:: (K \circledast X)[i, j] = \sum_{a=0}^{k_h-1} \sum_{b=0}^{k_w-1} K[a, b] \, X[i + k_h - 1 - a, j + k_w - 1 - b],

    for ``0 <= i <= H - k_h`` and ``0 <= j <= W - k_w`` (the lecture's
    :math:`\sum_{a,b} f(a, b) g(i - a, j - b)` with the output indexed from the
    first position where the kernel fits), as :func:`scipy.signal.convolve2d`
    with ``mode="valid"``.

    Parameters
    ----------
    fn : callable
        ``fn(X, K) -> array of shape (H - k_h + 1, W - k_w + 1)``; it may call a
        cross-correlation, but not convlib's or SciPy's convolution.
    time_limit : float, optional
        Seconds each call of ``fn`` may take.

    Raises
    ------
    CheckFailed
        Hints: forgot the flip, flipped only the rows or only the columns,
        transposed instead of flipped, flipped the image (output rotated),
        flipped image and kernel, plus the shape, dtype, mutation, square,
        time-limit and library hints of :func:`check_corr2d`.

    Examples
    --------
    >>> from convlib import conv2d
    >>> from convlib.checks import check_conv2d
    >>> check_conv2d(conv2d)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: conv2d: Hint [library function]: this is (or only calls) convlib.conv2d, ...
    """
    mistakes = [
        Mistake(
            "forgot the flip",
            "you computed the cross-correlation: convolution pairs x[i - a] with K[a], i.e. it reads the kernel backwards "
            "along both axes (a 180-degree rotation) before sliding it.",
            lambda args, ref: corr2d(*args),
        ),
        Mistake(
            "flipped only the rows",
            "you flipped the kernel upside down only; convolution reverses BOTH indices, a and b (rows and columns).",
            lambda args, ref: corr2d(args[0], np.asarray(args[1])[::-1, :]),
        ),
        Mistake(
            "flipped only the columns",
            "you flipped the kernel left-right only; convolution reverses BOTH indices, a and b (rows and columns).",
            lambda args, ref: corr2d(args[0], np.asarray(args[1])[:, ::-1]),
        ),
        Mistake(
            "transposed instead of flipped",
            "you transposed the kernel (rows became columns); the flip is a 180-degree rotation, which is not a transpose.",
            lambda args, ref: corr2d(args[0], np.asarray(args[1]).T),
        ),
        Mistake(
            "flipped the image",
            "your output is the right one rotated by 180 degrees: you flipped the image (or the output) instead of the "
            "kernel. Only the kernel is flipped; the image stays as it is.",
            lambda args, ref: ref[::-1, ::-1],
        ),
        Mistake(
            "flipped image and kernel",
            "you flipped both the image and the kernel, which gives the cross-correlation rotated by 180 degrees. "
            "Flip only the kernel.",
            lambda args, ref: corr2d(*args)[::-1, ::-1],
        ),
        Mistake(
            "transposed kernel",
            "your result is the convolution with the transposed kernel: pair K[a, b] with rows along a and columns along b.",
            lambda args, ref: conv2d(args[0], np.asarray(args[1]).T),
        ),
        OUTPUT_TRANSPOSED,
        MEAN_INSTEAD_OF_SUM,
        *int_mistakes(),
    ]
    run_cases(
        "conv2d",
        fn,
        cases_2d(1),
        lambda X, K: conv2d(X, K),
        mistakes=mistakes,
        shape_mistakes=SHAPE_MISTAKES_2D,
        time_limit=time_limit,
        forbidden=(conv2d,),
    )


def _output_shape_cases() -> list:
    cases = []
    sizes = [
        (3, 3, 2, 2),
        (1, 1, 1, 1),
        (5, 5, 3, 3),
        (4, 7, 2, 3),
        (7, 4, 3, 2),
        (6, 9, 1, 5),
        (9, 6, 5, 1),
        (10, 3, 4, 2),
        (3, 10, 2, 4),
        (1024, 768, 5, 3),
        (28, 28, 5, 5),
        (8, 12, 8, 12),
        (11, 7, 4, 4),
    ]
    for H, W, k_h, k_w in sizes:
        for mode in ("valid", "same", "full"):
            cases.append(
                Case(
                    (H, W, k_h, k_w, mode),
                    ("H", "W", "k_h", "k_w", "mode"),
                    H == W and k_h == k_w,
                    growable=("H", "W"),
                )
            )
    return cases


def _shape_same(got, expected) -> bool:
    try:
        return (
            len(got) == 2
            and all(int(g) == g for g in got)
            and tuple(int(g) for g in got) == tuple(expected)
        )
    except (TypeError, ValueError, OverflowError):  # not numbers, NaN, inf
        return False


def _shape_validate(got, expected) -> str:
    if not isinstance(got, (tuple, list, np.ndarray)) or np.ndim(got) != 1:
        return "Hint [not a pair]: return a tuple of two ints, (rows, cols)"
    if len(got) != 2:
        return "Hint [not a pair]: return exactly two numbers, (rows, cols)"
    values = list(got)
    if any(isinstance(v, (str, bytes, np.str_, np.bytes_)) for v in values):
        return "Hint [not numbers]: sizes must be ints, not text: return the numbers themselves, not str(...)"
    try:
        float_sizes = any(isinstance(v, (float, np.floating)) for v in values) and all(
            float(v) == float(e) for v, e in zip(values, expected, strict=True)
        )
    except (TypeError, ValueError):  # not numbers: the comparison reports the wrong values
        float_sizes = False
    if float_sizes:
        return "Hint [float sizes]: sizes must be integers: you returned floats (use // instead of /, or int(...))"
    return ""


def check_output_shape(fn, *, time_limit: float = DEFAULT_TIME_LIMIT) -> None:
    """Check ``fn(H, W, k_h, k_w, mode) -> (rows, cols)``, the output size of a 2-D cross-correlation.

    ``mode`` is ``"valid"``, ``"same"`` or ``"full"``, as in the chapter.

    Parameters
    ----------
    fn : callable
        ``fn(H, W, k_h, k_w, mode)`` returning a pair of ints.
    time_limit : float, optional
        Seconds each call of ``fn`` may take.

    Raises
    ------
    CheckFailed
        Hints: 'valid' one too small / too large, 'full' one too large / too
        small, 'same' computed like 'valid', 'full' computed like 'same', mode
        ignored, rows and columns swapped, kernel height used for both sides,
        image height used for both sides, float sizes, not a pair, None for a
        mode, time limit, library function.

    Examples
    --------
    >>> from convlib.checks import check_output_shape
    >>> check_output_shape(lambda H, W, k_h, k_w, mode: (H - k_h, W - k_w))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: output_shape: 39 of 39 hidden cases fail.
    Hint [mode ignored]: ...
    """

    def valid(H, W, k_h, k_w):
        return output_shape(H, W, k_h, k_w)

    def by_mode(table):
        def sim(args, ref):
            H, W, k_h, k_w, mode = args
            return table[mode](H, W, k_h, k_w)

        return sim

    right = {
        "valid": valid,
        "same": lambda H, W, k_h, k_w: (H, W),
        "full": lambda H, W, k_h, k_w: (H + k_h - 1, W + k_w - 1),
    }

    def variant(**changes):
        return by_mode({**right, **changes})

    mistakes = [
        Mistake(
            "'valid' one too small",
            "in 'valid' mode a kernel of height k_h fits at H - k_h + 1 positions (i = 0, ..., H - k_h): add 1.",
            variant(valid=lambda H, W, k_h, k_w: (H - k_h, W - k_w)),
        ),
        Mistake(
            "'valid' one too large",
            "in 'valid' mode a kernel of height k_h fits at H - k_h + 1 positions, not H - k_h + 2.",
            variant(valid=lambda H, W, k_h, k_w: (H - k_h + 2, W - k_w + 2)),
        ),
        Mistake(
            "'full' one too large",
            "in 'full' mode the kernel overlaps the image at H + k_h - 1 positions (from i = -(k_h - 1) to H - 1), not H + k_h.",
            variant(full=lambda H, W, k_h, k_w: (H + k_h, W + k_w)),
        ),
        Mistake(
            "'full' one too small",
            "in 'full' mode the kernel overlaps the image at H + k_h - 1 positions (from i = -(k_h - 1) to H - 1), not H + k_h - 2.",
            variant(full=lambda H, W, k_h, k_w: (H + k_h - 2, W + k_w - 2)),
        ),
        Mistake(
            "'full' padded on one side only",
            "'full' pads k_h - 1 rows on BOTH sides: (H + 2(k_h - 1)) - k_h + 1 = H + k_h - 1.",
            variant(full=lambda H, W, k_h, k_w: (H, W)),
        ),
        Mistake(
            "'same' computed like 'valid'",
            "'same' pads the image so that the output keeps the image's size: (H, W).",
            variant(same=valid),
        ),
        Mistake(
            "rows and columns swapped",
            "you return (cols, rows); return the number of rows first: (H', W').",
            lambda args, ref: (ref[1], ref[0]),
        ),
        Mistake(
            "kernel height used for both sides",
            "you used the kernel height k_h for the width as well: the columns depend on k_w.",
            lambda args, ref: right[args[4]](args[0], args[1], args[2], args[2]),
        ),
        Mistake(
            "image height used for both sides",
            "you used the image height H for the width as well: the columns depend on W.",
            lambda args, ref: right[args[4]](args[0], args[0], args[2], args[3]),
        ),
        Mistake(
            "image and kernel size swapped",
            "you subtracted the image's size from the kernel's: the valid positions are counted on the image, so the image's size comes first.",
            variant(valid=lambda H, W, k_h, k_w: (k_h - H + 1, k_w - W + 1)),
        ),
        *[
            Mistake(
                "mode ignored",
                "you return the same kind of size for every mode; 'valid' is (H - k_h + 1, W - k_w + 1), 'same' is (H, W) "
                "and 'full' is (H + k_h - 1, W + k_w - 1): look at the mode argument.",
                (lambda args, ref, f=f: f(*args[:4])),
            )
            for f in (
                valid,
                right["same"],
                right["full"],
                lambda H, W, k_h, k_w: (H - k_h, W - k_w),
            )
        ],
    ]

    run_cases(
        "output_shape",
        fn,
        _output_shape_cases(),
        lambda H, W, k_h, k_w, mode: output_shape(H, W, k_h, k_w, mode),
        mistakes=mistakes,
        same=_shape_same,
        validate=_shape_validate,
        returns_array=False,
        time_limit=time_limit,
        forbidden=(output_shape,),
    )
