"""Where the course is: the repository holding ``chapters/`` and ``_toc.yml``.

The instructor's tools (this package and :mod:`grading`) read the chapters
of the course they serve. Installed editable from the repository (``make
setup``) they find it next to themselves; installed elsewhere (``pip install
./grading``) they look in ``$CONVLAYER_COURSE``, then in the current folder
and its parents.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "CONVLAYER_COURSE"


def is_course(folder: Path) -> bool:
    """True when ``folder`` holds a course: a ``_toc.yml`` and a ``chapters/`` folder."""
    return (Path(folder) / "_toc.yml").is_file() and (Path(folder) / "chapters").is_dir()


def course_root() -> Path:
    """The course repository's folder (the current folder when none is found).

    Examples
    --------
    >>> from studentnb.course import course_root, is_course
    >>> is_course(course_root())
    True
    """
    if os.environ.get(ENV):
        return Path(os.environ[ENV]).resolve()
    # <repository>/grading/studentnb/course.py when installed editable
    here = Path(__file__).resolve().parents[2]
    cwd = Path.cwd().resolve()
    for folder in (here, cwd, *cwd.parents):
        if is_course(folder):
            return folder
    return cwd
