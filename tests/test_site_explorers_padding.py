"""The padding and stride explorer (found on whichever chapter shows it) on the built website, driven by keyboard, checked against convlib.

Every frame on the static page is computed by js/padding.js; after every key
press the page's numbers (output map, output size, multiply-adds, window) are
compared with ``reference_frame()`` of the same state in Python
(tests/explorer_harness.py). Sweeps: padding p_h and p_w 0..3, strides s_h and
s_w 1..4 and kernel sizes 1..5 one key at a time, the output-pixel sliders
over the whole output, every control changes the picture, no console errors.
"""

from __future__ import annotations

from convlib.widgets import padding_stride_explorer
from explorer_harness import (
    assert_every_control_changes_the_picture,
    check_frame,
    explorer_page,
    open_explorer,
)

NAME = "padding"


def chapter_widget():
    """The explorer as chapter 3 builds it."""
    return padding_stride_explorer(p_h=1, p_w=1, s_h=2, s_w=2, k=3)


def _set(e, label: str, trait: str, value: int) -> None:
    """Move slider `label` to `value` by arrow keys, checking the frame after every step."""
    now = e.state([trait])[trait]
    while now != value:
        e.press(label, "ArrowRight" if value > now else "ArrowLeft")
        now = e.state([trait])[trait]
        check_frame(e, chapter_widget, f"{trait} = {now}")


def test_padding_stride_and_kernel_sweep(site, open_page):
    page, rec, e = open_explorer(open_page, explorer_page(site, NAME), NAME)
    frame = check_frame(e, chapter_widget, "at load")
    assert frame["shape"].tolist() == [
        [4.0, 4.0]
    ]  # D2L: padding 1 and stride 2 halve an 8 x 8 image
    for k in (1, 2, 3, 4, 5):
        _set(e, "kernel size k", "k", k)
        for p in (0, 1, 2, 3):
            _set(e, "padding p_h", "p_h", p)
            _set(e, "padding p_w", "p_w", 3 - p)
            for s in (1, 2, 3, 4) if p % 2 == 0 else (4, 3, 2, 1):
                _set(e, "stride s_h", "s_h", s)
                _set(e, "stride s_w", "s_w", 5 - s)
                shape = check_frame(e, chapter_widget, f"k={k}, p={p}, s={s}")["shape"][0]
                assert shape.tolist() == [
                    (8 - k + 2 * p + s) // s,
                    (8 - k + 2 * (3 - p) + 5 - s) // (5 - s),
                ]
    assert not rec.problems(), "\n".join(rec.problems())


def test_output_pixel_walks_the_whole_output(site, open_page):
    page, rec, e = open_explorer(open_page, explorer_page(site, NAME), NAME)
    rows, cols = (int(n) for n in check_frame(e, chapter_widget, "at load")["shape"][0])
    for i in range(rows):
        _set(e, "output row i", "out_row", i)
        for j in range(cols) if i % 2 == 0 else range(cols - 1, -1, -1):
            _set(e, "output col j", "out_col", j)
            window = check_frame(e, chapter_widget, f"output ({i}, {j})")["window"][0]
            assert window.tolist() == [2 * i, 2 * j, 2 * i + 2, 2 * j + 2]
    readout = e.root.query_selector(".convlayer-readout").inner_text()
    assert (
        "= 4 \u00d7 4" in readout and "Multiply-adds: 4 \u00b7 4 \u00b7 3\u00b73 = 144" in readout
    )
    assert not rec.problems(), "\n".join(rec.problems())


def test_every_control_changes_the_picture_and_is_described(site, open_page):
    page, rec, e = open_explorer(open_page, explorer_page(site, NAME), NAME)
    assert assert_every_control_changes_the_picture(e) == 7
    check_frame(e, chapter_widget, "after every control moved and back")
    labels = [c.get_attribute("aria-label") for c in e.root.query_selector_all("canvas[role=img]")]
    assert len(labels) == 2 and "hatched zero rows" in labels[0] and "Output, 4 by 4" in labels[1]
    assert not rec.problems(), "\n".join(rec.problems())
