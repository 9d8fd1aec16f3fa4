"""Web tests: Django configured here, not globally, so other tests never need it.

The database is SQLite by default; with TOCSIN_TEST_DATABASE_URL=postgres://...
(as `make test` sets on its second run) the same tests run on PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import subprocess
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
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]

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

    from tests.web.world import build_world

    settings.PASSWORD_HASHERS = FAST_HASHERS
    with django_db_blocker.unblock():
        build_world()


@pytest.fixture
def world(db, _world_once):
    """Two countries, one assessment each, and one account per role (``world.py``).

    KEN: the worked example, with focal point, viewer, assessor (government entry),
    contributor (civil-society entry), another assessor. UGA: a second assessment
    with its own focal point, so that crossing countries can be tested.
    """
    from tests.web.world import build_world, load_world

    # A transactional test (the browser tests) empties the database when it ends.
    return load_world() or build_world()


@pytest.fixture
def watch_world(world, settings):
    """The world plus what the watch list, the country pages, the alerts inbox and the
    API show, from real data: the alerts ``tocsin warn run`` finds in the bundled UCDP
    and GDELT samples (``world.alerts``; ``world.mmr_alert`` a mass-killing alert in
    Myanmar), the bundled forecasts, an MMR draft assessment (``world.mmr``) with its
    own focal point and assessor, the indicator the alert is evidence for
    (``world.indicator``), and an API token per user (``world.tokens``)."""
    from tests.web.world import build_watch_world

    return build_watch_world(world, settings)


@pytest.fixture
def watch_admin(client, watch_world):
    """A client signed in as the watch world's administrator."""
    client.force_login(watch_world.users["admin"])
    return client


def _chromium() -> str:
    if not Path(CHROMIUM).exists() and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["bash", str(REPO / "scripts" / "system-deps.sh")], check=False)
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is absent and could not be installed "
                    "(run scripts/system-deps.sh as root)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's package, driven by Playwright) for every browser
    test of the session: Playwright's sync API may be started only once per thread."""
    path = _chromium()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the tests' own database
    # calls are ordinary synchronous ones, which Django would otherwise refuse there.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
            yield b
            b.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


def pytest_collection_modifyitems(items):
    # Browser tests need a live server, hence transactional tests that empty the
    # database at the end: run them after the others.
    items.sort(key=lambda item: "browser" in item.nodeid)
