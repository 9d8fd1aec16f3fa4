"""Two-factor enforced for administrators and focal points (issue 16): where it is
required (TOCSIN_REQUIRE_TWO_FACTOR, on in production), one without a confirmed
authenticator is sent to set it up before anything else, and never reaches an
assessment, the audit log or the people page (nor the API); one with an authenticator
must have used it for the session. Elsewhere, and for the other roles, nothing changes."""

from __future__ import annotations

import json

import pytest

from tests.web.live import in_site
from tests.web.world import PASSWORD

SETUP = "/accounts/two-factor/"


def current_code(device) -> str:
    from django_otp.oath import TOTP

    t = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{t.token():0{device.digits}d}"


def protected(w) -> list[str]:
    ken = w.ken.pk
    return ["/", f"/assessments/{ken}/", f"/assessments/{ken}/rate/",
            f"/assessments/{ken}/members/", f"/evidence/{w.public.pk}/file/", "/audit/",
            "/audit/export.csv", "/accounts/users/", "/accounts/invite/", "/api/tokens/",
            "/accounts/password/", "/inbox/", "/tracker/"]


def set_up_two_factor(client, user):
    """What the person does on the two-factor page: start, scan, type the code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    assert client.post(SETUP, {"action": "start"}).status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    resp = client.post(SETUP, {"action": "confirm", "token": current_code(device)})
    assert resp.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


@pytest.mark.parametrize("who", ["admin", "focal"])
def test_required_two_factor_comes_before_anything_else(client, world, settings, who):
    settings.TWO_FACTOR_REQUIRED = True
    user = world.users[who]
    client.force_login(user)
    for url in protected(world):
        resp = client.get(url)
        assert resp.status_code == 302 and resp["Location"] == SETUP, (url, resp.status_code)
    # Writes too: nothing is done before two-factor is set up.
    resp = client.post(f"/assessments/{world.ken.pk}/status/", {"action": "submit"})
    assert resp.status_code == 302 and resp["Location"] == SETUP
    world.ken.refresh_from_db()
    assert world.ken.status == "draft"
    page = client.get(SETUP)
    assert page.status_code == 200 and "Set up two-factor authentication first" in \
        page.content.decode()
    # Once it is set up (and used for this session), the pages are theirs again.
    set_up_two_factor(client, user)
    ok = {"admin": ["/audit/", "/accounts/users/", f"/assessments/{world.ken.pk}/"],
          "focal": [f"/assessments/{world.ken.pk}/", f"/assessments/{world.ken.pk}/members/"]}
    for url in ok[who]:
        assert client.get(url).status_code == 200, url


def test_an_authenticator_not_used_for_the_session_means_logging_in_again(client, world,
                                                                           settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.TWO_FACTOR_REQUIRED = True
    device = TOTPDevice.objects.create(user=world.users["focal"], name="phone", confirmed=True)
    client.force_login(world.users["focal"])  # a session without the code
    url = f"/assessments/{world.ken.pk}/"
    resp = client.get(url)
    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    resp = client.post("/accounts/login/", {"username": "focal", "password": PASSWORD,
                                            "otp_token": current_code(device), "next": url})
    assert resp.status_code == 302 and resp["Location"] == url
    assert client.get(url).status_code == 200


def test_the_api_is_refused_until_two_factor_is_set_up(client, watch_world, settings):
    settings.TWO_FACTOR_REQUIRED = True
    w = watch_world
    url = f"/api/v1/assessments/{w.mmr.pk}"
    resp = client.get(url, HTTP_AUTHORIZATION=f"Bearer {w.tokens['focal_mmr']}")
    assert resp.status_code == 403 and "two-factor" in json.loads(resp.content)["detail"]
    resp = client.post(f"/api/v1/alerts/{w.mmr_alert.pk}/status",
                       json.dumps({"to": "acknowledged"}), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {w.tokens['focal_mmr']}")
    assert resp.status_code == 403
    w.mmr_alert.refresh_from_db()
    assert w.mmr_alert.status == "new"
    # The other roles are not asked for it.
    resp = client.get(url, HTTP_AUTHORIZATION=f"Bearer {w.tokens['assessor_mmr']}")
    assert resp.status_code == 200


def test_other_roles_and_sites_that_do_not_require_it(client, world, settings):
    settings.TWO_FACTOR_REQUIRED = True
    for who in ("viewer", "assessor", "contributor"):
        client.force_login(world.users[who])
        assert client.get(f"/assessments/{world.ken.pk}/").status_code == 200, who
    settings.TWO_FACTOR_REQUIRED = False
    client.force_login(world.users["admin"])
    assert client.get("/audit/").status_code == 200
    assert client.get("/accounts/users/").status_code == 200
    client.force_login(world.users["focal"])
    assert client.get(f"/assessments/{world.ken.pk}/").status_code == 200


@pytest.mark.slow
def test_required_in_production_by_default(tmp_path):
    show = "from django.conf import settings; print(settings.TWO_FACTOR_REQUIRED)"
    prod = {"TOCSIN_ENV": "production", "TOCSIN_SECRET_KEY": "k" * 20 + "Q7x!" * 10,
            "TOCSIN_ALLOWED_HOSTS": "tocsin.example"}
    assert in_site(tmp_path / "p", show, **prod).split()[-1] == "True"
    assert in_site(tmp_path / "p", show, **prod, TOCSIN_REQUIRE_TWO_FACTOR="off"
                   ).split()[-1] == "False"
    assert in_site(tmp_path / "d", show).split()[-1] == "False"
    assert in_site(tmp_path / "d", show, TOCSIN_REQUIRE_TWO_FACTOR="1").split()[-1] == "True"
