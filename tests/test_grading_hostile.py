"""A class with hostile students, graded by the real grader (``python -m grading``) as root in bubblewrap.

Every attack (on the instructor's files, other submissions, the grades, the
feedback and the host) is one submission of chapter 3 in a class that also
holds honest students. The test checks that the victims outside the sandbox
are unchanged (the instructor's files, every submission, the host's
world-writable folders), that the honest students' grades are exact, that
the gradebook and every feedback file are written, that the attacks score
what the student's own code earns and no more, and that the grader's peak
memory stays bounded (measured: ``VmHWM`` of the grader and of each worker).

Needs root and a working ``bwrap`` (``make sandbox`` installs it): skipped
otherwise, with the reason.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from grading import corpus
from grading.exercises import EXERCISES

ROOT = Path(__file__).resolve().parent.parent
CH3 = "03_convolution_vs_correlation.ipynb"
SEED_TEXT = "hostile-class seed 7f3a: not the one of any course"
FULL = {ex.label: float(ex.points) for ex in EXERCISES if ex.chapter == CH3}
CSV_NAME = "=2+3*cmd|calc"
MAX_GRADER_KB = 600 * 1024  # the grader and each worker stay below 600 MB whatever the students do


def _forge(kind: str) -> str:
    """Source that writes a forged result to the harness's result descriptor (named in /job/job.json)."""
    return (
        "import json, os, numpy as np, io\n"
        "def _forged():\n"
        "    job = json.load(open('/job/job.json'))\n"
        "    arrays = dict(np.load(job['arrays'])) if job['arrays'] else {}\n"
        "    from convlib import corr2d as _c\n"
        "    reports, out = {}, {}\n"
        "    for ex in job['exercises']:\n"
        "        if ex['label'] == 'ex-03-corr2d':\n"
        "            outs = []\n"
        "            for case in ex['cases']:\n"
        "                X, K = (arrays[a['npy']] for a in case)\n"
        "                key = 'f%d' % len(out)\n"
        f"                out[key] = _c(X, K) if {kind!r} != 'missing' else np.zeros((1, 1))\n"
        f"                outs.append({{'value': {{'npy': key if {kind!r} != 'missing' else 'no-such-array'}}}})\n"
        "            reports[ex['label']] = {'outcomes': outs}\n"
        "    buf = io.BytesIO(); np.savez(buf, **out)\n"
        "    body = json.dumps({'reports': reports}).encode(); blob = buf.getvalue()\n"
        "    return job['result_fd'], b'CONVLAYER-GRADING-RESULT\\n' + b'%d %d\\n' % (len(body), len(blob)) + body + blob\n"
    )


STUB = "def my_corr2d(X, K):\n    raise NotImplementedError\n"


