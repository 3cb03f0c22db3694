"""Every error path: the message names the argument and says what was expected.

Error classes (the issue's list): wrong ndim, empty array, kernel larger than
the image in "valid" mode, channel mismatch, unknown mode (all ValueError),
and non-numeric arrays (TypeError). Each is checked for every public function
that can meet it.
"""

import re

import numpy as np
import pytest

from convlib import (
    Conv2D,
    conv2d,
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out,
    corr2d_naive,
    fully_connected_params,
    image_from_nchw,
    image_to_nchw,
    kernel_from_oihw,
    kernel_to_oihw,
    local_params,
    output_shape,
    param_counts,
    translation_invariant_params,
)


def _conv2d_layer_forward(X):
    return Conv2D((2, 2), in_channels=3, out_channels=2, seed=0).forward(X)


# name -> (function, dict of good arguments, {argument: (accepted ndims, a good shape)})
ARRAY_FUNCTIONS = {
    "corr2d": (corr2d, {"X": (2, (5, 6)), "K": (2, (2, 3))}),
    "conv2d": (conv2d, {"X": (2, (5, 6)), "K": (2, (2, 3))}),
    "corr2d_naive": (corr2d_naive, {"X": (2, (5, 6)), "K": (2, (2, 3))}),
    "corr2d_multi_in": (corr2d_multi_in, {"X": (3, (5, 6, 3)), "K": (3, (2, 3, 3))}),
    "corr2d_multi_in_out": (corr2d_multi_in_out, {"X": ("3 or 4", (5, 6, 3)), "K": (4, (2, 3, 3, 2))}),
    "image_to_nchw": (image_to_nchw, {"X": ("3 or 4", (5, 6, 3))}),
    "image_from_nchw": (image_from_nchw, {"X": (4, (1, 3, 5, 6))}),
    "kernel_to_oihw": (kernel_to_oihw, {"K": (4, (2, 3, 3, 2))}),
    "kernel_from_oihw": (kernel_from_oihw, {"K": (4, (2, 3, 3, 2))}),
    "Conv2D.forward": (_conv2d_layer_forward, {"X": ("2, 3 or 4", (5, 6, 3))}),
}

WRONG_NDIM_SHAPES = {2: [(5,), (5, 6, 1)], 3: [(5, 6), (1, 5, 6, 3)], 4: [(5, 6, 3), (1, 1, 5, 6, 3)],
                     "3 or 4": [(5, 6), (1, 1, 5, 6, 3)], "2, 3 or 4": [(5,), (1, 1, 5, 6, 3)]}


def _good_args(spec):
    return {name: np.ones(shape) for name, (_, shape) in spec.items()}


def _call(fn, args):
    return fn(*args.values())


def _cases(kind):
    for fname, (fn, spec) in ARRAY_FUNCTIONS.items():
        for arg, (ndim, shape) in spec.items():
            yield fname, fn, spec, arg, ndim, shape


def test_good_arguments_work():
    # the baseline for every case below: only the one bad argument makes it fail
    for _fname, (fn, spec) in ARRAY_FUNCTIONS.items():
        _call(fn, _good_args(spec))


# ---------------------------------------------------------------------------
# wrong ndim


@pytest.mark.parametrize("fname, fn, spec, arg, ndim, shape", list(_cases("ndim")), ids=lambda v: v if isinstance(v, str) else "")
def test_wrong_ndim(fname, fn, spec, arg, ndim, shape):
    for bad_shape in WRONG_NDIM_SHAPES[ndim] + [()]:
        args = _good_args(spec)
        args[arg] = np.ones(bad_shape)
        with pytest.raises(ValueError, match=rf"^{arg} must be a {ndim}-D\b.*got {len(bad_shape)}-D"):
            _call(fn, args)


def test_ndim_messages_show_the_expected_layout():
    with pytest.raises(ValueError, match=re.escape("X must be a 3 or 4-D (H, W, C) or (N, H, W, C) array")):
        image_to_nchw(np.ones((5, 6)))
    with pytest.raises(ValueError, match=re.escape("X must be a 4-D (N, C, H, W) array")):
        image_from_nchw(np.ones((5, 6, 3)))
    with pytest.raises(ValueError, match=re.escape("K must be a 4-D (k_h, k_w, C_in, C_out) array")):
        kernel_to_oihw(np.ones((5, 6, 3)))
    with pytest.raises(ValueError, match=re.escape("K must be a 4-D (C_out, C_in, k_h, k_w) array")):
        kernel_from_oihw(np.ones((5, 6, 3)))


# ---------------------------------------------------------------------------
# empty arrays


