r"""Chapter 4 widgets: channels.

Pure computations (no drawing):

* :func:`small_photo`: the RGB portrait, cropped to a square and block-averaged;
* :data:`MIXER_PRESETS`, :func:`mixer_kernel`, :func:`mix_channels`: a
  ``1 x 1`` convolution from 3 channels to 1, ``h[i, j] = sum_c V[0, 0, c, 0] x[i, j, c]``;
* :func:`demo_layer`: a fixed ``3 x 3`` layer from RGB to six feature maps.

Explorer computed in the reader's browser (``js/channels.js``), with the
functions above as its reference: :class:`ChannelExplorer`
(:func:`channel_explorer`), the 1 x 1 channel mixer and the output
channels of the demo layer.

Static figures: :func:`plot_channels`, :func:`plot_feature_maps`.
"""

from __future__ import annotations

import numpy as np
import traitlets

from .._validate import choice
from ..channels import corr2d_multi_in, corr2d_multi_in_out
from ..images import LUMA, photo
from ..kernels import KERNELS
from ._browser import BrowserExplorer, image_from_bytes, image_to_bytes, image_traits
from ._common import signed_style
from ._static import readable_text, signed_colorbar, static_figure
from .correlation import downsample

__all__ = [
    "small_photo",
    "MIXER_PRESETS",
    "LUMA",
    "mixer_kernel",
    "mix_channels",
    "demo_layer",
    "ChannelExplorer",
    "channel_explorer",
    "plot_channels",
    "plot_feature_maps",
]


MIXER_PRESETS = {
    "luma (grey)": LUMA,
    "mean": (1 / 3, 1 / 3, 1 / 3),
    "red only": (1.0, 0.0, 0.0),
    "green only": (0.0, 1.0, 0.0),
    "blue only": (0.0, 0.0, 1.0),
    "red minus green": (1.0, -1.0, 0.0),
    "blue minus yellow": (-0.5, -0.5, 1.0),
}
"""Weights ``(w_R, w_G, w_B)`` of a 1 x 1 convolution from RGB to one channel."""


def small_photo(max_size: int = 256) -> np.ndarray:
    """The RGB portrait ``(600, 512, 3)`` cropped to its top ``512 x 512`` square and block-averaged to at most ``max_size``.

    Examples
    --------
    >>> small_photo(128).shape
    (128, 128, 3)
    """
    X = photo()
    return downsample(X[: X.shape[1]], max_size)


def mixer_kernel(weights) -> np.ndarray:
    """The ``1 x 1`` kernel ``V`` of shape ``(1, 1, 3, 1)`` with ``V[0, 0, c, 0] = weights[c]``.

    Examples
    --------
    >>> mixer_kernel((1, -1, 0))[0, 0, :, 0]
    array([ 1., -1.,  0.])
    """
    w = np.asarray(weights, dtype=float)
    if w.shape != (3,):
        raise ValueError(f"weights must be three numbers (R, G, B); got shape {w.shape}")
    return w.reshape(1, 1, 3, 1)


def mix_channels(X, weights) -> np.ndarray:
    """A ``1 x 1`` convolution from 3 channels to 1: ``h[i, j] = sum_c w[c] x[i, j, c]``.

    Examples
    --------
    >>> X = np.arange(12.0).reshape(2, 2, 3)
    >>> mix_channels(X, (1, 0, -1)).tolist()
    [[-2.0, -2.0], [-2.0, -2.0]]
    """
    return corr2d_multi_in_out(X, mixer_kernel(weights))[..., 0]


def demo_layer():
    """A fixed ``3 x 3`` convolutional layer from RGB to six channels, and the channels' names.

    Returns ``(V, names)`` with ``V`` of shape ``(3, 3, 3, 6)``, indexed
    ``V[a, b, c, k]``. The first three output channels use only the centre tap
    (they are ``1 x 1`` convolutions in disguise): grey, red minus green, blue
    minus yellow. The last three detect edges: Sobel x and Sobel y applied to the
    grey level (the Sobel kernel times the luma weight of each input channel),
    and Sobel x applied to the red channel alone.

    Examples
    --------
    >>> V, names = demo_layer()
    >>> V.shape, len(names)
    ((3, 3, 3, 6), 6)
    """
    luma = np.array(LUMA)
    sobel_x, sobel_y = KERNELS["sobel x"], KERNELS["sobel y"]
    V = np.zeros((3, 3, 3, 6))
    V[1, 1, :, 0] = luma
    V[1, 1, :, 1] = MIXER_PRESETS["red minus green"]
    V[1, 1, :, 2] = MIXER_PRESETS["blue minus yellow"]
    V[:, :, :, 3] = sobel_x[:, :, None] * luma
    V[:, :, :, 4] = sobel_y[:, :, None] * luma
    V[:, :, 0, 5] = sobel_x
    names = [
        "grey",
        "red - green",
        "blue - yellow",
        "vertical edges",
        "horizontal edges",
        "vertical edges in red",
    ]
    return V, names


