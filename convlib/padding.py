r"""Padding an image before the window slides: zeros, mirror, edge or wrap-around.

PyTorch's ``padding_mode`` of ``nn.Conv2d`` names four ways to invent the
pixels outside an ``H x W`` image (``p`` of them on each side):

* ``"zeros"``: every outside pixel is 0 (``np.pad``'s ``"constant"``);
* ``"reflect"``: the image mirrored about its border pixel, which is not
  repeated, so row ``-1`` is row ``1`` (``np.pad``'s ``"reflect"``; needs
  ``p < H``);
* ``"replicate"``: the border pixel repeated, row ``-1`` is row ``0``
  (``np.pad``'s ``"edge"``);
* ``"circular"``: the image wraps around, row ``-1`` is row ``H - 1``
  (``np.pad``'s ``"wrap"``; needs ``p <= H``). With circular padding and an
  output of the image's size, cross-correlation commutes exactly with
  ``np.roll``: the equivariance of chapter 1 without border effects.

:func:`pad2d` is what :func:`convlib.corr2d` and :class:`convlib.Conv2D` use;
``_pad_adjoint`` sends a gradient with respect to the padded image back to
the image (each outside pixel's gradient goes to the pixel it copies).
"""

from __future__ import annotations

import numpy as np

from ._validate import NUMPY_PAD_MODES, as_array, check_fits_in_memory, check_padding_mode, shown

__all__ = ["pad2d"]


def pad2d(X, padding, padding_mode: str = "zeros") -> np.ndarray:
    """Pad the two spatial axes of an image the way a convolutional layer does.

    Parameters
    ----------
    X : array_like, shape (H, W) or (H, W, C)
        The image (channels last, never padded).
    padding : int, (int, int) or ((int, int), (int, int))
        ``p`` on all four sides, ``(p_h, p_w)`` (rows above and below,
        columns left and right), or ``((top, bottom), (left, right))``.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        PyTorch's name of the padding (see the module docstring).

    Returns
    -------
    numpy.ndarray, shape (H + top + bottom, W + left + right[, C])
        In ``X``'s own dtype.

    Raises
    ------
    ValueError
        If ``padding`` is negative, ``padding_mode`` unknown, a ``"reflect"``
        padding is not smaller than the image side or a ``"circular"`` one
        larger than it (PyTorch's limits).
    TypeError
        If ``X`` is not a real-valued array or ``padding`` not integers.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import pad2d
    >>> x = np.array([[1, 2, 3]])
    >>> pad2d(x, (0, 2), "reflect")
    array([[3, 2, 1, 2, 3, 2, 1]])
    >>> pad2d(x, (0, 2), "replicate")
    array([[1, 1, 1, 2, 3, 3, 3]])
    >>> pad2d(x, (0, 2), "circular")
    array([[2, 3, 1, 2, 3, 1, 2]])
    >>> pad2d(x, (0, 1))
    array([[0, 1, 2, 3, 0]])
    """
    X = as_array(X, "X", (2, 3), keep_dtype=True, layout="(H, W) or (H, W, C)")
    mode = check_padding_mode(padding_mode)
    pad = _pad_widths(padding)
    _check_mode_fits(X.shape[:2], pad, mode)
    return _mode_pad(X, pad, mode, axes=(0, 1))


def _pad_widths(padding) -> tuple:
    """``((top, bottom), (left, right))`` from an int, a pair or a pair of pairs (all >= 0)."""
    what = "padding must be an integer, a pair (p_h, p_w) or a pair of pairs ((top, bottom), (left, right)) of non-negative integers"
    if isinstance(padding, np.ndarray):
        padding = padding.tolist()
    if (
        isinstance(padding, (tuple, list))
        and len(padding) == 2
        and all(isinstance(p, (tuple, list, np.ndarray)) for p in padding)
    ):
        pairs = [
            tuple(np.asarray(p).tolist()) if isinstance(p, np.ndarray) else tuple(p)
            for p in padding
        ]
    elif isinstance(padding, (tuple, list)):
        if len(padding) != 2:
            raise TypeError(f"{what}; got {shown(padding)}")
        pairs = [(padding[0], padding[0]), (padding[1], padding[1])]
    else:
        pairs = [(padding, padding), (padding, padding)]
    out = []
    for pair in pairs:
        if len(pair) != 2:
            raise TypeError(f"{what}; got {shown(padding)}")
        for p in pair:
            if isinstance(p, (bool, np.bool_)) or not hasattr(p, "__index__"):
                raise TypeError(f"{what}; got {shown(padding)}")
            if int(p) < 0:
                raise ValueError(
                    f"padding must be a non-negative integer (or pairs of them, as above); got {shown(padding)}"
                )
        out.append((int(pair[0]), int(pair[1])))
    return tuple(out)


def _check_mode_fits(image_hw, pad, mode: str) -> None:
    """PyTorch's limits: reflect needs a padding below the side, circular at most the side."""
    for side, name, (before, after) in zip(image_hw, ("height", "width"), pad, strict=True):
        largest = max(before, after)
        if mode == "reflect" and largest >= side:
            raise ValueError(
                f"padding of {largest} is too large for padding_mode='reflect' on an image of {name} {side}: "
                f"a mirror about the border pixel needs padding < {side} (use 'replicate' or 'zeros', or pad less)"
            )
        if mode == "circular" and largest > side:
            raise ValueError(
                f"padding of {largest} is too large for padding_mode='circular' on an image of {name} {side}: "
                f"wrapping around needs padding <= {side}"
            )


def _mode_pad(X: np.ndarray, pad, mode: str, axes=(0, 1)) -> np.ndarray:
    """``X`` padded by ``pad`` on ``axes`` in PyTorch's ``mode`` (no copy when there is nothing to add)."""
    if not any(p for pair in pad for p in pair):
        return X
    widths = [(0, 0)] * X.ndim
    for axis, pair in zip(axes, pad, strict=True):
        widths[axis] = pair
    shape = [n + a + b for n, (a, b) in zip(X.shape, widths, strict=True)]
    check_fits_in_memory(int(np.prod(shape)), X.itemsize, f"the {mode}-padded image", "padding")
    return np.pad(X, widths, mode=NUMPY_PAD_MODES[mode])


def _pad_adjoint(G: np.ndarray, image_hw, pad, mode: str, axes=(1, 2)) -> np.ndarray:
    """The gradient with respect to the image from ``G``, the gradient with respect to the padded image.

    Padding is linear: every padded pixel is a copy of an image pixel (or a
    zero). Its adjoint adds each padded pixel's gradient to the pixel it
    copies; ``np.pad`` of the index ranges gives that map for every mode.
    """
    out = G
    for axis, n, (before, after) in zip(axes, image_hw, pad, strict=True):
        if before == 0 and after == 0:
            continue
        if mode == "zeros":
            index = [slice(None)] * out.ndim
            index[axis] = slice(before, before + n)
            out = out[tuple(index)]
            continue
        source = np.pad(np.arange(n), (before, after), mode=NUMPY_PAD_MODES[mode])
        shape = list(out.shape)
        shape[axis] = n
        folded = np.zeros(shape, dtype=out.dtype)
        index = [slice(None)] * out.ndim
        index[axis] = source
        np.add.at(folded, tuple(index), out)
        out = folded
    return out