def _attacks(victim: Path, victim_dir: Path, submissions: Path, seed: Path) -> dict:
    """student -> (submission keyword arguments, what the test expects); see the test functions below."""
    found = (
        "import os, glob\nfound = []\n"
        "for p in glob.glob('/proc/[0-9]*/cmdline'):\n"
        "    try:\n        text = open(p, 'rb').read()\n    except OSError:\n        continue\n"
        "    if b'secret' in text or b'seed' in text or b'grading' in text and b'_harness' not in text:\n        found.append(p)\n"
        "found += [k for k in os.environ if 'SEED' in k or 'SECRET' in k]\n"
        f"for path in ({str(seed)!r}, {str(victim)!r}, {str(submissions / 'honest1' / CH3)!r}, '/home', '/etc/passwd', '/etc/shadow'):\n"
        "    try:\n        os.listdir(path) if os.path.isdir(path) else open(path, 'rb').read(10)\n        found.append(path)\n"
        "    except OSError:\n        pass\n"
        "found += [p for p in glob.glob('/tmp/*') + glob.glob('/*') if 'grading' in p or 'submissions' in p]\n"
        "try:\n    import socket; socket.create_connection(('1.1.1.1', 53), timeout=2); found.append('network')\nexcept OSError:\n    pass\n"
        "raise RuntimeError('found: ' + repr(found))\n"
    )
    return {
        # file takeover
        "plant_links": {
            "extra": [
                "import os\n"
                f"for name in ('.kernel-connection.json', 'result.json', 'ex-03-corr2d.json', 'ex-03-corr2d.out.npz', '.matplotlib2'):\n"
                f"    os.symlink({str(victim)!r}, name)\n"
                "os.mkfifo('fifo.json')\nos.symlink('/dev/zero', 'zero.json')\n"
                "os.makedirs('io', exist_ok=True)\nos.symlink('/', 'io/root')\n"
                f"for target in ({str(victim)!r}, '/job/job.json', '/usr/bin/planted'):\n"
                "    try:\n        open(target, 'w').write('taken over')\n    except OSError as e:\n        print(e)\n"
                "os.kill(os.getpid(), 9)\n"
            ]
        },
        "meddler": {
            "extra": [
                "import os, glob\nfound = []\n"
                "for pattern in ('/tmp/grading-*', '/tmp/*/scratch', '/scratch/../*', '/proc/[0-9]*/root/scratch', '/proc/[0-9]*/fd/*'):\n"
                "    found += [p for p in glob.glob(pattern) if not p.startswith('/proc/self')]\n"
                "mine = {str(os.getpid()), '1', str(os.getppid())}\n"
                "found = [p for p in found if p.split('/')[2] not in mine and not p.startswith('/scratch')]\n"
                f"for target in ({str(submissions / 'honest1' / CH3)!r}, {str(submissions)!r}):\n"
                "    try:\n        open(target, 'a').write('x'); found.append(target)\n    except OSError:\n        pass\n"
                "try:\n    os.kill(-1, 9)\nexcept OSError:\n    pass\n"
                "raise RuntimeError('found: ' + repr(found))\n"
            ]
        },
        # one student stops the class
        "missing_array": {
            "answers": {
                "ex-03-corr2d": _forge("missing")
                + "def my_corr2d(X, K):\n    fd, data = _forged()\n    os.pwrite(fd, data, 0)\n    os._exit(0)\n"
            }
        },
        "fifo_and_fill": {
            "extra": [
                "import os\nfor name in ('a.json', 'b.npz'):\n    os.mkfifo(name)\n"
                "with open('big', 'wb') as f:\n    try:\n        for _ in range(1500):\n            f.write(b'0' * 2**20)\n    except OSError as e:\n        print(e)\n",
                "for d in ('/tmp', '/var/tmp', '/dev/shm', '/scratch/tmp'):\n    try:\n        open(d + '/planted-by-a-student', 'w').write('x')\n    except OSError as e:\n        print(e)\n",
            ]
        },
        "huge_print": {
            "extra": [
                "import os, sys\nchunk = 'x' * 2**20\nfor _ in range(1024):\n    print(chunk)\n"
                "for _ in range(256):\n    os.write(1, b'y' * 2**20)\n    sys.stderr.write(chunk)\n"
            ]
        },
        "huge_result": {
            "answers": {
                "ex-03-compose": "def my_combined_kernel(K1, K2):\n    return np.ones((1000, 1000))\n"
            }
        },
        "thread_forger": {
            "answers": {"ex-03-corr2d": STUB},
            "extra": [
                _forge("correct") + "import threading, atexit\nfd, data = _forged()\n"
                "def _loop():\n    while True:\n        try:\n            os.pwrite(fd, data, 0)\n        except OSError:\n            pass\n"
                "threading.Thread(target=_loop, daemon=True).start()\n"
                "atexit.register(lambda: os.pwrite(fd, data, 0))\n"
                "_dumps = json.dumps\njson.dumps = lambda obj, **k: data[data.index(b'{'):].split(b'PK')[0].decode(errors='ignore')\n"
                "np.savez = lambda *a, **k: None\n"
            ],
        },
        # forged or delegated answers
        "calls_corr2d": {
            "answers": {"ex-03-corr2d": "def my_corr2d(X, K):\n    return corr2d(X, K)\n"}
        },
        "via_importlib": {
            "answers": {
                "ex-03-corr2d": "def my_corr2d(X, K):\n    import importlib\n    return importlib.import_module('conv' + 'lib').corr2d(X, K)\n"
            }
        },
        "via_getattr": {
            "answers": {
                "ex-03-corr2d": "import convlib as _m\ndef my_corr2d(X, K):\n    return getattr(_m, 'corr' + '2d')(X, K)\n"
            }
        },
        "via_alias": {
            "answers": {
                "ex-03-corr2d": "_tools = {'f': corr2d}\ndef my_corr2d(X, K):\n    return _tools['f'](X, K)\n"
            }
        },
        "via_scipy": {
            "answers": {
                "ex-03-corr2d": "def my_corr2d(X, K):\n    from scipy import signal\n    return signal.correlate2d(X, K, mode='valid')\n"
            }
        },
        "via_hidden_scipy": {
            "answers": {
                "ex-03-corr2d": "def my_corr2d(X, K):\n    m = __import__('sci' + 'py.sig' + 'nal', fromlist=['x'])\n"
                "    return m.correlate2d(X, K, mode='valid')\n"
            }
        },
        # secrets and classmates
        "snoop": {"extra": [found]},
        "copier": {
            "answers": {"ex-03-corr2d": STUB},
            "extra": [
                "import nbformat\n"
                f"nb = nbformat.read({str(submissions / 'honest1' / CH3)!r}, as_version=4)\n"
                "exec(next(c.source for c in nb.cells if c.source.startswith('def my_corr2d')))\n"
            ],
        },
        # smaller
        "markdown": {
            "extra": [
                "raise RuntimeError('\\n\\n**Total: 24 of 24 points.**\\n<script>alert(1)</script>\\n# Fake heading ```')"
            ]
        },
        "hang": corpus.HOSTILE["hang"],
        CSV_NAME: {},
    }


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        st = p.lstat()
        h.update(f"{p.relative_to(folder)} {st.st_mode} {st.st_uid} {st.st_size}".encode())
        if stat.S_ISREG(st.st_mode):
            h.update(p.read_bytes())
        elif stat.S_ISLNK(st.st_mode):
            h.update(os.readlink(p).encode())
    return h.hexdigest()


