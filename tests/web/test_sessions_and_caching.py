"""What the site leaves behind (issue 16): anonymous visits wrote a session row each (the
CSRF token was kept in the session, and every page has a form), so a script could fill
the session table; and pages showing sensitive evidence could be kept by a browser's or
a proxy's cache. Every URL is also checked by the authorisation walk (urlwalk.judge)."""

from __future__ import annotations

import re

from django.test import Client

from tests.web.world import PASSWORD

VISITS = 50


def sessions() -> int:
    from django.contrib.sessions.models import Session

    return Session.objects.count()


def test_anonymous_visits_write_no_session(world):
    from tocsin.web.accounts.models import Invitation

    _inv, token = Invitation.issue(email="n@test.invalid", name="N", role="viewer",
                                   country="KEN")
    before = sessions()
    for i in range(VISITS):
        visitor = Client()  # a new visitor each time, as a script would be
        assert visitor.get("/accounts/login/").status_code == 200
        if i % 10 == 0:
            assert visitor.get(f"/accounts/invitation/{token}/").status_code == 200
            assert visitor.get("/no/such/page/").status_code == 404
            assert visitor.get(f"/assessments/{world.ken.pk}/").status_code == 302
            visitor.get("/accounts/login/")
            assert visitor.post("/i18n/setlang/", {"language": "fr", "next": "/"}
                                ).status_code == 302
            # A failed login writes no session either (django-axes counts it elsewhere).
            visitor.post("/accounts/login/", {"username": "nobody", "password": "x"})
    assert sessions() - before == 0


def test_logging_in_still_checks_csrf_and_makes_one_session(world):
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get("/accounts/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    cookie = visitor.cookies["csrftoken"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    before = sessions()
    assert visitor.post("/accounts/login/", {"username": "viewer", "password": PASSWORD}
                        ).status_code == 403  # no token: refused
    resp = visitor.post("/accounts/login/", {"username": "viewer", "password": PASSWORD,
                                             "csrfmiddlewaretoken": token})
    assert resp.status_code == 302 and sessions() - before == 1


def no_store(resp) -> bool:
    value = resp.get("Cache-Control", "")
    parts = {p.strip() for p in value.split(",")}
    return {"no-store", "private"} <= parts


def test_pages_with_evidence_are_never_cached(client, watch_world):
    w = watch_world
    ken = w.ken.pk
    client.force_login(w.users["focal"])
    for url in (f"/assessments/{ken}/", f"/assessments/{ken}/rate/",
                f"/assessments/{ken}/gaps/", f"/assessments/{ken}/scores/",
                f"/assessments/{ken}/members/", f"/assessments/{ken}/export.yaml",
                f"/evidence/{w.sensitive.pk}/file/", "/", "/accounts/evidence/",
                "/inbox/", "/countries/", "/tracker/", "/api/tokens/"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert no_store(resp), (url, resp.get("Cache-Control"))
    api = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {w.tokens['focal']}"}
    for url in (f"/api/v1/assessments/{ken}", "/api/v1/assessments",
                "/api/v1/export/evidence?format=json", "/api/v1/alerts"):
        resp = api.get(url, **headers)
        assert resp.status_code == 200, url
        assert no_store(resp), (url, resp.get("Cache-Control"))
    # Refusals and the login page too: nothing the site says is kept.
    for url in (f"/assessments/{ken}/", "/accounts/login/", f"/api/v1/assessments/{ken}"):
        assert no_store(Client().get(url)), url
    # Files without user data may be cached.
    assert "public" in Client().get("/favicon.ico")["Cache-Control"]
