"""Two distributions in one repository: convlib (what students install) and the instructor's tools (grading/).

A wheel built from the repository root holds convlib and nothing else; the
wheel of grading/ holds ``grading`` and ``studentnb`` and declares what they
import. No module loads a script of scripts/ from its file path: what the
grader, the Makefile and the tests share is an importable module.
"""

from __future__ import annotations

import ast
import email
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PATH_LOADERS = {
    "spec_from_file_location",
    "SourceFileLoader",
    "run_path",
    "run_module",
    "load_source",
}


def _wheel(project: Path, out: Path) -> zipfile.ZipFile:
    """Build the wheel of ``project`` from a copy (no build/ or egg-info lands in the repository)."""
    copy, ignore = out / "src", shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    if (
        project == ROOT
    ):  # convlib's project files, and the instructor's tools beside it (they must stay out)
        copy.mkdir()
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            shutil.copy(ROOT / name, copy / name)
        for folder in ("convlib", "grading"):
            shutil.copytree(ROOT / folder, copy / folder, ignore=ignore)
    else:
        shutil.copytree(project, copy, ignore=ignore)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out / "dist"),
            str(copy),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = (out / "dist").glob("*.whl")
    return zipfile.ZipFile(wheel)


def _top_level(names) -> set:
    return {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}


def _requires(wheel: zipfile.ZipFile) -> set:
    meta = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
    message = email.message_from_bytes(wheel.read(meta))
    return {
        r.split(";")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()
        for r in message.get_all("Requires-Dist", [])
        if "extra ==" not in r
    }


def test_the_convlib_wheel_holds_convlib_alone(tmp_path):
    wheel = _wheel(ROOT, tmp_path)
    assert _top_level(wheel.namelist()) == {"convlib"}
    # the explorers' JavaScript still ships
    assert "convlib/widgets/js/common.js" in wheel.namelist()
    assert not any("grading" in n or "studentnb" in n for n in wheel.namelist())
    entry_points = [n for n in wheel.namelist() if n.endswith("entry_points.txt")]
    assert entry_points == [] or b"grading" not in wheel.read(entry_points[0])


def _imported_top_levels(folder: Path) -> set:
    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


# import name -> distribution name, for the third-party packages the tools import
DISTRIBUTIONS = {"yaml": "pyyaml", "IPython": "ipython", "sphinx": "sphinx"}


def test_the_grading_wheel_holds_the_tools_and_declares_what_they_import(tmp_path):
    wheel = _wheel(ROOT / "grading", tmp_path)
    assert _top_level(wheel.namelist()) == {"grading", "studentnb"}
    assert {
        "grading/_harness.py",
        "grading/__main__.py",
        "studentnb/make.py",
        "studentnb/book.py",
    } <= set(wheel.namelist())
    requires = _requires(wheel)
    stdlib = set(sys.stdlib_module_names)
    imported = set()
    for package in ("grading", "studentnb"):
        imported |= _imported_top_levels(ROOT / "grading" / package)
    third_party = {
        DISTRIBUTIONS.get(name, name).lower()
        for name in imported - stdlib - {"grading", "studentnb", "__future__"}
    }
    optional = {"sphinx"}  # studentnb.book runs inside the book build only: the extra "book"
    assert third_party - optional <= requires, (
        f"imported but not declared: {sorted(third_party - optional - requires)}"
    )
    assert "convlib" in requires and "nbformat" in requires


def test_the_grading_distribution_is_installed_beside_convlib():
    """`make setup` installed both; `grading` resolves to grading/grading/ even from the repository root."""
    import grading
    import studentnb

    assert Path(grading.__file__).parent == ROOT / "grading" / "grading"
    assert Path(studentnb.__file__).parent == ROOT / "grading" / "studentnb"
    done = subprocess.run(
        [sys.executable, "-m", "grading", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "usage: python -m grading" in done.stdout, done.stderr[-1000:]


def _python_files():
    """The repository's own Python files: what git tracks (never a venv, a build or a vendored copy)."""
    listed = subprocess.run(["git", "ls-files", "-z", "*.py"], cwd=ROOT, capture_output=True)
    if listed.returncode == 0:
        names = filter(None, listed.stdout.decode().split("\0"))
    else:  # not a git checkout (the self-test below): every file
        names = (str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py"))
    skip = {"vendor", "vendor-test", "student-notebooks"}
    for name in names:
        if not skip & set(Path(name).parts) and (ROOT / name).is_file():
            yield ROOT / name


def test_no_module_loads_a_file_by_path():
    """No spec_from_file_location, SourceFileLoader or runpy anywhere: shared code is imported by name."""
    offenders = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            name = (
                node.attr
                if isinstance(node, ast.Attribute)
                else node.id
                if isinstance(node, ast.Name)
                else None
            )
            if name in PATH_LOADERS or (
                isinstance(node, (ast.Import, ast.ImportFrom))
                and "runpy" in {a.name for a in node.names} | {getattr(node, "module", None)}
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_the_path_loader_finder_finds_a_path_loader(tmp_path, monkeypatch):
    """The check above can fail: a file that loads a script by path is found."""
    (tmp_path / "bad.py").write_text(
        "import importlib.util\nspec = importlib.util.spec_from_file_location('m', 'scripts/m.py')\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    with pytest.raises(AssertionError):
        test_no_module_loads_a_file_by_path()


def test_no_library_module_reaches_into_scripts():
    """convlib, grading and studentnb never put scripts/ (or the repository) on sys.path."""
    offenders = []
    for folder in (ROOT / "convlib", ROOT / "grading"):
        for path in folder.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "sys.path.insert" in text or "sys.path.append" in text:
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_requirement_files_point_only_inside_the_repository():
    """A comment once sent readers to ../shared/notes/toolchain.md, a file no clone has."""
    files = [
        ROOT / "requirements.txt",
        ROOT / "requirements-test.txt",
        ROOT / "constraints.txt",
        ROOT / "binder" / "requirements.txt",
        ROOT / "grading" / "pyproject.toml",
        ROOT / "pyproject.toml",
    ]
    outside = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in files
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if "../" in line.replace("../requirements.txt", "").replace("../constraints.txt", "")
    ]
    assert outside == []
