r"""Static SVG figures for what only explorers show: padding, stride, the two-channel sum, the 4th-order kernel.

They stand in for the explorers on paper (the handout) and on slides, and sit
beside them in the book. Each figure is drawn from the same numbers as its
explorer, computed with convlib:

* :func:`plot_padding` and :func:`plot_stride`: the padding and stride
  explorer's digit grid (:func:`convlib.widgets.padding.default_grid`) with its
  all-ones kernel, so every output is the plain sum of its window
  (``PaddingStrideExplorer.reference_frame()`` gives the same output map);
* :func:`plot_two_channel_sum`: the two-channel example of D2L 7.4 (chapter
  on channels), ``56 = 19 + 37``;
* :func:`plot_kernel_slices`: a kernel ``K[a, b, c, k]`` as a grid of its
  ``k_h x k_w`` slices ``K[:, :, c, k]``, one row per input channel ``c``,
  one column per output channel ``k``.

Every function returns ``(fig, data)``: the matplotlib figure (finished with
:func:`~convlib.widgets._static.readable_text`) and a dict of the arrays it
shows, so that tests compare what is drawn with convlib.
"""

from __future__ import annotations

import numpy as np

from .._validate import as_array
from ..channels import corr2d_multi_in
from ..correlate import corr2d
from ..shapes import conv_geometry, output_shape
from ._static import readable_text, static_figure
from .padding import MAX_KERNEL, MAX_PADDING, MAX_STRIDE, default_grid, in_range

__all__ = [
    "two_channel_example",
    "plot_padding",
    "plot_stride",
    "plot_two_channel_sum",
    "plot_kernel_slices",
]

INK = "#1b1b1b"
PAD_FACE = "#eeeeee"
PAD_HATCH = "///"
WINDOW_COLOUR = "#0b5cad"  # the explorers' accent colour
LINE_STYLES = ("-", "--", ":", "-.")


def _digit_grid(image, name: str = "image") -> np.ndarray:
    x = np.asarray(as_array(image, name, 2, layout="(H, W)"))
    if not np.array_equal(x, np.round(x)) or x.min() < 0 or x.max() > 99 or max(x.shape) > 12:
        raise ValueError(
            f"{name} must hold integers 0..99 and be at most 12 x 12; got shape {x.shape}"
        )
    return x.astype(np.int64)


def _padded(image, default, k, p):
    """The checked digit image, its zero-padded copy, the mask of padding cells, and the checked ``k``, ``p``."""
    x = _digit_grid(default if image is None else image)
    p = in_range(p, "p", 0, MAX_PADDING)
    k = in_range(k, "k", 1, MAX_KERNEL)
    conv_geometry(
        x.shape,
        (k, k),
        padding=p,
        names=("image", "the kernel k x k"),
        modes=False,
        padding_name="p",
    )
    return x, np.pad(x, p), np.pad(np.zeros_like(x, dtype=bool), p, constant_values=True), k, p


def _grid(ax, values, *, padded=None, fmt="{:d}", fontsize=10.5):
    """Draw ``values`` as a grid of cells with their numbers; ``padded`` marks cells that are padding."""
    rows, cols = values.shape
    for i in range(rows):
        for j in range(cols):
            pad = padded is not None and padded[i, j]
            ax.add_patch(
                _rect(
                    j - 0.5,
                    i - 0.5,
                    1,
                    1,
                    face=PAD_FACE if pad else "white",
                    hatch=PAD_HATCH if pad else None,
                    edge="#9a9a9a",
                    lw=0.6,
                )
            )
            ax.text(
                j,
                i,
                fmt.format(values[i, j]),
                ha="center",
                va="center",
                fontsize=fontsize,
                color="#555555" if pad else INK,
            )
    ax.set_xlim(-0.6, cols - 0.4)
    ax.set_ylim(rows - 0.4, -0.6)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)


def _rect(x, y, w, h, *, face="none", edge=WINDOW_COLOUR, lw=2.0, ls="-", hatch=None):
    from matplotlib.patches import Rectangle

    return Rectangle(
        (x, y), w, h, facecolor=face, edgecolor=edge, linewidth=lw, linestyle=ls, hatch=hatch
    )


def _window_sums(x, k, p, s):
    """The explorer's output: the all-ones ``k x k`` kernel with padding ``p`` and stride ``s`` (convlib.corr2d)."""
    return corr2d(x.astype(float), np.ones((k, k)), padding=(p, p), stride=(s, s)).astype(np.int64)


