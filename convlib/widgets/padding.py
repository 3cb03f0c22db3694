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

from .._validate import as_array, integer
from ..correlate import corr2d
from ..shapes import output_shape
from ._browser import BrowserExplorer

__all__ = ["default_grid", "PaddingStrideExplorer", "padding_stride_explorer"]

MAX_PADDING = 3
MAX_STRIDE = 4
MAX_KERNEL = 5


_RANGES = {"p_h": (0, MAX_PADDING), "p_w": (0, MAX_PADDING), "s_h": (1, MAX_STRIDE), "s_w": (1, MAX_STRIDE), "k": (1, MAX_KERNEL)}


def default_grid(H: int = 8, W: int = 8) -> np.ndarray:
    """A small image of the digits 0..9, ``x[i, j] = (i + 2 j) mod 10``, easy to add up by eye.

    Examples
    --------
    >>> default_grid(2, 3).tolist()
    [[0, 2, 4], [1, 3, 5]]
    """
    i, j = np.indices((H, W))
    return (i + 2 * j) % 10


def _in_range(value, name: str, lo: int, hi: int) -> int:
    value = integer(value, name)
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer in {lo}..{hi}; got {value}")
    return value


class PaddingStrideExplorer(BrowserExplorer, js="padding"):
    """Live explorer: padding ``p_h, p_w``, stride ``s_h, s_w``, kernel side ``k`` and one output pixel.

    The page draws the zero-padded input (padding hatched and marked "0"),
    the ``k x k`` window of the selected output pixel, the output map of
    window sums (all-ones kernel) and the output-size formula with the
    current numbers. An output pixel beyond the current output is shown at
    the last row/column (the same clamping in :meth:`selected_pixel`).

    Parameters
    ----------
    image : array_like of int, shape (H, W), optional
        Integers 0..99, at most 12 x 12; :func:`default_grid` (8 x 8) by default.
    p_h, p_w : int
        Zero rows on each side (top and bottom) and columns on each side, ``0..3``.
    s_h, s_w : int
        Strides, ``1..4``.
    k : int
        Kernel side ``k_h = k_w = k``, ``1..5`` (at most the padded image).
    out_row, out_col : int
        Selected output pixel.

    Examples
    --------
    >>> e = PaddingStrideExplorer(p_h=1, p_w=1, s_h=2, s_w=2, k=3)
    >>> e.reference_frame()["shape"]
    array([[4., 4.]])
    >>> e.reference_frame()["output"][0, 0]   # 0 + 2 + 1 + 3 in the 2 x 2 corner, padding adds nothing
    np.float64(6.0)
    """

    p_h = traitlets.Int(0).tag(sync=True)
    p_w = traitlets.Int(0).tag(sync=True)
    s_h = traitlets.Int(1).tag(sync=True)
    s_w = traitlets.Int(1).tag(sync=True)
    k = traitlets.Int(3).tag(sync=True)
    out_row = traitlets.Int(0).tag(sync=True)
    out_col = traitlets.Int(0).tag(sync=True)
    grid = traitlets.List(traitlets.Int()).tag(sync=True)
    grid_shape = traitlets.List(traitlets.Int()).tag(sync=True)

    def __init__(self, image=None, p_h=1, p_w=1, s_h=1, s_w=1, k=3, out_row=0, out_col=0):
        x = default_grid() if image is None else as_array(image, "image", 2, layout="(H, W)")
        if not np.issubdtype(np.asarray(x).dtype, np.integer) and not np.array_equal(x, np.round(x)):
            raise ValueError("image must hold integers")
        x = np.asarray(x).astype(np.int64)
        if x.min() < 0 or x.max() > 99 or max(x.shape) > 12:
            raise ValueError(f"image must be at most 12 x 12 with integers in 0..99; got shape {x.shape}, values {x.min()}..{x.max()}")
        p_h, p_w = (_in_range(v, n, 0, MAX_PADDING) for v, n in ((p_h, "p_h"), (p_w, "p_w")))
        s_h, s_w = (_in_range(v, n, 1, MAX_STRIDE) for v, n in ((s_h, "s_h"), (s_w, "s_w")))
        k = _in_range(k, "k", 1, MAX_KERNEL)
        H, W = x.shape
        if k > H + 2 * p_h or k > W + 2 * p_w:
            raise ValueError(f"k = {k} is larger than the padded {H + 2 * p_h} x {W + 2 * p_w} image")
        rows, cols = output_shape(H, W, k, k, padding=(p_h, p_w), stride=(s_h, s_w))
        out_row, out_col = _in_range(out_row, "out_row", 0, rows - 1), _in_range(out_col, "out_col", 0, cols - 1)
        super().__init__(grid=[int(v) for v in x.ravel()], grid_shape=[H, W], p_h=p_h, p_w=p_w, s_h=s_h, s_w=s_w,
                         k=k, out_row=out_row, out_col=out_col)

    @traitlets.validate("p_h", "p_w", "s_h", "s_w", "k", "out_row", "out_col")
    def _check_range(self, proposal):
        name = proposal["trait"].name
        lo, hi = _RANGES.get(name, (0, None))
        value = integer(proposal["value"], name)
        if value < lo or (hi is not None and value > hi):
            raise ValueError(f"{name} must be an integer in {lo}..{hi if hi is not None else 'the output size - 1'}; got {value}")
        return value

    @property
    def image(self) -> np.ndarray:
        """The image ``x`` as float64 ``(H, W)``."""
        return np.array(self.grid, dtype=np.float64).reshape(self.grid_shape)

    def output_size(self) -> tuple:
        """``(rows, cols)`` of the output for the current settings (:func:`convlib.output_shape`); (0, 0) if k is too large."""
        H, W = self.grid_shape
        if self.k > H + 2 * self.p_h or self.k > W + 2 * self.p_w:
            return (0, 0)
        return output_shape(H, W, self.k, self.k, padding=(self.p_h, self.p_w), stride=(self.s_h, self.s_w))

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
            output = corr2d(self.image, np.ones((k, k)), padding=(self.p_h, self.p_w), stride=(self.s_h, self.s_w))
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
