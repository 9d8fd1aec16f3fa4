"""Fixtures for the event tests: the real samples and an ingest helper (the Spark
session is tests/conftest.py's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED_EVENTS as EVENTS

ACLED = EVENTS / "acled"
NO_SHARED = f"the real samples in {EVENTS} are absent (CI has ../shared beside the clone)"
NO_ACLED = (f"ACLED samples are not in {ACLED}; ACLED rows are never committed to this "
            "repository (ACLED terms), so these tests need ../shared")

# (path relative to EVENTS, source, rows in the file): counts from each folder README.
SAMPLES = [
    ("acled/acled_sudan_2021-10-25_to_2021-12-31.csv", "acled", 462),
    ("acled/acled_myanmar_2021_explosions_remote_violence_only.csv.gz", "acled", 2734),
    ("acled/acled_africa_legacy_2016-01_to_2016-05_dev_countries.csv.gz", "acled", 4499),
    ("acled/acled_sudan_2023-04-11_to_2023-04-12.csv", "acled", 29),
    ("ucdp_ged/ged_myanmar_1989-2023.csv.gz", "ucdp-ged", 7374),
    ("gdelt_v1/sample_daily_20160728_plus_backfile_rows.export.CSV", "gdelt1", 710),
    ("gdelt_v2/20191024143000.export.CSV.gz", "gdelt2", 2111),
    ("gdelt_v2/variant_headered_comma_2017_with_description_column.csv.gz", "gdelt2", 6090),
]


def sample(rel: str) -> Path:
    path = EVENTS / rel
    if not path.exists():
        pytest.skip(NO_ACLED if rel.startswith("acled/") else NO_SHARED)
    return path


@pytest.fixture
def events_dir() -> Path:
    if not EVENTS.is_dir():
        pytest.skip(NO_SHARED)
    return EVENTS


@pytest.fixture
def acled_dir() -> Path:
    if not ACLED.is_dir():
        pytest.skip(NO_ACLED)
    return ACLED


@pytest.fixture
def tocsin(capsys, tmp_path):
    """Run `tocsin ...` in-process with --home tmp_path/home appended to events commands."""
    from tocsin.cli import main

    home = tmp_path / "home"

    def _run(*args, home_dir: Path | None = None):
        argv = [str(a) for a in args] + ["--home", str(home_dir or home)]
        code = main(argv)
        out, err = capsys.readouterr()
        return code, out, err

    _run.home = home
    return _run
