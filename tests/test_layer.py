"""Conv2D: forward pass, gradients against finite differences, learning the lecture's kernels; padding and stride."""

import numpy as np
import pytest
from scipy import signal

from convlib import Conv2D, corr2d, corr2d_multi_in_out, output_shape


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


GRADIENT_CASES = {
    "2d": ((1, 2), 1, 1, (6, 8), 0, 1),
    "2d-multi-out": ((3, 3), 1, 2, (5, 6), 0, 1),
    "3d": ((2, 3), 2, 3, (5, 6, 2), 0, 1),
    "batch": ((3, 2), 3, 2, (2, 5, 4, 3), 0, 1),
    "padding": ((3, 3), 1, 1, (5, 6), 1, 1),
    "padding-pair": ((2, 3), 2, 2, (4, 5, 2), (2, 1), 1),
    "stride": ((2, 2), 1, 1, (6, 8), 0, 2),
    "stride-leaves-rows-unused": (
        (3, 2),
        2,
        1,
        (8, 7, 2),
        0,
        (3, 2),
    ),  # rows 6, 7 and column 6 never reach the output
    "padding-and-stride": ((3, 5), 1, 2, (8, 8), (0, 1), (3, 4)),  # D2L 7.3's last example
    "batch-padding-stride": ((3, 3), 2, 3, (2, 7, 6, 2), 1, 2),
    "stride-larger-than-kernel": ((2, 2), 1, 1, (9, 9), 1, 4),
}


@pytest.mark.parametrize(
    "kernel_size, c_in, c_out, x_shape, padding, stride",
    GRADIENT_CASES.values(),
    ids=GRADIENT_CASES.keys(),
)
def test_gradients_match_finite_differences(kernel_size, c_in, c_out, x_shape, padding, stride):
    rng = np.random.default_rng(3)
    layer = Conv2D(kernel_size, c_in, c_out, padding=padding, stride=stride, seed=4)
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


# ---------------------------------------------------------------------------
# padding and stride (D2L 7.3, PyTorch's semantics)


def _reference_forward(X, V, bias, padding, stride):
    """SciPy: correlate2d of the zero-padded input, summed over input channels, every s-th output kept."""
    (p_h, p_w), (s_h, s_w) = padding, stride
    X = np.pad(X, ((0, 0), (p_h, p_h), (p_w, p_w), (0, 0)))
    n, c_out = X.shape[0], V.shape[3]
    out = [
        [
            sum(
                signal.correlate2d(X[i, :, :, c], V[:, :, c, k], "valid") for c in range(V.shape[2])
            )
            for k in range(c_out)
        ]
        for i in range(n)
    ]
    return np.array(out).transpose(0, 2, 3, 1)[:, ::s_h, ::s_w] + bias


FORWARD_CASES = [
    ((3, 3), (2, 8, 8, 3), (1, 1), (1, 1)),
    ((5, 5), (1, 8, 8, 1), (2, 2), (1, 1)),
    ((3, 3), (1, 8, 8, 2), (1, 1), (2, 2)),
    ((3, 5), (2, 8, 8, 1), (0, 1), (3, 4)),
    ((2, 3), (1, 9, 7, 2), (3, 0), (2, 5)),
    ((1, 1), (1, 5, 5, 4), (2, 1), (3, 3)),
    ((4, 4), (1, 4, 4, 1), (0, 0), (7, 7)),  # one output: the stride is longer than the image
]


@pytest.mark.parametrize("kernel_size, x_shape, padding, stride", FORWARD_CASES)
def test_forward_with_padding_and_stride_matches_scipy(kernel_size, x_shape, padding, stride):
    rng = np.random.default_rng(11)
    layer = Conv2D(kernel_size, x_shape[3], 3, padding=padding, stride=stride, seed=12)
    layer.bias[:] = rng.normal(size=3)
    X = rng.normal(size=x_shape)
    Y = layer(X)
    np.testing.assert_allclose(
        Y, _reference_forward(X, layer.weight, layer.bias, padding, stride), rtol=1e-12, atol=1e-12
    )
    assert Y.shape[1:3] == output_shape(*x_shape[1:3], *kernel_size, padding=padding, stride=stride)


