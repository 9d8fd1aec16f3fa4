"""Linking accounts to an assessment's assessors (the members page), against the attack of
issue 16: a focal point linked himself onto a civil-society assessor's entry, rated in
its name, and silently pushed out the contributor, who lost access to their own
sensitive file.

The rules (``policy.link_refusal``): an entry already linked to a person is re-linked
to someone else by an administrator only, audited, with a notice on the page; a focal
point of the country is never linked to a civil-society entry; the person pushed out
keeps access to the evidence they added.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.fixture
def ken(world):
    from tocsin.web.assessments import convert

    entries = {e.key: e for e in world.ken.assessors.all()}
    fw = convert.framework(world.ken.framework_id)
    world.ind = fw.risk_factors[0].indicators[0].id
    return world, entries


def link(client, w, entry, username, role="assessor"):
    return client.post(f"/assessments/{w.ken.pk}/members/", {
        "link-entry": str(entry.pk), "link-username": username, "link-role": role})


def holder(entry):
    entry.refresh_from_db()
    return entry.user.username if entry.user else None


def contributor_adds_sensitive_file(client, w, entry) -> int:
    from tocsin.web.assessments.models import Evidence

    client.force_login(w.users["contributor"])
    prefix = f"ev-indicator-{w.ind}"
    resp = client.post(f"/assessments/{w.ken.pk}/items/indicator/{w.ind}/evidence/", {
        f"{prefix}-text": "Statement of witness C-3", f"{prefix}-sensitive": "on",
        f"{prefix}-document": SimpleUploadedFile("statement.txt", b"what C-3 saw")})
    assert resp.status_code in (200, 302), resp.content.decode()[:500]
    ev = max(Evidence.objects.filter(rating__entry=entry), key=lambda e: e.pk)
    assert ev.data["text"] == "Statement of witness C-3"
    return ev.pk


def test_focal_point_cannot_take_a_civil_society_entry(client, ken):
    w, entries = ken
    cso = entries["cso-c"]  # the contributor's entry
    ev = contributor_adds_sensitive_file(client, w, cso)
    client.force_login(w.users["focal"])
    # The probe's attack: the focal point links himself onto the contributor's entry.
    resp = link(client, w, cso, "focal")
    assert resp.status_code == 200, "refused, with the reason on the form"
    assert "cannot rate as civil society" in resp.content.decode()
    assert holder(cso) == "contributor"
    # Not onto an unlinked civil-society entry either.
    resp = link(client, w, entries["cso-d"], "focal")
    assert "cannot rate as civil society" in resp.content.decode()
    assert holder(entries["cso-d"]) is None
    # Nor may he give someone's entry to another person.
    resp = link(client, w, entries["gov-a"], "outsider")
    assert "only an administrator" in resp.content.decode()
    assert holder(entries["gov-a"]) == "assessor"
    # The contributor still has their entry and their file.
    client.force_login(w.users["contributor"])
    assert client.get(f"/evidence/{ev}/file/").status_code == 200


def test_focal_point_links_an_account_to_a_free_entry(client, ken):
    w, entries = ken
    client.force_login(w.users["focal"])
    resp = link(client, w, entries["cso-d"], "outsider", role="contributor")
    assert resp.status_code == 302
    assert holder(entries["cso-d"]) == "outsider"


def test_administrator_relinks_with_an_audit_record_and_a_notice(client, ken):
    from tocsin.web.audit.models import AuditEvent

    w, entries = ken
    cso = entries["cso-c"]
    ev = contributor_adds_sensitive_file(client, w, cso)
    client.force_login(w.users["admin"])
    resp = link(client, w, cso, "outsider", role="contributor")
    assert resp.status_code == 302
    assert holder(cso) == "outsider"
    page = client.get(resp["Location"]).content.decode()
    assert "contributor no longer rates as" in page and "keeps access" in page
    audit = AuditEvent.objects.filter(object_type="assessorentry", object_id=str(cso.pk),
                                      action="update").latest("pk")
    assert (audit.before["user"], audit.after["user"]) == (w.users["contributor"].pk,
                                                          w.users["outsider"].pk)
    assert audit.actor == w.users["admin"]
    # The person pushed out keeps the evidence they added: listed, and its file.
    client.force_login(w.users["contributor"])
    assert client.get(f"/assessments/{w.ken.pk}/").status_code == 404  # no longer a member
    mine = client.get("/accounts/evidence/").content.decode()
    assert "Statement of witness C-3" in mine and f"/evidence/{ev}/file/" in mine
    resp = client.get(f"/evidence/{ev}/file/")
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == b"what C-3 saw"
    # The new holder of the entry does not see the sensitive evidence of the old one.
    client.force_login(w.users["outsider"])
    assert client.get(f"/evidence/{ev}/file/").status_code == 404


def test_not_even_an_administrator_puts_a_focal_point_on_civil_society(client, ken):
    w, entries = ken
    client.force_login(w.users["admin"])
    resp = link(client, w, entries["cso-d"], "focal")
    assert "cannot rate as civil society" in resp.content.decode()
    assert holder(entries["cso-d"]) is None
