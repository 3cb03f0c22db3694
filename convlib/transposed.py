r"""The transposed convolution: how a layer's output gradient reaches its input.

For ``Y[i, j] = sum_{a, b} K[a, b] x_pad[i s_h + a d_h, j s_w + b d_w]`` and
a loss ``L`` with ``G = dL/dY``, every input pixel collects the weights it
was multiplied with:

.. math:: \frac{\partial L}{\partial x_{\mathrm{pad}}[r, t]} = \sum_{a, b} K[a, b] \, G_{\uparrow}[r - a d_h, t - b d_w]

where :math:`G_{\uparrow}` is ``G`` with ``s - 1`` zeros inserted between
its entries (the gradient *dilated by the stride*). That sum is a **full
cross-correlation of** :math:`G_{\uparrow}` **with the flipped kernel**
``K[::-1, ::-1]``: the flip of the chapter on convolution comes back, and
with channels the kernel's two channel axes swap places. With stride 1 it
is ``corr2d(G, K[::-1, ::-1], "full")``, i.e. ``conv2d(G, K, "full")``.

Used as a layer in its own right (upsampling in segmentation networks) the
same map is called a transposed convolution ("fractionally strided", stride
``1/s``): PyTorch's ``conv_transpose2d`` with the forward layer's weight.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, check_channels, int_pair
from .channels import _multi
from .correlate import _operands
from .shapes import input_size

__all__ = ["conv_transpose2d"]


def conv_transpose2d(G, K, *, padding=0, stride=1, dilation=1, output_padding=0) -> np.ndarray:
    r"""The input gradient of a zero-padded cross-correlation layer (PyTorch's ``conv_transpose2d``).

    Parameters
    ----------
    G : array_like, shape (H', W'), (H', W', C_out) or (N, H', W', C_out)
        The gradient ``dL/dY`` of the layer's output.
    K : array_like, shape (k_h, k_w) or (k_h, k_w, C_in, C_out)
        The forward layer's kernel (2-D with a 2-D ``G``, else 4-D).
    padding, stride, dilation : int or (int, int)
        The forward layer's, as in :func:`convlib.corr2d` (zero padding).
    output_padding : int or (int, int)
        Extra rows (columns) at the bottom (right) of the result: the input
        rows that the forward stride skipped, ``(H + 2 p - d (k - 1) - 1) mod s``.
        Must be smaller than the stride or the dilation (PyTorch's rule).

    Returns
    -------
    numpy.ndarray
        ``dL/dx``, shape ``(H, W)``, ``(H, W, C_in)`` or ``(N, H, W, C_in)`` with
        ``H = (H' - 1) s_h - 2 p_h + d_h (k_h - 1) + 1 + output_padding_h``.

    Raises
    ------
    ValueError, TypeError
        Naming the argument: wrong ranks, channel mismatch, an
        ``output_padding`` too large, or a padding that crops everything.

    Examples
    --------
    With stride 1 the input gradient is the full correlation of ``G`` with the flipped kernel:

    >>> import numpy as np
    >>> from convlib import conv_transpose2d, corr2d
    >>> G, K = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0], [0.0, -1.0]])
    >>> conv_transpose2d(G, K)
    array([[ 1.,  2.,  0.],
           [ 3.,  3., -2.],
           [ 0., -3., -4.]])
    >>> bool(np.array_equal(conv_transpose2d(G, K), corr2d(G, K[::-1, ::-1], "full")))
    True

    With stride 2, the gradient is dilated by 2 first. A 2 x 2 kernel with
    stride 2 gives a 2 x 2 output from a 4 x 4 input and from a 5 x 5 one
    (whose last row and column no window reaches): ``output_padding`` says which.

    >>> conv_transpose2d(G, K, stride=2).shape, conv_transpose2d(G, K, stride=2, output_padding=1).shape
    ((4, 4), (5, 5))
    """
    G = as_array(
        G, "G", (2, 3, 4), keep_dtype=True, layout="(H', W'), (H', W', C_out) or (N, H', W', C_out)"
    )
    single = G.ndim == 2
    K = as_array(
        K,
        "K",
        2 if single else 4,
        keep_dtype=True,
        layout="(k_h, k_w)" if single else "(k_h, k_w, C_in, C_out)",
    )
    if single:
        Gb, Kb = G[None, :, :, None], K[:, :, None, None]
    else:
        Gb, Kb = (G[None] if G.ndim == 3 else G), K
    Gb, Kb, integral = _operands(Gb, Kb, 4, ("(N, H', W', C_out)", "(k_h, k_w, C_in, C_out)"))
    check_channels(Gb.shape[-1], Kb.shape[3], "G", "K")
    p_h, p_w = int_pair(padding, "padding", 0)
    s_h, s_w = int_pair(stride, "stride", 1)
    d_h, d_w = int_pair(dilation, "dilation", 1)
    o_h, o_w = int_pair(output_padding, "output_padding", 0)
    if o_h >= max(s_h, d_h) or o_w >= max(s_w, d_w):
        raise ValueError(
            f"output_padding must be smaller than the stride or the dilation (it only restores rows the stride skipped); "
            f"got output_padding={(o_h, o_w)} with stride={(s_h, s_w)} and dilation={(d_h, d_w)}"
        )
    n, Ho, Wo, c_out = Gb.shape
    k_h, k_w, c_in, _ = Kb.shape
    H, W = input_size(Ho, k_h, p_h, s_h, d_h, o_h), input_size(Wo, k_w, p_w, s_w, d_w, o_w)
    span_h, span_w = d_h * (k_h - 1), d_w * (k_w - 1)  # the "full" padding of the effective kernel
    # 1. the gradient dilated by the stride: s - 1 zeros between neighbouring entries
    up = np.zeros((n, (Ho - 1) * s_h + 1 + o_h, (Wo - 1) * s_w + 1 + o_w, c_out), dtype=Gb.dtype)
    up[:, : (Ho - 1) * s_h + 1 : s_h, : (Wo - 1) * s_w + 1 : s_w] = Gb
    # 2. full correlation with the flipped kernel, its channel axes swapped (C_out in, C_in out)
    flipped = np.ascontiguousarray(Kb[::-1, ::-1].transpose(0, 1, 3, 2))
    full = _multi(
        up, flipped, "valid", padding=(span_h, span_w), dilation=(d_h, d_w), integral=integral
    )
    # 3. drop the forward padding's rows and columns
    out = full[:, p_h : p_h + H, p_w : p_w + W]
    if single:
        return out[0, :, :, 0]
    return out[0] if G.ndim == 3 else out
