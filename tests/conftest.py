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
