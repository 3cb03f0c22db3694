"""convlib's layer against torch.nn.Conv2d: the argument table of chapter 5 ("From convlib to torch.nn.Conv2d").

PyTorch is not a dependency of the course (a CPU wheel is large, and PyPI's
default Linux wheel is a CUDA build), so these tests run where PyTorch is
installed (``pip install torch``) and are skipped elsewhere. Every row of the
table is exercised: channels, kernel size, stride, padding per side,
padding="same", dilation, padding_mode, bias, and groups as a block-diagonal
kernel.
"""

from __future__ import annotations

import numpy as np
import pytest

from convlib import Conv2D, corr2d_multi_in_out, grouped_params, kernel_to_oihw

torch = pytest.importorskip("torch")


def _torch_layer(K, u, **kwargs):
    k_h, k_w, c_in, c_out = K.shape
    groups = kwargs.get("groups", 1)
    layer = torch.nn.Conv2d(
        c_in, c_out, (k_h, k_w), bias=u is not None, dtype=torch.float64, **kwargs
    )
    with torch.no_grad():
        w = kernel_to_oihw(K)  # (C_out, C_in, k_h, k_w)
        if groups > 1:  # torch stores only the diagonal blocks
            per_in, per_out = c_in // groups, c_out // groups
            w = np.concatenate(
                [
                    w[g * per_out : (g + 1) * per_out, g * per_in : (g + 1) * per_in]
                    for g in range(groups)
                ]
            )
        layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(w)))
        if u is not None:
            layer.bias.copy_(torch.from_numpy(u))
    return layer


def _torch(X, layer):
    out = layer(torch.from_numpy(np.ascontiguousarray(X.transpose(2, 0, 1)[None])))
    return out.detach().numpy()[0].transpose(1, 2, 0)


CASES = [
    dict(),
    dict(stride=2),
    dict(stride=(2, 3), padding=(1, 2)),
    dict(padding=2, dilation=2),
    dict(padding=1, padding_mode="reflect"),
    dict(padding=1, padding_mode="replicate"),
    dict(padding=(1, 2), padding_mode="circular", stride=2),
]


@pytest.mark.parametrize(
    "kwargs", CASES, ids=lambda k: ",".join(f"{a}={v}" for a, v in k.items()) or "plain"
)
def test_corr2d_multi_in_out_is_torch_conv2d(kwargs):
    rng = np.random.default_rng(0)
    X, K = rng.normal(size=(11, 13, 3)), rng.normal(size=(3, 4, 3, 5))
    ours = corr2d_multi_in_out(X, K, **kwargs)
    theirs = _torch(X, _torch_layer(K, None, **kwargs))
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@pytest.mark.parametrize("k", [3, 4])
def test_mode_same_is_padding_same_even_for_even_kernels(k):
    rng = np.random.default_rng(1)
    X, K = rng.normal(size=(9, 10, 2)), rng.normal(size=(k, k, 2, 3))
    np.testing.assert_allclose(
        corr2d_multi_in_out(X, K, "same"),
        _torch(X, _torch_layer(K, None, padding="same")),
        atol=1e-12,
    )


def test_the_layer_with_its_bias_is_nn_conv2d():
    rng = np.random.default_rng(2)
    layer = Conv2D(3, in_channels=3, out_channels=4, padding=1, stride=2, seed=0)
    layer.bias[:] = rng.normal(size=4)
    X = rng.normal(size=(10, 9, 3))
    theirs = _torch(X, _torch_layer(layer.weight, layer.bias, padding=1, stride=2))
    np.testing.assert_allclose(layer(X), theirs, atol=1e-12)


def test_groups_are_a_block_diagonal_kernel():
    rng = np.random.default_rng(3)
    c_in, c_out, groups = 4, 6, 2
    K = rng.normal(size=(3, 3, c_in, c_out))
    mask = np.zeros((c_in, c_out), bool)
    for g in range(groups):
        mask[g * 2 : (g + 1) * 2, g * 3 : (g + 1) * 3] = True
    K = K * mask  # zeros between the groups
    X = rng.normal(size=(8, 8, c_in))
    layer = _torch_layer(K, None, groups=groups)
    np.testing.assert_allclose(corr2d_multi_in_out(X, K), _torch(X, layer), atol=1e-12)
    assert layer.weight.numel() == grouped_params(3, 3, c_in, c_out, groups) == int(mask.sum()) * 9
