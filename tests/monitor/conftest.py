"""Monitor tests: a local stand-in for GDELT, ACLED and UCDP (``upstream.py``) on
127.0.0.1, a fresh home per test, and the site's database of each home reached through
the same code as the command line (as in tests/warning)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.monitor import upstream as up


@pytest.fixture(autouse=True, scope="module")
def _alerts_database(site_database_unblocked):
    yield


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("TOCSIN_FEEDS", "TOCSIN_MONITOR_USER_AGENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TEST_ACLED_PASSWORD", up.ACLED_PASSWORD)
    monkeypatch.setenv("TEST_UCDP_TOKEN", up.UCDP_TOKEN)
    from tocsin.monitor import acled

    acled._TOKENS.clear()  # tokens are per process: each test starts logged out


@pytest.fixture(scope="session")
def exports():
    return up.gdelt_exports()


@pytest.fixture(scope="session")
def ged_events():
    return up.ucdp_events()


@pytest.fixture
def acled_rows():
    if not up.ACLED_SUDAN.exists():
        pytest.skip(f"{up.ACLED_SUDAN} is absent: ACLED rows are never committed to the "
                    "repository; the shared data folder beside the clone (CI has it) holds "
                    "them")
    return up.acled_rows()


@pytest.fixture
def upstream(exports, ged_events):
    """The stand-in, serving GDELT up to 14:30 and UCDP 24.1 (2021 to November) and the
    candidate 25.0.1 (December 2021); ACLED rows are added by the tests that need them."""
    server = up.Upstream()
    server.publish_gdelt(exports, up.STAMPS[-1])
    server.ucdp["24.1"] = [e for e in ged_events if e["date_start"] < "2021-12-01"]
    server.ucdp["25.0.1"] = [e for e in ged_events if e["date_start"] >= "2021-12-01"]
    server.start()
    yield server
    server.stop()


@pytest.fixture
def home(tmp_path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    return h
