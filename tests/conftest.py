"""Shared fixtures: an isolated graph cache, street grids built in code, the real Chambéry extract."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
CHAMBERY_OSM = SHARED_DATA / "osm" / "chambery_centre_2016.osm"


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Graph and geocoding caches live in a temporary folder, never in the user's home."""
    old = os.environ.get("DYNAMOBILE_CACHE")
    os.environ["DYNAMOBILE_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        os.environ.pop("DYNAMOBILE_CACHE", None)
    else:
        os.environ["DYNAMOBILE_CACHE"] = old


@pytest.fixture(autouse=True, scope="session")
def _compiled_search():
    """The ruin-and-recreate kernel compiled once before any test (numba keeps it beside the
    module): otherwise the first searches would run without it while it compiles."""
    from routing import ruin_recreate

    if not ruin_recreate.ready():
        ruin_recreate.compile_kernel()


@pytest.fixture
def chambery_osm() -> Path:
    if not CHAMBERY_OSM.exists():
        pytest.skip("../shared/data is not beside the checkout")
    return CHAMBERY_OSM


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With ``CI`` set (as `.ci/run` does), a skipped test is a failure: the shared data, chromium
    and PostgreSQL are there in CI, so a skip would mean a check silently not made."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must run every test: {reason}"
