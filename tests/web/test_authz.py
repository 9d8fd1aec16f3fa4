"""Every URL of the site outside the watch (accounts, audit, the assessments), as every
role and as nobody, against the permission matrix of docs/site.md.

The walk is ``urlwalk.py``'s: a page added without a row in ``RULE_NAMES`` fails
``test_every_url_has_a_rule``, so no page escapes this test; each request runs in a
savepoint that is rolled back; a refused write must leave the database unchanged. The
countries, alerts and tracker pages are walked by test_authz_watch.py, the API by
api/test_authz.py.
"""

from __future__ import annotations

import pytest

from tests.web.urlwalk import WATCH_NAMESPACES, url_names, walk_pages

ROLES = ["anonymous", "admin", "focal", "viewer", "assessor", "assessor2", "contributor",
         "focal_uga", "outsider"]
LOGGED_IN = set(ROLES) - {"anonymous"}
KEN_READERS = {"admin", "focal", "viewer", "assessor", "assessor2", "contributor"}
KEN_MEMBERS = {"assessor", "assessor2", "contributor"}
UGA_READERS = {"admin", "focal_uga"}


# The audit log's filters (every one of them), and filters a probe would send.
AUDIT_FILTERS = ("actor=focal&action=update&object_type=assessment&object_id=1"
                 "&assessment=1&country=KEN&from=2020-01-01&to=2030-12-31")
BAD_AUDIT_FILTERS = "from=2024-02-30&to=2024-13-01&assessment=x&page=-1&action=%00"


def _api_assets():
    from tocsin.web.api import reference

    return sorted(reference.ASSETS)


API_ASSETS = _api_assets()


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
                   "members": KEN_MEMBERS if label == "KEN" else set(),
                   # the members page's forms: the owners, and administrators (who may
                   # give an entry that is someone's to someone else)
                   "linkers": owners | {"admin"}}
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
        # What one added, wherever it is: everyone signed in, their own only.
        "accounts:my_evidence": [("", {}, LOGGED_IN, None)],
        "accounts:user_role_add": [("", {"user_id": w.users["viewer"].pk}, None, {"admin"})],
        "accounts:user_role_remove": [("", {"user_id": w.users["viewer"].pk,
                                            "role_id": w.viewer_role.pk}, None, {"admin"})],
        "accounts:user_active": [("", {"user_id": w.users["viewer"].pk}, None, {"admin"})],
        "audit:log": [("", {}, {"admin"}, None),
                      ("filtered", {"?": AUDIT_FILTERS}, {"admin"}, None),
                      ("bad filters", {"?": BAD_AUDIT_FILTERS}, {"admin"}, None),
                      ("page 2", {"?": "page=2"}, {"admin"}, None)],
        "audit:export": [("", {}, {"admin"}, None),
                         ("filtered", {"?": AUDIT_FILTERS}, {"admin"}, None)],
        # The feeds' state (issue 17): administrators only; it names internal mirrors.
        "monitoring:status": [("", {}, {"admin"}, None)],
        # Django's language switch: sets a cookie and redirects; reads and writes nothing.
        "set_language": [("", {}, anyone, anyone)],
        # The site's icon: public, like the static files.
        "favicon": [("", {}, anyone, None)],
        # The API reference and Swagger UI's files: signed-in users only.
        "api_docs:reference": [("", {}, LOGGED_IN, None)],
        "api_docs:asset": [("script", {"name": name}, LOGGED_IN, None) for name in API_ASSETS],
        "assessments:home": [("", {}, LOGGED_IN, None)],
        "assessments:new": [("", {}, {"focal", "focal_uga"}, {"focal", "focal_uga"})],
        "assessments:import": [("", {}, {"focal", "focal_uga"}, {"focal", "focal_uga"})],
        "assessments:detail": per_assessment("readers", None),
        "assessments:scores": per_assessment("readers", None),
        "assessments:gaps": per_assessment("readers", None),
        "assessments:rate": per_assessment("readers", None),
        "assessments:rate_section": per_assessment("readers", None,
                                                 {"section": w.ken_rf}),
        "assessments:members": per_assessment("readers", "linkers"),
        "assessments:rate_item": per_assessment(None, "members",
                                              {"kind": "indicator", "item_id": fw_ind}),
        "assessments:add_evidence": per_assessment(None, "members",
                                                 {"kind": "indicator", "item_id": fw_ind}),
        "assessments:status": per_assessment(None, "owners"),
        "assessments:revise": per_assessment(None, "owners"),
        "assessments:delete": per_assessment(None, "owners"),
        "assessments:export": per_assessment("owners", None),
        "assessments:version": per_assessment("owners", None, {"number": 1}),
        # With sensitive evidence asked for: only its owners get it (the body check).
        "assessments:report": (per_assessment("readers", None, {"fmt": "html"})
                               + per_assessment("readers", None,
                                                {"fmt": "html", "?": "sensitive=1"})),
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
    "accounts:invite", "accounts:accept", "accounts:users", "accounts:my_evidence",
    "accounts:user_role_add",
    "accounts:user_role_remove", "accounts:user_active", "audit:log", "audit:export",
    "monitoring:status",
    "set_language", "favicon", "api_docs:reference", "api_docs:asset",
    "assessments:home", "assessments:new", "assessments:import", "assessments:detail",
    "assessments:scores", "assessments:gaps", "assessments:rate", "assessments:rate_section",
    "assessments:members", "assessments:rate_item", "assessments:add_evidence",
    "assessments:status",
    "assessments:revise", "assessments:delete", "assessments:export", "assessments:version",
    "assessments:report", "assessments:evidence_file", "assessments:evidence_delete",
}



def test_every_url_has_a_rule():
    names = url_names(exclude=WATCH_NAMESPACES)
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


def post_data(w):
    """Plausible bodies, so that an allowed request gets past its form to the write."""
    ind = w.ken_indicator
    return {
        "assessments:rate_item": {f"indicator-{ind}-level": "2"},
        "assessments:add_evidence": {f"ev-indicator-{ind}-text": "A source"},
        "assessments:status": {"action": "submit"},
        "accounts:user_role_add": {"role": "viewer", "country": "UGA"},
    }


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
    w = walk_world
    problems = walk_pages(client, w, role, cases(w), post_data(w), fingerprint)
    assert not problems, "\n".join(problems)
