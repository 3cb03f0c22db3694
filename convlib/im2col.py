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

from ._validate import as_array, check_fits_in_memory, check_padding_mode, int_pair, positive_int
from .padding import _check_mode_fits, _mode_pad

__all__ = ["im2col"]


def im2col(X, k_h: int, k_w: int, stride=1, dilation=1, *, padding=0, padding_mode: str = "zeros") -> np.ndarray:
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
    s_h, s_w = int_pair(stride, "stride", 1)
    d_h, d_w = int_pair(dilation, "dilation", 1)
    p_h, p_w = int_pair(padding, "padding", 0)
    mode = check_padding_mode(padding_mode)
    pad = ((p_h, p_h), (p_w, p_w))
    _check_mode_fits(X.shape[:2], pad, mode)
    Xp = _mode_pad(X, pad, mode, axes=(0, 1))
    span_h, span_w = d_h * (k_h - 1) + 1, d_w * (k_w - 1) + 1
    Hp, Wp = Xp.shape[:2]
    if span_h > Hp or span_w > Wp:
        raise ValueError(
            f"the kernel {k_h}x{k_w} with dilation ({d_h}, {d_w}) covers {span_h}x{span_w} pixels, more than X "
            f"padded to {Hp}x{Wp}; no window fits (needs d (k - 1) + 1 <= H + 2p)"
        )
    Ho, Wo = (Hp - span_h) // s_h + 1, (Wp - span_w) // s_w + 1
    channels = X.shape[2] if X.ndim == 3 else 1
    check_fits_in_memory(Ho * Wo * k_h * k_w * channels, Xp.itemsize, "the patch matrix", "X")
    windows = np.lib.stride_tricks.sliding_window_view(Xp, (span_h, span_w), axis=(0, 1))
    windows = windows[: (Ho - 1) * s_h + 1 : s_h, : (Wo - 1) * s_w + 1 : s_w, ..., ::d_h, ::d_w]
    if X.ndim == 3:  # (Ho, Wo, C, k_h, k_w) -> rows of (a, b, c), K[a, b, c]'s order
        windows = windows.transpose(0, 1, 3, 4, 2)
    return windows.reshape(Ho * Wo, -1)
