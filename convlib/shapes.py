r"""Shape arithmetic and parameter counts: why convolution is the right layer for images.

A fully connected layer from an ``H x W`` image to an ``H x W`` hidden layer,
``h[i, j] = sum_{k, l} W[i, j, k, l] x[k, l]``, has ``(H W)^2`` weights.
Re-indexing with ``V[i, j, a, b] = W[i, j, i + a, j + b]`` changes nothing
in the count. **Translation invariance** drops the dependence of ``V`` on
``(i, j)``: one weight per offset ``(a, b)``, with ``a`` in ``-(H-1)..H-1``
and ``b`` in ``-(W-1)..W-1``, so ``(2H-1)(2W-1)`` weights. **Locality**
restricts ``a, b`` to ``-Delta..Delta``: ``(2 Delta + 1)^2`` weights. With
channels every count is multiplied by ``C_in * C_out``.

This module is also the one place for a layer's **geometry**:
:func:`conv_geometry` turns an image size, a kernel size, a mode, padding,
stride and dilation into the padding and the output size, and raises the
one wording of the errors about them. Every correlation of convlib
(:func:`~convlib.corr2d`, the channel functions, :class:`~convlib.Conv2D`,
:func:`~convlib.im2col`), :func:`output_shape`, :func:`output_size`,
:func:`input_size` (the inverse, for :func:`~convlib.conv_transpose2d`), the
explorers and the checkers' reference answers call it; nothing else in the
package computes an output size. Also here: the effective size of a dilated
kernel and the receptive field of a stack of layers with stride and dilation
(:func:`receptive_field`). Two further counts: the
locally connected layer (locality without weight sharing) and grouped
convolution.
"""

from __future__ import annotations

from typing import NamedTuple

from ._validate import check_mode, int_pair, non_negative_int, positive_int, shown

