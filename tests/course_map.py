"""Where the course first teaches each convlib name and each concept an exercise may rely on.

This is the one list that ``tests/test_exercise_order.py`` reads. Each entry
points at the chapter cell (by its cell id) that introduces the name or the
concept, outside the exercises; the test checks that the cell really mentions
it, and that no exercise uses it before that cell. When a chapter starts
teaching something new, add it here.
"""

from __future__ import annotations

import re
from pathlib import Path

# the numbered chapters, in the order of the book's table of contents
CHAPTERS = re.findall(
    r"^\s*- file: chapters/(\d\d_\w+)\s*$",
    (Path(__file__).resolve().parents[1] / "_toc.yml").read_text(encoding="utf-8"),
    re.M,
)

TI, LOC, CC, PS, CH = CHAPTERS

# convlib's public names: (chapter, id of the cell that introduces the name)
NAMES = {
    "corr2d": (TI, "468b89ee"),
    "fully_connected_params": (TI, "171adc7d"),
    "translation_invariant_params": (TI, "56b9b52c"),
    "local_params": (LOC, "4442ad65"),
    "conv2d": (CC, "0d0f5a20"),
    "Conv2D": (CC, "f6e95ec4"),
    "KERNELS": (CC, "text18-kernels-show"),
    "output_shape": (PS, "92b9698e"),
    "edge_image": (CC, "f27328e0"),
    "photo_gray": (CC, "cc-ncc-by-hand"),
    "photo": (CH, "112523ea"),
    "corr2d_multi_in": (CH, "25220353"),
    "corr2d_multi_in_out": (CH, "5366e281"),
    "param_counts": (CH, "65beca45"),
    "output_size": (PS, "text18-dilation-check"),
    "receptive_field": (PS, "text18-rf-stride-check"),
    "conv_transpose2d": (PS, "text18-transposed-check"),
    "im2col": (PS, "text18-im2col-check"),
    "image_to_nchw": (CH, "333ca556"),
    "kernel_to_oihw": (CH, "333ca556"),
}

# concepts: name -> (regular expression that finds the concept in an exercise, chapter, cell id)
CONCEPTS = {
    "the bias": (r"\bbias", TI, "e77da8e8"),
    "equivariance and invariance": (r"equivarian", TI, "d2e3c070"),
    "zero padding, 'same' mode": (r"zero padding|['\"]same['\"]", TI, "468b89ee"),
    "the locality radius Delta": (r"\\Delta\b", LOC, "afa4f87c"),
    "the receptive field": (r"receptive field", LOC, "7dc03811"),
    "convolution flips the kernel": (r"\\circledast|\bflip", CC, "40eed504"),
    "valid positions and the kernel size k_h x k_w": (r"\bvalid\b|\bk_[hw]\b", CC, "e1bed604"),
    "the weight gradient": (r"\bgradient", CC, "f6e95ec4"),
    "template matching": (r"\btemplate", CC, "6a8a3fd8"),
    "channels": (
        r"C_\\text\{(?:in|out)\}|\b(?:input|output) channels?\b|\bRGB\b|\(H, W, C",
        CH,
        "5366e281",
    ),
    "the 1 x 1 convolution": (r"1 \\times 1|\b1 ?x ?1\b", CH, "2ce085bf"),
    "PyTorch's layouts": (
        r"NCHW|OIHW|\(N, C, H, W\)|C_\\text\{out\}, C_\\text\{in\}, k_h, k_w",
        CH,
        "333ca556",
    ),
    "padding= and stride": (r"\bstrides?\b|padding=", PS, "cc-pad-stride"),
    "the input gradient": (
        r"input gradient|gradient with respect to (?:the|its) input|\\partial x",
        CC,
        "text18-input-grad",
    ),
    "dilation": (r"\bdilat", PS, "text18-dilation"),
    "padding modes": (r"padding_mode|\breflect|\bcircular|\bmirror", PS, "text18-rotation-scale"),
    "the receptive field with stride": (r"\bjump\b", PS, "text18-rf-stride"),
    "the locally connected layer": (r"locally connected|unshared", LOC, "text18-loc-unshared"),
}

# concepts the course does not teach (yet): no exercise statement or code may need them
NOT_TAUGHT = {
    "pooling": r"\bpool(?:ing|ed)?\b",
}
