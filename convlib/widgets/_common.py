"""Building blocks shared by the chapters' static figures (matplotlib, no pyplot state).

The interactive explorers are anywidgets that compute in the browser; their
base class and image helpers are in :mod:`convlib.widgets._browser`.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure

__all__ = ["new_figure", "figure_to_png", "signed_style"]

DEFAULT_DPI = 72


def signed_style(A, percentile: float):
    """Colour map and limits for showing the 2-D map ``A``.

    Signed maps get a diverging map with symmetric limits at the
    ``percentile`` of ``|A|`` (so that a few outliers do not wash out the
    rest; the extreme value for maps of at most 100 pixels); non-negative
    maps get grey between their minimum and maximum.

    Examples
    --------
    >>> import numpy as np
    >>> signed_style(np.array([[-2.0, 1.0]]), 99.0)
    ('RdBu_r', (-2.0, 2.0))
    >>> signed_style(np.array([[0.0, 3.0]]), 99.0)
    ('gray', (0.0, 3.0))
    """
    lo, hi = float(A.min()), float(A.max())
    if lo < -1e-9 * max(1.0, abs(hi)):
        m = float(np.percentile(np.abs(A), percentile)) if A.size > 100 else max(abs(lo), abs(hi))
        m = max(m, 1e-12)
        return "RdBu_r", (-m, m)
    return "gray", (lo, hi if hi > lo else lo + 1e-12)


def new_figure(width: float = 8.0, height: float = 3.0, ncols: int = 1, nrows: int = 1, **subplot_kw):
    """A matplotlib Figure that is not managed by pyplot (no global state, no auto display).

    Returns ``(fig, axes)`` where ``axes`` is a flat list.

    Examples
    --------
    >>> from convlib.widgets import new_figure
    >>> fig, axes = new_figure(6, 2, ncols=3)
    >>> len(axes)
    3
    """
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, subplot_kw=subplot_kw).ravel().tolist()
    return fig, axes


def figure_to_png(fig, dpi: int = DEFAULT_DPI) -> bytes:
    """Render ``fig`` to PNG bytes.

    Examples
    --------
    >>> from convlib.widgets import new_figure, figure_to_png
    >>> fig, (ax,) = new_figure(2, 2)
    >>> figure_to_png(fig)[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
