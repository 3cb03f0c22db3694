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

from ._validate import check_mode, check_padding_stride, non_negative_int, positive_int

__all__ = ["output_shape", "fully_connected_params", "translation_invariant_params", "local_params", "param_counts"]


def output_shape(H: int, W: int, k_h: int, k_w: int, mode: str = "valid", *, padding=0, stride=1) -> tuple:
    r"""Spatial output shape of a 2-D cross-correlation, with optional zero padding and stride.

    With ``p_h`` zero rows added above *and* below the image and every
    ``s_h``-th output kept, the output has

    .. math:: \left\lfloor \frac{H - k_h + 2 p_h + s_h}{s_h} \right\rfloor

    rows (D2L 7.3, with padding counted on each side as in PyTorch), and the
    same for the columns with ``W``, ``k_w``, ``p_w``, ``s_w``.

    Parameters
    ----------
    H, W : int
        Image height and width.
    k_h, k_w : int
        Kernel height and width.
    mode : {"valid", "same", "full"}
        ``"same"`` and ``"full"`` pad by themselves, so ``padding`` must stay 0
        with them; a stride keeps every ``s``-th output of the mode.
    padding : int or (int, int)
        Zero rows ``p_h`` on each side (top and bottom) and columns ``p_w`` on
        each side (left and right); an int pads all four sides alike.
    stride : int or (int, int)
        Step ``s_h`` between output rows and ``s_w`` between output columns.

    Returns
    -------
    tuple of int
        ``(rows, cols)``; without padding and stride ``(H-k_h+1, W-k_w+1)``,
        ``(H, W)`` or ``(H+k_h-1, W+k_w-1)``.

    Raises
    ------
    ValueError
        If a size is not a positive integer, ``padding`` is negative or given
        with a mode other than ``"valid"``, ``stride`` is not positive, or the
        kernel is larger than the padded image in ``"valid"`` mode.

    Examples
    --------
    >>> from convlib import output_shape
    >>> output_shape(3, 3, 2, 2)
    (2, 2)
    >>> output_shape(1024, 1024, 3, 3, "full")
    (1026, 1026)

    D2L 7.3's examples: padding keeps an 8 x 8 image's size, a stride of 2 halves it.

    >>> output_shape(8, 8, 3, 3, padding=1), output_shape(8, 8, 5, 5, padding=2)
    ((8, 8), (8, 8))
    >>> output_shape(8, 8, 3, 3, padding=1, stride=2)
    (4, 4)
    >>> output_shape(8, 8, 3, 5, padding=(0, 1), stride=(3, 4))
    (2, 2)
    """
    H, W = positive_int(H, "H"), positive_int(W, "W")
    k_h, k_w = positive_int(k_h, "k_h"), positive_int(k_w, "k_w")
    mode = check_mode(mode)
    (p_h, p_w), (s_h, s_w) = check_padding_stride(padding, stride, mode)
    if mode == "valid":
        n_h, n_w = H + 2 * p_h, W + 2 * p_w
        if k_h > n_h or k_w > n_w:
            padded = f"padded image {n_h}x{n_w} (padding {(p_h, p_w)})" if p_h or p_w else f"image {H}x{W}"
            raise ValueError(f"kernel {k_h}x{k_w} is larger than the {padded}; 'valid' mode needs k_h <= {n_h} and k_w <= {n_w}")
        rows, cols = n_h - k_h + 1, n_w - k_w + 1
    elif mode == "same":
        rows, cols = H, W
    else:
        rows, cols = H + k_h - 1, W + k_w - 1
    return (-(-rows // s_h), -(-cols // s_w))  # every s-th of them, the first included: ceil(rows / s_h)


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
