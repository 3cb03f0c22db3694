"""Static figure of the first-layer filters that :func:`convlib.learned.learned_filters` computes."""

from __future__ import annotations

import numpy as np

from ._static import readable_text, static_figure

__all__ = ["plot_learned_filters", "filter_to_rgb"]


def filter_to_rgb(f) -> np.ndarray:
    """An RGB picture of a signed ``(k_h, k_w, 3)`` filter: 0 is mid-grey, each channel scaled by the largest ``|value|``.

    Examples
    --------
    >>> import numpy as np
    >>> filter_to_rgb(np.array([[[1.0, -1.0, 0.0]]])).tolist()
    [[[1.0, 0.0, 0.5]]]
    """
    f = np.asarray(f, dtype=float)
    scale = float(np.abs(f).max()) or 1.0
    return np.clip(0.5 + 0.5 * f / scale, 0.0, 1.0)


def plot_learned_filters(result, *, columns: int = 8, title=None, labels: bool = True):
    """The learned filters as small RGB tiles (mid-grey = 0), in a grid (pyplot figure).

    Parameters
    ----------
    result : LearnedFilters
        What :func:`convlib.learned.learned_filters` returns.
    columns : int
        Tiles per row.
    title : str, optional
        Figure title; by default the method and the patch size.
    labels : bool
        Write each filter's number (and its share of the variance for PCA) under it.

    Examples
    --------
    >>> import numpy as np, matplotlib.pyplot as plt
    >>> from convlib.learned import LearnedFilters
    >>> fake = LearnedFilters(np.ones((3, 4, 4, 3)) / np.sqrt(48), np.array([0.5, 0.2, 0.1]), "pca", np.zeros((4, 4, 3)))
    >>> fig = plot_learned_filters(fake, columns=3)
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['1: 50%', '2: 20%', '3: 10%']
    >>> plt.close(fig)
    """
    filters = np.asarray(result.filters)
    n, size = filters.shape[0], filters.shape[1]
    columns = max(1, min(int(columns), n))
    rows = -(-n // columns)
    fig, axes = static_figure(0.75 * rows + 0.7, nrows=rows, ncols=columns, squeeze=False)
    for index, ax in enumerate(axes.ravel()):
        ax.set_xticks([])
        ax.set_yticks([])
        if index >= n:
            ax.set_axis_off()
            continue
        ax.imshow(filter_to_rgb(filters[index]), interpolation="nearest")
        if labels:
            percent = 100 * float(result.variance[index])
            share = (
                (f": {percent:.0f}%" if percent >= 9.95 else f": {percent:.1f}%")
                if result.method == "pca"
                else ""
            )
            ax.set_xlabel(f"{index + 1}{share}")
    method = {"pca": "principal components", "ica": "independent components"}.get(
        result.method, result.method
    )
    fig.suptitle(title if title is not None else f"{method} of {size} x {size} RGB patches")
    return readable_text(fig)
