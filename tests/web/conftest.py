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
os.environ["DJANGO_SETTINGS_MODULE"] = "tocsin.web.settings"

import django  # noqa: E402

# pytest-django configured itself before this conftest was read; set Django up now.
django.setup()

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "assessment.yaml"
ARTIFACTS = REPO / "tests" / "artifacts"


@pytest.fixture(autouse=True)
def _fast_hashing_and_home(settings, tmp_path):
    # Argon2 is what production uses (tested in test_web_settings); hashing with it
    # for every fixture user would only make the suite slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "uploads")
    settings.AXES_ENABLED = True


@pytest.fixture
def world(db):
    """Two countries, one assessment each, and one account per role.

    KEN: the worked example, with focal point, viewer, assessor (government entry),
    contributor (civil-society entry), another assessor. UGA: a second assessment
    with its own focal point, so that crossing countries can be tested.
    """
    from tocsin.web.testing import build_world

    return build_world()
