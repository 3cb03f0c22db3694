"""Instructor-side grading of the course's exercises (not part of convlib; students do not need it).

``python -m grading SUBMISSIONS OUT`` (or ``make grade SUBMISSIONS=... OUT=...``)
grades student folders, per-student ``.zip`` files or an LMS's bulk download
(:mod:`grading.submissions`, tolerant of misnamed notebooks): each notebook
runs in a bubblewrap sandbox (its own user id, no network, a private
size-limited scratch folder, resource limits; :mod:`grading.sandbox`), where a
harness also calls every exercise's function on hidden cases drawn from the
instructor's seed; the grader receives the results as plain data, validates
them (:mod:`grading.safeio`), and judges them in its own process with
convlib's reference and the public checkers' mistake hints. ``OUT`` keeps a
record per student (:mod:`grading.gradebook`), so regrades (``--only``),
shards (``--shard K/N``, ``merge``), hand marks (:mod:`grading.marking`) and
late work (:mod:`grading.late`) never lose anyone; from the records it writes
``grades.csv``, ``feedback/``, ``marking.csv``, ``similarity.md``
(:mod:`grading.similarity`) and a summary, and :mod:`grading.export` writes
Canvas and Moodle imports. See the README's "Grading" section.
"""

from .exercises import CHAPTERS, EXERCISES
from .main import grade

__all__ = ["grade", "EXERCISES", "CHAPTERS"]
