"""The MyST -> CommonMark transform and the cell transforms of studentnb, on small inputs and on the chapters."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent

from studentnb.transforms import (  # noqa: E402
    BookIndex,
    ClearExerciseOutputs,
    MystToCommonMark,
    PruneWidgetState,
    RemoveSolutions,
    TagChecksRaises,
    published_notebook,
    site_notebook,
)

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
RAW_MYST = re.compile(
    r"```\{|:::\{|^\s*:label:|^\s*:class:|\{(doc|ref|eq|numref|math)\}`|\$\$[ \t]*\([\w-]+\)|^\([\w-]+\)=",
    re.M,
)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """A two-chapter book: chapter 2 refers to chapter 1's equation and exercise."""
    root = tmp_path_factory.mktemp("book")
    (root / "chapters").mkdir()
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: chapters/intro\nparts:\n  - caption: C\n    numbered: true\n    chapters:\n"
        "      - file: chapters/01_a\n      - file: chapters/02_b\n",
        encoding="utf-8",
    )
    (root / "_config.yml").write_text(
        "title: t\nhtml:\n  baseurl: https://example.org/course/\n", encoding="utf-8"
    )
    (root / "chapters" / "intro.md").write_text("# Welcome\n\nHello.\n", encoding="utf-8")
    one = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                "# First things\n\n$$\ny = x\n$$ (eq-a-one)\n\n$$\nz\n$$\n\n$$\nw = 2\n$$ (eq-a-two)"
            ),
            nbformat.v4.new_markdown_cell("(sec-more)=\n## More about it\n\nText."),
            nbformat.v4.new_markdown_cell(
                "```{exercise} Count them\n:label: ex-a-count\n\n*Difficulty: basic. Checked.*\n\nCount.\n```"
            ),
            nbformat.v4.new_code_cell("answer = ...", metadata={"tags": ["starter"]}),
            nbformat.v4.new_code_cell("answer = 3", metadata={"tags": ["solution", "hide-input"]}),
            nbformat.v4.new_code_cell(
                "# the check\ncheck_count(answer)", metadata={"tags": ["check"]}
            ),
            nbformat.v4.new_markdown_cell(
                "```{exercise} Think\n:label: ex-a-think\n\n*Difficulty: advanced. Discussion (model answer in the dropdown).*\n\nWhy?\n```"
            ),
            nbformat.v4.new_markdown_cell(
                "```{solution} ex-a-think\n:class: dropdown\n\nBecause.\n```",
                metadata={"tags": ["solution"]},
            ),
        ]
    )
    nbformat.write(one, root / "chapters" / "01_a.ipynb")
    two = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Second\n\nSee {eq}`eq-a-two`.")]
    )
    nbformat.write(two, root / "chapters" / "02_b.ipynb")
    return root


def test_index_numbers_like_the_site(book):
    index = BookIndex.from_book(book)
    assert index.docs == ["chapters/intro", "chapters/01_a", "chapters/02_b"]
    assert index.numbers == {"chapters/01_a": "1", "chapters/02_b": "2"}
    # unlabelled: no number
    assert index.targets["eq-a-one"].text == "(1.1)" and index.targets["eq-a-two"].text == "(1.2)"
    assert (
        index.targets["ex-a-count"].text == "Exercise 1.1"
        and index.targets["ex-a-think"].text == "Exercise 1.2"
    )
    assert index.targets["sec-more"].text == "More about it"
    assert index.base_url == "https://example.org/course"
    assert (
        index.doc("../chapters/02_b", "chapters/01_a") == "chapters/02_b"
        and index.doc("nope", "chapters/01_a") is None
    )


def convert(book, text, base_url="", docname="chapters/02_b"):
    index = BookIndex.from_book(book, base_url=base_url)
    return MystToCommonMark(index, docname).convert(text)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("See {eq}`eq-a-two`.", "See (1.2)."),
        ("In {doc}`01_a` and {doc}`intro`.", "In chapter 1 (*First things*) and *Welcome*."),
        ("In {doc}`the first <01_a>`.", "In the first."),
        (
            "As in {ref}`ex-a-count`, {ref}`sec-more` and {numref}`ex-a-think`.",
            "As in Exercise 1.1, More about it and Exercise 1.2.",
        ),
        ("{ref}`that one <ex-a-count>` and {math}`x^2`", "that one and $x^2$"),
        ("```{note}\nRead *this*, {eq}`eq-a-one`.\n```", "> **Note**\n>\n> Read *this*, (1.1)."),
        (
            ":::{admonition} Careful\n:class: tip\nTwo\n\nlines\n:::",
            "> **Careful**\n>\n> Two\n>\n> lines",
        ),
        ("$$\na = b\n$$ (eq-a-one)", "$$\na = b\n\\tag{1.1}\n$$"),
        ("* item\n\n  $$\n  a\n  $$ (eq-a-two)", "* item\n\n  $$\n  a\n  \\tag{1.2}\n  $$"),
        (
            "```python\n{eq}`eq-a-one` stays in code\n```",
            "```python\n{eq}`eq-a-one` stays in code\n```",
        ),
        ("(sec-more)=\n## More\n% a comment", "## More"),
    ],
)
def test_myst_to_commonmark(book, source, expected):
    assert convert(book, source) == expected


