"""The exercise path: each exercise uses only what the chapters have taught before it.

The chapters are walked in order. For every exercise (its ``{exercise}``
statement and the code cells up to the next exercise, not the model answers
in ``{solution}`` dropdowns, which may look ahead) the test collects the
convlib names it uses (in code, or in backticks in the statement) and the
concepts its text or code needs, and fails when one of them is introduced
later than the exercise. What is introduced where is listed once, in
``tests/course_map.py``. It also checks the difficulty line of every exercise
and that the stored output of every check cell is labelled as the result of
the hidden solution.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat

import course_map

ROOT = Path(__file__).resolve().parents[1]
EXERCISE_RE = re.compile(r"^```\{exercise\}[^\n]*\n:label:\s*(\S+)", re.M)
SOLUTION_RE = re.compile(r"^```\{solution\}", re.M)
DIFFICULTY_RE = re.compile(
    r"^\*Difficulty: (basic|intermediate|advanced)\. (Checked|Discussion \(model answer in the dropdown\))\.\*$",
    re.M,
)
BACKTICKS_RE = re.compile(r"`([^`]+)`")


def _tags(cell) -> list:
    return cell.get("metadata", {}).get("tags", [])


def load_chapters() -> list:
    return [
        (stem, nbformat.read(ROOT / "chapters" / f"{stem}.ipynb", as_version=4))
        for stem in course_map.CHAPTERS
    ]


def exercises(nb) -> list:
    """(label, index of the statement cell, statement text, code sources, has a check, has a dropdown) per exercise."""
    found = []
    for i, cell in enumerate(nb.cells):
        m = EXERCISE_RE.search(cell.source) if cell.cell_type == "markdown" else None
        if m:
            found.append([m.group(1), i, cell.source, [], False, False])
        elif found:
            if cell.cell_type == "code":
                found[-1][3].append(cell.source)
                found[-1][4] |= "check" in _tags(cell)
            elif SOLUTION_RE.search(cell.source):
                found[-1][5] = True
    return [tuple(e) for e in found]


def _tree(source: str):
    try:
        return ast.parse(source)
    except SyntaxError:  # cell magics and the like
        return ast.Module(body=[], type_ignores=[])


def convlib_imports(nb) -> set:
    """Names a chapter binds with ``from convlib import ...``."""
    return {
        a.asname or a.name
        for c in nb.cells
        if c.cell_type == "code"
        for n in ast.walk(_tree(c.source))
        if isinstance(n, ast.ImportFrom) and n.module == "convlib"
        for a in n.names
    }


def _code_names(source: str, imported: set) -> set:
    """convlib names a code cell uses: names imported from convlib, and ``convlib.<name>``."""
    tree = _tree(source)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} & imported
    names |= {
        n.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute)
        and isinstance(n.value, ast.Name)
        and n.value.id == "convlib"
    }
    return names


def _text_names(markdown: str) -> set:
    """Names a statement shows as code: a backtick span that starts with the name (`corr2d(X, K)`, `convlib.photo`)."""
    # the directive's fences are not code spans
    body = re.sub(r"^(```|:::).*$", "", markdown, flags=re.M)
    return {
        m.group(1)
        for span in BACKTICKS_RE.findall(body)
        if (m := re.match(r"(?:convlib\.)?([A-Za-z_]\w*)\s*(?:\(|$)", span.strip()))
    }


def used_names(nb, statement: str, code: list) -> set:
    imported = convlib_imports(nb)
    return _text_names(statement) | set().union(*(_code_names(c, imported) for c in code))


def introductions(chapters) -> dict:
    """Position (chapter number, cell index) of every cell that course_map names; KeyError if one is missing."""
    where = {}
    for number, (stem, nb) in enumerate(chapters):
        for i, cell in enumerate(nb.cells):
            where[(stem, cell.get("id"))] = (number, i)
    return where


def order_problems(chapters) -> list:
    """Every use of a convlib name or concept before the cell that introduces it."""
    where = introductions(chapters)
    public = set(course_map.NAMES)
    problems = []
    for number, (stem, nb) in enumerate(chapters):
        for label, index, statement, code, _, _ in exercises(nb):
            text = "\n".join([statement, *code])
            used = used_names(nb, statement, code) & public
            needs = [(f"convlib.{name}", course_map.NAMES[name]) for name in sorted(used)]
            needs += [
                (concept, (stem_, cell))
                for concept, (pattern, stem_, cell) in course_map.CONCEPTS.items()
                if re.search(pattern, text)
            ]
            for what, (intro_stem, cell_id) in needs:
                if where[(intro_stem, cell_id)] > (number, index):
                    problems.append(
                        f"{label} ({stem}) uses {what}, introduced later in {intro_stem} (cell {cell_id})"
                    )
            for concept, pattern in course_map.NOT_TAUGHT.items():
                if re.search(pattern, text):
                    problems.append(
                        f"{label} ({stem}) needs {concept}, which the course does not teach"
                    )
    return problems


def lesson_order_problems(chapters) -> list:
    """Every code cell of the chapter text (not an exercise) that uses a convlib name before the cell that introduces it."""
    where = introductions(chapters)
    public = set(course_map.NAMES)
    problems = []
    for number, (stem, nb) in enumerate(chapters):
        imported = convlib_imports(nb)
        first_exercise = min([i for _, i, *_ in exercises(nb)], default=len(nb.cells))
        for i, cell in enumerate(nb.cells[:first_exercise]):
            if cell.cell_type != "code":
                continue
            for name in sorted(_code_names(cell.source, imported) & public):
                intro_stem, cell_id = course_map.NAMES[name]
                if where[(intro_stem, cell_id)] > (number, i):
                    problems.append(
                        f"{stem} cell {cell.get('id')} uses convlib.{name}, introduced later in {intro_stem} (cell {cell_id})"
                    )
    return problems


CHAPTERS = load_chapters()


def test_the_course_map_points_at_cells_that_introduce_what_it_says():
    cells = {(stem, c.get("id")): c.source for stem, nb in CHAPTERS for c in nb.cells}
    for name, key in course_map.NAMES.items():
        assert key in cells, f"course_map: {name} points at a missing cell {key}"
        assert re.search(rf"\b{re.escape(name)}\b", cells[key]), (
            f"course_map: cell {key} does not mention {name}"
        )
    for concept, (pattern, *key) in course_map.CONCEPTS.items():
        key = tuple(key)
        assert key in cells, f"course_map: {concept!r} points at a missing cell {key}"
        assert re.search(pattern, cells[key]), (
            f"course_map: cell {key} does not mention {concept!r}"
        )
    exercise_cells = {
        (stem, nb.cells[i].get("id")) for stem, nb in CHAPTERS for _, i, *_ in exercises(nb)
    }
    intros = set(course_map.NAMES.values()) | {tuple(v[1:]) for v in course_map.CONCEPTS.values()}
    assert not intros & exercise_cells, "course_map must point at chapter text, not at exercises"


def test_every_convlib_name_an_exercise_uses_is_in_the_course_map():
    import convlib

    public = set(convlib.__all__)
    used = set()
    for _, nb in CHAPTERS:
        for _, _, statement, code, _, _ in exercises(nb):
            used |= used_names(nb, statement, code) & public
    assert not used - set(course_map.NAMES), (
        f"add these names to tests/course_map.py: {sorted(used - set(course_map.NAMES))}"
    )


def test_exercises_use_only_what_came_before():
    problems = order_problems(CHAPTERS)
    assert not problems, "\n".join(problems)


def test_the_walk_catches_an_exercise_that_comes_too_early():
    """Moving the dense-weights exercise back to chapter 1 (where it used to be) needs valid mode from chapter 3."""
    chapters = load_chapters()
    cc = chapters[2][1]
    moved = [c for c in cc.cells if c.get("id", "").startswith("ex03-dense")]
    cc.cells = [c for c in cc.cells if c not in moved]
    chapters[0][1].cells.extend(moved)
    problems = order_problems(chapters)
    assert any("ex-03-dense" in p and "valid positions" in p for p in problems), problems


def test_the_chapter_text_uses_names_only_after_their_introduction():
    problems = lesson_order_problems(CHAPTERS)
    assert not problems, "\n".join(problems)


def test_the_text_walk_catches_the_photograph_used_before_it_is_shown():
    """The review's F1: the stride check on the photograph once came before the section that shows it."""
    chapters = load_chapters()
    stems = [stem for stem, _ in chapters]
    cc, ps = chapters[stems.index(course_map.CC)][1], chapters[stems.index(course_map.PS)][1]
    moved = next(c for c in ps.cells if c.get("id") == "cc-pad-stride-same")
    # the detectors section starts here
    at = next(i for i, c in enumerate(cc.cells) if c.get("id") == "1a614a76")
    cc.cells.insert(at, moved)
    problems = lesson_order_problems(chapters)
    assert any("cc-pad-stride-same" in p and "photo_gray" in p for p in problems), problems