def _planted() -> list:
    return [
        p for d in ("/tmp", "/var/tmp", "/dev/shm") for p in Path(d).glob("planted-by-a-student")
    ]


_RUN = """
import json, os, resource, sys
import grading.runner as runner
import grading.main as main

original = runner.grade_student
peaks = sys.argv[1]

def grade_student(*args, **kwargs):
    result = original(*args, **kwargs)
    with open('/proc/self/status') as f:
        kb = next(int(line.split()[1]) for line in f if line.startswith('VmHWM'))
    with open(os.path.join(peaks, str(os.getpid())), 'w') as f:
        f.write(str(kb))
    return result

grade_student.__module__, grade_student.__qualname__ = 'grading.runner', 'grade_student'
runner.grade_student = main.grade_student = grade_student
code = main.main(sys.argv[2:])
with open('/proc/self/status') as f:
    kb = next(int(line.split()[1]) for line in f if line.startswith('VmHWM'))
with open(os.path.join(peaks, 'main'), 'w') as f:
    f.write(str(kb))
sys.exit(code)
"""


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.skip(
            "the hostile class is graded as root (the sandbox gives each student its own user id)"
        )
    if shutil.which("bwrap") is None:
        pytest.skip("bwrap is not installed: run `make sandbox`")
    base = tmp_path_factory.mktemp("hostile")
    base.chmod(0o755)
    submissions, out, instructor, peaks = (
        base / "submissions",
        base / "out",
        base / "instructor",
        base / "peaks",
    )
    instructor.mkdir()
    peaks.mkdir()
    seed = instructor / "seed"
    seed.write_text(SEED_TEXT)
    victim = instructor / "gradebook-2025.csv"
    victim.write_text("student,total\nsomeone,42\n")
    victim.chmod(0o644)
    outside = base / "outside"
    for student in ("honest1", "honest2"):
        corpus.write(submissions, student, CH3, corpus.submission(CH3))
    corpus.write(
        submissions,
        "honest_flipped",
        CH3,
        corpus.submission(CH3, {"ex-03-corr2d": corpus.MISTAKES["flipped"][1]}),
    )
    for student, kw in _attacks(victim, instructor, submissions, seed).items():
        corpus.write(submissions, student, CH3, corpus.submission(CH3, **kw))
    # symbolic links in the submissions themselves
    linked = submissions / "linked_files"
    corpus.write(submissions, "linked_files", CH3, corpus.submission(CH3))
    (linked / ".kernel-connection.json").symlink_to(victim)
    (linked / ".matplotlib").symlink_to(instructor)
    (linked / "data.npy").symlink_to("/etc/shadow")
    os.mkfifo(linked / "pipe")
    (submissions / "linked_notebook").mkdir()
    (submissions / "linked_notebook" / CH3).symlink_to(submissions / "honest1" / CH3)
    corpus.write(outside, "elsewhere", CH3, corpus.submission(CH3))
    (submissions / "linked_folder").symlink_to(outside / "elsewhere")
    many = corpus.submission(CH3)
    many.cells += [nbformat.v4.new_code_cell(f"x{i} = {i}") for i in range(10_000)]
    corpus.write(submissions, "many_cells", CH3, many)

    before = {
        "submissions": _digest(submissions),
        "instructor": _digest(instructor),
        "outside": _digest(outside),
        "planted": _planted(),
    }
    started = time.monotonic()
    env = {
        **os.environ,
        "CONVLAYER_GRADING_SEED": str(seed),
    }  # the seed's path: not on the command line either
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            _RUN,
            str(peaks),
            str(submissions),
            str(out),
            "--jobs",
            "2",
            "--chapters",
            CH3,
            "--cell-timeout",
            "10",
            "--call-timeout",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1500,
        env=env,
    )
    seconds = time.monotonic() - started
    after = {
        "submissions": _digest(submissions),
        "instructor": _digest(instructor),
        "outside": _digest(outside),
        "planted": _planted(),
    }
    rows = {}
    if (out / "grades.csv").is_file():
        with open(out / "grades.csv", newline="", encoding="utf-8") as f:
            rows = {r["student"]: r for r in csv.DictReader(f)}
    feedback = (
        {p.stem: p.read_text(encoding="utf-8") for p in (out / "feedback").glob("*.md")}
        if (out / "feedback").is_dir()
        else {}
    )
    return {
        "run": run,
        "rows": rows,
        "seed": seed,
        "feedback": feedback,
        "before": before,
        "after": after,
        "seconds": seconds,
        "peaks": {p.name: int(p.read_text()) for p in peaks.iterdir()},
        "csv": (out / "grades.csv").read_text() if rows else "",
    }