def test_links_to_the_published_site_when_there_is_a_base_url(book):
    out = convert(
        book, "{eq}`eq-a-two`, {doc}`01_a`, {ref}`ex-a-count`", base_url="https://example.org/c/"
    )
    assert out == (
        "[(1.2)](https://example.org/c/chapters/01_a.html#equation-eq-a-two), "
        "[chapter 1 (*First things*)](https://example.org/c/chapters/01_a.html), "
        "[Exercise 1.1](https://example.org/c/chapters/01_a.html#ex-a-count)"
    )


def test_unknown_labels_are_named(book):
    with pytest.raises(
        ValueError, match=r"\{eq\}`eq-missing` names no exercise, equation or section"
    ):
        convert(book, "{eq}`eq-missing`")
    with pytest.raises(ValueError, match=r"\{doc\}`03_c` names no page"):
        convert(book, "{doc}`03_c`")
    with pytest.raises(ValueError, match=r"\{solution\} directive reached a student notebook"):
        convert(book, "```{solution} ex-a-think\nBecause.\n```")


def test_the_published_notebook_of_a_small_chapter(book):
    nb = nbformat.read(book / "chapters" / "01_a.ipynb", as_version=4)
    out = published_notebook(nb, "01_a.ipynb", BookIndex.from_book(book, base_url=""))
    sources = [c.source for c in out.cells]
    assert "answer = 3" not in sources and not any("Because." in s for s in sources)
    exercise = next(s for s in sources if s.startswith("### Exercise 1.1"))
    assert exercise == (
        "### Exercise 1.1: Count them\n\n**Label:** `ex-a-count` · **Level:** basic · "
        "**Checked by:** `check_count(answer)` in the check cell after your answer\n\nCount."
    )
    think = next(s for s in sources if s.startswith("### Exercise 1.2"))
    assert "**Level:** advanced · **Not checked:**" in think and "dropdown" not in think
    assert (
        out.cells[0].id == "student-version-header"
        and "chapter 1 (*First things*)" in out.cells[0].source
    )
    check = next(c for c in out.cells if "check" in c.metadata.get("tags", []))
    assert "raises-exception" in check.metadata["tags"]
    assert not any(RAW_MYST.search(c.source) for c in out.cells if c.cell_type == "markdown")
    assert nb.cells[4].source == "answer = 3", "the input notebook was modified"


def test_cell_transforms_each_do_one_thing():
    view = {
        "application/vnd.jupyter.widget-view+json": {
            "model_id": "aa",
            "version_major": 2,
            "version_minor": 0,
        }
    }
    teach = nbformat.v4.new_code_cell(
        "show()", outputs=[nbformat.v4.new_output("display_data", data=view)], execution_count=3
    )
    uses = nbformat.v4.new_code_cell(
        "print(answer)", outputs=[nbformat.v4.new_output("stream", text="3\n")], execution_count=5
    )
    starter = nbformat.v4.new_code_cell("answer = ...", metadata={"tags": ["starter"]})
    solution = nbformat.v4.new_code_cell("answer = 3", metadata={"tags": ["solution"]})
    check = nbformat.v4.new_code_cell(
        "check(answer)",
        metadata={"tags": ["check"]},
        outputs=[nbformat.v4.new_output("stream", text="ok\n")],
        execution_count=4,
    )
    nb = nbformat.v4.new_notebook(cells=[teach, starter, solution, check, uses])
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {
            "version_major": 2,
            "version_minor": 0,
            "state": {
                "aa": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_bb"]}},
                "bb": {"model_name": "IntSliderModel", "state": {}},
                "cc": {"model_name": "IntSliderModel", "state": {}},
            },
        }
    }
    ClearExerciseOutputs()(nb)
    assert teach.outputs and teach.execution_count == 3
    assert check.outputs == [] and uses.outputs == [] and uses.execution_count is None
    RemoveSolutions()(nb)
    assert solution not in nb.cells and len(nb.cells) == 4
    TagChecksRaises()(nb)
    TagChecksRaises()(nb)
    assert check.metadata["tags"] == ["check", "raises-exception"]
    PruneWidgetState()(nb)
    assert set(nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]) == {
        "aa",
        "bb",
    }
    teach.outputs = []
    PruneWidgetState()(nb)
    assert "widgets" not in nb.metadata


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_no_myst_left_in_a_chapter_and_the_site_version_keeps_it(path):
    nb = nbformat.read(path, as_version=4)
    student = published_notebook(nb, path.name, BookIndex.from_book(ROOT))
    raw = [
        (c.id, m.group(0))
        for c in student.cells
        if c.cell_type == "markdown"
        for m in RAW_MYST.finditer(c.source)
    ]
    assert not raw, raw[:5]
    n_exercises = sum(
        len(re.findall(r"^```\{exercise\}", c.source, re.M))
        for c in nb.cells
        if c.cell_type == "markdown"
    )
    headings = [
        ln
        for c in student.cells
        if c.cell_type == "markdown"
        for ln in c.source.splitlines()
        if ln.startswith("### Exercise ")
    ]
    assert len(headings) == n_exercises >= 3
    assert all(re.fullmatch(r"### Exercise \d+\.\d+: \S.*", h) for h in headings), headings
    site = site_notebook(nb)
    assert not [c for c in site.cells if "solution" in c.metadata.get("tags", [])]
    assert (
        sum(
            len(re.findall(r"^```\{exercise\}", c.source, re.M))
            for c in site.cells
            if c.cell_type == "markdown"
        )
        == n_exercises
    )


def test_module_examples_run():
    import doctest

    import studentnb.transforms as module

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 2 and result.failed == 0
