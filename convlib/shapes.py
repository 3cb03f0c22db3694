r"""Shape arithmetic and parameter counts: why convolution is the right layer for images.

A fully connected layer from an ``H x W`` image to an ``H x W`` hidden layer,
``h[i, j] = sum_{k, l} W[i, j, k, l] x[k, l]``, has ``(H W)^2`` weights.
Re-indexing with ``V[i, j, a, b] = W[i, j, i + a, j + b]`` changes nothing
in the count. **Translation invariance** drops the dependence of ``V`` on
``(i, j)``: one weight per offset ``(a, b)``, with ``a`` in ``-(H-1)..H-1``
and ``b`` in ``-(W-1)..W-1``, so ``(2H-1)(2W-1)`` weights. **Locality**
restricts ``a, b`` to ``-Delta..Delta``: ``(2 Delta + 1)^2`` weights. With
channels every count is multiplied by ``C_in * C_out``.

This module is also the one place for a layer's **geometry**: the effective
size of a dilated kernel, the output size along one axis
(:func:`output_size`, which :func:`output_shape` and every correlation of
convlib agree with), and the receptive field of a stack of layers with
stride and dilation (:func:`receptive_field`). Two further counts: the
locally connected layer (locality without weight sharing) and grouped
convolution.
"""

from __future__ import annotations

from typing import NamedTuple

from ._validate import check_mode, check_padding_stride, int_pair, non_negative_int, positive_int

__all__ = [
    "output_shape",
    "output_size",
    "effective_kernel_size",
    "receptive_field",
    "receptive_field_table",
    "ReceptiveField",
    "fully_connected_params",
    "translation_invariant_params",
    "local_params",
    "locally_connected_params",
    "grouped_params",
    "param_counts",
]


def effective_kernel_size(k: int, dilation: int = 1) -> int:
    r"""Pixels covered along one axis by a kernel of ``k`` taps spaced ``dilation`` apart: ``d (k - 1) + 1``.

    Parameters
    ----------
    k : int
        Taps along the axis (``k_h`` or ``k_w``), at least 1.
    dilation : int
        Spacing ``d`` between neighbouring taps, at least 1 (1: no gaps).

    Returns
    -------
    int

    Examples
    --------
    >>> from convlib import effective_kernel_size
    >>> effective_kernel_size(3), effective_kernel_size(3, dilation=2), effective_kernel_size(3, dilation=4)
    (3, 5, 9)
    """
    k, dilation = positive_int(k, "k"), positive_int(dilation, "dilation")
    return dilation * (k - 1) + 1


def output_size(n: int, k: int, padding: int = 0, stride: int = 1, dilation: int = 1) -> int:
    r"""Output length along one axis of a ``"valid"`` correlation with padding, stride and dilation.

    .. math:: \left\lfloor \frac{n + 2p - d(k - 1) - 1}{s} \right\rfloor + 1

    (PyTorch's ``nn.Conv2d`` formula; Dumoulin and Visin's relation 15):
    the window of ``d (k - 1) + 1`` pixels starts at ``0, s, 2s, ...`` on the
    axis of ``n + 2p`` pixels and must lie wholly inside it.

    Parameters
    ----------
    n : int
        Pixels along the axis (``H`` or ``W``), at least 1.
    k : int
        Kernel taps along the axis, at least 1.
    padding : int
        Pixels ``p`` added on *each* side, at least 0.
    stride : int
        Step ``s`` between windows, at least 1.
    dilation : int
        Spacing ``d`` between taps, at least 1.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If an argument is out of range or the effective kernel is larger than
        the padded axis (naming the argument).

    Examples
    --------
    >>> from convlib import output_size
    >>> output_size(8, 3, padding=1), output_size(8, 3, padding=1, stride=2)
    (8, 4)
    >>> output_size(8, 3, dilation=2)    # the 3 taps cover 5 pixels
    4
    >>> output_size(224, 7, padding=3, stride=2)  # ResNet's first layer
    112
    """
    n, k = positive_int(n, "n"), positive_int(k, "k")
    p, s, d = non_negative_int(padding, "padding"), positive_int(stride, "stride"), positive_int(dilation, "dilation")
    span = d * (k - 1) + 1
    if span > n + 2 * p:
        raise ValueError(
            f"the kernel covers d (k - 1) + 1 = {span} pixels (k={k}, dilation={d}), more than the padded axis "
            f"n + 2p = {n + 2 * p} (n={n}, padding={p}); no window fits"
        )
    return (n + 2 * p - span) // s + 1