@pytest.mark.parametrize("fname, fn, spec, arg, ndim, shape", list(_cases("empty")), ids=lambda v: v if isinstance(v, str) else "")
def test_empty(fname, fn, spec, arg, ndim, shape):
    for axis in range(len(shape)):
        args = _good_args(spec)
        bad_shape = shape[:axis] + (0,) + shape[axis + 1 :]
        args[arg] = np.ones(bad_shape)
        with pytest.raises(ValueError, match=rf"^{arg} must not be empty; got shape {re.escape(str(bad_shape))}"):
            _call(fn, args)
    args = _good_args(spec)
    args[arg] = []
    with pytest.raises(ValueError, match=rf"^{arg} must"):
        _call(fn, args)


# ---------------------------------------------------------------------------
# non-numeric arrays


NON_NUMERIC = {
    "strings": lambda shape: np.full(shape, "a"),
    "objects": lambda shape: np.full(shape, None, dtype=object),
    "complex": lambda shape: np.ones(shape, dtype=complex),
    "datetimes": lambda shape: np.full(shape, np.datetime64("2020-01-01")),
}


@pytest.mark.parametrize("what", sorted(NON_NUMERIC))
@pytest.mark.parametrize("fname, fn, spec, arg, ndim, shape", list(_cases("type")), ids=lambda v: v if isinstance(v, str) else "")
def test_non_numeric(fname, fn, spec, arg, ndim, shape, what):
    args = _good_args(spec)
    args[arg] = NON_NUMERIC[what](shape)
    with pytest.raises(TypeError, match=rf"^{arg} must (hold real numbers|be real-valued)"):
        _call(fn, args)


@pytest.mark.parametrize("fname, fn, spec, arg, ndim, shape", list(_cases("ragged")), ids=lambda v: v if isinstance(v, str) else "")
def test_ragged_nested_lists(fname, fn, spec, arg, ndim, shape):
    args = _good_args(spec)
    ragged = np.ones(shape).tolist()
    row = ragged
    for _ in range(len(shape) - 2):
        row = row[0]
    row[0] = row[0][:-1]  # one innermost row is shorter than its siblings
    args[arg] = ragged
    with pytest.raises(TypeError, match=rf"^{arg} must be a rectangular numeric array"):
        _call(fn, args)


def test_non_numeric_python_objects():
    with pytest.raises(TypeError, match=r"^X must hold real numbers"):
        corr2d([["a", "b"], ["c", "d"]], [[1]])
    with pytest.raises(TypeError, match=r"^K must hold real numbers"):
        corr2d(np.ones((3, 3)), [[None, 1]])


# ---------------------------------------------------------------------------
# kernel larger than the image in "valid" mode

LARGER = [
    ("corr2d", lambda X, K: corr2d(X, K), (4, 5), (5, 2)),
    ("corr2d-wide", lambda X, K: corr2d(X, K, "valid"), (4, 5), (2, 6)),
    ("conv2d", lambda X, K: conv2d(X, K), (4, 5), (4, 6)),
    ("corr2d_naive", lambda X, K: corr2d_naive(X, K), (4, 5), (5, 5)),
    ("corr2d_multi_in", lambda X, K: corr2d_multi_in(X, K), (4, 5, 2), (5, 1, 2)),
    ("corr2d_multi_in_out", lambda X, K: corr2d_multi_in_out(X, K), (4, 5, 2), (3, 6, 2, 3)),
    ("corr2d_multi_in_out-batch", lambda X, K: corr2d_multi_in_out(X, K), (2, 4, 5, 2), (5, 5, 2, 1)),
]


@pytest.mark.parametrize("name, call, xs, ks", LARGER, ids=[c[0] for c in LARGER])
def test_kernel_larger_than_image_in_valid_mode(name, call, xs, ks):
    X, K = np.ones(xs), np.ones(ks)
    with pytest.raises(ValueError, match=rf"^K of spatial shape {ks[0]}x{ks[1]} is larger than X .*'valid' mode needs"):
        call(X, K)


@pytest.mark.parametrize("fn", [corr2d, conv2d])
def test_larger_kernel_is_fine_when_padding(fn):
    for mode in ("same", "full"):
        fn(np.ones((2, 2)), np.ones((5, 5)), mode)
        corr2d_multi_in_out(np.ones((2, 2, 1)), np.ones((5, 5, 1, 1)), mode)


def test_conv2d_layer_kernel_larger_than_image_names_weight():
    layer = Conv2D((4, 4), in_channels=1, out_channels=1, seed=0)
    with pytest.raises(ValueError, match=r"^weight of spatial shape 4x4 is larger than X of spatial shape 3x8"):
        layer(np.ones((3, 8)))


