"""Sensitive evidence sealed at rest (issue 16): the attacker who steals the database or
the upload folder reads neither a sensitive text, URL or file name nor any document;
the people allowed to read them still do; the key rotates; an existing database is
carried forward by its migration."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

TEXT = "Witness W-42 saw the convoy at Kibera"
URL = "https://source.example/w42-statement"
NAME = "W-42 Amina statement.txt"
BODY = b"Amina W-42: I saw them load the trucks at night"


def database_dump() -> bytes:
    """Every byte the database holds, as a thief would read it: the SQLite file image
    (the test database is in memory) or every row of every PostgreSQL table as text."""
    from django.db import connection

    connection.ensure_connection()
    if connection.vendor == "sqlite":
        return connection.connection.serialize()
    out = []
    with connection.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        for (table,) in cur.fetchall():
            cur.execute(f'SELECT row_to_json(t)::text FROM "{table}" t')
            out += [r[0] for r in cur.fetchall()]
    return "\n".join(out).encode()


def uploads_dump() -> bytes:
    from django.conf import settings

    root = Path(settings.MEDIA_ROOT)
    return b"\n".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def secrets_in(blob: bytes) -> list[str]:
    found = []
    for s in (TEXT, "W-42", URL, "w42-statement", NAME, "Amina", BODY.decode()):
        for enc in (s.encode(), json.dumps(s)[1:-1].encode(), s.encode("utf-16-le")):
            if enc in blob:
                found.append(s)
    return sorted(set(found))


@pytest.fixture
def own_keys(settings, tmp_path, world):
    """A home of its own for the key file and the uploads (a copy of the session's key
    file), so that rotating keys here never touches what other tests read."""
    from tocsin import vault
    from tocsin.web.assessments.models import site_home

    src = vault.key_path(site_home())
    (tmp_path / "keys").mkdir(mode=0o700)
    shutil.copy2(src, tmp_path / "keys" / "evidence.keys")
    settings.MEDIA_ROOT = str(tmp_path / "uploads")
    vault.forget_cache()
    yield tmp_path
    vault.forget_cache()


def add_sensitive(client, world):
    """The contributor (civil society) adds a sensitive item with a document, through
    the rating page."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tocsin.web.assessments.models import Evidence, Rating

    entry = world.ken.assessors.get(user=world.users["contributor"])
    item = Rating.objects.filter(entry__assessment=world.ken, kind="indicator").first().item
    client.force_login(world.users["contributor"])
    p = f"ev-indicator-{item}"
    resp = client.post(reverse("assessments:add_evidence", args=[world.ken.pk, "indicator", item]),
                       {f"{p}-text": TEXT, f"{p}-url": URL, f"{p}-sensitive": "on",
                        f"{p}-document": SimpleUploadedFile(NAME, BODY, "text/plain")},
                       follow=True)
    assert resp.status_code == 200, resp.content[:500]
    ev = Evidence.objects.get(rating__entry=entry, data__sensitive=True, document__gt="")
    ev.page = resp.content.decode()  # the item as shown back to the contributor
    return ev


def test_a_stolen_database_or_upload_folder_reveals_nothing_sensitive(client, world, own_keys):
    ev = add_sensitive(client, world)
    # The attack: read the database and the uploads as files.
    assert secrets_in(database_dump()) == []
    assert secrets_in(uploads_dump()) == []
    # Nor any document (the world's public one included: every document is sealed).
    assert b"Published report" not in uploads_dump() and b"public" not in uploads_dump()
    assert b"Published report of the commission" in database_dump()  # not sensitive
    # What is stored: the flag in clear (permissions need it), the rest sealed.
    from tocsin.web.assessments.models import Evidence

    raw, raw_name = Evidence.objects.filter(pk=ev.pk).values_list("data", "filename").get()
    assert set(raw) == {"sensitive", "sealed"} and raw["sensitive"] is True
    assert raw_name.startswith("tocsin-vault/1:")
    # Those allowed still read it: the contributor, on the page and the file.
    assert TEXT in ev.page and NAME in ev.page
    resp = client.get(reverse("assessments:evidence_file", args=[ev.pk]))
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == BODY
    assert NAME in resp["Content-Disposition"]
    # The focal point: in the file and the report with sensitive evidence.
    client.force_login(world.users["focal"])
    export = client.get(reverse("assessments:export", args=[world.ken.pk])).content.decode()
    assert TEXT in export and URL in export
    report = client.get(reverse("assessments:report", args=[world.ken.pk, "html"]),
                        {"sensitive": "1"}).content.decode()
    assert TEXT in report
    # Those not allowed do not: another assessor, the administrator.
    for who in ("assessor", "admin"):
        client.force_login(world.users[who])
        assert client.get(reverse("assessments:evidence_file", args=[ev.pk])).status_code == 404


