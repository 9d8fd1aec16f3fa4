"""The audit log reads as changes in words, paged and filtered, and never shows or exports
a secret (issue 14, item 4; issue 16)."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from django.urls import reverse

from tests.web.world import PASSWORD


def _csv(client, **params) -> str:
    resp = client.get(reverse("audit:export"), params)
    assert resp.status_code == 200
    return b"".join(resp.streaming_content).decode()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_a_rating_change_reads_as_a_change_in_words(client, world):
    from tocsin.web.assessments.models import Rating

    entry = world.ken.assessors.get(user=world.users["assessor"])
    rating = Rating.objects.filter(entry=entry, kind="indicator").first()
    old = rating.data.get("level")
    new = 0 if old == 3 else 3
    client.force_login(world.users["assessor"])
    p = f"indicator-{rating.item}"
    client.post(reverse("assessments:rate_item", args=[world.ken.pk, "indicator", rating.item]),
                {f"{p}-level": str(new), f"{p}-confidence": rating.data.get("confidence", "")})
    client.force_login(world.users["focal"])
    client.post(reverse("assessments:status", args=[world.ken.pk]), {"action": "submit"})
    client.force_login(world.users["admin"])
    resp = client.get(reverse("audit:log"))
    shown = _text(resp.content.decode())
    assert f"level of {rating.item}: {old} → {new}" in shown
    assert "status: draft → in review" in shown
    assert "{" not in shown.split("Changes", 1)[1]  # no JSON dumps
    assert "<pre>" not in resp.content.decode()
    csv = _csv(client)
    assert f"level of {rating.item}: {old} → {new}" in csv


def test_the_log_is_paged_and_filtered(client, world):
    from tocsin.web.audit.models import AuditEvent
    from tocsin.web.audit.views import PER_PAGE

    client.force_login(world.users["admin"])
    for n in range(PER_PAGE + 5):
        world.users["outsider"].first_name = f"Name {n}"
        world.users["outsider"].save()
    resp = client.get(reverse("audit:log"))
    assert len(resp.context["rows"]) == PER_PAGE and resp.context["page"].has_next()
    # By person, object and date.
    resp = client.get(reverse("audit:log"), {"object_type": "user",
                                            "object_id": str(world.users["outsider"].pk)})
    assert all(r["e"].object_type == "user" for r in resp.context["rows"])
    assert resp.context["page"].paginator.count >= PER_PAGE + 5
    resp = client.get(reverse("audit:log"), {"actor": "nobody-like-this"})
    assert resp.context["page"].paginator.count == 0
    today = AuditEvent.objects.first().at.date()
    assert client.get(reverse("audit:log"), {"from": today.isoformat()}
                      ).context["page"].paginator.count > 0
    assert client.get(reverse("audit:log"), {"to": "2000-01-01"}
                      ).context["page"].paginator.count == 0
    resp = client.get(reverse("audit:log"), {"assessment": str(world.ken.pk)})
    assert {r["e"].assessment_id for r in resp.context["rows"]} == {world.ken.pk}


def test_secrets_are_never_shown_nor_exported(client, world):
    """User rows showed a digest of the password hash; tokens and TOTP keys must not
    appear either, even from rows written before (the log is append-only)."""
    from tocsin.web.audit.models import AuditEvent

    user = world.users["viewer"]
    user.set_password("another long passphrase 7")
    user.save()
    ev = AuditEvent.objects.filter(object_type="user", object_id=str(user.pk)).first()
    assert ev.after["password"] == "changed"
    hashed = user.password
    digest = hashlib.sha256(json.dumps(hashed).encode()).hexdigest()
    # An event as an older version wrote it: a digest of the hash, a token's digest.
    AuditEvent.objects.create(actor_name="old", action="update", object_type="user",
                              object_id=str(user.pk), before={"password": "0123456789ab"},
                              after={"password": digest[:12], "token_hash": "f" * 64,
                                     "bin_key": "abcdef0123"})
    client.force_login(world.users["admin"])
    page = client.get(reverse("audit:log")).content.decode()
    csv = _csv(client)
    for body in (page, csv):
        assert hashed not in body and digest[:12] not in body and "0123456789ab" not in body
        assert "f" * 64 not in body and "abcdef0123" not in body
        assert "$argon2" not in body and "md5$" not in body
    assert "password: changed" in _text(page)


def test_sensitive_uploads_leave_no_name_nor_plain_digest(client, world):
    """Issue 16: no original file name of a sensitive upload, no unsalted SHA-256 of
    sensitive text, in the log or its CSV."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tocsin.web.assessments.models import Rating
    from tocsin.web.audit.models import AuditEvent

    entry = world.ken.assessors.get(user=world.users["assessor"])
    item = Rating.objects.filter(entry=entry, kind="indicator").first().item
    client.force_login(world.users["assessor"])
    text = "Witness W-99 named the commander"
    p = f"ev-indicator-{item}"
    resp = client.post(reverse("assessments:add_evidence",
                               args=[world.ken.pk, "indicator", item]),
                       {f"{p}-text": text, f"{p}-sensitive": "on",
                        f"{p}-document": SimpleUploadedFile("W-99 statement.txt", b"she said",
                                                            "text/plain")})
    assert resp.status_code in (200, 302)
    ev = AuditEvent.objects.filter(object_type="evidence", action="create").first()
    assert ev.after["sensitive"] is True
    plain = {hashlib.sha256(json.dumps(v, sort_keys=True).encode()).hexdigest()
             for v in ({"text": text, "sensitive": True}, text)}
    client.force_login(world.users["admin"])
    page = client.get(reverse("audit:log")).content.decode()
    csv = _csv(client)
    for body in (json.dumps(ev.after), page, csv):
        assert "W-99" not in body and "statement" not in body
        assert not any(d in body for d in plain)
    assert "sensitive evidence added" in page
    # Legacy rows (a plain digest and the file's name) are hidden too.
    AuditEvent.objects.create(actor_name="old", action="create", object_type="evidence",
                              object_id="1", after={"sensitive": True, "file": "W-17.pdf",
                                                    "data_sha256": "a" * 64})
    page = client.get(reverse("audit:log")).content.decode()
    csv = _csv(client)
    for body in (page, csv):
        assert "W-17.pdf" not in body and "a" * 64 not in body


@pytest.mark.parametrize("who", ["viewer", "focal"])
def test_only_administrators_read_it(client, world, who):
    client.force_login(world.users[who])
    assert client.get(reverse("audit:log")).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403


def test_a_login_is_logged_without_the_password(client, world):
    from tocsin.web.audit.models import AuditEvent

    client.post(reverse("accounts:login"), {"username": "viewer", "password": PASSWORD})
    assert AuditEvent.objects.filter(action="login", actor_name="viewer").exists()
    assert PASSWORD not in json.dumps(list(AuditEvent.objects.values("before", "after")))
