"""Interactive figures for the chapters (ipywidgets + matplotlib).

Each chapter's widget separates the pure computation of a frame (a function
returning arrays, tested headlessly) from drawing it (artists updated in
place and rendered into an :class:`ipywidgets.Image`).
"""

from ._common import FigureImage, figure_to_png, flipbook, new_figure, rgba_to_png
from ._static import use_svg_figures
from .invariance import dense_weights_from_kernel, invariance_explorer, invariance_flipbook, reindex_weights
from .locality import locality_explorer, locality_flipbook, plot_param_counts, plot_stacked_receptive_fields
from .correlation import correlation_steps_flipbook, kernel_playground, match_template, normalized_cross_correlation, presets_flipbook
from .channels import channel_mixer_explorer, channels_flipbook, demo_layer, mix_channels

__all__ = ["FigureImage", "figure_to_png", "flipbook", "new_figure", "rgba_to_png", "use_svg_figures"]
__all__ += ["dense_weights_from_kernel", "reindex_weights", "invariance_explorer", "invariance_flipbook"]
__all__ += ["locality_explorer", "locality_flipbook", "plot_param_counts", "plot_stacked_receptive_fields"]
__all__ += ["correlation_steps_flipbook", "kernel_playground", "presets_flipbook", "match_template", "normalized_cross_correlation"]
__all__ += ["channel_mixer_explorer", "channels_flipbook", "demo_layer", "mix_channels"]