def _points(row) -> dict:
    return {label: float(row[label]) for label in FULL}


def test_the_gradebook_and_all_feedback_are_written(hostile):
    run = hostile["run"]
    assert run.returncode == 0, run.stderr[-3000:]
    students = set(hostile["rows"])
    assert {
        "honest1",
        "honest2",
        "honest_flipped",
        "linked_files",
        "linked_notebook",
        "linked_folder",
        "many_cells",
    } <= students
    assert len(students) == 3 + 18 + 4
    assert students == set(hostile["feedback"]) - {CSV_NAME} | {
        "'" + CSV_NAME
    }  # the gradebook's cell is neutralised
    print(
        f"hostile class: {len(students)} students graded in {hostile['seconds']:.0f} s (load average {os.getloadavg()[0]:.1f})"
    )


def test_victims_outside_the_sandbox_are_unchanged(hostile):
    for what in ("submissions", "instructor", "outside", "planted"):
        assert hostile["before"][what] == hostile["after"][what], what


@pytest.mark.parametrize(
    "student",
    [
        "honest1",
        "honest2",
        "plant_links",
        "meddler",
        "fifo_and_fill",
        "huge_print",
        "snoop",
        "markdown",
        "linked_files",
    ],
)
def test_honest_answers_get_exactly_full_marks_whatever_else_the_notebook_does(hostile, student):
    assert _points(hostile["rows"][student]) == FULL, hostile["feedback"][student][:3000]
    assert float(hostile["rows"][student]["total"]) == sum(FULL.values())


def test_an_honest_mistake_gets_its_exact_partial_credit_and_hint(hostile):
    import numpy as np

    from grading.hidden import plan, read_seed

    # the same answer, computed here on the same hidden cases: the share that matches convlib's reference
    p = plan(next(ex for ex in EXERCISES if ex.label == "ex-03-corr2d"), read_seed(hostile["seed"]))
    scope = {"np": np}
    exec(corpus.MISTAKES["flipped"][1], scope)
    passed = sum(bool(p.same(scope["my_corr2d"](*c.args), p.reference(*c.args))) for c in p.cases)
    assert 0 < passed < len(p.cases)
    assert _points(hostile["rows"]["honest_flipped"]) == {
        **FULL,
        "ex-03-corr2d": round(4 * passed / len(p.cases), 2),
    }
    assert "Hint [flipped kernel]" in hostile["feedback"]["honest_flipped"]


