"""The grading workflow an instructor lives with, each situation fed to the real grader.

One small class of chapter 3 (five students, four kernels) is graded once with
``python -m grading`` and shared by most tests: a browser-renamed notebook, a
per-student ``.zip`` (late, with a syntax error and an endless loop), a
student with two candidate notebooks, a copied solution with renamed
variables, and a Moodle download folder. Further runs regrade one student,
grade the class in two shards and merge them, and grade a Canvas bulk
download. Marking sheets and exports run on copies of the outputs, no kernel.
"""

from __future__ import annotations

import csv
import filecmp
import html
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest

from grading import corpus, marking
from grading.exercises import DISCUSSIONS, EXERCISES
from grading.main import main
from grading.shards import shard_of

ROOT = Path(__file__).resolve().parent.parent
CH3 = "03_convolution_vs_correlation.ipynb"
SEED_TEXT = "workflow test seed"
DEADLINE = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
DAY = 86400
FLIP_ANSWER = (
    "Rotate every kernel by 180 degrees, V[::-1, ::-1]: the kernels agree when K == K[::-1, ::-1]."
)
# the model answer of my_corr2d with every name changed, comments and docstring rewritten, and the layout changed
COPIED_CORR2D = """def my_corr2d(img, ker):
    # my own loop!!
    img, ker = np.asarray(img, dtype=float), np.asarray(ker, dtype=float)
    rows, cols = ker.shape
    out = np.zeros((img.shape[0] - rows + 1,
                    img.shape[1] - cols + 1))
    for r in range(out.shape[0]):
        for c in range(out.shape[1]):
            out[r, c] = (img[r:r + rows, c:c + cols] * ker).sum()
    return out
"""
# an honest, different implementation: one shifted copy of the image per kernel weight
OWN_CORR2D = """def my_corr2d(X, K):
    X, K = np.asarray(X, dtype=float), np.asarray(K, dtype=float)
    k_h, k_w = K.shape
    H, W = X.shape[0] - k_h + 1, X.shape[1] - k_w + 1
    total = np.zeros((H, W))
    for a in range(k_h):
        for b in range(k_w):
            total = total + K[a, b] * X[a:a + H, b:b + W]
    return total
"""
SYNTAX = "def my_combined_kernel(K1, K2)\n    return np.zeros((1, 1))\n"
HANG = "def my_corr2d(X, K):\n    while True:\n        pass\n"


def _answer_flip(cells):
    i = next(i for i, c in enumerate(cells) if "ex-03-flip" in marking.exercise_labels(c.source))
    return cells[: i + 1] + [nbformat.v4.new_markdown_cell(FLIP_ANSWER)] + cells[i + 1 :]


