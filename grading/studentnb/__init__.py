"""Student notebooks made from the chapters: small, named notebook transforms.

``studentnb.transforms`` holds the transforms (in the style of nbgrader's
preprocessors: each is a small class with one job, applied in a fixed
order); ``studentnb.book`` is the Sphinx extension that points the site's
launch and download buttons at the published student notebooks and builds the
site without solutions on request; ``studentnb.make`` makes the student
notebooks and runs a student's checks (``python -m studentnb.make``, behind
``make student-notebooks``, ``make student`` and ``make check-student``);
``studentnb.cells`` runs a notebook's code cells one by one (for
``make check-student`` and for the grader's sandbox); ``studentnb.outputs``
bounds the stored outputs the book build reads; ``studentnb.course`` finds the
course's repository.

Importing the package imports none of its modules: the grader's sandbox
imports ``studentnb.cells`` alone.
"""
