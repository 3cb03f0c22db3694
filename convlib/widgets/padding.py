r"""Padding and stride explorer: zero rows/columns around the image, a step between windows.

With ``p_h`` zero rows above and below, ``p_w`` zero columns left and right
and strides ``(s_h, s_w)``, a ``k x k`` kernel on an ``H x W`` image gives

.. math:: \left\lfloor \frac{H - k + 2 p_h + s_h}{s_h} \right\rfloor \times
          \left\lfloor \frac{W - k + 2 p_w + s_w}{s_w} \right\rfloor

outputs, each one ``k^2`` multiply-adds. :class:`PaddingStrideExplorer`
computes every frame in the browser (``js/padding.js``) on a small image of
integers with an all-ones kernel, so each output is the plain sum of its
window; :meth:`PaddingStrideExplorer.reference_frame` recomputes the same
numbers with :func:`convlib.corr2d` and :func:`convlib.output_shape`.
"""

from __future__ import annotations

import numpy as np
import traitlets

from .._validate import as_array
from ..correlate import corr2d
from ..shapes import output_size
from ._browser import BrowserExplorer, Setting, in_range

__all__ = ["default_grid", "PaddingStrideExplorer", "padding_stride_explorer"]

MAX_PADDING = 3
MAX_STRIDE = 4
MAX_KERNEL = 5

SETTINGS = {
    "p_h": (0, MAX_PADDING),
    "p_w": (0, MAX_PADDING),
    "s_h": (1, MAX_STRIDE),
    "s_w": (1, MAX_STRIDE),
    "k": (1, MAX_KERNEL),
}
"""The range of every setting but the output pixel (whose range depends on the image, see :meth:`PaddingStrideExplorer.ranges`)."""


def default_grid(H: int = 8, W: int = 8) -> np.ndarray:
    """A small image of the digits 0..9, ``x[i, j] = (i + 2 j) mod 10``, easy to add up by eye.

    Examples
    --------
    >>> default_grid(2, 3).tolist()
    [[0, 2, 4], [1, 3, 5]]
    """
    i, j = np.indices((H, W))
    return (i + 2 * j) % 10


def _lengths(n: int) -> list:
    """``table[p][s - 1][k - 1]``: output length along an axis of ``n`` pixels for every setting (0: no window fits)."""
    table = []
    for p in range(MAX_PADDING + 1):
        table.append([])
        for s in range(1, MAX_STRIDE + 1):
            row = []
            for k in range(1, MAX_KERNEL + 1):
                try:
                    row.append(output_size(n, k, padding=p, stride=s))
                except (
                    ValueError
                ):  # the kernel does not fit the padded axis: the page shows an empty output
                    row.append(0)
            table[-1].append(row)
    return table