def plot_padding(image=None, p: int = 1, k: int = 3):
    """The image with ``p`` rings of zeros around it, the window of output ``Y[0, 0]``, and the output map.

    The numbers are the padding explorer's: an all-ones ``k x k`` kernel, so
    ``Y[i, j]`` is the sum of the window at padded rows ``i..i+k-1`` and
    columns ``j..j+k-1``. Padding cells are hatched and grey (not colour alone).

    Parameters
    ----------
    image : array_like of int, optional
        At most 12 x 12, integers 0..99; ``default_grid(6, 6)`` by default.
    p : int
        Zero rows/columns on each side, ``0..3``.
    k : int
        Kernel side, ``1..5``.

    Returns
    -------
    fig, data
        ``data`` holds ``"padded"`` (the padded image), ``"output"`` and ``"shape"``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, data = plot_padding(p=1, k=3)
    >>> data["padded"].shape, data["output"].shape, int(data["output"][0, 0])
    ((8, 8), (6, 6), 6)
    >>> plt.close(fig)
    """
    x, padded, is_pad, k, p = _padded(image, default_grid(6, 6), k, p)
    H, W = x.shape
    out = _window_sums(x, k, p, 1)
    shape = output_shape(H, W, k, k, padding=(p, p))
    fig, (ax_in, ax_out) = static_figure(
        2.9, ncols=2, width_ratios=[padded.shape[1], max(out.shape[1], 1) + 0.5]
    )
    _grid(ax_in, padded, padded=is_pad, fontsize=9.0 if padded.shape[1] > 9 else 10.5)
    ax_in.add_patch(_rect(-0.5, -0.5, k, k, lw=2.5))
    ax_in.set_title(f"input {H} x {W}, padded with p = {p}")
    _grid(ax_out, out, fontsize=9.0 if out.shape[1] > 7 else 10.5)
    ax_out.add_patch(_rect(-0.5, -0.5, 1, 1, lw=2.5))
    ax_out.set_title(f"output {shape[0]} x {shape[1]}")
    fig.supxlabel(
        f"Y[0, 0] = {out[0, 0]}: the {k} x {k} window at the corner; the zeros add nothing",
        fontsize=10.5,
    )
    return readable_text(fig), {"padded": padded, "output": out, "shape": shape}


def plot_stride(image=None, k: int = 3, s: int = 2, p: int = 0):
    """The windows a stride keeps: the first output row's windows outlined, every window's corner marked.

    Window ``(i, j)`` covers padded rows ``i s .. i s + k - 1`` and columns
    ``j s .. j s + k - 1`` (as in the padding and stride explorer). The first
    row of outputs and their windows share a line style (solid, dashed,
    dotted, dash-dot), and every kept window's top-left cell carries a dot.

    Parameters
    ----------
    image : array_like of int, optional
        At most 12 x 12, integers 0..99; ``default_grid(7, 7)`` by default.
    k, s, p : int
        Kernel side ``1..5``, stride ``1..4``, padding ``0..3``.

    Returns
    -------
    fig, data
        ``data`` holds ``"output"``, ``"corners"`` (top-left cell of every
        kept window, padded coordinates, row by row) and ``"shape"``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, data = plot_stride()
    >>> data["shape"], data["corners"][:3]
    ((3, 3), [(0, 0), (0, 2), (0, 4)])
    >>> plt.close(fig)
    """
    s = in_range(s, "s", 1, MAX_STRIDE)
    x, padded, is_pad, k, p = _padded(image, default_grid(7, 7), k, p)
    H, W = x.shape
    out = _window_sums(x, k, p, s)
    shape = output_shape(H, W, k, k, padding=(p, p), stride=(s, s))
    corners = [(i * s, j * s) for i in range(shape[0]) for j in range(shape[1])]
    fig, (ax_in, ax_out) = static_figure(
        2.9, ncols=2, width_ratios=[padded.shape[1], shape[1] + 1.5]
    )
    _grid(
        ax_in, padded, padded=is_pad if p else None, fontsize=9.0 if padded.shape[1] > 9 else 10.5
    )
    for r, c in corners:
        ax_in.plot(c - 0.3, r - 0.3, "o", color=WINDOW_COLOUR, markersize=4)
    first_row = corners[: min(shape[1], len(LINE_STYLES))]
    for n, (r, c) in enumerate(first_row):
        inset = 0.06 * n
        ax_in.add_patch(
            _rect(
                c - 0.5 + inset,
                r - 0.5 + inset,
                k - 2 * inset,
                k - 2 * inset,
                lw=2.2,
                ls=LINE_STYLES[n],
            )
        )
    ax_in.set_title(f"input {H} x {W}, k = {k}, stride {s}")
    _grid(ax_out, out)
    for n in range(len(first_row)):
        ax_out.add_patch(_rect(n - 0.5 + 0.06, -0.5 + 0.06, 0.88, 0.88, lw=2.2, ls=LINE_STYLES[n]))
    ax_out.set_title(f"output {shape[0]} x {shape[1]}")
    fig.supxlabel(
        f"windows start every {s} cells (dots); each output is its window's sum", fontsize=10.5
    )
    return readable_text(fig), {"output": out, "corners": corners, "shape": shape}