class ReceptiveField(NamedTuple):
    """Where one output pixel of a stack of layers looks, along one axis.

    Output ``i`` of the stack sees the input pixels
    ``start + i * jump ... start + i * jump + size - 1`` (indices of the
    unpadded input; negative or too large ones lie in the padding).

    Examples
    --------
    >>> from convlib import receptive_field
    >>> rf = receptive_field([3, 3], stride=[2, 1], padding=1)
    >>> rf
    ReceptiveField(size=7, jump=2, start=-3)
    >>> [rf.start + 5 * rf.jump, rf.start + 5 * rf.jump + rf.size - 1]  # output 5 sees input pixels 7 to 13
    [7, 13]
    """

    size: int
    """Receptive-field side ``r`` in input pixels."""
    jump: int
    """Input pixels between neighbouring outputs: the product of the strides."""
    start: int
    """Input index of the first pixel that output 0 sees (negative: in the padding)."""


def _per_layer(value, name: str, n_layers: int, minimum: int) -> list:
    """``value`` (an int, or one int per layer) as a list of ``n_layers`` ints >= ``minimum``."""
    check = non_negative_int if minimum == 0 else positive_int
    if isinstance(value, (list, tuple)):
        if len(value) != n_layers:
            raise ValueError(f"{name} must have one entry per layer ({n_layers}, like kernel_size); got {len(value)}")
        return [check(v, f"{name}[{i}]") for i, v in enumerate(value)]
    return [check(value, name)] * n_layers


def receptive_field_table(kernel_size, stride=1, dilation=1, padding=0) -> list:
    r"""Receptive field after each layer of a stack, along one axis (the first layer first).

    With ``r_0 = 1``, ``J_0 = 1``, ``start_0 = 0`` and layer ``L`` of
    ``k_L`` taps, stride ``s_L``, dilation ``d_L`` and padding ``p_L``:

    .. math::
        r_L = r_{L-1} + (k_L - 1)\, d_L \prod_{l<L} s_l, \qquad
        J_L = J_{L-1}\, s_L, \qquad
        \mathrm{start}_L = \mathrm{start}_{L-1} - p_L J_{L-1}

    (``J_{L-1} = prod_{l<L} s_l`` is the spacing, in input pixels, of layer
    ``L - 1``'s outputs; Araujo et al., "Computing receptive fields of
    convolutional neural networks", Distill 2019).

    Parameters
    ----------
    kernel_size : int or sequence of int
        Taps ``k_L`` of each layer (an int: one layer).
    stride, dilation, padding : int or sequence of int
        Per layer, or one int for every layer.

    Returns
    -------
    list of ReceptiveField
        One ``(size, jump, start)`` per layer.

    Examples
    --------
    >>> from convlib import receptive_field_table
    >>> [rf.size for rf in receptive_field_table([3, 3, 3])]  # 2 L Delta + 1 with Delta = 1
    [3, 5, 7]
    >>> receptive_field_table([3, 3], stride=[2, 1])
    [ReceptiveField(size=3, jump=2, start=0), ReceptiveField(size=7, jump=2, start=0)]
    """
    kernels = list(kernel_size) if isinstance(kernel_size, (list, tuple)) else [kernel_size]
    if not kernels:
        raise ValueError("kernel_size must name at least one layer; got an empty sequence")
    kernels = [positive_int(k, f"kernel_size[{i}]") for i, k in enumerate(kernels)]
    n = len(kernels)
    strides = _per_layer(stride, "stride", n, 1)
    dilations = _per_layer(dilation, "dilation", n, 1)
    paddings = _per_layer(padding, "padding", n, 0)
    size, jump, start, table = 1, 1, 0, []
    for k, s, d, p in zip(kernels, strides, dilations, paddings, strict=True):
        size += (k - 1) * d * jump
        start -= p * jump
        jump *= s
        table.append(ReceptiveField(size, jump, start))
    return table


def receptive_field(kernel_size, stride=1, dilation=1, padding=0) -> ReceptiveField:
    r"""Receptive field of one output pixel of a stack of layers, along one axis.

    ``size`` is :math:`r_L = 1 + \sum_L (k_L - 1) d_L \prod_{l<L} s_l`; see
    :func:`receptive_field_table` for the recursion, ``jump`` and ``start``.
    A layer's stride widens the receptive field of every layer *after* it,
    not its own.

    Parameters
    ----------
    kernel_size : int or sequence of int
        Taps of each layer, first layer first.
    stride, dilation, padding : int or sequence of int
        Per layer, or one int for every layer.

    Returns
    -------
    ReceptiveField
        ``(size, jump, start)`` of the last layer.

    Examples
    --------
    >>> from convlib import receptive_field
    >>> receptive_field([3, 3, 3]).size
    7
    >>> receptive_field([7, 3], stride=[2, 1]).size  # 7 + (3 - 1) * 2
    11
    >>> receptive_field([3, 3, 3], dilation=[1, 2, 4]).size  # dilations doubling: 1 + 2 (1 + 2 + 4)
    15
    """
    return receptive_field_table(kernel_size, stride, dilation, padding)[-1]


