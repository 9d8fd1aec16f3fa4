"""Every operation of the API, with each user's Bearer token and anonymously, against
the matrix below: the same permissions as the pages (test_authz_watch.py), since the
API asks the same ``tocsin.web.policy``. An operation of the schema that is not
walked here fails ``test_every_api_operation_has_a_rule``."""

from __future__ import annotations

import json
import re

import pytest

from tests.web.test_authz_watch import LOGGED_IN, ROLES, fingerprint
from tests.web.urlwalk import judge, leaks, rolled_back

KEN_READERS = {"admin", "focal", "viewer", "assessor", "assessor2", "contributor"}
MMR_READERS = {"admin", "focal_mmr", "assessor_mmr"}


def api_cases(w):
    """(method, path, body, allowed roles) for every API operation."""
    a, mmr, ken = w.mmr_alert.pk, w.mmr.pk, w.ken.pk
    ind = w.indicator
    v1 = "/api/v1"
    ev = {"text": "From the API", "sensitive": False}
    return [
        ("GET", f"{v1}/openapi.json", None, set(ROLES)),  # it describes, it holds no data
        ("GET", f"{v1}/countries", None, LOGGED_IN),
        ("GET", f"{v1}/countries/MMR", None, LOGGED_IN),
        ("GET", f"{v1}/forecasts?country=MMR", None, LOGGED_IN),
        ("GET", f"{v1}/alerts?status=all", None, LOGGED_IN),
        ("GET", f"{v1}/alerts/{a}", None, LOGGED_IN),
        ("POST", f"{v1}/alerts/{a}/status", {"to": "acknowledged"}, {"admin", "focal_mmr"}),
        ("GET", f"{v1}/alerts/{a}/comments", None, LOGGED_IN),
        ("POST", f"{v1}/alerts/{a}/comments", {"text": "seen"},
         {"admin", "focal_mmr", "assessor_mmr"}),
        ("POST", f"{v1}/alerts/{a}/evidence", {"assessment": mmr, "indicator": ind},
         {"assessor_mmr"}),
        ("GET", f"{v1}/assessments", None, LOGGED_IN),
        ("GET", f"{v1}/assessments/{ken}", None, KEN_READERS),
        ("GET", f"{v1}/assessments/{mmr}", None, MMR_READERS),
        ("POST", f"{v1}/assessments/{ken}/indicators/1.1/evidence", ev,
         {"assessor", "assessor2", "contributor"}),
        ("POST", f"{v1}/assessments/{mmr}/indicators/{ind}/evidence", ev, {"assessor_mmr"}),
        ("GET", f"{v1}/events?country=MMR&limit=5", None, LOGGED_IN),
        # The date parameters, and the export's formats.
        ("GET", f"{v1}/events?country=MMR&from=2021-01-01&to=2021-12-31&limit=5", None,
         LOGGED_IN),
        ("GET", f"{v1}/alerts?status=all&since=2021-01-01", None, LOGGED_IN),
        ("GET", f"{v1}/export/evidence?format=csv", None, LOGGED_IN),
        ("GET", f"{v1}/export/events?country=MMR&from=2021-01-01&to=2021-03-31", None,
         LOGGED_IN),
        ("GET", f"{v1}/export/forecasts?format=json", None, LOGGED_IN),
        ("GET", f"{v1}/export/alerts", None, LOGGED_IN),
        ("GET", f"{v1}/export/evidence?format=json", None, LOGGED_IN),
        ("GET", f"{v1}/export/events?country=MMR", None, LOGGED_IN),
    ]


def test_every_api_operation_has_a_rule(watch_world):
    from tocsin.web.api.api import api

    schema = api.get_openapi_schema()
    ops = {(m.upper(), p) for p, item in schema["paths"].items() for m in item}
    walked = set()
    for method, path, _b, _r in api_cases(watch_world):
        bare = path.split("?")[0]
        for m, p in ops:
            pattern = "^" + "/".join("[^/]+" if s.startswith("{") else s
                                     for s in p.split("/")) + "$"
            if m == method and re.match(pattern, bare):
                walked.add((m, p))
    assert ops - walked == set(), f"API operations not walked: {sorted(ops - walked)}"


@pytest.mark.parametrize("role", ROLES)
def test_walk_api(client, watch_world, role):
    w = watch_world
    headers = {} if role == "anonymous" else {"HTTP_AUTHORIZATION":
                                              f"Bearer {w.tokens[role]}"}
    problems = []
    for method, path, body, allowed in api_cases(w):
        def send(method=method, path=path, body=body):
            if method == "GET":
                return client.get(path, **headers)
            return client.post(path, json.dumps(body), content_type="application/json",
                               **headers)

        resp, before, after = rolled_back(send, fingerprint if method == "POST" else None)
        where = f"{method} {path} as {role}: {resp.status_code}"
        if role in allowed and resp.status_code >= 400:
            problems.append(f"{where}: refused, but the role should have access "
                            f"{resp.content[:200]!r}")
        else:
            problems += judge(where, resp, allowed, role, method, before, after,
                              must_write=True)
        if method == "GET":
            problems += leaks(where, resp, role)
    assert not problems, "\n".join(problems)


def test_api_session_writes_need_csrf(watch_world):
    """A browser session may use the API, but a write without the CSRF token is refused."""
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(watch_world.users["focal_mmr"])
    resp = c.post(f"/api/v1/alerts/{watch_world.mmr_alert.pk}/status", '{"to": "acknowledged"}',
                  content_type="application/json")
    assert resp.status_code in (401, 403)
    watch_world.mmr_alert.refresh_from_db()
    assert watch_world.mmr_alert.status == "new"
