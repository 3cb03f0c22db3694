"""Checkers for answers that are not functions: by-hand numbers, designed kernels, the equivariance quiz."""

from __future__ import annotations

import numpy as np

from ..channels import corr2d_multi_in_out
from ..correlate import conv2d, corr2d
from ..images import LUMA as _LUMA
from ..shapes import fully_connected_params, local_params, translation_invariant_params
from .calls import plain_answer, safe_repr
from .engine import NOT_ANSWERED, CheckFailed, answer_array


def _short_repr(value) -> str:
    """The student's value for a message, without running any of its code (see calls.safe_repr)."""
    return safe_repr(value)


def _real_number(value):
    """``value`` as an int (exactly) or a float; None for text, complex numbers, booleans and other objects.

    Subclasses of int and float count by their built-in value: none of their
    own methods runs (so none can look at the expected value).
    """
    value = plain_answer(value)
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    return None


def _check_numbers(title: str, answers: dict, expected: dict, known: dict) -> None:
    """Compare named numeric answers; ``known[name]`` maps a wrong value to a hint."""
    for name, value in answers.items():
        if value is Ellipsis or value is None:
            raise CheckFailed(f"{title}: {name} is {NOT_ANSWERED}")
    for name, value in answers.items():
        # integers compare exactly (however large); other numbers as floats
        number = _real_number(value)
        if number is None:
            raise CheckFailed(
                f"{title}: {name} must be a number (an int such as 12345, not text); got {_short_repr(value)} of type {type(value).__name__}"
            )
        if number == expected[name]:
            continue
        for wrong, (tag, hint) in known.get(name, {}).items():
            if number == wrong:
                raise CheckFailed(
                    f"{title}: {name} = {safe_repr(number)} is not right. Hint [{tag}]: {hint}"
                )
        raise CheckFailed(
            f"{title}: {name} = {safe_repr(number)} is not right. Hint [wrong number]: recount step by step with the formula from the chapter."
        )
    print(f"✓ {title}: {', '.join(answers)} correct")


def check_dense_counts(fc_weights, ti_weights) -> None:
    """Check the weight counts for a 480 x 640 grey image (480 rows, 640 columns) mapped to a hidden layer of the same size.

    Parameters
    ----------
    fc_weights : int
        Number of weights ``W[i, j, k, l]`` of the fully connected layer.
    ti_weights : int
        Number of weights ``V[a, b]`` left after translation invariance.

    Examples
    --------
    >>> from convlib.checks import check_dense_counts
    >>> check_dense_counts(480 + 640, 1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: weight counts: fc_weights = 1120 is not right. Hint [wrong number]: ...
    """
    H, W = 480, 640
    n = H * W
    expected = {
        "fc_weights": fully_connected_params(H, W),
        "ti_weights": translation_invariant_params(H, W),
    }
    known = {
        "fc_weights": {
            n: (
                "one hidden pixel only",
                "that is the weights of ONE hidden pixel; each of the H W hidden pixels has its own H W weights.",
            ),
            2 * n: (
                "added instead of multiplied",
                "every (hidden pixel, image pixel) pair has a weight: (H W) x (H W).",
            ),
            H**2 * W: (
                "one factor missing",
                "W[i, j, k, l] has four indices: i and k run over H rows, j and l over W columns.",
            ),
            H * W**2: (
                "one factor missing",
                "W[i, j, k, l] has four indices: i and k run over H rows, j and l over W columns.",
            ),
            H**4: (
                "square image assumed",
                "the image has H = 480 rows and W = 640 columns: (H W)^2.",
            ),
            W**4: (
                "square image assumed",
                "the image has H = 480 rows and W = 640 columns: (H W)^2.",
            ),
        },
        "ti_weights": {
            n: (
                "offsets only positive",
                "the offset a = k - i runs from -(H - 1) to H - 1: 2H - 1 values, and b over 2W - 1 values.",
            ),
            (2 * H) * (2 * W): (
                "one offset too many",
                "a runs from -(H - 1) to H - 1: that is 2H - 1 values, not 2H.",
            ),
            (2 * H + 1) * (2 * W + 1): (
                "one offset too many",
                "a runs from -(H - 1) to H - 1: that is 2H - 1 values, not 2H + 1.",
            ),
            (2 * H - 1) ** 2: (
                "square image assumed",
                "b runs over the columns: 2W - 1 = 1279 values, a over the rows: 2H - 1 = 959.",
            ),
            (2 * W - 1) ** 2: (
                "square image assumed",
                "a runs over the rows: 2H - 1 = 959 values, b over the columns: 2W - 1 = 1279.",
            ),
            n**2: (
                "nothing was dropped",
                "translation invariance drops the dependence on (i, j): only the offset (a, b) is left.",
            ),
            1: (
                "too few",
                "translation invariance keeps one weight per OFFSET (a, b), not a single weight.",
            ),
        },
    }
    _check_numbers(
        "weight counts", {"fc_weights": fc_weights, "ti_weights": ti_weights}, expected, known
    )


