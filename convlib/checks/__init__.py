r"""Exercise checkers: run a student's answer on hidden cases and explain what is wrong.

Every checker follows the same contract:

* a right answer returns ``None`` and prints a success line such as
  ``✓ corr2d: all 34 hidden cases pass``;
* a wrong answer raises :class:`CheckFailed` (an :class:`AssertionError`)
  whose message starts with the number of failing cases and a
  ``Hint [tag]: ...`` that names the mistake (``[flipped kernel]``,
  ``[one output channel only]``, ``[only square inputs work]``, ...), then
  shows the first failing case with the expected and the received output. In
  Jupyter only that message is shown, not the checker's stack frames;
* a stub that still raises :class:`NotImplementedError`, or an answer that is
  still ``...``, fails with a message saying so.

The coding checkers call the student's function on many deterministic hidden
cases (non-square images and kernels, kernel sizes 1 to 5, float and integer
inputs, a 1x1 edge case) and compare with convlib's reference implementation.
When an output is wrong, they compare it with the outputs of known mistakes
(a flipped or transposed kernel, a wrong output shape, a gradient that
misses output channels, integer truncation, ...) to name the mistake. Every call runs
under a time limit (``time_limit=`` seconds, 5 by default); a time-out, an
exception of any kind (its type, message and the student's line are
reported), a result that is not an array of real numbers (text, objects,
complex numbers), a function that modifies its input in place, and
convlib's or SciPy's own function handed in as the answer each get their
own hint.

The right answers are computed on the spot from convlib's own functions;
no answer key is stored or exported, and the docstrings show only wrong
answers.

New checkers are written against the public contract of
:mod:`convlib.checks.engine` (:class:`~convlib.checks.engine.Case`,
:class:`~convlib.checks.engine.Mistake`,
:func:`~convlib.checks.engine.run_cases`, the grading hook), with the shared
known mistakes of :mod:`convlib.checks.mistakes`.

Examples
--------
>>> from convlib.checks import check_corr2d
>>> def my_corr2d(X, K):
...     raise NotImplementedError
>>> check_corr2d(my_corr2d)
Traceback (most recent call last):
...
convlib.checks.CheckFailed: corr2d: not implemented yet: replace the `raise NotImplementedError` with your code
"""

from .answers import (
    HAND_K,
    HAND_X,
    LUMA,
    PATTERN,
    check_dense_counts,
    check_edge_kernel,
    check_equivariance,
    check_grey_kernel,
    check_hand_example,
    check_layer_counts,
    check_pattern_kernel,
    pattern_scene,
)
from .calls import DEFAULT_TIME_LIMIT
from .costs import (
    check_bias_counts,
    check_border_terms,
    check_dense_nonzeros,
    check_multiply_adds,
    check_same_padding,
)
from .derivations import (
    check_combined_kernel,
    check_depthwise_kernel,
    check_folded_normalisation,
    check_input_gradient_channels,
    check_input_lengths,
    check_layers_to_cover,
)
from .design import (
    FLOAT_REASONS,
    check_direction_edge_kernel,
    check_float_equality,
    check_second_derivative_kernel,
    float_example,
)
from .engine import NOT_ANSWERED, NOT_IMPLEMENTED, CheckFailed
from .geometry import (
    check_dilated_size,
    check_grouped_count,
    check_locally_connected_count,
    check_min_kernel_size,
    check_strided_receptive_field,
)
from .layer_parts import check_input_gradient, check_padding_impl
from .locality import check_dense_weights, check_local_layer
from .single_channel import check_corr2d

__all__ = [
    "CheckFailed",
    "DEFAULT_TIME_LIMIT",
    "NOT_IMPLEMENTED",
    "NOT_ANSWERED",
    "check_corr2d",
    "check_local_layer",
    "check_dense_weights",
    "check_bias_counts",
    "check_border_terms",
    "check_dense_nonzeros",
    "check_multiply_adds",
    "check_same_padding",
    "check_dense_counts",
    "check_layer_counts",
    "check_hand_example",
    "check_edge_kernel",
    "check_pattern_kernel",
    "check_grey_kernel",
    "check_equivariance",
    "pattern_scene",
    "check_direction_edge_kernel",
    "check_second_derivative_kernel",
    "check_min_kernel_size",
    "check_padding_impl",
    "check_input_gradient",
    "check_locally_connected_count",
    "check_grouped_count",
    "check_strided_receptive_field",
    "check_dilated_size",
    "check_float_equality",
    "float_example",
    "FLOAT_REASONS",
    # derivations that replaced six transcription exercises
    "check_layers_to_cover",
    "check_input_lengths",
    "check_combined_kernel",
    "check_depthwise_kernel",
    "check_input_gradient_channels",
    "check_folded_normalisation",
    "HAND_X",
    "HAND_K",
    "PATTERN",
    "LUMA",
]