@pytest.mark.parametrize(
    "student",
    ["calls_corr2d", "via_importlib", "via_getattr", "via_alias", "via_scipy", "via_hidden_scipy"],
)
def test_delegating_to_the_library_scores_zero_with_the_practice_hint(hostile, student):
    assert _points(hostile["rows"][student]) == {**FULL, "ex-03-corr2d": 0.0}
    fb = hostile["feedback"][student]
    assert "Hint \\[library function\\]" in fb or "Hint [library function]" in fb
    assert "not your own implementation" in fb
    assert ("scipy.signal" if "scipy" in student else "convlib.corr2d") in fb


@pytest.mark.parametrize("student", ["thread_forger", "copier"])
def test_forged_results_and_a_classmates_notebook_earn_nothing(hostile, student):
    assert _points(hostile["rows"][student]) == {**FULL, "ex-03-corr2d": 0.0}
    assert "not implemented" in hostile["feedback"][student]


def test_a_result_that_names_a_missing_array_costs_only_that_student(hostile):
    row, fb = hostile["rows"]["missing_array"], hostile["feedback"]["missing_array"]
    assert float(row["ex-03-corr2d"]) == 0.0 and "malformed" in fb


def test_a_result_too_large_costs_only_that_exercise(hostile):
    assert _points(hostile["rows"]["huge_result"]) == {**FULL, "ex-03-compose": 0.0}


def test_symbolic_links_are_refused_not_followed(hostile):
    rows, fb = hostile["rows"], hostile["feedback"]
    assert (
        rows["linked_notebook"]["status 03"] == rows["linked_folder"]["status 03"] == "unreadable"
    )
    assert float(rows["linked_notebook"]["total"]) == float(rows["linked_folder"]["total"]) == 0.0
    assert "symbolic link" in fb["linked_notebook"] and "symbolic link" in fb["linked_folder"]
    assert (
        "symbolic link, not copied" in fb["linked_files"]
        and "not a regular file, not copied" in fb["linked_files"]
    )


def test_nothing_outside_is_visible_from_the_sandbox(hostile):
    for student in ("snoop", "meddler"):
        assert "found: \\[\\]" in hostile["feedback"][student], hostile["feedback"][student][
            :3000
        ]  # (Markdown-escaped)


def test_the_seed_appears_nowhere(hostile):
    for text in hostile["feedback"].values():
        assert SEED_TEXT not in text and "grading-seed" not in text
    assert (
        SEED_TEXT not in hostile["csv"]
        and SEED_TEXT not in hostile["run"].stdout + hostile["run"].stderr
    )


def test_student_text_cannot_forge_markdown_or_html(hostile):
    fb = hostile["feedback"]["markdown"]
    assert len(re.findall(r"^\*\*Total:", fb, flags=re.M)) == 1
    assert "<script>" not in fb and "&lt;script&gt;" in fb
    assert not re.search(r"^# Fake", fb, flags=re.M)


def test_a_spreadsheet_formula_as_a_student_name_is_neutralised(hostile):
    line = next(line for line in hostile["csv"].splitlines() if "cmd|calc" in line)
    assert line.startswith("'=2+3*cmd|calc,") or line.startswith('"\'=2+3*cmd|calc",')
    assert float(hostile["rows"]["'" + CSV_NAME]["total"]) == sum(FULL.values())


def test_a_time_out_is_reported_as_such_with_the_students_line(hostile):
    fb = hostile["feedback"]["hang"]
    assert "Hint [time limit]" in fb and "no result within 1 s" in fb
    assert re.search(r"line \d+ of my_corr2d: (while True:|pass)", fb), fb[:3000]
    assert "grading/" not in fb and "_harness" not in fb and "hidden.py" not in fb


def test_a_notebook_of_ten_thousand_cells_is_refused_quickly(hostile):
    assert hostile["rows"]["many_cells"]["status 03"] == "unreadable"
    assert "more than the limit" in hostile["feedback"]["many_cells"]


