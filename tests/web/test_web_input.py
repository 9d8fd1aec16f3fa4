"""Bad input in every form gives a clear message and changes nothing; stored text is
escaped wherever it is shown."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.web.world import PASSWORD

SCRIPT = "<script>alert('x')</script>"


def state():
    from django.contrib.auth import get_user_model

    from tocsin.web.accounts.models import CountryRole, Invitation
    from tocsin.web.assessments.models import Assessment, Evidence, Rating

    return (sorted((r.pk, str(r.data)) for r in Rating.objects.all()),
            Evidence.objects.count(), Assessment.objects.count(),
            sorted(Assessment.objects.values_list("pk", "status")),
            CountryRole.objects.count(), Invitation.objects.count(),
            get_user_model().objects.count())


@pytest.fixture
def ind(world):
    from tocsin.web.assessments import convert

    return convert.framework(world.ken.framework_id).risk_factors[0].indicators[0].id


RATING_CASES = [
    ({"level": "7"}, "Select a valid choice"),
    ({"level": "two"}, "Select a valid choice"),
    ({"level": "2", "confidence": "certain"}, "Select a valid choice"),
    ({"level": "2", "trend": "1"}, "Select a valid choice"),
    ({"level": "2", "comment": "x" * 5001}, "at most 5000 characters"),
    ({}, "This field is required"),
]


@pytest.mark.parametrize("fields,message", RATING_CASES)
def test_bad_rating(client, world, ind, fields, message):
    client.force_login(world.users["assessor"])
    before = state()
    data = {f"indicator-{ind}-{k}": v for k, v in fields.items()}
    resp = client.post(f"/assessments/{world.ken.pk}/items/indicator/{ind}/rating/", data)
    assert resp.status_code == 400
    assert message in resp.content.decode()
    assert state() == before


PDF = b"%PDF-1.4\n%%EOF\n"
EVIDENCE_CASES = [
    ({"text": ""}, None, "This field is required"),
    ({"text": "x" * 2001}, None, "at most 2000 characters"),
    ({"text": "ok", "url": "javascript:alert(1)"}, None, "Enter a valid URL"),
    ({"text": "ok", "url": "ftp://example.org/x"}, None, "Only http and https"),
    ({"text": "ok", "date": "yesterday"}, None, "Enter a valid date"),
    ({"text": "ok", "date": "2999-01-01"}, None, "in the future"),
    ({"text": "ok"}, ("tool.exe", b"MZ\x90\x00"), "are not accepted"),
    ({"text": "ok"}, ("page.html", b"<html>" + SCRIPT.encode()), "are not accepted"),
    ({"text": "ok"}, ("fake.pdf", b"MZ not a pdf"), "not a .pdf file"),
    ({"text": "ok"}, ("notes.txt", b"\x00\x01\x02binary"), "not a .txt file"),
    ({"text": "ok"}, ("big.pdf", PDF + b"0" * 2048), "the limit is"),
]


@pytest.mark.parametrize("fields,upload,message", EVIDENCE_CASES)
def test_bad_evidence(client, world, ind, settings, fields, upload, message):
    settings.MAX_UPLOAD_BYTES = 1024  # the size check, without a 10 MB request
    client.force_login(world.users["assessor"])
    before = state()
    prefix = f"ev-indicator-{ind}"
    data = {f"{prefix}-{k}": v for k, v in fields.items()}
    if upload:
        data[f"{prefix}-document"] = SimpleUploadedFile(upload[0], upload[1])
    resp = client.post(f"/assessments/{world.ken.pk}/items/indicator/{ind}/evidence/", data)
    assert resp.status_code == 400
    assert message in resp.content.decode()
    assert state() == before
    # HTMX gets the same message in place (200, so that htmx swaps it in).
    if upload:
        data[f"{prefix}-document"] = SimpleUploadedFile(upload[0], upload[1])
    resp = client.post(f"/assessments/{world.ken.pk}/items/indicator/{ind}/evidence/", data,
                       headers={"HX-Request": "true"})
    assert message in resp.content.decode() and state() == before


def test_script_in_text_is_stored_and_shown_escaped(client, world, ind):
    client.force_login(world.users["assessor"])
    prefix = f"ev-indicator-{ind}"
    client.post(f"/assessments/{world.ken.pk}/items/indicator/{ind}/evidence/",
                {f"{prefix}-text": SCRIPT, f"{prefix}-url": "https://example.org/?q=<b>"})
    client.post(f"/assessments/{world.ken.pk}/items/indicator/{ind}/rating/",
                {f"indicator-{ind}-level": "1", f"indicator-{ind}-comment": SCRIPT})
    pages = [f"/assessments/{world.ken.pk}/rate/", f"/assessments/{world.ken.pk}/"]
    for who in ("assessor", "focal", "viewer"):
        client.force_login(world.users[who])
        for url in pages:
            body = client.get(url).content.decode()
            assert SCRIPT not in body, (who, url)
        body = client.get(pages[0]).content.decode()
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body


def test_script_in_names_is_escaped_everywhere(client, world):
    from tocsin.web.assessments.models import Assessment

    Assessment.objects.filter(pk=world.ken.pk).update(title=SCRIPT)
    world.ken.assessors.filter(user=world.users["assessor"]).update(name=SCRIPT)
    u = world.users["viewer"]
    u.email = "v@test.invalid"
    u.save()
    for who, urls in {
        "focal": ["/", f"/assessments/{world.ken.pk}/", f"/assessments/{world.ken.pk}/members/",
                  f"/assessments/{world.ken.pk}/rate/", f"/assessments/{world.ken.pk}/gaps/"],
        "admin": ["/audit/", "/accounts/users/"],
    }.items():
        client.force_login(world.users[who])
        for url in urls:
            assert SCRIPT not in client.get(url).content.decode(), url


def test_javascript_url_from_an_imported_file_is_not_a_link(client, world, ind):
    from tocsin.web.assessments.models import Evidence

    Evidence.objects.filter(pk=world.public.pk).update(
        data={"text": "imported", "url": "javascript:alert(1)"})
    client.force_login(world.users["focal"])
    body = client.get(f"/assessments/{world.ken.pk}/rate/").content.decode()
    assert 'href="javascript:' not in body


IMPORT_CASES = [
    ("a.txt", b"country: KEN\n", "Upload a .yaml or .yml file"),
    ("a.yaml", b"\xff\xfe\x00binary", "not UTF-8 text"),
    ("a.yaml", b"country: [unclosed\n", "a.yaml"),
    ("a.yaml", b"- just\n- a list\n", "expected an assessment"),
    ("a.yaml", b"country: XXX\nframework: un-foa-2014\n", "a.yaml"),
]


@pytest.mark.parametrize("name,content,message", IMPORT_CASES)
def test_bad_import(client, world, name, content, message):
    client.force_login(world.users["focal"])
    before = state()
    resp = client.post("/assessments/import/", {"file": SimpleUploadedFile(name, content)})
    assert resp.status_code == 200
    assert message in resp.content.decode()
    assert state() == before


NEW_CASES = [
    ({"country": "UGA"}, "Select a valid choice"),  # not the focal point's country
    ({"framework": "nope"}, "Select a valid choice"),
    ({"period_start": "2024-13-01"}, "Enter a valid date"),
    ({"period_end": "2020-01-01"}, "ends before it starts"),
    ({"title": ""}, "This field is required"),
    ({"affiliation": "army"}, "Select a valid choice"),
]


@pytest.mark.parametrize("change,message", NEW_CASES)
def test_bad_new_assessment(client, world, change, message):
    client.force_login(world.users["focal"])
    data = {"country": "KEN", "framework": world.ken.framework_id, "title": "T",
            "period_start": "2024-01-01", "period_end": "2024-12-31",
            "affiliation": "government", **change}
    before = state()
    resp = client.post("/assessments/new/", data)
    assert resp.status_code == 200
    assert message in resp.content.decode()
    assert state() == before


def test_new_assessment_from_a_framework(client, world):
    from tocsin.web.assessments.models import Assessment

    client.force_login(world.users["focal"])
    resp = client.post("/assessments/new/", {
        "country": "KEN", "framework": world.ken.framework_id, "title": "Kenya 2026",
        "period_start": "2025-01-01", "period_end": "2025-12-31", "affiliation": "government"})
    a = Assessment.objects.get(title="Kenya 2026")
    assert resp["Location"] == f"/assessments/{a.pk}/"
    assert a.assessors.get().user == world.users["focal"]


@pytest.mark.parametrize("data,message", [
    ({"name": "N", "email": "not-an-email", "role": "viewer", "country": "KEN"},
     "Enter a valid email address"),
    ({"name": "N", "email": "n@x.org", "role": "viewer", "country": "XX1"},
     "ISO 3166-1 alpha-3"),
    ({"name": "N", "email": "n@x.org", "role": "viewer", "country": ""},
     "need a country"),
    ({"name": "N", "email": "n@x.org", "role": "administrator", "country": ""},
     "Select a valid choice"),  # a focal point cannot make administrators
    ({"name": "N", "email": "n@x.org", "role": "viewer", "country": "UGA"},
     "only for your own countries"),
])
def test_bad_invitation(client, world, data, message):
    client.force_login(world.users["focal"])
    before = state()
    resp = client.post("/accounts/invite/", data)
    assert message in resp.content.decode()
    assert state() == before


@pytest.mark.parametrize("data,message", [
    ({"username": "a b", "password1": "p" * 20, "password2": "p" * 20}, "letters, digits"),
    ({"username": "focal", "password1": "x7!kq" * 4, "password2": "x7!kq" * 4}, "taken"),
    ({"username": "newbie", "password1": "short", "password2": "short"}, "too short"),
    ({"username": "newbie", "password1": "x7!kq" * 4, "password2": "other" * 4}, "differ"),
])
def test_bad_acceptance(client, world, data, message):
    from tocsin.web.accounts.models import Invitation

    _inv, token = Invitation.issue(email="n@x.org", name="N", role="viewer", country="KEN")
    before = state()
    resp = client.post(f"/accounts/invitation/{token}/", data)
    assert message in resp.content.decode()
    assert state() == before


def test_bad_role_grant(client, world):
    client.force_login(world.users["admin"])
    before = state()
    resp = client.post(f"/accounts/users/{world.users['outsider'].pk}/roles/",
                       {"role": "king", "country": "ZZZ"}, follow=True)
    body = resp.content.decode()
    assert "Select a valid choice" in body and "ISO 3166-1 alpha-3" in body
    assert state() == before


def test_bad_status_step(client, world):
    client.force_login(world.users["focal"])
    before = state()
    resp = client.post(f"/assessments/{world.ken.pk}/status/", {"action": "finalise"},
                       follow=True)
    assert "not possible from here" in resp.content.decode()
    assert state() == before


def test_login_errors_and_lockout(client, world):
    from tocsin.web.audit.models import AuditEvent

    resp = client.post("/accounts/login/", {"username": "viewer", "password": "wrong"})
    assert "Wrong username or password" in resp.content.decode()
    assert AuditEvent.objects.filter(action="login_failed").exists()
    for _ in range(5):
        resp = client.post("/accounts/login/", {"username": "viewer", "password": "wrong"})
    assert resp.status_code == 429
    # Locked: even the right password is refused now.
    resp = client.post("/accounts/login/", {"username": "viewer", "password": PASSWORD})
    assert resp.status_code == 429
    resp = client.post("/accounts/login/", {"username": "focal", "password": PASSWORD})
    assert resp.status_code == 302


def _code(device) -> str:
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_two_factor_for_a_focal_point(client, world):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(world.users["focal"])
    client.post("/accounts/two-factor/", {"action": "start"})
    device = TOTPDevice.objects.get(user=world.users["focal"])
    resp = client.post("/accounts/two-factor/", {"action": "confirm", "token": "12345x"})
    assert "Enter the 6-digit code" in resp.content.decode()
    code = _code(device)
    client.post("/accounts/two-factor/", {"action": "confirm", "token": code})
    assert TOTPDevice.objects.get(user=world.users["focal"]).confirmed
    client.logout()
    resp = client.post("/accounts/login/", {"username": "focal", "password": PASSWORD})
    assert "current code from your authenticator" in resp.content.decode()
    device.refresh_from_db()
    device.last_t = -1  # allow the same time step again for this test
    device.throttle_reset(commit=False)
    device.save()
    code = _code(device)
    resp = client.post("/accounts/login/", {"username": "focal", "password": PASSWORD,
                                            "otp_token": code})
    assert resp.status_code == 302, resp.content.decode()[:2000]


@pytest.mark.parametrize("data,message", [
    ({"inv-name": "N", "inv-email": "nope", "inv-role": "assessor",
      "inv-affiliation": "government"}, "Enter a valid email address"),
    ({"inv-name": "N", "inv-email": "n@x.org", "inv-role": "owner",
      "inv-affiliation": "government"}, "Select a valid choice"),
    ({"link-entry": "999999", "link-username": "viewer", "link-role": "assessor"},
     "Select a valid choice"),
    ({"link-entry": "ENTRY", "link-username": "ghost", "link-role": "assessor"},
     "No active account has that username"),
    ({"link-entry": "ENTRY", "link-username": "assessor2", "link-role": "assessor"},
     "already rates this assessment"),
])
def test_bad_members_forms(client, world, data, message):
    entry = world.ken.assessors.get(user=world.users["assessor"])
    data = {k: (str(entry.pk) if v == "ENTRY" else v) for k, v in data.items()}
    client.force_login(world.users["focal"])
    before = state()
    resp = client.post(f"/assessments/{world.ken.pk}/members/", data)
    assert message in resp.content.decode()
    assert state() == before
