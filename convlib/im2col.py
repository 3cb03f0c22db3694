r"""im2col: a correlation as one matrix product (CS231n's "implementation as matrix multiplication").

Each window of the (padded) image, ``k_h x k_w`` taps spaced ``d`` apart,
becomes one row of a matrix; the kernel, raveled the same way, becomes a
column. The valid correlation is then

.. math:: \mathrm{out}[i, j] = \sum_{a, b[, c]} \mathrm{cols}[i W' + j, (a, b[, c])] \, K[a, b[, c]]

i.e. ``(im2col(X, k_h, k_w) @ K.ravel()).reshape(H', W')``: every weight
appears once, every pixel up to ``k_h k_w`` times (the price in memory of
handing the work to one fast matrix multiply). :func:`convlib.corr2d_multi_in_out`
works this way, in blocks of rows.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, check_fits_in_memory, check_padding_mode, positive_int
from .padding import _check_mode_fits, _mode_pad
from .shapes import conv_geometry

__all__ = ["im2col"]


def im2col(
    X, k_h: int, k_w: int, stride=1, dilation=1, *, padding=0, padding_mode: str = "zeros"
) -> np.ndarray:
    r"""The patch matrix: one row per output pixel, one column per kernel tap.

    Parameters
    ----------
    X : array_like, shape (H, W) or (H, W, C)
        The image.
    k_h, k_w : int
        Kernel height and width (taps).
    stride, dilation : int or (int, int)
        Step between windows and spacing between taps, as in :func:`convlib.corr2d`.
    padding : int or (int, int)
        Pixels added on each side before the windows are cut, as in :func:`convlib.corr2d`.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        How that padding is filled.

    Returns
    -------
    numpy.ndarray, shape (H' W', k_h k_w) or (H' W', k_h k_w C)
        Row ``i W' + j`` holds window ``(i, j)``: the pixels
        ``x_pad[i s_h + a d_h, j s_w + b d_w(, c)]`` in the order of
        ``K.ravel()`` for a kernel ``K[a, b(, c)]``. A new array (a copy);
        float32 stays float32, other inputs become float64.

    Raises
    ------
    ValueError, TypeError
        As :func:`convlib.corr2d`, naming the argument.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import corr2d, im2col
    >>> X = np.arange(9).reshape(3, 3)
    >>> im2col(X, 2, 2)
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    >>> K = np.arange(4).reshape(2, 2)
    >>> (im2col(X, 2, 2) @ K.ravel()).reshape(2, 2)  # the lecture's 19, 25, 37, 43
    array([[19., 25.],
           [37., 43.]])
    """
    X = as_array(X, "X", (2, 3), layout="(H, W) or (H, W, C)")
    k_h, k_w = positive_int(k_h, "k_h"), positive_int(k_w, "k_w")
    mode = check_padding_mode(padding_mode)
    g = conv_geometry(
        X.shape[:2],
        (k_h, k_w),
        padding=padding,
        stride=stride,
        dilation=dilation,
        names=("the image X", "the kernel k_h x k_w"),
        modes=False,
    )
    (s_h, s_w), (d_h, d_w), (span_h, span_w), (Ho, Wo) = g.stride, g.dilation, g.span, g.out
    _check_mode_fits(X.shape[:2], g.pad, mode)
    Xp = _mode_pad(X, g.pad, mode, axes=(0, 1))
    channels = X.shape[2] if X.ndim == 3 else 1
    check_fits_in_memory(Ho * Wo * k_h * k_w * channels, Xp.itemsize, "the patch matrix", "X")
    windows = np.lib.stride_tricks.sliding_window_view(Xp, (span_h, span_w), axis=(0, 1))
    windows = windows[: (Ho - 1) * s_h + 1 : s_h, : (Wo - 1) * s_w + 1 : s_w, ..., ::d_h, ::d_w]
    if X.ndim == 3:  # (Ho, Wo, C, k_h, k_w) -> rows of (a, b, c), K[a, b, c]'s order
        windows = windows.transpose(0, 1, 3, 4, 2)
    return windows.reshape(Ho * Wo, -1)
