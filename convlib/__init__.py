"""convlib: the convolutional layer in small, tested NumPy.

Layouts follow the lecture's indices: an image ``x[i, j, c]`` is ``(H, W, C)``
and a kernel ``K[a, b, c, k]`` is ``(k_h, k_w, C_in, C_out)``. See
:mod:`convlib.channels` for the conversion to PyTorch's layouts.
"""

from .channels import (
    corr2d_multi_in,
    corr2d_multi_in_out,
    image_from_nchw,
    image_to_nchw,
    kernel_from_oihw,
    kernel_to_oihw,
)
from .correlate import choose_method, conv2d, corr2d, corr2d_naive
from .im2col import im2col
from .images import (
    LUMA,
    SAMPLE_IMAGES,
    checkerboard,
    edge_image,
    mri_slice,
    photo,
    photo_gray,
    sample_image,
    square_image,
)
from .kernels import KERNELS, box_kernel, gaussian_kernel, kernel
from .layer import Conv2D
from .padding import pad2d
from .shapes import (
    Geometry,
    ReceptiveField,
    conv_geometry,
    effective_kernel_size,
    fully_connected_params,
    grouped_params,
    input_size,
    local_params,
    locally_connected_params,
    output_shape,
    output_size,
    param_counts,
    receptive_field,
    receptive_field_table,
    translation_invariant_params,
)
from .transposed import conv_transpose2d

__version__ = "0.1.0"

__all__ = [
    "corr2d",
    "conv2d",
    "corr2d_naive",
    "choose_method",
    "corr2d_multi_in",
    "corr2d_multi_in_out",
    "image_to_nchw",
    "image_from_nchw",
    "kernel_to_oihw",
    "kernel_from_oihw",
    "Conv2D",
    "conv_geometry",
    "Geometry",
    "output_shape",
    "output_size",
    "input_size",
    "effective_kernel_size",
    "receptive_field",
    "receptive_field_table",
    "ReceptiveField",
    "pad2d",
    "im2col",
    "conv_transpose2d",
    "locally_connected_params",
    "grouped_params",
    "fully_connected_params",
    "translation_invariant_params",
    "local_params",
    "param_counts",
    "KERNELS",
    "kernel",
    "box_kernel",
    "gaussian_kernel",
    "SAMPLE_IMAGES",
    "LUMA",
    "sample_image",
    "edge_image",
    "square_image",
    "checkerboard",
    "photo",
    "photo_gray",
    "mri_slice",
]