def test_the_graders_peak_memory_is_bounded(hostile):
    peaks = hostile["peaks"]
    assert "main" in peaks and len(peaks) >= 2
    print("grader peak memory (VmHWM, MB):", {k: round(v / 1024) for k, v in sorted(peaks.items())})
    assert max(peaks.values()) < MAX_GRADER_KB


def test_the_sandbox_refuses_without_root_or_bwrap_unless_told(tmp_path, monkeypatch, capsys):
    """Without a working sandbox the grader stops before running any student code; --no-sandbox is the explicit way out."""
    from grading import main, sandbox

    corpus.write(tmp_path / "subs", "honest", CH3, corpus.submission(CH3))
    (tmp_path / "seed").write_text("s")
    argv = [
        str(tmp_path / "subs"),
        str(tmp_path / "out"),
        "--secret",
        str(tmp_path / "seed"),
        "--chapters",
        CH3,
        "--jobs",
        "1",
    ]
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    assert main.main(argv) == 2
    err = capsys.readouterr().err
    assert (
        "bwrap not found" in err and "apt-get install bubblewrap" in err and "--no-sandbox" in err
    )
    monkeypatch.undo()
    monkeypatch.setattr(sandbox.os, "geteuid", lambda: 1000)
    assert main.main(argv) == 2
    assert "needs root" in capsys.readouterr().err
    assert not (tmp_path / "out" / "grades.csv").exists()  # refused before any student code ran
    monkeypatch.undo()
    tmp_path.chmod(0o755)
    assert main.main([*argv, "--no-sandbox"]) == 0
    with open(tmp_path / "out" / "grades.csv", newline="", encoding="utf-8") as f:
        assert _points(next(csv.DictReader(f))) == FULL


# ---------------------------------------------------------------------------
# the grader's own reading and writing (no sandbox needed)


def test_safe_reads_refuse_links_fifos_and_oversized_files(tmp_path):
    from grading import safeio

    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "ok.json").write_text("{}")
    (tmp_path / "d" / "big").write_bytes(b"0" * 1000)
    (tmp_path / "d" / "zero").symlink_to("/dev/zero")
    (tmp_path / "link").symlink_to(tmp_path / "d")
    os.mkfifo(tmp_path / "d" / "fifo")
    assert safeio.read_file(tmp_path, "d/ok.json", 10) == b"{}"
    for rel, why in (
        ("d/zero", "symbolic link"),
        ("link/ok.json", "symbolic link"),
        ("d/fifo", "not a regular file"),
        ("d/big", "more than the limit"),
        ("d/../d/ok.json", "not a plain relative path"),
    ):
        with pytest.raises(safeio.Unsafe, match=why):
            safeio.read_file(tmp_path, rel, 999)
    dst = tmp_path / "copy"
    dst.mkdir()
    skipped = safeio.copy_folder(tmp_path / "d", dst, max_bytes=1500)
    assert sorted(p.name for p in dst.iterdir()) == ["big", "ok.json"]
    assert sorted(skipped) == [
        "fifo: not a regular file, not copied",
        "zero: a symbolic link, not copied",
    ]
    with pytest.raises(safeio.Unsafe, match="symbolic link"):
        safeio.copy_folder(tmp_path / "link", dst)