class PaddingStrideExplorer(BrowserExplorer, js="padding"):
    """Live explorer: padding ``p_h, p_w``, stride ``s_h, s_w``, kernel side ``k`` and one output pixel.

    The page draws the zero-padded input (padding hatched and marked "0"),
    the ``k x k`` window of the selected output pixel, the output map of
    window sums (all-ones kernel) and the output-size formula with the
    current numbers.

    One rule for every setting, in the constructor and on assignment alike
    (a traitlets validator; the page's sliders get the same ranges from the
    synced ``ranges`` trait): each setting is an integer in its own range,
    independent of the others, and anything else raises ``ValueError`` (or
    ``TypeError``) naming it. Combinations are never refused, so the settings
    can be changed in any order: a kernel larger than the padded image gives
    an empty output, and an output pixel beyond the current output is shown
    at the last row/column (:meth:`selected_pixel`). The output lengths the
    page uses come from :func:`convlib.output_size` through the synced
    ``output_lengths`` trait.

    Parameters
    ----------
    image : array_like of int, shape (H, W), optional
        Integers 0..99, at most 12 x 12; :func:`default_grid` (8 x 8) by default.
    p_h, p_w : int
        Zero rows on each side (top and bottom) and columns on each side, ``0..3``.
    s_h, s_w : int
        Strides, ``1..4``.
    k : int
        Kernel side ``k_h = k_w = k``, ``1..5``.
    out_row, out_col : int
        Selected output pixel, ``0..H + 5`` and ``0..W + 5`` (the last row and
        column of the largest output, ``k = 1`` with padding 3).

    Examples
    --------
    >>> e = PaddingStrideExplorer(p_h=1, p_w=1, s_h=2, s_w=2, k=3)
    >>> e.reference_frame()["shape"]
    array([[4., 4.]])
    >>> e.reference_frame()["output"][0, 0]   # 0 + 2 + 1 + 3 in the 2 x 2 corner, padding adds nothing
    np.float64(6.0)
    >>> e.ranges["out_row"], e.output_lengths["rows"][1][1][2]   # rows for p_h = 1, s_h = 2, k = 3
    ([0, 13], 4)
    """

    p_h = Setting(0).tag(sync=True)
    p_w = Setting(0).tag(sync=True)
    s_h = Setting(1).tag(sync=True)
    s_w = Setting(1).tag(sync=True)
    k = Setting(3).tag(sync=True)
    out_row = Setting(0).tag(sync=True)
    out_col = Setting(0).tag(sync=True)
    grid = traitlets.List(traitlets.Int()).tag(sync=True)
    grid_shape = traitlets.List(traitlets.Int()).tag(sync=True)
    ranges = traitlets.Dict().tag(sync=True)
    """``{setting: [lo, hi]}``: what the validator accepts and the page's sliders span."""
    output_lengths = traitlets.Dict().tag(sync=True)
    """``{"rows": table, "cols": table}`` with ``table[p][s - 1][k - 1]`` from :func:`convlib.output_size` (0: no window fits)."""

    def __init__(self, image=None, p_h=1, p_w=1, s_h=1, s_w=1, k=3, out_row=0, out_col=0):
        x = default_grid() if image is None else as_array(image, "image", 2, layout="(H, W)")
        if not np.issubdtype(np.asarray(x).dtype, np.integer) and not np.array_equal(
            x, np.round(x)
        ):
            raise ValueError("image must hold integers")
        x = np.asarray(x).astype(np.int64)
        if x.min() < 0 or x.max() > 99 or max(x.shape) > 12:
            raise ValueError(
                f"image must be at most 12 x 12 with integers in 0..99; got shape {x.shape}, values {x.min()}..{x.max()}"
            )
        H, W = x.shape
        ranges = {name: list(bounds) for name, bounds in SETTINGS.items()}
        ranges["out_row"], ranges["out_col"] = (
            [0, H + 2 * MAX_PADDING - 1],
            [0, W + 2 * MAX_PADDING - 1],
        )
        super().__init__(
            grid=[int(v) for v in x.ravel()],
            grid_shape=[H, W],
            ranges=ranges,
            output_lengths={"rows": _lengths(H), "cols": _lengths(W)},
        )
        # the settings go through the validator below, as an assignment does
        with self.hold_trait_notifications():
            self.p_h, self.p_w, self.s_h, self.s_w, self.k, self.out_row, self.out_col = (
                p_h,
                p_w,
                s_h,
                s_w,
                k,
                out_row,
                out_col,
            )

    @traitlets.validate("p_h", "p_w", "s_h", "s_w", "k", "out_row", "out_col")
    def _check_range(self, proposal):
        name = proposal["trait"].name
        return in_range(proposal["value"], name, *self.ranges[name])

    @property
    def image(self) -> np.ndarray:
        """The image ``x`` as float64 ``(H, W)``."""
        return np.array(self.grid, dtype=np.float64).reshape(self.grid_shape)

    def output_size(self) -> tuple:
        """``(rows, cols)`` of the output for the current settings (:func:`convlib.output_size`); (0, 0) if k is too large."""
        rows = self.output_lengths["rows"][self.p_h][self.s_h - 1][self.k - 1]
        cols = self.output_lengths["cols"][self.p_w][self.s_w - 1][self.k - 1]
        return (0, 0) if rows == 0 or cols == 0 else (rows, cols)

    def selected_pixel(self) -> tuple:
        """The output pixel shown: ``(out_row, out_col)`` clamped to the current output."""
        rows, cols = self.output_size()
        return (min(self.out_row, max(rows - 1, 0)), min(self.out_col, max(cols - 1, 0)))

    def reference_frame(self) -> dict:
        """What the page shows: output map, its shape, the multiply-add count and the window in padded coordinates.

        The window of output ``(i, j)`` covers padded rows ``i s_h .. i s_h + k - 1``
        and columns ``j s_w .. j s_w + k - 1``.
        """
        rows, cols = self.output_size()
        k = self.k
        if rows == 0:
            output = np.zeros((0, 0))
        else:
            output = corr2d(
                self.image,
                np.ones((k, k)),
                padding=(self.p_h, self.p_w),
                stride=(self.s_h, self.s_w),
            )
        i, j = self.selected_pixel()
        top, left = i * self.s_h, j * self.s_w
        return {
            "output": output,
            "shape": np.array([[rows, cols]], dtype=float),
            "madds": np.array([[rows * cols * k * k]], dtype=float),
            "window": np.array([[top, left, top + k - 1, left + k - 1]], dtype=float),
        }


def padding_stride_explorer(**settings) -> PaddingStrideExplorer:
    """The chapter's explorer (display the returned widget); keyword arguments as :class:`PaddingStrideExplorer`.

    Examples
    --------
    >>> padding_stride_explorer(p_h=0, p_w=0, k=3).output_size()
    (6, 6)
    """
    return PaddingStrideExplorer(**settings)
