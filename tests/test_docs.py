"""Run the docstring examples of every convlib module, so the documentation cannot go stale.

Uses the standard library's :mod:`doctest` (no torch, no network). Every
public function and class must also carry a runnable numpydoc example.
"""

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import convlib


def _module_names():
    names = ["convlib"]
    for info in pkgutil.walk_packages(convlib.__path__, prefix="convlib."):
        names.append(info.name)
    return sorted(names)


MODULES = _module_names()
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_core_modules_are_found():
    for name in (
        "convlib.correlate",
        "convlib.channels",
        "convlib.layer",
        "convlib.shapes",
        "convlib.kernels",
        "convlib.images",
    ):
        assert name in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    # globals: a copy of the module's, as pytest --doctest-modules does
    tests = finder.find(module, name)
    with np.printoptions(legacy=False):  # the examples show NumPy 2's default repr
        for test in sorted(tests, key=lambda t: t.name):
            runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, (
        f"{result.failed} of {result.attempted} doctest examples failed in {name} (see output above)"
    )


PUBLIC = sorted(name for name in convlib.__all__ if callable(getattr(convlib, name)))


@pytest.mark.parametrize("name", PUBLIC)
def test_public_api_has_runnable_example(name):
    obj = getattr(convlib, name)
    doc = obj.__doc__ or ""
    assert "Examples\n" in doc or ">>>" in doc, f"{name} has no example in its docstring"
    examples = doctest.DocTestParser().get_examples(doc)
    assert examples, f"{name}'s docstring has no runnable example"
