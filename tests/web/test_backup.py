"""``tocsin backup`` / ``tocsin restore``: a home with events, alerts, an assessment and
an uploaded document is copied, restored into a fresh home, and found the same; a
damaged or altered archive is refused before anything is written. The archive holds
neither the evidence key file nor any sensitive text or document in clear: a restored
home opens its evidence with the key file, provided apart, and not without it."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow
TOCSIN = [sys.executable, "-c", "from tocsin.cli import entry; entry()"]
EXAMPLE = REPO / "examples" / "assessment.yaml"

UPLOAD = """
from django.core.files.base import ContentFile
from tocsin.web.assessments.models import Evidence, Rating
r = Rating.objects.filter(kind="indicator").first()
e = Evidence(rating=r, data={"text": "witness statement", "sensitive": True})
e.document.save("upload", ContentFile(b"the statement itself"), save=False)
e.save()
"""
FACTS = """
import json
from django.apps import apps
from tocsin.web.assessments.models import Evidence
doc = Evidence.objects.exclude(document="").get()
print(json.dumps({"counts": {m._meta.label: m.objects.count() for m in apps.get_models()},
                  "document": doc.document.read().decode()}))
"""


def run(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOCSIN_", "DJANGO_"))}
    env["TOCSIN_HOME"] = str(home)
    r = subprocess.run([*TOCSIN, *args], env=env, capture_output=True, text=True, timeout=600)
    if check:
        assert r.returncode == 0, (args, r.stderr)
    return r


def facts(home: Path) -> dict:
    return {
        "site": json.loads(run(home, "manage", "shell", "--no-imports", "-c", FACTS).stdout),
        "events": json.loads(run(home, "events", "stats", "--format", "json").stdout),
        "alerts": json.loads(run(home, "warn", "alerts", "--format", "json").stdout),
    }


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> tuple[Path, Path, dict]:
    from tocsin.events import samples

    tmp = tmp_path_factory.mktemp("backup")
    home = tmp / "home"
    ucdp = [str(p) for p in samples.paths() if p.name.startswith("ucdp")]
    run(home, "events", "ingest", *ucdp)
    run(home, "warn", "run", "--no-notify")
    run(home, "manage", "demo_setup", "--assessment", str(EXAMPLE))
    run(home, "manage", "shell", "--no-imports", "-c", UPLOAD)
    first = json.loads(run(home, "warn", "alerts", "--format", "json").stdout)[0]["id"]
    run(home, "warn", "ack", str(first))
    archive = tmp / "home.tar.gz"
    out = run(home, "backup", "-o", str(archive)).stdout
    assert out.startswith(f"wrote {archive}: ") and "database sqlite" in out
    return home, archive, facts(home)


def give_key(home: Path, fresh: Path) -> None:
    """Provide the key file at restore, as from where it is kept apart from backups."""
    (fresh / "keys").mkdir(parents=True, exist_ok=True, mode=0o700)
    shutil.copy2(home / "keys" / "evidence.keys", fresh / "keys" / "evidence.keys")


def test_a_restored_home_is_the_same(original, tmp_path):
    home, archive, before = original
    fresh = tmp_path / "fresh"
    give_key(home, fresh)
    r = run(fresh, "restore", str(archive))
    assert r.stdout.startswith(f"restored {archive} into {fresh}")
    after = facts(fresh)
    assert after["site"] == before["site"]
    assert after["site"]["document"] == "the statement itself"
    assert after["site"]["counts"]["assessments.Assessment"] >= 1
    assert after["events"] == before["events"] and after["alerts"] == before["alerts"]
    assert any(a["status"] == "acknowledged" for a in after["alerts"])
    # The restored stores work: a new run finds nothing new to store.
    again = json.loads(run(fresh, "warn", "run", "--no-notify", "--format", "json").stdout)
    assert again["alerts_new"] == 0
    assert os.stat(archive).st_mode & 0o077 == 0  # the archive holds sensitive evidence


def test_the_archive_holds_no_key_and_nothing_sensitive_in_clear(original):
    home, archive, _ = original
    key_doc = json.loads((home / "keys" / "evidence.keys").read_text())
    secrets = [v.encode() for v in (*key_doc["keys"].values(), key_doc["audit"])]
    secrets += [b"witness statement", b"the statement itself", b"tocsin-evidence-keys"]
    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
        bodies = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    assert not any("keys" in n.split("/") or n.endswith(".keys") for n in names)
    leaks = [(n, s) for n, b in bodies.items() for s in secrets if s in b]
    assert leaks == []
    manifest = json.loads(bodies["manifest.json"])
    assert manifest["evidence_keys"] == [key_doc["primary"]]  # its id, never the key


def test_a_restore_without_the_key_file_is_refused_and_opens_nothing(original, tmp_path):
    home, archive, before = original
    fresh = tmp_path / "nokey"
    r = run(fresh, "restore", str(archive), check=False)
    assert r.returncode == 2 and "sealed with key" in r.stderr and "evidence.keys" in r.stderr
    assert not (fresh / "tocsin.sqlite3").exists()
    # Forced: the site is back, its sealed evidence is not readable.
    r = run(fresh, "restore", str(archive), "--force")
    assert "restoring needs the key file" in r.stdout
    r = run(fresh, "manage", "shell", "--no-imports", "-c", FACTS, check=False)
    assert r.returncode == 2 and "which the key file" in r.stderr and "does not hold" in r.stderr
    # With the key file it is.
    shutil.rmtree(fresh / "keys", ignore_errors=True)
    give_key(home, fresh)
    assert facts(fresh)["site"] == before["site"]
    r = run(fresh, "audit", "verify")
    assert r.stdout.startswith("audit log intact")


def _tamper(archive: Path, out: Path, name_part: str) -> str:
    with tarfile.open(archive, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read() if m.isfile() else None)
                   for m in tar.getmembers()]
    changed = ""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for m, data in members:
            if data is not None and not changed and name_part in m.name:
                data = data[:-1] + bytes([data[-1] ^ 1])
                changed = m.name
            tar.addfile(m, io.BytesIO(data) if data is not None else None)
    out.write_bytes(gzip.compress(buf.getvalue()))
    return changed


@pytest.mark.parametrize("part", ["uploads/", "database/", "events/"])
def test_an_altered_archive_is_refused_and_nothing_is_written(original, tmp_path, part):
    _home, archive, _ = original
    bad = tmp_path / "bad.tar.gz"
    name = _tamper(archive, bad, part)
    assert name
    r = run(tmp_path / "x", "restore", str(bad), "--check", check=False)
    assert r.returncode == 2 and f"{name}: differs from the manifest" in r.stderr
    target = tmp_path / "target"
    r = run(target, "restore", str(bad), check=False)
    assert r.returncode == 2 and not any(p.name != "static" for p in target.glob("*"))


def test_a_home_that_holds_a_site_is_not_overwritten(original):
    home, archive, before = original
    r = run(home, "restore", str(archive), check=False)
    assert r.returncode == 2 and "is not empty" in r.stderr
    assert facts(home) == before


@pytest.mark.skipif(not os.environ.get("TOCSIN_TEST_DATABASE_URL"),
                    reason="needs the PostgreSQL of `make test`'s second run")
def test_postgresql_backup_and_restore(tmp_path):
    url = os.environ["TOCSIN_TEST_DATABASE_URL"]

    def pg(home, *args, check=True):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TOCSIN_", "DJANGO_"))}
        env.update(TOCSIN_HOME=str(home), TOCSIN_DATABASE_URL=url)
        r = subprocess.run([*TOCSIN, *args], env=env, capture_output=True, text=True,
                           timeout=600)
        assert not check or r.returncode == 0, (args, r.stderr)
        return r

    home = tmp_path / "pg"
    pg(home, "manage", "demo_setup", "--assessment", str(EXAMPLE))
    pg(home, "manage", "shell", "--no-imports", "-c", UPLOAD)
    before = pg(home, "manage", "shell", "--no-imports", "-c", FACTS).stdout
    archive = tmp_path / "pg.tar.gz"
    assert "database postgresql" in pg(home, "backup", "-o", str(archive)).stdout
    # Lose everything, then restore over it.
    pg(home, "manage", "flush", "--no-input")
    assert pg(home, "manage", "shell", "--no-imports", "-c", FACTS, check=False).returncode
    pg(home, "restore", str(archive), "--force")
    assert pg(home, "manage", "shell", "--no-imports", "-c", FACTS).stdout == before
