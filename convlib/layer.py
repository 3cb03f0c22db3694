r"""A minimal convolutional layer that can learn its kernel by gradient descent.

Forward pass (cross-correlation plus a bias per output channel):

.. math:: Y[i, j, k] = u[k] + \sum_{a, b} \sum_c K[a, b, c, k] \, x[i + a, j + b, c]

For a loss :math:`L` with upstream gradient :math:`G = \partial L / \partial Y`,

.. math::
    \frac{\partial L}{\partial K[a, b, c, k]} = \sum_{n, i, j} G[n, i, j, k] \, x[n, i + a, j + b, c],
    \qquad
    \frac{\partial L}{\partial u[k]} = \sum_{n, i, j} G[n, i, j, k].

So the weight gradient is itself a cross-correlation: of the input with the
upstream gradient.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, check_channels, check_kernel_fits, non_negative_int, positive_int
from .channels import _multi

__all__ = ["Conv2D"]


class Conv2D:
    r"""Convolutional layer with weight ``K`` of shape ``(k_h, k_w, C_in, C_out)`` and a bias ``u[k]`` per output channel.

    Inputs may be ``(H, W)`` (one channel), ``(H, W, C_in)`` or
    ``(N, H, W, C_in)``; the output has the matching layout, ``(H', W')``
    when the input was 2-D and ``C_out == 1``. Only ``"valid"`` positions are
    computed, as in the lecture.

    Parameters
    ----------
    kernel_size : int or tuple of int
        ``k_h`` and ``k_w`` (an int means a square kernel).
    in_channels, out_channels : int
        ``C_in`` and ``C_out``.
    seed : int or None
        Seed of the random initial weights (normal, std ``1 / sqrt(k_h*k_w*C_in)``).
    dtype : numpy dtype
        float32 or float64 parameters.

    Attributes
    ----------
    weight : numpy.ndarray, shape (k_h, k_w, C_in, C_out)
    bias : numpy.ndarray, shape (C_out,)
    grad_weight, grad_bias : numpy.ndarray or None
        Set by :meth:`backward`.

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
    """

    def __init__(self, kernel_size, in_channels: int = 1, out_channels: int = 1, *, seed=None, dtype=np.float64):
        if np.isscalar(kernel_size):
            kernel_size = (kernel_size, kernel_size)
        try:
            h, w = kernel_size
        except (TypeError, ValueError):
            raise ValueError(f"kernel_size must be a positive integer or a pair (k_h, k_w) of them; got {kernel_size!r}") from None
        h, w = positive_int(h, "kernel_size"), positive_int(w, "kernel_size")
        in_channels, out_channels = positive_int(in_channels, "in_channels"), positive_int(out_channels, "out_channels")
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64; got {dtype}")
        rng = np.random.default_rng(seed)
        scale = 1.0 / np.sqrt(h * w * in_channels)
        self.weight = (rng.normal(size=(h, w, in_channels, out_channels)) * scale).astype(dtype)
        self.bias = np.zeros(out_channels, dtype=dtype)
        self.grad_weight = None
        self.grad_bias = None
        self._input = None
        self._layout = None

    def __repr__(self) -> str:
        h, w, c_in, c_out = self.weight.shape
        return f"Conv2D(kernel_size=({h}, {w}), in_channels={c_in}, out_channels={c_out})"

    def _to_batch(self, X, name: str):
        """Return ``X`` as (N, H, W, C_in) and a tag to restore the caller's layout."""
        X = as_array(X, name, (2, 3, 4), layout="(H, W), (H, W, C_in) or (N, H, W, C_in)")
        c_in = self.weight.shape[2]
        if X.ndim == 2:
            if c_in != 1:
                raise ValueError(f"{name} is 2-D (one channel) but the layer expects in_channels={c_in}; pass (H, W, {c_in})")
            return X[None, :, :, None], 2
        check_channels(X.shape[-1], c_in, name, "weight")
        return (X[None], 3) if X.ndim == 3 else (X, 4)

    def _from_batch(self, Y: np.ndarray, layout: int) -> np.ndarray:
        if layout == 2 and Y.shape[-1] == 1:
            return Y[0, :, :, 0]
        return Y[0] if layout in (2, 3) else Y

    def forward(self, X) -> np.ndarray:
        """Compute the layer's output and remember ``X`` for :meth:`backward`."""
        Xb, layout = self._to_batch(X, "X")
        check_kernel_fits(Xb.shape[1:3], self.weight.shape[:2], "valid", "X", "weight")
        self._input, self._layout = Xb, layout
        Y = _multi(Xb, self.weight, "valid") + self.bias
        return self._from_batch(Y, layout)

    __call__ = forward

    def backward(self, grad_output) -> np.ndarray:
        """Store ``grad_weight`` and ``grad_bias`` and return the gradient with respect to the input.

        Parameters
        ----------
        grad_output : array_like
            :math:`\\partial L / \\partial Y`, the same shape as the last
            :meth:`forward` output.
        """
        if self._input is None:
            raise RuntimeError("backward() needs a forward() call first")
        Xb = self._input
        h, w, c_in, c_out = self.weight.shape
        G = as_array(grad_output, "grad_output", (2, 3, 4))
        batch_shape = (Xb.shape[0], Xb.shape[1] - h + 1, Xb.shape[2] - w + 1, c_out)
        expected = self._from_batch(np.broadcast_to(np.empty((), dtype=G.dtype), batch_shape), self._layout).shape
        if G.shape != expected:
            raise ValueError(f"grad_output must have the forward output's shape {expected}; got {G.shape}")
        Gb = G.reshape(batch_shape)
        # dL/dK[a, b, c, k] = sum_{n,i,j} G[n,i,j,k] x[n,i+a,j+b,c]: correlate x with G.
        windows = np.lib.stride_tricks.sliding_window_view(Xb, Gb.shape[1:3], axis=(1, 2))  # (N, k_h, k_w, C_in, H', W')
        self.grad_weight = np.einsum("nabcij,nijk->abck", windows, Gb, optimize=True).astype(self.weight.dtype)
        self.grad_bias = Gb.sum(axis=(0, 1, 2)).astype(self.bias.dtype)
        # dL/dx = full convolution of G with K (correlation with the flipped, transposed kernel).
        flipped = self.weight[::-1, ::-1].transpose(0, 1, 3, 2)
        grad_input = _multi(Gb, flipped, "full")
        return self._from_batch(grad_input, self._layout)

    def step(self, lr: float) -> None:
        """One gradient-descent update with learning rate ``lr``."""
        if self.grad_weight is None:
            raise RuntimeError("step() needs a backward() call first")
        self.weight -= lr * self.grad_weight
        self.bias -= lr * self.grad_bias

    def fit(self, X, Y, *, lr: float = 0.03, steps: int = 100, learn_bias: bool = False) -> list:
        """Learn the kernel from input ``X`` and target ``Y`` by minimising the summed squared error.

        Returns the loss :math:`L = \\sum (\\mathrm{out} - Y)^2` measured before each of the
        ``steps`` updates, so ``losses[0]`` is the loss of the initial weights.
        """
        Y = as_array(Y, "Y", (2, 3, 4))
        losses = []
        for _ in range(non_negative_int(steps, "steps")):
            out = self.forward(X)
            if out.shape != Y.shape:
                raise ValueError(f"Y must have the layer output's shape {out.shape}; got {Y.shape}")
            diff = out - Y
            losses.append(float(np.sum(diff**2)))
            self.backward(2 * diff)
            if not learn_bias:
                self.grad_bias = np.zeros_like(self.bias)
            self.step(lr)
        return losses