def two_channel_example():
    """D2L 7.4's two-channel input ``X (3, 3, 2)`` and kernel ``K (2, 2, 2)``, as in the chapter on channels.

    Examples
    --------
    >>> X, K = two_channel_example()
    >>> X[:, :, 1].tolist(), K[:, :, 0].tolist()
    ([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[0, 1], [2, 3]])
    """
    X = np.stack([np.arange(9).reshape(3, 3), np.arange(1, 10).reshape(3, 3)], axis=-1)
    K = np.stack([np.arange(4).reshape(2, 2), np.arange(1, 5).reshape(2, 2)], axis=-1)
    return X, K


def plot_two_channel_sum(X=None, K=None):
    """Each input channel cross-correlated with its own kernel slice, then added: ``56 = 19 + 37``.

    One row per input channel ``c``: ``x[:, :, c]``, ``K[:, :, c]`` and
    ``corr2d(x[:, :, c], K[:, :, c])``; the last panel is their sum,
    ``corr2d_multi_in(X, K)``. The window of ``Y[0, 0]`` is outlined in
    every input, and the equation under the figure writes ``Y[0, 0]`` out.

    Parameters
    ----------
    X : array_like of int, shape (H, W, 2), optional
    K : array_like of int, shape (k_h, k_w, 2), optional
        Both default to :func:`two_channel_example`.

    Returns
    -------
    fig, data
        ``data`` holds ``"per_channel"`` (list of 2 arrays), ``"sum"`` and
        ``"equation"`` (the text under the figure).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, data = plot_two_channel_sum()
    >>> data["sum"].tolist(), data["equation"].split(" = ")[-1]
    ([[56, 72], [104, 120]], '19 + 37')
    >>> plt.close(fig)
    """
    X0, K0 = two_channel_example()
    X = X0 if X is None else as_array(X, "X", 3, layout="(H, W, C)")
    K = K0 if K is None else as_array(K, "K", 3, layout="(k_h, k_w, C)")
    if X.shape[2] != 2 or K.shape[2] != 2:
        raise ValueError(f"X and K must have 2 channels (last axis); got X {X.shape}, K {K.shape}")
    if not (np.array_equal(X, np.round(X)) and np.array_equal(K, np.round(K))):
        raise ValueError("X and K must hold integers (the figure writes every number)")
    if max(X.shape[:2]) > 5 or K.shape[0] > X.shape[0] or K.shape[1] > X.shape[1]:
        raise ValueError(
            f"X must be at most 5 x 5 and K fit inside it; got X {X.shape}, K {K.shape}"
        )
    X, K = np.asarray(X).astype(np.int64), np.asarray(K).astype(np.int64)
    kh, kw = K.shape[:2]
    per = [
        corr2d(X[:, :, c].astype(float), K[:, :, c].astype(float)).astype(np.int64)
        for c in range(2)
    ]
    total = corr2d_multi_in(X.astype(float), K.astype(float)).astype(np.int64)
    fig, axes = static_figure(
        3.6, nrows=2, ncols=4, width_ratios=[X.shape[1], kw, per[0].shape[1], total.shape[1]]
    )
    for c in range(2):
        ax_x, ax_k, ax_y, ax_sum = axes[c]
        _grid(ax_x, X[:, :, c])
        ax_x.add_patch(_rect(-0.5, -0.5, kw, kh, lw=2.5, ls=LINE_STYLES[c]))
        ax_x.set_title(f"x[:, :, {c}]")
        _grid(ax_k, K[:, :, c])
        ax_k.set_title(f"K[:, :, {c}]")
        _grid(ax_y, per[c])
        ax_y.add_patch(_rect(-0.5, -0.5, 1, 1, lw=2.5, ls=LINE_STYLES[c]))
        ax_y.set_title(f"channel {c}")
        ax_sum.axis("off")
    ax_sum = axes[0, 3]
    _grid(ax_sum, total)
    ax_sum.add_patch(_rect(-0.5, -0.5, 1, 1, lw=2.5))
    ax_sum.set_title("sum Y")
    terms = [
        " + ".join(f"{X[a, b, c]}*{K[a, b, c]}" for a in range(kh) for b in range(kw))
        for c in range(2)
    ]
    equation = f"Y[0, 0] = {total[0, 0]} = {per[0][0, 0]} + {per[1][0, 0]}"
    fig.supxlabel(f"({terms[0]}) + ({terms[1]})\n{equation}", fontsize=10.5)
    return readable_text(fig), {"per_channel": per, "sum": total, "equation": equation}