@pytest.mark.parametrize(
    "kernel_size, padding, stride, expected",
    [(3, 1, 1, (8, 8)), (5, 2, 1, (8, 8)), (3, 1, 2, (4, 4)), ((3, 5), (0, 1), (3, 4), (2, 2))],
    ids=["3x3-p1", "5x5-p2", "3x3-p1-s2", "3x5-p01-s34"],
)
def test_d2l_7_3_shape_examples(kernel_size, padding, stride, expected):
    X = np.random.default_rng(0).normal(size=(8, 8))
    assert Conv2D(kernel_size, padding=padding, stride=stride, seed=0)(X).shape == expected
    k_h, k_w = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    assert output_shape(8, 8, k_h, k_w, padding=padding, stride=stride) == expected


def test_padding_and_stride_are_remembered_and_shown():
    layer = Conv2D(3, padding=(1, 2), stride=2)
    assert layer.padding == (1, 2) and layer.stride == (2, 2)
    assert (
        repr(layer)
        == "Conv2D(kernel_size=(3, 3), in_channels=1, out_channels=1, padding=(1, 2), stride=(2, 2))"
    )
    assert repr(Conv2D(3)) == "Conv2D(kernel_size=(3, 3), in_channels=1, out_channels=1)"
    assert (
        repr(Conv2D(3, padding=1))
        == "Conv2D(kernel_size=(3, 3), in_channels=1, out_channels=1, padding=(1, 1))"
    )
    assert (
        repr(Conv2D(3, stride=(1, 2)))
        == "Conv2D(kernel_size=(3, 3), in_channels=1, out_channels=1, stride=(1, 2))"
    )


def test_padding_lets_the_layer_learn_at_the_border():
    # a 3x3 kernel with padding 1 keeps the 8x8 size, so a target made with zero padding is learnable exactly
    rng = np.random.default_rng(13)
    X = rng.normal(size=(3, 8, 8, 1))
    V = rng.normal(size=(3, 3))
    Y = np.stack([corr2d(x[:, :, 0], V, "same") for x in X])[..., None]
    layer = Conv2D(3, padding=1, seed=1)
    losses = layer.fit(X, Y, lr=0.002, steps=300)
    assert losses[-1] < 1e-8 * losses[0]
    np.testing.assert_allclose(layer.weight[:, :, 0, 0], V, atol=1e-5)


def test_matches_torch_forward_and_gradients_when_importable():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(14)
    for kernel_size, x_shape, padding, stride in FORWARD_CASES:
        layer = Conv2D(kernel_size, x_shape[3], 3, padding=padding, stride=stride, seed=15)
        layer.bias[:] = rng.normal(size=3)
        X = rng.normal(size=x_shape)
        Y = layer(X)
        G = rng.normal(size=Y.shape)
        grad_input = layer.backward(G)

        x = torch.tensor(X.transpose(0, 3, 1, 2), requires_grad=True)
        w = torch.tensor(layer.weight.transpose(3, 2, 0, 1), requires_grad=True)
        b = torch.tensor(layer.bias, requires_grad=True)
        y = torch.nn.functional.conv2d(x, w, b, stride=stride, padding=padding)
        y.backward(torch.tensor(G.transpose(0, 3, 1, 2)))
        np.testing.assert_allclose(
            Y, y.detach().numpy().transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-10
        )
        np.testing.assert_allclose(
            grad_input, x.grad.numpy().transpose(0, 2, 3, 1), rtol=1e-10, atol=1e-10
        )
        np.testing.assert_allclose(
            layer.grad_weight, w.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-10, atol=1e-10
        )
        np.testing.assert_allclose(layer.grad_bias, b.grad.numpy(), rtol=1e-10, atol=1e-10)
