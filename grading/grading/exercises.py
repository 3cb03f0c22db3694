"""The graded exercises: which answer each one reads from the notebook, its checker and its points.

This table is the one place where points live. Labels are the exercise labels
of the website (``ex-03-corr2d``); each label's number is the chapter the
exercise sits in. When chapter 3 was split in two, eight
exercises moved to the next chapter and were renamed to match it; the old
labels still grade and merge through :data:`OLD_LABELS` and
:func:`current_label` (stored gradebook records, ``marks.json``, filled-in
marking sheets and the labels written in returned student notebooks all pass
through it). Six transcription exercises were replaced by new derivations
with new labels; their old labels are :data:`RETIRED`: a different task is
never merged into a new exercise's column. ``tests/test_grading.py`` checks
that every ``check`` cell of the chapters appears here with the same checker
and answer names.
"""

from __future__ import annotations

from dataclasses import dataclass

from convlib import checks


@dataclass(frozen=True)
class Exercise:
    """One graded exercise.

    ``kind`` is ``"function"`` (the grader calls ``names[0]`` in the student's
    kernel on hidden cases) or ``"values"`` (the grader reads the variables
    ``names`` from the kernel as plain data and checks them itself).
    """

    label: str
    chapter: str
    kind: str
    names: tuple
    checker: str
    points: float

    def check(self, *answers) -> None:
        """Run the public checker on answers that live in the grader's process."""
        getattr(checks, self.checker)(*answers)


CH1, CH2 = "01_translation_invariance.ipynb", "02_locality.ipynb"
CH3, CH4 = "03_convolution_vs_correlation.ipynb", "04_padding_and_stride.ipynb"
CH5 = "05_channels.ipynb"

EXERCISES = (
    Exercise("ex-01-counts", CH1, "values", ("fc_weights", "ti_weights"), "check_dense_counts", 2),
    Exercise("ex-01-bias", CH1, "function", ("my_param_counts",), "check_bias_counts", 2),
    Exercise("ex-01-quiz", CH1, "values", ("answers",), "check_equivariance", 2),
    Exercise("ex-02-cover", CH2, "function", ("my_layers_to_cover",), "check_layers_to_cover", 2),
    Exercise("ex-02-border", CH2, "function", ("my_border_terms",), "check_border_terms", 2),
    Exercise("ex-02-local", CH2, "function", ("my_local_layer",), "check_local_layer", 4),
    Exercise(
        "ex-03-hand", CH3, "values", ("corr_by_hand", "conv_by_hand"), "check_hand_example", 2
    ),
    Exercise("ex-03-corr2d", CH3, "function", ("my_corr2d",), "check_corr2d", 4),
    Exercise("ex-03-compose", CH3, "function", ("my_combined_kernel",), "check_combined_kernel", 3),
    Exercise("ex-03-dense", CH3, "function", ("my_dense_weights",), "check_dense_weights", 4),
    Exercise("ex-03-nonzeros", CH3, "function", ("my_dense_nonzeros",), "check_dense_nonzeros", 2),
    Exercise("ex-03-edge", CH3, "values", ("K_horizontal",), "check_edge_kernel", 2),
    Exercise("ex-03-pattern", CH3, "values", ("K_T",), "check_pattern_kernel", 2),
    Exercise(
        "ex-03-second-derivative", CH3, "values", ("K_dd",), "check_second_derivative_kernel", 3
    ),
    Exercise(
        "ex-03-min-size", CH3, "function", ("my_min_kernel_size",), "check_min_kernel_size", 2
    ),
    Exercise("ex-03-input-grad", CH3, "function", ("my_input_grad",), "check_input_gradient", 3),
    Exercise("ex-04-dilated-size", CH4, "function", ("my_dilated_size",), "check_dilated_size", 2),
    Exercise(
        "ex-04-input-lengths", CH4, "function", ("my_input_lengths",), "check_input_lengths", 3
    ),
    Exercise("ex-04-samepad", CH4, "function", ("my_same_padding",), "check_same_padding", 2),
    Exercise("ex-04-rf", CH4, "function", ("my_rf",), "check_strided_receptive_field", 3),
    Exercise("ex-04-padding", CH4, "function", ("my_pad",), "check_padding_impl", 3),
    Exercise(
        "ex-05-counts", CH5, "values", ("fc_weights", "local_weights"), "check_layer_counts", 2
    ),
    Exercise(
        "ex-05-depthwise", CH5, "function", ("my_depthwise_kernel",), "check_depthwise_kernel", 2
    ),
    Exercise(
        "ex-05-input-grad",
        CH5,
        "function",
        ("my_input_grad_channels",),
        "check_input_gradient_channels",
        4,
    ),
    Exercise(
        "ex-05-fold-norm",
        CH5,
        "function",
        ("my_fold_normalisation",),
        "check_folded_normalisation",
        3,
    ),
    Exercise("ex-05-grey", CH5, "values", ("K_grey",), "check_grey_kernel", 2),
    Exercise("ex-05-cost", CH5, "function", ("my_multiply_adds",), "check_multiply_adds", 2),
    Exercise(
        "ex-05-unshared", CH5, "function", ("my_local_count",), "check_locally_connected_count", 2
    ),
    Exercise("ex-05-grouped", CH5, "function", ("my_grouped_count",), "check_grouped_count", 3),
    Exercise(
        "ex-05-float",
        CH5,
        "values",
        ("Y1", "Y2", "exactly_equal", "reason"),
        "check_float_equality",
        3,
    ),
)

