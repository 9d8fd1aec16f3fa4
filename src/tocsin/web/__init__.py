"""The Tocsin site: a Django project inside the package.

The site holds the transactional records (people and roles, assessments and their
evidence, alerts and what people did with them, the audit log); the core
(``tocsin.framework``, ``assessment``, ``events``, ``warning``, ``forecast``) holds
the rules and never imports the site. Apps, one concern each:

- ``shell``: the frame every page shares (base template, stylesheet, error pages,
  template tags);
- ``accounts``: people, roles, invitations, two-factor;
- ``assessments``: national assessments, ratings, evidence, sign-off;
- ``alerts``: alerts found by ``tocsin warn run``, their lifecycle, the inbox,
  subscriptions and deliveries;
- ``countries``: forecasts, the watch list and the country pages;
- ``tracker``: progress on the SG report's seven recommendations;
- ``audit``: the append-only log of every write;
- ``api``: the REST API.

Who may do what is decided in ``policy`` only. ``setup(home)`` is the one way to
start Django for Tocsin: the command line, the demo, WSGI and the tests call it.
"""

from __future__ import annotations

import os
from pathlib import Path

SETTINGS_MODULE = "tocsin.web.settings"
_migrated: set[tuple] = set()


def setup(home: Path | str | None = None, migrate: bool = True) -> Path:
    """Start Django with Tocsin's settings for the site of ``home`` and, unless
    ``migrate`` is False, bring its database up to date (once per database and process).

    Settings are read once per process. A later call for another home (an in-process
    caller that works on several homes, such as the test suite) points the site's
    database and upload folder at that home's. A setting Tocsin cannot use raises
    ``tocsin.config.ConfigError`` naming the variable. Returns the home.
    """
    from tocsin import config

    config.private_files()
    home = config.ensure_home(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    from django.apps import apps

    if not apps.ready:
        os.environ[config.HOME_ENV] = str(home)
        import django

        django.setup()
    else:
        _use_home(home)
    if migrate:
        _migrate()
    return home


def _use_home(home: Path) -> None:
    from django.conf import settings
    from django.db import connections
    from django.db.utils import load_backend

    from tocsin.web.config import database

    if Path(settings.HOME) == home:
        return
    conn = connections["default"]
    wanted = {**conn.settings_dict, **database(home)}
    # A new connection object rather than the old one re-pointed: closing an in-memory
    # SQLite database (the test suite's) would destroy it, and a connection still open
    # on it would quietly keep serving the old home. Threads started later (a live
    # server) read connections.settings, so it points at the new home too.
    conn.close()
    connections.settings["default"] = wanted
    connections["default"] = load_backend(wanted["ENGINE"]).DatabaseWrapper(wanted, "default")
    settings.HOME = home
    settings.MEDIA_ROOT = str(home / "uploads")


def _migrate() -> None:
    from django.core.management import call_command
    from django.db import connections

    s = connections["default"].settings_dict
    label = (s["ENGINE"], str(s["NAME"]), s.get("HOST", ""), s.get("PORT", ""))
    if label in _migrated:
        return
    # The site's migrate (web/shell) first carries an older layout forward.
    call_command("migrate", interactive=False, verbosity=0)
    _migrated.add(label)