def test_a_signed_version_is_sealed_and_downloads_as_signed(client, world, own_keys):
    import hashlib

    from tocsin.web.assessments.models import Version

    add_sensitive(client, world)
    client.force_login(world.users["focal"])
    for action in ("submit", "finalise"):
        client.post(reverse("assessments:status", args=[world.ken.pk]), {"action": action})
    v = Version.objects.get(assessment=world.ken)
    assert Version.objects.filter(pk=v.pk).values_list("text", flat=True).get().startswith(
        "tocsin-vault/1:")
    assert secrets_in(database_dump()) == []
    body = client.get(reverse("assessments:version", args=[world.ken.pk, v.number]))
    text = body.content.decode()
    assert TEXT in text and hashlib.sha256(text.encode()).hexdigest() == v.sha256


def test_without_the_key_file_nothing_opens(client, world, own_keys):
    from tocsin import vault
    from tocsin.web.assessments.models import Evidence

    ev = add_sensitive(client, world)
    (own_keys / "keys" / "evidence.keys").unlink()
    (own_keys / "keys" / "evidence.keys").write_text("")  # an empty, wrong key file
    os.chmod(own_keys / "keys" / "evidence.keys", 0o600)
    vault.forget_cache()
    fresh = Evidence.objects.get(pk=ev.pk)
    with pytest.raises(vault.ConfigError):
        fresh.data  # noqa: B018
    shutil.rmtree(own_keys / "keys")
    vault.forget_cache()  # development makes a new key: it opens nothing of before
    fresh = Evidence.objects.get(pk=ev.pk)
    with pytest.raises(vault.KeyMissing):
        fresh.data  # noqa: B018
    with pytest.raises(vault.KeyMissing):
        fresh.document.open("rb").read()
    assert fresh.sensitive  # telling sensitive from not needs no key


def _sealed_values():
    """Every sealed value stored: (purpose, sealed bytes) of rows and documents."""
    import base64

    from django.conf import settings

    from tocsin import vault
    from tocsin.web.assessments.models import Evidence, Version

    out = []
    for data, name in Evidence.objects.values_list("data", "filename"):
        if "sealed" in data:
            out.append(("evidence.data", data["sealed"]))
        if vault.is_sealed_text(name):
            out.append(("evidence.filename", name))
    out += [("version.text", t) for t in Version.objects.values_list("text", flat=True)]
    values = [(p, vault.FILE_MAGIC + base64.urlsafe_b64decode(t[len(vault.TEXT_PREFIX):]))
              for p, t in out]
    for path in Path(settings.MEDIA_ROOT).rglob("*"):
        if path.is_file():
            values.append(("evidence.document", path.read_bytes()))
    return values


def _opens_with(key_id: str, key: bytes, purpose: str, blob: bytes) -> bool:
    """Whether ``key`` opens ``blob``, whatever key id the blob names."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from tocsin import vault

    kid, nonce, ct = vault._parse_blob(blob)
    for aad_id in {kid, key_id}:
        try:
            AESGCM(key).decrypt(nonce, ct, f"tocsin-vault/1|{purpose}|{aad_id}".encode())
            return True
        except InvalidTag:
            pass
    return False


def test_rotation_reseals_everything_and_retires_the_old_key(client, world, own_keys,
                                                             monkeypatch):
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    from tocsin import vault
    from tocsin.web.assessments import evidence
    from tocsin.web.assessments.models import Evidence, site_home
    from tocsin.web.audit.chain import verify

    ev = add_sensitive(client, world)
    entry = world.ken.assessors.get(user=world.users["assessor"])
    evidence.add(entry, "indicator", ev.rating.item, {"text": "Public minutes"},
                 world.users["assessor"], document=ContentFile(b"minutes", name="m.txt"),
                 content_type="text/plain")
    client.force_login(world.users["focal"])
    for action in ("submit", "finalise"):
        client.post(reverse("assessments:status", args=[world.ken.pk]), {"action": action})
    monkeypatch.setattr(evidence, "BATCH", 2)  # rows in several committed batches
    old = vault.load(site_home())
    before = _sealed_values()
    assert len(before) >= 5 and all(_opens_with(old.primary, old.keys[old.primary], p, b)
                                    for p, b in before)
    # A crash half way (the second document): the rows are done, a file is not.
    real, calls = evidence._reseal_file, []

    def crash(ring, path):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt("power cut")
        return real(ring, path)

    monkeypatch.setattr(evidence, "_reseal_file", crash)
    with pytest.raises(KeyboardInterrupt):
        call_command("rotate_evidence_key")
    mid = vault.load(site_home())
    assert len(mid.keys) == 2  # the old key is kept until everything is moved
    assert Evidence.objects.get(pk=ev.pk).document.open("rb").read() == BODY  # still reads
    monkeypatch.setattr(evidence, "_reseal_file", real)
    call_command("rotate_evidence_key")  # goes on where it stopped
    new = vault.load(site_home())
    assert set(new.keys) == {mid.primary} and new.primary != old.primary
    after = _sealed_values()
    assert len(after) == len(before)
    # The old key alone opens nothing; the new key opens everything.
    assert not any(_opens_with(old.primary, old.keys[old.primary], p, b) for p, b in after)
    assert all(_opens_with(new.primary, new.keys[new.primary], p, b) for p, b in after)
    fresh = Evidence.objects.get(pk=ev.pk)
    assert fresh.data["text"] == TEXT and fresh.filename == NAME
    assert fresh.document.open("rb").read() == BODY
    assert verify().intact  # the audit chain went on with the same audit key


def test_rotation_status_reports_the_keys(world, own_keys, capsys):
    from django.core.management import call_command

    call_command("rotate_evidence_key", "--status")
    out = capsys.readouterr().out
    assert "primary" in out and "sealed with" in out


# --- the migration that carries an existing database forward --------------------------
TOCSIN = [sys.executable, "-c", "from tocsin.cli import entry; entry()"]
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "assessment.yaml"
PLANT = f"""
from django.core.files.base import ContentFile
from tocsin.web.assessments import evidence
from tocsin.web.assessments.models import Rating
r = Rating.objects.filter(kind="indicator").first()
evidence.add(r.entry, r.kind, r.item, {{"text": {TEXT!r}, "url": {URL!r}, "sensitive": True}},
             None, document=ContentFile({BODY!r}, name={NAME!r}), content_type="text/plain")
