"""Every error path: the message names the argument and says what was expected.

Error classes: wrong ndim, empty array, kernel larger than
the image in "valid" mode, channel mismatch, unknown mode (all ValueError),
and non-numeric arrays (TypeError). Each is checked for every public function
that can meet it.
"""

import inspect
import re

import numpy as np
import pytest

from convlib import (
    Conv2D,
    conv2d,
    conv_geometry,
    corr2d,
    corr2d_multi_in,
    corr2d_multi_in_out,
    corr2d_naive,
    fully_connected_params,
    im2col,
    image_from_nchw,
    image_to_nchw,
    kernel_from_oihw,
    kernel_to_oihw,
    local_params,
    output_shape,
    output_size,
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
    "corr2d_multi_in_out": (
        corr2d_multi_in_out,
        {"X": ("3 or 4", (5, 6, 3)), "K": (4, (2, 3, 3, 2))},
    ),
    "image_to_nchw": (image_to_nchw, {"X": ("3 or 4", (5, 6, 3))}),
    "image_from_nchw": (image_from_nchw, {"X": (4, (1, 3, 5, 6))}),
    "kernel_to_oihw": (kernel_to_oihw, {"K": (4, (2, 3, 3, 2))}),
    "kernel_from_oihw": (kernel_from_oihw, {"K": (4, (2, 3, 3, 2))}),
    "Conv2D.forward": (_conv2d_layer_forward, {"X": ("2, 3 or 4", (5, 6, 3))}),
}

WRONG_NDIM_SHAPES = {
    2: [(5,), (5, 6, 1)],
    3: [(5, 6), (1, 5, 6, 3)],
    4: [(5, 6, 3), (1, 1, 5, 6, 3)],
    "3 or 4": [(5, 6), (1, 1, 5, 6, 3)],
    "2, 3 or 4": [(5,), (1, 1, 5, 6, 3)],
}


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


