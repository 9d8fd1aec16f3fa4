"""A site database made by the previous layout (apps ``workspace`` and ``inbox``) is
carried forward to the current one with every row intact.

``data/main-d05f479.sqlite.sql.gz`` is a SQL dump of the database ``tocsin demo`` made
with commit d05f479 (the last of that layout), plus one row in each table the
reshaping moved: a Myanmar draft with a member, an assignment, a note, a subscription,
an alert used as evidence, a sensitive upload, an invitation and an API token.
"""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # real processes: a site, migrations, ingests

DUMP = Path(__file__).parent / "data" / "main-d05f479.sqlite.sql.gz"
TOCSIN = [sys.executable, "-c", "from tocsin.cli import entry; entry()"]

COUNT = """
import json
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.migrations.recorder import MigrationRecorder
counts = {m._meta.label: m.objects.count() for m in apps.get_models()}
applied = sorted({r.app for r in MigrationRecorder.Migration.objects.all()})
labels = sorted({c.app_label for c in ContentType.objects.all()})
from tocsin.web.alerts.models import EvidenceLink, Note
from tocsin.web.assessments.models import Evidence
link = EvidenceLink.objects.select_related("evidence__rating__entry__assessment").get()
upload = Evidence.objects.exclude(document="").get()
from django.db import connection
with connection.cursor() as cur:  # what the database itself holds
    cur.execute("SELECT data, filename FROM " + Evidence._meta.db_table)
    raw = [[json.loads(d), f] for d, f in cur.fetchall() if '"sensitive": true' in d]
print(json.dumps({"counts": counts, "applied": applied, "labels": labels,
                  "note": Note.objects.get().text,
                  "link": [link.alert.country, link.evidence.rating.entry.assessment.title],
                  "upload": [upload.filename, upload.sensitive, upload.document.name],
                  "raw": raw}))
"""


def tocsin(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOCSIN_", "DJANGO_"))}
    env["TOCSIN_HOME"] = str(home)
    return subprocess.run([*TOCSIN, *args], env=env, capture_output=True, text=True,
                          timeout=300)


def old_counts(db: Path) -> dict[str, int]:
    con = sqlite3.connect(db)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


@pytest.fixture
def legacy_home(tmp_path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    con = sqlite3.connect(home / "tocsin.sqlite3")
    con.executescript(gzip.decompress(DUMP.read_bytes()).decode())
    con.close()
    return home


def test_a_database_of_the_previous_layout_migrates_with_its_data(legacy_home):
    before = old_counts(legacy_home / "tocsin.sqlite3")
    assert before["workspace_assessment"] == 2 and before["inbox_note"] == 1
    r = tocsin(legacy_home, "manage", "migrate", "-v", "0")
    assert r.returncode == 0, r.stderr
    r = tocsin(legacy_home, "manage", "shell", "--no-imports", "-c", COUNT)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    counts = got["counts"]
    moved = {"workspace_assessment": "assessments.Assessment",
             "workspace_assessorentry": "assessments.AssessorEntry",
             "workspace_rating": "assessments.Rating",
             "workspace_evidence": "assessments.Evidence",
             "workspace_version": "assessments.Version",
             "inbox_assignment": "alerts.Assignment", "inbox_note": "alerts.Note",
             "inbox_evidencelink": "alerts.EvidenceLink",
             "inbox_subscription": "alerts.Subscription",
             "alerts_alert": "alerts.Alert", "alerts_alertchange": "alerts.AlertChange",
             "accounts_invitation": "accounts.Invitation",
             "accounts_countryrole": "accounts.CountryRole",
             "api_apitoken": "api.ApiToken", "audit_auditevent": "audit.AuditEvent",
             "countries_forecast": "countries.Forecast", "auth_user": "auth.User"}
    for table, model in moved.items():
        assert counts[model] == before[table], (table, model)
        assert before[table] > 0 or table == "workspace_version", table  # none was signed
    assert "workspace" not in got["applied"] and "inbox" not in got["applied"]
    assert {"assessments", "alerts"} <= set(got["applied"])
    assert "workspace" not in got["labels"] and "inbox" not in got["labels"]
    assert got["note"] == "legacy note"
    assert got["link"] == ["MMR", "Myanmar draft"]
    assert got["upload"][:2] == ["w.txt", True] and got["upload"][2].startswith("evidence/")
    # Issue 16: the sensitive evidence already there is sealed at rest (its text and the
    # upload's name), and the audit entries already there are chained and verify.
    assert got["raw"] and all(set(data) == {"sensitive", "sealed"}
                              and data["sealed"].startswith("tocsin-vault/1:")
                              and (name == "" or name.startswith("tocsin-vault/1:"))
                              for data, name in got["raw"]), json.dumps(got["raw"])
    assert "w.txt" not in json.dumps(got["raw"])
    r = tocsin(legacy_home, "audit", "verify", "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    verified = json.loads(r.stdout)
    assert verified["intact"] and verified["entries"] == counts["audit.AuditEvent"] > 0
    # Carrying forward twice changes nothing.
    r = tocsin(legacy_home, "manage", "migrate", "-v", "0")
    assert r.returncode == 0, r.stderr
    again = json.loads(tocsin(legacy_home, "manage", "shell", "--no-imports", "-c",
                              COUNT).stdout)
    assert again["counts"] == counts
