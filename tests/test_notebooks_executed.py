"""The committed chapters are executed, complete and small.

nbval silently skips cells that were never executed, and the website shows
the stored outputs and widget state, so a chapter committed without running
it would pass nbval and publish empty widgets. These tests catch that.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studentnb.outputs import MAX_CELL_BYTES, MAX_LINE_CHARS, oversized_outputs

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
MAX_BYTES = 2_000_000


def _toc_files() -> list[str]:
    files = []
    for line in (ROOT / "_toc.yml").read_text().splitlines():
        line = line.strip()
        for key in ("root:", "- file:", "file:"):
            if line.startswith(key):
                files.append(line.split(":", 1)[1].strip())
                break
    return files


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_there_are_four_topic_chapters():
    assert len(CHAPTERS) >= 4, (
        f"expected the four topic chapters in chapters/, found {[p.name for p in CHAPTERS]}"
    )


def test_every_chapter_is_in_the_table_of_contents():
    toc = {Path(f).with_suffix("").as_posix() for f in _toc_files()}
    for path in CHAPTERS:
        assert f"chapters/{path.stem}" in toc, f"{path.name} is not listed in _toc.yml"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_was_executed_top_to_bottom(path):
    nb = _load(path)
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
    assert code, f"{path.name} has no code cells"
    counts = [c.get("execution_count") for c in code]
    missing = [i for i, n in enumerate(counts) if n is None]
    assert not missing, (
        f"{path.name}: code cells {missing} were never executed; run `make notebooks`"
    )
    assert counts == list(range(1, len(code) + 1)), (
        f"{path.name}: execution counts {counts} are not one clean top-to-bottom run"
    )
    assert any(c.get("outputs") for c in code), f"{path.name} has no stored outputs"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_unexpected_errors_in_stored_outputs(path):
    for i, cell in enumerate(_load(path)["cells"]):
        if cell["cell_type"] != "code" or "raises-exception" in cell.get("metadata", {}).get(
            "tags", []
        ):
            continue
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", (
                f"{path.name} cell {i} stored an error: {out.get('ename')}: {out.get('evalue')}"
            )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_widget_views_have_saved_state(path):
    """Every displayed widget must be in the saved state, or the website shows nothing."""
    nb = _load(path)
    views = [
        out["data"][WIDGET_VIEW]["model_id"]
        for cell in nb["cells"]
        if cell["cell_type"] == "code"
        for out in cell.get("outputs", [])
        if WIDGET_VIEW in out.get("data", {})
    ]
    assert views, f"{path.name} displays no widget; every topic chapter has at least one explorer"
    state = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    missing = [m for m in views if m not in state]
    assert not missing, (
        f"{path.name}: widget views {missing} have no saved state; run `make notebooks`"
    )
    explorers = [m for m in state.values() if m.get("model_name") == "AnyModel"]
    assert explorers, f"{path.name} saved no browser explorer (anywidget)"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_saved_explorers_carry_the_current_javascript(path):
    """The site runs the JavaScript saved in the notebook: it must be today's js/*.js and css, not a stale copy."""
    import importlib

    state = (
        _load(path).get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    )
    for model in state.values():
        if model.get("model_name") != "AnyModel":
            continue
        saved = model["state"]
        module, _, name = saved["_anywidget_id"].rpartition(".")
        cls = getattr(importlib.import_module(module), name)
        stale = [key for key in ("_esm", "_css") if saved.get(key) != getattr(cls, key)]
        assert not stale, (
            f"{path.name}: the saved {name} has an old {stale}; re-execute the chapter (`make notebooks`)"
        )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_is_small_and_has_no_local_paths(path):
    raw = path.read_text(encoding="utf-8")
    assert len(raw.encode()) < MAX_BYTES, (
        f"{path.name} is {len(raw.encode())} bytes; keep chapters under {MAX_BYTES}"
    )
    assert str(ROOT) not in raw, f"{path.name} stores a path of this machine ({ROOT})"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_stored_outputs_are_within_the_line_and_cell_bounds(path):
    """The bounds the book build enforces (studentnb.book stops on them): no long line, no huge cell."""
    assert oversized_outputs(_load(path)) == []


def _code_cell(outputs, source="print(x)", cell_id="c"):
    return {
        "cell_type": "code",
        "id": cell_id,
        "source": source,
        "metadata": {},
        "execution_count": 1,
        "outputs": outputs,
    }


