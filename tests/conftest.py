"""Shared test settings: a deterministic hypothesis profile (fast, never flaky), and the site fixtures."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "convlayer",
    derandomize=True,
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("convlayer")

# The built website (one build, one server, one browser per test session),
# shared by every site test module; see tests/site_harness.py.
import pytest  # noqa: E402

import site_harness  # noqa: E402

site = pytest.fixture(scope="session")(site_harness.site)
server = pytest.fixture(scope="session")(site_harness.server)
browser = pytest.fixture(scope="session")(site_harness.browser)
open_page = pytest.fixture(site_harness.open_page)


# `make test-fast` runs `pytest -m "not slow"`: the library, checker, grading
# and notebook-tool unit tests, in under two minutes. Slow are the tests that
# use the built site or a browser, grade a class in the sandbox (the
# module-scoped fixtures of tests/test_grading*.py), and the modules below
# (book builds, kernels, venvs, wheels, JupyterLab, Chromium, the sandbox).
SLOW_FIXTURES = {"site", "server", "browser", "open_page", "graded", "base", "canvas"}
SLOW_MODULES = {
    "test_build_integrity",
    "test_colab_setup",
    "test_grading_hostile",
    "test_handout",
    "test_jupyterlab",
    "test_jupyterlab_student",
    "test_packaging",
    "test_python_versions",
    "test_slides",
    "test_student_versions",
    "test_wheelhouse",
}


def pytest_collection_modifyitems(items):
    for item in items:
        module = item.path.stem if item.path.suffix == ".py" else ""
        if (
            module in SLOW_MODULES
            or module.startswith("test_site")
            or SLOW_FIXTURES & set(getattr(item, "fixturenames", ()))
        ):
            item.add_marker(pytest.mark.slow)
