"""The colour scale of signed and non-negative maps, shared by the chapters' static figures.

The interactive explorers are anywidgets that compute in the browser; their
base class and image helpers are in :mod:`convlib.widgets._browser`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["signed_style"]


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
