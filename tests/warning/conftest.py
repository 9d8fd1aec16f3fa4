"""Warning tests: real samples ingested once per module; the alert database of each
home reached through the same code as the command line.

When the web tests are collected in the same run, pytest-django has configured
Django and blocks database access outside its ``db`` fixture; ``tocsin.web.setup``
points Django at each test home's own SQLite file instead, so access is unblocked
here and the default database settings are put back afterwards.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from tests.conftest import SHARED_EVENTS as EVENTS

SUDAN_2021 = EVENTS / "acled" / "acled_sudan_2021-10-25_to_2021-12-31.csv"
GED_MYANMAR = EVENTS / "ucdp_ged" / "ged_myanmar_1989-2023.csv.gz"


@pytest.fixture(autouse=True, scope="module")
def _alerts_database(django_db_blocker):
    saved = None
    try:
        from django.conf import settings

        if settings.configured:
            from django.db import connections

            saved = copy.deepcopy(connections["default"].settings_dict)
            saved_home = (settings.HOME, settings.MEDIA_ROOT)
    except Exception:
        saved = None
    if django_db_blocker is None:  # pytest-django is not managing Django in this run
        yield
        return
    with django_db_blocker.unblock():
        yield
        if saved is not None:
            from django.conf import settings as django_settings
            from django.db import connections

            conn = connections["default"]
            conn.close()
            conn.settings_dict.clear()
            conn.settings_dict.update(saved)
            django_settings.HOME, django_settings.MEDIA_ROOT = saved_home


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
