r"""The catalogue of known mistakes shared by several checkers.

Each entry is a :class:`~convlib.checks.engine.Mistake` (or a function
returning a list of them) for ``mistakes=`` or ``shape_mistakes=`` of
:func:`~convlib.checks.engine.run_cases`. A checker adds its own mistakes
next to these; one used by a single checker lives in that checker's module.

* value mistakes, ``fn(args, expected) -> wrong output``:
  :func:`int_mistakes` (integer or rounded output),
  :data:`MEAN_INSTEAD_OF_SUM`, :data:`OUTPUT_TRANSPOSED`;
* shape mistakes of a valid correlation, ``fn(args, expected_shape) -> wrong
  shape``: :data:`SHAPE_MISTAKES_2D`;
* :func:`loop_valid`, a valid sliding window with any window-kernel
  combination, to simulate a wrong formula.

Examples
--------
>>> import numpy as np
>>> from convlib.checks.mistakes import MEAN_INSTEAD_OF_SUM
>>> X, K = np.ones((3, 3)), np.ones((2, 2))
>>> MEAN_INSTEAD_OF_SUM.fn((X, K), np.full((2, 2), 4.0))  # what a student's .mean() returns
array([[1., 1.],
       [1., 1.]])
"""

from __future__ import annotations

import numpy as np

from .engine import Mistake

__all__ = [
    "loop_valid",
    "int_mistakes",
    "MEAN_INSTEAD_OF_SUM",
    "OUTPUT_TRANSPOSED",
    "SHAPE_MISTAKES_2D",
]


def loop_valid(X, K, combine):
    """Valid sliding window with a custom window-kernel combination (for mistake simulations).

    ``out[i, j] = combine(X[i:i+k_h, j:j+k_w], K)`` for every valid position.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks.mistakes import loop_valid
    >>> loop_valid(np.arange(9).reshape(3, 3), np.ones((2, 2)), lambda window, K: window.max())
    array([[4., 5.],
           [7., 8.]])
    """
    X, K = np.asarray(X, float), np.asarray(K, float)
    H, W = X.shape
    k_h, k_w = K.shape
    out = np.zeros((H - k_h + 1, W - k_w + 1))
    for i in range(H - k_h + 1):
        for j in range(W - k_w + 1):
            out[i, j] = combine(X[i : i + k_h, j : j + k_w], K)
    return out


def int_mistakes(what: str = "np.zeros_like(X)") -> list:
    """The two integer mistakes: an output truncated to integers (named as ``what`` in the hint), and a rounded one.

    Each applies only to cases whose right answer has fractions.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks.mistakes import int_mistakes
    >>> truncated, rounded = int_mistakes()
    >>> truncated.tag, truncated.fn(None, np.array([1.5, -2.5])), rounded.fn(None, np.array([1.0, 2.0]))
    ('integer output', array([ 1., -2.]), None)
    """
    return [
        Mistake(
            "integer output",
            f"your output holds whole numbers where the answer has fractions: probably {what} on an integer "
            "input (that makes an integer array, so every float sum is truncated when stored), or int(). "
            "Create the output as a float array, e.g. np.zeros((rows, cols)).",
            lambda args, ref: np.trunc(ref) if not np.allclose(ref, np.trunc(ref)) else None,
        ),
        Mistake(
            "rounded output",
            "your output is rounded to whole numbers; keep the exact sums (no round(), no astype(int)).",
            lambda args, ref: np.round(ref) if not np.allclose(ref, np.round(ref)) else None,
        ),
    ]


MEAN_INSTEAD_OF_SUM = Mistake(
    "mean instead of sum",
    "your output is the window's mean; the formula sums the products: Y[i, j] = sum_{a,b} K[a, b] X[i+a, j+b] (use .sum(), not .mean()).",
    lambda args, ref: ref / np.asarray(args[1]).size,
)
"""The window's mean of the products instead of their sum (``args[1]`` is the kernel)."""

OUTPUT_TRANSPOSED = Mistake(
    "rows and columns swapped",
    "your output is transposed: row i of the output belongs to image row i. Store the result at out[i, j] with i over rows (H - k_h + 1) and j over columns (W - k_w + 1).",
    lambda args, ref: ref.T if ref.ndim == 2 else np.swapaxes(ref, 0, 1),
)
"""The output with rows and columns swapped (the first two axes)."""

SHAPE_MISTAKES_2D = [
    Mistake(
        "output one too small",
        "your output is one row and one column too small. A kernel of height k_h fits at H - k_h + 1 positions "
        "(i = 0, ..., H - k_h), so use range(H - k_h + 1) and range(W - k_w + 1).",
        lambda args, s: (s[0] - 1, s[1] - 1) + tuple(s[2:]),
    ),
    Mistake(
        "output one too large",
        "your output is one row and one column too large: a kernel of height k_h fits at H - k_h + 1 positions, not H - k_h + 2.",
        lambda args, s: (s[0] + 1, s[1] + 1) + tuple(s[2:]),
    ),
    Mistake(
        "output has the image's shape",
        "your output has the image's shape (H, W). Without padding ('valid') the kernel only fits at "
        "(H - k_h + 1) x (W - k_w + 1) positions: allocate np.zeros((H - k_h + 1, W - k_w + 1)), not np.zeros_like(X).",
        lambda args, s: tuple(np.shape(args[0])[:2]) + tuple(s[2:]),
    ),
    Mistake(
        "'full' output",
        "your output has the 'full' size (H + k_h - 1) x (W + k_w - 1); the convolutional layer computes the 'valid' part, (H - k_h + 1) x (W - k_w + 1).",
        lambda args, s: (
            (
                np.shape(args[0])[0] + np.shape(args[1])[0] - 1,
                np.shape(args[0])[1] + np.shape(args[1])[1] - 1,
            )
            + tuple(s[2:])
        ),
    ),
    Mistake(
        "rows and columns swapped",
        "your output has its height and width swapped: rows come first, (H - k_h + 1, W - k_w + 1).",
        lambda args, s: (s[1], s[0]) + tuple(s[2:]),
    ),
]
"""Wrong output shapes of a valid correlation ``(X, K, ...)``: one too small or large, the image's, 'full', swapped."""
