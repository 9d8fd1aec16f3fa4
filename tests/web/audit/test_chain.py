"""The audit log is tamper-evident (issue 16): every entry is chained to the one before
by an HMAC keyed outside the database; an entry edited, deleted or inserted straight in
the database is found by ``tocsin audit verify``, which names the first broken entry;
concurrent writers never fork the chain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection


def _writes(world, n=3):
    for i in range(n):
        world.users["outsider"].first_name = f"Name {i}"
        world.users["outsider"].save()


@contextmanager
def behind_tocsins_back():
    """A cursor on the database as someone with its password (the owner, even): on
    PostgreSQL the append-only trigger is switched off first, as its owner can."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_append_only")
        try:
            yield cur
        finally:
            if connection.vendor == "postgresql":
                cur.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_append_only")


def _verify(run):
    code, out, err = run("audit", "verify", "--format", "json")
    return code, json.loads(out)


def _some_entry():
    from tocsin.web.audit.models import AuditEvent

    return AuditEvent.objects.exclude(seq=None).order_by("-seq")[2]


def test_every_write_is_chained_and_the_chain_verifies(world, run):
    from tocsin.web.audit.models import AuditEvent, ChainHead

    _writes(world)
    seqs = list(AuditEvent.objects.exclude(seq=None).order_by("seq")
                .values_list("seq", "prev_hash", "hash"))
    assert [s for s, _p, _h in seqs] == list(range(1, len(seqs) + 1))
    assert all(p == q for (_s, p, _h), (_t, _p, q) in zip(seqs[1:], seqs, strict=False))
    head = ChainHead.objects.get()
    assert (head.seq, head.hash) == (seqs[-1][0], seqs[-1][2])
    code, report = _verify(run)
    assert code == 0 and report["intact"] and report["first_broken"] is None
    assert report["head"] == {"seq": head.seq, "hash": head.hash}
    code, out, _ = run("audit", "verify")
    assert code == 0 and out.startswith("audit log intact:")


def test_an_entry_edited_in_the_database_is_found(world, run):
    _writes(world)
    e = _some_entry()
    after = dict(e.after or {}, first_name="Somebody else")
    with behind_tocsins_back() as cur:
        cur.execute("UPDATE audit_auditevent SET after = %s WHERE id = %s",
                    [json.dumps(after), e.pk])
    code, report = _verify(run)
    assert code == 1 and not report["intact"]
    assert report["first_broken"]["id"] == e.pk and "altered" in report["first_broken"]["problem"]
    code, _out, err = run("audit", "verify")
    assert code == 1 and f"entry #{e.pk} (seq {e.seq})" in err.splitlines()[0]


def test_an_entry_edited_with_its_hash_recomputed_without_the_key_is_found(world, run):
    """The attacker knows the scheme but not the audit key: a plain SHA-256 (or an HMAC
    with a guessed key) of the edited entry does not pass."""
    import hashlib

    from tocsin.web.audit.chain import FIELDS, canonical
    from tocsin.web.audit.models import AuditEvent

    _writes(world)
    e = _some_entry()
    with behind_tocsins_back() as cur:
        cur.execute("UPDATE audit_auditevent SET actor_name = %s WHERE id = %s",
                    ["nobody", e.pk])
        row = AuditEvent.objects.filter(pk=e.pk).values(*FIELDS).get()
        cur.execute("UPDATE audit_auditevent SET hash = %s WHERE id = %s",
                    [hashlib.sha256(canonical(row)).hexdigest(), e.pk])
    code, report = _verify(run)
    assert code == 1 and report["first_broken"]["id"] == e.pk


def test_a_deleted_entry_is_found(world, run):
    _writes(world)
    e = _some_entry()
    with behind_tocsins_back() as cur:
        cur.execute("DELETE FROM audit_auditevent WHERE id = %s", [e.pk])
    code, report = _verify(run)
    assert code == 1
    first = report["first_broken"]
    assert first["seq"] == e.seq + 1 and f"entry {e.seq} of the chain are gone" in first["problem"]


def test_the_newest_entry_deleted_is_found(world, run):
    from tocsin.web.audit.models import AuditEvent

    _writes(world)
    last = AuditEvent.objects.exclude(seq=None).order_by("-seq").first()
    with behind_tocsins_back() as cur:
        cur.execute("DELETE FROM audit_auditevent WHERE id = %s", [last.pk])
    code, report = _verify(run)
    assert code == 1 and "newest 1 entry" in report["first_broken"]["problem"]