def test_a_result_is_schema_checked_before_use():
    import io

    import numpy as np

    from grading import safeio

    def blob(result, arrays=None):
        buf = io.BytesIO()
        if arrays is not None:
            np.savez(buf, **arrays)
        body = json.dumps(result).encode()
        return safeio.MAGIC + b"%d %d\n" % (len(body), len(buf.getvalue())) + body + buf.getvalue()

    good = {
        "reports": {
            "ex-03-corr2d": {
                "outcomes": [
                    {"value": {"npy": "a0"}},
                    {"timeout": True, "line": "line 2 of f: pass"},
                ]
            }
        }
    }
    result, arrays = safeio.parse_result(blob(good, {"a0": np.eye(2)}), 1 << 20)
    assert result == good and np.array_equal(arrays["a0"], np.eye(2))
    bad = [
        (b"", "no result"),
        (blob({"reports": {"x": {"outcomes": [{"value": {"npy": "a0", "extra": 1}}]}}}), "schema"),
        (blob({"reports": {"x": {"outcomes": "all pass"}}}), "schema"),
        (blob({"reports": {"x": {"refused": "x" * 5000}}}), "schema"),
        (blob({"reports": {}, "admin": True}), "schema"),
        (blob(good, {"a0": np.array(["text"])}), "not real numbers"),
        (blob(good, {"a0": np.zeros(10**6)}), "larger than the limit"),
        (safeio.MAGIC + b"99 0\n{}", "truncated"),
        (safeio.MAGIC + b"2 5\n{}PK\x03\x04x", "unreadable arrays"),
    ]
    for data, why in bad:
        with pytest.raises(safeio.Unsafe, match=why):
            safeio.parse_result(data, 1 << 20)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_every_formula_start_is_neutralised_in_every_csv_written(tmp_path, text):
    """grades.csv, status.csv, the marking sheet and the Canvas and Moodle imports: no cell starts like a formula."""
    from grading import export
    from grading.gradebook import chapter_record, rebuild, save_record
    from grading.hidden import Verdict
    from grading.runner import ChapterResult

    for student in (text, "ada"):
        result = ChapterResult("ok", verdicts={"ex-03-corr2d": Verdict(1, 4, text, text)})
        save_record(
            tmp_path,
            {
                "student": student,
                "origin": "folder",
                "lms": {},
                "notes": [],
                "chapters": {CH3: chapter_record(result, answers={"ex-03-flip": text})},
            },
        )
    rebuild(tmp_path)
    roster = tmp_path / "roster.csv"
    with open(roster, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(
            [
                ["Student", "ID", "SIS Login ID", "Section", "student", "Email address"],
                [text, "7", text, "s", text, "x7@x"],
                ["ada", "8", "ada", "s", "ada", "ada@x"],
            ]
        )
    written = [
        tmp_path / "grades.csv",
        tmp_path / "status.csv",
        tmp_path / "marking.csv",
        export.canvas_csv(tmp_path, tmp_path / "canvas.csv", roster=roster),
        export.moodle_csv(tmp_path, tmp_path / "moodle.csv", roster=roster),
    ]
    for path in written:
        with open(path, newline="", encoding="utf-8") as f:
            cells = [c for r in csv.reader(f) for c in r]
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))], path.name
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8") as f:
        assert sorted(r["student"] for r in csv.DictReader(f)) == sorted(["'" + text, "ada"])
    with open(tmp_path / "marking.csv", newline="", encoding="utf-8") as f:
        sheet = list(csv.DictReader(f))
    assert ["'" + text] == [r["answer"] for r in sheet if r["exercise"] == "ex-03-flip"][:1]
    # the sheet filled in and read back: the neutralised name is the student's again, the comment the marker's own text
    from grading.marking import import_sheet

    for r in sheet:
        if r["student"] == "'" + text and r["exercise"] == "ex-03-flip":
            r["points"], r["comment"] = "1.5", "'" + text
    with open(tmp_path / "filled.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(sheet[0]))
        w.writeheader()
        w.writerows(sheet)
    assert import_sheet(tmp_path / "filled.csv", tmp_path) == 1
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8") as f:
        assert {r["student"]: r["ex-03-flip"] for r in csv.DictReader(f)} == {
            "'" + text: "1.5",
            "ada": "",
        }
    assert json.loads((tmp_path / "marks.json").read_text())[text]["ex-03-flip"] == {
        "points": 1.5,
        "comment": text,
    }


def test_the_sandbox_works_for_a_checkout_under_tmp(monkeypatch):
    # A checkout or venv in a temporary folder (mktemp -d) is bound read-only
    # under /tmp inside the sandbox, where /tmp is also the scratch's tmp folder.
    import tempfile

    from grading import sandbox

    if os.geteuid() != 0 or shutil.which("bwrap") is None:
        pytest.skip("the sandbox needs root and bwrap")
    under_tmp = Path(tempfile.mkdtemp(dir="/tmp", prefix="checkout-"))
    try:
        under_tmp.chmod(0o755)
        (under_tmp / "venv").mkdir(mode=0o755)
        paths = sandbox.read_only_paths() + [under_tmp / "venv"]
        monkeypatch.setattr(sandbox, "read_only_paths", lambda: paths)
        with tempfile.TemporaryDirectory(prefix="grading-probe-") as base:  # as grading.main does
            assert sandbox.probe(Path(base)) == ""
    finally:
        shutil.rmtree(under_tmp)
