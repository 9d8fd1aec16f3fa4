"""The REST API: a schemathesis fuzz run against its OpenAPI schema finds no server
error; tokens; exports keep sensitive evidence from those who may not see it."""

from __future__ import annotations

import json

import pytest

EXAMPLES = 12  # per operation, mode and user: enough to cross every parameter's types


def _send(client, case, token):
    from schemathesis.core import NotSet

    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    for k, v in (case.headers or {}).items():
        if k.lower() != "authorization":
            headers["HTTP_" + k.upper().replace("-", "_")] = str(v)
    query = {k: v for k, v in (case.query or {}).items()}
    path = case.formatted_path
    if case.method.upper() == "GET":
        return client.get(path, query, **headers)
    body = None if isinstance(case.body, NotSet) else case.body
    from urllib.parse import urlencode

    if query:
        path += "?" + urlencode(query, doseq=True)
    # Negative cases may carry a body that is not JSON at all: send it as it is.
    data = body if isinstance(body, bytes) else json.dumps(body, default=str)
    return client.generic(case.method.upper(), path, data, "application/json", **headers)


@pytest.mark.slow
@pytest.mark.parametrize("user", ["admin", "assessor_mmr"])
def test_schemathesis_fuzz_finds_no_server_error(client, watch_world, user):
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis import GenerationMode

    from tocsin.web.api.api import api

    schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
    token = watch_world.tokens[user]
    errors, sent = [], 0
    for result in schema.get_all_operations():
        op = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=EXAMPLES, database=None, deadline=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(op.as_strategy(generation_mode=mode))
            def run(case):
                nonlocal sent
                resp = _send(client, case, token)
                if resp.streaming:
                    b"".join(resp.streaming_content)
                sent += 1
                if resp.status_code >= 500:
                    errors.append(f"{case.method} {case.formatted_path} {case.query} "
                                  f"{case.body!r}: {resp.status_code}")

            run()
    assert sent > 17 * EXAMPLES, sent
    assert not errors, "\n".join(errors[:20])


def test_openapi_schema_lists_every_resource(client, watch_world):
    schema = client.get("/api/v1/openapi.json").json()
    paths = set(schema["paths"])
    for p in ("/api/v1/countries", "/api/v1/forecasts", "/api/v1/alerts",
              "/api/v1/assessments", "/api/v1/events", "/api/v1/export/evidence"):
        assert p in paths
    assert "BearerAuth" in json.dumps(schema["components"]["securitySchemes"]) or \
        "bearer" in json.dumps(schema["components"]["securitySchemes"]).lower()


