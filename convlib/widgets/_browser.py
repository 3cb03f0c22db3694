"""Base class of the chapter explorers that compute their frames in the reader's browser.

An explorer is an :class:`anywidget.AnyWidget`: its state (shift, Delta,
weights, image, ...) lives in synced traitlets, and its JavaScript (package
data in ``convlib/widgets/js/``) recomputes and redraws every frame in the
page. The same widget therefore works with a Python kernel (Jupyter, Colab)
and on the static website, where only the saved widget state exists.

A chapter module declares one subclass per explorer::

    class ShiftExplorer(BrowserExplorer, js="invariance"):
        row_shift = traitlets.Int(0).tag(sync=True)
        ...
        def reference_frame(self):
            return {"response": corr2d(...)}

Its ``_esm`` is ``js/common.js`` (shared helpers) followed by
``js/<js>.js`` (the chapter's view), its ``_css`` is ``js/common.css``.

convlib stays the reference: :meth:`BrowserExplorer.reference_frame`
returns, for the current state, the float64 arrays the page shows (before
colour mapping), computed with convlib. The browser tests compare them with
the numbers the page computed (``el.convlayerFrame``, see ``js/common.js``).

Images travel once per widget as uint8 bytes (:func:`image_to_bytes`), never
as float JSON; both sides use ``u8 / 255`` in float64, so the JavaScript sees
exactly the numbers convlib sees.
"""

from __future__ import annotations

from importlib import resources

import anywidget
import numpy as np
import traitlets

from .._validate import as_array, integer

__all__ = [
    "BrowserExplorer",
    "asset_text",
    "image_to_bytes",
    "image_from_bytes",
    "kernel_array",
    "image_traits",
    "Setting",
    "in_range",
]


def asset_text(name: str) -> str:
    """The text of ``convlib/widgets/js/<name>`` (JavaScript or CSS shipped as package data).

    Examples
    --------
    >>> "corr2dValid" in asset_text("common.js")
    True
    """
    return resources.files("convlib.widgets").joinpath("js", name).read_text(encoding="utf-8")