def test_output_shape_kernel_larger():
    with pytest.raises(ValueError, match=r"kernel 5x2 is larger than the image 4x4; 'valid' mode needs h <= H"):
        output_shape(4, 4, 5, 2)


# ---------------------------------------------------------------------------
# channel mismatch

MISMATCH = [
    ("corr2d_multi_in", lambda: corr2d_multi_in(np.ones((5, 5, 3)), np.ones((2, 2, 2))), 3, 2, "X", "K"),
    ("corr2d_multi_in_out", lambda: corr2d_multi_in_out(np.ones((5, 5, 3)), np.ones((2, 2, 4, 3))), 3, 4, "X", "K"),
    ("corr2d_multi_in_out-batch", lambda: corr2d_multi_in_out(np.ones((2, 5, 5, 1)), np.ones((2, 2, 3, 1))), 1, 3, "X", "K"),
    ("Conv2D", lambda: Conv2D(2, in_channels=3).forward(np.ones((5, 5, 2))), 2, 3, "X", "weight"),
    ("Conv2D-batch", lambda: Conv2D(2, in_channels=3).forward(np.ones((1, 5, 5, 4))), 4, 3, "X", "weight"),
]


@pytest.mark.parametrize("name, call, c_x, c_k, xname, kname", MISMATCH, ids=[c[0] for c in MISMATCH])
def test_channel_mismatch(name, call, c_x, c_k, xname, kname):
    with pytest.raises(ValueError, match=rf"^channel mismatch: {xname} has {c_x} channel\(s\) .* {kname} expects {c_k} input channel"):
        call()


def test_conv2d_layer_2d_input_needs_one_channel():
    with pytest.raises(ValueError, match=r"^X is 2-D \(one channel\) but the layer expects in_channels=2"):
        Conv2D(2, in_channels=2).forward(np.ones((5, 5)))


# ---------------------------------------------------------------------------
# unknown mode

MODE_FUNCTIONS = [
    ("corr2d", lambda m: corr2d(np.ones((3, 3)), np.ones((2, 2)), m)),
    ("conv2d", lambda m: conv2d(np.ones((3, 3)), np.ones((2, 2)), m)),
    ("corr2d_multi_in", lambda m: corr2d_multi_in(np.ones((3, 3, 2)), np.ones((2, 2, 2)), m)),
    ("corr2d_multi_in_out", lambda m: corr2d_multi_in_out(np.ones((3, 3, 2)), np.ones((2, 2, 2, 1)), m)),
    ("output_shape", lambda m: output_shape(3, 3, 2, 2, m)),
]


@pytest.mark.parametrize("bad", ["VALID", "circular", "", None, 0, ("valid",)])
@pytest.mark.parametrize("name, call", MODE_FUNCTIONS, ids=[c[0] for c in MODE_FUNCTIONS])
def test_unknown_mode(name, call, bad):
    with pytest.raises(ValueError, match=rf"^mode must be one of 'valid', 'same', 'full'; got {re.escape(repr(bad))}$"):
        call(bad)


# ---------------------------------------------------------------------------
# shape arithmetic and parameter counts


@pytest.mark.parametrize("bad", [0, -3, 2.0, True, "4", None])
def test_shape_helpers_reject_non_positive_integers(bad):
    for arg in ("H", "W", "h", "w"):
        args = {"H": 5, "W": 5, "h": 2, "w": 2, arg: bad}
        with pytest.raises(ValueError, match=rf"^{arg} must be a positive integer; got {re.escape(repr(bad))}"):
            output_shape(**args)
    for fn in (fully_connected_params, translation_invariant_params):
        for arg in ("H", "W", "c_in", "c_out"):
            args = {"H": 5, "W": 5, "c_in": 1, "c_out": 1, arg: bad}
            with pytest.raises(ValueError, match=rf"^{arg} must be a positive integer"):
                fn(**args)
    for arg in ("c_in", "c_out"):
        with pytest.raises(ValueError, match=rf"^{arg} must be a positive integer"):
            local_params(1, **{arg: bad})


@pytest.mark.parametrize("bad", [-1, 1.5, True, None])
def test_local_params_rejects_bad_delta(bad):
    with pytest.raises(ValueError, match=r"^delta must be a non-negative integer"):
        local_params(bad)
    with pytest.raises(ValueError, match=r"^delta must be a non-negative integer"):
        param_counts(8, 8, bad)


# ---------------------------------------------------------------------------
# Conv2D's own checks


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"kernel_size": 0}, "kernel_size"),
        ({"kernel_size": (2, 0)}, "kernel_size"),
        ({"kernel_size": 2.5}, "kernel_size"),
        ({"kernel_size": 2, "in_channels": 0}, "in_channels"),
        ({"kernel_size": 2, "out_channels": -1}, "out_channels"),
        ({"kernel_size": 2, "out_channels": 1.0}, "out_channels"),
    ],
)
def test_conv2d_layer_bad_sizes(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} must be a positive integer"):
        Conv2D(**kwargs)


