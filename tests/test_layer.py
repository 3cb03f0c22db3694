"""Conv2D: forward pass, gradients against finite differences, learning the lecture's kernels."""

import numpy as np
import pytest

from convlib import Conv2D, corr2d, corr2d_multi_in_out


def d2l_edge_image():
    X = np.ones((6, 8))
    X[:, 2:6] = 0
    return X


# ---------------------------------------------------------------------------
# construction and forward


def test_init_shapes_seed_and_repr():
    layer = Conv2D((2, 3), in_channels=4, out_channels=5, seed=1)
    assert layer.weight.shape == (2, 3, 4, 5) and layer.bias.shape == (5,)
    assert layer.weight.dtype == np.float64
    np.testing.assert_array_equal(layer.bias, 0)
    np.testing.assert_array_equal(Conv2D((2, 3), 4, 5, seed=1).weight, layer.weight)
    assert not np.array_equal(Conv2D((2, 3), 4, 5, seed=2).weight, layer.weight)
    assert repr(layer) == "Conv2D(kernel_size=(2, 3), in_channels=4, out_channels=5)"
    assert Conv2D(3).weight.shape == (3, 3, 1, 1)
    # initial scale 1 / sqrt(h * w * C_in)
    big = Conv2D(4, in_channels=16, out_channels=64, seed=0)
    assert abs(big.weight.std() - 1 / np.sqrt(4 * 4 * 16)) < 0.01


