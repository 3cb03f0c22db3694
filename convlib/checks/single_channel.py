"""The checker of the single-channel cross-correlation, corr2d."""

from __future__ import annotations

import numpy as np

from ..correlate import conv2d, corr2d
from .calls import DEFAULT_TIME_LIMIT
from .engine import CORRELATIONS, Mistake, cases_2d, run_cases
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
