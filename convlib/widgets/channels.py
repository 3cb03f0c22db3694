r"""Chapter 4 widgets: channels.

Pure computations (no matplotlib):

* :func:`small_photo`: the RGB portrait, cropped to a square and block-averaged;
* :data:`MIXER_PRESETS`, :func:`mixer_kernel`, :func:`mix_channels`: a
  ``1 x 1`` convolution from 3 channels to 1, ``h[i, j] = sum_c V[0, 0, c, 0] x[i, j, c]``;
* :func:`demo_layer`: a fixed ``3 x 3`` layer from RGB to six feature maps;
* :func:`mixer_frame` and :func:`layer_frame`: what the explorer shows.

Drawing:

* :func:`channel_mixer_explorer` / :class:`ChannelMixer`: live explorer;
* :func:`channels_flipbook`: kernel-free slider over the demo layer's output channels;
* :func:`plot_channels`, :func:`plot_feature_maps`: static figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from ..channels import corr2d_multi_in_out
from ..images import photo
from ..kernels import KERNELS
from .._validate import choice
from ._common import KERNEL_CAPTION, FigureImage, compact_png, figure_to_png, flipbook, new_figure, signed_style
from ._static import readable_text, signed_colorbar, static_figure
from .correlation import downsample

__all__ = [
    "small_photo",
    "MIXER_PRESETS",
    "LUMA",
    "mixer_kernel",
    "mix_channels",
    "demo_layer",
    "MixerFrame",
    "mixer_frame",
    "LayerFrame",
    "layer_frame",
    "ChannelFigure",
    "ChannelMixer",
    "channel_mixer_explorer",
    "channels_flipbook",
    "plot_channels",
    "plot_feature_maps",
]

LUMA = (0.299, 0.587, 0.114)
"""ITU-R 601 luma weights of R, G, B: the grey level people perceive."""

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

CHANNEL_NAMES = ("R", "G", "B")

CAPTION = KERNEL_CAPTION


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
    names = ["grey", "red - green", "blue - yellow", "vertical edges", "horizontal edges", "vertical edges in red"]
    return V, names


# ---------------------------------------------------------------------------
# frames


@dataclass
class MixerFrame:
    """One setting of the 1 x 1 channel mixer."""

    weights: tuple
    kernel: np.ndarray  # (1, 1, 3, 1)
    output: np.ndarray  # (H, W)


def mixer_frame(X, weights) -> MixerFrame:
    """Mix the channels of ``X`` with ``weights``.

    Examples
    --------
    >>> f = mixer_frame(np.ones((2, 3, 3)), (0.5, 0.25, 0.25))
    >>> f.weights, f.kernel.shape, f.output.tolist()
    ((0.5, 0.25, 0.25), (1, 1, 3, 1), [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    """
    V = mixer_kernel(weights)
    return MixerFrame(tuple(float(w) for w in weights), V, corr2d_multi_in_out(X, V)[..., 0])


@dataclass
class LayerFrame:
    """Output channel ``k`` of a multi-output layer."""

    k: int
    name: str
    kernel: np.ndarray  # V[:, :, :, k], shape (h, w, C_in)
    feature_map: np.ndarray  # h[:, :, k]


def layer_frame(maps, V, names, k: int) -> LayerFrame:
    """Select output channel ``k``: its kernel slice ``V[:, :, :, k]`` and its feature map ``maps[:, :, k]``.

    Examples
    --------
    >>> V, names = demo_layer()
    >>> f = layer_frame(np.zeros((4, 4, 6)), V, names, 3)
    >>> f.name, f.kernel.shape, f.feature_map.shape
    ('vertical edges', (3, 3, 3), (4, 4))
    """
    if not 0 <= k < V.shape[3]:
        raise ValueError(f"k must be in 0..{V.shape[3] - 1}; got {k}")
    return LayerFrame(int(k), names[k], V[:, :, :, k], maps[:, :, k])


# ---------------------------------------------------------------------------
# drawing


def _signed_style(A):
    """Colour map and limits of a feature map: symmetric at the 99th percentile of ``|A|`` when signed."""
    return signed_style(A, 99.0)


def _kernel_strip(K3) -> np.ndarray:
    """``V[:, :, c]`` for c = R, G, B side by side, separated by a NaN column: shape ``(h, 3 w + 2)``."""
    h, w, c = K3.shape
    strip = np.full((h, c * w + c - 1), np.nan)
    for ch in range(c):
        strip[:, ch * (w + 1) : ch * (w + 1) + w] = K3[:, :, ch]
    return strip


class ChannelFigure:
    """Input photo, optionally the mixer output, the kernel slice ``V[:, :, c, k]`` and the feature map ``h[:, :, k]``.

    Artists are created once; :meth:`draw_mixer` and :meth:`draw_layer` update them in place.
    ``numbers`` writes the weights into the kernel panel (text is slow to
    redraw, so the live explorer shows them in its readout instead).
    """

    def __init__(self, X, layer: LayerFrame, mixer: MixerFrame | None = None, numbers: bool = True):
        ncols = 4 if mixer is not None else 3
        fig, axes = new_figure(8, 2.6, ncols=ncols)
        self.fig = fig
        ax_x = axes[0]
        ax_x.imshow(np.clip(X, 0, 1))
        ax_x.set_title("input $x$ (RGB)")
        self.animated = []
        if mixer is not None:
            ax_m = axes[1]
            self._im_m = ax_m.imshow(mixer.output, cmap="gray")
            self._m_title = ax_m.set_title("")
            self.animated += [self._im_m, self._m_title]
        ax_k, ax_h = axes[-2], axes[-1]
        h, w, _ = layer.kernel.shape
        strip = _kernel_strip(layer.kernel)
        self._im_k = ax_k.imshow(strip, cmap="RdBu_r", vmin=-1, vmax=1)
        self._k_texts = []
        if numbers:
            for (r, col), v in np.ndenumerate(strip):
                if not np.isnan(v):
                    self._k_texts.append(((r, col), ax_k.text(col, r, "", ha="center", va="center", fontsize=7)))
        ax_k.set_xticks([ch * (w + 1) + (w - 1) / 2 for ch in range(3)], [f"c = {n}" for n in CHANNEL_NAMES])
        ax_k.set_yticks([])
        self._k_title = ax_k.set_title("")
        self._im_h = ax_h.imshow(layer.feature_map, cmap="gray")
        self._h_title = ax_h.set_title("")
        for ax in axes:
            if ax is not ax_k:
                ax.set_xticks([])
                ax.set_yticks([])
        self.animated += [self._im_k, self._k_title, self._im_h, self._h_title, *(t for _, t in self._k_texts)]
        if mixer is not None:
            self.draw_mixer(mixer)
        self.draw_layer(layer)

    def draw_mixer(self, f: MixerFrame) -> None:
        cmap, clim = _signed_style(f.output)
        self._im_m.set_data(f.output)
        self._im_m.set_cmap(cmap)
        self._im_m.set_clim(*clim)
        wr, wg, wb = f.weights
        self._m_title.set_text(f"1x1: {wr:.2f}R {wg:+.2f}G {wb:+.2f}B")

    def draw_layer(self, f: LayerFrame) -> None:
        strip = _kernel_strip(f.kernel)
        m = max(float(np.nanmax(np.abs(strip))), 1e-12)
        self._im_k.set_data(strip)
        self._im_k.set_clim(-1.5 * m, 1.5 * m)
        for rc, t in self._k_texts:
            t.set_text("" if strip[rc] == 0 else f"{strip[rc]:.2g}")
        self._k_title.set_text(f"V[a, b, c, {f.k}]")
        cmap, clim = _signed_style(f.feature_map)
        self._im_h.set_data(f.feature_map)
        self._im_h.set_cmap(cmap)
        self._im_h.set_clim(*clim)
        self._h_title.set_text(f"h[:, :, {f.k}]: {f.name}")


class ChannelMixer:
    """Live explorer: a 1 x 1 channel mixer (three weight sliders, presets) and the output channels of a 3 -> 6 layer.

    Attributes
    ----------
    controls : dict
        ``"R"``, ``"G"``, ``"B"`` (FloatSliders), ``"preset"`` (Dropdown) and
        ``"channel"`` (Dropdown over the demo layer's output channels).
    frame : tuple (MixerFrame, LayerFrame)
    view : FigureImage
    widget : ipywidgets.VBox
    """

    def __init__(self, preset: str = "red minus green", channel: int = 3, max_size: int = 256):
        choice(preset, "preset", MIXER_PRESETS)
        self.V, self.names = demo_layer()
        if isinstance(channel, bool) or not hasattr(channel, "__index__") or not 0 <= channel < len(self.names):
            raise ValueError(f"channel must be an output channel of the demo layer, 0..{len(self.names) - 1}; got {channel!r}")
        self.X = small_photo(max_size)
        self.maps = corr2d_multi_in_out(self.X, self.V)  # every output channel, once
        self._busy = False
        c = {}
        for name, w in zip(CHANNEL_NAMES, MIXER_PRESETS[preset], strict=True):
            c[name] = widgets.FloatSlider(
                value=w, min=-1.0, max=1.0, step=0.01, description=f"w_{name}", readout_format=".2f", continuous_update=True
            )
        c["preset"] = widgets.Dropdown(options=list(MIXER_PRESETS), value=preset, description="preset")
        c["channel"] = widgets.Dropdown(
            options=[(f"{k}: {n}", k) for k, n in enumerate(self.names)], value=channel, description="output k"
        )
        self.controls = c
        self.frame = (mixer_frame(self.X, self.weights()), layer_frame(self.maps, self.V, self.names, channel))
        self.figure = ChannelFigure(self.X, self.frame[1], self.frame[0], numbers=False)
        self.view = FigureImage(self.figure.fig, animated=self.figure.animated)
        self.readout = widgets.HTML()
        self._update_readout()
        for name in CHANNEL_NAMES:
            c[name].observe(self._on_weight, names="value")
        c["preset"].observe(self._on_preset, names="value")
        c["channel"].observe(self._on_channel, names="value")
        mixer_box = widgets.VBox([widgets.HTML("<b>1&times;1 channel mixer</b>"), c["preset"], c["R"], c["G"], c["B"]])
        layer_box = widgets.VBox([widgets.HTML("<b>3&rarr;6 layer, 3&times;3 kernels</b>"), c["channel"]])
        self.widget = widgets.VBox([widgets.HBox([mixer_box, layer_box]), self.view.image, self.readout, widgets.HTML(CAPTION)])

    def weights(self) -> tuple:
        """The mixer weights ``(w_R, w_G, w_B)`` set on the sliders."""
        return tuple(self.controls[n].value for n in CHANNEL_NAMES)

    def _on_weight(self, change) -> None:
        if self._busy:
            return
        self.update_mixer()

    def _on_preset(self, change) -> None:
        self._busy = True
        try:
            for name, w in zip(CHANNEL_NAMES, MIXER_PRESETS[change["new"]], strict=True):
                self.controls[name].value = w
        finally:
            self._busy = False
        self.update_mixer()

    def _on_channel(self, change) -> None:
        self.frame = (self.frame[0], layer_frame(self.maps, self.V, self.names, change["new"]))
        self.figure.draw_layer(self.frame[1])
        self.view.refresh()
        self._update_readout()

    def update_mixer(self) -> None:
        """Recompute the mixer output from the sliders and redraw."""
        self.frame = (mixer_frame(self.X, self.weights()), self.frame[1])
        self.figure.draw_mixer(self.frame[0])
        self.view.refresh()
        self._update_readout()

    def _update_readout(self) -> None:
        m, lf = self.frame
        wr, wg, wb = m.weights
        tables = []
        for c, name in enumerate(CHANNEL_NAMES):
            rows = "".join(
                "<tr>" + "".join(f"<td style='padding:0 4px;text-align:right'>{v:.3g}</td>" for v in row) + "</tr>"
                for row in lf.kernel[:, :, c]
            )
            tables.append(f"<td style='padding-right:1em'><i>c</i> = {name}<table>{rows}</table></td>")
        self.readout.value = (
            f"mixer: <i>h</i>[<i>i</i>, <i>j</i>] = {wr:.2f}&middot;<i>x</i>[<i>i</i>, <i>j</i>, R] "
            f"{wg:+.2f}&middot;<i>x</i>[<i>i</i>, <i>j</i>, G] {wb:+.2f}&middot;<i>x</i>[<i>i</i>, <i>j</i>, B] "
            f"(kernel shape {m.kernel.shape}).<br>"
            f"layer: kernel shape {self.V.shape}, feature maps {self.maps.shape}; "
            f"weights <i>V</i>[<i>a</i>, <i>b</i>, <i>c</i>, {lf.k}] of output channel {lf.k} ({lf.name}):"
            f"<table><tr>{''.join(tables)}</tr></table>"
        )


def channel_mixer_explorer(preset: str = "red minus green", channel: int = 3, max_size: int = 256) -> ChannelMixer:
    """The chapter's live explorer; display ``channel_mixer_explorer().widget``.

    Examples
    --------
    >>> e = channel_mixer_explorer(preset="luma (grey)", max_size=64)
    >>> e.weights(), e.frame[0].output.shape
    ((0.299, 0.587, 0.114), (64, 64))
    >>> e.controls["channel"].value = 0
    >>> e.frame[1].name
    'grey'
    """
    return ChannelMixer(preset=preset, channel=channel, max_size=max_size)


def channels_flipbook(max_size: int = 128):
    """Kernel-free slider over the output channels of :func:`demo_layer` applied to the photo.

    Each frame: the input, the kernel slice ``V[:, :, c, k]`` for the three
    input channels, and the feature map ``h[:, :, k]``.

    Examples
    --------
    >>> book = channels_flipbook(max_size=32)
    >>> book.children[0].options[:2]
    ('0: grey', '1: red - green')
    """
    X = small_photo(max_size)
    V, names = demo_layer()
    maps = corr2d_multi_in_out(X, V)
    fig = None
    frames = []
    for k in range(V.shape[3]):
        lf = layer_frame(maps, V, names, k)
        if fig is None:
            fig = ChannelFigure(X, lf)
        else:
            fig.draw_layer(lf)
        frames.append(compact_png(figure_to_png(fig.fig)))
    return flipbook(
        frames,
        [f"{k}: {n}" for k, n in enumerate(names)],
        description="output channel k",
        caption="<small>One 3&times;3&times;3 kernel slice per output channel; red weights are positive, blue negative.</small>",
    )


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
