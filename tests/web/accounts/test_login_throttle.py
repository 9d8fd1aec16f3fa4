"""Login throttling against the attacks of issue 16: one address trying a few passwords
on each of many usernames; guessing two-factor codes once the password is known; and
using the code throttle to lock the account's owner out."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.web.world import PASSWORD

ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"


def login(client, username, password, code="", address=ATTACKER):
    return client.post("/accounts/login/", {"username": username, "password": password,
                                            "otp_token": code}, REMOTE_ADDR=address)


@pytest.fixture
def authenticator(world):
    """The focal point's confirmed TOTP device, and a function giving its current code."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=world.users["focal"], name="phone", confirmed=True)

    def code(offset=0):
        t = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        return f"{(int(t.token()) + offset) % 10 ** device.digits:0{device.digits}d}"

    return device, code


def wrong(code) -> str:
    """A code that is not the current one, nor the one before or after (the tolerance)."""
    return code(500_000)


def cool_off():
    """An hour and a minute pass for the login throttle."""
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=61))


def test_one_address_cannot_try_passwords_across_many_usernames(client, world, settings):
    limit = getattr(settings, "AXES_ADDRESS_FAILURE_LIMIT", 20)  # 20: as before the limit
    # Fewer failures per username than the per-username limit, over many usernames.
    names = ["viewer", "assessor", "assessor2", "contributor", "outsider", "focal_uga"]
    tries = 0
    while tries < limit:
        for name in names:
            if tries < limit:
                resp = login(client, name, "not the password")
                tries += 1
    assert resp.status_code == 429, "the address should be paused after its limit"
    # Paused for every username now, even with the right password ...
    resp = login(client, "admin", PASSWORD)
    assert resp.status_code == 429 and "_auth_user_id" not in client.session
    assert "an hour" in resp.content.decode()
    # ... from that address only: the same people log in from elsewhere.
    assert login(client, "viewer", PASSWORD, address=OWNER).status_code == 302
    cool_off()
    assert login(client, "admin", PASSWORD).status_code == 302


def test_a_wrong_two_factor_code_counts_as_a_failed_login(client, world, settings,
                                                           authenticator):
    from tocsin.web.audit.models import AuditEvent

    _device, code = authenticator
    failed_before = AuditEvent.objects.filter(action="login_failed").count()
    statuses = [login(client, "focal", PASSWORD, wrong(code)).status_code
                for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert statuses[-1] == 429, statuses
    # Paused: not even the right code gets in from that address.
    resp = login(client, "focal", PASSWORD, code())
    assert resp.status_code == 429 and "_auth_user_id" not in client.session
    assert (AuditEvent.objects.filter(action="login_failed").count() - failed_before
            >= settings.AXES_FAILURE_LIMIT)


def test_guessing_codes_does_not_lock_the_owner_out(client, world, settings, authenticator):
    device, code = authenticator
    # The attacker knows the password and guesses codes, far more than the limit.
    for _ in range(4 * settings.AXES_FAILURE_LIMIT):
        login(client, "focal", PASSWORD, wrong(code))
    # The owner, from their own address, logs in with their code at once.
    resp = login(client, "focal", PASSWORD, code(), address=OWNER)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    assert client.session.get("otp_device_id")
    client.logout()
    # The attacker's address is paused for an hour, and the page says so ...
    resp = login(client, "focal", PASSWORD, wrong(code))
    assert resp.status_code == 429
    assert "an hour" in resp.content.decode()
    # ... then it resumes by itself (here the password is right and a code is asked for).
    cool_off()
    resp = login(client, "focal", PASSWORD)
    assert resp.status_code == 200 and "Enter the current code" in resp.content.decode()


def test_a_forged_forwarded_for_header_does_not_evade_the_limit(client, world, settings):
    """The address is the connection's (waitress puts the proxy's X-Forwarded-For there
    only from the trusted proxy), never a header the client chose."""
    for n in range(settings.AXES_FAILURE_LIMIT):
        resp = client.post("/accounts/login/", {"username": "viewer", "password": "no"},
                           REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}",
                           HTTP_X_REAL_IP=f"192.0.2.{n + 1}")
    assert resp.status_code == 429
