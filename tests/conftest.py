"""Shared test helpers: where the repository and the shared real data are, and the one
Spark session of a test run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_EVENTS = SHARED / "data" / "events"  # real event samples, ACLED's among them


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"the shared data folder {SHARED} is absent (CI has it beside the clone)")
    return SHARED


@pytest.fixture
def run(capsys):
    """Run the tocsin command in-process: returns (exit code, stdout, stderr)."""
    from tocsin.cli import main

    def _run(*args: str):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the whole run (skips without PySpark or Java). Not
    stopped at the end: ``getOrCreate`` shares it with every test that asks."""
    pytest.importorskip("pyspark")
    if not shutil.which("java") and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java (make system-deps installs it)")
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from tocsin.events.engine import spark_session

    return spark_session("local[2]")


@pytest.fixture(autouse=True)
def _site_database_given_back():
    """A test that sets the site up for a home of its own (``tocsin.web.setup(home)`` in
    this process) leaves the next test the database the session started with: the
    test database of ``tests/web``, which an in-memory SQLite keeps only while its
    connection object lives."""
    import sys

    if "django.db" not in sys.modules:
        yield
        return
    from django.apps import apps

    if not apps.ready:
        yield
        return
    from django.conf import settings
    from django.db import connections

    conn, conf = connections["default"], connections.settings["default"]
    home, media = settings.HOME, settings.MEDIA_ROOT
    yield
    if connections["default"] is not conn:
        connections["default"].close()
        connections["default"] = conn
        connections.settings["default"] = conf
        settings.HOME, settings.MEDIA_ROOT = home, media


@pytest.fixture(scope="module")
def site_database_unblocked(django_db_blocker):
    """For tests that set the site up for homes of their own, each with its own SQLite
    file (tests/warning, tests/monitor): pytest-django, when the web tests are collected
    too, blocks database access outside its ``db`` fixture; this unblocks it.
    ``_site_database_given_back`` puts the session's database back after each test."""
    if django_db_blocker is None:  # pytest-django is not managing Django in this run
        yield
        return
    with django_db_blocker.unblock():
        yield
