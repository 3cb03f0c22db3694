"""Bounds on a notebook's stored outputs, checked before anything renders them.

A stored output with one very long line makes the book build crawl: myst-nb
merges a cell's stream outputs (``nb_merge_streams``) with a regular
expression whose time grows with the square of the line (80 kB of one line
take 2.4 s; the 3 MB of ``print(os.urandom(1_500_000).hex())`` take over 15
CPU-minutes). :func:`oversized_outputs` names every output over the bounds;
``tests/test_notebooks_executed.py`` applies it to the chapters, and the
book's extension (:mod:`studentnb.book`) to every notebook Sphinx reads, on
its ``source-read`` event, i.e. before myst-nb parses the notebook: the build
stops at once with the notebook, the cell and the bound.
"""

from __future__ import annotations

import json

MAX_LINE_CHARS = (
    10_000  # one line of text output (stream, text/plain, ...): the chapters' longest is 153
)
MAX_CELL_BYTES = (
    1_000_000  # all outputs of one cell, as stored (JSON): the chapters' largest is 273 kB
)
TEXT_KINDS = ("text/plain", "text/markdown", "text/latex", "text/html")


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else value if isinstance(value, str) else ""


def oversized_outputs(
    nb: dict, *, max_line: int = MAX_LINE_CHARS, max_cell: int = MAX_CELL_BYTES
) -> list:
    """One message per code cell whose stored outputs break a bound (empty list: within bounds).

    ``nb`` is the notebook as JSON data (``json.loads`` of the file, or an
    ``nbformat`` notebook). A cell breaks the line bound when a line of a
    stream or of a ``text/*`` output (SVG images excepted) is longer than
    ``max_line`` characters, and the cell bound when its outputs, stored as
    JSON, take more than ``max_cell`` bytes.

    Examples
    --------
    >>> cell = {"cell_type": "code", "id": "c1", "source": "print('ab' * 8)",
    ...         "outputs": [{"output_type": "stream", "name": "stdout", "text": "ab" * 8 + "\\n"}]}
    >>> oversized_outputs({"cells": [cell]}, max_line=10)
    ["cell 1 (id c1, print('ab' * 8)): a stored output line of 16 characters (the bound is 10 per line)"]
    >>> oversized_outputs({"cells": [cell]})
    []
    """
    problems = []
    for number, cell in enumerate(nb.get("cells", []), start=1):
        outputs = cell.get("outputs") or []
        if cell.get("cell_type") != "code" or not outputs:
            continue
        first = _text(cell.get("source", "")).strip().split("\n")[0][:60]
        where = f"cell {number} (id {cell.get('id', '?')}, {first})"
        longest = 0
        for out in outputs:
            texts = [_text(out.get("text"))] if out.get("output_type") == "stream" else []
            texts += [_text(v) for k, v in (out.get("data") or {}).items() if k in TEXT_KINDS]
            longest = max([longest] + [len(line) for text in texts for line in text.split("\n")])
        if longest > max_line:
            problems.append(
                f"{where}: a stored output line of {longest} characters (the bound is {max_line} per line)"
            )
        size = len(json.dumps(outputs).encode())
        if size > max_cell:
            problems.append(
                f"{where}: {size} bytes of stored outputs (the bound is {max_cell} per cell)"
            )
    return problems