def output_shape(H: int, W: int, k_h: int, k_w: int, mode: str = "valid", *, padding=0, stride=1, dilation=1) -> tuple:
    r"""Spatial output shape of a 2-D cross-correlation, with optional zero padding, stride and dilation.

    With ``p_h`` zero rows added above *and* below the image, taps
    ``d_h`` rows apart and every ``s_h``-th output kept, the output has

    .. math:: \left\lfloor \frac{H + 2 p_h - d_h (k_h - 1) - 1}{s_h} \right\rfloor + 1

    rows (D2L 7.3, with padding counted on each side as in PyTorch; see
    :func:`output_size`), and the same for the columns with ``W``, ``k_w``,
    ``p_w``, ``s_w``, ``d_w``.

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
    dilation : int or (int, int)
        Spacing of the kernel's taps; every size above uses the effective
        kernel ``d (k - 1) + 1`` (:func:`effective_kernel_size`).

    Returns
    -------
    tuple of int
        ``(rows, cols)``; without padding, stride and dilation ``(H-k_h+1, W-k_w+1)``,
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
    >>> output_shape(8, 8, 3, 3, dilation=2)
    (4, 4)
    """
    H, W = positive_int(H, "H"), positive_int(W, "W")
    k_h, k_w = positive_int(k_h, "k_h"), positive_int(k_w, "k_w")
    mode = check_mode(mode)
    (p_h, p_w), (s_h, s_w) = check_padding_stride(padding, stride, mode)
    d_h, d_w = int_pair(dilation, "dilation", 1)
    k_h, k_w = d_h * (k_h - 1) + 1, d_w * (k_w - 1) + 1
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


def locally_connected_params(H: int, W: int, delta: int, c_in: int = 1, c_out: int = 1) -> int:
    """Weights of a locally connected layer: locality without weight sharing, ``H W (2 Delta + 1)^2``.

    Every hidden pixel ``(i, j)`` of an ``H x W`` hidden layer (the image's
    size, zero padding at the border) has its own window of weights
    ``V[i, j, a, b]`` with ``a, b`` in ``-Delta..Delta``: the second
    assumption (locality) without the first (translation invariance).
    Biases are not counted.

    Examples
    --------
    >>> from convlib import locally_connected_params, local_params
    >>> locally_connected_params(1024, 1024, delta=1)  # 9 weights per pixel
    9437184
    >>> locally_connected_params(1024, 1024, 1) // local_params(1)  # sharing saves a factor H W
    1048576
    """
    H, W = positive_int(H, "H"), positive_int(W, "W")
    return H * W * local_params(delta, c_in, c_out)


def grouped_params(k_h: int, k_w: int, c_in: int, c_out: int, groups: int = 1) -> int:
    """Weights of a grouped convolution: ``k_h k_w (C_in / groups) C_out``.

    The channels are split into ``groups`` blocks; output channel ``k`` of
    block ``g`` sums over the ``C_in / groups`` input channels of block ``g``
    only, so the ``C_in x C_out`` channel-mixing matrix of every tap is block
    diagonal (PyTorch's ``groups``). ``groups = C_in = C_out`` is the
    depthwise convolution of MobileNet. Biases are not counted.

    Raises
    ------
    ValueError
        If ``groups`` does not divide both ``c_in`` and ``c_out``.

    Examples
    --------
    >>> from convlib import grouped_params
    >>> grouped_params(3, 3, 64, 64), grouped_params(3, 3, 64, 64, groups=4), grouped_params(3, 3, 64, 64, groups=64)
    (36864, 9216, 576)
    """
    k_h, k_w = positive_int(k_h, "k_h"), positive_int(k_w, "k_w")
    c_in, c_out, groups = positive_int(c_in, "c_in"), positive_int(c_out, "c_out"), positive_int(groups, "groups")
    if c_in % groups or c_out % groups:
        raise ValueError(f"groups must divide both c_in and c_out (each group has c_in / groups inputs and c_out / groups outputs); got groups={groups}, c_in={c_in}, c_out={c_out}")
    return k_h * k_w * (c_in // groups) * c_out


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