def test_counts_and_difficulty_of_the_exercises():
    all_exercises = [e for _, nb in CHAPTERS for e in exercises(nb)]
    assert len(all_exercises) >= 24
    assert sum(has_check for *_, has_check, _ in all_exercises) >= 18
    for label, _, statement, _, has_check, has_dropdown in all_exercises:
        m = DIFFICULTY_RE.search(statement)
        assert m, (
            f"{label}: no line '*Difficulty: basic|intermediate|advanced. Checked|Discussion (...).*'"
        )
        assert (m.group(2) == "Checked") == has_check, (
            f"{label}: says {m.group(2)!r} but has_check={has_check}"
        )
        if m.group(2).startswith("Discussion"):
            assert has_dropdown, (
                f"{label}: a discussion exercise needs a model answer in a dropdown"
            )


def test_the_published_check_output_is_labelled_as_the_solutions():
    """On the website a check cell's stored output comes from the hidden solution: it sits behind a labelled toggle."""
    for stem, nb in CHAPTERS:
        for cell in nb.cells:
            if "check" in _tags(cell):
                assert "hide-output" in _tags(cell), (
                    f"{stem} {cell.get('id')}: tag the check cell 'hide-output'"
                )
                prompt = cell.metadata.get("mystnb", {}).get("code_prompt_show", "")
                assert "solution" in prompt, (
                    f"{stem} {cell.get('id')}: the toggle must say the output is the solution's"
                )


def test_the_readme_counts_are_true():
    """README: "(N in all: b basic, i intermediate, a advanced; M with automatic checks" and the number of chapters."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(
        r"\((\d+) in all: (\d+) basic, (\d+) intermediate, (\d+) advanced; (\d+) with automatic checks",
        readme,
    )
    assert m, (
        "README: say '(N in all: b basic, i intermediate, a advanced; M with automatic checks'"
    )
    all_exercises = [e for _, nb in CHAPTERS for e in exercises(nb)]
    levels = [DIFFICULTY_RE.search(statement).group(1) for _, _, statement, *_ in all_exercises]
    checked = sum(has_check for *_, has_check, _ in all_exercises)
    found = (
        len(all_exercises),
        levels.count("basic"),
        levels.count("intermediate"),
        levels.count("advanced"),
        checked,
    )
    assert tuple(int(g) for g in m.groups()) == found, (
        f"README says {m.groups()}, the chapters have {found}"
    )
    words = {3: "three", 4: "four", 5: "five", 6: "six"}
    assert f"intro, {words[len(CHAPTERS)]} executable chapters, summary" in readme