def check_layer_counts(fc_weights, local_weights) -> None:
    """Check the counts for a 1024 x 1024 RGB image mapped to a 1024 x 1024 x 64 hidden layer, with Delta = 2.

    Parameters
    ----------
    fc_weights : int
        Weights of the fully connected layer (no biases).
    local_weights : int
        Weights of the convolutional layer, translation invariant and local
        (no biases).

    Examples
    --------
    >>> from convlib.checks import check_layer_counts
    >>> check_layer_counts(1024 * 1024, 64)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: layer counts: fc_weights = 1048576 is not right. Hint [wrong number]: ...
    """
    H = W = 1024
    c_in, c_out, delta = 3, 64, 2
    expected = {
        "fc_weights": fully_connected_params(H, W, c_in, c_out),
        "local_weights": local_params(delta, c_in, c_out),
    }
    fc = fully_connected_params(H, W)
    known = {
        "fc_weights": {
            fc: (
                "forgot the channels",
                "with channels every weight W[i, j, k, l] exists once per (input channel, output channel) pair: multiply by C_in C_out.",
            ),
            fc * c_in: (
                "forgot the output channels",
                "multiply by C_out = 64 too: each output channel has its own weights.",
            ),
            fc * c_out: (
                "forgot the input channels",
                "multiply by C_in = 3 too: each output pixel sums over the 3 input channels.",
            ),
            H * W * c_in * c_out: (
                "one hidden pixel only",
                "that is one hidden pixel's weights; there are H W of them.",
            ),
        },
        "local_weights": {
            25 * c_out: (
                "forgot the input channels",
                "the kernel V[a, b, c, k] has an input-channel index c: multiply by C_in = 3.",
            ),
            25 * c_in: (
                "forgot the output channels",
                "the kernel V[a, b, c, k] has an output-channel index k: multiply by C_out = 64.",
            ),
            25: (
                "forgot the channels",
                "V[a, b, c, k] has four indices: (2 Delta + 1)^2 offsets times C_in times C_out.",
            ),
            9 * c_in * c_out: (
                "window side Delta + 1",
                "a runs from -Delta to Delta: 2 Delta + 1 = 5 values, not Delta + 1.",
            ),
            16 * c_in * c_out: (
                "window side 2 Delta",
                "a runs from -Delta to Delta: 2 Delta + 1 = 5 values including 0, not 2 Delta.",
            ),
            4 * c_in * c_out: (
                "window side Delta",
                "a runs from -Delta to Delta: 2 Delta + 1 = 5 values, not Delta.",
            ),
            25 * c_in * c_out + c_out: (
                "counted the biases",
                "count the kernel weights only here (the question leaves out the 64 biases).",
            ),
            5 * c_in * c_out: (
                "one axis only",
                "the window is square: (2 Delta + 1) values of a times (2 Delta + 1) values of b.",
            ),
        },
    }
    _check_numbers(
        "layer counts", {"fc_weights": fc_weights, "local_weights": local_weights}, expected, known
    )


HAND_X = np.array([[2, 0, 1], [1, 3, 0], [0, 1, 2]])
"""The 3 x 3 input of the by-hand exercise in the chapter on convolution vs correlation."""
HAND_K = np.array([[1, 2], [-1, 0]])
"""The 2 x 2 kernel of the by-hand exercise."""


