"""Export the gradebook to an LMS: a Canvas gradebook CSV, a Moodle grade-import CSV, a zip of feedback files.

Canvas ("Import grades in the Gradebook"): the columns of Canvas's own
gradebook export, ``Student, ID, SIS User ID, SIS Login ID, Section``, then
one column per assignment, and a ``Points Possible`` row. Canvas finds the
student by ``ID`` (its user id, which its bulk download puts in every file
name) or by the SIS ids; ``Student`` is only read by people. Give Canvas's
gradebook export as ``--roster`` to fill the SIS columns and sections, and to
match students graded from folders named by SIS login or by name; a column of
the roster named ``ASSIGNMENT (id)`` makes Canvas update that assignment
instead of creating a new one.

Moodle ("Grade import", CSV): one row per student with an identifying column
and a column per grade item; in the import's preview "Map from" ``Email
address`` "to" ``useremail`` (or ``ID number`` to ``useridnumber``) and map
the item and its feedback column. Moodle overwrites a grade when only its
feedback is imported, so both columns are always written. Moodle's files do
not hold e-mail addresses, so ``--roster`` (a Moodle grade export, or any CSV
with ``student`` and ``Email address`` columns) is required.
"""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

from .gradebook import atomic_write, csv_text, graded_chapters, load_records, row
from .late import LatePolicy
from .marking import load_marks

CANVAS_FIELDS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def _rows(out) -> dict:
    out = Path(out)
    records = load_records(out)
    if not records:
        raise ValueError(
            f"{out} holds no graded students (no {out / 'results'} folder): is it a grading output?"
        )
    marks, policy = load_marks(out), LatePolicy.load(out)
    chapters = graded_chapters(records)
    return {s: (records[s], row(records[s], chapters, marks, policy)) for s in sorted(records)}


def _roster(path) -> list:
    path = Path(path)
    if not path.is_file():
        raise ValueError(
            f"--roster must be a CSV file (an LMS gradebook export); {path} does not exist"
        )
    with open(path, newline="", encoding="utf-8-sig") as f:
        return [
            r
            for r in csv.DictReader(f)
            if "points possible" not in (r.get("Student") or "").lower()
        ]


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def canvas_csv(out, dest, *, assignment: str = "convlayer", roster=None) -> Path:
    """Write the Canvas gradebook import file ``dest`` with the total of every student of ``out``.

    Raises
    ------
    ValueError
        When a student cannot be matched to a Canvas user (name the roster's missing students).
    """
    graded = _rows(out)
    people = _roster(roster) if roster else []
    column = next(
        (
            h
            for h in (people[0] if people else {})
            if re.fullmatch(rf"{re.escape(assignment)} \(\d+\)", h)
        ),
        assignment,
    )
    rows, unmatched = [], []
    for student, (rec, r) in graded.items():
        uid = rec.get("lms", {}).get("canvas_id", "")
        person = next((p for p in people if uid and p.get("ID") == uid), None) or next(
            (
                p
                for p in people
                if student in (p.get("SIS Login ID"), p.get("SIS User ID"))
                or _letters(p.get("Student", "")) == _letters(student)
            ),
            None,
        )
        if person is None and not uid:
            unmatched.append(student)
            continue
        base = {k: (person or {}).get(k, "") for k in CANVAS_FIELDS}
        base["Student"] = base["Student"] or student
        base["ID"] = base["ID"] or uid
        rows.append({**base, column: r["total"]})
    if unmatched:
        raise ValueError(
            f"no Canvas user for {', '.join(unmatched)}: give Canvas's gradebook export as --roster "
            "(students are matched by Canvas id, SIS login, SIS user id or name)"
        )
    maximum = next(iter(graded.values()))[1]["max"]
    points_row = {"Student": "    Points Possible", column: maximum}
    return atomic_write(dest, csv_text(CANVAS_FIELDS + [column], [points_row] + rows))


def moodle_csv(out, dest, *, roster, item: str = "convlayer") -> Path:
    """Write the Moodle grade import file ``dest``: ``Email address``, ``ID number``, the item, and its feedback."""
    graded = _rows(out)
    people = _roster(roster)
    rows, unmatched = [], []
    for student, (rec, r) in graded.items():
        folder_name = student.rsplit("_", 1)[0] if rec.get("origin") == "moodle" else None
        person = (
            next((p for p in people if p.get("student") == student), None)
            or next(
                (
                    p
                    for p in people
                    if folder_name
                    and _letters(f"{p.get('First name', '')}{p.get('Last name', '')}")
                    == _letters(folder_name)
                ),
                None,
            )
            or next(
                (p for p in people if (p.get("Email address") or "").split("@")[0] == student), None
            )
        )
        if person is None or not person.get("Email address"):
            unmatched.append(student)
            continue
        late = (
            f"; {r['days late']} day(s) late, {r['late penalty']:g} points deducted"
            if r.get("days late")
            else ""
        )
        rows.append(
            {
                "Email address": person["Email address"],
                "ID number": person.get("ID number", ""),
                item: r["total"],
                f"{item} (feedback)": f"{r['total']:g} of {r['max']:g} points{late}; details in your feedback file",
            }
        )
    if unmatched:
        raise ValueError(
            f"no e-mail address for {', '.join(unmatched)} in the roster: it needs a row per student with "
            "'Email address' and either 'student' (the grader's name) or 'First name' and 'Last name'"
        )
    return atomic_write(
        dest, csv_text(["Email address", "ID number", item, f"{item} (feedback)"], rows)
    )


def bundle_name(student: str, rec: dict) -> str:
    """The file name of a student's feedback in the bundle: the LMS's own naming where known."""
    lms = rec.get("lms", {})
    if lms.get("moodle_folder"):
        return f"{lms['moodle_folder']}/feedback.md"  # Moodle: "Upload multiple feedback files in a zip"
    if lms.get("canvas_id"):
        return f"{student}_{lms['canvas_id']}_feedback.md"
    return f"{student}.md"


def feedback_bundle(out, dest) -> Path:
    """A zip of every student's feedback file (``OUT/feedback/``), one per student, ready to upload or mail."""
    graded = _rows(out)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for student, (rec, _) in graded.items():
            z.writestr(
                bundle_name(student, rec),
                (Path(out) / "feedback" / f"{student}.md").read_text(encoding="utf-8"),
            )
    return dest


__all__ = ["canvas_csv", "moodle_csv", "feedback_bundle"]
