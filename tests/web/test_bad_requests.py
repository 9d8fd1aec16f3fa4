"""Requests a probe sends to make the site fail (issue 16): an unknown Host in production
is a 400 with the site's page and one line in the log, never a 500 and a traceback; an
impossible date (2024-02-30) typed in any date field of the site or the API is a form
error, never a 500."""

from __future__ import annotations

import http.client
import json

import pytest

from tests.web.live import Site

BAD_DATE = "2024-02-30"
KEY = "k" * 20 + "Q7x!" * 10


@pytest.mark.slow
def test_unknown_host_in_production_is_the_sites_400_without_a_traceback(tmp_path):
    env = {"TOCSIN_ENV": "production", "TOCSIN_SECRET_KEY": KEY,
           "TOCSIN_ALLOWED_HOSTS": "tocsin.example"}
    with Site(tmp_path, **env) as site:
        answers = {}
        for host in ("evil.example", "tocsin.example"):
            for path in ("/accounts/login/", "/", "/assessments/1/"):
                conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=60)
                conn.request("GET", path, headers={"Host": host})
                r = conn.getresponse()
                answers[host, path] = (r.status, r.read().decode("utf-8", "replace"))
                conn.close()
    for path in ("/accounts/login/", "/", "/assessments/1/"):
        status, body = answers["evil.example", path]
        assert status == 400, (path, status, body[:500])
        assert "Bad request" in body and "/static/tocsin/site.css" in body  # the site's page
        # The known host is sent on to HTTPS, as production does.
        assert answers["tocsin.example", path][0] == 301
    assert "Traceback" not in site.output, site.output
    lines = [ln for ln in site.output.splitlines() if "evil.example" in ln]
    assert lines and all("WARNING django.security.DisallowedHost" in ln for ln in lines), lines


@pytest.fixture
def items(world):
    from tocsin.web.assessments import convert

    fw = convert.framework(world.ken.framework_id)
    return fw.risk_factors[0].indicators[0].id, fw.triggers[0].id


def no_server_error(resp, where):
    assert resp.status_code < 500, f"{where}: {resp.status_code}"


def test_an_impossible_date_in_a_site_form_is_a_form_error(client, world, items):
    ind, trig = items
    ken = world.ken.pk
    client.force_login(world.users["focal"])
    resp = client.post("/assessments/new/", {
        "country": "KEN", "framework": world.ken.framework_id, "title": "T",
        "period_start": BAD_DATE, "period_end": "2024-12-31", "affiliation": "government"})
    no_server_error(resp, "new assessment")
    assert "Enter a valid date" in resp.content.decode()
    resp = client.post("/tracker/KEN/", {"focal_point-status": "done",
                                         "focal_point-date": BAD_DATE})
    no_server_error(resp, "tracker")
    assert resp.status_code == 400 and "Enter a valid date" in resp.content.decode()
    client.force_login(world.users["assessor"])
    resp = client.post(f"/assessments/{ken}/items/indicator/{ind}/evidence/", {
        f"ev-indicator-{ind}-text": "x", f"ev-indicator-{ind}-date": BAD_DATE})
    no_server_error(resp, "evidence")
    assert "Enter a valid date" in resp.content.decode()
    resp = client.post(f"/assessments/{ken}/items/trigger/{trig}/rating/", {
        f"trigger-{trig}-observed": "yes", f"trigger-{trig}-date": BAD_DATE})
    no_server_error(resp, "trigger")
    assert "Enter a valid date" in resp.content.decode()




@pytest.mark.parametrize("query", [f"from={BAD_DATE}", f"to={BAD_DATE}", "from=2024-13-01",
                                   "to=9999-12-31", "from=0001-01-01", "from=0000-01-01",
                                   "from=" + "9" * 400,
                                   "assessment=" + "9" * 30])
def test_impossible_dates_in_the_audit_filters(client, world, query):
    client.force_login(world.users["admin"])
    for url in ("/audit/", "/audit/export.csv"):
        resp = client.get(f"{url}?{query}")
        no_server_error(resp, f"{url}?{query}")
        assert resp.status_code in (200, 400)


def test_impossible_dates_in_the_api(client, watch_world):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {watch_world.tokens['assessor_mmr']}"}
    for url in (f"/api/v1/alerts?since={BAD_DATE}",
                f"/api/v1/events?country=MMR&from={BAD_DATE}",
                f"/api/v1/events?country=MMR&to={BAD_DATE}",
                f"/api/v1/export/events?country=MMR&from={BAD_DATE}"):
        resp = client.get(url, **headers)
        no_server_error(resp, url)
        assert resp.status_code in (400, 422), (url, resp.status_code)
    w = watch_world
    resp = client.post(f"/api/v1/assessments/{w.mmr.pk}/indicators/{w.indicator}/evidence",
                       json.dumps({"text": "x", "date": BAD_DATE}),
                       content_type="application/json", **headers)
    no_server_error(resp, "API evidence")
    assert resp.status_code in (400, 422)
