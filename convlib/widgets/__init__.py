"""Interactive figures for the chapters.

Each chapter's explorer is an anywidget (:class:`BrowserExplorer`): Python
holds its state in synced traits, and its JavaScript (``js/``) computes and
draws every frame in the reader's browser, so it works in a live notebook and
on the static website alike. ``reference_frame()`` recomputes what the page
shows with convlib. Static figures are plain matplotlib.
"""

from ._browser import BrowserExplorer
from ._static import use_svg_figures
from .channels import channel_explorer, demo_layer, mix_channels
from .correlation import (
    correlation_steps,
    kernel_playground,
    match_template,
    normalized_cross_correlation,
)
from .invariance import (
    ShiftExplorer,
    dense_weights_from_kernel,
    invariance_explorer,
    reindex_weights,
)
from .locality import (
    LocalityExplorer,
    locality_explorer,
    plot_param_counts,
    plot_stacked_receptive_fields,
)
from .padding import PaddingStrideExplorer, padding_stride_explorer

__all__ = ["BrowserExplorer", "use_svg_figures"]
__all__ += ["dense_weights_from_kernel", "reindex_weights", "ShiftExplorer", "invariance_explorer"]
__all__ += [
    "LocalityExplorer",
    "locality_explorer",
    "plot_param_counts",
    "plot_stacked_receptive_fields",
]
__all__ += [
    "correlation_steps",
    "kernel_playground",
    "match_template",
    "normalized_cross_correlation",
]
__all__ += ["channel_explorer", "demo_layer", "mix_channels"]
__all__ += ["PaddingStrideExplorer", "padding_stride_explorer"]
