"""Exercise labels match their chapters, and the old labels of the chapter-3 split still grade and merge.

The map ``grading.exercises.OLD_LABELS`` must be unambiguous (no old label is
a current label, so a stored "ex-04-..." can never mean two exercises), and
every place that reads labels written before the rename (returned student
notebooks, stored gradebook records, ``marks.json``, filled-in marking
sheets) must put them under the current label.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import nbformat
import pytest

from grading import gradebook, marking
from grading.exercises import (
    CH3,
    CH4,
    CH5,
    DISCUSSIONS,
    EXERCISES,
    OLD_LABELS,
    PRACTICE,
    RETIRED,
    current_label,
    upgrade_labels,
)

ROOT = Path(__file__).resolve().parents[1]
LABELS = {e.label for e in (*EXERCISES, *PRACTICE)} | {d.label for d in DISCUSSIONS}
LABEL_RE = re.compile(r"^```\{exercise\}[^\n]*\n:label:\s*(\S+)", re.M)


def test_every_label_names_its_chapter():
    for ex in (*EXERCISES, *PRACTICE, *DISCUSSIONS):
        assert ex.label[3:5] == ex.chapter[:2], f"{ex.label} sits in {ex.chapter}"
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            for label in LABEL_RE.findall(cell.source):
                assert label[3:5] == path.name[:2], f"{label} is declared in {path.name}"


def test_the_map_is_unambiguous():
    assert not set(OLD_LABELS) & LABELS, "an old label is also a current label"
    assert set(OLD_LABELS.values()) <= LABELS
    assert len(set(OLD_LABELS.values())) == len(OLD_LABELS), "two old labels map to one exercise"
    assert not set(RETIRED) & LABELS and not set(RETIRED) & set(OLD_LABELS)
    for old in RETIRED:
        # a replaced task is never merged into the new exercise's column
        assert current_label(old) == old
    for label in LABELS:
        assert current_label(label) == label
    # the old label's chapter number is the one before (the split moved them one chapter on), the task is the same
    for old, new in OLD_LABELS.items():
        assert int(new[3:5]) == int(old[3:5]) + 1


def test_upgrade_keeps_a_current_entry_over_an_old_one():
    assert upgrade_labels({"ex-04-cost": 1, "ex-05-cost": 2, "ex-04-rf": 3}) == {
        "ex-05-cost": 2,
        "ex-04-rf": 3,
    }


def _old_student_notebook():
    """The published chapter-5 student notebook as handed out before the rename, with answers below two discussions."""
    nb = nbformat.read(ROOT / "student-notebooks" / CH5, as_version=4)
    for cell in nb.cells:
        for old, new in OLD_LABELS.items():
            cell.source = cell.source.replace(f"`{new}`", f"`{old}`").replace(
                f":label: {new}\n", f":label: {old}\n"
            )
    for label, answer in (
        ("ex-04-text", "A 1-D correlation over word vectors."),
        ("ex-04-bottleneck", "16,384 weights and 64 biases."),
    ):
        index = next(
            i
            for i, c in enumerate(nb.cells)
            if re.search(rf"`{label}`|:label: {label}\n", c.source)
        )
        nb.cells.insert(index + 1, nbformat.v4.new_markdown_cell(answer))
    return nb


def test_an_old_label_submission_hands_in_its_discussion_answers():
    nb = _old_student_notebook()
    text = "\n".join(c.source for c in nb.cells)
    assert "ex-04-text" in text and "ex-05-text" not in text  # really the old labels
    answers = marking.discussion_answers(nb, CH5)
    assert answers["ex-05-text"] == "A 1-D correlation over word vectors."
    assert answers["ex-05-bottleneck"] == "16,384 weights and 64 biases."


def _old_record():
    """A record stored before the split: ex-03-stride graded with chapter 3, the channel exercises under 04_channels."""
    verdict = {"passed": 8, "total": 16, "tag": "rounded up", "message": ""}
    return {
        "student": "ada",
        "chapters": {
            CH3: {
                "status": "graded",
                "notes": [],
                "file": "",
                "reason": "",
                "submitted": None,
                "conflict": [],
                "sources": {"ex-03-stride": "def f(): pass"},
                "answers": {},
                "verdicts": {"ex-03-stride": verdict},
            },
            "04_channels.ipynb": {
                "status": "graded",
                "notes": [],
                "file": "",
                "reason": "",
                "submitted": None,
                "conflict": [],
                "sources": {},
                "answers": {"ex-04-text": "my answer"},
                "verdicts": {"ex-04-cost": {**verdict, "passed": 16}, "ex-04-bias": verdict},
            },
        },
    }


def test_an_old_gradebook_grades_merges_and_exports_under_the_current_labels(tmp_path):
    out = tmp_path / "out"
    (out / "results").mkdir(parents=True)
    (out / "results" / "ada.json").write_text(json.dumps(_old_record()), encoding="utf-8")
    (out / "marks.json").write_text(
        json.dumps({"ada": {"ex-04-text": {"points": 1.5, "comment": "ok"}}}), encoding="utf-8"
    )
    gradebook.rebuild(out)
    rows = list(csv.DictReader(open(out / "grades.csv", encoding="utf-8")))
    assert len(rows) == 1
    row = rows[0]
    assert float(row["ex-04-dilated-size"]) == 1.0  # 8 of 16 hidden cases of a 2-point exercise
    assert float(row["ex-05-cost"]) == 2.0
    assert float(row["ex-05-text"]) == 1.5
    assert not set(row) & set(OLD_LABELS)
    # retired: not merged
    assert (
        "ex-04-bias" not in row
        and "ex-05-fold-norm" in row
        and float(row["ex-05-fold-norm"]) == 0.0
    )
    assert float(row["total"]) == 1.0 + 2.0 + 1.5
    # a new grading run of chapter 5 merges into the old record under the current labels
    new = {
        "student": "ada",
        "chapters": {
            CH5: {
                **_old_record()["chapters"]["04_channels.ipynb"],
                "answers": {},
                "verdicts": {"ex-05-grey": {"passed": 3, "total": 3, "tag": "", "message": ""}},
            }
        },
    }
    gradebook.save_record(out, new)
    stored = gradebook.load_records(out)["ada"]["chapters"]
    assert set(stored) == {
        CH3,
        CH4,
        CH5,
    }  # 04_channels.ipynb is chapter 5 now; ex-03-stride moved to chapter 4
    assert stored[CH3]["verdicts"] == {} and stored[CH3]["sources"] == {}
    assert set(stored[CH4]["verdicts"]) == {"ex-04-dilated-size"} and stored[CH4]["sources"] == {
        "ex-04-dilated-size": "def f(): pass"
    }
    assert set(stored[CH5]["verdicts"]) == {
        "ex-05-grey"
    }  # the new run of chapter 5 replaces the old one, as for any regrade
    # the marking sheet written now names the current label; an old sheet with the old label still imports
    sheet = list(csv.DictReader(open(out / "marking.csv", encoding="utf-8")))
    assert {r["exercise"] for r in sheet} >= {"ex-05-text", "ex-05-bottleneck"} and not {
        r["exercise"] for r in sheet
    } & set(OLD_LABELS)
    old_sheet = tmp_path / "old-marking.csv"
    old_sheet.write_text(
        "student,exercise,points,comment\nada,ex-04-bottleneck,2,fine\n", encoding="utf-8"
    )
    marking.import_sheet(old_sheet, out)
    row = list(csv.DictReader(open(out / "grades.csv", encoding="utf-8")))[0]
    assert float(row["ex-05-bottleneck"]) == 2.0 and float(row["ex-05-text"]) == 1.5
    assert marking.load_marks(out)["ada"]["ex-05-bottleneck"]["points"] == 2.0


def test_a_notebook_under_the_old_chapter_name_is_graded_as_the_new_chapter():
    from grading.submissions import match_chapter

    chapters = [e.chapter for e in EXERCISES]
    assert match_chapter("04_channels.ipynb", chapters)[0] == CH5
    assert match_chapter("04_Channels (2).ipynb", chapters)[0] == CH5
    assert match_chapter("04_padding_and_stride.ipynb", chapters)[0] == CH4


@pytest.mark.parametrize("old", sorted(RETIRED))
def test_a_retired_label_in_a_marking_sheet_is_refused_with_its_name(tmp_path, old):
    out = tmp_path / "out"
    (out / "results").mkdir(parents=True)
    (out / "results" / "ada.json").write_text(json.dumps(_old_record()), encoding="utf-8")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(f"student,exercise,points\nada,{old},1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(old)):
        marking.read_sheet(sheet, gradebook.load_records(out))
