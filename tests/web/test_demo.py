"""The demo shows every role's work (issue 14, item 9): the demo accounts hold roles where
the bundled events put the alerts, so each can act on them, and an assessment to rate,
review and sign."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from tests.web.world import EXAMPLE


@pytest.fixture
def demo(watch_world, settings, tmp_path):
    """The demo set up on the watch world's alerts (as ``tocsin warn run`` stored them)."""
    from django.contrib.auth import get_user_model

    from tocsin.web.demo import setup

    settings.HOME = tmp_path  # demo_forecasts writes its files under the home
    User = get_user_model()
    # The watch world has accounts of these names; the demo's are its own.
    User.objects.filter(username__in=["admin", "focal", "assessor", "contributor",
                                      "viewer"]).delete()
    from tocsin.web.assessments.models import Assessment

    Assessment.objects.filter(country="KEN").delete()  # the world's copy of the example
    row, accounts = setup(EXAMPLE)
    return row, {a["username"]: a for a in accounts}, watch_world


def test_every_role_can_try_its_work_on_the_demo(demo):
    from django.contrib.auth import get_user_model

    from tocsin.web import policy
    from tocsin.web.alerts.models import Alert
    from tocsin.web.assessments.models import Assessment
    from tocsin.web.demo import DRAFT_TITLE

    row, accounts, _w = demo
    users = {u.username: u for u in get_user_model().objects.filter(username__in=accounts)}
    assert row.status == "in-review"  # as the file says: the focal point can sign it off
    draft = Assessment.objects.get(title=DRAFT_TITLE)
    assert (draft.country, draft.status) == ("MMR", "draft")
    alert = Alert.objects.filter(country="MMR", baseline=False).first()
    assert alert is not None
    focal, assessor, contributor, viewer = (users[n] for n in
                                            ("focal", "assessor", "contributor", "viewer"))
    assert policy.can_act_on_alert(focal, alert)                     # acknowledge, assign
    assert all(policy.can_comment_on_alert(u, alert) for u in (assessor, contributor, viewer))
    assert draft in policy.alert_evidence_targets(assessor, alert)     # use as evidence
    assert draft in policy.alert_evidence_targets(contributor, alert)
    assert policy.can_rate(assessor, draft)                            # rate
    assert not policy.can_rate(contributor, draft) and policy.can_contribute(contributor, draft)
    assert policy.can_manage(focal, draft) and policy.can_manage(focal, row)  # review, sign
    assert policy.can_view(viewer, draft) and policy.can_view(viewer, row)
    # The draft has a few ratings, so its scores are not empty.
    from tocsin.web.assessments.views.common import scorecard

    assert scorecard(draft)[2].overall.score is not None


def test_the_account_list_says_what_each_can_do_where(demo):
    _row, accounts, _w = demo
    assert "Myanmar" in accounts["focal"]["job"] and "Kenya" in accounts["focal"]["job"]
    assert "signs off Kenya" in accounts["focal"]["job"]
    assert "rates Myanmar's draft" in accounts["assessor"]["job"]
    assert "as evidence" in accounts["contributor"]["job"]
    assert "MMR" in accounts["admin"]["job"]


def test_demo_setup_runs_twice_without_importing_twice(demo):
    from tocsin.web.assessments.models import Assessment

    out = io.StringIO()
    call_command("demo_setup", assessment=str(EXAMPLE), stdout=out)
    assert Assessment.objects.filter(country="MMR", title__startswith="Demo draft").count() == 1
    assert Assessment.objects.filter(country="KEN", title__startswith="Illustrative",
                                     status="in-review").count() == 1
    text = out.getvalue()
    assert "Draft: Demo draft: Myanmar" in text and "rates Myanmar's draft" in text
