r"""Multi-channel cross-correlation: images and hidden layers as 3rd-order tensors.

convlib follows the lecture's index order: an image ``x[i, j, c]`` has shape
``(H, W, C)`` and a kernel ``K[a, b, c, k]`` has shape ``(k_h, k_w, C_in, C_out)``:

.. math:: h[i, j, k] = \sum_{a, b} \sum_c V[a, b, c, k] \, x[i + a, j + b, c]

PyTorch orders axes differently: images as ``(N, C, H, W)`` and weights as
``(C_out, C_in, k_h, k_w)``. :func:`image_to_nchw`, :func:`image_from_nchw`,
:func:`kernel_to_oihw` and :func:`kernel_from_oihw` convert between the two;
``torch.nn.functional.conv2d`` on converted arrays gives the same numbers.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, check_channels
from .correlate import _geometry, _operands, _zero_pad

__all__ = [
    "corr2d_multi_in",
    "corr2d_multi_in_out",
    "image_to_nchw",
    "image_from_nchw",
    "kernel_to_oihw",
    "kernel_from_oihw",
]

# Output rows per GEMM block: bounds the im2col copy to about this many bytes.
_BLOCK_BYTES = 8 * 1024 * 1024
# Small layers (taps * C_out multiply-adds per pixel at most _SMALL_GEMM_WORK / 64)
# multiply in stacks of small GEMMs of about _SMALL_GEMM_WORK multiply-adds:
# NumPy loops over the stack in C and OpenBLAS runs each on one thread. One
# big multi-threaded GEMM is no faster here and is many times slower when the
# cores are busy with other work (its threads wait for each other).
_SMALL_GEMM_WORK = 1 << 17


def corr2d_multi_in(X, K, mode: str = "valid", *, padding=0, stride=1) -> np.ndarray:
    r"""Cross-correlate a multi-channel image with a multi-channel kernel, summing over channels.

    .. math:: h[i, j] = \sum_{a, b} \sum_c V[a, b, c] \, x[i + a, j + b, c]

    Parameters
    ----------
    X : array_like, shape (H, W, C)
        Image with ``C`` channels on the last axis.
    K : array_like, shape (k_h, k_w, C)
        One kernel slice per input channel.
    mode : {"valid", "same", "full"}
        Output size, as in :func:`convlib.corr2d`.
    padding, stride : int or (int, int)
        Zero padding on each side and step between windows, as in :func:`convlib.corr2d`.

    Returns
    -------
    numpy.ndarray, shape (H', W')
        The sum over ``c`` of ``corr2d(X[..., c], K[..., c], mode, padding=padding, stride=stride)``.

    Raises
    ------
    ValueError, TypeError
        As :func:`convlib.corr2d`; also ``ValueError`` if the channel counts differ.

    Examples
    --------
    D2L's two-channel example:

    >>> import numpy as np
    >>> from convlib import corr2d_multi_in
    >>> X = np.stack([np.arange(9).reshape(3, 3), np.arange(1, 10).reshape(3, 3)], axis=-1)
    >>> K = np.stack([np.arange(4).reshape(2, 2), np.arange(1, 5).reshape(2, 2)], axis=-1)
    >>> corr2d_multi_in(X, K)
    array([[ 56.,  72.],
           [104., 120.]])
    """
    X, K, _ = _operands(X, K, 3, ("(H, W, C)", "(k_h, k_w, C)"))
    check_channels(X.shape[-1], K.shape[-1])
    return _multi(X[None], K[..., None], mode, padding=padding, stride=stride)[0, :, :, 0]


def corr2d_multi_in_out(X, K, mode: str = "valid", *, padding=0, stride=1) -> np.ndarray:
    r"""The convolutional layer's full operation: many input and output channels.

    .. math:: h[i, j, k] = \sum_{a, b} \sum_c V[a, b, c, k] \, x[i + a, j + b, c]

    A ``1 x 1`` kernel reduces to a per-pixel matrix multiply,
    ``h[i, j, :] = x[i, j, :] @ V[0, 0]``.

    Parameters
    ----------
    X : array_like, shape (H, W, C_in) or (N, H, W, C_in)
        Image, optionally with a leading batch axis.
    K : array_like, shape (k_h, k_w, C_in, C_out)
        The 4th-order kernel, 0-based: ``K[a, b, c, k] = V[a - Delta, b - Delta, c, k]``.
    mode : {"valid", "same", "full"}
        Output size, as in :func:`convlib.corr2d`.
    padding, stride : int or (int, int)
        Zero padding on each side and step between windows, as in :func:`convlib.corr2d`
        (PyTorch's ``padding`` and ``stride`` of ``conv2d``).

    Returns
    -------
    numpy.ndarray, shape (H', W', C_out) or (N, H', W', C_out)

    Raises
    ------
    ValueError, TypeError
        As :func:`convlib.corr2d`; also ``ValueError`` if ``K``'s axis 2 does
        not match ``X``'s channel count.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import corr2d_multi_in_out
    >>> X = np.ones((4, 4, 3))
    >>> K = np.ones((3, 3, 3, 2))
    >>> corr2d_multi_in_out(X, K).shape
    (2, 2, 2)
    >>> float(corr2d_multi_in_out(X, K)[0, 0, 0])  # 3 * 3 * 3 ones
    27.0

    A stride of 2 with padding 1 (D2L 7.3), 8 x 8 to 4 x 4:

    >>> corr2d_multi_in_out(np.ones((8, 8, 3)), K, padding=1, stride=2).shape
    (4, 4, 2)
    """
    X = as_array(X, "X", (3, 4), keep_dtype=True, layout="(H, W, C_in) or (N, H, W, C_in)")
    single = X.ndim == 3
    X, K, _ = _operands(X[None] if single else X, K, 4, ("(N, H, W, C_in)", "(k_h, k_w, C_in, C_out)"))
    check_channels(X.shape[-1], K.shape[2])
    out = _multi(X, K, mode, padding=padding, stride=stride)
    return out[0] if single else out


def _multi(X: np.ndarray, K: np.ndarray, mode: str = "valid", *, padding=0, stride=1) -> np.ndarray:
    """(N, H, W, C_in) * (k_h, k_w, C_in, C_out) -> (N, H', W', C_out); arrays validated, mode/padding/stride not yet."""
    k_h, k_w, c_in, c_out = K.shape
    n, H, W, _ = X.shape
    dtype = np.result_type(X, K)
    pad, (s_h, s_w), (Ho, Wo) = _geometry(
        (H, W), (k_h, k_w), mode, padding, stride, flipped=False, itemsize=dtype.itemsize,
        planes=n * max(c_in, c_out),
    )
    X = _zero_pad(X.astype(dtype, copy=False), pad, axes=(1, 2))
    K = K.astype(dtype, copy=False)
    # windows[n, i, j, a, b, c] = X[n, i s_h + a, j s_w + b, c]: a view, no copy yet.
    windows = np.lib.stride_tricks.sliding_window_view(X, (k_h, k_w), axis=(1, 2))[:, ::s_h, ::s_w]
    windows = windows.transpose(0, 1, 2, 4, 5, 3)  # (N, Ho, Wo, k_h, k_w, C_in)
    weights = K.reshape(k_h * k_w * c_in, c_out)
    out = np.empty((n, Ho, Wo, c_out), dtype=dtype)
    taps = k_h * k_w * c_in
    rows = max(1, _BLOCK_BYTES // max(1, Wo * taps * X.itemsize))
    chunk = min(1024, _SMALL_GEMM_WORK // (taps * c_out))  # pixels per small GEMM
    for b in range(n):
        for r0 in range(0, Ho, rows):
            r1 = min(Ho, r0 + rows)
            cols = windows[b, r0:r1].reshape(-1, taps)  # im2col copy of one block
            res = out[b, r0:r1].reshape(-1, c_out)
            split = (len(cols) // chunk) * chunk if chunk >= 64 else 0
            if split:
                np.matmul(cols[:split].reshape(-1, chunk, taps), weights, out=res[:split].reshape(-1, chunk, c_out))
            if split < len(cols):
                np.matmul(cols[split:], weights, out=res[split:])
    return out


def image_to_nchw(X) -> np.ndarray:
    """Convert ``(H, W, C)`` or ``(N, H, W, C)`` to PyTorch's ``(N, C, H, W)``.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import image_to_nchw
    >>> image_to_nchw(np.zeros((5, 7, 3))).shape
    (1, 3, 5, 7)
    """
    X = as_array(X, "X", (3, 4), keep_dtype=True, layout="(H, W, C) or (N, H, W, C)")
    if X.ndim == 3:
        X = X[None]
    return X.transpose(0, 3, 1, 2).copy(order="C")  # a new array, never a view


def image_from_nchw(X) -> np.ndarray:
    """Convert PyTorch's ``(N, C, H, W)`` back to convlib's ``(N, H, W, C)``.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import image_from_nchw
    >>> image_from_nchw(np.zeros((1, 3, 5, 7))).shape
    (1, 5, 7, 3)
    """
    X = as_array(X, "X", 4, keep_dtype=True, layout="(N, C, H, W)")
    return X.transpose(0, 2, 3, 1).copy(order="C")  # a new array, never a view


def kernel_to_oihw(K) -> np.ndarray:
    """Convert a kernel ``K[a, b, c, k]`` of shape ``(k_h, k_w, C_in, C_out)`` to PyTorch's ``(C_out, C_in, k_h, k_w)``.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import kernel_to_oihw
    >>> kernel_to_oihw(np.zeros((3, 5, 2, 4))).shape
    (4, 2, 3, 5)
    """
    K = as_array(K, "K", 4, keep_dtype=True, layout="(k_h, k_w, C_in, C_out)")
    return K.transpose(3, 2, 0, 1).copy(order="C")  # a new array, never a view


def kernel_from_oihw(K) -> np.ndarray:
    """Convert a PyTorch weight ``(C_out, C_in, k_h, k_w)`` to convlib's ``(k_h, k_w, C_in, C_out)``.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib import kernel_from_oihw
    >>> kernel_from_oihw(np.zeros((4, 2, 3, 5))).shape
    (3, 5, 2, 4)
    """
    K = as_array(K, "K", 4, keep_dtype=True, layout="(C_out, C_in, k_h, k_w)")
    return K.transpose(2, 3, 1, 0).copy(order="C")  # a new array, never a view