# ---------------------------------------------------------------------------
# the explorer: computed in the browser by js/channels.js, convlib is the reference

MIXER_RANGE = 2.0
"""Each mixer weight spans ``-MIXER_RANGE .. MIXER_RANGE`` (no preset starts at an end of the range)."""

CUSTOM = "custom"
"""The mixer's preset name once a weight was edited by hand."""


class ChannelExplorer(BrowserExplorer, js="channels"):
    r"""The RGB photo through a 1 x 1 channel mixer and through a 3 -> 6 layer: computed in the browser.

    Left part, the mixer: ``h[i, j] = sum_c V[0, 0, c, 0] x[i, j, c]`` with
    the three weights ``(w_R, w_G, w_B)`` (:func:`mix_channels`). Right part,
    the multi-output view: output channel ``k`` of :func:`demo_layer`, its
    kernel slices ``V[:, :, c, k]`` and its feature map
    ``h[:, :, k] = sum_c corr2d(x[:, :, c], V[:, :, c, k])``.

    The photo travels once, as uint8 ``(H, W, 3)``; the page works on
    ``u8 / 255``, which is :attr:`input_image`.

    State (synced traits): ``preset`` (a name of :data:`MIXER_PRESETS` or
    ``"custom"``), ``weights`` (three numbers in ``[-2, 2]``, kept exact: the
    luma preset's 0.299 / 0.587 / 0.114) and
    ``channel`` (``k``, 0..5).

    Parameters
    ----------
    preset : str
        Mixer weights to start with.
    channel : int
        Output channel of the demo layer to show.
    max_size : int
        The photo is block-averaged to at most ``max_size`` pixels per side.
    image : array_like, optional
        Another RGB image ``(H, W, 3)`` in [0, 1] (at least 3 x 3) instead of the photo.

    Examples
    --------
    >>> e = ChannelExplorer(preset="luma (grey)", channel=0, max_size=32)
    >>> frame = e.reference_frame()
    >>> frame["mixed"].shape, frame["feature_map"].shape
    ((32, 32), (30, 30))
    >>> bool(np.allclose(frame["mixed"][1:-1, 1:-1], frame["feature_map"]))
    True
    """

    view = traitlets.Unicode("channels").tag(sync=True)
    pixels, pixels_shape = image_traits()
    presets = traitlets.Dict().tag(sync=True)  # name -> (w_R, w_G, w_B)
    preset = traitlets.Unicode("luma (grey)").tag(sync=True)
    weights = traitlets.List(traitlets.Float(), default_value=list(LUMA)).tag(sync=True)
    weight_range = traitlets.Float(MIXER_RANGE).tag(sync=True)
    # demo_layer's V, row-major (3, 3, 3, 6)
    layer = traitlets.List(traitlets.Float()).tag(sync=True)
    layer_shape = traitlets.List(traitlets.Int()).tag(sync=True)
    channel_names = traitlets.List(traitlets.Unicode()).tag(sync=True)
    channel = traitlets.Int(3).tag(sync=True)

    def __init__(
        self,
        preset: str = "luma (grey)",
        channel: int = 3,
        max_size: int = 128,
        image=None,
        **kwargs,
    ):
        choice(preset, "preset", MIXER_PRESETS)
        V, names = demo_layer()
        if (
            isinstance(channel, bool)
            or not hasattr(channel, "__index__")
            or not 0 <= channel < len(names)
        ):
            raise ValueError(
                f"channel must be an output channel of the demo layer, 0..{len(names) - 1}; got {channel!r}"
            )
        if image is None:
            data, shape = image_to_bytes(small_photo(max_size), "image", channels=True)
        else:
            data, shape = image_to_bytes(image, "image", channels=True)
            if shape[2] != 3 or min(shape[:2]) < V.shape[0]:
                raise ValueError(
                    f"image must be an RGB image (H, W, 3) of at least 3 x 3 pixels; got shape {tuple(shape)}"
                )
        super().__init__(
            pixels=data,
            pixels_shape=shape,
            presets={name: list(w) for name, w in MIXER_PRESETS.items()},
            preset=preset,
            weights=list(MIXER_PRESETS[preset]),
            layer=[float(v) for v in V.ravel()],
            layer_shape=list(V.shape),
            channel_names=names,
            channel=int(channel),
            **kwargs,
        )

    @traitlets.observe("preset")
    def _load_preset(self, change) -> None:
        """A preset chosen from Python (the page sets the weights itself) sets the weights."""
        if change["new"] in MIXER_PRESETS:
            self.weights = list(MIXER_PRESETS[change["new"]])

    @property
    def input_image(self) -> np.ndarray:
        """The RGB image the page works on (float64 ``(H, W, 3)``, ``u8 / 255``)."""
        return image_from_bytes(self.pixels, self.pixels_shape)

    @property
    def kernel(self) -> np.ndarray:
        """The mixer's ``1 x 1`` kernel ``V`` of shape ``(1, 1, 3, 1)``."""
        return mixer_kernel(self.weights)

    def reference_frame(self) -> dict:
        """The mixer output, kernel ``k`` as ``(h w, C_in)`` and feature map ``k``, from convlib."""
        X = self.input_image
        V = np.array(self.layer).reshape(self.layer_shape)
        k = int(self.channel)
        return {
            "mixed": mix_channels(X, self.weights),
            "kernel": V[:, :, :, k].reshape(
                -1, V.shape[2]
            ),  # rows (a, b) row-major, columns c, as the page's tables
            "feature_map": corr2d_multi_in(X, V[:, :, :, k]),
        }


