"""The authorisation walk of part 1 (test_web_authz.py), for the pages and the API
endpoints of part 2: every URL of the countries, inbox, tracker, api_tokens and api
namespaces, as every role and as nobody, against the matrix below.

As in part 1: a URL added without a row here fails ``test_every_part2_url_has_a_rule``;
each request runs in a rolled-back savepoint; a refused write must leave the database
unchanged. The API is walked with each user's Bearer token (and anonymously).
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.web.site2_support import site2  # noqa: F401  (fixture)

NAMESPACES = ("countries", "alerts", "tracker", "api_tokens", "api")
ROLES = ["anonymous", "admin", "focal", "viewer", "assessor", "assessor2", "contributor",
         "focal_uga", "outsider", "focal_mmr", "assessor_mmr"]
LOGGED_IN = set(ROLES) - {"anonymous"}
KEN_READERS = {"admin", "focal", "viewer", "assessor", "assessor2", "contributor"}
MMR_READERS = {"admin", "focal_mmr", "assessor_mmr"}
SENSITIVE_TEXTS = {"Witness W-17 saw the militia meeting": {"focal", "assessor"},
                   "Source in the district office": {"focal", "assessor2"}}


class _Rollback(Exception):
    pass


def part2_names() -> set[str]:
    names = set()

    def walk(patterns, ns):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, ns + [p.namespace] if p.namespace else ns)
            elif isinstance(p, URLPattern) and ns and ns[0] in NAMESPACES:
                assert p.name, f"URL {p.pattern} has no name, so it cannot be checked"
                names.add(":".join(ns + [p.name]))

    walk(get_resolver().url_patterns, [])
    return names


def cases(w):
    """url name -> [(label, kwargs, GET allowed, POST allowed)]; None: 405 / not answered."""
    a = w.mmr_alert.pk
    return {
        "countries:watch_list": [("", {}, LOGGED_IN, None)],
        "countries:country": [("MMR", {"iso3": "MMR"}, LOGGED_IN, None)],
        "alerts:list": [("", {}, LOGGED_IN, None)],
        "alerts:subscription": [("", {}, LOGGED_IN, LOGGED_IN)],
        "alerts:detail": [("", {"pk": a}, LOGGED_IN, None)],
        "alerts:status": [("", {"pk": a}, None, {"admin", "focal_mmr"})],
        "alerts:assign": [("", {"pk": a}, None, {"admin", "focal_mmr"})],
        "alerts:comment": [("", {"pk": a}, None, {"admin", "focal_mmr", "assessor_mmr"})],
        "alerts:evidence": [("", {"pk": a}, None, {"assessor_mmr"})],
        "tracker:overview": [("", {}, LOGGED_IN, None)],
        "tracker:country": [("KEN", {"iso3": "KEN"}, LOGGED_IN, None)],
        "tracker:update": [("KEN", {"iso3": "KEN", "item": "focal_point"}, None,
                            {"admin", "focal"}),
                           ("MMR", {"iso3": "MMR", "item": "rome_statute"}, None,
                            {"admin", "focal_mmr"})],
        "api_tokens:tokens": [("", {}, LOGGED_IN, LOGGED_IN)],
        "api_tokens:revoke": [("viewer's token", {"pk": w.viewer_token_row.pk}, None,
                               {"viewer"})],
    }


def post_data(name, w):
    return {
        "alerts:status": {"to": "acknowledged"},
        "alerts:assign": {"user": w.users["assessor_mmr"].pk},
        "alerts:comment": {"text": "seen"},
        "alerts:evidence": {"assessment": w.mmr.pk, "indicator": w.indicator},
        "alerts:subscription": {"countries": "MMR", "min_severity": "high", "active": "on"},
        "tracker:update": {"focal_point-status": "done", "rome_statute-status": "done"},
        "api_tokens:tokens": {"name": "x"},
    }.get(name, {})


def fingerprint():
    from tocsin.web.alerts.models import (
        Alert,
        AlertChange,
        Assignment,
        EvidenceLink,
        Note,
        Subscription,
    )
    from tocsin.web.api.models import ApiToken
    from tocsin.web.assessments.models import Evidence
    from tocsin.web.tracker.models import Recommendation

    return (sorted(Alert.objects.values_list("pk", "status")), AlertChange.objects.count(),
            sorted(Assignment.objects.values_list("alert_id", "assignee_id")),
            Note.objects.count(), EvidenceLink.objects.count(), Evidence.objects.count(),
            sorted(Subscription.objects.values_list("user_id", "countries", "min_severity")),
            sorted(Recommendation.objects.values_list("country", "item", "status")),
            sorted(ApiToken.objects.values_list("pk", flat=True)))


def denied(resp) -> bool:
    if resp.status_code in (401, 403, 404):
        return True
    return resp.status_code == 302 and resp["Location"].startswith(reverse("accounts:login"))


def api_cases(w):
    """(method, path, body, allowed roles) for every API operation; None = everyone,
    anonymous included (the schema)."""
    a, mmr, ken = w.mmr_alert.pk, w.mmr.pk, w.ken.pk
    ind = w.indicator
    v1 = "/api/v1"
    ev = {"text": "From the API", "sensitive": False}
    return [
        ("GET", f"{v1}/openapi.json", None, set(ROLES)),
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
        ("GET", f"{v1}/export/forecasts?format=json", None, LOGGED_IN),
        ("GET", f"{v1}/export/alerts", None, LOGGED_IN),
        ("GET", f"{v1}/export/evidence?format=json", None, LOGGED_IN),
        ("GET", f"{v1}/export/events?country=MMR", None, LOGGED_IN),
    ]


def test_every_part2_url_has_a_rule(site2):  # noqa: F811
    names = part2_names()
    pages = set(cases(site2))
    api_names = {n for n in names if n.startswith("api:")}
    missing = names - pages - api_names
    assert not missing, f"URLs with no row in the permission matrix: {sorted(missing)}"
    assert not pages - names, f"rules for URLs that no longer exist: {pages - names}"
    # every API operation of the schema is walked
    from tocsin.web.api.views import api

    schema = api.get_openapi_schema()
    ops = {(m.upper(), p) for p, item in schema["paths"].items() for m in item}
    walked = set()
    for method, path, _b, _r in api_cases(site2):
        bare = path.split("?")[0]
        for m, p in ops:
            pattern = "^" + "/".join("[^/]+" if s.startswith("{") else s
                                     for s in p.split("/")) + "$"
            import re

            if m == method and re.match(pattern, bare):
                walked.add((m, p))
    assert ops - walked == set(), f"API operations not walked: {sorted(ops - walked)}"


@pytest.mark.parametrize("role", ROLES)
def test_walk_part2_pages(client, site2, role):  # noqa: F811
    w = site2
    problems = []
    table = cases(w)
    for name in sorted(table):
        for label, kwargs, get_ok, post_ok in table[name]:
            url = reverse(name, kwargs=kwargs)
            for method, allowed in (("GET", get_ok), ("POST", post_ok)):
                client.cookies.clear()
                if role != "anonymous":
                    client.force_login(w.users[role])
                before = fingerprint() if method == "POST" else None
                try:
                    with transaction.atomic():
                        resp = (client.get(url) if method == "GET"
                                else client.post(url, post_data(name, w)))
                        after = fingerprint() if method == "POST" else None
                        raise _Rollback
                except _Rollback:
                    pass
                where = f"{method} {url} ({name} {label}) as {role}: {resp.status_code}"
                if resp.status_code >= 500:
                    problems.append(f"{where}: server error")
                if allowed is None:
                    if resp.status_code != 405 and not denied(resp):
                        problems.append(f"{where}: expected 405 or refusal")
                    continue
                if role in allowed:
                    if denied(resp):
                        problems.append(f"{where}: refused, but the role should have access")
                    elif method == "POST" and before == after:
                        problems.append(f"{where}: allowed but nothing was written")
                elif not denied(resp):
                    problems.append(f"{where}: ALLOWED, but the role must not have access")
                elif method == "POST" and before != after:
                    problems.append(f"{where}: refused but the database changed")
                if method == "GET" and resp.status_code == 200:
                    body = resp.content.decode("utf-8", "replace")
                    for text, who in SENSITIVE_TEXTS.items():
                        if text in body and role not in who:
                            problems.append(f"{where}: shows sensitive evidence {text!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_walk_api(client, site2, role):  # noqa: F811
    import json

    w = site2
    headers = {} if role == "anonymous" else {"HTTP_AUTHORIZATION":
                                              f"Bearer {w.tokens[role]}"}
    problems = []
    for method, path, body, allowed in api_cases(w):
        before = fingerprint() if method == "POST" else None
        try:
            with transaction.atomic():
                if method == "GET":
                    resp = client.get(path, **headers)
                else:
                    resp = client.post(path, json.dumps(body), content_type="application/json",
                                       **headers)
                after = fingerprint() if method == "POST" else None
                raise _Rollback
        except _Rollback:
            pass
        where = f"{method} {path} as {role}: {resp.status_code}"
        if resp.status_code >= 500:
            problems.append(f"{where}: server error")
        if role in allowed:
            if denied(resp) or resp.status_code >= 400:
                problems.append(f"{where}: refused, but the role should have access "
                                f"{resp.content[:200]!r}")
            elif method == "POST" and before == after:
                problems.append(f"{where}: allowed but nothing was written")
        elif not denied(resp):
            problems.append(f"{where}: ALLOWED, but the role must not have access")
        elif method == "POST" and before != after:
            problems.append(f"{where}: refused but the database changed")
        if method == "GET" and resp.status_code == 200 and not resp.streaming:
            text = resp.content.decode("utf-8", "replace")
            for secret, who in SENSITIVE_TEXTS.items():
                if secret in text and role not in who:
                    problems.append(f"{where}: shows sensitive evidence {secret!r}")
        if method == "GET" and resp.status_code == 200 and resp.streaming:
            b"".join(resp.streaming_content)
    assert not problems, "\n".join(problems)


def test_api_session_writes_need_csrf(site2):  # noqa: F811
    """A browser session may use the API, but a write without the CSRF token is refused."""
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(site2.users["focal_mmr"])
    resp = c.post(f"/api/v1/alerts/{site2.mmr_alert.pk}/status", '{"to": "acknowledged"}',
                  content_type="application/json")
    assert resp.status_code in (401, 403)
    site2.mmr_alert.refresh_from_db()
    assert site2.mmr_alert.status == "new"
