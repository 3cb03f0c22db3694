r"""A minimal convolutional layer that can learn its kernel by gradient descent.

Forward pass (cross-correlation of the padded input ``x_pad``, every
``s_h``-th row and ``s_w``-th column, taps ``d_h`` rows and ``d_w`` columns
apart, plus a bias per output channel):

.. math:: Y[i, j, k] = u[k] + \sum_{a, b} \sum_c K[a, b, c, k] \, x_{pad}[i s_h + a d_h, j s_w + b d_w, c]

For a loss :math:`L` with upstream gradient :math:`G = \partial L / \partial Y`,

.. math::
    \frac{\partial L}{\partial K[a, b, c, k]} = \sum_{n, i, j} G[n, i, j, k] \, x_{pad}[n, i s_h + a d_h, j s_w + b d_w, c],
    \qquad
    \frac{\partial L}{\partial u[k]} = \sum_{n, i, j} G[n, i, j, k],

and each input pixel collects the weights it was multiplied with,
:math:`\partial L / \partial x_{pad}[n, i s_h + a d_h, j s_w + b d_w, c] \mathrel{+}= \sum_k G[n, i, j, k] \, K[a, b, c, k]`.
So with stride 1 the weight gradient is itself a cross-correlation: of the
input with the upstream gradient; and the input gradient is a *full*
cross-correlation of the upstream gradient (dilated by the stride) with the
flipped kernel, :func:`convlib.conv_transpose2d`. With a padding mode other
than zeros, each padded pixel's gradient goes back to the pixel it copies.
"""

from __future__ import annotations

import numpy as np

from ._validate import (
    as_array,
    check_channels,
    check_padding_mode,
    check_size,
    flag,
    float_dtype,
    int_pair,
    non_negative_int,
    positive_int,
    real_number,
)
from .channels import _multi
from .padding import _check_mode_fits, _mode_pad, _pad_adjoint
from .shapes import conv_geometry

__all__ = ["Conv2D"]


