"""Web tests: Django configured here, not globally, so other tests never need it.

The database is SQLite by default; with TOCSIN_TEST_DATABASE_URL=postgres://...
(as `make test` sets on its second run) the same tests run on PostgreSQL.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_HOME = tempfile.mkdtemp(prefix="tocsin-web-test-")
os.environ["TOCSIN_HOME"] = _HOME
os.environ.setdefault("TOCSIN_ENV", "development")
os.environ.pop("TOCSIN_SECRET_KEY", None)
if os.environ.get("TOCSIN_TEST_DATABASE_URL"):
    os.environ["TOCSIN_DATABASE_URL"] = os.environ["TOCSIN_TEST_DATABASE_URL"]
else:
    os.environ.pop("TOCSIN_DATABASE_URL", None)
from tocsin.web import setup  # noqa: E402

# pytest-django configured itself before this conftest was read; set Django up now, as
# every entry point does. pytest-django makes and migrates the test database.
setup(_HOME, migrate=False)

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "assessment.yaml"
ARTIFACTS = REPO / "tests" / "artifacts"


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Argon2 is what production uses (tested in test_web_settings); hashing with it
    # for every fixture user would only make the suite slow.
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(scope="session")
def _world_once(django_db_setup, django_db_blocker):
    """Build the world once per session; each test then runs in a transaction that
    is rolled back to it (pytest-django's pattern for populating the test database)."""
    from django.conf import settings

    from tocsin.web.testing import build_world

    settings.PASSWORD_HASHERS = FAST_HASHERS
    with django_db_blocker.unblock():
        build_world()


@pytest.fixture
def world(db, _world_once):
    """Two countries, one assessment each, and one account per role.

    KEN: the worked example, with focal point, viewer, assessor (government entry),
    contributor (civil-society entry), another assessor. UGA: a second assessment
    with its own focal point, so that crossing countries can be tested.
    """
    from tocsin.web.testing import build_world, load_world

    # A transactional test (the browser tests) empties the database when it ends.
    return load_world() or build_world()


def pytest_collection_modifyitems(items):
    # Browser tests need a live server, hence transactional tests that empty the
    # database at the end: run them after the others.
    items.sort(key=lambda item: "browser" in item.nodeid)