@pytest.mark.parametrize("how", ["unchained", "forged"])
def test_an_inserted_entry_is_found(world, run, how):
    from tocsin.web.audit.models import AuditEvent, ChainHead

    _writes(world)
    head = ChainHead.objects.get()
    with behind_tocsins_back() as cur:
        if how == "unchained":
            cur.execute("INSERT INTO audit_auditevent (at, actor_name, action, object_type, "
                        "object_id, country, prev_hash, hash) VALUES (%s, 'admin', 'delete', "
                        "'evidence', '1', '', '', '')", ["2026-01-01T00:00:00+00:00"])
        else:  # in the chain's next place, linked to the head, with a made-up hash
            cur.execute("INSERT INTO audit_auditevent (at, actor_name, action, object_type, "
                        "object_id, country, seq, prev_hash, hash) VALUES (%s, 'admin', "
                        "'delete', 'evidence', '1', '', %s, %s, %s)",
                        ["2026-01-01T00:00:00+00:00", head.seq + 1, head.hash, "f" * 64])
            cur.execute("UPDATE audit_chainhead SET seq = %s, hash = %s",
                        [head.seq + 1, "f" * 64])
    inserted = AuditEvent.objects.order_by("-pk").first()
    code, report = _verify(run)
    assert code == 1 and report["first_broken"]["id"] == inserted.pk
    # ... and a later write does not adopt it into the chain.
    _writes(world, 1)
    code, report = _verify(run)
    assert code == 1 and report["first_broken"]["id"] == inserted.pk


def test_a_key_file_of_another_site_does_not_verify(world, run, settings, tmp_path):
    from tocsin import vault

    _writes(world)
    settings.MEDIA_ROOT = str(tmp_path / "uploads")  # its own home: a new key file
    vault.forget_cache()
    try:
        code, report = _verify(run)
    finally:
        vault.forget_cache()
    assert code == 1 and report["first_broken"]["seq"] == 1


# --- concurrent writers: separate processes, a real database ---------------------------
TOCSIN = [sys.executable, "-c", "from tocsin.cli import entry; entry()"]
# SQLite's deferred transactions may refuse a writer ("database is locked") when two
# upgrade their read lock at once; the refused one is rolled back whole (its audit entry
# with it) and tries again, as a client would.
WRITER = """
import time
from django.contrib.auth import get_user_model
from django.db import OperationalError, transaction
u = get_user_model().objects.get(username="writer")
for i in range(25):
    for attempt in range(200):
        try:
            with transaction.atomic():
                u.first_name = "NAME-" + str(i)
                u.save()
            break
        except OperationalError:
            time.sleep(0.02)
    else:
        raise SystemExit("gave up")
""".strip()


def _env(home: Path, url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOCSIN_", "DJANGO_"))}
    env["TOCSIN_HOME"] = str(home)
    if url:
        env["TOCSIN_DATABASE_URL"] = url
    return env


def _fresh_postgres_database(url: str) -> str:
    """A database of its own on the test cluster (the role may create databases)."""
    import psycopg

    name = f"tocsin_chain_{uuid.uuid4().hex[:8]}"
    base = url.rsplit("/", 1)[0]
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


@pytest.mark.slow
def test_concurrent_writers_never_fork_the_chain(tmp_path):
    url = os.environ.get("TOCSIN_TEST_DATABASE_URL")
    if url:
        url = _fresh_postgres_database(url)
    home = tmp_path / "home"
    env = _env(home, url)
    r = subprocess.run([*TOCSIN, "manage", "migrate", "-v", "0"], env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([*TOCSIN, "manage", "shell", "--no-imports", "-c",
                        "from django.contrib.auth import get_user_model; "
                        "get_user_model().objects.create_user('writer')"],
                       env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    writers, each = 4, 25
    procs = [subprocess.Popen([*TOCSIN, "manage", "shell", "--no-imports", "-c",
                               WRITER.replace("NAME", f"w{n}")], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for n in range(writers)]
    for p in procs:
        _out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    r = subprocess.run([*TOCSIN, "audit", "verify", "--format", "json"], env=env,
                       capture_output=True, text=True, timeout=600)
    report = json.loads(r.stdout)
    assert r.returncode == 0 and report["intact"], report["problems"]
    assert report["entries"] >= writers * each + 1
    assert report["head"]["seq"] == report["entries"]  # one line: 1, 2, ... without a fork