class Conv2D:
    r"""Convolutional layer with weight ``K`` of shape ``(k_h, k_w, C_in, C_out)`` and a bias ``u[k]`` per output channel.

    Inputs may be ``(H, W)`` (one channel), ``(H, W, C_in)`` or
    ``(N, H, W, C_in)``; the output has the matching layout, ``(H', W')``
    when the input was 2-D and ``C_out == 1``. The output is the ``"valid"``
    cross-correlation of the zero-padded input with stride ``(s_h, s_w)``, so
    ``H' = floor((H + 2 p_h - d_h (k_h - 1) - 1) / s_h) + 1`` (see
    :func:`convlib.output_shape`), PyTorch's ``nn.Conv2d`` semantics.

    Parameters
    ----------
    kernel_size : int or (int, int)
        ``k_h`` and ``k_w`` (an int means a square kernel).
    in_channels, out_channels : int
        ``C_in`` and ``C_out``.
    padding : int or (int, int)
        Zero rows ``p_h`` above and below, zero columns ``p_w`` left and right.
    stride : int or (int, int)
        Step ``(s_h, s_w)`` of the window between neighbouring outputs.
    dilation : int or (int, int)
        Spacing ``(d_h, d_w)`` between the kernel's taps.
    padding_mode : {"zeros", "reflect", "replicate", "circular"}
        How the padding is filled (PyTorch's names, see :func:`convlib.pad2d`).
    seed : int or None
        Seed of the random initial weights (normal, std ``1 / sqrt(k_h*k_w*C_in)``).
    dtype : {numpy.float64, numpy.float32}
        Dtype of the parameters.

    Attributes
    ----------
    weight : numpy.ndarray, shape (k_h, k_w, C_in, C_out)
    bias : numpy.ndarray, shape (C_out,)
    padding, stride, dilation : tuple of int
        ``(p_h, p_w)``, ``(s_h, s_w)`` and ``(d_h, d_w)``.
    padding_mode : str
    grad_weight, grad_bias : numpy.ndarray or None
        Set by :meth:`backward`.

    Raises
    ------
    ValueError, TypeError
        Naming the argument, for anything but the types and values above
        (and for a kernel with more than 2**28 weights).

    Examples
    --------
    Learn D2L's vertical-edge kernel ``[1, -1]`` from an image and its edge map:

    >>> import numpy as np
    >>> from convlib import Conv2D, corr2d
    >>> X = np.ones((6, 8)); X[:, 2:6] = 0
    >>> Y = corr2d(X, np.array([[1.0, -1.0]]))
    >>> layer = Conv2D((1, 2), seed=0)
    >>> losses = layer.fit(X, Y, lr=0.03, steps=200)
    >>> np.round(layer.weight[:, :, 0, 0], 2)
    array([[ 1., -1.]])
    >>> losses[-1] < 1e-6
    True

    Padding keeps the size, a stride of 2 halves it (D2L 7.3):

    >>> Conv2D(3, padding=1)(np.ones((8, 8))).shape
    (8, 8)
    >>> Conv2D(3, padding=1, stride=2)(np.ones((8, 8))).shape
    (4, 4)

    Dilation 2 spreads the 3 x 3 taps over 5 x 5 pixels; the input gradient
    is the transposed convolution of the output gradient:

    >>> from convlib import conv_transpose2d
    >>> layer = Conv2D(3, dilation=2, seed=0)
    >>> Y = layer(np.ones((8, 8)))
    >>> Y.shape
    (4, 4)
    >>> bool(np.allclose(layer.backward(np.ones((4, 4))), conv_transpose2d(np.ones((4, 4)), layer.weight[:, :, 0, 0], dilation=2)))
    True
    """

    def __init__(
        self,
        kernel_size,
        in_channels: int = 1,
        out_channels: int = 1,
        *,
        padding=0,
        stride=1,
        dilation=1,
        padding_mode: str = "zeros",
        seed=None,
        dtype=np.float64,
    ):
        k_h, k_w = int_pair(kernel_size, "kernel_size", 1)
        in_channels, out_channels = (
            positive_int(in_channels, "in_channels"),
            positive_int(out_channels, "out_channels"),
        )
        self.padding, self.stride = int_pair(padding, "padding", 0), int_pair(stride, "stride", 1)
        self.dilation = int_pair(dilation, "dilation", 1)
        self.padding_mode = check_padding_mode(padding_mode)
        seed = None if seed is None else non_negative_int(seed, "seed")
        dtype = float_dtype(dtype)
        shape = (k_h, k_w, in_channels, out_channels)
        check_size(shape, "kernel_size x in_channels x out_channels", "weight")
        rng = np.random.default_rng(seed)
        scale = 1.0 / np.sqrt(k_h * k_w * in_channels)
        self.weight = (rng.normal(size=shape) * scale).astype(dtype)
        self.bias = np.zeros(out_channels, dtype=dtype)
        self.grad_weight = None
        self.grad_bias = None
        self._input = None
        self._layout = None

    def __repr__(self) -> str:
        k_h, k_w, c_in, c_out = self.weight.shape
        extra = f", padding={self.padding}" if self.padding != (0, 0) else ""
        extra += f", stride={self.stride}" if self.stride != (1, 1) else ""
        extra += f", dilation={self.dilation}" if self.dilation != (1, 1) else ""
        extra += f", padding_mode={self.padding_mode!r}" if self.padding_mode != "zeros" else ""
        return (
            f"Conv2D(kernel_size=({k_h}, {k_w}), in_channels={c_in}, out_channels={c_out}{extra})"
        )

    def _to_batch(self, X, name: str):
        """Return ``X`` as (N, H, W, C_in) and a tag to restore the caller's layout."""
        X = as_array(X, name, (2, 3, 4), layout="(H, W), (H, W, C_in) or (N, H, W, C_in)")
        c_in = self.weight.shape[2]
        if X.ndim == 2:
            if c_in != 1:
                raise ValueError(
                    f"{name} is 2-D (one channel) but the layer expects in_channels={c_in}; pass (H, W, {c_in})"
                )
            return X[None, :, :, None], 2
        check_channels(X.shape[-1], c_in, name, "weight")
        return (X[None], 3) if X.ndim == 3 else (X, 4)

    def _from_batch(self, Y: np.ndarray, layout: int) -> np.ndarray:
        if layout == 2 and Y.shape[-1] == 1:
            return Y[0, :, :, 0]
        return Y[0] if layout in (2, 3) else Y

    def _geometry(self, image_hw):
        """:func:`convlib.shapes.conv_geometry` of this layer for an image of ``image_hw`` pixels."""
        return conv_geometry(
            image_hw,
            self.weight.shape[:2],
            padding=self.padding,
            stride=self.stride,
            dilation=self.dilation,
            names=("the image X", "the kernel kernel_size"),
            modes=False,
        )

    def _pad(self, Xb: np.ndarray) -> np.ndarray:
        """``x_pad``: the (N, H, W, C_in) batch with ``p_h`` rows and ``p_w`` columns on each side (``padding_mode``)."""
        n, H, W, c_in = Xb.shape
        geometry = self._geometry((H, W))
        (p_h, p_w), filled = (
            self.padding,
            "zero" if self.padding_mode == "zeros" else self.padding_mode,
        )
        if p_h or p_w:
            check_size((n, H + 2 * p_h, W + 2 * p_w, c_in), "padding", f"{filled}-padded input")
        check_size((n, *geometry.out, self.weight.shape[3]), "X", "layer output")
        if not (p_h or p_w):
            return Xb
        pad = ((p_h, p_h), (p_w, p_w))
        _check_mode_fits((H, W), pad, self.padding_mode)
        return _mode_pad(Xb, pad, self.padding_mode, axes=(1, 2))

    def _output_rows_cols(self, Xp: np.ndarray) -> tuple:
        """``(H', W')`` for a padded batch: every ``s``-th of the ``"valid"`` positions."""
        (p_h, p_w) = self.padding
        return self._geometry((Xp.shape[1] - 2 * p_h, Xp.shape[2] - 2 * p_w)).out

    def forward(self, X) -> np.ndarray:
        """Compute the layer's output and remember ``X`` for :meth:`backward`.

        Parameters
        ----------
        X : array_like, shape (H, W), (H, W, C_in) or (N, H, W, C_in)

        Returns
        -------
        numpy.ndarray, shape (H', W'), (H', W', C_out) or (N, H', W', C_out)
        """
        Xb, layout = self._to_batch(X, "X")
        Xp = self._pad(Xb)
        self._input, self._layout = Xp, layout
        Y = _strided_correlation(Xp, self.weight, self.stride, self.dilation) + self.bias
        return self._from_batch(Y, layout)

    __call__ = forward

    def backward(self, grad_output) -> np.ndarray:
        """Store ``grad_weight`` and ``grad_bias`` and return the gradient with respect to the input.

        Parameters
        ----------
        grad_output : array_like
            :math:`\\partial L / \\partial Y`, the same shape as the last
            :meth:`forward` output.

        Returns
        -------
        numpy.ndarray
            :math:`\\partial L / \\partial x`, the shape of the last input.
        """
        if self._input is None:
            raise RuntimeError("backward() needs a forward() call first")
        Xp = self._input
        k_h, k_w, c_in, c_out = self.weight.shape
        (p_h, p_w), (s_h, s_w), (d_h, d_w) = self.padding, self.stride, self.dilation
        G = as_array(grad_output, "grad_output", (2, 3, 4))
        batch_shape = (Xp.shape[0], *self._output_rows_cols(Xp), c_out)
        expected = self._from_batch(
            np.broadcast_to(np.empty((), dtype=G.dtype), batch_shape), self._layout
        ).shape
        if G.shape != expected:
            raise ValueError(
                f"grad_output must have the forward output's shape {expected}; got {G.shape}"
            )
        Gb = G.reshape(batch_shape)
        span_h, span_w = (batch_shape[1] - 1) * s_h + 1, (batch_shape[2] - 1) * s_w + 1
        grad_weight = np.empty_like(self.weight)
        grad_padded = np.zeros(Xp.shape, dtype=np.result_type(Xp, Gb, self.weight))
        for a in range(k_h):
            for b in range(k_w):
                # the inputs x_pad[n, i*s_h + a*d_h, j*s_w + b*d_w, :] that met the weight K[a, b] at output (i, j)
                taps = (
                    slice(None),
                    slice(a * d_h, a * d_h + span_h, s_h),
                    slice(b * d_w, b * d_w + span_w, s_w),
                )
                grad_weight[a, b] = np.tensordot(Xp[taps], Gb, axes=([0, 1, 2], [0, 1, 2]))
                grad_padded[taps] += Gb @ self.weight[a, b].T
        self.grad_weight = grad_weight
        self.grad_bias = Gb.sum(axis=(0, 1, 2)).astype(self.bias.dtype)
        H, W = Xp.shape[1] - 2 * p_h, Xp.shape[2] - 2 * p_w
        grad_input = _pad_adjoint(grad_padded, (H, W), ((p_h, p_h), (p_w, p_w)), self.padding_mode)
        return self._from_batch(grad_input, self._layout)

    def step(self, lr: float) -> None:
        """One gradient-descent update with learning rate ``lr`` (a positive finite number)."""
        lr = real_number(lr, "lr", positive=True)
        if self.grad_weight is None:
            raise RuntimeError("step() needs a backward() call first")
        self.weight -= lr * self.grad_weight
        self.bias -= lr * self.grad_bias

    def fit(self, X, Y, *, lr: float = 0.03, steps: int = 100, learn_bias: bool = False) -> list:
        """Learn the kernel from input ``X`` and target ``Y`` by minimising the summed squared error.

        Parameters
        ----------
        X : array_like
            Input, as for :meth:`forward`; finite.
        Y : array_like
            Target, the shape of the layer's output for ``X``; finite.
        lr : float
            Learning rate, a positive finite number.
        steps : int
            Number of gradient-descent updates (0 is allowed).
        learn_bias : bool
            Whether the bias is learned too (otherwise it stays as it is).

        Returns
        -------
        list of float
            The loss :math:`L = \\sum (\\mathrm{out} - Y)^2` measured before each of the
            ``steps`` updates, so ``losses[0]`` is the loss of the initial weights.

        Raises
        ------
        ValueError
            Also when the loss overflows (``lr`` too large for the data).
        """
        lr = real_number(lr, "lr", positive=True)
        steps = non_negative_int(steps, "steps")
        learn_bias = flag(learn_bias, "learn_bias")
        Y = as_array(Y, "Y", (2, 3, 4))
        out_shape = self.forward(X).shape  # validates X
        if out_shape != Y.shape:
            raise ValueError(f"Y must have the layer output's shape {out_shape}; got {Y.shape}")
        for name, data in (("X", self._input), ("Y", Y)):
            if not np.isfinite(data).all():
                raise ValueError(
                    f"{name} must be finite to fit the layer (NaN or inf would turn every weight into NaN)"
                )
        losses = []
        for done in range(steps):
            diff = self.forward(X) - Y
            with np.errstate(over="ignore"):  # an overflow is reported just below
                loss = float(np.sum(diff**2))
            if not np.isfinite(loss):
                raise ValueError(
                    f"lr={lr} is too large for this data: the loss overflowed to {loss} after {done} steps"
                )
            losses.append(loss)
            self.backward(2 * diff)
            if not learn_bias:
                self.grad_bias = np.zeros_like(self.bias)
            self.step(lr)
        return losses


def _strided_correlation(Xp: np.ndarray, weight: np.ndarray, stride, dilation=(1, 1)) -> np.ndarray:
    """Every ``stride``-th output of the ``"valid"`` correlation of a padded (N, H, W, C_in) batch with ``weight``.

    ``out[n, i, j, k] = sum_{a, b, c} K[a, b, c, k] x_pad[n, i*s_h + a, j*s_w + b, c]``; only the strided
    outputs are computed.
    """
    return _multi(Xp, weight, "valid", stride=stride, dilation=dilation)