@pytest.mark.parametrize("dtype", [np.int64, np.float16, complex])
def test_conv2d_layer_bad_dtype(dtype):
    with pytest.raises(TypeError, match=r"^dtype must be float32 or float64"):
        Conv2D(2, dtype=dtype)


def test_conv2d_layer_order_of_calls():
    layer = Conv2D(2, seed=0)
    with pytest.raises(RuntimeError, match=r"backward\(\) needs a forward\(\) call first"):
        layer.backward(np.ones((3, 3)))
    with pytest.raises(RuntimeError, match=r"step\(\) needs a backward\(\) call first"):
        layer.step(0.1)


def test_conv2d_layer_bad_grad_output():
    layer = Conv2D(2, seed=0)
    layer(np.ones((4, 5)))
    with pytest.raises(ValueError, match=re.escape("grad_output must have the forward output's shape (3, 4); got (4, 3)")):
        layer.backward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"^grad_output must be a 2, 3 or 4-D"):
        layer.backward(np.ones(12))
    with pytest.raises(TypeError, match=r"^grad_output must hold real numbers"):
        layer.backward(np.full((3, 4), "x"))


def test_conv2d_layer_bad_target():
    layer = Conv2D(2, seed=0)
    with pytest.raises(ValueError, match=re.escape("Y must have the layer output's shape (3, 4); got (4, 5)")):
        layer.fit(np.ones((4, 5)), np.ones((4, 5)), steps=1)
    with pytest.raises(ValueError, match=r"^Y must not be empty"):
        layer.fit(np.ones((4, 5)), np.ones((0, 4)), steps=1)
    with pytest.raises(TypeError, match=r"^Y must hold real numbers"):
        layer.fit(np.ones((4, 5)), np.full((3, 4), "y"), steps=1)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: __import__("convlib").box_kernel(True), "size"),
        (lambda: __import__("convlib").box_kernel(0), "size"),
        (lambda: __import__("convlib").gaussian_kernel(4), "size"),
        (lambda: __import__("convlib").edge_image(0, 8), "height"),
        (lambda: __import__("convlib").edge_image(6, 2.5), "width"),
        (lambda: __import__("convlib").square_image(0), "size"),
        (lambda: __import__("convlib").square_image(8, side=-1), "side"),
        (lambda: __import__("convlib").checkerboard(8, 0), "tile"),
        (lambda: __import__("convlib").kernel("nope"), "name"),
        (lambda: __import__("convlib").sample_image("nope"), "name"),
    ],
)
def test_kernel_and_image_helpers_reject_bad_sizes(call, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        call()


@pytest.mark.parametrize("sigma", ["a", None, True])
def test_gaussian_kernel_sigma_must_be_a_number(sigma):
    from convlib import gaussian_kernel

    with pytest.raises(TypeError, match="sigma must be a real number"):
        gaussian_kernel(3, sigma=sigma)


@pytest.mark.parametrize("kernel_size", [(2, 2, 2), (2,), None, "ab", []])
def test_conv2d_layer_kernel_size_must_be_an_int_or_a_pair(kernel_size):
    # a tuple of the wrong length or None leaked "too many values to unpack" / "not iterable"
    with pytest.raises(ValueError, match=r"^kernel_size must be a positive integer"):
        Conv2D(kernel_size)


@pytest.mark.parametrize("steps", [-1, 2.5, "10", True])
def test_conv2d_layer_fit_steps(steps):
    layer = Conv2D(2, seed=0)
    with pytest.raises(ValueError, match=r"^steps must be a non-negative integer"):
        layer.fit(np.ones((4, 5)), np.ones((3, 4)), steps=steps)
    assert layer.fit(np.ones((4, 5)), np.ones((3, 4)), steps=0) == []


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: __import__("convlib").square_image(8, top=1.5), "top"),
        (lambda: __import__("convlib").square_image(8, left="2"), "left"),
        (lambda: __import__("convlib").kernel(["sobel x"]), "name"),
        (lambda: __import__("convlib").sample_image({"a": 1}), "name"),
    ],
)
def test_helpers_name_unusable_arguments(call, name):
    # unhashable names leaked "unhashable type", float positions "slice indices must be integers"
    with pytest.raises(ValueError, match=rf"^{name} must"):
        call()


def test_square_image_negative_positions_are_clipped():
    from convlib import square_image

    np.testing.assert_array_equal(square_image(4, top=-1, left=-1, side=2), np.pad(np.ones((1, 1)), ((0, 3), (0, 3))))
