"""Instructor-side grading (grading/): hidden cases, judging outside the kernel, the sandbox, the gradebook.

The end-to-end test grades a small corpus of fake chapter-3 submissions made
from the student version (perfect, known mistakes, a typo, an endless loop, a
SyntaxError, deleted and reordered cells, patched numpy and checkers, a memory
hog, a fork loop, writes outside the folder) with ``python -m grading`` in
parallel, and checks every grade, hint and status, and that the instructor's
files are untouched. The other tests need no kernel.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from convlib import conv2d, corr2d
from convlib.checks import check_corr2d, check_dilated_size
from convlib.checks.engine import cases_2d, current_grading_hook
from grading import corpus
from grading.exercises import CHAPTERS, DISCUSSIONS, EXERCISES, PRACTICE
from grading.hidden import Outcome, judge_function, plan, read_seed
from grading.runner import UID_BASE
from grading.sandbox import live_pids
from test_checks import loop_corr
from test_checks_engine import public_cases

ROOT = Path(__file__).resolve().parent.parent
CH3, CH4 = "03_convolution_vs_correlation.ipynb", "04_padding_and_stride.ipynb"
SEED_TEXT = "test seed: not the one of any course"


# ---------------------------------------------------------------------------
# the exercise table and the hidden cases (no kernel)


def test_every_check_cell_of_the_chapters_is_graded_with_its_checker_and_answers():
    graded = {}
    for chapter in CHAPTERS:
        nb = nbformat.read(ROOT / "chapters" / chapter, as_version=4)
        for cell in nb.cells:
            if "check" in cell.metadata.get("tags", []):
                call = re.match(r"(check_\w+)\((.*)\)\s*$", cell.source.strip())
                graded[(chapter, call.group(1))] = tuple(
                    a.strip() for a in call.group(2).split(",")
                )
    assert {(ex.chapter, ex.checker): ex.names for ex in EXERCISES + PRACTICE} == graded
    assert not {ex.label for ex in EXERCISES} & {ex.label for ex in PRACTICE}
    labels = set()
    for chapter in CHAPTERS:
        labels |= set(
            re.findall(r":label: (ex-\d\d-[\w-]+)", (ROOT / "chapters" / chapter).read_text())
        )
    assert {ex.label for ex in EXERCISES + PRACTICE} <= labels


def _plan(label, seed):
    return plan(next(ex for ex in EXERCISES if ex.label == label), seed)


def test_hidden_cases_keep_shapes_and_dtypes_but_not_values_and_depend_on_the_seed():
    public = public_cases(check_corr2d)
    assert [c.describe() for c in public] == [c.describe() for c in cases_2d(0)]
    hidden = _plan("ex-03-corr2d", 1).cases
    assert [tuple(a.shape for a in c.args) for c in hidden] == [
        tuple(a.shape for a in c.args) for c in public
    ]
    assert [tuple(a.dtype for a in c.args) for c in hidden] == [
        tuple(a.dtype for a in c.args) for c in public
    ]
    assert not any(
        np.array_equal(h.args[0], p.args[0]) for h, p in zip(hidden, public) if p.args[0].size > 1
    )
    again, other = _plan("ex-03-corr2d", 1).cases, _plan("ex-03-corr2d", 2).cases
    assert all(np.array_equal(a.args[0], b.args[0]) for a, b in zip(hidden, again))
    assert not all(np.array_equal(a.args[0], b.args[0]) for a, b in zip(hidden, other))


def test_hidden_sizes_grow_the_image_but_keep_the_kernel():
    public, hidden = public_cases(check_dilated_size), _plan("ex-04-dilated-size", 5).cases
    # declared by the checker, not guessed from the names
    assert all(c.growable == ("n",) for c in public)
    assert [c.args[1:] for c in hidden] == [c.args[1:] for c in public]  # k, p, s and d
    growth = [h.args[0] - p.args[0] for h, p in zip(hidden, public)]
    assert all(0 <= d < 4 for d in growth) and any(growth)


def _outcomes(p, fn):
    return [
        Outcome(value=fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in c.args]))
        for c in p.cases
    ]


def test_judging_replays_plain_data_through_the_public_checker():
    p = _plan("ex-03-corr2d", 3)
    right = judge_function(p, _outcomes(p, corr2d), 1.0)
    assert (right.passed, right.total, right.tag) == (34, 34, "")
    flipped = judge_function(p, _outcomes(p, conv2d), 1.0)
    assert flipped.tag == "flipped kernel" and 0 < flipped.passed < 34
    assert "expected:" in flipped.message and "got:" in flipped.message
    hang = judge_function(p, [Outcome(timeout=True)] + [Outcome(skipped=True)] * 33, 1.0)
    assert (hang.passed, hang.tag) == (0, "time limit") and "no result within 1 s" in hang.message
    stub = judge_function(p, [Outcome(error=("NotImplementedError", ""))] * 34, 1.0)
    assert (stub.passed, stub.tag) == (0, "not implemented")
    crash = judge_function(
        p,
        [
            Outcome(
                error=(
                    "IndexError",
                    "index 3 is out of bounds (line 5 of my_corr2d: Y[i, j] = X[i + 3])",
                )
            )
        ]
        * 34,
        1.0,
    )
    assert (
        crash.tag == "exception"
        and "raised IndexError: index 3 is out of bounds (line 5 of my_corr2d: Y[i, j] = X[i + 3])"
        in crash.message
    )
    assert "hidden.py" not in crash.message and "line " not in crash.message.replace(
        "(line 5 of my_corr2d", ""
    )
    late = judge_function(
        p,
        [Outcome(timeout=True, line="line 3 of my_corr2d: while True:")]
        + [Outcome(skipped=True)] * 33,
        1.0,
    )
    assert (
        late.tag == "time limit"
        and "it was running line 3 of my_corr2d: while True:" in late.message
    )


def test_the_hook_is_off_outside_grading(capsys):
    assert current_grading_hook() is None
    check_corr2d(loop_corr)  # a student's own loop (convlib's corr2d itself is refused)
    assert "all 34 hidden cases pass" in capsys.readouterr().out


def test_a_missing_seed_file_says_how_to_make_one(tmp_path):
    with pytest.raises(FileNotFoundError, match="--new-secret"):
        read_seed(tmp_path / "nothing-here")


# ---------------------------------------------------------------------------
# end to end: a corpus graded by `python -m grading`

WRONG_COMPOSE_SYNTAX = corpus.HOSTILE["syntax_error"]["answers"]["ex-03-compose"]


SLOW_CELL = (
    "steps = 0\nwhile True:\n    steps += 1\n"  # a cell of the student's own that never ends
)


def _students(instructor_file: Path) -> dict:
    m = corpus.MISTAKES
    cheat = (
        corpus.HOSTILE["allclose_patched"]["answers"]["ex-03-corr2d"]
        + corpus.HOSTILE["checker_patched"]["answers"]["ex-03-corr2d"]
    )
    vandal = corpus.write_outside(instructor_file)
    vandal["extra"] = vandal["extra"] + corpus.HOSTILE["memory_hog"]["extra"]
    return {
        "perfect": {},
        "mistakes": {
            "answers": {
                label: src
                for label, src, _ in (
                    m["flipped"],
                    m["kernels_correlated"],
                    m["one_length_only"],
                    m["hand_swapped"],
                )
            }
        },
        "typo": {"answers": {"ex-03-corr2d": m["typo"][1]}},
        "truncates": {"answers": {"ex-03-corr2d": m["zeros_like"][1]}},
        "hang": corpus.HOSTILE["hang"],
        "forker": corpus.HOSTILE["fork_loop"],
        "vandal": {**vandal, "answers": {"ex-03-compose": WRONG_COMPOSE_SYNTAX}},
        "cheater": {"answers": {"ex-03-corr2d": cheat}},
        "reordered": {"edit": corpus.deleted_and_reordered},
        "slow_cell": {"extra": [SLOW_CELL]},
    }


def _descendants(root: int) -> set:
    """Process ids whose chain of parents reaches ``root`` now."""
    parents = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
                parents[int(pid)] = int(f.read().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _run_watching_workers(args, timeout=600, **kwargs):
    """``subprocess.run(args)``, also returning every process id that was ever its descendant, with its user id.

    The sandbox gives each grading worker the user id ``UID_BASE`` + its pid,
    so these ids name the kernel users of this run alone, not those of
    another checkout grading on the same machine.
    """
    seen = {}
    with subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs
    ) as proc:
        chunks = {"out": [], "err": []}

        def drain(stream, key):
            for line in stream:
                chunks[key].append(line)

        readers = [
            threading.Thread(target=drain, args=(proc.stdout, "out"), daemon=True),
            threading.Thread(target=drain, args=(proc.stderr, "err"), daemon=True),
        ]
        for reader in readers:
            reader.start()
        deadline = time.monotonic() + timeout
        while proc.poll() is None:
            if time.monotonic() > deadline:
                proc.kill()
                raise subprocess.TimeoutExpired(args, timeout)
            # every time again: a kernel takes its user id only after the fork
            for pid in _descendants(proc.pid):
                try:
                    seen[pid] = os.stat(f"/proc/{pid}").st_uid
                except FileNotFoundError:
                    continue
            time.sleep(0.05)
        for reader in readers:
            reader.join()
    run = subprocess.CompletedProcess(
        args, proc.returncode, "".join(chunks["out"]), "".join(chunks["err"])
    )
    return run, seen


def _left_running(worker_pids) -> set:
    """Live processes of the kernel users of ``worker_pids`` (the sandbox's ``UID_BASE`` + pid)."""
    return {pid for worker in worker_pids for pid in live_pids(UID_BASE + worker)}


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        h.update(str(p.relative_to(folder)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading")
    base.chmod(0o755)
    submissions, out, instructor = base / "submissions", base / "out", base / "instructor"
    instructor.mkdir()
    secret = instructor / "seed"
    secret.write_text(SEED_TEXT)
    precious = instructor / "gradebook-2025.csv"
    precious.write_text("student,total\nsomeone,42\n")
    for student, kw in _students(precious).items():
        corpus.write(submissions, student, CH3, corpus.submission(CH3, **kw))
    # the one chapter-4 mistake of the corpus (ex-04-input-lengths)
    shape_mistake = {corpus.MISTAKES["one_length_only"][0]: corpus.MISTAKES["one_length_only"][1]}
    corpus.write(submissions, "mistakes", CH4, corpus.submission(CH4, answers=shape_mistake))
    before = (_digest(submissions), _digest(instructor))
    run, workers = _run_watching_workers(
        [
            sys.executable,
            "-m",
            "grading",
            str(submissions),
            str(out),
            "--secret",
            str(secret),
            "--jobs",
            "2",
            "--chapters",
            CH3,
            CH4,
            "--cell-timeout",
            "10",
            "--call-timeout",
            "1",
            # the sandbox needs root; a non-root run still checks the grading itself (tests/test_grading_hostile.py then skips)
            *([] if os.geteuid() == 0 else ["--no-sandbox"]),
        ],
        cwd=ROOT,
    )
    after = (_digest(submissions), _digest(instructor))
    # the kernels ran as their worker's user: proof that the ids below are this run's
    kernel_users = {uid for uid in workers.values() if uid - UID_BASE in workers}
    left_running = _left_running(workers)
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    # as the student reads it: the escaping of their own text undone
    feedback = {
        p.stem: re.sub(r"\\(.)", r"\1", p.read_text(encoding="utf-8"))
        for p in (out / "feedback").glob("*.md")
    }
    return {
        "run": run,
        "rows": rows,
        "feedback": feedback,
        "before": before,
        "after": after,
        "left_running": left_running,
        "kernel_users": kernel_users,
    }


def _points(row) -> dict:
    return {ex.label: float(row[ex.label]) for ex in EXERCISES if ex.chapter == CH3}


FULL = {ex.label: float(ex.points) for ex in EXERCISES if ex.chapter == CH3}


def test_the_run_succeeds_and_prints_the_summary(graded):
    run = graded["run"]
    assert run.returncode == 0, run.stderr[-3000:]
    assert "ex-03-corr2d" in run.stdout and "most common mistake" in run.stdout
    assert "grading [" in run.stderr  # the progress bar
    assert set(graded["rows"]) == set(graded["feedback"]) == set(_students(Path("x")))


def test_the_gradebook_has_a_column_per_exercise_then_total_max_and_statuses(graded):
    row, exercises = graded["rows"]["perfect"], [ex for ex in EXERCISES if ex.chapter in (CH3, CH4)]
    discussions = [d for ch in (CH3, CH4) for d in DISCUSSIONS if d.chapter == ch]
    labels = [ex.label for ch in (CH3, CH4) for ex in exercises if ex.chapter == ch] + [
        d.label for d in discussions
    ]
    assert list(row) == ["student", *labels, "total", "max", "status 03", "status 04"]
    assert float(row["max"]) == sum(ex.points for ex in exercises) + sum(
        d.points for d in discussions
    )
    assert row["status 03"] == "ok" and row["status 04"] == "not submitted"


@pytest.mark.parametrize("student", ["perfect", "reordered", "forker"])
def test_right_answers_get_full_points_however_the_notebook_looks(graded, student):
    row = graded["rows"][student]
    assert _points(row) == FULL
    assert float(row["total"]) == sum(FULL.values())
    assert all(float(row[ex.label]) == 0 for ex in EXERCISES if ex.chapter == CH4)


def test_known_mistakes_get_partial_credit_and_their_hint(graded):
    pts, fb = _points(graded["rows"]["mistakes"]), graded["feedback"]["mistakes"]
    assert 0 < pts["ex-03-corr2d"] < 1 and "Hint [flipped kernel]" in fb
    assert 0 < pts["ex-03-compose"] < 1 and "Hint [correlation of the kernels]" in fb
    assert (
        0 < float(graded["rows"]["mistakes"]["ex-04-input-lengths"]) < 1
        and "Hint [one length only]" in fb
    )
    assert pts["ex-03-hand"] == 0 and "Hint [swapped]" in fb
    assert pts["ex-03-edge"] == pts["ex-03-pattern"] == 2


def test_a_typo_that_breaks_non_square_kernels_gets_the_square_cases(graded):
    pts = _points(graded["rows"]["typo"])
    assert 1 < pts["ex-03-corr2d"] < 3
    assert "Hint [only square inputs work]" in graded["feedback"]["typo"]
    assert "Hint [integer output]" in graded["feedback"]["truncates"]


def test_an_endless_loop_is_stopped_and_costs_only_its_exercise(graded):
    row, fb = graded["rows"]["hang"], graded["feedback"]["hang"]
    assert _points(row) == {**FULL, "ex-03-corr2d": 0.0}
    assert row["status 03"] == "ok"  # the notebook ran; the exercise's own status says time-out
    assert "### ex-03-corr2d: 0 of 4 points (time-out)" in fb
    assert "no result within 1 s" in fb and "my_corr2d ran out of time on a hidden case" in fb


def test_a_cell_that_runs_too_long_is_stopped_at_the_students_line_and_costs_nothing_else(graded):
    row, fb = graded["rows"]["slow_cell"], graded["feedback"]["slow_cell"]
    assert _points(row) == FULL and row["status 03"] == "ok"
    nb = corpus.submission(CH3, extra=[SLOW_CELL])
    # counted from 1, as JupyterLab shows it
    cell = next(i for i, c in enumerate(nb.cells) if c.source == SLOW_CELL) + 1
    assert re.search(
        rf"cell {cell} \(`steps = 0`\) ran longer than 10 s and was stopped at line [23] of the cell: (while True:|steps \+= 1)",
        fb,
    ), fb[:2000]


def test_monkeypatching_numpy_or_the_checkers_in_the_kernel_changes_nothing(graded):
    assert _points(graded["rows"]["cheater"]) == {**FULL, "ex-03-corr2d": 0.0}
    assert "34 of 34 hidden cases fail" in graded["feedback"]["cheater"]


def test_a_syntax_error_memory_hog_and_writes_outside_cost_only_their_own_cells(graded):
    row, fb = graded["rows"]["vandal"], graded["feedback"]["vandal"]
    assert _points(row) == {**FULL, "ex-03-compose": 0.0}
    assert "SyntaxError" in fb and "MemoryError" in fb


def test_the_instructors_files_are_untouched_and_nothing_is_left_running(graded):
    if os.geteuid() != 0:
        pytest.skip(
            "the kernel runs as a separate user (and cannot write the instructor's files) only when the grader is root"
        )
    assert graded["before"] == graded["after"]
    assert graded["kernel_users"], "no sandboxed kernel of this run was seen"
    assert graded["left_running"] == set()


def test_feedback_shows_no_grader_code_and_no_seed(graded):
    for text in graded["feedback"].values():
        assert (
            "__grading_exchange__" not in text
            and "grading/" not in text
            and "Traceback" not in text
        )
        assert SEED_TEXT not in text


@pytest.mark.parametrize(
    "name",
    [
        "grading.hidden",
        "grading.main",
        "grading.exercises",
        "grading.report",
        "grading.sandbox",
        "grading.safeio",
        "grading.submissions",
        "grading.status",
        "grading.gradebook",
        "grading.late",
        "grading.marking",
        "grading.similarity",
        "grading.shards",
        "grading.export",
    ],
)
def test_docstring_examples_run(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_the_command_line_reports_bad_arguments_without_a_traceback(tmp_path, capsys):
    from grading.main import main

    seed = tmp_path / "seed"
    assert main(["--new-secret", "--secret", str(seed)]) == 0
    assert seed.stat().st_mode & 0o777 == 0o600 and len(seed.read_text().strip()) == 64
    assert main(["--new-secret", "--secret", str(seed)]) == 2
    assert "a seed already exists" in capsys.readouterr().err
    assert main([str(tmp_path / "none"), str(tmp_path / "out"), "--secret", str(seed)]) == 2
    assert "submissions must be a folder" in capsys.readouterr().err
    (tmp_path / "subs").mkdir()
    assert (
        main([str(tmp_path / "subs"), str(tmp_path / "out"), "--secret", str(tmp_path / "missing")])
        == 2
    )
    assert "--new-secret" in capsys.readouterr().err


def test_hidden_values_keep_the_sign_of_an_all_positive_argument():
    # ex-05-fold-norm divides by a standard deviation: a redrawn std must stay > 0
    for seed in range(20):
        cases = _plan("ex-05-fold-norm", seed).cases
        names = cases[0].names
        stds = [np.asarray(c.args[names.index("std")]) for c in cases]
        assert all(s.min() > 0 for s in stds), f"seed {seed}: a hidden std <= 0"
        # signed arguments are still redrawn with both signs
        kernels = np.concatenate([np.ravel(c.args[names.index("K")]) for c in cases])
        assert kernels.min() < 0 < kernels.max()