def test_forward_equals_correlation_plus_bias():
    rng = np.random.default_rng(0)
    layer = Conv2D((3, 2), in_channels=3, out_channels=4, seed=0)
    layer.bias[:] = rng.normal(size=4)
    X = rng.normal(size=(2, 9, 8, 3))
    expected = corr2d_multi_in_out(X, layer.weight) + layer.bias
    np.testing.assert_allclose(layer.forward(X), expected, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(layer(X[1]), expected[1], rtol=1e-13, atol=1e-13)


def test_forward_layouts():
    one = Conv2D((1, 2), seed=0)
    X = d2l_edge_image()
    assert one(X).shape == (6, 7)  # 2-D in, one channel out: 2-D out
    np.testing.assert_allclose(one(X), corr2d(X, one.weight[:, :, 0, 0]), rtol=1e-13, atol=1e-13)
    assert one(X[:, :, None]).shape == (6, 7, 1)
    assert one(X[None, :, :, None]).shape == (1, 6, 7, 1)
    many = Conv2D(3, in_channels=1, out_channels=2, seed=0)
    assert many(X).shape == (4, 6, 2)  # 2-D in, several channels out


def test_float32_layer():
    layer = Conv2D(3, in_channels=2, out_channels=3, seed=0, dtype=np.float32)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    X = np.random.default_rng(1).normal(size=(7, 7, 2)).astype(np.float32)
    Y = layer(X)
    assert Y.dtype == np.float32
    grad = layer.backward(np.ones_like(Y))
    assert grad.dtype == np.float32
    assert layer.grad_weight.dtype == np.float32 and layer.grad_bias.dtype == np.float32
    layer.step(0.1)
    assert layer.weight.dtype == np.float32


def test_forward_does_not_mutate_input():
    X = np.random.default_rng(2).normal(size=(5, 6, 2))
    X0 = X.copy()
    X.setflags(write=False)
    layer = Conv2D(2, in_channels=2, out_channels=2, seed=0)
    out = layer(X)
    layer.backward(np.ones_like(out))
    layer.step(0.1)
    np.testing.assert_array_equal(X, X0)


# ---------------------------------------------------------------------------
# gradients against central finite differences


def _numeric_grad(f, A, eps=1e-6):
    g = np.zeros_like(A)
    for idx in np.ndindex(A.shape):
        old = A[idx]
        A[idx] = old + eps
        up = f()
        A[idx] = old - eps
        down = f()
        A[idx] = old
        g[idx] = (up - down) / (2 * eps)
    return g


@pytest.mark.parametrize(
    "kernel_size, c_in, c_out, x_shape",
    [
        ((1, 2), 1, 1, (6, 8)),
        ((3, 3), 1, 2, (5, 6)),
        ((2, 3), 2, 3, (5, 6, 2)),
        ((3, 2), 3, 2, (2, 5, 4, 3)),
    ],
    ids=["2d", "2d-multi-out", "3d", "batch"],
)
def test_gradients_match_finite_differences(kernel_size, c_in, c_out, x_shape):
    rng = np.random.default_rng(3)
    layer = Conv2D(kernel_size, c_in, c_out, seed=4)
    layer.bias[:] = rng.normal(size=c_out)
    X = rng.normal(size=x_shape)
    out = layer.forward(X)
    G = rng.normal(size=out.shape)  # L = sum(G * h), so dL/dh = G

    def loss():
        return float(np.sum(G * layer.forward(X)))

    grad_input = layer.backward(G)
    grad_weight, grad_bias = layer.grad_weight.copy(), layer.grad_bias.copy()
    assert grad_input.shape == X.shape

    np.testing.assert_allclose(grad_weight, _numeric_grad(loss, layer.weight), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(grad_bias, _numeric_grad(loss, layer.bias), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(grad_input, _numeric_grad(loss, X), rtol=1e-6, atol=1e-7)


def test_weight_gradient_is_correlation_of_input_with_upstream_gradient():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(7, 9))
    layer = Conv2D((2, 3), seed=0)
    G = rng.normal(size=layer(X).shape)
    layer.backward(G)
    np.testing.assert_allclose(layer.grad_weight[:, :, 0, 0], corr2d(X, G), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.grad_bias, [G.sum()], rtol=1e-12)


# ---------------------------------------------------------------------------
# learning


def test_learns_d2l_edge_kernel():
    X = d2l_edge_image()
    Y = corr2d(X, np.array([[1.0, -1.0]]))
    layer = Conv2D((1, 2), seed=0)
    assert not np.allclose(layer.weight[:, :, 0, 0], [[1, -1]], atol=0.1)
    losses = layer.fit(X, Y, lr=0.03, steps=200)
    assert len(losses) == 200
    assert losses[-1] < 1e-8 < losses[0]
    assert all(b <= a for a, b in zip(losses, losses[1:], strict=False))  # monotone for this lr
    np.testing.assert_allclose(layer.weight[:, :, 0, 0], [[1.0, -1.0]], atol=1e-4)
    np.testing.assert_array_equal(layer.bias, 0)  # learn_bias=False leaves the bias alone


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_learns_edge_kernel_from_several_starts(seed):
    X = d2l_edge_image()
    Y = corr2d(X, np.array([[1.0, -1.0]]))
    layer = Conv2D((1, 2), seed=seed)
    layer.fit(X, Y, lr=0.03, steps=300)
    np.testing.assert_allclose(layer.weight[:, :, 0, 0], [[1.0, -1.0]], atol=1e-4)


def test_learns_multi_channel_kernel_and_bias():
    rng = np.random.default_rng(6)
    teacher = Conv2D(3, in_channels=2, out_channels=3, seed=7)
    teacher.bias[:] = [0.5, -1.0, 2.0]
    X = rng.normal(size=(4, 12, 12, 2))
    Y = teacher(X)
    student = Conv2D(3, in_channels=2, out_channels=3, seed=8)
    losses = student.fit(X, Y, lr=5e-4, steps=400, learn_bias=True)
    assert losses[-1] < 1e-6 * losses[0]
    np.testing.assert_allclose(student.weight, teacher.weight, atol=1e-3)
    np.testing.assert_allclose(student.bias, teacher.bias, atol=1e-3)


def test_fit_float32():
    X = d2l_edge_image().astype(np.float32)
    Y = corr2d(X, np.array([[1.0, -1.0]], dtype=np.float32))
    layer = Conv2D((1, 2), seed=0, dtype=np.float32)
    layer.fit(X, Y, lr=0.03, steps=200)
    assert layer.weight.dtype == np.float32
    np.testing.assert_allclose(layer.weight[:, :, 0, 0], [[1.0, -1.0]], atol=1e-3)


def test_fit_does_not_mutate_data():
    X = d2l_edge_image()
    Y = corr2d(X, np.array([[1.0, -1.0]]))
    X0, Y0 = X.copy(), Y.copy()
    Conv2D((1, 2), seed=0).fit(X, Y, steps=5)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


def test_step_moves_against_the_gradient():
    layer = Conv2D((1, 2), seed=0)
    X = d2l_edge_image()
    layer.backward(np.ones_like(layer(X)))
    w0, g = layer.weight.copy(), layer.grad_weight.copy()
    layer.step(0.5)
    np.testing.assert_allclose(layer.weight, w0 - 0.5 * g)
