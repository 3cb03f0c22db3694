"""Shared test settings: a deterministic hypothesis profile (fast, never flaky)."""

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
