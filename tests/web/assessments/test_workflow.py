"""The assessments end to end with Django's test client: import, rate, evidence,
scores, sign-off, versions, export round trip, reports, audit."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.web.world import EXAMPLE


def _login(client, world, name):
    client.force_login(world.users[name])
    return world.users[name]


def _first_indicator(world):
    from tocsin.web.assessments import convert

    fw = convert.framework(world.ken.framework_id)
    rf = fw.risk_factors[0]
    return rf, rf.indicators[0]


def test_import_export_round_trip_is_lossless(client, world):
    from tocsin.assessment.io import load_assessment, parse_assessment
    from tocsin.web.assessments.models import Assessment

    _login(client, world, "focal")
    text = EXAMPLE.read_text()
    resp = client.post("/assessments/import/",
                       {"file": SimpleUploadedFile("kenya.yaml", text.encode())})
    assert resp.status_code == 302, resp.content[:3000]
    row = Assessment.objects.latest("pk")
    assert row.status == "in-review"  # as in the file
    exported = client.get(f"/assessments/{row.pk}/export.yaml")
    assert exported["Content-Disposition"].startswith("attachment")
    again = parse_assessment(exported.content.decode(), "exported.yaml")
    assert again == load_assessment(EXAMPLE)


def test_imported_file_for_another_country_is_refused(client, world):
    from tocsin.web.assessments.models import Assessment

    _login(client, world, "focal_uga")
    n = Assessment.objects.count()
    resp = client.post("/assessments/import/",
                       {"file": SimpleUploadedFile("kenya.yaml", EXAMPLE.read_bytes())})
    assert resp.status_code == 200
    assert b"you are focal point for UGA only" in resp.content
    assert Assessment.objects.count() == n


def test_rating_changes_the_score_and_is_audited(client, world):
    from tocsin.web.audit.models import AuditEvent

    rf, ind = _first_indicator(world)
    _login(client, world, "assessor")
    url = f"/assessments/{world.ken.pk}/items/indicator/{ind.id}/rating/"
    prefix = f"indicator-{ind.id}"
    scores = []
    for level in ("0", "3"):
        resp = client.post(url, {f"{prefix}-level": level, f"{prefix}-confidence": "high",
                                 f"{prefix}-trend": "worsening",
                                 f"{prefix}-comment": "seen in two districts"},
                           headers={"HX-Request": "true"})
        assert resp.status_code == 200
        assert b"Saved" in resp.content and b'hx-swap-oob="true"' in resp.content
        panel = client.get(f"/assessments/{world.ken.pk}/scores/").content.decode()
        marker = f'data-testid="rf-score-{rf.id}">'
        scores.append(panel.split(marker, 1)[1].split("<", 1)[0])
    assert scores[0] != scores[1]
    ev = AuditEvent.objects.filter(object_type="rating", action="update").first()
    assert ev.actor_name == "assessor"
    assert ev.after["data"]["level"] == 3 and ev.before["data"]["level"] == 0


def test_contributor_cannot_set_a_level(client, world):
    from tocsin.web.assessments.models import Rating

    _rf, ind = _first_indicator(world)
    _login(client, world, "contributor")
    entry = world.ken.assessors.get(user=world.users["contributor"])
    before = Rating.objects.get(entry=entry, kind="indicator", item=ind.id).data
    prefix = f"indicator-{ind.id}"
    resp = client.post(f"/assessments/{world.ken.pk}/items/indicator/{ind.id}/rating/",
                       {f"{prefix}-level": "3", f"{prefix}-comment": "from our monitors"})
    assert resp.status_code == 302
    after = Rating.objects.get(entry=entry, kind="indicator", item=ind.id).data
    assert after.get("level") == before.get("level")
    assert after["comment"] == "from our monitors"


def test_evidence_upload_download_and_sensitivity(client, world):
    from tocsin.web.assessments.models import Evidence

    _rf, ind = _first_indicator(world)
    _login(client, world, "assessor")
    prefix = f"ev-indicator-{ind.id}"
    pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    resp = client.post(f"/assessments/{world.ken.pk}/items/indicator/{ind.id}/evidence/", {
        f"{prefix}-text": "Minutes naming a witness",
        f"{prefix}-date": "2024-05-01",
        f"{prefix}-sensitive": "on",
        f"{prefix}-document": SimpleUploadedFile("minutes.pdf", pdf, "application/pdf"),
    })
    assert resp.status_code == 302, resp.content[:2000]
    ev = Evidence.objects.latest("pk")
    assert ev.sensitive and ev.data["document_hash"].startswith("sha256:")
    got = client.get(f"/evidence/{ev.pk}/file/")
    assert got.status_code == 200
    assert got["Content-Type"] == "application/pdf"
    assert got["Content-Disposition"].startswith("attachment")
    assert b"".join(got.streaming_content) == pdf
    for name, code in (("focal", 200), ("viewer", 404), ("admin", 404), ("assessor2", 404)):
        client.force_login(world.users[name])
        assert client.get(f"/evidence/{ev.pk}/file/").status_code == code, name


def test_workflow_final_is_immutable_and_versioned(client, world):
    from tocsin.assessment.io import parse_assessment
    from tocsin.web.assessments.models import Assessment

    _rf, ind = _first_indicator(world)
    pk = world.ken.pk
    _login(client, world, "focal")
    client.post(f"/assessments/{pk}/status/", {"action": "submit"})
    assert Assessment.objects.get(pk=pk).status == "in-review"
    client.force_login(world.users["assessor"])
    prefix = f"indicator-{ind.id}"
    rate = f"/assessments/{pk}/items/indicator/{ind.id}/rating/"
    assert client.post(rate, {f"{prefix}-level": "2"}).status_code == 403
    client.force_login(world.users["focal"])
    client.post(f"/assessments/{pk}/status/", {"action": "finalise"})
    a = Assessment.objects.get(pk=pk)
    assert a.status == "final"
    v = a.versions.get(number=a.version)
    signed = parse_assessment(v.text, "signed.yaml")
    assert signed.status == "final"
    # Nothing moves a final assessment: no step back, no rating.
    client.post(f"/assessments/{pk}/status/", {"action": "reopen"})
    assert Assessment.objects.get(pk=pk).status == "final"
    client.force_login(world.users["assessor"])
    assert client.post(rate, {f"{prefix}-level": "2"}).status_code == 403
    # A revision is a new draft, version + 1, same ratings, same people.
    client.force_login(world.users["focal"])
    resp = client.post(f"/assessments/{pk}/revise/")
    new = Assessment.objects.get(previous=a)
    assert resp["Location"] == f"/assessments/{new.pk}/"
    assert new.version == a.version + 1 and new.status == "draft"
    assert new.assessors.get(key=a.assessors.get(user=world.users["assessor"]).key).user \
        == world.users["assessor"]


@pytest.mark.slow
@pytest.mark.parametrize("fmt,ctype", [("html", "text/html"), ("pdf", "application/pdf")])
def test_report_download(client, world, fmt, ctype):
    _login(client, world, "viewer")
    resp = client.get(f"/assessments/{world.ken.pk}/report.{fmt}")
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith(ctype)
    assert resp["Content-Disposition"].startswith("attachment")
    if fmt == "pdf":
        assert resp.content.startswith(b"%PDF")
    else:
        assert b"Witness W-17" not in resp.content


@pytest.mark.slow
def test_report_with_sensitive_evidence_only_for_owners(client, world):
    _login(client, world, "focal")
    resp = client.get(f"/assessments/{world.ken.pk}/report.html?sensitive=1")
    assert b"Witness W-17" in resp.content
    _login(client, world, "viewer")
    resp = client.get(f"/assessments/{world.ken.pk}/report.html?sensitive=1")
    assert b"Witness W-17" not in resp.content


def test_verification_status_is_shown_where_indicators_are_rated(client, world):
    rf, _ind = _first_indicator(world)
    _login(client, world, "assessor")
    body = client.get(f"/assessments/{world.ken.pk}/rate/{rf.id}/").content.decode()
    for ind in rf.indicators:
        assert f'<code>{ind.id}</code>' in body
    assert 'class="verif ' in body
    assert body.count('class="verif ') == len(rf.indicators)


def test_invitation_creates_an_assessor(client, world):
    from tocsin.web.assessments.models import AssessorEntry

    _login(client, world, "focal")
    resp = client.post(f"/assessments/{world.ken.pk}/members/", {
        "inv-name": "Amina", "inv-email": "amina@test.invalid", "inv-role": "assessor",
        "inv-affiliation": "nhri"})
    link = resp.content.decode().split('data-testid="invite-link"', 1)[0]
    token_url = link.rsplit('value="', 1)[1].split('"', 1)[0]
    path = token_url.split("testserver", 1)[1]
    client.logout()
    resp = client.post(path, {"username": "amina", "password1": "a long enough passphrase",
                              "password2": "a long enough passphrase"})
    assert resp.status_code == 302
    entry = AssessorEntry.objects.get(user__username="amina")
    assert entry.assessment == world.ken and entry.affiliation == "nhri"
    # The link works once.
    client.logout()
    assert client.get(path).status_code == 404


def test_audit_log_is_append_only_and_exported_safely(client, world):
    from tocsin.web.audit.models import AppendOnly, AuditEvent

    ev = AuditEvent.objects.first()
    with pytest.raises(AppendOnly):
        ev.save()
    with pytest.raises(AppendOnly):
        ev.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.update(action="x")
    # Sensitive evidence is in the log as a keyed digest only (issue 16): no text, no
    # file name, no plain SHA-256 that a guess could confirm.
    sensitive = AuditEvent.objects.filter(object_type="evidence",
                                          object_id=str(world.sensitive.pk)).get()
    assert "Witness" not in str(sensitive.after) and "data_hmac" in sensitive.after
    assert "data_sha256" not in sensitive.after and "note.txt" not in str(sensitive.after)
    _login(client, world, "admin")
    world.users["viewer"].first_name = "=HYPERLINK(\"http://evil\")"
    world.users["viewer"].save()
    csv = b"".join(client.get("/audit/export.csv").streaming_content).decode()
    assert csv.startswith("id,at,actor,action")
    assert "\n=" not in csv and ",=" not in csv
    page = client.get("/audit/?object_type=rating").content.decode()
    assert "Audit log" in page


def test_audit_covers_users_roles_and_deletes(client, world):
    from tocsin.web.audit.models import AuditEvent

    _login(client, world, "admin")
    client.post(f"/accounts/users/{world.users['outsider'].pk}/roles/",
                {"role": "viewer", "country": "UGA"})
    client.post(f"/accounts/users/{world.users['outsider'].pk}/active/")
    assert AuditEvent.objects.filter(object_type="countryrole", action="create",
                                     actor_name="admin").exists()
    ev = AuditEvent.objects.filter(object_type="user", action="update").first()
    assert ev.before["is_active"] is True and ev.after["is_active"] is False
    client.force_login(world.users["assessor"])
    client.post(f"/evidence/{world.public.pk}/delete/")
    gone = AuditEvent.objects.get(object_type="evidence", action="delete",
                                  object_id=str(world.public.pk))
    assert gone.actor_name == "assessor" and gone.before["data"]["text"]


def test_rating_a_measure_and_a_trigger(client, world):
    from tocsin.assessment.io import parse_assessment
    from tocsin.web.assessments import convert

    fw = convert.framework(world.ken.framework_id)
    m, t = fw.resilience_measures[0].id, fw.triggers[0].id
    _login(client, world, "assessor")
    base = f"/assessments/{world.ken.pk}/items"
    r = client.post(f"{base}/measure/{m}/rating/", {
        f"measure-{m}-status": "partial", f"measure-{m}-effectiveness": "low",
        f"measure-{m}-comment": "only in the capital"})
    assert r.status_code == 302
    r = client.post(f"{base}/trigger/{t}/rating/", {
        f"trigger-{t}-observed": "yes", f"trigger-{t}-date": "2024-06-01"})
    assert r.status_code == 302
    for section in ("measures", "triggers"):
        assert client.get(f"/assessments/{world.ken.pk}/rate/{section}/").status_code == 200
    _login(client, world, "focal")
    a = parse_assessment(client.get(f"/assessments/{world.ken.pk}/export.yaml")
                         .content.decode(), "x.yaml")
    me = next(x for x in a.assessors
              if x.id == world.ken.assessors.get(user=world.users["assessor"]).key)
    assert (me.measures[m].status, me.measures[m].effectiveness) == ("partial", "low")
    assert me.measures[m].comment == "only in the capital"
    assert me.triggers[t].observed is True and str(me.triggers[t].date) == "2024-06-01"