class BrowserExplorer(anywidget.AnyWidget):
    """A widget whose frames are computed by its JavaScript, in the browser.

    Subclass with ``js="<module>"`` to attach ``js/common.js`` +
    ``js/<module>.js`` as the widget's ES module and ``js/common.css`` as its
    style sheet. Subclasses validate their arguments in ``__init__`` (before
    any state is sent) and implement :meth:`reference_frame`.

    Examples
    --------
    >>> import traitlets
    >>> class Demo(BrowserExplorer, js="invariance"):
    ...     value = traitlets.Int(1).tag(sync=True)
    ...     def reference_frame(self):
    ...         return {"value": np.array([[float(self.value)]])}
    >>> Demo._esm.startswith(asset_text("common.js"))
    True
    >>> Demo(value=3).reference_frame()["value"]
    array([[3.]])
    """

    js_module = None
    """Name of the chapter's JavaScript module in ``js/`` (without ``.js``); set by ``js=``."""

    def __init_subclass__(cls, js: str | None = None, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if js is not None:
            # Set after AnyWidget.__init_subclass__, which would try to read
            # the strings as file names.
            cls.js_module = js
            cls._esm = asset_text("common.js") + "\n" + asset_text(f"{js}.js")
            cls._css = asset_text("common.css")

    def reference_frame(self) -> dict:
        """The float64 arrays the page shows for the current state, computed with convlib.

        Keys are the names under which the JavaScript publishes the same
        numbers (``el.convlayerFrame[name]``).
        """
        raise NotImplementedError(f"{type(self).__name__} must implement reference_frame()")


def image_traits():
    """Two synced traits for an image shipped to the browser: ``(bytes, shape)``.

    Use as ``image, image_shape = image_traits()`` in a class body.
    """
    return traitlets.Bytes(b"").tag(sync=True), traitlets.List(
        traitlets.Int(), default_value=[]
    ).tag(sync=True)


def image_to_bytes(image, name: str = "image", *, channels: bool = False):
    """Check a grey (or RGB) image in [0, 1] and quantise it to uint8 for the browser.

    Floats are mapped with ``floor(255 v + 0.5)``; a uint8 array is taken as
    it is. Returns ``(data, shape)``: the raw bytes (row-major) and the
    shape as a list, ready for the two traits of :func:`image_traits`.

    Parameters
    ----------
    image : array_like
        ``(H, W)``, or ``(H, W, C)`` when ``channels`` is true.
    name : str
        Argument name for error messages.
    channels : bool
        Whether a channel axis is expected.

    Raises
    ------
    TypeError
        If the image is not numeric.
    ValueError
        If it has the wrong number of dimensions, is empty, holds NaN/inf, or
        has float values outside [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> data, shape = image_to_bytes(np.array([[0.0, 0.5, 1.0]]))
    >>> list(data), shape
    ([0, 128, 255], [1, 3])
    >>> image_from_bytes(data, shape)
    array([[0.        , 0.50196078, 1.        ]])
    """
    ndim, layout = (3, "(H, W, C)") if channels else (2, "(H, W)")
    if isinstance(image, np.ndarray) and image.dtype == np.uint8:
        u8 = as_array(image, name, ndim, keep_dtype=True, layout=layout)
    else:
        x = as_array(image, name, ndim, layout=layout).astype(np.float64)
        if not np.isfinite(x).all():
            raise ValueError(f"{name} must hold finite values (no NaN or inf)")
        if x.min() < 0.0 or x.max() > 1.0:
            raise ValueError(
                f"{name} must hold grey levels in [0, 1]; got values in [{x.min():.4g}, {x.max():.4g}]"
            )
        u8 = np.floor(255.0 * x + 0.5).astype(np.uint8)
    return np.ascontiguousarray(u8).tobytes(), [int(n) for n in u8.shape]


def image_from_bytes(data, shape) -> np.ndarray:
    """The float64 image the browser works on: ``uint8 / 255`` (inverse of :func:`image_to_bytes`).

    Examples
    --------
    >>> image_from_bytes(bytes([0, 255]), [1, 2])
    array([[0., 1.]])
    """
    return (
        np.frombuffer(bytes(data), dtype=np.uint8).reshape(tuple(shape)).astype(np.float64) / 255.0
    )


def kernel_array(kernel, name: str = "kernel", max_side: int | None = None) -> np.ndarray:
    """Check a 2-D kernel of finite numbers (at most ``max_side`` per side) and return it as float64.

    Examples
    --------
    >>> kernel_array([[1, -1]])
    array([[ 1., -1.]])
    >>> kernel_array(np.ones((7, 7)), max_side=5)
    Traceback (most recent call last):
    ...
    ValueError: kernel must be at most 5 x 5; got shape (7, 7)
    """
    K = as_array(kernel, name, 2, layout="(k_h, k_w)").astype(np.float64)
    if not np.isfinite(K).all():
        raise ValueError(f"{name} must hold finite numbers (no NaN or inf)")
    if max_side is not None and max(K.shape) > max_side:
        raise ValueError(f"{name} must be at most {max_side} x {max_side}; got shape {K.shape}")
    return K


# ---------------------------------------------------------------------------
# settings: one check per setting, in the constructor and on assignment alike


def in_range(value, name: str, lo: int, hi: int) -> int:
    """``value`` as an int if it is an integer in ``lo..hi`` (the one range check of the explorer and its figures).

    Examples
    --------
    >>> in_range(3, "k", 1, 5)
    3
    >>> in_range(6, "k", 1, 5)
    Traceback (most recent call last):
    ...
    ValueError: k must be an integer in 1..5; got 6
    """
    value = integer(value, name)
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer in {lo}..{hi}; got {value}")
    return value


class Setting(traitlets.TraitType):
    """An explorer setting: no check of its own, so that the explorer's validator is the one check (a wrong type too).

    Declare the setting with it and check it in one ``@traitlets.validate``
    method (usually with :func:`in_range`): the constructor assigns its
    arguments, so they pass the same check as an assignment from Python
    or a change synced from the page, with the same message.
    """

    allow_none = False
    info_text = "an integer in its range"