"""
READ = """
import json
from tocsin.web.assessments.models import Evidence
e = Evidence.objects.exclude(document="").get(data__sensitive=True)
print(json.dumps({"text": e.data["text"], "name": e.filename,
                  "body": e.document.open("rb").read().decode()}))
"""


def tocsin(home: Path, *args: str, check: bool = True, **env) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TOCSIN_", "DJANGO_"))}
    full.update(TOCSIN_HOME=str(home), **env)
    r = subprocess.run([*TOCSIN, *args], env=full, capture_output=True, text=True, timeout=600)
    assert not check or r.returncode == 0, (args, r.stdout, r.stderr)
    return r


def stolen(home: Path) -> list[str]:
    files = [home / "tocsin.sqlite3", *(home / "uploads").rglob("*")]
    return secrets_in(b"".join(p.read_bytes() for p in files if p.is_file()))


@pytest.mark.slow
@pytest.mark.skipif(bool(os.environ.get("TOCSIN_TEST_DATABASE_URL")),
                    reason="the SQLite file of a home is what this reads")
def test_a_database_with_plaintext_evidence_is_carried_forward(tmp_path):
    home = tmp_path / "home"
    tocsin(home, "manage", "migrate", "-v", "0")
    tocsin(home, "manage", "demo_setup", "--assessment", str(EXAMPLE))
    tocsin(home, "manage", "shell", "--no-imports", "-c", PLANT)
    # Back to the layout before sealing: evidence as Tocsin stored it until now.
    tocsin(home, "manage", "migrate", "assessments", "0001", "-v", "0")
    tocsin(home, "manage", "migrate", "audit", "0002", "-v", "0")
    assert {TEXT, URL, NAME, BODY.decode()} <= set(stolen(home))  # the old exposure
    legacy = tmp_path / "legacy"
    shutil.copytree(home, legacy)
    shutil.rmtree(legacy / "keys")
    want = {"text": TEXT, "name": NAME, "body": BODY.decode()}

    # Development (the key is made on first use): the migration seals it all.
    tocsin(home, "manage", "migrate", "-v", "0")
    assert stolen(home) == []
    assert json.loads(tocsin(home, "manage", "shell", "--no-imports", "-c", READ).stdout) == want
    r = tocsin(home, "audit", "verify")
    assert r.stdout.startswith("audit log intact:")  # the old entries were chained

    # Production without a key file yet: migrated, nothing sealed, everything readable.
    prod = {"TOCSIN_ENV": "production", "TOCSIN_SECRET_KEY": "k" * 60,
            "TOCSIN_ALLOWED_HOSTS": "tocsin.example"}
    tocsin(legacy, "manage", "migrate", "-v", "0", **prod)
    assert not (legacy / "keys").exists() and "W-42" in stolen(legacy)
    assert json.loads(tocsin(legacy, "manage", "shell", "--no-imports", "-c", READ,
                             **prod).stdout) == want
    r = tocsin(legacy, "manage", "create_evidence_keys", **prod)
    assert "created" in r.stdout and "sealed" in r.stdout
    assert stolen(legacy) == []
    assert json.loads(tocsin(legacy, "manage", "shell", "--no-imports", "-c", READ,
                             **prod).stdout) == want
    # The entries written before the key are chained by the first write with it.
    tocsin(legacy, "manage", "shell", "--no-imports", "-c", PLANT, **prod)
    r = tocsin(legacy, "audit", "verify", **prod)
    assert r.returncode == 0, r.stderr
    db = sqlite3.connect(legacy / "tocsin.sqlite3")
    assert db.execute("SELECT count(*) FROM audit_auditevent WHERE seq IS NULL").fetchone() == (0,)
