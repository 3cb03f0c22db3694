"""Interactive figures for the chapters (ipywidgets + matplotlib).

Each chapter's widget separates the pure computation of a frame (a function
returning arrays, tested headlessly) from drawing it (artists updated in
place and rendered into an :class:`ipywidgets.Image`).
"""

from ._common import FigureImage, figure_to_png, flipbook, new_figure, rgba_to_png

__all__ = ["FigureImage", "figure_to_png", "flipbook", "new_figure", "rgba_to_png"]
