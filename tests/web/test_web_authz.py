"""Every URL of the site, as every role and as nobody, against the permission matrix.

The URLs are enumerated from the URL configuration: a page added without a row in
``RULES`` fails ``test_every_url_has_a_rule``, so no page escapes this test. Each
request runs in a savepoint that is rolled back, so an allowed delete does not
spoil the next request; a refused write must also leave the database unchanged.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tocsin.web.testing import PASSWORD  # noqa: F401  (the world's users share it)

ROLES = ["anonymous", "admin", "focal", "viewer", "assessor", "assessor2", "contributor",
         "focal_uga", "outsider"]
LOGGED_IN = set(ROLES) - {"anonymous"}
KEN_READERS = {"admin", "focal", "viewer", "assessor", "assessor2", "contributor"}
KEN_MEMBERS = {"assessor", "assessor2", "contributor"}
UGA_READERS = {"admin", "focal_uga"}
SENSITIVE_TEXTS = {"Witness W-17 saw the militia meeting": {"focal", "assessor"},
                   "Source in the district office": {"focal", "assessor2"}}


class _Rollback(Exception):
    pass


def url_names() -> set[str]:
    names = set()

    def walk(patterns, ns):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, ns + [p.namespace] if p.namespace else ns)
            elif isinstance(p, URLPattern):
                assert p.name, f"URL {p.pattern} has no name, so it cannot be checked"
                names.add(":".join(ns + [p.name]))

    walk(get_resolver().url_patterns, [])
    return names


def cases(w):
    """url name -> list of (label, kwargs, GET allowed roles, POST allowed roles).
    ``None`` for a method means the view does not answer it (405): not an access."""
    ken, uga = w.ken.pk, w.uga.pk
    ev = {"public": w.public.pk, "sensitive": w.sensitive.pk,
          "other_sensitive": w.other_sensitive.pk, "uga": w.uga_evidence.pk}
    anyone = set(ROLES)
    fw_ind = w.ken_indicator

    def per_assessment(get=None, post=None, extra=None):
        out = []
        for label, pk, readers, owners in (("KEN", ken, KEN_READERS, {"focal"}),
                                           ("UGA", uga, UGA_READERS, {"focal_uga"})):
            who = {"readers": readers, "owners": owners, None: None,
                   "members": KEN_MEMBERS if label == "KEN" else set()}
            out.append((label, {"pk": pk, **(extra or {})}, who[get], who[post]))
        return out

    return {
        "accounts:login": [("", {}, anyone, anyone)],
        # Logging out ends at the login page for everyone: nothing to grant or refuse.
        "accounts:logout": [("", {}, None, None)],
        "accounts:password": [("", {}, LOGGED_IN, LOGGED_IN)],
        "accounts:two_factor": [("", {}, {"admin", "focal", "focal_uga"},
                                 {"admin", "focal", "focal_uga"})],
        "accounts:invite": [("", {}, {"admin", "focal", "focal_uga"},
                             {"admin", "focal", "focal_uga"})],
        "accounts:accept": [("open invitation", {"token": w.token}, anyone, anyone)],
        "accounts:users": [("", {}, {"admin"}, None)],
        "accounts:user_role_add": [("", {"user_id": w.users["viewer"].pk}, None, {"admin"})],
        "accounts:user_role_remove": [("", {"user_id": w.users["viewer"].pk,
                                            "role_id": w.viewer_role.pk}, None, {"admin"})],
        "accounts:user_active": [("", {"user_id": w.users["viewer"].pk}, None, {"admin"})],
        "audit:log": [("", {}, {"admin"}, None)],
        "audit:export": [("", {}, {"admin"}, None)],
        # Django's language switch: sets a cookie and redirects; reads and writes nothing.
        "set_language": [("", {}, anyone, anyone)],
        "assessments:home": [("", {}, LOGGED_IN, None)],
        "assessments:new": [("", {}, {"focal", "focal_uga"}, {"focal", "focal_uga"})],
        "assessments:import": [("", {}, {"focal", "focal_uga"}, {"focal", "focal_uga"})],
        "assessments:detail": per_assessment("readers", None),
        "assessments:scores": per_assessment("readers", None),
        "assessments:gaps": per_assessment("readers", None),
        "assessments:rate": per_assessment("readers", None),
        "assessments:rate_section": per_assessment("readers", None,
                                                 {"section": w.ken_rf}),
        "assessments:members": per_assessment("readers", "owners"),
        "assessments:rate_item": per_assessment(None, "members",
                                              {"kind": "indicator", "item_id": fw_ind}),
        "assessments:add_evidence": per_assessment(None, "members",
                                                 {"kind": "indicator", "item_id": fw_ind}),
        "assessments:status": per_assessment(None, "owners"),
        "assessments:revise": per_assessment(None, "owners"),
        "assessments:delete": per_assessment(None, "owners"),
        "assessments:export": per_assessment("owners", None),
        "assessments:version": per_assessment("owners", None, {"number": 1}),
        "assessments:report": per_assessment("readers", None, {"fmt": "html"}),
        "assessments:evidence_file": [
            ("public", {"pk": ev["public"]}, KEN_READERS, None),
            ("sensitive", {"pk": ev["sensitive"]}, {"focal", "assessor"}, None),
            ("other's sensitive", {"pk": ev["other_sensitive"]}, {"focal", "assessor2"}, None),
            ("other country", {"pk": ev["uga"]}, UGA_READERS, None),
        ],
        "assessments:evidence_delete": [
            ("public", {"pk": ev["public"]}, None, {"focal", "assessor"}),
            ("sensitive", {"pk": ev["sensitive"]}, None, {"focal", "assessor"}),
            ("other's sensitive", {"pk": ev["other_sensitive"]}, None, {"focal", "assessor2"}),
            ("other country", {"pk": ev["uga"]}, None, {"focal_uga"}),
        ],
    }


RULE_NAMES = {
    "accounts:login", "accounts:logout", "accounts:password", "accounts:two_factor",
    "accounts:invite", "accounts:accept", "accounts:users", "accounts:user_role_add",
    "accounts:user_role_remove", "accounts:user_active", "audit:log", "audit:export",
    "set_language",
    "assessments:home", "assessments:new", "assessments:import", "assessments:detail",
    "assessments:scores", "assessments:gaps", "assessments:rate", "assessments:rate_section",
    "assessments:members", "assessments:rate_item", "assessments:add_evidence",
    "assessments:status",
    "assessments:revise", "assessments:delete", "assessments:export", "assessments:version",
    "assessments:report", "assessments:evidence_file", "assessments:evidence_delete",
}


# Walked by test_site2_authz.py (the site's part 2), with its own matrix.
PART2_NAMESPACES = ("countries", "alerts", "tracker", "api_tokens", "api")


def test_every_url_has_a_rule():
    names = {n for n in url_names() if n.split(":", 1)[0] not in PART2_NAMESPACES}
    missing = names - RULE_NAMES
    assert not missing, f"URLs with no row in the permission matrix: {sorted(missing)}"
    assert not RULE_NAMES - names, f"rules for URLs that no longer exist: {RULE_NAMES - names}"


def fingerprint():
    """Enough of the database to see any write: counts, id sums, last modification
    times (a rating's ``updated_at`` moves on every save)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Max, Sum

    from tocsin.web.accounts.models import CountryRole, Invitation
    from tocsin.web.assessments.models import Assessment, AssessorEntry, Evidence, Rating

    def agg(qs, *fields):
        return tuple(qs.aggregate(Count("pk"), Sum("pk"), *(Max(f) for f in fields)).values())

    return (
        sorted(Assessment.objects.values_list("pk", "status", "version", "updated_at")),
        agg(Rating.objects, "updated_at"),
        agg(Evidence.objects),
        sorted(AssessorEntry.objects.values_list("pk", "user_id", "role")),
        sorted(CountryRole.objects.values_list("pk", "user_id", "country", "role")),
        sorted(get_user_model().objects.values_list("pk", "is_active", "is_superuser",
                                                    "password")),
        agg(Invitation.objects),
    )


def denied(resp) -> bool:
    if resp.status_code in (403, 404):
        return True
    if resp.status_code == 302 and resp["Location"].startswith(reverse("accounts:login")):
        return True
    return False


def post_data(name, w):
    """Plausible bodies, so that an allowed request gets past its form to the write."""
    ind = w.ken_indicator
    return {
        "assessments:rate_item": {f"indicator-{ind}-level": "2"},
        "assessments:add_evidence": {f"ev-indicator-{ind}-text": "A source"},
        "assessments:status": {"action": "submit"},
        "accounts:user_role_add": {"role": "viewer", "country": "UGA"},
    }.get(name, {})


@pytest.fixture
def walk_world(world):
    from tocsin.web.accounts.models import CountryRole, Invitation
    from tocsin.web.assessments import convert
    from tocsin.web.assessments.models import Version

    fw = convert.framework(world.ken.framework_id)
    world.ken_rf = fw.risk_factors[0].id
    world.ken_indicator = fw.risk_factors[0].indicators[0].id
    _inv, world.token = Invitation.issue(email="new@test.invalid", name="New", role="viewer",
                                         country="KEN")
    world.viewer_role = CountryRole.objects.get(user=world.users["viewer"], role="viewer")
    for a in (world.ken, world.uga):  # a signed version each, for the version download
        Version.objects.create(assessment=a, number=1, text="country: X\n", sha256="0" * 64)
    return world


@pytest.fixture
def quick_reports(monkeypatch):
    """Reports stand-in: access is what is tested here, not rendering (tested elsewhere).
    It prints every evidence text of the model it is given, so that sensitive evidence
    handed to a report for the wrong reader shows up in the walk's body check."""
    from tocsin.reports import assessment as reports

    def render_html(a, fw, include_sensitive=False):
        return "\n".join(ev.text for _who, _k, _i, ev in a.evidence())

    monkeypatch.setattr(reports, "render_html", render_html)


@pytest.mark.parametrize("role", ROLES)
def test_walk_every_url(client, walk_world, quick_reports, role):
    import copy

    w = walk_world
    if role != "anonymous":
        client.force_login(w.users[role])
    session = copy.deepcopy(client.cookies)
    problems = []
    table = cases(w)
    # URLs without a row fail test_every_url_has_a_rule, with their names.
    for name in sorted(url_names() & set(table)):
        for label, kwargs, get_ok, post_ok in table[name]:
            url = reverse(name, kwargs=kwargs)
            for method, allowed in (("GET", get_ok), ("POST", post_ok)):
                # The same session each time: logging out (or in) must not leak into the
                # next request, whose rollback does not reach the client's cookies.
                client.cookies = copy.deepcopy(session)
                # Only a refused write is checked for changes.
                check = method == "POST" and (allowed is None or role not in allowed)
                before = fingerprint() if check else None
                try:
                    with transaction.atomic():
                        if method == "GET":
                            resp = client.get(url)
                        else:
                            resp = client.post(url, post_data(name, w))
                        after = fingerprint() if check else None
                        raise _Rollback
                except _Rollback:
                    pass
                where = f"{method} {url} ({name} {label}) as {role}: {resp.status_code}"
                if allowed is None:
                    if resp.status_code != 405 and not denied(resp):
                        problems.append(f"{where}: expected 405 or refusal")
                    elif method == "POST" and before != after:
                        problems.append(f"{where}: refused but the database changed")
                    continue
                if role in allowed:
                    if denied(resp):
                        problems.append(f"{where}: refused, but the role should have access")
                else:
                    if not denied(resp):
                        problems.append(f"{where}: ALLOWED, but the role must not have access")
                    elif method == "POST" and before != after:
                        problems.append(f"{where}: refused but the database changed")
                if method == "GET" and resp.status_code == 200 and not resp.streaming:
                    body = resp.content.decode("utf-8", "replace")
                    for text, who in SENSITIVE_TEXTS.items():
                        if text in body and role not in who:
                            problems.append(f"{where}: shows sensitive evidence {text!r}")
    assert not problems, "\n".join(problems)