# Checked exercises that the batch grader does not grade: their checker judges properties of the answer
# (responses to rotated edges) instead of comparing it with a reference case by case through the checks
# engine, so it has no hidden cases. Students still get the check in the notebook.
PRACTICE = (
    Exercise(
        "ex-03-direction", CH3, "function", ("my_edge_kernel",), "check_direction_edge_kernel", 0
    ),
)

CHAPTERS = tuple(dict.fromkeys(ex.chapter for ex in EXERCISES))

# Labels renamed when chapter 3 was split, old -> new. An old submission, a stored gradebook record, marks.json
# or a marking sheet that still says "ex-03-stride" grades and merges as "ex-04-dilated-size". No old label is
# the new label of a different exercise (tests/test_grading.py checks that the map is unambiguous).
OLD_LABELS = {
    "ex-03-stride": "ex-04-dilated-size",
    "ex-03-samepad": "ex-04-samepad",
    "ex-04-counts": "ex-05-counts",
    "ex-04-grey": "ex-05-grey",
    "ex-04-cost": "ex-05-cost",
    "ex-04-stride-cost": "ex-05-stride-cost",
    "ex-04-bottleneck": "ex-05-bottleneck",
    "ex-04-text": "ex-05-text",
}

# Chapter notebooks renamed when chapter 3 was split, old name -> new name: a hand-in or a stored gradebook
# record under the old name grades and merges as the new chapter (grading.submissions, grading.gradebook).
OLD_CHAPTERS = {"04_channels.ipynb": CH5}

# Labels of exercises that were replaced by a different task (a derivation instead of a transcription): label -> what
# replaced it. Old results under these labels stay in the stored records but count for no current exercise.
RETIRED = {
    "ex-02-rf": "ex-02-cover (the receptive field with stride and dilation is ex-04-rf)",
    "ex-03-shape": "ex-04-input-lengths",
    "ex-03-conv2d": "ex-03-compose",
    "ex-04-multi-in": "ex-05-depthwise",
    "ex-04-multi-in-out": "ex-05-input-grad",
    "ex-04-bias": "ex-05-fold-norm",
}


def current_label(label: str) -> str:
    """The label an exercise has now: ``OLD_LABELS[label]`` for a renamed one, else ``label`` itself.

    Examples
    --------
    >>> current_label("ex-03-stride"), current_label("ex-04-rf"), current_label("ex-02-rf")
    ('ex-04-dilated-size', 'ex-04-rf', 'ex-02-rf')
    """
    return OLD_LABELS.get(label, label)


def chapter_of(label: str):
    """The chapter notebook that holds the exercise ``label`` (old labels too) now; None for a retired or unknown label."""
    label = current_label(label)
    return next(
        (e.chapter for e in (*EXERCISES, *PRACTICE, *DISCUSSIONS) if e.label == label), None
    )


def upgrade_labels(by_label: dict) -> dict:
    """``by_label`` with every old label replaced by its current one (a current entry wins over an old one).

    Examples
    --------
    >>> upgrade_labels({"ex-04-cost": 1.0, "ex-04-rf": 2.0})
    {'ex-05-cost': 1.0, 'ex-04-rf': 2.0}
    """
    out = {current_label(k): v for k, v in by_label.items() if k in OLD_LABELS}
    out.update({k: v for k, v in by_label.items() if k not in OLD_LABELS})
    return out


@dataclass(frozen=True)
class Discussion:
    """A discussion exercise, marked by hand: its points and the rubric the marker follows (one point per item)."""

    label: str
    chapter: str
    points: float
    rubric: str