def plot_kernel_slices(K, input_names=None, output_names=None, numbers=None):
    """A 4th-order kernel ``K[a, b, c, k]`` as a grid of its slices ``K[:, :, c, k]``.

    Row ``c`` is an input channel, column ``k`` an output channel; each cell
    is the ``k_h x k_w`` slice that cross-correlates input channel ``c`` for
    output channel ``k``. Colour is signed (red positive, blue negative, one
    scale for all slices) and, when the slices are small, every weight is
    written in its cell, so colour is never the only cue.

    Parameters
    ----------
    K : array_like, shape (k_h, k_w, C_in, C_out)
        At most 6 input and 6 output channels.
    input_names, output_names : list of str, optional
        Row and column titles (default ``c = 0``, ``k = 0``, ...).
    numbers : bool, optional
        Write the weights; by default only when they fit their cells: integer
        weights of at most 3 characters, ``k_h <= 3`` and ``k_w C_out <= 12``.

    Returns
    -------
    fig, data
        ``data`` holds ``"slices"``: ``{(c, k): K[:, :, c, k]}``, and ``"numbers"``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> X, K2 = two_channel_example()
    >>> K3 = np.stack([K2, K2 + 1, K2 + 2], axis=-1)        # (2, 2, 2, 3) as in D2L
    >>> fig, data = plot_kernel_slices(K3)
    >>> data["slices"][(1, 2)].tolist()     # input channel 1, output channel 2: K2[:, :, 1] + 2
    [[3.0, 4.0], [5.0, 6.0]]
    >>> plt.close(fig)
    """
    K = as_array(K, "K", 4, layout="(k_h, k_w, C_in, C_out)")
    kh, kw, c_in, c_out = K.shape
    if c_in > 6 or c_out > 6 or kh > 7 or kw > 7:
        raise ValueError(
            f"K must have at most 7 x 7 slices and 6 input and 6 output channels; got shape {K.shape}"
        )
    input_names = [f"c = {c}" for c in range(c_in)] if input_names is None else list(input_names)
    output_names = (
        [f"k = {k}" for k in range(c_out)] if output_names is None else list(output_names)
    )
    if len(input_names) != c_in or len(output_names) != c_out:
        raise ValueError(
            f"input_names and output_names must have {c_in} and {c_out} entries; "
            f"got {len(input_names)} and {len(output_names)}"
        )
    integral = np.array_equal(K, np.round(K))
    texts = np.vectorize(lambda v: f"{v:.0f}" if integral else f"{v:.1f}")(K)
    if numbers is None:  # only where every number fits its cell
        numbers = (
            integral and kh <= 3 and kw * c_out <= 12 and max(len(t) for t in texts.ravel()) <= 3
        )
    m = float(np.abs(K).max()) or 1.0
    height = 0.45 + c_in * 4.0 / max(c_out, 1) * kh / max(kw, 1)
    fig, axes = static_figure(min(max(height, 1.8), 6.0), nrows=c_in, ncols=c_out, squeeze=False)
    from ._static import signed_colorbar

    image = None
    for c in range(c_in):
        for k in range(c_out):
            ax = axes[c, k]
            image = ax.imshow(K[:, :, c, k], cmap="RdBu_r", vmin=-m, vmax=m)
            if numbers:
                for a in range(kh):
                    for b in range(kw):
                        v = K[a, b, c, k]
                        ax.text(
                            b,
                            a,
                            str(texts[a, b, c, k]).replace("-", "\u2212"),
                            ha="center",
                            va="center",
                            fontsize=10.5,
                            color="white" if abs(v) > 0.6 * m else INK,
                        )
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_title(output_names[k], fontsize=10.5)
            if k == 0:
                ax.set_ylabel(input_names[c], fontsize=10.5)
    if float(K.min()) < 0:
        signed_colorbar(fig, image, list(axes.ravel()), shrink=0.8)
    fig.supxlabel(
        f"K[:, :, c, k], shape ({kh}, {kw}, {c_in}, {c_out}): row c = input, column k = output",
        fontsize=10.5,
    )
    slices = {(c, k): K[:, :, c, k] for c in range(c_in) for k in range(c_out)}
    return readable_text(fig), {"slices": slices, "numbers": bool(numbers)}