def _stream(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


def test_the_output_bounds_flag_a_three_megabyte_line_and_nothing_smaller():
    line = "ab" * 1_500_000
    big = {
        "cells": [
            {"cell_type": "markdown", "source": "x" * 5_000_000},
            _code_cell([_stream(line + "\n")], "import os\nprint(...)", "noisy"),
        ]
    }
    size = len(json.dumps(big["cells"][1]["outputs"]).encode())
    assert size > MAX_CELL_BYTES
    assert oversized_outputs(big) == [
        f"cell 2 (id noisy, import os): a stored output line of 3000000 characters (the bound is {MAX_LINE_CHARS} per line)",
        f"cell 2 (id noisy, import os): {size} bytes of stored outputs (the bound is {MAX_CELL_BYTES} per cell)",
    ]
    at_bound = {"cells": [_code_cell([_stream(["x" * MAX_LINE_CHARS + "\n", "y\n"])])]}
    assert oversized_outputs(at_bound) == []
    over = {
        "cells": [
            _code_cell(
                [
                    {
                        "output_type": "execute_result",
                        "execution_count": 1,
                        "metadata": {},
                        "data": {"text/plain": ["'" + "x" * MAX_LINE_CHARS + "'"]},
                    }
                ]
            )
        ]
    }
    assert oversized_outputs(over) == [
        f"cell 1 (id c, print(x)): a stored output line of {MAX_LINE_CHARS + 2} characters "
        f"(the bound is {MAX_LINE_CHARS} per line)"
    ]


def test_the_cell_bound_counts_every_output_of_the_cell_and_svg_lines_are_not_text_lines():
    svg = "<svg>" + "p" * 50_000 + "</svg>"  # a figure's path data: one long line, not printed text
    many = [_stream("z" * 9_000 + "\n")] * 120  # short lines, 1.08 MB together
    assert (
        oversized_outputs(
            {
                "cells": [
                    _code_cell(
                        [
                            {
                                "output_type": "display_data",
                                "metadata": {},
                                "data": {"image/svg+xml": svg},
                            }
                        ]
                    )
                ]
            }
        )
        == []
    )
    problems = oversized_outputs({"cells": [_code_cell(many)]})
    assert len(problems) == 1 and problems[0].endswith(
        f"bytes of stored outputs (the bound is {MAX_CELL_BYTES} per cell)"
    )
    assert oversized_outputs({"cells": [_code_cell(many)]}, max_cell=2_000_000) == []


def _tagged_outputs(path: Path, tag: str) -> list[str]:
    texts = []
    for cell in _load(path)["cells"]:
        if cell["cell_type"] == "code" and tag in cell.get("metadata", {}).get("tags", []):
            texts.append("".join("".join(o.get("text", "")) for o in cell.get("outputs", [])))
    return texts


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_lesson_outputs_are_compared_by_nbval(path):
    """Each chapter has cells whose stored text output nbval compares, and none is empty."""
    texts = _tagged_outputs(path, "nbval-check-output")
    assert len(texts) >= 3, f"{path.name}: only {len(texts)} cells are tagged nbval-check-output"
    assert all(t.strip() for t in texts), (
        f"{path.name}: a cell tagged nbval-check-output stores no text output"
    )


def test_the_worked_example_is_checked_exactly():
    """The lecture's 19/25/37/43 example is among the outputs nbval compares."""
    path = ROOT / "chapters" / "03_convolution_vs_correlation.ipynb"
    texts = _tagged_outputs(path, "nbval-check-output")
    assert "[[19 25]\n [37 43]]" in "\n".join(texts)
    assert any(
        "0*0 + 1*1 + 3*2 + 4*3 = 19" in t and "4*0 + 5*1 + 7*2 + 8*3 = 43" in t for t in texts
    )


def test_the_parameter_counts_are_checked_exactly():
    path = ROOT / "chapters" / "01_translation_invariance.ipynb"
    joined = "\n".join(_tagged_outputs(path, "nbval-check-output"))
    assert "1,099,511,627,776" in joined and "4,190,209" in joined


def _repository_url() -> str:
    lines = (ROOT / "_config.yml").read_text().splitlines()
    start = lines.index("repository:")
    for line in lines[start + 1 :]:
        if line.strip().startswith("url:"):
            return line.split("url:", 1)[1].strip()
    raise AssertionError("_config.yml has no repository url")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_installs_convlib_on_colab_and_binder(path):
    """The launch buttons open the notebook where convlib is not installed: its first code cell installs it."""
    first = next(c for c in _load(path)["cells"] if c["cell_type"] == "code")
    source = "".join(first["source"])
    assert 'find_spec("convlib") is None' in source, (
        f"{path.name}: first code cell does not install convlib when missing"
    )
    assert f"git+{_repository_url()}" in source, (
        f"{path.name}: install URL differs from repository.url in _config.yml"
    )
    assert "enable_custom_widget_manager" in source, (
        f"{path.name}: Colab needs the custom widget manager for ipywidgets 8"
    )
    assert "remove-cell" in first["metadata"].get("tags", []), (
        f"{path.name}: the install cell should not clutter the website"
    )