def check_hand_example(corr, conv) -> None:
    """Check the by-hand cross-correlation and convolution of :data:`HAND_X` with :data:`HAND_K`.

    Parameters
    ----------
    corr : array_like, shape (2, 2)
        ``corr2d(HAND_X, HAND_K)``, computed by hand.
    conv : array_like, shape (2, 2)
        ``conv2d(HAND_X, HAND_K)``, computed by hand.

    Examples
    --------
    >>> from convlib.checks import check_hand_example
    >>> check_hand_example([[0, 0], [0, 0]], [[0, 0], [0, 0]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: by-hand example: corr is not right. Hint [entry (0, 0)]: ...
    """
    X, K = HAND_X, HAND_K
    answers = {"corr": corr, "conv": conv}
    for name, value in answers.items():
        if value is Ellipsis or value is None:
            raise CheckFailed(f"by-hand example: {name} is {NOT_ANSWERED}")
    # the answers become plain arrays (their code runs) before the right ones exist
    answers = {
        name: answer_array("by-hand example", name, value) for name, value in answers.items()
    }
    right = {"corr": corr2d(X, K), "conv": conv2d(X, K)}
    for name, g in answers.items():
        other = right["conv" if name == "corr" else "corr"]
        if g.shape != (2, 2):
            raise CheckFailed(
                f"by-hand example: {name} is not right. Hint [wrong shape]: a 3 x 3 input and a 2 x 2 kernel give a "
                f"(3 - 2 + 1) x (3 - 2 + 1) = 2 x 2 output; you gave shape {g.shape}."
            )
        if np.array_equal(g, right[name]):
            continue
        if np.array_equal(g, other):
            what = (
                "the convolution (with the flipped kernel)"
                if name == "corr"
                else "the cross-correlation (without the flip)"
            )
            raise CheckFailed(
                f"by-hand example: {name} is not right. Hint [swapped]: this is {what}."
            )
        if np.array_equal(g, right[name].T):
            raise CheckFailed(
                f"by-hand example: {name} is not right. Hint [transposed]: row i of the output belongs to window row i."
            )
        if (
            name == "conv"
            and np.array_equal(g, corr2d(X, K[::-1]))
            or name == "conv"
            and np.array_equal(g, corr2d(X, K[:, ::-1]))
        ):
            raise CheckFailed(
                "by-hand example: conv is not right. Hint [flipped one axis]: flip the kernel along both axes (rotate it by 180 degrees)."
            )
        if name == "conv" and np.array_equal(g, corr2d(X, K.T)):
            raise CheckFailed(
                "by-hand example: conv is not right. Hint [transposed instead of flipped]: the flip is a 180-degree rotation, not a transpose."
            )
        bad = [(i, j) for i in range(2) for j in range(2) if g[i, j] != right[name][i, j]]
        i, j = bad[0]
        kernel = "K" if name == "corr" else "the flipped kernel K[::-1, ::-1]"
        raise CheckFailed(
            f"by-hand example: {name} is not right. Hint [entry ({i}, {j})]: {len(bad)} of 4 entries differ; the first is ({i}, {j}). "
            f"Its window is X[{i}:{i + 2}, {j}:{j + 2}] = {X[i : i + 2, j : j + 2].tolist()}: multiply it elementwise with {kernel} and add up."
        )
    print("✓ by-hand example: corr and conv correct")


# ---------------------------------------------------------------------------
# design a kernel


