r"""Shape arithmetic and parameter counts: why convolution is the right layer for images.

A fully connected layer from an ``H x W`` image to an ``H x W`` hidden layer,
``h[i, j] = sum_{k, l} W[i, j, k, l] x[k, l]``, has ``(H W)^2`` weights.
Re-indexing with ``V[i, j, a, b] = W[i, j, i + a, j + b]`` changes nothing
in the count. **Translation invariance** drops the dependence of ``V`` on
``(i, j)``: one weight per offset ``(a, b)``, with ``a`` in ``-(H-1)..H-1``
and ``b`` in ``-(W-1)..W-1``, so ``(2H-1)(2W-1)`` weights. **Locality**
restricts ``a, b`` to ``-Delta..Delta``: ``(2 Delta + 1)^2`` weights. With
channels every count is multiplied by ``C_in * C_out``.
"""

from __future__ import annotations

from ._validate import check_mode, non_negative_int, positive_int

__all__ = ["output_shape", "fully_connected_params", "translation_invariant_params", "local_params", "param_counts"]


def output_shape(H: int, W: int, h: int, w: int, mode: str = "valid") -> tuple:
    """Spatial output shape of a 2-D cross-correlation.

    Parameters
    ----------
    H, W : int
        Image height and width.
    h, w : int
        Kernel height and width, :math:`k_h` and :math:`k_w` in the chapters.
    mode : {"valid", "same", "full"}

    Returns
    -------
    tuple of int
        ``(H-k_h+1, W-k_w+1)``, ``(H, W)`` or ``(H+k_h-1, W+k_w-1)``.

    Examples
    --------
    >>> from convlib import output_shape
    >>> output_shape(3, 3, 2, 2)
    (2, 2)
    >>> output_shape(1024, 1024, 3, 3, "full")
    (1026, 1026)
    """
    H, W = positive_int(H, "H"), positive_int(W, "W")
    h, w = positive_int(h, "h"), positive_int(w, "w")
    mode = check_mode(mode)
    if mode == "valid":
        if h > H or w > W:
            raise ValueError(f"kernel {h}x{w} is larger than the image {H}x{W}; 'valid' mode needs h <= H and w <= W")
        return (H - h + 1, W - w + 1)
    if mode == "same":
        return (H, W)
    return (H + h - 1, W + w - 1)


def fully_connected_params(H: int, W: int, c_in: int = 1, c_out: int = 1) -> int:
    """Weights of a fully connected layer from an ``H x W x c_in`` image to an ``H x W x c_out`` hidden layer.

    Examples
    --------
    >>> from convlib import fully_connected_params
    >>> fully_connected_params(1024, 1024)  # the lecture's megapixel image: 10**12
    1099511627776
    """
    H, W = positive_int(H, "H"), positive_int(W, "W")
    return (H * W) ** 2 * positive_int(c_in, "c_in") * positive_int(c_out, "c_out")


def translation_invariant_params(H: int, W: int, c_in: int = 1, c_out: int = 1) -> int:
    """Weights ``V[a, b]`` left after dropping ``(i, j)``: one per offset, ``(2H-1)(2W-1)``.

    Examples
    --------
    >>> from convlib import translation_invariant_params
    >>> translation_invariant_params(1024, 1024)
    4190209
    """
    H, W = positive_int(H, "H"), positive_int(W, "W")
    return (2 * H - 1) * (2 * W - 1) * positive_int(c_in, "c_in") * positive_int(c_out, "c_out")


def local_params(delta: int, c_in: int = 1, c_out: int = 1) -> int:
    """Weights ``V[a, b]`` with ``a, b`` in ``-Delta..Delta``: ``(2 Delta + 1)^2``.

    Examples
    --------
    >>> from convlib import local_params
    >>> local_params(1)
    9
    >>> local_params(1, c_in=3, c_out=16)
    432
    """
    delta = non_negative_int(delta, "delta")
    return (2 * delta + 1) ** 2 * positive_int(c_in, "c_in") * positive_int(c_out, "c_out")


def param_counts(H: int, W: int, delta: int, c_in: int = 1, c_out: int = 1) -> dict:
    """The three counts side by side, for tables in the chapters.

    Examples
    --------
    >>> from convlib import param_counts
    >>> param_counts(1024, 1024, delta=5)
    {'fully connected': 1099511627776, 'translation invariant': 4190209, 'local': 121}
    """
    return {
        "fully connected": fully_connected_params(H, W, c_in, c_out),
        "translation invariant": translation_invariant_params(H, W, c_in, c_out),
        "local": local_params(delta, c_in, c_out),
    }