def _save(nb, path: Path, when: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    os.utime(path, (when, when))
    return path


def _class(folder: Path) -> dict:
    """The five students; returns the notebooks written, by student."""
    on_time = DEADLINE.timestamp() - 3600
    nbs = {
        "ada": corpus.submission(CH3, edit=_answer_flip),
        "bob": corpus.submission(CH3, {"ex-03-compose": SYNTAX, "ex-03-corr2d": HANG}),
        "dan": corpus.submission(CH3, {"ex-03-corr2d": COPIED_CORR2D}),
        "Eve Example_4242": corpus.submission(CH3, {"ex-03-corr2d": OWN_CORR2D}),
    }
    _save(nbs["ada"], folder / "ada" / "03_Convolution_vs_Correlation (1).ipynb", on_time)
    inner = folder / ".build" / "bob.ipynb"
    _save(nbs["bob"], inner, on_time)
    with zipfile.ZipFile(folder / "bob.zip", "w") as z:
        # local time, as zip stores it
        late = datetime.fromtimestamp(DEADLINE.timestamp() + 1.5 * DAY)
        info = zipfile.ZipInfo(f"bob/{CH3}", late.timetuple()[:6])
        z.writestr(info, inner.read_text(encoding="utf-8"))
    shutil.rmtree(folder / ".build")
    _save(corpus.submission(CH3), folder / "cy" / CH3, on_time)
    _save(
        corpus.submission(CH3), folder / "cy" / "03_convolution_vs_correlation (1).ipynb", on_time
    )
    _save(nbs["dan"], folder / "dan" / "ch3.ipynb", on_time)
    _save(
        nbs["Eve Example_4242"], folder / "Eve Example_4242_assignsubmission_file_" / CH3, on_time
    )
    return nbs


def _grade(submissions, out, secret, *extra):
    return subprocess.run(
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
            "--cell-timeout",
            "20",
            "--call-timeout",
            "1",
            *extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )


def _rows(out: Path) -> dict:
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return {r["student"]: r for r in csv.DictReader(f)}


def _plain(markdown: str) -> str:
    """Feedback as the student reads it: the escaping of their own text (backslashes, HTML entities) undone."""
    return html.unescape(re.sub(r"\\(.)", r"\1", markdown))


def _feedback(out: Path) -> dict:
    return {p.stem: _plain(p.read_text(encoding="utf-8")) for p in (out / "feedback").glob("*.md")}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    base = tmp_path_factory.mktemp("workflow")
    base.chmod(0o755)
    (base / "seed").write_text(SEED_TEXT)
    return base


@pytest.fixture(scope="module")
def graded(base):
    subs = base / "class"
    nbs = _class(subs)
    out = base / "out"
    run = _grade(
        subs, out, base / "seed", "--deadline", DEADLINE.isoformat(), "--late-penalty", "10"
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return {
        "subs": subs,
        "out": out,
        "run": run,
        "nbs": nbs,
        "rows": _rows(out),
        "feedback": _feedback(out),
    }


FULL3 = {ex.label: float(ex.points) for ex in EXERCISES if ex.chapter == CH3}


def _auto(row) -> dict:
    return {label: float(row[label]) for label in FULL3}


# ---------------------------------------------------------------------------
# 1. submissions as students hand them in


def test_a_browser_renamed_notebook_is_graded_and_the_console_and_feedback_say_why(graded):
    assert _auto(graded["rows"]["ada"]) == FULL3
    line = (
        "ada: graded 03_Convolution_vs_Correlation (1).ipynb as 03_convolution_vs_correlation.ipynb"
    )
    assert line in graded["run"].stdout
    fb = graded["feedback"]["ada"]
    assert (
        "Graded file: 03_Convolution_vs_Correlation (1).ipynb (the chapter's name up to case, spaces and a download suffix"
        in fb
    )


def test_a_chapter_number_prefix_a_zip_and_a_moodle_folder_are_students_too(graded):
    rows = graded["rows"]
    assert set(rows) == {"ada", "bob", "cy", "dan", "Eve Example_4242"}
    assert (
        "dan: graded ch3.ipynb as 03_convolution_vs_correlation.ipynb (its name starts with the chapter number 03)"
        in graded["run"].stdout
    )
    assert _auto(rows["dan"]) == FULL3 and _auto(rows["Eve Example_4242"]) == FULL3
    assert float(rows["bob"]["ex-03-hand"]) == 2  # graded from inside bob.zip
    rec = json.loads((graded["out"] / "results" / "Eve Example_4242.json").read_text())
    assert (
        rec["origin"] == "moodle"
        and rec["lms"]["moodle_folder"] == "Eve Example_4242_assignsubmission_file_"
    )


def test_two_candidate_notebooks_are_a_reported_conflict_never_a_silent_pick(graded):
    row, fb = graded["rows"]["cy"], graded["feedback"]["cy"]
    assert row["status 03"] == "conflict" and float(row["total"]) == 0
    assert (
        "cy: CONFLICT, not graded: 2 notebooks could be 03_convolution_vs_correlation.ipynb"
        in graded["run"].stdout
    )
    assert f"03_convolution_vs_correlation (1).ipynb, {CH3}. Keep one" in fb
    assert "### ex-03-corr2d" not in fb  # nothing graded, nothing listed as wrong


# ---------------------------------------------------------------------------
# 3. feedback a student can act on


def test_a_syntax_error_names_the_1_based_cell_and_the_students_line_and_counts_as_error(graded):
    nb, fb = graded["nbs"]["bob"], graded["feedback"]["bob"]
    cell = next(i for i, c in enumerate(nb.cells) if c.source == SYNTAX) + 1
    assert f"cell {cell} (`def my_combined_kernel(K1, K2)`) raised SyntaxError" in fb
    assert re.search(r"raised SyntaxError: expected ':'.*line 1\b", fb)
    assert not re.search(r"\d+\.py", fb)  # no IPython temporary file name
    assert "### ex-03-compose: 0 of 3 points (error)" in fb
    assert (
        "my_combined_kernel is not defined because cell" in fb and "starter cell deleted" not in fb
    )
    status = {
        (r["student"], r["exercise"]): r["status"]
        for r in csv.DictReader(open(graded["out"] / "status.csv", encoding="utf-8"))
    }
    assert (
        status[("bob", "ex-03-compose")] == "error"
        and status[("bob", "ex-03-corr2d")] == "time-out"
    )
    assert status[("ada", "ex-03-corr2d")] == "ok"
    assert status[("cy", "ex-03-corr2d")] == "conflict" and status[("dan", "ex-03-hand")] == "ok"


def test_a_hidden_call_time_out_shows_the_line_and_leaves_the_chapter_ok(graded):
    row, fb = graded["rows"]["bob"], graded["feedback"]["bob"]
    assert row["status 03"] == "ok"
    assert "### ex-03-corr2d: 0 of 4 points (time-out)" in fb
    section = fb[fb.index("### ex-03-corr2d") : fb.index("### ex-03-compose")]
    assert "no result within 1 s" in section and "hidden case 1 " in section
    assert re.search(r"line [23]\b.*(while True:|pass)", section)  # the student's line
    # nothing of the grader's own code
    assert "CallTimeout" not in fb and "Hint [exception]" not in fb
    others = {k: v for k, v in _auto(row).items() if k not in ("ex-03-corr2d", "ex-03-compose")}
    assert others == {k: v for k, v in FULL3.items() if k not in ("ex-03-corr2d", "ex-03-compose")}


def test_the_summary_counts_statuses_per_exercise(graded):
    summary = (graded["out"] / "summary.txt").read_text()
    assert summary in graded["run"].stdout
    corr = next(line for line in summary.splitlines() if line.startswith("ex-03-corr2d"))
    # of the four graded students (cy's chapter is a conflict, not graded): ok, wrong, error, time-out, not answered
    assert corr.split()[3:8] == ["3", "0", "0", "1", "0"]


def test_new_secret_refuses_to_overwrite_and_the_missing_seed_message_names_the_given_path(
    tmp_path, capsys
):
    seed = tmp_path / "my-seed"
    assert main(["--new-secret", "--secret", str(seed)]) == 0
    before = seed.read_text()
    assert main(["--new-secret", "--secret", str(seed)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"grading: a seed already exists at {seed}; not overwritten (it decides the hidden cases; delete it yourself only to start afresh)"
    ]
    assert seed.read_text() == before
    (tmp_path / "subs").mkdir()
    missing = tmp_path / "elsewhere" / "seed"
    assert main([str(tmp_path / "subs"), str(tmp_path / "o"), "--secret", str(missing)]) == 2
    assert f"python -m grading --new-secret --secret {missing}`" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# 6. late work


def test_late_work_from_a_zip_members_time_costs_the_penalty_per_started_day(graded):
    rows = graded["rows"]
    bob = rows["bob"]
    assert bob["days late"] == "2"
    auto = sum(_auto(bob).values())
    assert float(bob["late penalty"]) == round(auto * 0.2, 2)
    assert float(bob["total"]) == round(auto - round(auto * 0.2, 2), 2)
    assert rows["ada"]["days late"] == "0" and float(rows["ada"]["late penalty"]) == 0
    assert rows["ada"]["submitted"] == datetime.fromtimestamp(
        DEADLINE.timestamp() - 3600, timezone.utc
    ).isoformat(timespec="seconds")
    assert (
        "2 day(s) after the deadline" in graded["feedback"]["bob"]
        and "20 % of the points deducted" in graded["feedback"]["bob"]
    )


# ---------------------------------------------------------------------------
# 7. similarity


def test_a_copied_solution_with_renamed_variables_is_reported_an_own_one_is_not(graded):
    text = (graded["out"] / "similarity.md").read_text()
    assert "## ex-03-corr2d: ada and dan, score 1.000" in text
    assert "def my_corr2d(img, ker):" in text  # both snippets shown
    # Eve's own loop is not alike; bob's three-line endless loop is too short to compare
    assert re.findall(r"^## ex-03-corr2d: (.*) and (.*), score", text, re.M) == [("ada", "dan")]


# ---------------------------------------------------------------------------
# 4. manual marks


def test_the_marking_sheet_has_a_row_per_discussion_with_the_students_answer_and_the_rubric(graded):
    with open(graded["out"] / "marking.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["student", "exercise", "answer", "points", "comment", "max", "rubric"]
    ch3 = [d.label for d in DISCUSSIONS if d.chapter == CH3]
    assert {(r["student"], r["exercise"]) for r in rows} == {
        (s, d) for s in graded["rows"] for d in ch3
    }
    flip = {r["student"]: r for r in rows if r["exercise"] == "ex-03-flip"}
    assert flip["ada"]["answer"] == FLIP_ANSWER and flip["dan"]["answer"] == ""
    assert flip["ada"]["rubric"] == next(d.rubric for d in DISCUSSIONS if d.label == "ex-03-flip")
    header = next(csv.reader(open(graded["out"] / "grades.csv", encoding="utf-8")))
    last_auto = [ex.label for ex in EXERCISES if ex.chapter == CH3][-1]
    assert header[header.index(last_auto) + 1 : header.index("total")] == ch3


def test_a_filled_marking_sheet_goes_into_the_gradebook_and_the_feedback_and_survives_a_rebuild(
    graded, tmp_path
):
    out = tmp_path / "out"
    shutil.copytree(graded["out"], out)
    with open(out / "marking.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        if r["student"] == "ada" and r["exercise"] == "ex-03-flip":
            r.update(points="2.5", comment="Right repair; say why symmetric kernels agree.")
    sheet = tmp_path / "filled.csv"
    with open(sheet, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    before = _rows(out)
    assert main(["marks", str(sheet), "--into", str(out)]) == 0
    after = _rows(out)
    assert after["ada"]["ex-03-flip"] == "2.5" and after["dan"]["ex-03-flip"] == ""
    assert float(after["ada"]["total"]) == float(before["ada"]["total"]) + 2.5
    assert {s: r for s, r in after.items() if s != "ada"} == {
        s: r for s, r in before.items() if s != "ada"
    }
    fb = _plain((out / "feedback" / "ada.md").read_text())
    assert (
        "### ex-03-flip: 2.5 of 3 points (marked by hand)" in fb
        and "> Right repair; say why symmetric kernels agree." in fb
    )
    assert "### ex-03-commute: not marked yet (of 3 points)" in fb
    again = {
        r["exercise"]: r
        for r in csv.DictReader(open(out / "marking.csv", encoding="utf-8"))
        if r["student"] == "ada"
    }
    assert again["ex-03-flip"]["points"] == "2.5"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"points": "4"}, "row 2: points must be from 0 to 3 for ex-03-flip; got 4"),
        ({"points": "many"}, "row 2: points must be a number from 0 to 3; got 'many'"),
        ({"student": "zoe", "points": "1"}, "row 2: student 'zoe' was not graded in this output"),
        (
            {"exercise": "ex-03-corr2d", "points": "1"},
            "row 2: exercise must be one of the discussion exercises",
        ),
    ],
)
def test_a_bad_marking_sheet_is_refused_with_its_row_and_nothing_changes(
    graded, tmp_path, capsys, change, message
):
    out = tmp_path / "out"
    shutil.copytree(graded["out"], out)
    sheet = tmp_path / "bad.csv"
    with open(sheet, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["student", "exercise", "points", "comment"])
        w.writeheader()
        w.writerow({"student": "ada", "exercise": "ex-03-flip", "comment": "", **change})
    before = (out / "grades.csv").read_bytes()
    assert main(["marks", str(sheet), "--into", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert (out / "grades.csv").read_bytes() == before and not (out / "marks.json").exists()


# ---------------------------------------------------------------------------
# 2. regrade without loss


def test_regrading_one_student_keeps_everyone_elses_rows_and_feedback(graded, base):
    out = base / "regrade"
    shutil.copytree(graded["out"], out)
    sheet = base / "ada-mark.csv"
    sheet.write_text("student,exercise,points,comment\nada,ex-03-flip,2,\n")
    assert main(["marks", str(sheet), "--into", str(out)]) == 0
    subs = graded["subs"]
    ada = subs / "ada" / "03_Convolution_vs_Correlation (1).ipynb"
    label, src, tag = corpus.MISTAKES["flipped"]
    _save(corpus.submission(CH3, {label: src}), ada, DEADLINE.timestamp() - 60)
    try:
        run = _grade(subs, out, base / "seed", "--only", "ada")
    finally:
        _save(graded["nbs"]["ada"], ada, DEADLINE.timestamp() - 3600)
    assert run.returncode == 0, run.stderr[-3000:]
    rows, fb = _rows(out), _feedback(out)
    assert set(rows) == set(graded["rows"])
    assert 0 < float(rows["ada"]["ex-03-corr2d"]) < 4 and f"Hint [{tag}]" in fb["ada"]
    for student in set(rows) - {"ada"}:
        assert rows[student] == graded["rows"][student]
        assert fb[student] == graded["feedback"][student]
    assert rows["ada"]["days late"] == "0"  # the deadline stays from the first run
    assert rows["ada"]["ex-03-flip"] == "2.0"  # and so does the hand mark
    # written through a temporary file
    assert not list(out.glob(".*.tmp")) and not list(out.glob("grades.csv.*"))


def test_only_an_unknown_student_is_refused(graded, base, tmp_path):
    run = _grade(graded["subs"], tmp_path / "o", base / "seed", "--only", "zoe")
    assert (
        run.returncode == 2
        and "--only: no submission for zoe" in run.stderr
        and "found Eve Example_4242, ada, bob, cy, dan" in run.stderr
    )


# ---------------------------------------------------------------------------
# 8. shards


def test_two_shards_merged_equal_the_whole_class_graded_at_once(graded, base):
    students = list(graded["rows"])
    assert {shard_of(s, 2) for s in students} == {1, 2}  # both shards hold someone
    outs = []
    for k in (1, 2):
        outs.append(base / f"shard{k}")
        run = _grade(
            graded["subs"],
            outs[-1],
            base / "seed",
            "--shard",
            f"{k}/2",
            "--deadline",
            DEADLINE.isoformat(),
            "--late-penalty",
            "10",
        )
        assert run.returncode == 0, run.stderr[-3000:]
        assert set(_rows(outs[-1])) == {s for s in students if shard_of(s, 2) == k}
    merged = base / "merged"
    assert main(["merge", *map(str, outs), "--into", str(merged)]) == 0
    for name in ("grades.csv", "status.csv", "marking.csv", "similarity.md", "summary.txt"):
        assert (merged / name).read_text() == (graded["out"] / name).read_text(), name
    cmp = filecmp.dircmp(merged / "feedback", graded["out"] / "feedback")
    assert cmp.left_only == cmp.right_only == cmp.diff_files == [] and len(cmp.same_files) == 5


def test_merging_shards_that_disagree_is_refused(graded, tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(graded["out"], a)
    shutil.copytree(graded["out"], b)
    rec = json.loads((b / "results" / "ada.json").read_text())
    rec["chapters"][CH3]["status"] = "timeout"
    (b / "results" / "ada.json").write_text(json.dumps(rec))
    assert main(["merge", str(a), str(b), "--into", str(tmp_path / "m")]) == 2
    assert "student 'ada' was graded differently" in capsys.readouterr().err
    assert main(["merge", str(tmp_path / "nothing"), "--into", str(tmp_path / "m")]) == 2


@pytest.mark.parametrize("bad", ["3/2", "0/2", "two", "1/0"])
def test_a_bad_shard_is_refused(base, tmp_path, capsys, bad):
    (tmp_path / "subs").mkdir()
    assert (
        main(
            [
                str(tmp_path / "subs"),
                str(tmp_path / "o"),
                "--secret",
                str(base / "seed"),
                "--shard",
                bad,
            ]
        )
        == 2
    )
    assert "--shard must be K/N with 1 <= K <= N" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# 1 and 5: a Canvas bulk download, and exports


@pytest.fixture(scope="module")
def canvas(base):
    subs, out = base / "canvas", base / "canvas-out"
    future = DEADLINE.timestamp() - 3600
    _save(corpus.submission(CH3), subs / f"lovelaceada_1001_5001_{CH3}", future)
    label, src, _ = corpus.MISTAKES["flipped"]
    _save(
        corpus.submission(CH3, {label: src}),
        subs / "turingalan_LATE_1002_5002_03_convolution_vs_correlation-1.ipynb",
        future,
    )
    (subs / "turingalan_LATE_1002_5003_notes.txt").write_text("my notes")
    run = _grade(
        subs, out, base / "seed", "--deadline", DEADLINE.isoformat(), "--late-penalty", "0"
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return {"out": out, "run": run, "rows": _rows(out)}


def test_a_canvas_bulk_download_is_read_with_ids_and_its_late_marker(canvas):
    rows = canvas["rows"]
    assert set(rows) == {"lovelaceada", "turingalan"}
    assert _auto(rows["lovelaceada"]) == FULL3 and 0 < float(rows["turingalan"]["ex-03-corr2d"]) < 4
    assert (
        "turingalan: graded turingalan_LATE_1002_5002_03_convolution_vs_correlation-1.ipynb as "
        + CH3
        in canvas["run"].stdout
    )
    # flag only: Canvas says late, the file's time does not; one day, no penalty
    assert rows["turingalan"]["days late"] == "1" and float(rows["turingalan"]["late penalty"]) == 0
    assert rows["lovelaceada"]["days late"] == "0"
    rec = json.loads((canvas["out"] / "results" / "turingalan.json").read_text())
    assert rec["lms"] == {"canvas_id": "1002", "late": True}


def test_canvas_export_uses_canvas_ids_or_the_roster_and_its_assignment_column(canvas, tmp_path):
    dest = tmp_path / "canvas.csv"
    assert (
        main(
            ["export", str(canvas["out"]), "--canvas", str(dest), "--assignment", "Convolution lab"]
        )
        == 0
    )
    rows = list(csv.reader(open(dest, encoding="utf-8")))
    total = {s: r["total"] for s, r in canvas["rows"].items()}
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Convolution lab"]
    assert rows[1][0] == "    Points Possible" and float(rows[1][5]) == float(
        canvas["rows"]["lovelaceada"]["max"]
    )
    assert rows[2:] == [
        ["lovelaceada", "1001", "", "", "", total["lovelaceada"]],
        ["turingalan", "1002", "", "", "", total["turingalan"]],
    ]
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "Student,ID,SIS User ID,SIS Login ID,Section,Convolution lab (777)\n"
        '    Points Possible,,,,,30\nLovelace Ada,1001,S1,ada@uni,Sec A,\n"Turing, Alan",1002,S2,alan@uni,Sec B,\n'
    )
    assert (
        main(
            [
                "export",
                str(canvas["out"]),
                "--canvas",
                str(dest),
                "--assignment",
                "Convolution lab",
                "--roster",
                str(roster),
            ]
        )
        == 0
    )
    rows = list(csv.reader(open(dest, encoding="utf-8")))
    assert rows[0][-1] == "Convolution lab (777)"
    assert rows[2:] == [
        ["Lovelace Ada", "1001", "S1", "ada@uni", "Sec A", total["lovelaceada"]],
        ["Turing, Alan", "1002", "S2", "alan@uni", "Sec B", total["turingalan"]],
    ]


def test_moodle_export_matches_by_roster_and_writes_grade_and_feedback(graded, tmp_path, capsys):
    dest, roster = tmp_path / "moodle.csv", tmp_path / "roster.csv"
    roster.write_text(
        "First name,Last name,ID number,Email address\nEve,Example,E42,eve@uni\n"
        + "".join(f"{s.title()},X,,{s}@uni\n" for s in ("ada", "bob", "cy", "dan"))
    )
    assert (
        main(
            [
                "export",
                str(graded["out"]),
                "--moodle",
                str(dest),
                "--roster",
                str(roster),
                "--item",
                "Lab 3",
            ]
        )
        == 0
    )
    rows = {r["Email address"]: r for r in csv.DictReader(open(dest, encoding="utf-8"))}
    assert list(next(iter(rows.values()))) == [
        "Email address",
        "ID number",
        "Lab 3",
        "Lab 3 (feedback)",
    ]
    assert (
        rows["eve@uni"]["ID number"] == "E42"
        and rows["eve@uni"]["Lab 3"] == graded["rows"]["Eve Example_4242"]["total"]
    )
    assert rows["bob@uni"]["Lab 3 (feedback)"].endswith(
        "2 day(s) late, "
        + f"{float(graded['rows']['bob']['late penalty']):g} points deducted; details in your feedback file"
    )
    roster.write_text("First name,Last name,Email address\nEve,Example,eve@uni\n")
    assert main(["export", str(graded["out"]), "--moodle", str(dest), "--roster", str(roster)]) == 2
    assert "no e-mail address for ada, bob, cy, dan in the roster" in capsys.readouterr().err


def test_the_feedback_bundle_holds_every_students_feedback_under_the_lms_names(
    graded, canvas, tmp_path
):
    dest = tmp_path / "fb.zip"
    assert main(["export", str(graded["out"]), "--bundle", str(dest)]) == 0
    with zipfile.ZipFile(dest) as z:
        names = sorted(z.namelist())
        assert names == [
            "Eve Example_4242_assignsubmission_file_/feedback.md",
            "ada.md",
            "bob.md",
            "cy.md",
            "dan.md",
        ]
        assert _plain(z.read("ada.md").decode()) == graded["feedback"]["ada"]
    assert main(["export", str(canvas["out"]), "--bundle", str(dest)]) == 0
    assert sorted(zipfile.ZipFile(dest).namelist()) == [
        "lovelaceada_1001_feedback.md",
        "turingalan_1002_feedback.md",
    ]


# ---------------------------------------------------------------------------
# discovery on its own (no kernel): names, broken zips, strays, duplicates

from grading.submissions import discover, match_chapter, stage  # noqa: E402

CHS = ("01_translation_invariance.ipynb", "02_locality.ipynb", CH3, "04_channels.ipynb")


@pytest.mark.parametrize(
    "name, chapter",
    [
        (CH3, CH3),
        ("03_CONVOLUTION_VS_CORRELATION.ipynb", CH3),
        ("03_convolution_vs_correlation (2).ipynb", CH3),
        ("03 convolution vs correlation.ipynb", CH3),
        ("02_locality-1.ipynb", "02_locality.ipynb"),
        ("3.ipynb", CH3),
        ("Chapter 4 final.ipynb", "04_channels.ipynb"),
        ("01-my-answers.ipynb", "01_translation_invariance.ipynb"),
        ("notes.ipynb", None),
        ("13_other.ipynb", None),
        (f"{CH3}.bak", None),
        ("34_x.ipynb", None),
    ],
)
def test_notebook_names_match_chapters_tolerantly_but_not_loosely(name, chapter):
    assert match_chapter(name, CHS)[0] == chapter


def test_broken_and_hostile_zips_strays_and_duplicates(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "broken.zip").write_bytes(b"not a zip")
    with zipfile.ZipFile(subs / "sneaky.zip", "w") as z:
        z.writestr("../escaped.ipynb", "{}")
        z.writestr(f"work/{CH3}", "{}")
    (subs / "lost.ipynb").write_text("{}")
    (subs / "fifo").mkdir()
    (subs / "fifo" / CH3).write_text("{}")
    os.mkfifo(subs / "fifo" / "pipe")
    os.symlink("/etc/passwd", subs / "fifo" / "03_convolution_vs_correlation (1).ipynb")
    stray: list = []
    found = discover(subs, CHS, tmp_path / "unpacked", stray)
    assert set(found) == {"broken", "fifo", "sneaky"} and stray == ["lost.ipynb"]
    # the symlink is no candidate
    assert found["fifo"].files == {CH3: subs / "fifo" / CH3} and not found["fifo"].conflicts
    # returns: the FIFO is neither read nor copied
    staged = stage(found["fifo"], tmp_path / "staged")
    assert sorted(p.name for p in staged.iterdir()) == [CH3]
    assert (
        found["broken"].files == {}
        and "broken.zip (could not be unpacked" in found["broken"].unmatched[0]
    )
    assert found["sneaky"].files[CH3].name == CH3 and not (tmp_path / "escaped.ipynb").exists()
    assert not list(tmp_path.rglob("escaped.ipynb"))
    (subs / "sneaky").mkdir()
    with pytest.raises(ValueError, match="two entries of .* are student 'sneaky'"):
        discover(subs, CHS, tmp_path / "unpacked2")
    with pytest.raises(ValueError, match="submissions must be a folder"):
        discover(tmp_path / "nothing", CHS, tmp_path / "unpacked3")


def test_every_discussion_exercise_of_the_chapters_has_points_and_a_rubric():
    found = {}
    for path in sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            m = re.search(r":label: (ex-[\w-]+)", cell.source)
            if m and cell.cell_type == "markdown" and "Discussion" in cell.source:
                found[m.group(1)] = path.name
    assert {d.label: d.chapter for d in DISCUSSIONS} == found
    assert all(d.points > 0 and len(d.rubric) > 40 for d in DISCUSSIONS)
