"""The pages of the watch (the countries, the alerts inbox, the tracker, the API tokens
page), as every role and as nobody, against the matrix below (docs/site.md, the
alerts' rules in ``tocsin.web.policy``).

The walk is ``urlwalk.py``'s, as for the other pages (test_authz.py): a URL added
without a row here fails ``test_every_watch_url_has_a_rule``; each request runs in a
rolled-back savepoint; a refused write must leave the database unchanged, and an
allowed one must write. The API is walked by api/test_authz.py.
"""

from __future__ import annotations

import pytest

from tests.web.urlwalk import WATCH_NAMESPACES, url_names, walk_pages

ROLES = ["anonymous", "admin", "focal", "viewer", "assessor", "assessor2", "contributor",
         "focal_uga", "outsider", "focal_mmr", "assessor_mmr"]
LOGGED_IN = set(ROLES) - {"anonymous"}


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
        "tracker:country": [("KEN", {"iso3": "KEN"}, LOGGED_IN, {"admin", "focal"}),
                            ("MMR", {"iso3": "MMR"}, LOGGED_IN, {"admin", "focal_mmr"})],
        "tracker:row": [("KEN", {"iso3": "KEN"}, LOGGED_IN, {"admin", "focal"}),
                        ("MMR", {"iso3": "MMR"}, LOGGED_IN, {"admin", "focal_mmr"})],
        "api_tokens:tokens": [("", {}, LOGGED_IN, LOGGED_IN)],
        "api_tokens:revoke": [("viewer's token", {"pk": w.viewer_token_row.pk}, None,
                               {"viewer"})],
    }


TRACKER_FORM = {"focal_point-status": "done", "national_assessment-status": "in_progress",
                "genocide_convention-status": "done", "rome_statute-status": "done",
                "arms_trade_treaty-status": "signed", "regional_cooperation-status": "unknown",
                "peer_review-status": "unknown", "partnerships-status": "unknown",
                "discussions-status": "unknown"}


def post_data(w):
    return {
        "alerts:status": {"to": "acknowledged"},
        "alerts:assign": {"user": w.users["assessor_mmr"].pk},
        "alerts:comment": {"text": "seen"},
        "alerts:evidence": {"assessment": w.mmr.pk, "indicator": w.indicator},
        "alerts:subscription": {"countries": "MMR", "min_severity": "high", "active": "on"},
        # Every status of the state's one form (recommendation 2 is read from its
        # assessments where it has one), the focal point's changed.
        "tracker:country": TRACKER_FORM,
        "tracker:row": TRACKER_FORM,
        "api_tokens:tokens": {"name": "x"},
    }


def fingerprint():
    """Enough of the database to see any write of these pages (and of the API)."""
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


def test_every_watch_url_has_a_rule(watch_world):
    names = url_names(WATCH_NAMESPACES, exclude=("api",))  # the API: api/test_authz.py
    pages = set(cases(watch_world))
    missing = names - pages
    assert not missing, f"URLs with no row in the permission matrix: {sorted(missing)}"
    assert not pages - names, f"rules for URLs that no longer exist: {pages - names}"


@pytest.mark.parametrize("role", ROLES)
def test_walk_watch_pages(client, watch_world, role):
    w = watch_world
    problems = walk_pages(client, w, role, cases(w), post_data(w), fingerprint,
                          must_write=True)
    assert not problems, "\n".join(problems)
