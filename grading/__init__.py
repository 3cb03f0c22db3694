"""Instructor-side grading of the course's exercises (not part of convlib; students do not need it).

``python -m grading SUBMISSIONS OUT`` (or ``make grade SUBMISSIONS=... OUT=...``)
grades ``SUBMISSIONS/<student>/<chapter>.ipynb``: each notebook runs in a
bubblewrap sandbox (its own user id, no network, a private size-limited
scratch folder, resource limits; :mod:`grading.sandbox`), where a harness also
calls every exercise's function on hidden cases drawn from the instructor's
seed; the grader receives the results as plain data, validates them, and
judges them in its own process with convlib's reference and the public
checkers' mistake hints. It writes ``OUT/grades.csv``,
``OUT/feedback/<student>.md`` and prints a class summary. See the README's
"Grading" section.
"""

from .exercises import CHAPTERS, EXERCISES
from .main import grade

__all__ = ["grade", "EXERCISES", "CHAPTERS"]
