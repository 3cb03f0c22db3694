"""The gradebook (CSV), one feedback file per student, and the class summary."""

from __future__ import annotations

import csv
import html
import re
from collections import Counter
from pathlib import Path

from .exercises import EXERCISES

STATUS_PREFIX = "status "
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def csv_safe(value):
    """A gradebook cell a spreadsheet shows as text: a string starting like a formula gets a leading ``'`` (OWASP).

    >>> csv_safe("=2+3*cmd|calc"), csv_safe("ada"), csv_safe(4.5)
    ("'=2+3*cmd|calc", 'ada', 4.5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def md_text(text) -> str:
    r"""Student text as inert Markdown: HTML escaped, Markdown punctuation backslash-escaped, one line.

    >>> print(md_text("**Total: 24 of 24** <b>x</b>"))
    \*\*Total: 24 of 24\*\* &lt;b&gt;x&lt;/b&gt;
    """
    one_line = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(one_line, quote=False))


def md_block(text) -> str:
    """Text in a fenced block that nothing in it can close (the fence is longer than any backtick run inside)."""
    text = str(text).strip()
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def points(label: str, verdict) -> float:
    """Points earned: the exercise's points times the share of hidden cases passed, to 0.01."""
    ex = next(e for e in EXERCISES if e.label == label)
    return round(ex.points * verdict.share, 2) if verdict is not None else 0.0


def _graded(chapters) -> list:
    """The exercises of the chapters that were graded (all four unless --chapters said otherwise)."""
    return [ex for ex in EXERCISES if ex.chapter in chapters]


def _row(student: str, chapters: dict) -> dict:
    row = {"student": student}
    for ex in _graded(chapters):
        row[ex.label] = points(ex.label, chapters[ex.chapter].verdicts.get(ex.label))
    row["total"] = round(sum(row[ex.label] for ex in _graded(chapters)), 2)
    row["max"] = sum(ex.points for ex in _graded(chapters))
    for chapter, res in chapters.items():
        row[STATUS_PREFIX + chapter[:2]] = res.status
    return row


def write_gradebook(results: dict, out: Path) -> Path:
    """``out/grades.csv``: one row per student, a column per exercise, total, max, then a status per chapter."""
    chapters = sorted({ch for r in results.values() for ch in r})
    fields = ["student", *(ex.label for ex in _graded(chapters)), "total", "max", *(STATUS_PREFIX + ch[:2] for ch in chapters)]
    path = out / "grades.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for student in sorted(results):
            w.writerow({k: csv_safe(v) for k, v in _row(student, results[student]).items()})
    return path


def feedback(student: str, chapters: dict) -> str:
    """The Markdown feedback of one student: per exercise the points, the mistake's hint and the first failing case."""
    row = _row(student, chapters)
    lines = [f"# Feedback for {md_text(student)}", "", f"**Total: {row['total']:g} of {row['max']:g} points.**", ""]
    for chapter in sorted(chapters):
        res = chapters[chapter]
        lines += [f"## {chapter}", "", f"Status: {res.status}."]
        lines += [f"- {md_text(note)}" for note in res.notes]
        lines.append("")
        for ex in (e for e in EXERCISES if e.chapter == chapter):
            v = res.verdicts.get(ex.label)
            if v is None:
                lines += [f"### {ex.label}: 0 of {ex.points:g} points", "", "Not submitted.", ""]
                continue
            lines += [f"### {ex.label}: {points(ex.label, v):g} of {ex.points:g} points", ""]
            unit = "hidden cases" if v.total > 1 else "check"
            lines.append(f"Passed {v.passed} of {v.total} {unit}." if v.total > 1 else ("Correct." if v.passed else "Not correct yet."))
            if v.tag and v.message:
                lines += ["", md_block(v.message)]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def write_feedback(results: dict, out: Path) -> Path:
    folder = out / "feedback"
    folder.mkdir(parents=True, exist_ok=True)
    for student, chapters in results.items():
        (folder / f"{student}.md").write_text(feedback(student, chapters), encoding="utf-8")
    return folder


def summary(results: dict) -> str:
    """Class average per exercise and its most common mistake (among submitted answers)."""
    lines = [f"{'exercise':<20} {'average':>8} {'max':>5}  most common mistake"]
    n = max(len(results), 1)
    for ex in EXERCISES:
        verdicts = [r[ex.chapter].verdicts.get(ex.label) for r in results.values() if ex.chapter in r]
        if not any(v is not None for v in verdicts):
            continue
        avg = sum(points(ex.label, v) for v in verdicts) / n
        tags = Counter(v.tag for v in verdicts if v is not None and v.tag)
        common = f"[{tags.most_common(1)[0][0]}] ({tags.most_common(1)[0][1]} of {len(verdicts)})" if tags else "-"
        lines.append(f"{ex.label:<20} {avg:8.2f} {ex.points:5g}  {common}")
    return "\n".join(lines)