# the marking sheet (``OUT/marking.csv``) carries the rubric beside each answer
DISCUSSIONS = (
    Discussion(
        "ex-01-cat",
        CH1,
        3,
        "1 classification invariant, segmentation equivariant; "
        "2 pooling/summing over all positions (global pooling) after equivariant layers gives invariance; "
        "3 a dense layer has far more weights to learn and nothing forces them to be shared: needs much more data, generalises worse",
    ),
    Discussion(
        "ex-01-hurts",
        CH1,
        2,
        "1 two tasks where position matters (e.g. reading a digit's place in a number, "
        "top vs bottom of a medical scan, face layout) and what an equivariant net gets wrong; "
        "2 recover position: padding borders, positional/coordinate channels, a dense layer at the end",
    ),
    Discussion(
        "ex-02-deep",
        CH2,
        3,
        "1 49 weights (one 7x7) vs 27 (three 3x3); "
        "2 linear stack = one 7x7 kernel (the kernels' convolution): a subset, so the single layer computes more (any 7x7), "
        "the stack nothing new; borders differ with padding per layer; "
        "3 Delta = 0: each pixel times one weight (plus bias), a 1x1 layer",
    ),
    Discussion(
        "ex-02-audio",
        CH2,
        2,
        "1 h[t] = sum_{a=-Delta..Delta} v[a] x[t+a], 2 Delta + 1 weights independent of the length; "
        "2 reasonable for local, stationary sound events; breaks down for long-range structure (rhythm, speech context) "
        "and position-dependent signals",
    ),
    Discussion(
        "ex-03-flip",
        CH3,
        3,
        "1 each kernel is used rotated by 180 degrees: outputs change for non-symmetric kernels; "
        "repair: rotate every kernel, V[::-1, ::-1]; "
        "2 from scratch the learned kernel is simply the flipped one: both families hold the same functions; "
        "3 they agree for point-symmetric kernels, K == K[::-1, ::-1]",
    ),
    Discussion(
        "ex-03-commute",
        CH3,
        3,
        "1 substitution a' = i - a (and b') turns f * g into g * f; "
        "2 no: exchanging f and g mirrors the result (i -> -i), with the np.correlate check; "
        "3 commutativity (and associativity) make the combined kernel of a stack independent of the order",
    ),
    Discussion(
        "ex-03-blur",
        CH3,
        2,
        "1 conditions with reasons: weights sum to 1 (constant image and brightness kept), "
        "no negative weights (else it sharpens/detects edges), centred and point-symmetric (no shift), "
        "isotropic and decreasing with distance, e.g. [1,2,1]/4 outer itself; "
        "2 box blur and Gaussian presets qualify; a blur removes noise/fine detail, e.g. before a stride",
    ),
    Discussion(
        "ex-04-equivariant-to-what",
        CH4,
        4,
        "1 stride 2: equivariant to 2-px shifts (output moves 1 px), not to 1-px shifts; "
        "2 circular padding: exactly equivariant to np.roll; zero padding only away from the border; "
        "3 rotation: only when the kernel equals its 90-degree rotation: not Sobel x (acts like Sobel y), yes the Laplacian; "
        "4 scaling: no, a fixed kernel sees a different pattern (depth, strides, data at many scales cope)",
    ),
    Discussion(
        "ex-04-stride-design",
        CH4,
        3,
        "1 8 kHz output, up to 4 kHz; higher frequencies alias onto lower ones; low-pass (blur) first; "
        "2 fewer, less redundant outputs; receptive field grows s times faster per later layer: fewer layers/weights, "
        "less overfitting, at the cost of position accuracy and exact equivariance; "
        "3 stride 1/2 = output twice as dense: transposed convolution (zeros between inputs, then convolve), used to upsample",
    ),
    Discussion(
        "ex-05-stride-cost",
        CH5,
        3,
        "1 floor((224 + 6 - 7) / 2) + 1 = 112, so 112 x 112 x 64; "
        "2 112*112*64*7*7*3 = 118,013,952 multiply-adds, 472,055,808 with stride 1 (4 times as many); "
        "3 the stride saves compute and memory (4x fewer outputs) at the cost of resolution / skipped positions",
    ),
    Discussion(
        "ex-05-bottleneck",
        CH5,
        3,
        "1 256*64 = 16,384 weights and 64 biases; "
        "2 3x3 256->256: 589,824 weights; bottleneck 16,384 + 36,864 + 16,384 = 69,632 (about 8.5 times fewer); "
        "3 a 1x1 kernel mixes only the channels of one pixel: the same dense C_in -> C_out layer at every pixel",
    ),
    Discussion(
        "ex-05-text",
        CH5,
        2,
        "1 each output word position is a weighted sum of the 2 Delta + 1 neighbouring word vectors; "
        "kernel shape (C_out, d, 2 Delta + 1); "
        "2 locality fits n-grams and invariance fits phrases anywhere in a sentence; both fall short for long-range "
        "dependencies (agreement, negation far away) and word order/position",
    ),
    Discussion(
        "ex-05-scaling",
        CH5,
        3,
        "1 H'W' k_h k_w C_in C_out multiply-adds; memory HWC_in in, H'W'C_out out, "
        "k_h k_w C_in C_out + C_out parameters; "
        "2 weight gradient and input gradient each about the forward count (backward about 2x forward); keeps the input x "
        "(and uses the weights and the error G); "
        "3 doubling both channel counts: work and weights x4 (activations x2); doubling padding adds about 2p/s rows and "
        "columns of output, work grows with H'W', weights unchanged",
    ),
    Discussion(
        "ex-05-flip4",
        CH5,
        2,
        "1 K = w.transpose(2, 3, 1, 0)[::-1, ::-1, :, :] (kernel_from_oihw then flip the spatial axes); "
        "2 spatial axes flipped because convolution and correlation differ by the 180-degree rotation of (a, b); "
        "channel axes only permuted: channel c meets slice c in both, no offset",
    ),
)


def by_chapter(chapter: str) -> list:
    """The exercises of one chapter, in the table's order."""
    return [ex for ex in EXERCISES if ex.chapter == chapter]