__all__ = [
    "Geometry",
    "conv_geometry",
    "mode_padding",
    "output_shape",
    "output_size",
    "input_size",
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


class Geometry(NamedTuple):
    """Padding and output size of one correlation, one entry per axis (rows first).

    Examples
    --------
    >>> from convlib import conv_geometry
    >>> conv_geometry((8, 8), (3, 3), padding=1, stride=2)
    Geometry(out=(4, 4), pad=((1, 1), (1, 1)), stride=(2, 2), dilation=(1, 1), span=(3, 3))
    """

    out: tuple
    """Output length per axis."""
    pad: tuple
    """``(before, after)`` pixels added per axis, from ``padding`` or from the mode."""
    stride: tuple
    """Step ``s`` between windows per axis."""
    dilation: tuple
    """Spacing ``d`` between taps per axis."""
    span: tuple
    """Pixels one window covers per axis, ``d (k - 1) + 1``."""


def mode_padding(span, mode: str, *, flipped: bool = False) -> tuple:
    """``((before, after), ...)``: the padding that turns ``mode`` into a ``"valid"`` correlation.

    ``span`` is the kernel's effective size per axis. SciPy centres
    ``"same"`` differently for correlation and convolution when a side is
    even; ``flipped`` selects the convolution convention.

    Examples
    --------
    >>> from convlib.shapes import mode_padding
    >>> mode_padding((3, 4), "same"), mode_padding((3, 4), "same", flipped=True), mode_padding((3, 4), "full")
    (((1, 1), (1, 2)), ((1, 1), (2, 1)), ((2, 2), (3, 3)))
    """
    pads = []
    for n in span:
        if mode == "valid":
            pads.append((0, 0))
        elif mode == "full":
            pads.append((n - 1, n - 1))
        elif flipped:
            pads.append((n // 2, (n - 1) // 2))
        else:
            pads.append(((n - 1) // 2, n // 2))
    return tuple(pads)


def _per_axis(value, name: str, minimum: int, n_axes: int, default: int) -> tuple:
    """``value`` (an int, or a pair for two axes) as one int per axis, each at least ``minimum``."""
    if type(value) is int and value == default:
        return (default,) * n_axes  # the common case, checked without a call
    if n_axes == 2:
        return int_pair(value, name, minimum)
    return ((non_negative_int if minimum == 0 else positive_int)(value, name),)


def _sizes(values, name: str) -> tuple:
    """``values`` (1 or 2 sizes) as a tuple of positive ints; ``name`` names them in the error."""
    if (
        type(values) is tuple
        and len(values) == 2
        and type(values[0]) is int
        and type(values[1]) is int
        and values[0] > 0
        and values[1] > 0
    ):
        return values  # the common case: an array's shape
    if (
        isinstance(values, (str, bytes))
        or not hasattr(values, "__len__")
        or not 1 <= len(values) <= 2
    ):
        raise TypeError(
            f"{name} must be a sequence of 1 or 2 positive integers (one per axis); got {shown(values)}"
        )
    return tuple(positive_int(v, f"{name}[{i}]") for i, v in enumerate(values))


def _shown_axes(values) -> str:
    """``(5, 3)`` as ``5x3`` and ``(5,)`` as ``5``."""
    return "x".join(str(v) for v in values)


def _one_or_pair(values):
    """One int if every axis has the same value (as the caller may write it), else the tuple."""
    return values[0] if len(set(values)) == 1 else tuple(values)


def _no_window(
    image_size, kernel_size, padding, geometry_span, dilation, names, modes, hint, padding_name
) -> str:
    """The one wording of "the kernel does not fit" (see :func:`conv_geometry`)."""
    image, kernel = names
    what = f"{kernel} = {_shown_axes(kernel_size)}"
    if any(d != 1 for d in dilation):
        what += f" dilated by {_one_or_pair(dilation)} = {_shown_axes(geometry_span)}"
    where = f"{image} = {_shown_axes(image_size)}"
    if any(padding):
        padded = tuple(n + 2 * p for n, p in zip(image_size, padding, strict=True))
        where += f" padded by {_one_or_pair(padding)} = {_shown_axes(padded)}"
    need = tuple(
        max(p, -(-(span - n) // 2))
        for span, n, p in zip(geometry_span, image_size, padding, strict=True)
    )
    if hint is None:
        hint = "use mode='same' or mode='full', or " if modes else "use "
        hint += f"{padding_name}={_one_or_pair(need)} or more"
        if any(d != 1 for d in dilation):
            hint += ", or a smaller dilation"
    return (
        f"{what} is larger than {where}: no window fits (along each axis the kernel's span d (k - 1) + 1 "
        f"must be at most the padded length n + 2p); {hint}"
    )


def conv_geometry(
    image_size,
    kernel_size,
    mode: str = "valid",
    *,
    padding=0,
    stride=1,
    dilation=1,
    flipped: bool = False,
    names=("the image X", "the kernel K"),
    modes: bool = True,
    hint=None,
    padding_name: str = "padding",
) -> Geometry:
    r"""Padding and output size of a correlation: the one geometry rule of convlib.

    Along each axis an image of ``n`` pixels padded by ``p`` on both sides,
    a kernel of ``k`` taps ``d`` apart (covering ``d (k - 1) + 1`` pixels)
    and windows ``s`` pixels apart give

    .. math:: \left\lfloor \frac{n + 2p - d(k - 1) - 1}{s} \right\rfloor + 1

    outputs (PyTorch's ``nn.Conv2d`` formula). ``"same"`` and ``"full"``
    choose the padding themselves (:func:`mode_padding`); a stride then keeps
    every ``s``-th output of that mode.

    Parameters
    ----------
    image_size, kernel_size : sequence of int
        Pixels of the image and taps of the kernel per axis (one or two axes).
    mode : {"valid", "same", "full"}
        As in :func:`convlib.corr2d`.
    padding, stride, dilation : int or (int, int)
        As in :func:`convlib.corr2d` (a pair only with two axes). ``padding``
        other than 0 needs ``mode="valid"``.
    flipped : bool
        Whether the kernel is flipped (convolution): SciPy's centring of ``"same"``.
    names : (str, str)
        How the error messages call the image and the kernel, in the caller's
        terms (``"the image X"``, ``"the kernel kernel_size"``, ...).
    modes : bool
        Whether the caller accepts ``mode=``; the error message suggests it only then.
    hint : str, optional
        The remedy the error message ends with, for a caller that has
        neither ``mode`` nor ``padding`` (default: the ``mode``/``padding``
        that would make the kernel fit).
    padding_name : str
        The caller's name of its ``padding`` option, used in the remedy.

    Returns
    -------
    Geometry
        ``out`` (output length per axis), ``pad`` (``(before, after)`` per
        axis), ``stride``, ``dilation`` and ``span`` per axis.

    Raises
    ------
    ValueError
        If ``mode`` is unknown, ``padding`` is negative or given with a mode
        other than ``"valid"``, ``stride`` or ``dilation`` is below 1, a size
        is not positive, or no window fits in the padded image (the message
        names both arrays and the options that make it fit).
    TypeError
        If ``padding``, ``stride`` or ``dilation`` is not an integer (or a pair).

    Examples
    --------
    >>> from convlib import conv_geometry
    >>> conv_geometry((8, 8), (3, 3), "same").pad
    ((1, 1), (1, 1))
    >>> conv_geometry((8, 8), (3, 3), dilation=2).out
    (4, 4)
    >>> conv_geometry((2, 2), (3, 3))
    Traceback (most recent call last):
    ...
    ValueError: the kernel K = 3x3 is larger than the image X = 2x2: no window fits (along each axis the kernel's span d (k - 1) + 1 must be at most the padded length n + 2p); use mode='same' or mode='full', or padding=1 or more
    """
    image_size, kernel_size = _sizes(image_size, "image_size"), _sizes(kernel_size, "kernel_size")
    n_axes = len(image_size)
    if len(kernel_size) != n_axes:
        raise ValueError(
            f"kernel_size must have one size per axis of image_size; got {kernel_size} and {image_size}"
        )
    if mode != "valid":  # (the common "valid" needs no call)
        mode = check_mode(mode)
    pad_in = _per_axis(padding, "padding", 0, n_axes, 0)
    step = _per_axis(stride, "stride", 1, n_axes, 1)
    dil = _per_axis(dilation, "dilation", 1, n_axes, 1)
    # (written out per axis rather than with generators: corr2d of a small image spends much of its time here)
    span = tuple([d * (k - 1) + 1 for k, d in zip(kernel_size, dil)])
    if mode == "valid":
        pad = tuple([(p, p) for p in pad_in])
        for sp, n, p in zip(span, image_size, pad_in):
            if sp > n + 2 * p:
                raise ValueError(
                    _no_window(
                        image_size, kernel_size, pad_in, span, dil, names, modes, hint, padding_name
                    )
                )
    elif pad_in[0] or pad_in[-1]:
        raise ValueError(
            f"padding must be 0 when mode is {mode!r} (that mode pads by itself); got padding={shown(padding)}"
        )
    else:
        pad = mode_padding(span, mode, flipped=flipped)
    out = tuple(
        [
            (n + before + after - sp) // s + 1
            for n, (before, after), sp, s in zip(image_size, pad, span, step)
        ]
    )
    return Geometry(out, pad, step, dil, span)


def output_size(n: int, k: int, padding: int = 0, stride: int = 1, dilation: int = 1) -> int:
    r"""Output length along one axis of a ``"valid"`` correlation with padding, stride and dilation.

    .. math:: \left\lfloor \frac{n + 2p - d(k - 1) - 1}{s} \right\rfloor + 1

    (PyTorch's ``nn.Conv2d`` formula; Dumoulin and Visin's relation 15):
    the window of ``d (k - 1) + 1`` pixels starts at ``0, s, 2s, ...`` on the
    axis of ``n + 2p`` pixels and must lie wholly inside it
    (:func:`conv_geometry` along one axis).

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
    geometry = conv_geometry(
        (n,),
        (k,),
        padding=padding,
        stride=stride,
        dilation=dilation,
        names=("the axis n", "the kernel k"),
        modes=False,
    )
    return geometry.out[0]


def input_size(
    n_out: int,
    k: int,
    padding: int = 0,
    stride: int = 1,
    dilation: int = 1,
    output_padding: int = 0,
) -> int:
    r"""Input length along one axis that gives ``n_out`` outputs: the size a transposed convolution returns.

    .. math:: (n' - 1)\, s - 2p + d (k - 1) + 1 + o

    Several input lengths give the same ``n_out`` when ``s > 1`` (the last
    ``s - 1`` rows may be left unread); ``output_padding`` ``o`` (less than the
    stride or the dilation, PyTorch's rule) picks one of them. For every
    valid ``o``, ``output_size(input_size(n', ...), ...) == n'``.

    Parameters
    ----------
    n_out : int
        Outputs along the axis, at least 1.
    k, padding, stride, dilation : int
        As in :func:`output_size`.
    output_padding : int
        Extra rows at the end, ``0 <= o < max(s, d)``.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If an argument is out of range, or the padding crops away every input pixel.

    Examples
    --------
    >>> from convlib import input_size, output_size
    >>> input_size(4, 3, padding=1, stride=2), input_size(4, 3, padding=1, stride=2, output_padding=1)
    (7, 8)
    >>> output_size(7, 3, padding=1, stride=2), output_size(8, 3, padding=1, stride=2)
    (4, 4)
    """
    n_out, k = positive_int(n_out, "n_out"), positive_int(k, "k")
    p, s, d = (
        non_negative_int(padding, "padding"),
        positive_int(stride, "stride"),
        positive_int(dilation, "dilation"),
    )
    o = non_negative_int(output_padding, "output_padding")
    if o >= max(s, d):
        raise ValueError(
            f"output_padding must be smaller than the stride or the dilation (it only restores rows the stride skipped); "
            f"got output_padding={o} with stride={s} and dilation={d}"
        )
    n = (n_out - 1) * s - 2 * p + d * (k - 1) + 1 + o
    if n < 1:
        raise ValueError(
            f"padding={p} crops away every pixel of the input (it would have {n} pixels along this axis); the padding must be smaller"
        )
    return n


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
            raise ValueError(
                f"{name} must have one entry per layer ({n_layers}, like kernel_size); got {len(value)}"
            )
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


def output_shape(
    H: int, W: int, k_h: int, k_w: int, mode: str = "valid", *, padding=0, stride=1, dilation=1
) -> tuple:
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
    geometry = conv_geometry(
        (H, W),
        (k_h, k_w),
        mode,
        padding=padding,
        stride=stride,
        dilation=dilation,
        names=("the image H x W", "the kernel k_h x k_w"),
    )
    return geometry.out


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
    c_in, c_out, groups = (
        positive_int(c_in, "c_in"),
        positive_int(c_out, "c_out"),
        positive_int(groups, "groups"),
    )
    if c_in % groups or c_out % groups:
        raise ValueError(
            f"groups must divide both c_in and c_out (each group has c_in / groups inputs and c_out / groups outputs); got groups={groups}, c_in={c_in}, c_out={c_out}"
        )
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
