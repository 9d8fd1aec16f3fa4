"""Warning tests: real samples ingested once per module; the alert database of each
home reached through the same code as the command line.

Each home's site database is its own SQLite file (``site_database_unblocked`` in
tests/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED_EVENTS as EVENTS

SUDAN_2021 = EVENTS / "acled" / "acled_sudan_2021-10-25_to_2021-12-31.csv"
GED_MYANMAR = EVENTS / "ucdp_ged" / "ged_myanmar_1989-2023.csv.gz"


@pytest.fixture(autouse=True, scope="module")
def _alerts_database(site_database_unblocked):
    yield


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} is absent (ACLED rows are never committed; the shared data "
                    "folder sits beside the clone)")
    return path


@pytest.fixture(scope="module")
def sample_home(tmp_path_factory):
    """A home with the Sudan 2021 ACLED sample and the UCDP GED Myanmar sample ingested."""
    from tocsin.events.ingest import ingest

    home = tmp_path_factory.mktemp("warn-home")
    ingest(home, [need(SUDAN_2021), need(GED_MYANMAR)], echo=lambda s: None)
    return home
