"""The student versions: generated from the chapters, solutions gone, every check failing cleanly.

The instructor notebooks themselves (checks passing against the solutions)
are covered by nbval (`pytest --nbval-lax chapters`). Here the student
versions are generated into a temporary directory and executed with
nbclient: each ``check`` cell must raise exactly an AssertionError with a
hint (never a NameError, TypeError, ...), and every other cell must run.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
STEMS = [p.stem for p in CHAPTERS]


import studentnb.make as ms  # noqa: E402


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    ms.generate(ROOT / "chapters", out, log=lambda *a: None)
    return out


@pytest.fixture(scope="module")
def executed(student_dir):
    """Every student notebook executed once (module scope: ~20 s for the four chapters)."""
    result = {}
    for path in sorted(student_dir.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        ms.execute(nb, path.parent, timeout=120)
        result[path.stem] = nb
    return result


def test_every_chapter_of_the_toc_is_a_notebook_in_chapters():
    index = ms.book_index()
    numbered = [d for d in index.docs if d in index.numbers]
    assert len(numbered) >= 4
    assert sorted(Path(d).name for d in numbered) == STEMS


def test_published_student_notebooks_are_up_to_date():
    """student-notebooks/ (committed; what the site's launch and download buttons open) is what the chapters give."""
    stale = ms.stale_published()
    assert not stale, (
        f"stale student notebooks {stale}: run `make student-notebooks` and commit them"
    )
    assert sorted(p.name for p in ms.PUBLISHED.glob("*.ipynb")) == [p.name for p in CHAPTERS]


def test_stale_detection_names_the_notebook(tmp_path):
    out = tmp_path / "published"
    assert sorted(ms.publish(out=out, log=lambda *a: None)) == [p.name for p in CHAPTERS]
    assert ms.stale_published(out=out) == [] and ms.publish(out=out, log=lambda *a: None) == []
    target = out / CHAPTERS[1].name
    target.write_text(
        target.read_text(encoding="utf-8").replace("Exercise", "Exercice", 1), encoding="utf-8"
    )
    (out / "99_old.ipynb").write_text("{}", encoding="utf-8")
    (out / CHAPTERS[0].name).unlink()
    assert ms.stale_published(out=out) == [CHAPTERS[0].name, CHAPTERS[1].name, "99_old.ipynb"]
    assert ms.main(["--stale", "--published", str(out)]) == 1
    ms.publish(out=out, log=lambda *a: None)
    assert ms.stale_published(out=out) == [] and not (out / "99_old.ipynb").exists()


# ---------------------------------------------------------------------------
# the instructor notebooks' exercise structure


@pytest.mark.parametrize("path", CHAPTERS, ids=STEMS)
def test_instructor_exercise_structure(path):
    nb = nbformat.read(path, as_version=4)
    assert ms.exercise_problems(nb, path.name) == []
    assert ms.count_exercises(nb) >= 3


def test_at_least_twelve_exercises_in_all():
    assert sum(ms.count_exercises(nbformat.read(p, as_version=4)) for p in CHAPTERS) >= 12


@pytest.mark.parametrize("path", CHAPTERS, ids=STEMS)
def test_every_starter_has_a_solution_and_a_check(path):
    nb = nbformat.read(path, as_version=4)
    starters = [i for i, c in enumerate(nb.cells) if "starter" in tags(c)]
    checks = [i for i, c in enumerate(nb.cells) if "check" in tags(c)]
    assert starters, "no coding exercise"
    assert len(checks) == len(starters)
    for s, c in zip(starters, checks, strict=True):
        between = nb.cells[s + 1 : c]
        assert any("solution" in tags(x) and x.cell_type == "code" for x in between), (
            f"cell {s}: no solution before its check"
        )


@pytest.mark.parametrize("path", CHAPTERS, ids=STEMS)
def test_solutions_are_hidden_on_the_website(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if "solution" in tags(cell):
            if cell.cell_type == "code":
                assert "hide-input" in tags(cell)
                assert not cell.outputs, "a solution cell's output would be visible on the website"
            else:
                assert (
                    re.search(r"^```\{solution\}", cell.source, re.M)
                    and ":class: dropdown" in cell.source
                )
        elif cell.cell_type == "markdown":
            assert "{solution}" not in cell.source, (
                "solution directive in a cell not tagged 'solution'"
            )


@pytest.mark.parametrize("path", CHAPTERS, ids=STEMS)
def test_instructor_checks_pass(path):
    """The committed instructor notebook shows every check's success message (nbval re-runs them)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if "check" in tags(cell):
            text = "".join(
                o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream"
            )
            assert text.startswith("✓ "), (cell.id, cell.outputs)
            assert "nbval-check-output" in tags(cell), (
                f"check cell {cell.id} is not compared by nbval"
            )


# ---------------------------------------------------------------------------
# generation


@pytest.mark.parametrize("path", CHAPTERS, ids=STEMS)
def test_student_version_is_stripped(path, student_dir):
    instructor = nbformat.read(path, as_version=4)
    student = nbformat.read(student_dir / path.name, as_version=4)
    nbformat.validate(student)
    solution_sources = [c.source for c in instructor.cells if "solution" in tags(c)]
    assert solution_sources
    student_text = json.dumps([c.source for c in student.cells])
    by_id = {c.id: c for c in instructor.cells}
    answers = set().union(
        *(ms.defined_names(c.source) for c in instructor.cells if "starter" in tags(c))
    )
    kept = 0
    for cell in student.cells:
        assert "solution" not in tags(cell)
        assert cell.source not in solution_sources
        if cell.cell_type == "code":
            original = by_id[cell.id]
            if {"starter", "check"} & set(tags(cell)) or ms.used_names(cell.source) & answers:
                assert cell.outputs == [] and cell.execution_count is None, cell.id
            else:  # a teaching cell: its stored output stays, so the notebook reads well before it is run
                assert (
                    cell.outputs == original.outputs
                    and cell.execution_count == original.execution_count
                ), cell.id
                kept += bool(cell.outputs)
            if "check" in tags(cell):
                assert "raises-exception" in tags(cell)
    assert kept >= 3
    for (
        source
    ) in solution_sources:  # no solution line survives anywhere (ignoring lines the starter shares)
        starter_text = "\n".join(c.source for c in instructor.cells if "starter" in tags(c))
        for line in source.splitlines():
            line = line.strip()
            if (
                len(line) > 25
                and line not in starter_text
                and not line.startswith(('"""', "def ", "```", ":class:"))
            ):
                assert line not in student_text, f"solution line leaked: {line!r}"
    # saved widget state: exactly the models the kept outputs display (and what they reference)
    views = {
        o["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
        for c in student.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "application/vnd.jupyter.widget-view+json" in o.get("data", {})
    }
    state = (
        student.metadata.get("widgets", {})
        .get("application/vnd.jupyter.widget-state+json", {})
        .get("state", {})
    )
    assert views <= set(state)
    full = (
        instructor.metadata.get("widgets", {})
        .get("application/vnd.jupyter.widget-state+json", {})
        .get("state", {})
    )
    assert set(state) <= set(full) and all(state[k] == full[k] for k in state)
    assert [c.source for c in student.cells if "starter" in tags(c)] == [
        c.source for c in instructor.cells if "starter" in tags(c)
    ]
    assert [c.source for c in student.cells if "check" in tags(c)] == [
        c.source for c in instructor.cells if "check" in tags(c)
    ]
    assert student.cells[0].id == "student-version-header"


def test_generation_is_deterministic_and_keeps_student_work(tmp_path):
    first = tmp_path / "a"
    second = tmp_path / "b"
    ms.generate(ROOT / "chapters", first, log=lambda *a: None)
    ms.generate(ROOT / "chapters", second, log=lambda *a: None)
    for p in sorted(first.glob("*.ipynb")):
        assert p.read_bytes() == (second / p.name).read_bytes()
    # a student's edits survive a second `make student` unless --force
    target = first / CHAPTERS[0].name
    edited = target.read_text(encoding="utf-8").replace("raise NotImplementedError", "return 42", 1)
    target.write_text(edited, encoding="utf-8")
    messages = []
    ms.generate(ROOT / "chapters", first, log=messages.append)
    assert target.read_text(encoding="utf-8") == edited
    assert any("kept" in m for m in messages)
    messages = []
    ms.generate(ROOT / "chapters", first, force=True, log=messages.append)
    assert target.read_bytes() == (second / target.name).read_bytes()
    # --force kept a timestamped copy of the edited notebook, said where, and check-student does not run it
    copies = sorted((first / "replaced").glob(f"{target.stem}.*.ipynb"))
    assert len(copies) == 1 and copies[0].read_text(encoding="utf-8") == edited
    assert re.fullmatch(rf"{re.escape(target.stem)}\.\d{{8}}-\d{{6}}\.ipynb", copies[0].name)
    assert any(str(copies[0]) in m and "replaced" in m for m in messages), messages
    # nothing edited: no new copy
    ms.generate(ROOT / "chapters", first, force=True, log=lambda *a: None)
    assert len(list((first / "replaced").glob("*.ipynb"))) == 1
    target.write_text(edited, encoding="utf-8")
    # edited again: a second copy
    ms.generate(ROOT / "chapters", first, force=True, log=lambda *a: None)
    assert len(list((first / "replaced").glob("*.ipynb"))) == 2


def test_lint_reports_problems():
    nb = nbformat.read(CHAPTERS[0], as_version=4)
    for cell in nb.cells:
        if "solution" in tags(cell) and cell.cell_type == "code":
            cell.metadata["tags"] = ["starter"]  # a solution that lost its tag
            break
    problems = ms.exercise_problems(nb, "broken")
    assert any("no solution cell" in p for p in problems), problems
    nb2 = nbformat.read(CHAPTERS[0], as_version=4)
    nb2.cells = [c for c in nb2.cells if "check" not in tags(c)]
    assert any("no check cell" in p for p in ms.exercise_problems(nb2, "broken"))


def test_command_line_check_passes(capsys):
    assert ms.main(["--check"]) == 0
    assert "problem" not in capsys.readouterr().out


# ---------------------------------------------------------------------------
# execution of the student versions


@pytest.mark.parametrize("stem", STEMS)
def test_student_version_runs_and_every_check_fails_cleanly(stem, executed):
    nb = executed[stem]
    n_checks = 0
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.get("output_type") == "error"]
        if "check" in tags(cell):
            n_checks += 1
            assert len(errors) == 1, f"cell {i} ({cell.id}): the check did not fail: {cell.outputs}"
            err = errors[0]
            assert err["ename"] == "CheckFailed", (
                f"cell {i} ({cell.id}): {err['ename']}: {err['evalue']}"
            )
            assert "not implemented yet" in err["evalue"] or "not answered yet" in err["evalue"], (
                err["evalue"]
            )
            # what the notebook shows: the checker's message only, no frames of convlib's engine
            assert err["traceback"][0].startswith("CheckFailed: ") and len(err["traceback"]) <= 3, (
                err["traceback"]
            )
            assert not any(
                "engine" in line or "calls.py" in line or "File " in line
                for line in err["traceback"]
            )
        else:
            assert not errors, (
                f"cell {i} ({cell.id}) failed: {errors[0]['ename']}: {errors[0]['evalue']}"
            )
    assert n_checks >= 3


def test_student_runner_reports_every_check(student_dir, capsys):
    path = student_dir / f"{STEMS[1]}.ipynb"
    results = ms.run_checks([path], log=print)
    out = capsys.readouterr().out
    assert results and not any(r.passed for r in results)
    assert out.count("✗ check_") == len(results)
    assert f"0 of {len(results)} checks pass" in out


def test_student_solves_an_exercise(tmp_path):
    """Fill one starter with a correct answer: its check passes, the others still fail cleanly."""
    ms.generate(ROOT / "chapters", tmp_path, log=lambda *a: None)
    path = tmp_path / "02_locality.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if "starter" in tags(cell) and "my_layers_to_cover" in cell.source:
            cell.source = (
                "def my_layers_to_cover(delta, H, W):\n    return -(-(max(H, W) - 1) // delta)\n"
            )
    nbformat.write(nb, path)
    results = ms.run_checks([path], log=lambda *a: None)
    passed = [r for r in results if r.passed]
    assert [r.call for r in passed] == ["check_layers_to_cover(my_layers_to_cover)"]
    assert all(r.ename == "CheckFailed" for r in results if not r.passed)


def set_starter(nb, needle: str, source: str) -> int:
    for i, cell in enumerate(nb.cells):
        if "starter" in tags(cell) and needle in cell.source:
            cell.source = source
            return i
    raise LookupError(needle)


def test_broken_exercises_are_reported_one_by_one(tmp_path, capsys):
    """A typo, a hanging function and a faked check, each in its own exercise: each reported for itself."""
    ms.generate(ROOT / "chapters", tmp_path, log=lambda *a: None)
    path = tmp_path / "02_locality.ipynb"
    nb = nbformat.read(path, as_version=4)
    typo = set_starter(
        nb, "def my_border_terms", "def my_border_terms(i, j, delta, H, W)\n    return 0\n"
    )
    set_starter(
        nb, "def my_local_layer", "def my_local_layer(X, V):\n    while True:\n        pass\n"
    )
    set_starter(
        nb,
        "def my_layers_to_cover",
        "def my_layers_to_cover(delta, H, W):\n    return -(-(max(H, W) - 1) // (2 * delta))\n",
    )
    for cell in nb.cells:  # the student "passes" a check by editing it
        if "check" in tags(cell) and "check_layers_to_cover" in cell.source:
            cell.source = 'print("✓ layers to see the whole image: all 14 hidden cases pass")'
    nbformat.write(nb, path)

    results = ms.run_checks([path], log=print)
    out = capsys.readouterr().out
    assert "\x1b[" not in out
    by_call = {r.call: r for r in results}
    assert len(results) == 3 and not any(r.passed for r in results)
    border = by_call["check_border_terms(my_border_terms)"]
    assert border.problem.startswith(
        f"not run: your cell {typo + 1}, line 1: def my_border_terms(i, j, delta, H, W)\nSyntaxError"
    )
    local = by_call["check_local_layer(my_local_layer)"]
    assert "Hint [time limit]: your function did not return within 5 s" in local.problem
    cover = by_call["check_layers_to_cover(my_layers_to_cover)"]
    assert cover.ename == "CheckFailed" and "Hint [window centred]" in cover.problem
    # the whole checker message, as the notebook shows it: hint and first failing case
    assert "      Hint [window centred]" in out
    assert "      First failing case: delta=1, H=5, W=5" in out
    assert re.search(r"^      expected: 4$", out, re.M) and re.search(
        r"^      got: +2$", out, re.M
    ), out
    assert "0 of 3 checks pass" in out


def test_a_cell_that_never_finishes_blocks_only_its_exercise(tmp_path, capsys):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    cells = [
        ("setup", [], "from convlib.checks import check_layers_to_cover"),
        ("a-starter", ["starter"], "while True:\n    pass"),
        ("a-check", ["check"], "check_layers_to_cover(lambda delta, H, W: 1)"),
        (
            "b-starter",
            ["starter"],
            "def layers(delta, H, W):\n    return -(-(max(H, W) - 1) // delta)",
        ),
        ("b-check", ["check"], "check_layers_to_cover(layers)"),
    ]
    for cid, cell_tags, source in cells:
        cell = nbformat.v4.new_code_cell(source)
        cell.id, cell.metadata["tags"] = cid, cell_tags
        nb.cells.append(cell)
    path = tmp_path / "mine.ipynb"
    nbformat.write(nb, path)
    results = ms.run_checks([path], log=print, src=tmp_path / "none", cell_timeout=2)
    out = capsys.readouterr().out
    assert [r.passed for r in results] == [False, True]
    assert (
        results[0].problem
        == "not run: your cell 2 did not finish within 2 s and was stopped\n(a loop that never ends?)"
    )
    assert "1 of 2 checks pass" in out


def _tiny_notebook(path: Path, cells) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    for cid, cell_tags, source in cells:
        cell = nbformat.v4.new_code_cell(source)
        cell.id, cell.metadata["tags"] = cid, cell_tags
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


def _run_cli(*args, cwd):
    import subprocess

    return subprocess.run(
        [
            sys.executable,
            "-m",
            "studentnb.make",
            "--src",
            str(cwd / "none"),
            "--run",
            *map(str, args),
        ],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def test_check_student_exit_status_and_no_kernel_noise(tmp_path):
    """Failing checks are the student's result (exit 0); --strict makes them exit 1; no kernel warnings on stderr."""
    wrong = _tiny_notebook(
        tmp_path / "wrong.ipynb",
        [
            ("setup", [], "from convlib.checks import check_layers_to_cover"),
            ("a-starter", ["starter"], "def layers(delta, H, W):\n    return max(H, W) - 1"),
            ("a-check", ["check"], "check_layers_to_cover(layers)"),
        ],
    )
    proc = _run_cli(wrong, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (
        "✗ check_layers_to_cover(layers)" in proc.stdout
        and "First failing case: delta=2, H=9, W=9" in proc.stdout
    )
    assert "0 of 1 checks pass" in proc.stdout
    # no "Kernel is running over TCP without encryption"
    assert proc.stderr.strip() == "", proc.stderr
    strict = _run_cli("--strict", wrong, cwd=tmp_path)
    assert strict.returncode == 1 and strict.stderr.strip() == ""


def test_check_student_goes_on_after_a_deleted_or_broken_notebook(tmp_path):
    later = _tiny_notebook(tmp_path / "later.ipynb", [("x", [], "x = 1")])
    # the first notebook deletes the second one while the checks run
    first = _tiny_notebook(
        tmp_path / "first.ipynb",
        [
            (
                "setup",
                [],
                "import os\nos.remove('later.ipynb')\nfrom convlib.checks import check_layers_to_cover",
            ),
            (
                "a-starter",
                ["starter"],
                "def layers(delta, H, W):\n    return -(-(max(H, W) - 1) // delta)",
            ),
            ("a-check", ["check"], "check_layers_to_cover(layers)"),
        ],
    )
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [', encoding="utf-8")
    last = _tiny_notebook(
        tmp_path / "last.ipynb",
        [
            ("setup", [], "from convlib.checks import check_layers_to_cover"),
            (
                "b-starter",
                ["starter"],
                "def layers(delta, H, W):\n    return -(-(max(H, W) - 1) // delta)",
            ),
            ("b-check", ["check"], "check_layers_to_cover(layers)"),
        ],
    )
    proc = _run_cli(first, broken, later, last, cwd=tmp_path)
    out = proc.stdout
    assert "Traceback" not in out + proc.stderr
    assert proc.returncode == 1, out  # not every notebook ran
    # the notebooks before and after the bad ones ran
    assert out.count("✓ check_layers_to_cover(layers)") == 2, out
    assert f"not run: {broken}: not a notebook: the file is not valid JSON" in out
    assert f"not run: {later}: the file is gone" in out
    assert "2 of 2 checks pass" in out


def test_an_unknown_label_stops_generation_with_one_line(tmp_path, capsys):
    src = tmp_path / "chapters"
    src.mkdir()
    nb = nbformat.read(CHAPTERS[0], as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("See {eq}`eq-nowhere`."))
    nbformat.write(nb, src / CHAPTERS[0].name)
    assert ms.main(["--src", str(src), "--publish", "--published", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert (
        err.strip()
        == f"studentnb.make: chapters/{CHAPTERS[0].stem}: {{eq}}`eq-nowhere` names no exercise, equation or section of the book"
    )


def test_no_kernel_is_left_running(tmp_path):
    """Every kernel that run_checks and execute start is shut down (nbclient does not stop a kernel manager it was given)."""
    import os

    def kernels():
        """Live ipykernel processes whose parent is this test process."""
        found = set()
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == os.getpid() and b"ipykernel" in cmd:
                found.add(int(pid))
        return found

    before = kernels()
    path = _tiny_notebook(tmp_path / "tiny.ipynb", [("x", [], "x = 1")])
    ms.run_checks([path], log=lambda *a: None, src=tmp_path / "none")
    ms.execute(nbformat.read(path, as_version=4), tmp_path, timeout=60)
    assert kernels() - before == set()
