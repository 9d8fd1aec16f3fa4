"""Every file Tocsin writes in its home is private to its user (issue 16: the site's
SQLite database, with evidence, password hashes and two-factor secrets, was mode 644)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow  # real processes: ingests, a site, migrations

TOCSIN = [sys.executable, "-c", "from tocsin.cli import entry; entry()"]


def tocsin(home, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOCSIN_", "DJANGO_"))}
    env["TOCSIN_HOME"] = str(home)
    # A permissive umask, as many systems have: Tocsin must not rely on the user's.
    return subprocess.run(["bash", "-c", 'umask 022; exec "$@"', "tocsin", *TOCSIN, *args],
                          env=env, capture_output=True, text=True, timeout=600)


def test_nothing_in_the_home_is_readable_by_others(tmp_path):
    from tocsin.events import samples

    home = tmp_path / "home"
    ucdp = [str(p) for p in samples.paths() if p.name.startswith("ucdp")]
    for args in (["events", "ingest", *ucdp], ["warn", "run", "--no-notify"],
                 ["manage", "migrate", "-v", "0"],
                 ["assess", "report", str(REPO / "examples" / "assessment.yaml"),
                  "-o", str(home / "report.html")]):
        r = tocsin(home, *args)
        assert r.returncode == 0, (args, r.stderr)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    readable = []
    for path in [home, *home.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode & 0o077:
            readable.append(f"{oct(mode)} {path.relative_to(home)}")
    assert (home / "tocsin.sqlite3").exists()
    assert not readable, "readable by others:\n" + "\n".join(readable)


def test_an_existing_home_is_made_private(tmp_path):
    home = tmp_path / "old"
    home.mkdir(mode=0o755)
    db = home / "tocsin.sqlite3"
    db.write_bytes(b"")
    db.chmod(0o644)
    r = tocsin(home, "manage", "migrate", "-v", "0")
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
