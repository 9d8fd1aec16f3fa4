"""The pages of the watch (the countries, the alerts inbox, the tracker, the API tokens
page), as every role and as nobody, against the matrix below (docs/site.md, the
alerts' rules in ``tocsin.web.policy``).

The walk is ``urlwalk.py``'s, as for the other pages (test_authz.py): a URL added
without a row here fails ``test_every_watch_url_has_a_rule``; each request runs in a
rolled-back savepoint; a refused write must leave the database unchanged, and an
allowed one must write. The API is walked by api/test_authz.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.web.urlwalk import WATCH_NAMESPACES, url_names, walk_pages

ROLES = ["anonymous", "admin", "focal", "viewer", "assessor", "assessor2", "contributor",
         "focal_uga", "outsider", "focal_mmr", "assessor_mmr"]
LOGGED_IN = set(ROLES) - {"anonymous"}


def _situation_and_silence(w):
    """An open situation of MMR (the alerts put into situations first, as `tocsin warn
    run` does), and a silence of MMR's alerts (made by its focal point)."""
    from django.utils import timezone

    from tocsin.warning.situations import OPEN, SituationSettings
    from tocsin.web.alerts import services
    from tocsin.web.alerts.grouping import clock_for, group
    from tocsin.web.alerts.models import Alert, Silence, Situation

    if not Alert.objects.filter(situation__isnull=False).exists():
        # The samples' last week as "now": MMR's last situation is open, not quiet.
        group(SituationSettings(), clock_for({}, {"MMR"}), notify=False)
    situation = Situation.objects.filter(country="MMR", status__in=OPEN).latest("pk").pk
    silence = Silence.objects.filter(reason="walk").first() or services.create_silence(
        {"country": "MMR"}, timezone.now() + dt.timedelta(days=7), "walk",
        user=w.users["focal_mmr"])
    return situation, silence.pk


def cases(w):
    """url name -> [(label, kwargs, GET allowed, POST allowed)]; None: 405 / not answered."""
    a = w.mmr_alert.pk
    situation, silence = _situation_and_silence(w)
    return {
        "alerts:alerts": [("", {}, LOGGED_IN, None),
                          ("filtered", {"?": "status=all&country=MMR&severity=high"},
                           LOGGED_IN, None)],
        "alerts:situation": [("", {"pk": situation}, LOGGED_IN, None)],
        "alerts:situation_status": [("", {"pk": situation}, None, {"admin", "focal_mmr"})],
        "alerts:situation_owner": [("", {"pk": situation}, None, {"admin", "focal_mmr"})],
        "alerts:situation_evidence": [("", {"pk": situation}, None, {"assessor_mmr"})],
        # Any signed-in user reads the silences; making one (for MMR) or ending one early
        # is for who may act on the country's alerts.
        "alerts:silences": [("", {}, LOGGED_IN, {"admin", "focal_mmr"})],
        "alerts:silence_expire": [("", {"pk": silence}, None, {"admin", "focal_mmr"})],
        "alerts:bulletin": [("MMR", {"iso3": "MMR"}, LOGGED_IN, None),
                            ("MMR month", {"iso3": "MMR", "?": "period=2021-03"}, LOGGED_IN,
                             None)],
        "countries:watch_list": [("", {}, LOGGED_IN, None)],
        "countries:country": [("MMR", {"iso3": "MMR"}, LOGGED_IN, None)],
        "alerts:list": [("", {}, LOGGED_IN, None),
                        ("filtered", {"?": "status=all&country=MMR&severity=high&page=2"},
                         LOGGED_IN, None)],
        "alerts:subscription": [("", {}, LOGGED_IN, LOGGED_IN)],
        "alerts:detail": [("", {"pk": a}, LOGGED_IN, None)],
        "alerts:status": [("", {"pk": a}, None, {"admin", "focal_mmr"})],
        "alerts:assign": [("", {"pk": a}, None, {"admin", "focal_mmr"})],
        "alerts:comment": [("", {"pk": a}, None, {"admin", "focal_mmr", "assessor_mmr"})],
        "alerts:evidence": [("", {"pk": a}, None, {"assessor_mmr"})],
        "tracker:overview": [("", {}, LOGGED_IN, None),
                             ("filtered", {"?": "q=ke&region=africa&show=recorded&page=2"},
                              LOGGED_IN, None)],
        "tracker:country": [("KEN", {"iso3": "KEN"}, LOGGED_IN, {"admin", "focal"}),
                            ("MMR", {"iso3": "MMR"}, LOGGED_IN, {"admin", "focal_mmr"})],
        "tracker:row": [("KEN", {"iso3": "KEN"}, LOGGED_IN, {"admin", "focal"}),
                        ("MMR", {"iso3": "MMR"}, LOGGED_IN, {"admin", "focal_mmr"}),
                        # the row as a form of its statuses: its editors only
                        ("KEN edit", {"iso3": "KEN", "?": "edit=1"}, {"admin", "focal"},
                         {"admin", "focal"})],
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
        # Closing is a move from every open status (with its reason).
        "alerts:situation_status": {"to": "closed", "reason": "walked"},
        "alerts:situation_owner": {"user": w.users["assessor_mmr"].pk},
        "alerts:situation_evidence": {"assessment": w.mmr.pk, "indicator": w.indicator},
        "alerts:silences": {"country": "MMR", "reason": "quiet",
                            "until": (dt.date.today() + dt.timedelta(days=7)).isoformat()},
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
        Silence,
        Situation,
        SituationChange,
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
            sorted(ApiToken.objects.values_list("pk", flat=True)),
            sorted(Situation.objects.values_list("pk", "status", "owner_id")),
            SituationChange.objects.count(),
            sorted(Silence.objects.values_list("pk", "ends_at")))


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