def test_bad_and_revoked_tokens_are_refused(client, watch_world):
    from tocsin.web.api.models import ApiToken

    assert client.get("/api/v1/countries",
                      HTTP_AUTHORIZATION="Bearer tcs_nonsense").status_code == 401
    token = watch_world.tokens["viewer"]
    ok = client.get("/api/v1/countries", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert ok.status_code == 200 and ok.json()[0]["probability"] is not None
    ApiToken.objects.filter(user=watch_world.users["viewer"]).delete()
    assert client.get("/api/v1/countries",
                      HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    # only the hash is stored
    assert not ApiToken.objects.filter(token_hash=watch_world.tokens["admin"]).exists()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_evidence_export_keeps_sensitive_evidence_from_others(client, watch_world, fmt):
    secret = "Witness W-17 saw the militia meeting"  # sensitive, added by "assessor" on KEN
    seen = {}
    for role in ("admin", "focal", "viewer", "assessor", "assessor2", "contributor",
                 "focal_uga"):
        resp = client.get(f"/api/v1/export/evidence?format={fmt}",
                          HTTP_AUTHORIZATION=f"Bearer {watch_world.tokens[role]}")
        assert resp.status_code == 200
        seen[role] = secret in resp.content.decode()
    assert {r for r, s in seen.items() if s} == {"focal", "assessor"}


def test_assessment_document_only_owners_get_sensitive(client, watch_world):
    secret = "Witness W-17 saw the militia meeting"
    for role, expect in (("focal", True), ("viewer", False), ("assessor", False)):
        resp = client.get(f"/api/v1/assessments/{watch_world.ken.pk}",
                          HTTP_AUTHORIZATION=f"Bearer {watch_world.tokens[role]}")
        assert resp.status_code == 200
        assert (secret in resp.content.decode()) is expect, role
        assert resp.json()["sensitive_evidence_included"] is expect


def test_events_are_paged_and_filtered(client, watch_world):
    h = {"HTTP_AUTHORIZATION": f"Bearer {watch_world.tokens['viewer']}"}
    first = client.get("/api/v1/events?country=MMR&limit=10", **h).json()
    second = client.get("/api/v1/events?country=MMR&limit=10&offset=10", **h).json()
    assert first["count"] == second["count"] > 20
    assert len(first["items"]) == 10
    assert not {e["uid"] for e in first["items"]} & {e["uid"] for e in second["items"]}
    assert all(e["country"] == "MMR" for e in first["items"])
    dated = client.get("/api/v1/events?country=MMR&from=2021-03-01&to=2021-03-31&limit=1000",
                       **h).json()
    assert dated["items"] and all("2021-03-01" <= e["event_date"] <= "2021-03-31"
                                  for e in dated["items"])
    csv_text = b"".join(client.get("/api/v1/export/events?country=MMR", **h)
                        .streaming_content).decode()
    assert csv_text.count("\n") == first["count"] + 1  # header + one line per event


def test_alert_status_through_the_api_uses_the_lifecycle_rules(client, watch_world):
    h = {"HTTP_AUTHORIZATION": f"Bearer {watch_world.tokens['focal_mmr']}"}
    url = f"/api/v1/alerts/{watch_world.mmr_alert.pk}/status"
    r = client.post(url, '{"to": "dismissed"}', content_type="application/json", **h)
    assert r.status_code == 400 and "reason" in r.json()["detail"]
    r = client.post(url, '{"to": "closed"}', content_type="application/json", **h)
    assert r.status_code == 200 and r.json()["status"] == "closed"
    r = client.post(url, '{"to": "acknowledged"}', content_type="application/json", **h)
    assert r.status_code == 400  # a closed alert stays closed


def test_country_codes_are_checked_against_the_known_countries(client, watch_world):
    h = {"HTTP_AUTHORIZATION": f"Bearer {watch_world.tokens['viewer']}"}
    # ISO3 in either case
    assert client.get("/api/v1/countries/mmr", **h).json()["country"] == "MMR"
    rows = client.get("/api/v1/forecasts?country=mmr", **h).json()
    assert rows and {r["country"] for r in rows} == {"MMR"}
    # three letters, but no country Tocsin knows: refused, naming the parameter
    r = client.get("/api/v1/forecasts?country=QQQ", **h)
    assert r.status_code == 400 and "country" in r.json()["detail"]
    for path in ("/api/v1/alerts?country=QQQ", "/api/v1/assessments?country=QQQ",
                 "/api/v1/events?country=QQQ", "/api/v1/export/events?country=QQQ"):
        assert client.get(path, **h).status_code == 400, path
    assert client.get("/api/v1/countries/QQQ", **h).status_code == 404
    # not three letters: the schema's pattern
    assert client.get("/api/v1/forecasts?country=MM1", **h).status_code == 422


def test_evidence_by_framework_reference_is_stored_by_id(client, watch_world):
    """An indicator named as alerts name it ("un-foa-2014:1.1") is resolved by the
    framework: the rating is the indicator's, by its id."""
    w = watch_world
    h = {"HTTP_AUTHORIZATION": f"Bearer {w.tokens['assessor_mmr']}"}
    ref = f"{w.mmr.framework_id}:{w.indicator}"
    r = client.post(f"/api/v1/assessments/{w.mmr.pk}/indicators/{ref}/evidence",
                    json.dumps({"text": "From the API"}), content_type="application/json", **h)
    assert r.status_code == 201, r.content
    assert r.json()["item"] == w.indicator
    r = client.post(f"/api/v1/assessments/{w.mmr.pk}/indicators/other-doc:{w.indicator}/evidence",
                    json.dumps({"text": "From the API"}), content_type="application/json", **h)
    assert r.status_code == 400 and "is not of" in r.json()["detail"]
    r = client.post(f"/api/v1/alerts/{w.mmr_alert.pk}/evidence",
                    json.dumps({"assessment": w.mmr.pk, "indicator": ref}),
                    content_type="application/json", **h)
    assert r.status_code == 201 and r.json()["item"] == w.indicator