def channel_explorer(
    preset: str = "luma (grey)", channel: int = 3, max_size: int = 128
) -> ChannelExplorer:
    """The chapter's channel explorer; display the returned widget.

    Examples
    --------
    >>> e = channel_explorer(preset="blue only", max_size=16)
    >>> e.kernel[0, 0, :, 0].tolist(), e.channel_names[e.channel]
    ([0.0, 0.0, 1.0], 'vertical edges')
    """
    return ChannelExplorer(preset=preset, channel=channel, max_size=max_size)


def _signed_style(A):
    """Colour map and limits of a feature map: symmetric at the 99th percentile of ``|A|`` when signed."""
    return signed_style(A, 99.0)


# ---------------------------------------------------------------------------
# static figures


def plot_channels(X):
    """The RGB image and its three channels ``x[:, :, c]`` as grey images, in a 2 x 2 grid (pyplot figure).

    Examples
    --------
    >>> import numpy as np, matplotlib.pyplot as plt
    >>> fig = plot_channels(np.zeros((4, 4, 3)))
    >>> [ax.get_title() for ax in fig.axes]
    ['x, shape (4, 4, 3)', 'x[:, :, 0] (red)', 'x[:, :, 1] (green)', 'x[:, :, 2] (blue)']
    >>> plt.close(fig)
    """
    fig, axes = static_figure(5.0, nrows=2, ncols=2)
    axes = axes.ravel()
    axes[0].imshow(np.clip(X, 0, 1), interpolation="none")
    axes[0].set_title(f"x, shape {X.shape}")
    for c, (ax, name) in enumerate(zip(axes[1:], ("red", "green", "blue"), strict=True)):
        ax.imshow(X[:, :, c], cmap="gray", vmin=0, vmax=1, interpolation="none")
        ax.set_title(f"x[:, :, {c}] ({name})")
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])
    return readable_text(fig)


def plot_feature_maps(maps, names):
    """Every output channel ``h[:, :, k]`` of a layer, two a row, each with its colour bar (pyplot figure).

    Signed maps use a diverging colour map whose colour bar writes the sign
    at its ends.

    Examples
    --------
    >>> import numpy as np, matplotlib.pyplot as plt
    >>> fig = plot_feature_maps(np.stack([np.ones((4, 4)), -np.eye(4)], axis=-1), ["ones", "minus eye"])
    >>> [ax.get_title() for ax in fig.axes[:2]]
    ['k = 0\\nones', 'k = 1\\nminus eye']
    >>> plt.close(fig)
    """
    k = maps.shape[-1]
    rows = (k + 1) // 2
    fig, axes = static_figure(2.6 * rows, nrows=rows, ncols=2, squeeze=False)
    axes = axes.ravel()
    for idx, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if idx >= k:
            ax.set_visible(False)
            continue
        cmap, clim = _signed_style(maps[:, :, idx])
        im = ax.imshow(maps[:, :, idx], cmap=cmap, vmin=clim[0], vmax=clim[1], interpolation="none")
        ax.set_title(f"k = {idx}\n{names[idx]}")
        signed_colorbar(fig, im, ax, shrink=0.9)
    return readable_text(fig)
