"""Sample images, made on the spot or read from files that matplotlib ships.

Nothing is downloaded: the photo and the MRI slice come from matplotlib's own
``mpl-data/sample_data`` folder, installed with matplotlib. matplotlib (and
Pillow, which reads the JPEG) is imported only when one of those two images
is asked for, so that ``import convlib`` stays as quick as importing NumPy.
Grey images are float64 in ``[0, 1]`` with shape ``(H, W)``; colour images
are ``(H, W, 3)``, channels last as in the lecture's ``x[i, j, c]``.
"""

from __future__ import annotations

import gzip

import numpy as np

from ._validate import check_size, choice, integer, non_negative_int, positive_int, real_number

__all__ = [
    "edge_image",
    "square_image",
    "checkerboard",
    "photo",
    "photo_gray",
    "mri_slice",
    "SAMPLE_IMAGES",
    "sample_image",
    "LUMA",
]

LUMA = (0.299, 0.587, 0.114)
"""ITU-R 601 luma weights of R, G, B: the grey level people perceive (the one definition in convlib)."""


def edge_image(height: int = 6, width: int = 8) -> np.ndarray:
    """D2L's edge example: ones with a black vertical band in columns ``2 .. width-3``.

    Examples
    --------
    >>> from convlib import edge_image
    >>> edge_image()[0]
    array([1., 1., 0., 0., 0., 0., 1., 1.])
    """
    height, width = positive_int(height, "height"), positive_int(width, "width")
    check_size((height, width), "height and width")
    X = np.ones((height, width))
    X[:, 2 : width - 2] = 0
    return X


def square_image(
    size: int = 32, top: int = 8, left: int = 8, side: int = 6, value: float = 1.0
) -> np.ndarray:
    """A ``size x size`` black image with a white ``side x side`` square at ``(top, left)``.

    Parts of the square outside the image are clipped.

    Examples
    --------
    >>> from convlib import square_image
    >>> square_image(5, 1, 2, 2).astype(int)
    array([[0, 0, 0, 0, 0],
           [0, 0, 1, 1, 0],
           [0, 0, 1, 1, 0],
           [0, 0, 0, 0, 0],
           [0, 0, 0, 0, 0]])
    """
    size, side = positive_int(size, "size"), non_negative_int(side, "side")
    top, left = integer(top, "top"), integer(left, "left")
    value = real_number(value, "value")
    check_size((size, size), "size")
    X = np.zeros((size, size))
    X[max(top, 0) : max(top + side, 0), max(left, 0) : max(left + side, 0)] = value
    return X


def checkerboard(size: int = 64, tile: int = 8) -> np.ndarray:
    """A ``size x size`` checkerboard of ``tile x tile`` squares.

    Examples
    --------
    >>> from convlib import checkerboard
    >>> checkerboard(4, 2).astype(int)
    array([[0, 0, 1, 1],
           [0, 0, 1, 1],
           [1, 1, 0, 0],
           [1, 1, 0, 0]])
    """
    size, tile = positive_int(size, "size"), positive_int(tile, "tile")
    check_size((size, size), "size")
    tile = min(tile, size)  # a tile larger than the board is all one colour either way
    band = (np.arange(size) // tile) % 2 == 1  # odd rows (or columns) of tiles
    return (band[:, None] ^ band[None, :]).astype(float)


def photo() -> np.ndarray:
    """Grace Hopper's portrait (RGB, shape ``(600, 512, 3)``, values in [0, 1]), shipped with matplotlib.

    Examples
    --------
    >>> from convlib import photo
    >>> photo().shape
    (600, 512, 3)
    """
    import matplotlib.image as mpimg
    from matplotlib import cbook

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        img = mpimg.imread(f, format="jpeg")
    return img.astype(np.float64) / 255.0


def photo_gray() -> np.ndarray:
    """The portrait in grey levels (ITU-R 601 luma weights), shape ``(600, 512)``.

    Examples
    --------
    >>> from convlib import photo_gray
    >>> photo_gray().shape
    (600, 512)
    """
    return photo() @ np.array(LUMA)


def mri_slice() -> np.ndarray:
    """A 256 x 256 MRI slice of a head (grey, in [0, 1]), shipped with matplotlib.

    Examples
    --------
    >>> from convlib import mri_slice
    >>> mri_slice().shape
    (256, 256)
    """
    from matplotlib import cbook

    with cbook.get_sample_data("s1045.ima.gz") as f:
        raw = gzip.decompress(f.read()) if not isinstance(f, gzip.GzipFile) else f.read()
    img = np.frombuffer(raw, np.uint16).astype(np.float64).reshape(256, 256)
    return img / img.max()


SAMPLE_IMAGES = {
    "edge": edge_image,
    "square": square_image,
    "checkerboard": checkerboard,
    "photo (grey)": photo_gray,
    "MRI slice": mri_slice,
}
"""Grey sample images by name, each a function returning an ``(H, W)`` array."""


def sample_image(name: str) -> np.ndarray:
    """The grey sample image called ``name`` (see :data:`SAMPLE_IMAGES`).

    Examples
    --------
    >>> from convlib import sample_image
    >>> sample_image("checkerboard").shape
    (64, 64)
    """
    choice(name, "name", SAMPLE_IMAGES)
    return SAMPLE_IMAGES[name]()