@pytest.mark.parametrize(
    "fname, fn, spec, arg, ndim, shape",
    list(_cases("ndim")),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_wrong_ndim(fname, fn, spec, arg, ndim, shape):
    for bad_shape in WRONG_NDIM_SHAPES[ndim] + [()]:
        args = _good_args(spec)
        args[arg] = np.ones(bad_shape)
        with pytest.raises(
            ValueError, match=rf"^{arg} must be a {ndim}-D\b.*got {len(bad_shape)}-D"
        ):
            _call(fn, args)


def test_ndim_messages_show_the_expected_layout():
    with pytest.raises(
        ValueError, match=re.escape("X must be a 3 or 4-D (H, W, C) or (N, H, W, C) array")
    ):
        image_to_nchw(np.ones((5, 6)))
    with pytest.raises(ValueError, match=re.escape("X must be a 4-D (N, C, H, W) array")):
        image_from_nchw(np.ones((5, 6, 3)))
    with pytest.raises(
        ValueError, match=re.escape("K must be a 4-D (k_h, k_w, C_in, C_out) array")
    ):
        kernel_to_oihw(np.ones((5, 6, 3)))
    with pytest.raises(
        ValueError, match=re.escape("K must be a 4-D (C_out, C_in, k_h, k_w) array")
    ):
        kernel_from_oihw(np.ones((5, 6, 3)))


# ---------------------------------------------------------------------------
# empty arrays


@pytest.mark.parametrize(
    "fname, fn, spec, arg, ndim, shape",
    list(_cases("empty")),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_empty(fname, fn, spec, arg, ndim, shape):
    for axis in range(len(shape)):
        args = _good_args(spec)
        bad_shape = shape[:axis] + (0,) + shape[axis + 1 :]
        args[arg] = np.ones(bad_shape)
        with pytest.raises(
            ValueError, match=rf"^{arg} must not be empty; got shape {re.escape(str(bad_shape))}"
        ):
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
@pytest.mark.parametrize(
    "fname, fn, spec, arg, ndim, shape",
    list(_cases("type")),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_non_numeric(fname, fn, spec, arg, ndim, shape, what):
    args = _good_args(spec)
    args[arg] = NON_NUMERIC[what](shape)
    with pytest.raises(TypeError, match=rf"^{arg} must (hold real numbers|be real-valued)"):
        _call(fn, args)


@pytest.mark.parametrize(
    "fname, fn, spec, arg, ndim, shape",
    list(_cases("ragged")),
    ids=lambda v: v if isinstance(v, str) else "",
)
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

NO_WINDOW = "no window fits (along each axis the kernel's span d (k - 1) + 1 must be at most the padded length n + 2p)"
PAD = "use mode='same' or mode='full', or padding=1 or more"  # for functions that take mode= and padding=

# One bad geometry (a 3 x 3 kernel on a 2 x 2 image, 'valid') through every public entry point:
# (entry point, call, the kernel as the message names it, the image as the message names it, the remedy).
# The remedy may name only options the entry point itself accepts (Conv2D has no mode=).
SAME_BAD_GEOMETRY = [
    (
        "corr2d",
        lambda: corr2d(np.ones((2, 2)), np.ones((3, 3))),
        "the kernel K = 3x3",
        "the image X = 2x2",
        PAD,
    ),
    (
        "conv2d",
        lambda: conv2d(np.ones((2, 2)), np.ones((3, 3))),
        "the kernel K = 3x3",
        "the image X = 2x2",
        PAD,
    ),
    (
        "corr2d_multi_in",
        lambda: corr2d_multi_in(np.ones((2, 2, 2)), np.ones((3, 3, 2))),
        "the kernel K = 3x3",
        "the image X = 2x2",
        PAD,
    ),
    (
        "corr2d_multi_in_out",
        lambda: corr2d_multi_in_out(np.ones((2, 2, 2)), np.ones((3, 3, 2, 4))),
        "the kernel K = 3x3",
        "the image X = 2x2",
        PAD,
    ),
    (
        "corr2d_multi_in_out-batch",
        lambda: corr2d_multi_in_out(np.ones((5, 2, 2, 2)), np.ones((3, 3, 2, 1))),
        "the kernel K = 3x3",
        "the image X = 2x2",
        PAD,
    ),
    (
        "output_shape",
        lambda: output_shape(2, 2, 3, 3),
        "the kernel k_h x k_w = 3x3",
        "the image H x W = 2x2",
        PAD,
    ),
    (
        "conv_geometry",
        lambda: conv_geometry((2, 2), (3, 3)),
        "the kernel K = 3x3",
        "the image X = 2x2",
        PAD,
    ),
    (
        "Conv2D",
        lambda: Conv2D(3)(np.ones((2, 2))),
        "the kernel kernel_size = 3x3",
        "the image X = 2x2",
        "use padding=1 or more",
    ),
    (
        "Conv2D-channels",
        lambda: Conv2D(3, 2, 4)(np.ones((2, 2, 2))),
        "the kernel kernel_size = 3x3",
        "the image X = 2x2",
        "use padding=1 or more",
    ),
    (
        "im2col",
        lambda: im2col(np.ones((2, 2)), 3, 3),
        "the kernel k_h x k_w = 3x3",
        "the image X = 2x2",
        "use padding=1 or more",
    ),
    (
        "output_size",
        lambda: output_size(2, 3),
        "the kernel k = 3",
        "the axis n = 2",
        "use padding=1 or more",
    ),
    (
        "corr2d_naive",
        lambda: corr2d_naive(np.ones((2, 2)), np.ones((3, 3))),
        "the kernel K = 3x3",
        "the image X = 2x2",
        "corr2d_naive computes 'valid' outputs only: use corr2d with mode='same' or padding=",
    ),
]


@pytest.mark.parametrize(
    "name, call, kernel, image, remedy", SAME_BAD_GEOMETRY, ids=[c[0] for c in SAME_BAD_GEOMETRY]
)
def test_the_same_bad_geometry_has_the_same_wording_everywhere(name, call, kernel, image, remedy):
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value) == f"{kernel} is larger than {image}: {NO_WINDOW}; {remedy}"


def test_a_remedy_names_only_options_of_its_own_entry_point():
    # a message that suggests mode= to Conv2D, which has no mode, sends the reader to an option that does not exist
    functions = {
        "corr2d": corr2d,
        "conv2d": conv2d,
        "corr2d_multi_in": corr2d_multi_in,
        "corr2d_multi_in_out": corr2d_multi_in_out,
        "output_shape": output_shape,
        "conv_geometry": conv_geometry,
        "Conv2D": Conv2D,
        "im2col": im2col,
        "output_size": output_size,
    }
    for name, call, *_ in SAME_BAD_GEOMETRY:
        function = functions.get(name.split("-")[0])
        if function is None:
            continue  # corr2d_naive's remedy names another function (it has neither option)
        with pytest.raises(ValueError) as info:
            call()
        remedy = str(info.value).rsplit("; ", 1)[1]
        accepted = inspect.signature(function).parameters
        for option in re.findall(r"(\w+)=", remedy):
            assert option in accepted, (
                f"{name}: the message suggests {option}=, which {name} does not accept"
            )


@pytest.mark.parametrize(
    "call, message",
    [
        # dilation: the span, and a smaller dilation as a remedy
        (
            lambda: corr2d(np.ones((4, 4)), np.ones((3, 3)), dilation=2),
            "the kernel K = 3x3 dilated by 2 = 5x5 is larger than the image X = 4x4: "
            + NO_WINDOW
            + "; use mode='same' or mode='full', or padding=1 or more, or a smaller dilation",
        ),
        (
            lambda: Conv2D(3, dilation=(2, 1))(np.ones((4, 4))),
            "the kernel kernel_size = 3x3 dilated by (2, 1) = 5x3 is larger than the image X = 4x4: "
            + NO_WINDOW
            + "; use padding=(1, 0) or more, or a smaller dilation",
        ),
        # padding that is not enough: the padded size, and the padding that would do
        (
            lambda: output_shape(4, 4, 5, 9, padding=(1, 2)),
            "the kernel k_h x k_w = 5x9 is larger than the image H x W = 4x4 padded by (1, 2) = 6x8: "
            + NO_WINDOW
            + "; use mode='same' or mode='full', or padding=(1, 3) or more",
        ),
        (
            lambda: Conv2D(5, padding=1)(np.ones((2, 2))),
            "the kernel kernel_size = 5x5 is larger than the image X = 2x2 padded by 1 = 4x4: "
            + NO_WINDOW
            + "; use padding=2 or more",
        ),
    ],
)
def test_kernel_too_large_with_dilation_or_padding(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert str(info.value) == message


@pytest.mark.parametrize("fn", [corr2d, conv2d])
def test_larger_kernel_is_fine_when_padding(fn):
    for mode in ("same", "full"):
        fn(np.ones((2, 2)), np.ones((5, 5)), mode)
        corr2d_multi_in_out(np.ones((2, 2, 1)), np.ones((5, 5, 1, 1)), mode)
    # the padding the message suggests is enough, and one less is not
    assert Conv2D(5, padding=2)(np.ones((1, 1))).shape == (1, 1)
    assert corr2d(np.ones((4, 4)), np.ones((3, 3)), dilation=2, padding=1).shape == (2, 2)


# ---------------------------------------------------------------------------
# channel mismatch

MISMATCH = [
    (
        "corr2d_multi_in",
        lambda: corr2d_multi_in(np.ones((5, 5, 3)), np.ones((2, 2, 2))),
        3,
        2,
        "X",
        "K",
    ),
    (
        "corr2d_multi_in_out",
        lambda: corr2d_multi_in_out(np.ones((5, 5, 3)), np.ones((2, 2, 4, 3))),
        3,
        4,
        "X",
        "K",
    ),
    (
        "corr2d_multi_in_out-batch",
        lambda: corr2d_multi_in_out(np.ones((2, 5, 5, 1)), np.ones((2, 2, 3, 1))),
        1,
        3,
        "X",
        "K",
    ),
    ("Conv2D", lambda: Conv2D(2, in_channels=3).forward(np.ones((5, 5, 2))), 2, 3, "X", "weight"),
    (
        "Conv2D-batch",
        lambda: Conv2D(2, in_channels=3).forward(np.ones((1, 5, 5, 4))),
        4,
        3,
        "X",
        "weight",
    ),
]


@pytest.mark.parametrize(
    "name, call, c_x, c_k, xname, kname", MISMATCH, ids=[c[0] for c in MISMATCH]
)
def test_channel_mismatch(name, call, c_x, c_k, xname, kname):
    with pytest.raises(
        ValueError,
        match=rf"^channel mismatch: {xname} has {c_x} channel\(s\) .* {kname} expects {c_k} input channel",
    ):
        call()


def test_conv2d_layer_2d_input_needs_one_channel():
    with pytest.raises(
        ValueError, match=r"^X is 2-D \(one channel\) but the layer expects in_channels=2"
    ):
        Conv2D(2, in_channels=2).forward(np.ones((5, 5)))


# ---------------------------------------------------------------------------
# unknown mode

MODE_FUNCTIONS = [
    ("corr2d", lambda m: corr2d(np.ones((3, 3)), np.ones((2, 2)), m)),
    ("conv2d", lambda m: conv2d(np.ones((3, 3)), np.ones((2, 2)), m)),
    ("corr2d_multi_in", lambda m: corr2d_multi_in(np.ones((3, 3, 2)), np.ones((2, 2, 2)), m)),
    (
        "corr2d_multi_in_out",
        lambda m: corr2d_multi_in_out(np.ones((3, 3, 2)), np.ones((2, 2, 2, 1)), m),
    ),
    ("output_shape", lambda m: output_shape(3, 3, 2, 2, m)),
]


@pytest.mark.parametrize("bad", ["VALID", "circular", "", None, 0, ("valid",)])
@pytest.mark.parametrize("name, call", MODE_FUNCTIONS, ids=[c[0] for c in MODE_FUNCTIONS])
def test_unknown_mode(name, call, bad):
    with pytest.raises(
        ValueError,
        match=rf"^mode must be one of 'valid', 'same', 'full'; got {re.escape(repr(bad))}$",
    ):
        call(bad)


# ---------------------------------------------------------------------------
# shape arithmetic and parameter counts


@pytest.mark.parametrize("bad", [0, -3, 2.0, True, "4", None])
def test_shape_helpers_reject_non_positive_integers(bad):
    # a value out of range is a ValueError, a value of the wrong type (a float, a bool, a string) a TypeError
    error = ValueError if type(bad) is int else TypeError
    for arg in ("H", "W", "k_h", "k_w"):
        args = {"H": 5, "W": 5, "k_h": 2, "k_w": 2, arg: bad}
        with pytest.raises(
            error, match=rf"^{arg} must be a positive integer; got {re.escape(repr(bad))}"
        ):
            output_shape(**args)
    for fn in (fully_connected_params, translation_invariant_params):
        for arg in ("H", "W", "c_in", "c_out"):
            args = {"H": 5, "W": 5, "c_in": 1, "c_out": 1, arg: bad}
            with pytest.raises(error, match=rf"^{arg} must be a positive integer"):
                fn(**args)
    for arg in ("c_in", "c_out"):
        with pytest.raises(error, match=rf"^{arg} must be a positive integer"):
            local_params(1, **{arg: bad})


@pytest.mark.parametrize("bad", [-1, 1.5, True, None])
def test_local_params_rejects_bad_delta(bad):
    error = ValueError if type(bad) is int else TypeError  # out of range, or of the wrong type
    with pytest.raises(error, match=r"^delta must be a non-negative integer"):
        local_params(bad)
    with pytest.raises(error, match=r"^delta must be a non-negative integer"):
        param_counts(8, 8, bad)


# ---------------------------------------------------------------------------
# Conv2D's own checks


@pytest.mark.parametrize(
    "kwargs, name, error",
    [
        ({"kernel_size": 2, "in_channels": 0}, "in_channels", ValueError),
        ({"kernel_size": 2, "out_channels": -1}, "out_channels", ValueError),
        ({"kernel_size": 2, "out_channels": 1.0}, "out_channels", TypeError),
    ],
)
def test_conv2d_layer_bad_sizes(kwargs, name, error):
    with pytest.raises(error, match=rf"^{name} must be a positive integer"):
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
    with pytest.raises(
        ValueError,
        match=re.escape("grad_output must have the forward output's shape (3, 4); got (4, 3)"),
    ):
        layer.backward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"^grad_output must be a 2, 3 or 4-D"):
        layer.backward(np.ones(12))
    with pytest.raises(TypeError, match=r"^grad_output must hold real numbers"):
        layer.backward(np.full((3, 4), "x"))


def test_conv2d_layer_bad_target():
    layer = Conv2D(2, seed=0)
    with pytest.raises(
        ValueError, match=re.escape("Y must have the layer output's shape (3, 4); got (4, 5)")
    ):
        layer.fit(np.ones((4, 5)), np.ones((4, 5)), steps=1)
    with pytest.raises(ValueError, match=r"^Y must not be empty"):
        layer.fit(np.ones((4, 5)), np.ones((0, 4)), steps=1)
    with pytest.raises(TypeError, match=r"^Y must hold real numbers"):
        layer.fit(np.ones((4, 5)), np.full((3, 4), "y"), steps=1)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: __import__("convlib").box_kernel(0), "size"),
        (lambda: __import__("convlib").gaussian_kernel(4), "size"),
        (lambda: __import__("convlib").edge_image(0, 8), "height"),
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


@pytest.mark.parametrize("steps", [-1, 2.5, "10", True])
def test_conv2d_layer_fit_steps(steps):
    layer = Conv2D(2, seed=0)
    with pytest.raises(
        ValueError if type(steps) is int else TypeError,
        match=r"^steps must be a non-negative integer",
    ):
        layer.fit(np.ones((4, 5)), np.ones((3, 4)), steps=steps)
    assert layer.fit(np.ones((4, 5)), np.ones((3, 4)), steps=0) == []


@pytest.mark.parametrize(
    "call, name",
    [
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

    np.testing.assert_array_equal(
        square_image(4, top=-1, left=-1, side=2), np.pad(np.ones((1, 1)), ((0, 3), (0, 3)))
    )


# ---------------------------------------------------------------------------
# arguments that used to leak NumPy's or Python's internals, or turn into NaN


@pytest.mark.parametrize(
    "bad", [np.array([3]), np.array([[3, 4]]), np.float64(3.0), 3.0, "3", None, True, np.True_, [3]]
)
def test_integer_arguments_of_the_wrong_type_are_type_errors(bad):
    # np.array([3]) used to fail with numpy's "only 0-dimensional arrays can be converted to Python scalars"
    with pytest.raises(TypeError, match=r"^H must be a positive integer; got ") as info:
        output_shape(bad, 4, 2, 2)
    # a plain TypeError: convlib has no earlier release to stay compatible with
    assert not isinstance(info.value, ValueError)
    # the other integer arguments of convlib's helpers alike
    for call, name in [
        (lambda: __import__("convlib").square_image(8, top=bad), "top"),
        (lambda: __import__("convlib").square_image(8, left=bad), "left"),
        (lambda: __import__("convlib").edge_image(6, bad), "width"),
        (lambda: __import__("convlib").box_kernel(bad), "size"),
    ]:
        with pytest.raises(TypeError, match=rf"^{name} must"):
            call()


def test_array_arguments_are_shown_by_their_shape():
    with pytest.raises(
        TypeError, match=re.escape("H must be a positive integer; got a 1-D array of shape (1,)")
    ):
        output_shape(np.array([3]), 4, 2, 2)
    # integer scalars of every kind are fine
    assert output_shape(np.array(3), np.int8(4), np.uint64(2), 2) == (
        2,
        3,
    )


def test_long_reprs_are_cut_in_messages():
    with pytest.raises(TypeError) as info:
        local_params("x" * 10_000)
    assert len(str(info.value)) < 200 and str(info.value).endswith("...")


KERNEL_SIZE_TYPE = (
    r"^kernel_size must be an integer or a pair of integers \(kernel_size_h, kernel_size_w\); got "
)


@pytest.mark.parametrize(
    "kernel_size, expected, message",
    [
        ({1: 2, 3: 4}, TypeError, KERNEL_SIZE_TYPE),  # used to build a 1x3 kernel from the keys
        ({2, 3}, TypeError, KERNEL_SIZE_TYPE),
        ("3", TypeError, KERNEL_SIZE_TYPE),
        ("ab", TypeError, KERNEL_SIZE_TYPE),  # used to unpack into 'a' and 'b'
        (b"ab", TypeError, KERNEL_SIZE_TYPE),
        (None, TypeError, KERNEL_SIZE_TYPE),
        (2.5, TypeError, KERNEL_SIZE_TYPE),
        ((2.0, 3), TypeError, KERNEL_SIZE_TYPE),
        (
            (2, 2, 2),
            TypeError,
            KERNEL_SIZE_TYPE,
        ),  # a tuple of the wrong length leaked "too many values to unpack"
        ((2,), TypeError, KERNEL_SIZE_TYPE),
        ([], TypeError, KERNEL_SIZE_TYPE),
        (
            0,
            ValueError,
            r"^kernel_size must be a positive integer \(or a pair \(kernel_size_h, kernel_size_w\) of them\); got 0",
        ),
        ((2, 0), ValueError, r"^kernel_size must be a positive integer .*; got \(2, 0\)"),
        ((2, -1), ValueError, r"^kernel_size must be a positive integer"),
        (10**40, ValueError, r"^kernel_size x in_channels x out_channels too large"),
    ],
)
def test_conv2d_layer_rejects_kernel_sizes_that_are_not_ints_or_pairs(
    kernel_size, expected, message
):
    with pytest.raises(expected, match=message):
        Conv2D(kernel_size)


def test_conv2d_layer_accepts_int_pairs_of_every_kind():
    for size in (3, np.int64(3), (3, 3), [3, 3], np.array([3, 3]), (np.int32(3), 3)):
        assert Conv2D(size).weight.shape == (3, 3, 1, 1)


@pytest.mark.parametrize("dtype", ["foo", None, {}, "float16", np.int32, object, "S3"])
def test_conv2d_layer_dtype_names_the_argument(dtype):
    # dtype="foo" used to fail with numpy's "data type 'foo' not understood"
    with pytest.raises(TypeError, match=r"^dtype must be float32 or float64; got "):
        Conv2D(2, dtype=dtype)


@pytest.mark.parametrize(
    "dtype, expected",
    [("float32", np.float32), (np.float32, np.float32), (float, np.float64), ("f8", np.float64)],
)
def test_conv2d_layer_dtype_spellings(dtype, expected):
    assert Conv2D(2, dtype=dtype).weight.dtype == expected


@pytest.mark.parametrize(
    "seed, expected",
    [(-1, ValueError), (1.5, TypeError), ("0", TypeError), ([1, 2], TypeError), (True, TypeError)],
)
def test_conv2d_layer_seed(seed, expected):
    with pytest.raises(expected, match=r"^seed must be a non-negative integer"):
        Conv2D(2, seed=seed)


def test_conv2d_layer_huge_kernel_fails_fast_without_allocating():
    with pytest.raises(
        ValueError,
        match=r"^kernel_size x in_channels x out_channels too large: the weight of shape \(100000, 100000, 1, 1\)",
    ):
        Conv2D(100_000)
    with pytest.raises(ValueError, match=r"too large"):
        Conv2D(3, in_channels=10**6, out_channels=10**6)


@pytest.mark.parametrize(
    "lr, expected",
    [
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        (-0.1, ValueError),
        (0, ValueError),
        ("x", TypeError),
        (None, TypeError),
        (True, TypeError),
        (np.array([0.1]), TypeError),
        (10**400, ValueError),
    ],
)
def test_learning_rate_must_be_positive_and_finite(lr, expected):
    # lr=nan used to give NaN weights without a word
    layer = Conv2D(2, seed=0)
    w0 = layer.weight.copy()
    with pytest.raises(expected, match=r"^lr must be a (real number|positive finite number)"):
        layer.fit(np.ones((4, 5)), np.ones((3, 4)), lr=lr, steps=3)
    np.testing.assert_array_equal(layer.weight, w0)  # rejected before any update
    layer.backward(np.ones_like(layer(np.ones((4, 5)))))
    with pytest.raises(expected, match=r"^lr must be"):
        layer.step(lr)
    np.testing.assert_array_equal(layer.weight, w0)


def test_fit_checks_every_argument_before_the_first_step():
    layer = Conv2D(2, seed=0)
    w0 = layer.weight.copy()
    with pytest.raises(TypeError, match=r"^learn_bias must be True or False; got 'yes'"):
        layer.fit(np.ones((4, 5)), np.ones((3, 4)), learn_bias="yes")
    with pytest.raises(
        ValueError, match=re.escape("Y must have the layer output's shape (3, 4); got (4, 5)")
    ):
        layer.fit(np.ones((4, 5)), np.ones((4, 5)), steps=0)  # even without a step
    with pytest.raises(ValueError, match=r"^X must be a 2, 3 or 4-D"):
        layer.fit(np.ones(5), np.ones((3, 4)), steps=0)
    np.testing.assert_array_equal(layer.weight, w0)


@pytest.mark.parametrize("name", ["X", "Y"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_fit_rejects_non_finite_data(name, bad):
    data = {"X": np.ones((4, 5)), "Y": np.ones((3, 4))}
    data[name][1, 1] = bad
    layer = Conv2D(2, seed=0)
    with pytest.raises(ValueError, match=rf"^{name} must be finite to fit the layer"):
        layer.fit(data["X"], data["Y"], steps=2)
    assert np.isfinite(layer.weight).all()


def test_fit_stops_when_the_learning_rate_makes_the_loss_overflow():
    X = np.random.default_rng(0).normal(size=(16, 16)) * 1e3
    layer = Conv2D(3, seed=0)
    with pytest.raises(
        ValueError,
        match=r"^lr=100.0 is too large for this data: the loss overflowed to inf after \d+ steps",
    ):
        layer.fit(X, np.zeros((14, 14)), lr=100.0, steps=1000)


@pytest.mark.parametrize("sigma", [1e300, 1e200, 1e-200, 5e-324])
def test_gaussian_kernel_extreme_widths_are_exact_limits(sigma):
    # 1e300 used to raise OverflowError, 1e-200 to return NaNs
    K = convlib_gaussian(5, sigma)
    assert np.isfinite(K).all()
    if sigma > 1:
        # every weight rounds to the centre's: the box
        np.testing.assert_array_equal(K, np.full((5, 5), 1 / 25))
    else:
        # every off-centre weight underflows: the identity
        np.testing.assert_array_equal(K, np.pad([[1.0]], 2))


def convlib_gaussian(size, sigma):
    from convlib import gaussian_kernel

    return gaussian_kernel(size, sigma)


@pytest.mark.parametrize(
    "sigma, expected",
    [
        (np.inf, ValueError),
        (-np.inf, ValueError),
        (10**400, ValueError),
        (0.0, ValueError),
        (np.array([1.0]), TypeError),
        (1 + 0j, TypeError),
        ("1", TypeError),
    ],
)
def test_gaussian_kernel_rejects_sigmas_that_are_not_positive_finite_numbers(sigma, expected):
    with pytest.raises(expected, match=r"^sigma must be a (real number|positive finite number)"):
        convlib_gaussian(5, sigma)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: __import__("convlib").box_kernel(10**6), "size"),
        (lambda: __import__("convlib").gaussian_kernel(10**6 + 1), "size"),
        (lambda: __import__("convlib").edge_image(10**6, 10**6), "height and width"),
        (lambda: __import__("convlib").square_image(10**9), "size"),
        (lambda: __import__("convlib").checkerboard(10**12), "size"),
    ],
)
def test_huge_sizes_fail_fast_without_allocating(call, name):
    with pytest.raises(
        ValueError,
        match=rf"^{name} too large: the array of shape .* more than convlib's limit of 2\*\*28",
    ):
        call()


@pytest.mark.parametrize(
    "value, expected",
    [
        (np.nan, ValueError),
        (np.inf, ValueError),
        ("1", TypeError),
        (None, TypeError),
        (np.ones(2), TypeError),
    ],
)
def test_square_image_value_must_be_a_finite_number(value, expected):
    from convlib import square_image

    with pytest.raises(expected, match=r"^value must be a (real number|finite number)"):
        square_image(8, value=value)


def test_preset_kernels_cannot_be_changed_in_place():
    from convlib import KERNELS, kernel

    with pytest.raises(ValueError, match="read-only"):
        KERNELS["sobel x"][0, 0] = 99
    K = kernel("sobel x")
    K[0, 0] = 99  # the copy is the caller's
    assert KERNELS["sobel x"][0, 0] == -1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"padding": -1},
            r"^padding must be a non-negative integer \(or a pair \(padding_h, padding_w\) of them\); got -1",
        ),
        (
            {"padding": (1, 2, 3)},
            r"^padding must be an integer or a pair of integers \(padding_h, padding_w\); got \(1, 2, 3\)",
        ),
        ({"padding": 1.5}, r"^padding must be an integer or a pair of integers"),
        ({"padding": "1"}, r"^padding must be an integer or a pair of integers"),
        ({"padding": {1: 2}}, r"^padding must be an integer or a pair of integers"),
        (
            {"stride": 0},
            r"^stride must be a positive integer \(or a pair \(stride_h, stride_w\) of them\); got 0",
        ),
        ({"stride": (1, -2)}, r"^stride must be a positive integer"),
        (
            {"stride": (1.0, 2)},
            r"^stride must be an integer or a pair of integers \(stride_h, stride_w\)",
        ),
        ({"stride": None}, r"^stride must be an integer or a pair of integers"),
        ({"stride": True}, r"^stride must be an integer or a pair of integers"),
        (
            {"padding": 1, "mode": "same"},
            r"^padding must be 0 when mode is 'same' \(that mode pads by itself\); got padding=1",
        ),
        ({"padding": (0, 1), "mode": "full"}, r"^padding must be 0 when mode is 'full'"),
    ],
)
def test_padding_and_stride_are_checked(kwargs, message):
    mode = kwargs.pop("mode", "valid")
    with pytest.raises((ValueError, TypeError), match=message):
        output_shape(8, 8, 3, 3, mode, **kwargs)
    if mode == "valid":
        with pytest.raises((ValueError, TypeError), match=message):
            Conv2D(3, **kwargs)


def test_conv2d_layer_huge_padding_fails_fast():
    with pytest.raises(
        ValueError,
        match=r"^padding too large: the zero-padded input of shape \(1, 2000006, 2000006, 1\)",
    ):
        Conv2D(3, padding=10**6)(np.ones((6, 6)))


def test_conv2d_layer_huge_broadcast_input_fails_fast():
    # a view of one number: 2**40 pixels, 8 TiB if written out
    X = np.broadcast_to(np.float64(1.0), (2**20, 2**20))
    with pytest.raises(
        ValueError, match=r"^X too large: the layer output of shape \(1, 1048574, 1048574, 1\)"
    ):
        Conv2D(3)(X)