def _edge_images():
    """Hidden test images: (name, image, kind) with kind in {'horizontal', 'vertical', 'flat'}."""
    rng = np.random.default_rng(8)
    images = []
    for H, W in [(8, 8), (7, 10), (10, 7)]:
        levels = np.round(rng.uniform(0, 1, size=3), 2)
        Xh = np.full((H, W), levels[0])
        Xh[H // 2 :] = levels[1]  # a horizontal edge between two rows
        Xh[: H // 4] = levels[2]
        images.append((f"horizontal edges, {H}x{W}", Xh, "horizontal"))
        Xv = np.full((H, W), levels[0])
        Xv[:, W // 2 :] = levels[1]
        Xv[:, : W // 4] = levels[2]
        images.append((f"vertical edges, {H}x{W}", Xv, "vertical"))
        images.append((f"constant image, {H}x{W}", np.full((H, W), levels[2] + 0.5), "flat"))
        ramp = np.tile(np.linspace(0, 1, W), (H, 1))
        images.append((f"left-to-right ramp, {H}x{W}", ramp, "vertical"))
    return images


def check_edge_kernel(K) -> None:
    """Check a kernel that detects **horizontal** edges: brightness changing from one row to the next.

    Requirements, tested on hidden images with ``corr2d(X, K)`` (valid):

    * the output is (numerically) zero on a constant image;
    * zero on every image whose brightness changes only from left to right
      (vertical edges, horizontal ramps);
    * non-zero on the rows where an image changes from top to bottom, and zero
      on the rows away from such an edge.

    Any size up to 5 x 5 is accepted.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks import check_edge_kernel
    >>> check_edge_kernel(np.ones((2, 2)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: horizontal-edge kernel: Hint [responds to flat regions]: ...
    """
    title = "horizontal-edge kernel"
    if K is Ellipsis or K is None:
        raise CheckFailed(f"{title}: {NOT_ANSWERED}")
    Karr = answer_array(title, "K", K)
    if Karr.ndim != 2 or Karr.size == 0:
        raise CheckFailed(
            f"{title}: Hint [not a 2-D kernel]: K must be a 2-D array of numbers (rows and columns); got shape {Karr.shape}"
        )
    if Karr.shape[0] > 5 or Karr.shape[1] > 5:
        raise CheckFailed(
            f"{title}: Hint [too large]: keep the kernel at most 5 x 5; got shape {Karr.shape}"
        )
    if not np.all(np.isfinite(Karr)):
        raise CheckFailed(f"{title}: Hint [not finite]: the kernel holds NaN or inf")
    images = _edge_images()
    scale = float(np.abs(Karr).sum()) or 1.0
    tol = 1e-9 * scale
    if float(np.abs(Karr).max()) == 0:
        raise CheckFailed(
            f"{title}: Hint [all zeros]: an all-zero kernel responds to nothing; it must respond to horizontal edges."
        )
    for name, X, kind in images:
        Y = corr2d(X, Karr)
        if kind == "flat" and np.abs(Y).max() > tol:
            raise CheckFailed(
                f"{title}: Hint [responds to flat regions]: on a constant image ({name}) your output is "
                f"{float(Y.flat[0]):.3g}, not 0. An edge detector must ignore constant brightness: make the entries sum to zero."
            )
    for name, X, kind in images:
        Y = corr2d(X, Karr)
        if kind == "vertical" and np.abs(Y).max() > tol:
            col_sums = Karr.sum(axis=0)
            row_sums = Karr.sum(axis=1)
            vertical_detector = np.allclose(row_sums, 0, atol=tol)
            detail = (
                "you built a VERTICAL-edge detector: it compares neighbouring COLUMNS. A horizontal edge is a change from one row "
                "to the next, so the kernel must compare neighbouring rows."
                if vertical_detector
                else f"it must ignore changes from left to right: make every column of K sum to zero (your column sums: {np.round(col_sums, 3).tolist()})."
            )
            raise CheckFailed(
                f"{title}: Hint [vertical edges]: your kernel responds to the image '{name}', whose brightness only changes from left to right: {detail}"
            )
    for name, X, kind in images:
        if kind != "horizontal":
            continue
        Y = corr2d(X, Karr)
        rows = np.abs(Y).max(axis=1) > tol
        k_h = Karr.shape[0]
        # rows of Y whose window straddles an edge of X
        changes = np.flatnonzero(np.any(X[1:] != X[:-1], axis=1))  # edge between row r and r + 1
        straddle = np.zeros(Y.shape[0], dtype=bool)
        for r in changes:
            straddle[max(0, r - k_h + 2) : r + 1] = True
        if not rows[straddle].any():
            raise CheckFailed(
                f"{title}: Hint [misses horizontal edges]: on '{name}' your output is zero everywhere, also where the brightness "
                "changes from one row to the next. The kernel's rows must weigh the two sides of such an edge differently (different row sums)."
            )
        if rows[~straddle].any():
            raise CheckFailed(
                f"{title}: Hint [responds away from edges]: on '{name}' your output is non-zero on rows far from every edge."
            )
    print(f"✓ {title}: all {len(images)} hidden images pass")


PATTERN = np.array([[1, 1, 1], [0, 1, 0], [0, 1, 0]], dtype=float)
"""The 3 x 3 'T' pattern to find in :func:`check_pattern_kernel` (1 = bright, 0 = dark)."""


_DISTRACTORS = {
    "filled 3x3 square": np.ones((3, 3)),
    "upside-down T": PATTERN[::-1, ::-1].copy(),
    "sideways T": PATTERN.T.copy(),
    "plus sign": np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=float),
    "horizontal bar": np.array([[0, 0, 0], [1, 1, 1], [0, 0, 0]], dtype=float),
}


def _scene(rng, H: int, W: int):
    """A dark H x W scene with the T and every distractor once, in random cells of a 4-pixel grid (1-pixel gaps)."""
    X = np.zeros((H, W))
    slots = [(r, c) for r in range(0, H - 2, 4) for c in range(0, W - 2, 4)]
    order = rng.permutation(len(slots))
    placed = {}
    for (name, P), k in zip([("T", PATTERN)] + list(_DISTRACTORS.items()), order, strict=False):
        r, c = slots[k]
        X[r : r + 3, c : c + 3] = P
        placed[name] = (r, c)
    return X, placed


def hidden_pattern_scenes():
    """The hidden scenes of :func:`check_pattern_kernel`: (name, image, positions).

    Examples
    --------
    >>> from convlib.checks.answers import hidden_pattern_scenes
    >>> [name for name, X, placed in hidden_pattern_scenes()][:2]
    ['scene 1 (12x16)', 'scene 2 (16x12)']
    """
    rng = np.random.default_rng(9)
    scenes = []
    for s, (H, W) in enumerate([(12, 16), (16, 12), (14, 14), (12, 20), (20, 12), (15, 17)]):
        X, placed = _scene(rng, H, W)
        scenes.append((f"scene {s + 1} ({H}x{W})", X, placed))
    return scenes


def pattern_scene(seed: int = 0):
    """An example scene like the hidden ones of :func:`check_pattern_kernel`.

    Returns
    -------
    X : numpy.ndarray, shape (12, 16)
        A dark image (0) with the bright (1) T of :data:`PATTERN` and five
        look-alikes: a filled square, an upside-down T, a sideways T, a plus
        sign and a bar.
    positions : dict
        Top-left corner of each shape, e.g. ``positions["T"]``.

    Examples
    --------
    >>> from convlib.checks import PATTERN, pattern_scene
    >>> X, positions = pattern_scene()
    >>> r, c = positions["T"]
    >>> bool((X[r:r + 3, c:c + 3] == PATTERN).all())
    True
    """
    return _scene(np.random.default_rng(1000 + seed), 12, 16)


def check_pattern_kernel(K) -> None:
    """Check a 3 x 3 kernel whose cross-correlation peaks exactly where the 'T' of :data:`PATTERN` sits.

    Each hidden binary scene (0 = dark, 1 = bright) contains the T once, plus
    distractors: a filled 3 x 3 square, an upside-down T, a sideways T, a plus
    sign and a bar. ``corr2d(X, K)`` must have its **unique** maximum at the
    T's top-left corner.

    Examples
    --------
    >>> from convlib.checks import PATTERN, check_pattern_kernel
    >>> check_pattern_kernel(PATTERN)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: pattern kernel: Hint [bright blobs]: ...
    """
    title = "pattern kernel"
    if K is Ellipsis or K is None:
        raise CheckFailed(f"{title}: {NOT_ANSWERED}")
    Karr = answer_array(title, "K", K)
    if Karr.shape != (3, 3):
        raise CheckFailed(
            f"{title}: Hint [wrong shape]: the kernel must be 3 x 3 like the pattern, so that its position is the T's top-left corner; got shape {Karr.shape}"
        )
    if not np.all(np.isfinite(Karr)):
        raise CheckFailed(f"{title}: Hint [not finite]: the kernel holds NaN or inf")
    scenes = hidden_pattern_scenes()
    for name, X, placed in scenes:
        Y = corr2d(X, Karr)
        target = placed["T"]
        peak = Y[target]
        others = Y.copy()
        others[target] = -np.inf
        if peak > others.max() + 1e-9:
            continue
        # which distractor wins (or ties)?
        rivals = [(d, pos) for d, pos in placed.items() if d != "T" and Y[pos] >= peak - 1e-9]
        if rivals:
            d, pos = max(rivals, key=lambda item: Y[item[1]])
            verb = "ties with" if abs(Y[pos] - peak) <= 1e-9 else "beats"
            if d == "filled 3x3 square":
                tag, advice = (
                    "bright blobs",
                    (
                        "a kernel that only rewards the T's bright pixels responds at least as strongly to any bright blob that covers them. "
                        "Penalise bright pixels where the T is dark, so that extra bright pixels lower the score."
                    ),
                )
            elif d == "upside-down T":
                tag, advice = (
                    "flipped kernel",
                    "your kernel finds the T rotated by 180 degrees: corr2d uses the kernel as it is, so do not flip the pattern.",
                )
            elif d == "sideways T":
                tag, advice = (
                    "transposed kernel",
                    "your kernel finds the T transposed: K[a, b] must match PATTERN[a, b] (rows a, columns b).",
                )
            else:
                tag, advice = (
                    "not specific",
                    "make the kernel reward the T's bright pixels AND penalise bright pixels where the T is dark.",
                )
            raise CheckFailed(
                f"{title}: Hint [{tag}]: in {name} the response at the {d} ({Y[pos]:.3g} at {pos}) {verb} the response at the T "
                f"({peak:.3g} at {target}). {advice}"
            )
        pos = tuple(int(v) for v in np.unravel_index(np.argmax(others), Y.shape))
        raise CheckFailed(
            f"{title}: Hint [peak elsewhere]: in {name} your strongest response ({others.max():.3g}) is at {pos}, "
            f"not at the T's top-left corner {target} ({peak:.3g}). The response is largest where the window looks most like the kernel: "
            "reward the T's bright pixels and penalise bright pixels where the T is dark."
        )
    print(f"✓ {title}: the T is found in all {len(scenes)} hidden scenes")


LUMA = np.array(_LUMA)
"""ITU-R 601 luma weights for (R, G, B) as an array: :data:`convlib.images.LUMA`, as used by :func:`convlib.photo_gray`."""
LUMA.flags.writeable = False
# "0.299 R + 0.587 G + 0.114 B"
_LUMA_SUM = " + ".join(f"{w:g} {c}" for w, c in zip(_LUMA, "RGB", strict=True))


def check_grey_kernel(K) -> None:
    """Check a 1 x 1 kernel of shape ``(1, 1, 3, 1)`` that turns an RGB image into grey levels.

    ``corr2d_multi_in_out(X, K)[:, :, 0]`` must equal
    ``0.299 R + 0.587 G + 0.114 B`` (:data:`LUMA`, the weights of
    :func:`convlib.photo_gray`) on hidden RGB images.

    Examples
    --------
    >>> import numpy as np
    >>> from convlib.checks import check_grey_kernel
    >>> check_grey_kernel(np.full((1, 1, 3, 1), 1 / 3))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: grey kernel: Hint [plain average]: ...
    """
    title = "grey kernel"
    if K is Ellipsis or K is None:
        raise CheckFailed(f"{title}: {NOT_ANSWERED}")
    Karr = answer_array(title, "K", K)
    if Karr.shape != (1, 1, 3, 1):
        if Karr.size == 3 and Karr.shape == (1, 1, 1, 3):
            tag, hint = (
                "C_in and C_out swapped",
                "a kernel is (k_h, k_w, C_in, C_out): 3 input channels (R, G, B) and 1 output channel, shape (1, 1, 3, 1).",
            )
        elif Karr.size == 3:
            tag, hint = (
                "wrong shape",
                f"a kernel for corr2d_multi_in_out has four axes (k_h, k_w, C_in, C_out) = (1, 1, 3, 1); reshape your {Karr.shape} array with .reshape(1, 1, 3, 1).",
            )
        else:
            tag, hint = (
                "wrong shape",
                "the kernel is 1 x 1 in space, with 3 input channels and 1 output channel: shape (1, 1, 3, 1).",
            )
        raise CheckFailed(f"{title}: Hint [{tag}]: {hint} (got shape {Karr.shape})")
    w = Karr.reshape(3)
    rng = np.random.default_rng(10)
    images = [rng.uniform(0, 1, size=s) for s in [(4, 6, 3), (7, 5, 3), (1, 1, 3)]]
    if all(np.allclose(corr2d_multi_in_out(X, Karr)[:, :, 0], X @ LUMA, atol=1e-6) for X in images):
        print(f"✓ {title}: matches {_LUMA_SUM} on all {len(images)} hidden images")
        return
    if np.allclose(w, LUMA[::-1]):
        tag, hint = (
            "channels reversed",
            "that is B, G, R order; the channels are R, G, B: {:g} for red, {:g} for green, {:g} for blue.".format(
                *_LUMA
            ),
        )
    elif np.allclose(w, w[0]):
        tag, hint = (
            "plain average",
            "equal weights give the plain mean of R, G and B; the eye is most sensitive to green: use {:g}, {:g}, {:g}.".format(
                *_LUMA
            ),
        )
    elif np.isclose(w.sum(), 255.0) or np.allclose(w, LUMA * 255) or np.allclose(w, LUMA * 100):
        tag, hint = (
            "wrong scale",
            "the weights must add up to 1 so that white stays 1: {:g} + {:g} + {:g} = 1.".format(
                *_LUMA
            ),
        )
    elif not np.isclose(w.sum(), 1.0):
        tag, hint = (
            "brightness changes",
            f"your weights add up to {w.sum():.3g}, so a white pixel does not stay 1; the luma weights add up to 1.",
        )
    else:
        tag, hint = (
            "wrong weights",
            f"use the ITU-R 601 luma weights of convlib.photo_gray: {_LUMA_SUM}.",
        )
    raise CheckFailed(f"{title}: Hint [{tag}]: {hint} (your weights: {np.round(w, 4).tolist()})")


# ---------------------------------------------------------------------------
# reasoning: equivariance and invariance


def _quiz_operations() -> dict:
    """The quiz's operations f, each as code: question -> f(x) for a 2-D image x."""
    rng = np.random.default_rng(11)
    kernel = rng.normal(size=(3, 3))
    n = _QUIZ_SIZE
    dense = rng.normal(size=(n * n, n * n))
    bias = rng.normal(size=(n, n))
    return {
        "corr2d with zero padding ('same')": lambda x: corr2d(x, kernel, "same"),
        "ReLU applied to every pixel": lambda x: np.maximum(x, 0),
        "sum of all pixels": lambda x: x.sum(),
        "maximum over all pixels": lambda x: x.max(),
        "corr2d ('same'), then the maximum over all pixels": lambda x: corr2d(
            x, kernel, "same"
        ).max(),
        "fully connected layer with random weights": lambda x: (dense @ x.ravel()).reshape(n, n),
        "adding a fixed bias image b[i, j] that differs from pixel to pixel": lambda x: x + bias,
        "keeping every second row and column, x[::2, ::2]": lambda x: x[::2, ::2],
        # this question transforms the input by a rotation instead of a shift: (f, transform)
        "corr2d ('same'), with the input ROTATED by 90 degrees (np.rot90) instead of shifted": (
            lambda x: corr2d(x, kernel, "same"),
            np.rot90,
        ),
    }


_QUIZ_SIZE = 12


def _shift(a):
    return np.roll(a, (1, 1), axis=(0, 1)) if np.ndim(a) == 2 else a


def _classify(f, transform=_shift) -> str:
    """'invariant', 'equivariant' or 'neither', found by transforming an image with a zero border (by default a one-pixel shift)."""
    rng = np.random.default_rng(12)
    x = np.zeros((_QUIZ_SIZE, _QUIZ_SIZE))
    # the border keeps the shift away from the edges
    x[3:-3, 3:-3] = rng.normal(size=(_QUIZ_SIZE - 6, _QUIZ_SIZE - 6))

    fx, ftx = f(x), f(transform(x))
    if np.shape(ftx) == np.shape(fx) and np.allclose(ftx, fx):
        return "invariant"
    tfx = transform(fx) if np.ndim(fx) == 2 else fx
    if np.shape(ftx) == np.shape(tfx) and np.allclose(ftx, tfx):
        return "equivariant"
    return "neither"


def _quiz_key() -> dict:
    """The quiz's key: question -> ``"equivariant"``, ``"invariant"`` or ``"neither"``.

    For the grader, which gives one share per right answer (see
    ``grading.hidden.judge_values``): the key is measured on the spot by
    shifting an image through each operation, as the checker does; nothing is
    stored.

    Examples
    --------
    >>> from convlib.checks import check_equivariance
    >>> sorted(set(check_equivariance.answer_key().values()))
    ['equivariant', 'invariant', 'neither']
    """
    return {
        question: _classify(*(op if isinstance(op, tuple) else (op,)))
        for question, op in _quiz_operations().items()
    }


_EQUIVARIANCE_WHY = {
    "corr2d with zero padding ('same')": "every output pixel uses the same kernel on its own window: shift the image and the windows, hence the outputs, shift with it.",
    "ReLU applied to every pixel": "a per-pixel operation treats every position the same way, so shifting before or after gives the same result.",
    "sum of all pixels": "the sum does not care where a pixel is: shifting the image leaves the total unchanged.",
    "maximum over all pixels": "the maximum does not care where the largest pixel is: shifting leaves it unchanged.",
    "corr2d ('same'), then the maximum over all pixels": "the correlation shifts with the image (equivariant) and the global maximum then forgets the position (invariant): the composition is invariant.",
    "fully connected layer with random weights": "every hidden pixel has its own weights W[i, j, k, l]: a shifted image meets different weights, so the output changes in no simple way.",
    "adding a fixed bias image b[i, j] that differs from pixel to pixel": "the bias stays where it is while the image moves: f(shifted x) = shifted x + b, which is neither f(x) nor f(x) shifted.",
    "keeping every second row and column, x[::2, ::2]": "after a one-pixel shift the kept pixels are exactly the ones that were dropped before: compare f(shifted x) with f(x) and "
    "with f(x) moved by one output pixel (a shift by TWO pixels would move the output by one; this is what a stride does, chapter 4).",
    "corr2d ('same'), with the input ROTATED by 90 degrees (np.rot90) instead of shifted": "the rotated image meets the same, unrotated kernel, so a kernel that "
    "looks for a vertical edge now finds the horizontal ones it missed before: the output is the rotated output only for a kernel that equals its own "
    "90-degree rotation. Weight sharing gives equivariance to shifts, not to rotations.",
}


def check_equivariance(answers) -> None:
    """Check the equivariance quiz: for each operation of the exercise, what does shifting the input do?

    ``"equivariant"``: shifting the input shifts the output the same way;
    ``"invariant"``: shifting the input leaves the output unchanged;
    ``"neither"``. Image borders are ignored. The right answers are not
    stored anywhere: the checker shifts an image through each operation
    and looks (``check_equivariance.answer_key()`` does the same for the
    instructor's grader, which gives one share per right answer).

    Parameters
    ----------
    answers : dict
        Maps every question (the keys of the exercise's starter dict, copied
        exactly) to ``"equivariant"``, ``"invariant"`` or ``"neither"``.

    Examples
    --------
    >>> from convlib.checks import check_equivariance
    >>> check_equivariance({"sum of all pixels": "equivariant"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    convlib.checks.CheckFailed: equivariance quiz: these questions have no answer ...
    """
    title = "equivariance quiz"
    if answers is Ellipsis or answers is None:
        raise CheckFailed(f"{title}: {NOT_ANSWERED}")
    if not isinstance(answers, dict):
        raise CheckFailed(
            f"{title}: answers must be a dict mapping each question to 'equivariant', 'invariant' or 'neither'"
        )
    # plain str keys and values before the key exists: a dict or str subclass of the student's runs no code
    # from here on (str.__str__ and dict's own methods ignore their overrides), so it cannot record the key
    answers = {plain_answer(q): plain_answer(a) for q, a in list(dict.items(answers))}
    key = _quiz_key()
    missing = [q for q in key if q not in answers]
    if missing:
        raise CheckFailed(
            f"{title}: these questions have no answer (the keys must be copied exactly): {missing}"
        )
    choices = ("equivariant", "invariant", "neither")
    for q in key:
        a = answers[q]
        if a is Ellipsis or a is None:
            raise CheckFailed(
                f"{title}: '{q}' is {NOT_ANSWERED} ('equivariant', 'invariant' or 'neither')"
            )
        if not isinstance(a, str) or a.strip().lower() not in choices:
            raise CheckFailed(
                f"{title}: the answer for '{q}' must be 'equivariant', 'invariant' or 'neither'; got {safe_repr(a)}"
            )
    wrong = [q for q in key if answers[q].strip().lower() != key[q]]
    if wrong:
        q = wrong[0]
        raise CheckFailed(
            f"{title}: {len(wrong)} of {len(key)} answers are not right. "
            f"Hint [{q}]: not '{answers[q].strip().lower()}'. Shift x by one pixel and compare f(shifted x) with f(x) and with f(x) shifted. "
            f"Reason: {_EQUIVARIANCE_WHY[q]}"
        )
    print(f"✓ {title}: all {len(key)} answers correct")


check_equivariance.answer_key = _quiz_key
