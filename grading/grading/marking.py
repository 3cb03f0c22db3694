"""Hand marks for the discussion exercises: the marking sheet the grader writes and reads back.

``OUT/marking.csv`` has one row per student and discussion exercise:
``student, exercise, answer, points, comment, max, rubric``. ``answer`` is
the text of the cells the student added below the exercise (up to the next
cell of the chapter). Fill in ``points`` (and ``comment``), then
``python -m grading marks FILLED.csv --into OUT`` stores them (``OUT/marks.json``)
and rewrites ``grades.csv`` and the feedback. Marks already entered survive
every regrade; an empty ``points`` cell leaves a mark unchanged.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import nbformat

from .exercises import DISCUSSIONS, current_label, upgrade_labels
from .report import csv_plain

SHEET_FIELDS = ["student", "exercise", "answer", "points", "comment", "max", "rubric"]
MAX_ANSWER_CHARS = 5000
_ORIGINAL: dict = {}


def _original_sources(chapter: str) -> set:
    """The texts of the student version's cells of ``chapter`` (what the student did not write)."""
    if chapter not in _ORIGINAL:
        from studentnb.course import course_root
        from studentnb.make import student_notebook

        path = course_root() / "chapters" / chapter
        nb = (
            student_notebook(nbformat.read(path, as_version=4), chapter)
            if path.is_file()
            else nbformat.v4.new_notebook()
        )
        _ORIGINAL[chapter] = {c.source.strip() for c in nb.cells}
    return _ORIGINAL[chapter]


# An exercise's label as the book writes it (``:label: ex-03-flip``) and as the
# published student notebook writes it (``**Label:** `ex-03-flip` ``, see
# studentnb/transforms.py): students hand in either.
EXERCISE_LABEL_RE = re.compile(r"^(?::label:[ \t]*|\*\*Label:\*\*[ \t]*`)(ex-[\w-]+)", re.MULTILINE)


def exercise_labels(source: str) -> list:
    """The exercise labels a markdown cell's ``source`` declares, in either notation.

    Examples
    --------
    >>> exercise_labels(":label: ex-03-flip" + chr(10) + ":class: dropdown")
    ['ex-03-flip']
    >>> exercise_labels("**Label:** `ex-03-flip` · **Level:** intermediate")
    ['ex-03-flip']
    >>> exercise_labels("see ex-03-flip")
    []
    """
    return [current_label(label) for label in EXERCISE_LABEL_RE.findall(source)]


def discussion_answers(nb, chapter: str) -> dict:
    """label -> the student's answer to each discussion exercise of ``chapter`` (``""`` when none).

    The answer is every cell after the exercise's cell (the one that
    :func:`exercise_labels` finds the label in) that is not a cell of the
    chapter itself, up to the next cell of the chapter.
    """
    original = _original_sources(chapter)
    found = {}
    for d in (d for d in DISCUSSIONS if d.chapter == chapter):
        start = next(
            (i for i, c in enumerate(nb.cells) if d.label in exercise_labels(c.source)), None
        )
        parts = []
        for cell in nb.cells[start + 1 :] if start is not None else []:
            if cell.source.strip() in original or exercise_labels(cell.source):
                break
            if cell.source.strip():
                parts.append(cell.source.strip())
        found[d.label] = "\n\n".join(parts)[:MAX_ANSWER_CHARS]
    return found


def load_marks(out) -> dict:
    """``{student: {exercise: {"points": float or None, "comment": str}}}`` stored in ``out``."""
    p = Path(out) / "marks.json"
    marks = json.loads(p.read_text(encoding="utf-8")) if p.is_file() else {}
    return {student: upgrade_labels(by_label) for student, by_label in marks.items()}


def write_sheet(out, records: dict, marks: dict) -> Path:
    """``OUT/marking.csv`` for every student's graded chapters, with the marks entered so far."""
    from .gradebook import atomic_write, csv_text

    rows = []
    for student in sorted(records):
        for d in DISCUSSIONS:
            chapter = records[student]["chapters"].get(d.chapter)
            if chapter is None:
                continue
            mark = marks.get(student, {}).get(d.label, {})
            rows.append(
                {
                    "student": student,
                    "exercise": d.label,
                    "answer": chapter.get("answers", {}).get(d.label, ""),
                    "points": "" if mark.get("points") is None else mark["points"],
                    "comment": mark.get("comment", ""),
                    "max": d.points,
                    "rubric": d.rubric,
                }
            )
    return atomic_write(Path(out) / "marking.csv", csv_text(SHEET_FIELDS, rows))


def read_sheet(path, records: dict) -> dict:
    """The filled-in rows of a marking sheet, checked: ``{student: {exercise: {"points", "comment"}}}``.

    Raises
    ------
    ValueError
        Naming the sheet's row and what was expected (a known student and
        discussion exercise, points between 0 and the exercise's maximum).
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"the marking sheet {path} does not exist")
    limits = {d.label: d.points for d in DISCUSSIONS}
    found: dict = {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = {"student", "exercise", "points"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(
                f"the marking sheet {path} needs the columns student, exercise, points (and comment); {sorted(missing)} missing"
            )
        for n, r in enumerate(reader, start=2):
            # (csv_plain: the quote this sheet put before a formula-like name or comment)
            student, label, text = (
                csv_plain((r.get("student") or "").strip()),
                current_label((r.get("exercise") or "").strip()),
                (r.get("points") or "").strip(),
            )
            comment = csv_plain((r.get("comment") or "").strip())
            if not text and not comment:
                continue
            if student not in records:
                raise ValueError(
                    f"{path} row {n}: student {student!r} was not graded in this output"
                )
            if label not in limits:
                raise ValueError(
                    f"{path} row {n}: exercise must be one of the discussion exercises {sorted(limits)}; got {label!r}"
                )
            points = None
            if text:
                try:
                    points = float(text.replace(",", "."))
                except ValueError:
                    raise ValueError(
                        f"{path} row {n}: points must be a number from 0 to {limits[label]:g}; got {text!r}"
                    ) from None
                if not 0 <= points <= limits[label]:
                    raise ValueError(
                        f"{path} row {n}: points must be from 0 to {limits[label]:g} for {label}; got {points:g}"
                    )
            found.setdefault(student, {})[label] = {"points": points, "comment": comment}
    return found


def import_sheet(path, out) -> int:
    """Merge a filled-in marking sheet into ``out`` and rebuild it; the number of marks taken."""
    from .gradebook import atomic_write, load_records, rebuild

    records = load_records(out)
    if not records:
        raise ValueError(f"{out} holds no graded students (no {Path(out) / 'results'} folder)")
    new = read_sheet(path, records)
    marks = load_marks(out)
    for student, by_label in new.items():
        for label, mark in by_label.items():
            old = marks.setdefault(student, {}).get(label, {})
            marks[student][label] = {
                "points": mark["points"] if mark["points"] is not None else old.get("points"),
                "comment": mark["comment"] or old.get("comment", ""),
            }
    atomic_write(Path(out) / "marks.json", json.dumps(marks, indent=1, sort_keys=True))
    rebuild(out)
    return sum(len(v) for v in new.values())
